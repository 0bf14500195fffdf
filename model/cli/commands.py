"""The subcommands: each reads its parsed options, calls the library and prints the result.

Commands import what they use when they run, so that ``python -m model --help`` and an
error in a scenario file answer without loading the simulation or matplotlib.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from model.config.runs import DEFAULT_RUNS, DEFAULT_SEED
from model.errors import ModelError, OptionError


def _executor(args: argparse.Namespace):
    """The ``ExecutorSpec`` the executor options ask for."""
    from model.ensemble.executors import ExecutorSpec

    if args.scheduler and args.executor != "dask":
        raise OptionError("scheduler", None, "only meaningful with --executor dask")
    workers = args.workers or os.cpu_count() or 1
    return ExecutorSpec(args.executor, workers, args.scheduler, args.worker_timeout)


def _draw_comparison(folder: Path) -> None:
    from model.viz.plots import plot_comparison
    from model.viz.report import write_report

    plot_comparison(folder)
    write_report(folder)


def _draw_run(folder: Path) -> None:
    from model.viz.plots import plot_results

    plot_results(folder)


def _job(args: argparse.Namespace, argv: Sequence[str], seed: int, progress: bool = True):
    """The ``Job`` a subcommand's options ask for: seed, executor, output, drawing."""
    from model.ensemble.runner import Job

    posterior = None
    if getattr(args, "posterior", None) is not None:
        from model.ensemble.posterior import load_posterior

        posterior = load_posterior(args.posterior)
    return Job(
        seed,
        _executor(args),
        args.out,
        ["python", "-m", "model", *argv],
        progress and sys.stderr.isatty(),
        draw_run=_draw_run,
        draw_comparison=_draw_comparison,
        posterior=posterior,
        seeds_per_draw=getattr(args, "seeds_per_draw", 1),
        fmt=getattr(args, "format", None) or "csv",
    )


def _given(args: argparse.Namespace, job) -> dict:
    """The identity entries a resume was given on its command line (None: not given)."""
    post = job.posterior
    return {
        "master_seed": args.seed,
        "runs": args.runs,
        "format": args.format,
        "posterior_sha256": None if post is None else post.digest,
        "seeds_per_draw": None if post is None else job.seeds_per_draw,
    }


def _no_out_with_resume(args: argparse.Namespace) -> None:
    if args.resume is not None and args.out is not None:
        raise OptionError("out", args.out, "cannot be given with --resume: the resumed "
                          "folder keeps the name it was given")  # fmt: skip


def _date(start: dt.date, day: float | None) -> str:
    if day is None:
        return "-"
    return (start + dt.timedelta(days=round(day))).isoformat()


def _spread(start: dt.date, d: dict, key: str) -> str:
    return (
        f"{_date(start, d['median'])} [{_date(start, d['p05'])[5:]} .. "
        f"{_date(start, d['p95'])[5:]}] {key}"
    )


def _documented(o, start: dt.date) -> str:
    """The documented date with the range the reporting allows, which is what a fit is scored on.

    A simulated median a day before the date can lie inside that range (Damascus: 7-8 December),
    and a reader comparing with the date alone would take it for a miss.
    """
    if o is None:
        return "-"
    best, lo, hi = o.day_range(start)
    if lo == best == hi:
        return _date(start, best)
    return f"{_date(start, best)} [{_date(start, lo)[5:]} .. {_date(start, hi)[5:]}]"


