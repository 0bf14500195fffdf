"""Shapley and Banzhaf values and pairwise interactions of a game played run by run.

For each run ``r`` (a seed, and over a posterior a parameter draw) and each measure, the
game is ``v_r(S)``: the measure in run ``r`` of the coalition ``S`` of flips
(``model.analysis.coalitions``). Every coalition is run with the same seeds and draws
(common random numbers), so ``v_r`` is one run's game, not noise between runs. For each
run, shapiq's ``ExactComputer`` gives, from the game on all ``2**n`` coalitions, the Shapley
value of every player, its Banzhaf value, and the Shapley interaction index of every pair
(Grabisch and Roubens 1999): positive where two flips together do more than each alone
(they reinforce), negative where they do less (they cancel). The values are averaged over
runs; their Monte Carlo standard error is that of a mean over independent runs, or over
independent posterior draws (the runs of one draw share its parameters).

Efficiency: in every run the Shapley values sum to ``v_r(all) - v_r(none)``, the effect of
all flips together, so their means do too; ``efficiency_gap`` is what is left over, a
floating-point residue.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from model.analysis.compare import is_share
from model.analysis.posterior_compare import per_draw, total_interval
from model.analysis.stats import Z95
from model.errors import ModelError

INDICES = ("shapley", "banzhaf")
PAIR_INDICES = ("shapley_interaction", "joint_flip_excess")


def _shapiq():
    try:
        import shapiq
    except ImportError:
        raise ModelError(
            "attribution needs shapiq (its extra); install it with: pip install -e '.[attribute]'"
        ) from None
    return shapiq


def _bits(n: int) -> np.ndarray:
    return 1 << np.arange(n)


def game_values(table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per run, every player's Shapley and Banzhaf value and every pair's interaction.

    Args:
        table: Runs x ``2**n`` coalitions: the measure of coalition ``k`` (player ``i``
            flipped when bit ``i`` of ``k`` is set) in each run.

    Returns:
        ``(shapley, banzhaf, pairs)``: runs x ``n``, runs x ``n``, and runs x pairs with
        the pairs in ``itertools.combinations(range(n), 2)`` order.
    """
    shapiq = _shapiq()
    table = np.asarray(table, dtype=float)
    runs, size = table.shape
    n = size.bit_length() - 1
    if size != 1 << n or n < 1:
        raise ValueError(f"a game needs 2**n coalitions, got {size}")
    bits = _bits(n)
    pairs = list(combinations(range(n), 2))
    sv, bv, sii = np.zeros((runs, n)), np.zeros((runs, n)), np.zeros((runs, len(pairs)))
    seen: dict[bytes, tuple] = {}  # many runs play the same game (a share that never moves)
    for r in range(runs):
        row = table[r]
        key = row.tobytes()
        if key not in seen:

            def game(coalitions: np.ndarray, row: np.ndarray = row) -> np.ndarray:
                return row[coalitions.astype(np.int64) @ bits]

            ec = shapiq.ExactComputer(game, n_players=n)
            s, b = ec("SV"), ec("BV")
            pair = ec("SII", order=2) if n > 1 else None
            seen[key] = (
                [s[(i,)] for i in range(n)],
                [b[(i,)] for i in range(n)],
                [pair[p] for p in pairs] if pair is not None else [],
            )
        sv[r], bv[r], sii[r] = seen[key]
    return sv, bv, sii


def joint_flip_excess(table: np.ndarray) -> np.ndarray:
    """Per run and pair, what flipping both from the documented sequence adds beyond each alone.

    ``v({i, j}) - v({i}) - v({j}) + v(none)``: the question "do the two flips together do
    more than the sum of the two alone?", asked at the documented sequence only.
    """
    table = np.asarray(table, dtype=float)
    n = table.shape[1].bit_length() - 1
    cols = [
        table[:, (1 << i) | (1 << j)] - table[:, 1 << i] - table[:, 1 << j] + table[:, 0]
        for i, j in combinations(range(n), 2)
    ]
    return np.column_stack(cols) if cols else np.zeros((len(table), 0))


