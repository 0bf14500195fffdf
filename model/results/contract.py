"""The results contract: format version, file names and the source of each event's rule."""

from __future__ import annotations

from pathlib import Path

from model.sim.rules import RULES

RESULTS_ROOT = Path("results")


# Rule id -> the "source" column of events.csv; "S" marks a scenario's own intervention.
EVENT_SOURCES = {
    **{r.id: f"article: {r.section}" for r in RULES.values()},
    "S": "scenario file (scheduled intervention)",
}


FORMAT_VERSION = 1


FORMATS = ("csv", "parquet")


DAILY_FILE = {"csv": "daily.csv", "parquet": "daily.parquet"}


PROGRESS = "progress.json"


INCOMPLETE = "INCOMPLETE"
