"""Command line: ``python -m model run SCENARIO``.

One handler turns the package's own errors into one ``ERROR`` line and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import signal
import sys
from collections.abc import Iterator, Sequence

from model.errors import ModelError

DEFAULT_SEED = 20241127


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {v}")
    return v


def _seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= v < 2**63:
        raise argparse.ArgumentTypeError("the seed must be between 0 and 2**63 - 1")
    return v


def _add_executor_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers``, ``--executor`` and ``--scheduler``; read back by ``_executor_from_args``."""
    parser.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="worker processes of the local pool or local Dask cluster "
        "(default: the number of cores)",
    )
    parser.add_argument(
        "--executor",
        default="process",
        help="where runs happen: serial (this process), process (a local pool; default) or dask",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="address of a running Dask scheduler (with --executor dask; default: start a "
        "local cluster of --workers processes)",
    )


def _executor_from_args(args: argparse.Namespace):
    """The ``ExecutorSpec`` chosen by the options ``_add_executor_options`` added.

    Raises:
        ModelError: An unknown executor, or ``--scheduler`` without ``--executor dask``.
    """
    from model.ensemble.executors import EXECUTORS, ExecutorSpec

    if args.executor not in EXECUTORS:
        raise ModelError(f"--executor {args.executor}: unknown; valid: {', '.join(EXECUTORS)}")
    if args.scheduler and args.executor != "dask":
        raise ModelError("--scheduler: only meaningful with --executor dask")
    return ExecutorSpec(args.executor, args.workers or os.cpu_count() or 1, args.scheduler)


def _job(args: argparse.Namespace, argv: Sequence[str], progress: bool = True):
    """The ``Job`` a subcommand's options ask for: seed, executor, output, command line."""
    from model.ensemble.runner import Job

    return Job(
        args.seed,
        _executor_from_args(args),
        args.out,
        ["python", "-m", "model", *argv],
        progress and sys.stderr.isatty(),
    )