def estimate(
    per_run: np.ndarray,
    draw_ids: Sequence[int] | None = None,
    bounds: tuple[float, float] | None = None,
) -> dict[str, float]:
    """The mean of per-run values with its standard error, 95 % interval and robust share.

    Without ``draw_ids`` the runs are independent seeds: ``low``/``high`` is the 95 %
    interval of the mean (normal), and there is no robust share. With ``draw_ids`` (per run,
    its posterior draw) the standard error is that of the mean of independent draws, and
    ``low``/``high`` are the total interval and ``robust_share`` the share of draws with
    the mean's sign, as ``compare --posterior`` gives them
    (``model.analysis.posterior_compare.total_interval``). ``bounds`` are the values a run
    can take (a share: 0 to 1, a difference of shares: -1 to 1); the interval is cut to them,
    as ``compare`` cuts its own, so that no share reads above 100 %.
    """
    out = _estimate(np.asarray(per_run, dtype=float), draw_ids)
    if bounds is not None:
        out["low"], out["high"] = (float(np.clip(out[k], *bounds)) for k in ("low", "high"))
    return out


def _estimate(x: np.ndarray, draw_ids: Sequence[int] | None) -> dict[str, float]:
    n = len(x)
    mean = float(x.mean()) if n else math.nan
    if draw_ids is None:
        se = float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        return {"value": mean, "se": se, "low": mean - Z95 * se, "high": mean + Z95 * se,
                "robust_share": math.nan}  # fmt: skip
    means, _, _ = per_draw(x, draw_ids)
    g = len(means)
    se = float(means.std(ddof=1) / math.sqrt(g)) if g > 1 else math.nan
    t = total_interval(x, draw_ids)
    return {"value": mean, "se": se, "low": t["total_low"], "high": t["total_high"],
            "robust_share": t["robust_share"]}  # fmt: skip


def attribute(
    games: dict[str, np.ndarray],
    players: Sequence[str],
    draw_ids: Sequence[int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict]]:
    """Share out each measure among the players; their interactions; the efficiency check.

    Args:
        games: Measure -> runs x ``2**n`` table (``game_values``).
        players: The players' names, player ``i`` being bit ``i`` of a coalition.
        draw_ids: Per run, its posterior draw (``run // seeds_per_draw``), if any.

    Returns:
        ``(values, interactions, efficiency)``: a row per player, measure and index
        (``shapley``, ``banzhaf``) with ``value, se, low, high, robust_share``; a row per
        pair, measure and index (``shapley_interaction``, ``joint_flip_excess``); and per
        measure the documented and all-flipped values, the effect of all flips together,
        the sum of the Shapley values and ``efficiency_gap``.
    """
    rows, pair_rows, eff = [], [], {}
    pairs = list(combinations(range(len(players)), 2))
    for measure, table in games.items():
        table = np.asarray(table, dtype=float)
        if table.shape[1] != 1 << len(players):
            raise ValueError(f"{measure}: {table.shape[1]} coalitions for {len(players)} players")
        sv, bv, sii = game_values(table)
        # A run's value of a share is 0 or 1, so each player's value and the effect of all
        # flips lie between -1 and 1 (interactions, sums of four such terms, are left alone).
        level, change = ((0.0, 1.0), (-1.0, 1.0)) if is_share(measure) else (None, None)
        for index, per_run in (("shapley", sv), ("banzhaf", bv)):
            for i, p in enumerate(players):
                rows.append({"decision": p, "measure": measure, "index": index,
                             **estimate(per_run[:, i], draw_ids, change)})  # fmt: skip
        for index, per_run in (("shapley_interaction", sii), ("joint_flip_excess",
                                                                joint_flip_excess(table))):  # fmt: skip
            for c, (i, j) in enumerate(pairs):
                pair_rows.append({"decision_a": players[i], "decision_b": players[j],
                                  "measure": measure, "index": index,
                                  **estimate(per_run[:, c], draw_ids)})  # fmt: skip
        total = table[:, -1] - table[:, 0]
        sums = float(sv.sum(axis=1).mean())
        eff[measure] = {
            "documented": estimate(table[:, 0], draw_ids, level),
            "all_flipped": estimate(table[:, -1], draw_ids, level),
            "all_flips_effect": estimate(total, draw_ids, change),
            "sum_of_shapley_values": sums,
            "efficiency_gap": sums - float(total.mean()),
        }
    cols = ["value", "se", "low", "high", "robust_share"]
    values = pd.DataFrame(rows, columns=["decision", "measure", "index", *cols])
    inter = pd.DataFrame(pair_rows, columns=["decision_a", "decision_b", "measure", "index", *cols])
    return values, inter, eff
