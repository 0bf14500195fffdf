"""Leave one region out: infer from one group of regions, forecast the other, and the reverse.

A true split of the record (``scenarios/regions.yaml``): the parameters are inferred, as
``infer`` does, from every observation of one group (the north and the diplomacy, of
either role) and each observation of the other group (the south, the east and the coast)
is forecast by the accepted runs' own days (a run is a pure function of its parameters and
seed, so nothing is run again); then the reverse. Each forecast is scored with the CRPS
(scoringrules) against the documented date, beside the prior's (all the table's runs):
skill ``1 - CRPS / CRPS_prior`` per part of the table (seed), and their mean. Every value
the baseline marks calibrated is drawn in the table, so the held-out group informs no value.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from model.config.loader import read_yaml
from model.errors import ScenarioError
from model.studies import abc
from model.studies.infer import Settings
from model.studies.table import Table

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "scenarios" / "regions.yaml"


class Regions(BaseModel):
    """``regions.yaml``: the two groups of regions, and each region's observations."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    groups: dict[str, list[str]]
    regions: dict[str, list[str]]

    def members(self, group: str) -> list[str]:
        """The observation ids of a group."""
        return [i for r in self.groups[group] for i in self.regions.get(r, [])]


def load_regions(path: str | Path = DEFAULT_PATH) -> Regions:
    """Read and check the regions file.

    Raises:
        ScenarioError: Missing or malformed, or a group naming an unknown region.
    """
    try:
        reg = Regions.model_validate(read_yaml(Path(path)))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ScenarioError(str(path), ".".join(map(str, err["loc"])), err["msg"]) from None
    if len(reg.groups) != 2:
        raise ScenarioError(str(path), "groups", "give exactly two groups of regions")
    for g, names in reg.groups.items():
        for r in names:
            if r not in reg.regions:
                raise ScenarioError(str(path), f"groups.{g}", f"unknown region {r!r}")
    return reg


def crps(sample: np.ndarray, best: float) -> float:
    """CRPS of an ensemble forecast against the documented day (scoringrules)."""
    import scoringrules as sr

    return float(sr.crps_ensemble(float(best), sample.astype(float)))


def leave_one_out(table: Table, regions: Regions, settings: Settings) -> pd.DataFrame:
    """One row per forecast observation and seed: fit group, CRPS of the fit and the prior."""
    filled = table.filled()
    known = set(table.ids)
    rows = []
    for fit_group, other in (tuple(regions.groups), tuple(reversed(regions.groups))):
        fit_ids = [i for i in regions.members(fit_group) if i in known]
        stats = abc.Statistics.of(table, fit_ids)
        post = abc.infer(table, stats, seeds=settings.seeds, ess=settings.ess, kind=settings.scale)
        parts = table.parts(settings.seeds)
        for i in (i for i in regions.members(other) if i in known):
            c = int(table.columns([i])[0])
            o = table.observations[c]
            best = float(o.day_range(table.start)[0])
            for k, fit in enumerate(post.fits):
                rows.append({
                    "fit_on": fit_group, "forecast": other, "observation": i, "role": o.role,
                    "seed": k, "crps": crps(filled[fit.rows, c], best),
                    "prior_crps": crps(filled[parts[k], c], best),
                })  # fmt: skip
    return pd.DataFrame(rows)


def summary(scores: pd.DataFrame) -> list[dict]:
    """Per direction: observations forecast, mean CRPS, the prior's, skill per seed and mean."""
    out = []
    for (fit_on, forecast), t in scores.groupby(["fit_on", "forecast"], sort=False):
        per = [float(1 - s["crps"].mean() / s["prior_crps"].mean())
               for _, s in t.groupby("seed")]  # fmt: skip
        out.append({
            "fit_on": fit_on, "forecast": forecast,
            "observations": int(t["observation"].nunique()),
            "crps": float(t["crps"].mean()), "prior_crps": float(t["prior_crps"].mean()),
            "skill": float(np.mean(per)), "skill_per_seed": per,
            "better_than_prior": int((t.groupby("observation")["crps"].mean()
                                      < t.groupby("observation")["prior_crps"].mean()).sum()),
        })  # fmt: skip
    return out


def unassigned(table: Table, regions: Regions) -> list[str]:
    """Observations in no region (left out of the check)."""
    assigned = {i for ids in regions.regions.values() for i in ids}
    return [i for i in table.ids if i not in assigned]


def format_summary(rows: list[dict], left_out: list[str]) -> str:
    """The leave-one-region-out scores for the terminal."""
    lines = ["Leave one region out (CRPS, days; skill 1 - CRPS / CRPS of the prior, per seed):"]
    for r in rows:
        seeds = " ".join(f"{s:+.2f}" for s in r["skill_per_seed"])
        lines.append(
            f"  fit on {r['fit_on']}, forecast {r['forecast']} ({r['observations']} "
            f"observations): CRPS {r['crps']:.2f} against the prior's {r['prior_crps']:.2f}, "
            f"skill {r['skill']:+.2f} ({seeds}); better than the prior for "
            f"{r['better_than_prior']} of {r['observations']}"
        )
    if left_out:
        lines.append("  in no region (left out): " + ", ".join(left_out))
    return "\n".join(lines)
