"""Every coalition of flips run with the same seeds (and posterior draws); writes nothing.

The ``attribute`` command (``model.studies.attribute``) writes what this yields block by
block; the dashboard keeps it in memory. Either way coalition ``k``'s run ``i`` uses seed
``i`` and, over a posterior, draw ``i // seeds_per_draw``, exactly as ``compare`` pairs a
scenario's runs with the base's, so that each run's game compares like with like.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.analysis import coalitions as co
from model.analysis import summary as summ
from model.analysis.attribution import attribute
from model.analysis.attribution_text import document
from model.config.schema import Scenario, scenario_digest
from model.ensemble.executors import CHUNK, Executor, ExecutorSpec, simulate_task
from model.ensemble.memory import run_seeds
from model.ensemble.posterior import PosteriorSet, draw_ids, draw_numbers, posterior_tasks
from model.results.tables import build_tables
from model.sim.compiled import compile_scenario

# The per-run table: one row per coalition and run (``coalition_runs.csv``).
VALUE_COLUMNS = ("days_held", "held_at_horizon", "negotiated_transition", "leader_days")
RUN_COLUMNS = ("coalition", "run", "seed", "draw", *VALUE_COLUMNS, "digest", "log_digest")


@dataclass(frozen=True)
class Game:
    """What a game is played over: the scenario, its players and the runs of each coalition.

    Attributes:
        scenario: The scenario whose documented sequence is coalition 0.
        over: ``decisions`` or ``rules``.
        players: The players, player ``i`` being bit ``i`` of a coalition's number.
        runs: Runs per coalition.
        master_seed: The runs' seeds (and the posterior's draws) are spawned from it.
        posterior: Run ``i`` of every coalition draws its parameters from it, if given.
        seeds_per_draw: Consecutive runs sharing one draw, with a posterior.
    """

    scenario: Scenario
    over: str
    players: tuple[str, ...]
    runs: int
    master_seed: int
    posterior: PosteriorSet | None = None
    seeds_per_draw: int = 1

    @property
    def size(self) -> int:
        """The number of coalitions, ``2**n``."""
        return 1 << len(self.players)

    def draws(self) -> np.ndarray | None:
        """Per run, the number of its posterior draw (None without a posterior)."""
        return None if self.posterior is None else draw_numbers(self.runs, self.seeds_per_draw)


def _tasks(game: Game, k: int, seeds: list[int], ids) -> list:
    sc = co.coalition_scenario(game.scenario, game.over, game.players, k)
    if game.posterior is not None:
        return posterior_tasks(sc, game.posterior, seeds, ids)
    data, key = sc.model_dump(), scenario_digest(sc)
    return [(key, data, seeds[i : i + CHUNK]) for i in range(0, len(seeds), CHUNK)]


def coalition_runs(
    game: Game,
    executor: Executor,
    start: int = 0,
    stop: int | None = None,
    pins: Callable[[int], bool] | None = None,
) -> Iterator[tuple[int, pd.DataFrame, dict[str, float]]]:
    """Yield, coalition by coalition from ``start``, its runs reduced to the measures.

    The runs of all coalitions go to the executor as one stream of tasks, so that workers
    never wait at the end of a coalition.

    Args:
        game: The game.
        executor: Where runs happen.
        start: The first coalition.
        stop: One past the last coalition (default: all).
        pins: Asked for each coalition, before its runs are reduced: whether to summarise
            them as ``run`` does and pass on the summary's ``pins_applied`` (share of runs
            in which each pin came up), where the model records it.

    Yields:
        ``(k, rows, pins_applied)``: coalition ``k``, one row per run (``RUN_COLUMNS``),
        and ``{}`` when ``pins`` is off or the summary has no ``pins_applied``.
    """
    stop = game.size if stop is None else stop
    seeds = run_seeds(game.master_seed, game.runs)
    ids = (
        None
        if game.posterior is None
        else draw_ids(game.posterior, game.runs, game.master_seed, game.seeds_per_draw)
    )
    draws = game.draws()
    compiled = compile_scenario(game.scenario)  # the capital and horizon of every coalition
    capital, horizon = compiled.capital, compiled.p.horizon_days

    def tasks() -> Iterator:
        for k in range(start, stop):
            yield from _tasks(game, k, seeds, ids)

    results = (r for batch in executor.map(simulate_task, tasks()) for r in batch)
    for k in range(start, stop):
        block = [next(results) for _ in range(game.runs)]
        rows = pd.DataFrame(
            [(k, i, r.seed, -1 if draws is None else int(draws[i]),
              *co.run_values(r, capital, horizon), co.run_digest(r), co.log_digest(r))
             for i, r in enumerate(block)],
            columns=list(RUN_COLUMNS),
        )  # fmt: skip
        applied: dict[str, float] = {}
        if pins is not None and pins(k):
            tables = build_tables(compiled, block)
            summary = summ.summarize(tables.runs, tables.events, compiled.names)
            # Rounded so that the share read back from the folder's CSV is the same number.
            got = summary.get("pins_applied") or {}
            applied = {str(a): round(float(b), 10) for a, b in got.items()}
        yield k, rows, applied


def games_from(
    rows: pd.DataFrame, game: Game
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The per-run tables of each measure, and of the runs' fingerprints, from the rows.

    Returns:
        Measure id (``coalitions.measures``) -> runs x coalitions values, and ``world`` and
        ``log`` -> runs x coalitions fingerprints (``run_digest``, ``log_digest``).
    """
    rows = rows.sort_values(["coalition", "run"], kind="stable")
    if len(rows) != game.size * game.runs:
        raise ValueError(f"{len(rows)} rows for {game.size} coalitions x {game.runs} runs")
    capital = game.scenario.actors.regime.capital.value
    shape = (game.size, game.runs)
    games = {
        m: rows[c].to_numpy(float).reshape(shape).T
        for m, c in zip(co.measures(capital), VALUE_COLUMNS, strict=True)
    }
    prints = {
        kind: rows[col].astype(str).to_numpy(object).reshape(shape).T
        for kind, col in (("world", "digest"), ("log", "log_digest"))
    }
    return games, prints


