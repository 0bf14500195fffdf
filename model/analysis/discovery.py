"""Scenario discovery with PRIM (EMA Workbench): boxes of inputs where an outcome holds.

PRIM (Friedman and Fisher 1999; Bryant and Lempert 2010) peels a box of the input space
step by step, trading coverage (the share of all cases of interest that lie inside the box)
for density (the share of the cases inside the box that are of interest). Each step of the
peeling trajectory is a candidate; the chosen box is the simplest candidate (fewest
restricted inputs) with both at least ``GOAL``, or, when none reaches it, the candidate with
the largest of the smaller of the two, said plainly. Each limit of a box comes with its
quasi-p value (a one-sided binomial test of whether the limit matters), the box's inputs
with their resampling stability (how often PRIM on random halves of the cases restricts
them), and all inputs with extra-trees feature scores.

This module works on a table of cases alone; ``model.studies.discover`` runs them.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd

from model.errors import ModelError

GOAL = 0.8  # coverage and density a chosen box should reach
SIGNIFICANT = 0.05  # a limit with a larger quasi-p value is reported, but not put in words
RESAMPLES = 10
PEEL_ALPHA = 0.05
MASS_MIN = 0.05


def _ema():
    try:
        with warnings.catch_warnings():
            # Its optional evaluators warn at import that their packages are missing.
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import feature_scoring, prim
            from ema_workbench.analysis.scenario_discovery_util import RuleInductionType
    except ImportError:
        raise ModelError(
            "discover needs EMA Workbench (its extra); install it with: "
            "pip install -e '.[discover]'"
        ) from None
    return prim, feature_scoring, RuleInductionType


@contextlib.contextmanager
def seeded_global(seed: int) -> Iterator[None]:
    """Seed numpy's global generator for a library that draws from it, then restore it.

    EMA Workbench's resampling draws its halves with ``np.random.choice``; seeding it here
    makes a discovery reproducible, and restoring it leaves every other draw as it was.
    """
    state = np.random.get_state()
    np.random.seed(seed % 2**32)
    try:
        yield
    finally:
        np.random.set_state(state)


def choose(trajectory: pd.DataFrame, goal: float = GOAL) -> tuple[int, bool]:
    """The step of the peeling trajectory to report, and whether it reaches ``goal``.

    The simplest box with coverage and density both at least ``goal`` (then the denser,
    then the wider); else the step whose smaller of the two is largest.
    """
    t = trajectory
    ok = t[(t.coverage >= goal) & (t.density >= goal)]
    if len(ok):
        best = ok.sort_values(["res_dim", "density", "coverage"], ascending=[True, False, False])
        return int(best.index[0]), True
    worst = np.minimum(t.coverage.to_numpy(), t.density.to_numpy())
    return int(t.index[int(np.argmax(worst))]), False


def limits(box, i: int, x: pd.DataFrame) -> list[dict]:
    """The restricted inputs of step ``i`` of a PRIM box: each side's limit and quasi-p.

    Returns:
        Per restricted input: ``input``, ``kind`` (``number`` or ``choice``), ``low``,
        ``high`` (numbers) or ``values`` (choices), ``qp_low``, ``qp_high`` (None for a side
        not restricted) and the input's full range.
    """
    lims, qp, init = box.box_lims[i], box.qp[i], box.prim.box_init
    out = []
    for name, (q_low, q_high) in qp.items():
        q_low = None if q_low is None or q_low < 0 else float(q_low)
        q_high = None if q_high is None or q_high < 0 else float(q_high)
        if isinstance(lims.at[0, name], set):
            out.append({"input": name, "kind": "choice", "values": sorted(lims.at[0, name]),
                        "all_values": sorted(init.at[0, name]), "qp_low": q_low,
                        "qp_high": None})  # fmt: skip
            continue
        lo, hi = float(lims.at[0, name]), float(lims.at[1, name])
        out.append({"input": name, "kind": "number",
                    "low": lo if lo != float(init.at[0, name]) else None,
                    "high": hi if hi != float(init.at[1, name]) else None,
                    "range": [float(x[name].min()), float(x[name].max())],
                    "qp_low": q_low, "qp_high": q_high})  # fmt: skip
    return out


def _number(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def in_words(lims: list[dict], labels: dict[str, str] | None = None) -> str:
    """A box in words: each significant limit, joined by "and".

    Args:
        lims: ``limits``' output.
        labels: Optional phrase per choice input and value (``"name=value"`` -> words).
    """
    labels = labels or {}
    parts = []
    for lim in lims:
        name = lim["input"]
        if lim["kind"] == "choice":
            if lim["qp_low"] is not None and lim["qp_low"] > SIGNIFICANT:
                continue
            vals = lim["values"]
            parts.append(" or ".join(labels.get(f"{name}={v}", f"{name} = {v}") for v in vals))
            continue
        lo = lim["low"] if (lim["qp_low"] or 0.0) <= SIGNIFICANT else None
        hi = lim["high"] if (lim["qp_high"] or 0.0) <= SIGNIFICANT else None
        if lo is not None and hi is not None:
            parts.append(f"{name} between {_number(lo)} and {_number(hi)}")
        elif lo is not None:
            parts.append(f"{name} above {_number(lo)}")
        elif hi is not None:
            parts.append(f"{name} below {_number(hi)}")
    return " and ".join(parts) if parts else "no input restricted significantly"


def discover(x: pd.DataFrame, y: np.ndarray, seed: int, resamples: int = RESAMPLES) -> dict:
    """PRIM's first box for ``y`` over the inputs ``x``, chosen and described.

    Args:
        x: Cases x inputs: numbers, or categories for the choices (decisions).
        y: Per case, whether the outcome of interest holds.
        seed: Seeds the resampling and the feature scores.
        resamples: PRIM runs on random halves for each input's stability.

    Returns:
        ``cases``, ``of_interest`` (their share), ``trajectory`` (a DataFrame: each step's
        coverage, density, mass, restricted inputs), ``chosen`` (its step), ``reaches_goal``,
        ``limits``, ``stability`` (input -> share of resamples that restrict it, near the
        chosen coverage and density), ``feature_scores`` (input -> score), and ``box``
        (EMA Workbench's ``PrimBox``, for the pictures).
    """
    prim, feature_scoring, kind = _ema()
    y = np.asarray(y, dtype=bool)
    out = {"cases": int(len(y)), "of_interest": float(y.mean()) if len(y) else math.nan}
    scores, _ = feature_scoring.get_ex_feature_scores(
        x, y.astype(int), mode=kind.CLASSIFICATION, random_state=seed % 2**32
    )
    out["feature_scores"] = {str(k): float(v) for k, v in scores.iloc[:, 0].items()}
    if y.all() or not y.any():
        out.update(trajectory=pd.DataFrame(), chosen=None, reaches_goal=False, limits=[],
                   stability={}, box=None)  # fmt: skip
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' FutureWarnings from inside the library
        # PRIM's threshold both marks the cases of interest (y at or above it) and drops a
        # box whose density is below it: just above 0, every case with y = 1 counts and the
        # peeled box is kept whatever its density, for ``choose`` to decide.
        p = prim.Prim(x, y.astype(int), threshold=1e-6, peel_alpha=PEEL_ALPHA, mass_min=MASS_MIN)
        box = p.find_box()
        t = box.peeling_trajectory[["coverage", "density", "mass", "res_dim", "n", "k"]].copy()
        i, reached = choose(t)
        with seeded_global(seed):
            stable = box.resample(i, iterations=resamples, p=0.5)
    out.update(
        trajectory=t,
        chosen=i,
        reaches_goal=reached,
        limits=limits(box, i, x),
        stability={str(k): float(v) / 100.0 for k, v in stable["reproduce coverage"].items()},
        box=box,
    )
    return out