def _add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("csv", "parquet"),
        default=None,
        help="format of the daily table: daily.csv (default) or daily.parquet",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m model",
        description="Agent-based scenario simulator of the Assad regime's last days "
        "(27 Nov - 8 Dec 2024).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario ensemble and write a results folder")
    run.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
    # --runs and --seed default to None so that --resume can tell whether they were given.
    run.add_argument("--runs", type=_positive_int, default=None, help="runs (default 100)")
    run.add_argument(
        "--seed", type=_seed, default=None, help=f"master seed (default {DEFAULT_SEED})"
    )
    _add_executor_options(run)
    _add_format_option(run)
    run.add_argument(
        "--out", default=None, help="results folder (default results/<scenario>/<time>-<id>/)"
    )
    run.add_argument(
        "--resume",
        default=None,
        metavar="DIR",
        help="finish an interrupted run: the hidden .incomplete-... folder it left",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar and no summary")

    cmp = sub.add_parser(
        "compare", help="run a base and other scenarios with the same seeds and compare them"
    )
    cmp.add_argument("base", help="the base scenario, e.g. scenarios/baseline.yaml")
    cmp.add_argument("others", nargs="+", help="scenarios to compare with the base")
    cmp.add_argument("--runs", type=_positive_int, default=100, help="runs per scenario")
    cmp.add_argument("--seed", type=_seed, default=DEFAULT_SEED, help="master seed")
    _add_executor_options(cmp)
    _add_format_option(cmp)
    cmp.add_argument("--out", default=None, help="results folder (default results/compare/...)")
    cmp.add_argument("--quiet", action="store_true", help="no progress bar and no table")

    plot = sub.add_parser("plot", help="redraw plots from a saved results folder")
    plot.add_argument("results", help="a results folder written by run or compare")
    plot.add_argument(
        "--timeline",
        action="store_true",
        help="the event log as a timeline (run nearest the median)",
    )
    plot.add_argument("--map", action="store_true", help="a schematic map of holders on --day")
    plot.add_argument("--day", default=None, help="day number (0 = 27 Nov) or date YYYY-MM-DD")
    plot.add_argument(
        "--run", type=int, default=None, help="which run (default: nearest the median)"
    )

    exp = sub.add_parser("explain", help="every rule with its parameters, values and sources")
    exp.add_argument("scenario", help="scenario YAML file")
    _add_trust_parsers(sub)
    return parser


def _add_trust_parsers(sub) -> None:
    """The validate, sensitivity and calibrate subcommands."""
    results = "results folder (default results/<scenario>-{}/<time>-<id>/)"
    specs = (
        ("validate", "score a scenario against the documented dates",
         "--runs", 100, "runs", results.format("validation")),
        ("sensitivity", "sensitivity of the outcomes to the uncertain parameters",
         "--runs-per-sample", 20, "runs per sample, the same seeds for every sample",
         results.format("sensitivity")),
        ("calibrate", "fit the uncertain parameters to the calibration observations",
         "--runs-per-trial", 20, "runs per trial, the same seeds for every trial",
         "scenario file to write (default <scenario>_calibrated.yaml beside it)"),
    )  # fmt: skip
    parsers = {}
    for name, help_, runs_flag, runs_default, runs_help, out_help in specs:
        p = parsers[name] = sub.add_parser(name, help=help_)
        p.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
        p.add_argument(
            runs_flag,
            type=_positive_int,
            default=runs_default,
            help=f"{runs_help} (default {runs_default})",
        )
        p.add_argument("--seed", type=_seed, default=DEFAULT_SEED, help="master seed")
        _add_executor_options(p)
        p.add_argument("--out", default=None, help=out_help)
    parsers["sensitivity"].add_argument(
        "--method", choices=("sobol", "morris"), default="morris", help="default morris"
    )
    parsers["sensitivity"].add_argument(
        "--samples",
        type=_positive_int,
        default=None,
        help="Sobol base samples (a power of 2; default 64) or Morris trajectories (default 20)",
    )
    parsers["calibrate"].add_argument(
        "--trials", type=_positive_int, default=40, help="optimiser trials (default 40)"
    )


def _date(start: dt.date, day: float | None) -> str:
    if day is None:
        return "-"
    return (start + dt.timedelta(days=round(day))).isoformat()


def format_summary(summary: dict, start: dt.date, capital: str, majors: list[str]) -> str:
    """A short readable summary of an ensemble for the terminal."""
    from model.config.observations import DEFAULT_PATH, load_observations

    documented = {o.match.place: o for o in load_observations(DEFAULT_PATH) if o.match.place}
    exit_obs = [o for o in load_observations(DEFAULT_PATH) if o.match.leader_exit]
    lines = ["End states (share of runs):"]
    for k, v in summary["end_states"].items():
        lines.append(f"  {k:<24s}{v:6.0%}")
    lines.append("")
    lines.append("Fall of the major cities: simulated median [5-95 %] | documented")
    for city in majors:
        f = summary["fall_day"][city]
        sim = (
            f"{_date(start, f['median'])} [{_date(start, f['p05'])[5:]} .. "
            f"{_date(start, f['p95'])[5:]}] fell in {f['share_fallen']:.0%} of runs"
            if f["median"] is not None
            else "never fell"
        )
        doc = documented.get(city)
        dtxt = doc.date.isoformat() if doc else "-"
        lines.append(f"  {city:<10s}{sim:<52s}| {dtxt}")
    le = summary["leader_exit_day"]
    lines.append("")
    sim = (
        f"{_date(start, le['median'])} [{_date(start, le['p05'])[5:]} .. "
        f"{_date(start, le['p95'])[5:]}] in {le['share']:.0%} of runs"
        if le["median"] is not None
        else "never left"
    )
    doc = exit_obs[0].date.isoformat() if exit_obs else "-"
    lines.append(f"Leader leaves: {sim} | documented {doc}")
    lines.append("")
    lines.append("Documented decisions and behaviours (share of runs reproducing each):")
    for k, v in summary["documented_decisions"].items():
        lines.append(f"  {k:<50s}{v:6.0%}")
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run one scenario ensemble."""
    from model.config.loader import load_scenario
    from model.ensemble.runner import Job, resume_to_dir, run_scenario_to_dir

    sc = load_scenario(args.scenario)
    spec = _executor_from_args(args)
    progress = not args.quiet and sys.stderr.isatty()
    if args.resume is not None:
        if args.out is not None:
            raise ModelError("--resume and --out: the resumed folder keeps the name it was given")
        folder, summary = resume_to_dir(
            sc, args.scenario, args.resume, args.runs, args.seed, progress, spec, args.format
        )
        runs, seed = summary["runs"], "as in the resumed folder"
    else:
        runs, seed = args.runs or 100, DEFAULT_SEED if args.seed is None else args.seed
        job = Job(seed, spec, args.out, ["python", "-m", "model", *argv], progress)
        folder, summary = run_scenario_to_dir(
            sc, args.scenario, runs, job, fmt=args.format or "csv"
        )
    if not args.quiet:
        majors = [n for n, p in sc.places.items() if p.major_city]
        print(f"Scenario {sc.name}: {sc.title}")
        print(f"{runs} runs, master seed {seed}, executor {spec.kind}, {spec.workers} worker(s)")
        print()
        print(format_summary(summary, sc.start_date, sc.actors.regime.capital.value, majors))
        print()
    print(f"Results written to {folder}")
    return 0


def cmd_compare(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run scenarios with common seeds and write a comparison folder."""
    from model.analysis.compare import format_table
    from model.config.loader import load_scenario
    from model.ensemble.runner import compare_to_dir

    paths = [args.base, *args.others]
    scenarios = [(load_scenario(p), p) for p in paths]  # validate all before running any
    job = _job(args, argv, progress=not args.quiet)
    folder, table = compare_to_dir(scenarios, args.runs, job, fmt=args.format or "csv")
    if not args.quiet:
        print(f"{len(paths)} scenarios, {args.runs} runs each, master seed {args.seed}")
        print("value [95 % interval]   difference from the base, paired by seed [95 % interval]")
        print()
        print(format_table(table))
        print()
    print(f"Results written to {folder}")
    print(f"Report: {folder / 'report.html'}")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    """Redraw plots of a saved results folder."""
    from model.viz import plots as plotting

    written = plotting.replot(args.results, args.timeline, args.map, args.day, args.run)
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    """Print the rules with their parameters, values and provenance."""
    from model.cli.explain import explain

    print(explain(args.scenario))
    return 0


def cmd_trust(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """validate, sensitivity or calibrate a scenario; exit 0 whatever the score."""
    from model.config.loader import load_scenario

    sc = load_scenario(args.scenario)
    job = _job(args, argv)
    if args.command == "validate":
        from model.analysis.validate import format_scores
        from model.studies.validation import validate_to_dir

        where, table, summary = validate_to_dir(sc, args.scenario, args.runs, job)
        text = f"Scenario {sc.name}: {args.runs} runs, master seed {args.seed}\n\n"
        text += format_scores(table, summary, sc.start_date)
    elif args.command == "sensitivity":
        from model.studies.sensitivity import format_drivers, sensitivity_to_dir

        where, indices, main, varying = sensitivity_to_dir(
            sc, args.scenario, args.method, args.samples, args.runs_per_sample, job
        )
        text = format_drivers(indices, main, varying)
    else:
        from model.studies.calibrate import calibrate_to_file

        where, text = calibrate_to_file(sc, args.scenario, args.trials, args.runs_per_trial, job)
    print(text)
    print()
    print(
        f"{'Calibrated scenario' if args.command == 'calibrate' else 'Results'} written to {where}"
    )
    return 0


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so that a stopped job leaves the same resumable folder."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: signals cannot be handled here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, dispatch, and turn the package's errors into one line and exit 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    with _sigterm_as_interrupt():
        return _dispatch(args, argv)


def _dispatch(args: argparse.Namespace, argv: list[str]) -> int:
    try:
        if args.command == "run":
            return cmd_run(args, argv)
        if args.command == "compare":
            return cmd_compare(args, argv)
        if args.command == "plot":
            return cmd_plot(args)
        if args.command == "explain":
            return cmd_explain(args)
        if args.command in ("validate", "sensitivity", "calibrate"):
            return cmd_trust(args, argv)
    except ModelError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ERROR interrupted; no results folder was written", file=sys.stderr)
        return 130
    return 2