def format_summary(summary: dict, start: dt.date, majors: list[str]) -> str:
    """A short readable summary of an ensemble for the terminal."""
    from model.analysis.pins import format_pins
    from model.config.observations import DEFAULT_PATH, load_observations

    observations = load_observations(DEFAULT_PATH)
    documented = {o.match.place: o for o in observations if o.match.place}
    exit_obs = [o for o in observations if o.match.leader_exit]
    lines = ["End states (share of runs):"]
    lines += [f"  {k:<24s}{v:6.0%}" for k, v in summary["end_states"].items()]
    lines += [
        "",
        "Fall of the major cities: simulated median [5-95 %] | documented [range in the reporting]",
    ]
    for city in majors:
        f = summary["fall_day"][city]
        sim = (
            _spread(start, f, f"fell in {f['share_fallen']:.0%} of runs")
            if f["median"] is not None
            else "never fell"
        )
        doc = documented.get(city)
        lines.append(f"  {city:<10s}{sim:<52s}| {_documented(doc, start)}")
    le = summary["leader_exit_day"]
    sim = (
        _spread(start, le, f"in {le['share']:.0%} of runs")
        if le["median"] is not None
        else "never left"
    )
    doc = _documented(exit_obs[0] if exit_obs else None, start)
    lines += ["", f"Leader leaves: {sim} | documented {doc}", ""]
    lines.append("Documented decisions and behaviours (share of runs reproducing each):")
    lines += [f"  {k:<50s}{v:6.0%}" for k, v in summary["documented_decisions"].items()]
    if summary.get("pins_applied"):
        from model.analysis.pins import pins_of

        name = {"name": "this scenario", **summary}
        lines += ["", *format_pins(pins_of([name]), summary["runs"])]
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run one scenario ensemble, or finish an interrupted one."""
    from model.config.loader import load_scenario
    from model.ensemble.runner import resume_to_dir, run_scenario_to_dir

    sc = load_scenario(args.scenario)
    progress = not args.quiet
    _no_out_with_resume(args)
    job = _job(args, argv, DEFAULT_SEED if args.seed is None else args.seed, progress)
    if args.resume is not None:
        folder, summary = resume_to_dir(sc, args.scenario, args.resume, job, _given(args, job))
        seed = "as in the resumed folder"
    else:
        runs = args.runs or DEFAULT_RUNS
        folder, summary = run_scenario_to_dir(sc, args.scenario, runs, job)
        seed = job.master_seed
    if not args.quiet:
        runs = summary["runs"]
        spec = job.executor
        majors = [n for n, p in sc.places.items() if p.major_city]
        print(f"Scenario {sc.name}: {sc.title}")
        print(f"{runs} runs, master seed {seed}, executor {spec.kind}, {spec.workers} worker(s)")
        print()
        print(format_summary(summary, sc.start_date, majors))
        print()
    print(f"Results written to {folder}")
    return 0


def cmd_compare(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run scenarios with common seeds and write a comparison folder."""
    from model.analysis.compare import format_table
    from model.config.loader import load_scenario
    from model.ensemble.comparison import compare_to_dir, resume_compare

    paths = [args.base, *args.others]
    scenarios = [(load_scenario(p), p) for p in paths]  # validate all before running any
    _no_out_with_resume(args)
    job = _job(args, argv, DEFAULT_SEED if args.seed is None else args.seed, not args.quiet)
    if args.resume is not None:
        folder, table = resume_compare(scenarios, args.resume, job, _given(args, job))
    else:
        folder, table = compare_to_dir(scenarios, args.runs or DEFAULT_RUNS, job)
    if not args.quiet:
        import json

        done = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
        print(
            f"{len(paths)} scenarios, {done['runs']} runs each, master seed {done['master_seed']}"
        )
        print("value [95 % interval]   difference from the base, paired by seed [95 % interval]")
        if job.posterior is not None:
            print(f"parameters drawn from the posterior in {args.posterior}, "
                  f"{job.seeds_per_draw} seeds per draw: the bracket after the difference is "
                  "its seed-only interval; 'total' adds the parameters' uncertainty")  # fmt: skip
        print()
        print(format_table(table, scenarios[0][0].horizon_days.value))
        print()
        from model.analysis.compare import robust_conclusions

        robust = robust_conclusions(table, scenarios[0][0].horizon_days.value)
        if job.posterior is not None:
            print("Holding in at least 90 % of the posterior's draws:" if robust else
                  "No difference holds its sign in 90 % of the posterior's draws.")  # fmt: skip
            print("\n".join(f"  {line}" for line in robust) + ("\n" if robust else ""))
        if (folder / "ranking.csv").is_file():
            import pandas as pd

            from model.analysis.compare import format_ranking

            print(format_ranking(pd.read_csv(folder / "ranking.csv")))
            print()
    print(f"Results written to {folder}")
    print(f"Report: {folder / 'report.html'}")
    return 0


