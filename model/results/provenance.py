"""What is recorded beside results so that they can be traced and reproduced."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from model.config.schema import Scenario, scenario_digest
from model.results.contract import FORMAT_VERSION


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape results."""
    out = {"python": sys.version.split()[0]}
    for pkg in ("assad-fall-abm", "mesa", "numpy", "pandas", "pydantic", "matplotlib", "PyYAML"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


# The packages whose code shapes what a results folder holds; the command line, the
# dashboard and the plots do not (a resumed folder's plots are drawn again, whole).
_CODE = ("sim", "config", "results", "ensemble", "analysis", "studies")


@functools.cache
def code_digest() -> str:
    """SHA-256 of the model's code that shapes results (its ``.py`` files, by path).

    Recorded in an unfinished folder, so that a resume by another version of the code,
    which might write other results, is refused rather than mixed in.
    """
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for part in _CODE:
        for p in sorted((root / part).rglob("*.py")):
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def manifest(
    sc: Scenario, path: str, master_seed: int, runs: int, argv: Sequence[str] | None
) -> dict:
    """The manifest.json contract."""
    return {
        "format_version": FORMAT_VERSION,
        "scenario": {"name": sc.name, "title": sc.title, "path": str(path)},
        "scenario_sha256": scenario_digest(sc),
        "resolved_scenario": sc.model_dump(mode="json"),
        "master_seed": int(master_seed),
        "runs": int(runs),
        "places": list(sc.places),
        "capital": sc.actors.regime.capital.value,
        "packages": package_versions(),
        "command_line": list(argv) if argv is not None else sys.argv,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def provenance(sc: Scenario, scenario_path: str | Path, argv: Sequence[str] | None) -> dict:
    """What any trust result records about where it came from (scenario, command, packages)."""
    from importlib import metadata

    from model.results.provenance import package_versions

    return {
        "scenario": {"name": sc.name, "title": sc.title, "path": str(scenario_path)},
        "scenario_sha256": scenario_digest(sc),
        "command_line": list(argv) if argv is not None else sys.argv,
        "packages": {**package_versions(), "SALib": metadata.version("SALib")},
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