def play_in_memory(
    game: Game,
    executor: ExecutorSpec | None = None,
    on_progress: Callable[[int, int], object] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, float]]:
    """Run every coalition and return its games (``games_from``), writing nothing.

    Args:
        game: The game.
        executor: Where runs happen (default: this process).
        on_progress: Called with (coalitions done, coalitions in all).

    Returns:
        The games and fingerprints (``games_from``) and, per player, the share of runs its
        pin came up (``pins_table``), as ``attribute`` records them.
    """
    parts, applied = [], []
    with (executor or ExecutorSpec("serial")).start(game.runs * game.size) as ex:
        for k, rows, a in coalition_runs(game, ex, pins=lambda k: True):
            parts.append(rows)
            applied.append((k, a))
            if on_progress is not None:
                on_progress(k + 1, game.size)
    games, prints = games_from(pd.concat(parts, ignore_index=True), game)
    return games, prints, pins_table(applied, game)


def pins_table(applied: Sequence[tuple[int, dict[str, float]]], game: Game) -> dict[str, float]:
    """Per player, the mean over the coalitions that flip it of the share its pin took effect."""
    out: dict[str, float] = {}
    for i, p in enumerate(game.players):
        shares = [a[p] for k, a in applied if k >> i & 1 and p in a]
        if shares:
            out[p] = float(np.mean(shares))
    return out


def attribution_document(
    game: Game,
    games: dict[str, np.ndarray],
    prints: dict[str, np.ndarray],
    applied: dict[str, float] | None = None,
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The attribution of a game played: ``attribution.json``'s content and its two tables.

    Args:
        game: The game.
        games: Its per-run tables (``games_from``).
        prints: Its runs' fingerprints (``games_from``).
        applied: Per player, the share of runs its pin came up (``pins_table``), if known.

    Returns:
        The document (``model.analysis.attribution_text.document``), the values table (with
        how often each flip changed what happened, and the event log, and ``pins_applied``)
        and the interactions table.
    """
    values, inter, eff = attribute(games, game.players, game.draws())
    anywhere, alone = co.flip_changes(prints["world"])
    logged, _ = co.flip_changes(prints["log"])
    index = {p: i for i, p in enumerate(game.players)}
    values["flip_changes_run"] = [anywhere[index[p]] for p in values.decision]
    values["flip_changes_run_alone"] = [alone[index[p]] for p in values.decision]
    values["flip_changes_log"] = [logged[index[p]] for p in values.decision]
    values["pins_applied"] = [(applied or {}).get(p, np.nan) for p in values.decision]
    sc, post = game.scenario, game.posterior
    doc = document(
        scenario=sc.name, title=sc.title, over=game.over, players=game.players,
        states=co.states(sc, game.over, game.players), runs=game.runs,
        master_seed=game.master_seed, capital=sc.actors.regime.capital.value,
        horizon=sc.horizon_days.value, values=values, interactions=inter, efficiency=eff,
        posterior=None if post is None else {"sha256": post.digest, "particles": len(post.weights)},
        seeds_per_draw=game.seeds_per_draw,
    )  # fmt: skip
    return doc, values, inter