def cmd_explain(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Print the rules with their parameters, values and provenance."""
    from model.cli.explain import explain

    print(explain(args.scenario))
    return 0


def _trust_job(args: argparse.Namespace, argv: Sequence[str]):
    from model.config.loader import load_scenario

    seed = DEFAULT_SEED if args.seed is None else args.seed
    return load_scenario(args.scenario), _job(args, argv, seed)


def cmd_validate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Score a scenario's ensemble against the documented dates; exit 0 whatever the score."""
    from model.analysis.ppc import format_ppc
    from model.analysis.validate import format_patterns, format_scores
    from model.studies.validation import validate_to_dir

    sc, job = _trust_job(args, argv)
    where, table, summary, patterns = validate_to_dir(
        sc, args.scenario, args.runs, job, reference=args.reference
    )
    print(f"Scenario {sc.name}: {args.runs} runs, master seed {args.seed}\n")
    print(format_scores(table, summary, sc.start_date))
    print()
    print(format_ppc(table))
    print()
    if args.reference is None:
        print("Leave one region out: give --reference DIR (a table written by reference).\n")
    else:
        from model.studies.regions import format_summary

        doc = json.loads((where / "validation.json").read_text(encoding="utf-8"))["regions"]
        print(format_summary(doc["summary"], doc["unassigned"]) + "\n")
    print(format_patterns(patterns))
    print(f"\nResults written to {where}")
    return 0


def cmd_sensitivity(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Sensitivity of the outcomes to the scenario's uncertain parameters."""
    from model.studies.sensitivity import format_drivers, sensitivity_to_dir

    sc, job = _trust_job(args, argv)
    where, indices, main, varying = sensitivity_to_dir(
        sc, args.scenario, args.method, args.samples, args.runs_per_sample, job
    )
    print(format_drivers(indices, main, varying))
    print(f"\nResults written to {where}")
    return 0


def cmd_ablate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run the scenario with each behavioural rule switched off in turn."""
    from model.analysis.compare import format_table
    from model.studies.ablation import ablate_to_dir, format_fit

    sc, job = _trust_job(args, argv)
    where, table, fit = ablate_to_dir(sc, args.scenario, args.runs, job)
    print(f"Scenario {sc.name}: {args.runs} runs per variant, master seed {args.seed}")
    print("value [95 % interval]   difference from the scenario, paired by seed [95 % interval]")
    print()
    print(format_table(table, sc.horizon_days.value))
    print()
    print(format_fit(fit))
    print(f"\nResults written to {where}")
    return 0


def cmd_dashboard(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Serve the dashboard on this machine until Ctrl-C."""
    from model.config.loader import load_scenario

    sc = load_scenario(args.scenario)  # a bad file is one ERROR line, before any server starts
    try:
        from model.dashboard.server import serve
    except ImportError as exc:
        raise ModelError(
            f"the dashboard needs its extra ({exc.name} is missing); install it with: "
            "pip install -e '.[dashboard]'"
        ) from None

    from model.dashboard.server import exposure_warning

    token = args.token or os.environ.get("MODEL_DASHBOARD_TOKEN") or None

    def ready(url: str) -> None:
        warning = exposure_warning(args.host, args.port, token)
        if warning:
            print(warning, file=sys.stderr, flush=True)
        print(f"Dashboard of {args.scenario} running at {url}  (Ctrl-C to stop)", flush=True)

    try:
        serve(sc, args.scenario, args.host, args.port, ready, token, args.max_runs, args.results)
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a server is stopped: not an error
    except SystemExit:  # uvicorn exits when it cannot listen; it has logged why
        raise OptionError("port", args.port, f"cannot listen on {args.host}:{args.port}") from None
    print("Dashboard stopped.", flush=True)
    return 0


def cmd_attribute(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Share the outcome out among the documented decisions (or rules) acting together."""
    from model.analysis.attribution_text import format_attribution
    from model.studies.attribute import attribute_to_dir

    sc, job = _trust_job(args, argv)
    if args.quiet:
        job = dataclasses.replace(job, progress=False)
    players = None if args.players is None else [p.strip() for p in args.players.split(",")]
    where, doc = attribute_to_dir(
        sc, args.scenario, args.over, players, args.runs, job, resume=args.resume
    )
    if not args.quiet:
        print(format_attribution(doc))
        print()
    print(f"Results written to {where}")
    print(f"Report: {where / 'report.html'}")
    return 0


def cmd_discover(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Scenario discovery: where the regime still holds the capital."""
    from model.studies.discover import discover_to_dir, format_discovery

    sc, job = _trust_job(args, argv)
    if args.quiet:
        job = dataclasses.replace(job, progress=False)
    where, doc = discover_to_dir(
        sc, args.scenario, args.cases, job, resume=args.resume, resamples=args.resamples
    )
    print(format_discovery(doc))
    print(f"\nResults written to {where}")
    return 0
