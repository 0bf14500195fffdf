"""``hindcast``: forecasts of the documented events from earlier dates, scored out of sample.

For each origin date, the posterior of the uncertain parameters is inferred (``infer.fit``)
from the observations whose whole documented range lies before the origin only, and every
other observation is forecast by posterior-predictive runs. A forecast knows what a
forecaster on the origin day knew: the event had not happened yet, so runs in which it
happened earlier are left out (``MIN_KEPT`` runs at least; otherwise the days are clipped to
the origin). Three baselines are forecast and scored the same way: every day from the
origin to the horizon equally likely (the horizon standing for "not by then"), the prior
predictive (parameters drawn from the ``uncertain:`` ranges, nothing fitted) and the
hand-set point (the scenario's own values). Scores, from scoringrules: the continuous
ranked probability score in days (``crps_ensemble``), the interval score of the central
90 % interval (``interval_score``) and a binned log score (``log_score`` of the
probability given to the documented date or range). Skill against a baseline is
``1 - S_model / S_baseline`` (positive: the model forecasts better), with a bootstrap
interval over the events scored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model.config.observations import DEFAULT_PATH, Observation, load_observations
from model.config.runs import DEFAULT_SEED
from model.config.schema import Scenario, scenario_digest
from model.errors import OptionError
from model.studies.abcsim import Prior, require
from model.studies.calibrate import current_values
from model.studies.infer import Settings, fit, predictive_days, resample

if TYPE_CHECKING:
    from model.ensemble.runner import Job

DEFAULT_ORIGINS = ("2024-11-30", "2024-12-02", "2024-12-04", "2024-12-06")
FORECASTERS = ("model", "uniform", "prior", "handset")
BASELINES = ("uniform", "prior", "handset")
SCORES = ("crps", "is90", "logs")
SCORE_NOTES = {
    "crps": "continuous ranked probability score, days",
    "is90": "interval score of the central 90 % interval, days",
    "logs": "binned log score: -log of the probability given to the documented date or range",
}
MIN_KEPT = 20  # runs consistent with the origin's knowledge needed to forecast from them alone
BOOTSTRAP = 2000
CAPITAL_EVENT = "damascus_falls"


@dataclass(frozen=True)
class HindcastSettings:
    """What a hindcast is asked to do."""

    origins: tuple[str, ...] = DEFAULT_ORIGINS
    particles: int = 200
    generations: int = 4
    forecast_runs: int = 300
    seed: int = DEFAULT_SEED
    pilot_runs: int = 200


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


def conditioned(days: np.ndarray, origin: int, horizon: int) -> tuple[np.ndarray, float]:
    """A forecast sample that knows the event had not happened before ``origin``.

    Args:
        days: The event's day per run (NaN: never, counted as the horizon).
        origin: The origin day.
        horizon: The last day.

    Returns:
        The sample and the share of runs consistent with the origin's knowledge.
    """
    d = np.where(np.isnan(days), float(horizon), days)
    keep = d >= origin
    if keep.sum() >= MIN_KEPT:
        return d[keep], float(keep.mean())
    return np.maximum(d, origin), float(keep.mean())


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


def skill(scores: pd.DataFrame, score: str, baseline: str, seed: int) -> dict:
    """Skill ``1 - mean S_model / mean S_baseline`` with a 95 % bootstrap over events."""
    m = scores[f"model_{score}"].to_numpy(float)
    b = scores[f"{baseline}_{score}"].to_numpy(float)
    if len(m) == 0 or b.mean() == 0:
        return {"skill": None, "low": None, "high": None, "events": int(len(m))}
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), len(m), 0x534B]))
    idx = rng.integers(0, len(m), size=(BOOTSTRAP, len(m)))
    den = b[idx].mean(axis=1)
    boot = 1.0 - m[idx].mean(axis=1) / np.where(den > 0, den, np.nan)
    lo, hi = np.nanpercentile(boot, [2.5, 97.5])
    return {
        "skill": float(1.0 - m.mean() / b.mean()),
        "low": float(lo),
        "high": float(hi),
        "events": int(len(m)),
    }


def hindcast_to_dir(
    sc: Scenario,
    scenario_path: str,
    settings: HindcastSettings,
    job: Job,
    observations_path: str | Path = DEFAULT_PATH,
    resume: str | None = None,
    given: dict | None = None,
) -> tuple[Path, pd.DataFrame, dict]:
    """Run the hindcast at every origin and write its folder, keeping each finished origin.

    The folder goes through the lifecycle of ``results.lifecycle``: each origin's forecasts
    and scores are recorded in ``origin-<date>.json`` as it finishes (its SHA-256 in
    ``progress.json``), so an interrupted hindcast keeps them, and ``resume`` (its hidden
    folder, checked against the scenario, observations, settings and code) computes only
    the origins still missing, each from its own seed: the files are those of an
    uninterrupted hindcast.

    Args:
        sc: The scenario.
        scenario_path: Its file.
        settings: Origins, particles, generations, forecast runs, seed (of a new hindcast).
        job: Where to run, the output folder, the command line.
        observations_path: The observations.
        resume: An interrupted hindcast's hidden folder to finish.
        given: With ``resume``, the identity entries given on the command line (None: the
            folder's).

    Returns:
        The folder, ``scores.csv`` as a table and the ``scores.json`` document.
    """
    from model.results.files import new_results_dir
    from model.results.lifecycle import ResultsFolder, study_manifest
    from model.viz.posterior_plots import plot_hindcast

    require()
    observations = load_observations(observations_path)
    origin_days(settings.origins, sc.start_date, sc.horizon_days.value)  # checked first
    ident = _identity(sc, settings, observations_path)
    if resume is None:
        final = new_results_dir(f"{sc.name}-hindcast", job.out)
        lifecycle = ResultsFolder.create(
            "hindcast", final, ident, job.command_line(), {"seed": settings.seed},
            state={"origins_done": [], "origin_sha256": {}},
        )  # fmt: skip
    else:
        fixed = ("scenario_sha256", "observations_sha256", "code_sha256")
        lifecycle = ResultsFolder.reopen(
            resume, "hindcast", {k: ident[k] for k in fixed} | (given or {})
        )
    with job.executor.start(10**6) as ex, lifecycle as folder:
        settings = _settings_of(folder.identity)
        start, horizon = sc.start_date, sc.horizon_days.value
        days0 = origin_days(settings.origins, start, horizon)
        records = []
        for i, (text, d0) in enumerate(zip(settings.origins, days0, strict=True)):
            records.append(_origin(folder, i, text, d0, sc, settings, observations, ex, job))
        scores, doc = _scores(sc, scenario_path, settings, job, records)
        tmp = folder.path
        scores.to_csv(tmp / "scores.csv", index=False, float_format="%.6g")
        (tmp / "scores.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        fans = [(r["fan"][0], np.array(r["fan"][1])) for r in records if r["fan"]]
        if fans:
            capital_doc = next(r["capital_documented"] for r in records if r["fan"])
            plot_hindcast(
                fans,
                tuple(capital_doc),
                start,
                horizon,
                f"{sc.name}: the capital's fall as forecast from each origin "
                f"({settings.forecast_runs} posterior-predictive runs, runs in which it fell "
                "earlier left out)",
                tmp / "hindcast.png",
            )
        folder.publish(study_manifest("hindcast"))
    return folder.final, scores, doc


def _identity(sc: Scenario, settings: HindcastSettings, observations_path) -> dict:
    from model.results.provenance import code_digest
    from model.studies.infer_folder import file_digest

    return {
        "scenario_sha256": scenario_digest(sc),
        "observations_sha256": file_digest(observations_path),
        "master_seed": settings.seed,
        "origins": list(settings.origins),
        "particles": settings.particles,
        "generations": settings.generations,
        "forecast_runs": settings.forecast_runs,
        "pilot_runs": settings.pilot_runs,
        "code_sha256": code_digest(),
    }


def _settings_of(ident: dict) -> HindcastSettings:
    return HindcastSettings(
        origins=tuple(ident["origins"]),
        particles=ident["particles"],
        generations=ident["generations"],
        forecast_runs=ident["forecast_runs"],
        seed=ident["master_seed"],
        pilot_runs=ident["pilot_runs"],
    )


def _origin(folder, i: int, text: str, d0: int, sc, settings, observations, ex, job) -> dict:
    """One origin's forecasts and scores: computed, or read back if a resume finds them.

    Returns:
        ``rows`` (one per event forecast), ``known`` and ``forecast`` (observation ids),
        ``fan`` (the capital's forecast: label and days, or None) and
        ``capital_documented`` (its earliest and latest documented day).
    """
    from model.results.integrity import sha256_file
    from model.results.jsonio import write_json_atomic

    path = folder.path / f"origin-{text}.json"
    if text in folder.state["origins_done"]:
        if sha256_file(path) != folder.state["origin_sha256"].get(text):
            from model.errors import ResultsError

            raise ResultsError(f"{folder.path}: cannot resume, {path.name} changed since it was "
                               "written")  # fmt: skip
        return json.loads(path.read_text(encoding="utf-8"))
    record = _forecast(folder.path, i, text, d0, sc, settings, observations, ex, job)
    write_json_atomic(path, record)
    folder.state["origins_done"].append(text)
    folder.state["origin_sha256"][text] = sha256_file(path)
    folder.save()
    return record


def _forecast(tmp: Path, i: int, text: str, d0: int, sc, settings, observations, ex, job):
    start, horizon = sc.start_date, sc.horizon_days.value
    prior = Prior.of(sc)
    handset = current_values(sc)
    n = settings.forecast_runs
    known, later = split(observations, d0, start)
    seed = int(np.random.SeedSequence([settings.seed, i]).generate_state(1)[0])
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5052]))
    prior_values = prior.draw(rng, n)
    if known:
        s = Settings(
            particles=settings.particles,
            generations=settings.generations,
            seed=seed,
            pilot_runs=settings.pilot_runs,
        )
        post, _ = fit(sc, known, s, ex, tmp / f"abc-{text}.db", progress=job.progress)
        model_values = post.values[resample(post, n, seed)]
    else:  # nothing documented yet: the posterior is the prior
        model_values = prior_values
    point = np.tile([handset[k] for k in prior.names], (n, 1))
    # the same run seeds for the three model-based forecasts: differences come from the
    # parameters, not from the draw
    days = {
        name: predictive_days(sc, later, vals, seed, ex, job.progress)
        for name, vals in (("model", model_values), ("prior", prior_values), ("handset", point))
    }
    uniform = np.arange(d0, horizon + 1, dtype=float)
    rows, fan, capital_doc = [], None, [0, 0]
    for j, o in enumerate(later):
        doc = o.day_range(start)
        row = {"origin": text, "event": o.id, "role": o.role,
               "documented": o.date.isoformat(), "documented_day": doc[0],
               "known_observations": len(known)}  # fmt: skip
        samples = {"uniform": uniform}
        for name in ("model", "prior", "handset"):
            samples[name], row[f"{name}_consistent"] = conditioned(days[name][:, j], d0, horizon)
        for name in FORECASTERS:
            sc_ = score_forecast(samples[name], doc)
            for k in SCORES:
                row[f"{name}_{k}"] = sc_[k]
        row["model_median"] = float(np.median(samples["model"]))
        rows.append(row)
        if o.id == CAPITAL_EVENT:
            label = (start + dt.timedelta(days=d0)).strftime("%d %b")
            fan = [label, samples["model"].tolist()]
            capital_doc = list(doc[1:])
    return {
        "rows": rows,
        "origin": {
            "origin": text,
            "day": d0,
            "known": [o.id for o in known],
            "forecast": [o.id for o in later],
        },  # fmt: skip
        "fan": fan,
        "capital_documented": capital_doc,
    }


def _scores(sc, scenario_path, settings, job, records) -> tuple[pd.DataFrame, dict]:
    from model.results.provenance import provenance

    scores = pd.DataFrame([row for r in records for row in r["rows"]])
    skills = {}
    for text in settings.origins:
        part = scores[scores["origin"] == text]
        skills[text] = {k: {b: skill(part, k, b, settings.seed) for b in BASELINES} for k in SCORES}
    skills["all"] = {k: {b: skill(scores, k, b, settings.seed) for b in BASELINES} for k in SCORES}
    doc = {
        **provenance(sc, scenario_path, job.argv),
        "settings": asdict(settings),
        "origins": [r["origin"] for r in records],
        "scores": SCORE_NOTES,
        "skill": skills,
        "skill_definition": "1 - mean score of the model / mean score of the baseline over "
        "the events forecast from the origin (positive: the model is better); 95 % "
        f"bootstrap interval over events ({BOOTSTRAP} resamples)",
        "mean_scores": {
            text: {
                f"{f}_{k}": float(scores.loc[scores["origin"] == text, f"{f}_{k}"].mean())
                for f in FORECASTERS
                for k in SCORES
            }
            for text in settings.origins
        },
    }
    return scores, doc


def _fmt(s: dict) -> str:
    if s["skill"] is None:
        return "-"
    return f"{s['skill']:+.2f} [{s['low']:+.2f}, {s['high']:+.2f}]"


def format_skill(doc: dict) -> str:
    """Skill per origin against each baseline (CRPS), for the terminal."""
    lines = [
        "CRPS skill 1 - S_model / S_baseline, 95 % bootstrap interval over events "
        "(positive: the model forecasts better)",
        f"{'origin':<12s}{'events':>7s}{'vs uniform':>24s}{'vs prior':>24s}{'vs hand-set':>24s}",
    ]
    for origin, by in doc["skill"].items():
        c = by["crps"]
        lines.append(
            f"{origin:<12s}{c['uniform']['events']:7d}{_fmt(c['uniform']):>24s}"
            f"{_fmt(c['prior']):>24s}{_fmt(c['handset']):>24s}"
        )
    return "\n".join(lines)
