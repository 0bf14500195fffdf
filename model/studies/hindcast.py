"""``hindcast``: forecasts of the held-out events from earlier dates, from the reference table.

At each origin a forecaster knows what was documented wholly before it (of either role) and
that the events documented from the origin on had not happened yet. The forecast keeps the
runs of the reference table that agree with that: every event still to come had not
happened by the origin, and among those runs the ``ess`` nearest everything observed by then
(jointly, the rejection of ``abc``, per part of the table). A run is a pure function of its
scenario, parameters and seed, so its own events after the origin *are* the continuation of
its own state on the origin day: the forecast is those runs' later days, nothing re-run.

Held-out events only are scored (a calibration observation after the origin was used to
set a fixed value in no run, but the ranges were chosen knowing it), each from every part of
the table (an independent repetition of the inference: an "inference seed"). Baselines,
scored the same way: **uniform** (every day from the origin to the horizon, the horizon
standing for "not by then"), **prior** (the same consistent runs, nothing matched) and
**persistence** (the pace of the documented events so far, continued: the events forecast
spread evenly over the days that pace needs for as many). Scores from scoringrules: CRPS in days,
the 90 % interval score and a binned log score. Skill ``1 - S_model / S_baseline``, per
seed; its interval pools a bootstrap over the events with the seeds, so it holds both.

Leakage: a value set from dates after an origin would inform its forecasts. Every value the
scenario marks calibrated is drawn from its ``uncertain:`` range in the table, so none is;
any that is not is printed as leakage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.config.observations import Observation
from model.config.schema import Scenario
from model.config.uncertain import calibrated_names
from model.errors import OptionError
from model.studies import abc
from model.studies.infer import Settings
from model.studies.table import Table

DEFAULT_ORIGINS = ("2024-11-30", "2024-12-02", "2024-12-04", "2024-12-06")
FORECASTERS = ("model", "uniform", "prior", "persistence")
BASELINES = ("uniform", "prior", "persistence")
SCORES = ("crps", "is90", "logs")
SCORE_NOTES = {
    "crps": "continuous ranked probability score, days",
    "is90": "interval score of the central 90 % interval, days",
    "logs": "binned log score: -log of the probability given to the documented date or range",
}
BOOTSTRAP = 2000
CAPITAL_EVENT = "damascus_falls"


def origin_days(origins: Sequence[str], start: dt.date, horizon: int) -> list[int]:
    """The origins as day numbers, checked.

    Raises:
        OptionError: A date that does not parse, or lies outside the simulated days.
    """
    days = []
    for text in origins:
        try:
            d = (dt.date.fromisoformat(text.strip()) - start).days
        except ValueError:
            raise OptionError("origins", text, "expected dates as YYYY-MM-DD") from None
        if not 0 < d < horizon:
            raise OptionError("origins", text, f"must lie after {start} and before the horizon")
        days.append(d)
    return days


def split(
    observations: Sequence[Observation], origin: int, start: dt.date
) -> tuple[list[Observation], list[Observation]]:
    """(known, later): observations wholly documented before day ``origin``, and the others."""
    known = [o for o in observations if o.day_range(start)[2] < origin]
    return known, [o for o in observations if o.day_range(start)[2] >= origin]


def consistent(table: Table, later: Sequence[Observation], origin: int) -> np.ndarray:
    """Runs in which no event documented from the origin on had happened before it."""
    ok = np.ones(len(table.rows), dtype=bool)
    filled = table.filled()
    for o, c in zip(later, table.columns([o.id for o in later]), strict=True):
        if o.day_range(table.start)[1] >= origin:
            ok &= filled[:, c] >= origin
    return ok


def persistence(known: int, origin: int, pending: int, horizon: int) -> np.ndarray:
    """The pace so far continued: the pending events spread evenly over the days it needs.

    ``known`` documented events in ``origin`` days is a pace of ``known / origin`` a day; the
    ``pending`` events forecast then take ``pending / pace`` days, every day of which (up to
    the horizon) is as likely for any one of them. Nothing documented yet: uniform.
    """
    if known == 0:
        return np.arange(origin, horizon + 1, dtype=float)
    end = min(horizon, origin + int(np.ceil(pending * origin / known)))
    return np.arange(origin, max(end, origin) + 1, dtype=float)


def score_forecast(sample: np.ndarray, documented: tuple[int, int, int]) -> dict[str, float]:
    """CRPS, 90 % interval score and binned log score of one ensemble forecast.

    Args:
        sample: The forecast ensemble (days).
        documented: (best, earliest, latest) documented day; CRPS and the interval score
            use the best date, the log score the probability of the documented range.
    """
    import scoringrules as sr

    best, lo, hi = documented
    q05, q95 = np.percentile(sample, [5, 95])
    k = float(np.sum((sample >= lo) & (sample <= hi)))
    p = (k + 0.5) / (len(sample) + 1.0)  # half a run's weight: a missed date is not -inf
    return {
        "crps": float(sr.crps_ensemble(float(best), sample.astype(float))),
        "is90": float(sr.interval_score(float(best), q05, q95, 0.1)),
        "logs": float(sr.log_score(1, p)),
    }


def leakage(sc: Scenario) -> list[str]:
    """Values marked calibrated that the table does not draw: fixed from every date, so leaks."""
    return [n for n in calibrated_names(sc) if n not in sc.uncertain]


def forecast_origin(
    table: Table, observations: Sequence[Observation], text: str, d0: int, settings: Settings
) -> tuple[list[dict], dict]:
    """One origin's forecasts of its later held-out events, per part of the table (seed).

    Returns:
        One row per (event, seed) with each forecaster's scores, and the origin's record
        (what was known, the accepted runs per seed, the capital's forecast days).
    """
    start, horizon = table.start, table.horizon
    known, later = split(observations, d0, start)
    allowed = consistent(table, later, d0)
    filled = table.filled()
    if known:
        stats = abc.Statistics.of(table, [o.id for o in known])
        post = abc.infer(table, stats, seeds=settings.seeds, ess=settings.ess,
                         kind=settings.scale, allowed=allowed)  # fmt: skip
        picks = [f.rows for f in post.fits]
    else:  # nothing documented yet: the forecast is the prior's
        stats, picks = None, [np.flatnonzero(allowed & p) for p in table.parts(settings.seeds)]
    uniform = np.arange(d0, horizon + 1, dtype=float)
    targets = [o for o in later if o.role == "held_out"]
    pace = persistence(len(known), d0, len(targets), horizon)
    rows, fan = [], None
    for o in later:
        if o.role != "held_out":
            continue
        c = int(table.columns([o.id])[0])
        doc = o.day_range(start)
        for k, (part, pick) in enumerate(zip(table.parts(settings.seeds), picks, strict=True)):
            samples = {"model": filled[pick, c], "prior": filled[allowed & part, c],
                       "uniform": uniform, "persistence": pace}  # fmt: skip
            row = {"origin": text, "event": o.id, "seed": k, "documented": o.date.isoformat(),
                   "documented_day": doc[0], "known_observations": len(known),
                   "accepted": len(pick), "consistent": int((allowed & part).sum()),
                   "model_median": float(np.median(samples["model"]))}  # fmt: skip
            for name in FORECASTERS:
                for key, v in score_forecast(samples[name], doc).items():
                    row[f"{name}_{key}"] = v
            rows.append(row)
    cap = int(table.columns([CAPITAL_EVENT])[0]) if CAPITAL_EVENT in table.ids else None
    if cap is not None and any(o.id == CAPITAL_EVENT for o in later):
        fan = [(start + dt.timedelta(days=d0)).strftime("%d %b"),
               filled[np.concatenate(picks), cap].tolist()]  # fmt: skip
    record = {"origin": text, "day": d0, "known": [o.id for o in known],
              "forecast": [o.id for o in later if o.role == "held_out"],
              "statistics": list(stats.ids) if stats else [],
              "accepted_per_seed": [len(p) for p in picks], "fan": fan}  # fmt: skip
    return rows, record


def skill(scores: pd.DataFrame, score: str, baseline: str, seed: int) -> dict:
    """Skill ``1 - mean S_model / mean S_baseline`` per seed, with the seeds folded in.

    The interval: for each of ``BOOTSTRAP`` resamples of the events, the skill of every
    seed; the central 95 % of them all, widened to take in every seed's own skill.
    """
    if scores.empty:
        return {"skill": None, "low": None, "high": None, "events": 0, "per_seed": []}
    events = sorted(scores["event"].unique())
    per = []
    m_by, b_by = [], []
    for _k, t in scores.groupby("seed", sort=True):
        t = t.set_index("event").loc[events]
        m, b = t[f"model_{score}"].to_numpy(float), t[f"{baseline}_{score}"].to_numpy(float)
        per.append(float(1.0 - m.mean() / b.mean()) if b.mean() > 0 else float("nan"))
        m_by.append(m)
        b_by.append(b)
    m_all, b_all = np.array(m_by), np.array(b_by)  # seeds x events
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), len(events), 0x534B]))
    idx = rng.integers(0, len(events), size=(BOOTSTRAP, len(events)))
    den = b_all[:, idx].mean(axis=2)
    boot = 1.0 - m_all[:, idx].mean(axis=2) / np.where(den > 0, den, np.nan)
    lo, hi = np.nanpercentile(boot, [2.5, 97.5])
    mean = float(np.nanmean(per))
    return {"skill": mean, "low": float(min(lo, np.nanmin(per))),
            "high": float(max(hi, np.nanmax(per))), "events": len(events),
            "per_seed": per}  # fmt: skip


def skills(scores: pd.DataFrame, origins: Sequence[str], seed: int) -> dict:
    """Per origin (and all together), per score and baseline, ``skill``."""
    out = {}
    for text in [*origins, "all"]:
        part = scores if text == "all" else scores[scores["origin"] == text]
        if text == "all" and len(part):
            part = part.assign(event=part["origin"] + ":" + part["event"])
        out[text] = {k: {b: skill(part, k, b, seed) for b in BASELINES} for k in SCORES}
    return out


def _fmt(s: dict) -> str:
    if s["skill"] is None:
        return "-"
    return f"{s['skill']:+.2f} [{s['low']:+.2f}, {s['high']:+.2f}]"


def format_skill(doc: dict) -> str:
    """Skill per origin against each baseline (CRPS), with each seed's, for the terminal."""
    lines = [
        "CRPS skill 1 - S_model / S_baseline over the held-out events, mean over seeds "
        "[95 % interval: events bootstrapped, seeds folded in]; per seed after it",
        f"{'origin':<12s}{'events':>7s}{'vs uniform':>24s}{'vs prior':>24s}"
        f"{'vs persistence':>24s}   vs prior, per seed",
    ]
    for origin, by in doc["skill"].items():
        c = by["crps"]
        seeds = " ".join(f"{x:+.2f}" for x in c["prior"]["per_seed"])
        lines.append(
            f"{origin:<12s}{c['uniform']['events']:7d}{_fmt(c['uniform']):>24s}"
            f"{_fmt(c['prior']):>24s}{_fmt(c['persistence']):>24s}   {seeds}"
        )
    leaks = doc.get("leakage", [])
    lines.append("Leakage (values fixed from later dates): " + (", ".join(leaks) or "none"))
    return "\n".join(lines)
