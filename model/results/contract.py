"""The results contract: format version, file names and the source of each event's rule."""

from __future__ import annotations

from pathlib import Path

from model.sim.rules import RULES

RESULTS_ROOT = Path("results")


# Rule id -> the "source" column of events.csv; "S" marks a scenario's own intervention.
EVENT_SOURCES = {
    **{
        r.id: r.section if r.section.startswith("other outlets") else f"article: {r.section}"
        for r in RULES.values()
    },
    "S": "scenario file (scheduled intervention)",
}


# 2: manifest.json lists every file with its SHA-256 and size; progress.json each block's.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 1 folders are read, but cannot be verified


FORMATS = ("csv", "parquet")


DAILY_FILE = {"csv": "daily.csv", "parquet": "daily.parquet"}


PROGRESS = "progress.json"


INCOMPLETE = "INCOMPLETE"


MANIFEST = "manifest.json"
