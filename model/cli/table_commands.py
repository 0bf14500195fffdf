"""The subcommands that make or read the reference table: reference, calibrate, infer, sbc, hindcast.

Each makes (``reference``) or reads (``--reference DIR``; without it, one is made first and
published beside the study's folder) a table of prior-predictive runs, and prints what it
found. Parsers: ``model.cli.table_parser``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from model.config.runs import DEFAULT_SEED


def _setup(args: argparse.Namespace, argv: Sequence[str], calibrated: bool = True):
    from model.cli.commands import _job
    from model.config.loader import load_scenario

    seed = DEFAULT_SEED if args.seed is None else args.seed
    return load_scenario(args.scenario, calibrated), _job(args, argv, seed)


def _settings(args: argparse.Namespace, seed: int):
    from model.studies.infer import Settings

    base = Settings()
    return Settings(
        seeds=args.seeds or base.seeds,
        ess=args.ess or base.ess,
        scale=args.scale or base.scale,
        seed=seed,
    )


def _runs(args: argparse.Namespace) -> int:
    from model.studies.reference_folder import DEFAULT_RUNS

    return args.runs or DEFAULT_RUNS


def cmd_reference(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Make the reference table of prior-predictive runs (resumable)."""
    from model.cli.commands import _no_out_with_resume
    from model.studies.reference_folder import reference_to_dir

    sc, job = _setup(args, argv)
    _no_out_with_resume(args)
    given = {"master_seed": args.seed, "runs": args.runs}
    where, table = reference_to_dir(sc, args.scenario, _runs(args), job, resume=args.resume,
                                    given=given)  # fmt: skip
    t = table.info["time"]
    print(f"Scenario {sc.name}: {len(table.rows):,} runs x {len(table.ranges.names)} "
          f"parameters, {len(table.ids)} observations; {t['wall_s']:.0f} s, the workers' CPU "
          f"{t['workers_cpu_s']:.0f} s")  # fmt: skip
    print(f"\nResults written to {where}")
    return 0


def cmd_infer(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Infer the posterior of the uncertain parameters from the reference table."""
    from model.analysis.ppc import format_ppc
    from model.studies.infer import format_spread, format_statistics
    from model.studies.infer_folder import infer_to_dir

    sc, job = _setup(args, argv)
    settings = _settings(args, job.master_seed)
    where, post, pred, doc = infer_to_dir(sc, args.scenario, settings, job, args.reference,
                                          _runs(args))  # fmt: skip
    info = doc["information"]
    print(f"Scenario {sc.name}: {len(post.weights)} accepted runs ({settings.seeds} parts x "
          f"at least {settings.ess}) of {doc['reference']['runs']:,}, effective sample size "
          f"{post.ess:.0f}; epsilon per part "
          + ", ".join(f"{p['epsilon']:.2f}" for p in doc["distance"]["parts"]))  # fmt: skip
    print(f"The statistics' first principal component holds {info['first_component_share']:.0%} "
          f"of their variance; {info['components_for_90']} components hold 90 %.\n")  # fmt: skip
    print(format_statistics(post))
    print()
    print(format_spread(post.spread()))
    print()
    print(format_ppc(pred.rename(columns={"observation": "id"})))
    print(f"\nResults written to {where}")
    return 0


def cmd_calibrate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Set every value the scenario marks calibrated; write its calibration file."""
    from model.studies.calibrate import calibrate_to_file, current_file
    from model.studies.refine import TRIALS

    # the first calibration writes the file the scenario names: read it without it then
    sc, job = _setup(args, argv, current_file(args.scenario) is not None)
    where, text = calibrate_to_file(sc, args.scenario, job, _settings(args, job.master_seed),
                                    args.reference, _runs(args), out=args.out,
                                    replace=args.replace,
                                    trials=TRIALS if args.trials is None else args.trials)  # fmt: skip
    print(text)
    print(f"\nCalibration written to {where}")
    return 0


def cmd_sbc(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """The calibration check of infer at its settings, from held-back rows of the table."""
    from model.studies.hindcast_folder import sbc_to_dir
    from model.studies.sbc import DEFAULT_CASES, format_summary

    sc, job = _setup(args, argv)
    where, summary, _ = sbc_to_dir(sc, args.scenario, _settings(args, job.master_seed), job,
                                   args.cases or DEFAULT_CASES, args.reference,
                                   _runs(args))  # fmt: skip
    print(format_summary(summary))
    print(f"\nResults written to {where}")
    return 0


def cmd_hindcast(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Forecast the held-out events from each origin; score against three baselines."""
    from model.studies.hindcast import DEFAULT_ORIGINS, format_skill
    from model.studies.hindcast_folder import hindcast_to_dir

    sc, job = _setup(args, argv)
    origins = tuple(o.strip() for o in args.origins.split(",")) if args.origins else None
    where, _, doc = hindcast_to_dir(sc, args.scenario, _settings(args, job.master_seed), job,
                                    origins or DEFAULT_ORIGINS, args.reference,
                                    _runs(args))  # fmt: skip
    print(format_skill(doc))
    print(f"\nResults written to {where}")
    return 0
