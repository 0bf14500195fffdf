"""``attribute``: which documented decision (or rule) mattered, once they act together.

Every coalition of flips (``2**n`` for ``n`` players) is run with the same seeds and, over a
posterior, the same draws (``model.ensemble.coalitions``); each run's game is shared out
exactly (``model.analysis.attribution``). The folder holds:

- ``coalition_runs.csv``: a row per coalition and run, the four measures and fingerprints of
  what happened and of the event log; everything else is computed from it;
- ``coalitions.csv``: each coalition's flips and its mean of each measure;
- ``attribution.csv``: per player, measure and index (Shapley, Banzhaf) the value, its
  standard error, 95 % interval and robust share, with how often the player's flip changed
  what happened in a run, and its event log (and ``pins_applied`` where the model records it);
- ``interactions.csv``: per pair the Shapley interaction index and the joint flip's excess;
- ``attribution.json``: all of it with the efficiency check per measure;
- ``attribution.png`` and ``report.html``.

Coalitions are written in blocks; an interrupted study is resumed from its last block.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from model.analysis import coalitions as co
from model.analysis.attribution_text import format_attribution
from model.config.schema import Scenario, scenario_digest
from model.ensemble.coalitions import (
    Game,
    attribution_document,
    coalition_runs,
    games_from,
    pins_table,
)
from model.ensemble.runner import Job
from model.results.provenance import provenance
from model.studies.rowblocks import FLOAT_FORMAT, Study, study_folder

BLOCK = 16  # coalitions per block written: a resume repeats at most this many
RUNS_FILE = "coalition_runs.csv"
PINS_FILE = "coalition_pins.csv"


def settings_of(game: Game) -> dict:
    """What decides the rows of an attribution folder; a resume must give the same."""
    post = game.posterior
    return {
        "scenario_sha256": scenario_digest(game.scenario),
        "over": game.over,
        "players": list(game.players),
        "runs": game.runs,
        "master_seed": int(game.master_seed),
        "posterior_sha256": None if post is None else post.digest,
        "seeds_per_draw": game.seeds_per_draw if post is not None else 1,
    }


def _run_blocks(study: Study, game: Game, job: Job) -> None:
    """Run the coalitions not yet written, a block at a time."""
    from model.ensemble.progress import bar

    start = study.done
    if start >= game.size:
        return
    # pins_applied comes from the model's summary where it records it: asked of the first
    # coalition, then of all only if the model has it.
    study.state.setdefault("pins_applied", True)  # until coalition 0 says otherwise
    shown = bar(game.size, f"{game.scenario.name} coalitions", "coalition", job.progress, start)
    try:
        with job.executor.start(game.runs * (game.size - start)) as ex:
            rows, applied = [], []
            asked = lambda k: bool(study.state["pins_applied"])  # noqa: E731
            for k, block, a in coalition_runs(game, ex, start, pins=asked):
                rows.append(block)
                applied += [(k, p, s) for p, s in a.items()]
                if k == 0 and not a:
                    study.state["pins_applied"] = False
                if shown is not None:
                    shown.update(1)
                if len(rows) == BLOCK or k == game.size - 1:
                    frames = {RUNS_FILE: pd.concat(rows, ignore_index=True)}
                    frames[PINS_FILE] = pd.DataFrame(
                        applied, columns=["coalition", "decision", "pins_applied"]
                    )
                    study.append(frames, len(rows))
                    rows, applied = [], []
    finally:
        if shown is not None:
            shown.close()


def _coalition_means(games: dict, players: Sequence[str]) -> pd.DataFrame:
    size = 1 << len(players)
    out = pd.DataFrame(
        {
            "coalition": np.arange(size),
            "flipped": [co.coalition_label(k, players) for k in range(size)],
            "size": [bin(k).count("1") for k in range(size)],
        }
    )
    for measure, table in games.items():
        out[measure] = table.mean(axis=0)
    return out


def compute(study: Study, game: Game) -> tuple[dict, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The attribution from what the folder holds (the same whether resumed or not).

    Returns:
        ``attribution.json``'s content, the values, the interactions, and the coalitions'
        means.
    """
    rows = study.read(RUNS_FILE, dtype={"digest": str, "log_digest": str})
    games, prints = games_from(rows, game)
    pins = study.read(PINS_FILE)
    applied = pins_table(
        [(int(k), dict(zip(g.decision, g.pins_applied, strict=True)))
         for k, g in pins.groupby("coalition")], game,
    )  # fmt: skip
    doc, values, inter = attribution_document(game, games, prints, applied)
    return doc, values, inter, _coalition_means(games, game.players)


def attribute_to_dir(
    sc: Scenario,
    scenario_path: str,
    over: str,
    players: Sequence[str] | None,
    runs: int,
    job: Job,
    resume: str | None = None,
) -> tuple[Path, dict]:
    """Run every coalition, share each measure out, and write the sealed folder.

    Args:
        sc: The scenario (coalition 0 is its documented sequence).
        scenario_path: Its file, recorded.
        over: ``decisions`` or ``rules``.
        players: The players (default: every decision, or every rule in force).
        runs: Runs per coalition.
        job: Seed, executor, output folder, posterior.
        resume: An unfinished attribution folder to finish.

    Returns:
        The folder and ``attribution.json``'s content.
    """
    chosen = tuple(co.choose_players(sc, over, players))
    game = Game(sc, over, chosen, runs, job.master_seed, job.posterior, job.seeds_per_draw)
    with study_folder(
        "attribute", f"{sc.name}-attribution", settings_of(game), job.out, resume,
        job.command_line(), lambda s: f"{s.done} of {game.size} coalitions",
    ) as study:  # fmt: skip
        _run_blocks(study, game, job)
        doc, values, inter, means = compute(study, game)
        _write(study, values, inter, means, doc)
        study.seal({"kind": "attribute", **provenance(sc, scenario_path, job.argv),
                    "settings": settings_of(game),
                    "posterior": None if job.posterior is None else job.posterior.manifest()})  # fmt: skip
    return study.final, doc


def _write(study: Study, values, inter, coalitions, doc: dict) -> None:
    """The study's own files, beside its rows."""
    from model.results.jsonio import write_json
    from model.viz.attribution_plots import plot_attribution
    from model.viz.report import write_attribution_report

    tmp = study.tmp
    values.to_csv(tmp / "attribution.csv", index=False, float_format=FLOAT_FORMAT)
    inter.to_csv(tmp / "interactions.csv", index=False, float_format=FLOAT_FORMAT)
    coalitions.to_csv(tmp / "coalitions.csv", index=False, float_format=FLOAT_FORMAT)
    write_json(tmp / "attribution.json", doc)
    plot_attribution(doc, tmp / "attribution.png")
    write_attribution_report(tmp)


__all__ = ["attribute_to_dir", "compute", "format_attribution", "settings_of"]
