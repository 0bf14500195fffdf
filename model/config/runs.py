"""How many runs and which seeds: the defaults and bounds every command and the API share.

Kept apart from the modules that run anything, so that the argument parser can bound its
options without loading the simulation.
"""

from __future__ import annotations

# The master seed used when none is given: the offensive's first day, 27 November 2024.
DEFAULT_SEED = 20241127
DEFAULT_RUNS = 100

# numpy's SeedSequence takes any non-negative integer; a bound keeps seeds printable,
# storable in JSON and the same on every platform.
MAX_SEED = 2**63 - 1

# An ensemble written block by block keeps memory flat, but its files grow by about 10 kB a
# run (CSV): ten million runs are about 100 GB and, on a hundred cores, hours of work.
MAX_RUNS = 10_000_000

# Commands that hold every run in memory (validate, ablate, the studies' samples) grow with
# their runs (the daily table alone is about 2.7 MB per 1,000 runs), so they are bounded lower.
MAX_RUNS_IN_MEMORY = 100_000

MAX_WORKERS = 4096  # processes of a local pool or cluster; far above any machine's cores
