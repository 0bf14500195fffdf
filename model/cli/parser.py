"""The argument parser: every subcommand, its options, and the function that carries it out."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable

from model.cli import commands, reading
from model.cli.table_parser import add_table_commands
from model.config.runs import DEFAULT_SEED, MAX_RUNS, MAX_RUNS_IN_MEMORY, MAX_SEED, MAX_WORKERS
from model.errors import ModelError

# The executors' defaults, as numbers: importing model.ensemble would load the simulation.
WORKER_TIMEOUT = 2.0  # model.ensemble.tasks.WORKER_TIMEOUT (a test checks they agree)
TIMEOUT_SLACK_RUNS = 10  # model.ensemble.tasks.TIMEOUT_SLACK_RUNS

EXECUTORS = ("serial", "process", "dask")  # the kinds model.ensemble.executors knows
FORMATS = ("csv", "parquet")


class UsageError(ModelError):
    """The command line itself is wrong (an unknown option, a missing argument...)."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes become one ``ERROR`` line, like every other error."""

    def error(self, message: str):  # noqa: D102 - argparse's own hook
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _whole(text: str) -> int:
    # A thousand digits is far more than any bound here, and int() of a longer text is slow.
    if len(text.strip()) > 1000:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:20]!r}...")
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _count(most: int, what: str = "") -> Callable[[str], int]:
    """An option's type: a whole number from 1 to ``most`` (``what`` says why the bound)."""

    def count(text: str) -> int:
        v = _whole(text)
        if not 1 <= v <= most:
            why = f" ({what})" if what else ""
            raise argparse.ArgumentTypeError(f"expected a number from 1 to {most:,}{why}, got {v}")
        return v

    count.__name__ = "count"
    return count


_positive_int = _count(MAX_RUNS)
_runs = _count(MAX_RUNS, "the most runs an ensemble writes")
_runs_in_memory = _count(MAX_RUNS_IN_MEMORY, "this command holds every run in memory")
_workers = _count(MAX_WORKERS)
_held = _count(MAX_RUNS_IN_MEMORY, "held in memory")  # particles, samples, trials
_generations = _count(1000)


def _timeout(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0.01 <= v <= 86400:
        raise argparse.ArgumentTypeError(f"expected 0.01 to 86400 seconds a run, got {text}")
    return v


def _two_or_more(text: str) -> int:
    # A standard error, and so an interval, needs at least two runs.
    v = _positive_int(text)
    if v < 2:
        raise argparse.ArgumentTypeError(
            f"expected at least 2 (a standard error needs two), got {v}"
        )
    return v


def _seed(text: str) -> int:
    v = _whole(text)
    if not 0 <= v <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"the seed must be between 0 and {MAX_SEED} (2**63 - 1)")
    return v


def _add_executor_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=_workers,
        default=None,
        help="worker processes of the local pool or local Dask cluster "
        "(default: the number of cores)",
    )
    parser.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="process",
        help="where runs happen: serial (this process), process (a local pool; default) or dask",
    )
    parser.add_argument(
        "--worker-timeout",
        type=_timeout,
        default=WORKER_TIMEOUT,
        metavar="SECONDS",
        help=f"seconds a run may take before its worker is taken for hung and replaced, its "
        f"runs run again (a task of n runs: SECONDS x (n + {TIMEOUT_SLACK_RUNS}); default "
        f"{WORKER_TIMEOUT:g}, 70 s for a task of 25 runs)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="address of a running Dask scheduler (with --executor dask; default: start a "
        "local cluster of --workers processes)",
    )


def _add_posterior_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--posterior",
        default=None,
        metavar="DIR",
        help="draw run i's parameters from the posterior in DIR (written by infer); run i of "
        "every scenario uses the same draw and seed",
    )
    parser.add_argument(
        "--seeds-per-draw",
        type=_positive_int,
        default=1,
        metavar="K",
        help="with --posterior: consecutive runs sharing one draw (default 1; K >= 2 tells "
        "seed noise from parameter uncertainty)",
    )


def _add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="format of the daily table: daily.csv (default) or daily.parquet",
    )


def _add_run(sub) -> None:
    run = sub.add_parser("run", help="run a scenario ensemble and write a results folder")
    run.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
    # --runs and --seed default to None so that --resume can tell whether they were given.
    run.add_argument("--runs", type=_runs, default=None, help="runs (default 100)")
    run.add_argument(
        "--seed", type=_seed, default=None, help=f"master seed (default {DEFAULT_SEED})"
    )
    _add_executor_options(run)
    _add_format_option(run)
    _add_posterior_options(run)
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
    run.set_defaults(func=commands.cmd_run)


def _add_compare(sub) -> None:
    cmp = sub.add_parser(
        "compare", help="run a base and other scenarios with the same seeds and compare them"
    )
    cmp.add_argument("base", help="the base scenario, e.g. scenarios/baseline.yaml")
    cmp.add_argument("others", nargs="+", help="scenarios to compare with the base")
    # None: not given, so that --resume can tell (the defaults are 100 and DEFAULT_SEED).
    cmp.add_argument("--runs", type=_runs, default=None, help="runs per scenario (default 100)")
    cmp.add_argument(
        "--seed", type=_seed, default=None, help=f"master seed (default {DEFAULT_SEED})"
    )
    _add_executor_options(cmp)
    _add_format_option(cmp)
    _add_posterior_options(cmp)
    cmp.add_argument("--out", default=None, help="results folder (default results/compare/...)")
    cmp.add_argument(
        "--resume",
        default=None,
        metavar="DIR",
        help="finish an interrupted comparison (the hidden .incomplete-... folder it left), "
        "given the same scenarios, --runs, --seed and --format",
    )
    cmp.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    cmp.set_defaults(func=commands.cmd_compare)


def _add_plot_and_explain(sub) -> None:
    plot = sub.add_parser("plot", help="redraw plots from a saved results folder")
    plot.add_argument("results", help="a results folder written by run or compare")
    plot.add_argument(
        "--timeline",
        action="store_true",
        help="one run closely: timeline.png (the documented events beside the simulated "
        "days) and timeline-events.png (its event log, day by day); the run nearest the "
        "median among those with the documented refusals, or --run",
    )
    plot.add_argument("--map", action="store_true", help="a schematic map of holders on --day")
    plot.add_argument("--day", default=None, help="day number (0 = 27 Nov) or date YYYY-MM-DD")
    plot.add_argument(
        "--run", type=int, default=None, help="which run (default: nearest the median)"
    )
    plot.add_argument(
        "--no-verify",
        action="store_true",
        help="draw even if the folder fails its integrity check (a warning is printed)",
    )
    plot.set_defaults(func=reading.cmd_plot)
    ver = sub.add_parser(
        "verify", help="check a results folder (finished or not) against its recorded SHA-256"
    )
    ver.add_argument("results", help="a folder written by run, compare or a study")
    ver.set_defaults(func=reading.cmd_verify)
    exp = sub.add_parser("explain", help="every rule with its parameters, values and sources")
    exp.add_argument("scenario", help="scenario YAML file")
    exp.set_defaults(func=commands.cmd_explain)


def _port(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= v <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port 0..65535 (0: any free port), got {v}")
    return v


def _token(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{12,200}", text):
        raise argparse.ArgumentTypeError(
            "expected 12 or more letters, digits, '-' or '_' (e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe())')"
        )
    return text


def _add_dashboard(sub) -> None:
    dash = sub.add_parser(
        "dashboard", help="a local web app: replay a run day by day, compare scenarios"
    )
    dash.add_argument(
        "scenario",
        nargs="?",
        default="scenarios/baseline.yaml",
        help="scenario to replay (default scenarios/baseline.yaml); the ensemble page offers "
        "the files beside it and in its counterfactuals/ folder",
    )
    dash.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    dash.add_argument(
        "--port", type=_port, default=8765, help="port to listen on (default 8765; 0: any free)"
    )
    dash.add_argument(
        "--token",
        type=_token,
        default=None,
        help="a visitor from another machine must give it once (?token=... in the address); "
        "this machine needs none (default: the MODEL_DASHBOARD_TOKEN environment variable; "
        "none: other machines need none either, so a --host other than 127.0.0.1 warns)",
    )
    dash.add_argument(
        "--max-runs",
        type=_count(MAX_RUNS_IN_MEMORY),
        default=10_000,
        metavar="N",
        help="the most runs per scenario a visitor can start on the ensemble page (default 10000)",
    )
    dash.add_argument(
        "--results",
        default="results",
        metavar="DIR",
        help="the folder whose posterior folders (written by infer) the ensemble page offers "
        "(default results)",
    )
    dash.set_defaults(func=commands.cmd_dashboard)


# name, help, option for the runs, its default, its help, --out help, command
_RESULTS = "results folder (default results/<scenario>-{}/<time>-<id>/)"
_TRUST = (
    ("validate", "score a scenario against the documented dates",
     "--runs", 100, "runs", _RESULTS.format("validation"), commands.cmd_validate),
    ("sensitivity", "sensitivity of the outcomes to the uncertain parameters",
     "--runs-per-sample", 20, "runs per sample, the same seeds for every sample",
     _RESULTS.format("sensitivity"), commands.cmd_sensitivity),
    ("ablate", "run the scenario with each rule switched off in turn, paired by seed",
     "--runs", 100, "runs per variant, the same seeds for every variant",
     _RESULTS.format("ablation"), commands.cmd_ablate),
)  # fmt: skip


def _add_trust(sub) -> None:
    parsers = {}
    for name, help_, runs_flag, runs_default, runs_help, out_help, func in _TRUST:
        p = parsers[name] = sub.add_parser(name, help=help_)
        p.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
        p.add_argument(
            runs_flag,
            type=_runs_in_memory,
            default=runs_default,
            help=f"{runs_help} (default {runs_default})",
        )
        p.add_argument("--seed", type=_seed, default=DEFAULT_SEED, help="master seed")
        _add_executor_options(p)
        p.add_argument("--out", default=None, help=out_help)
        p.set_defaults(func=func)
    for name in ("validate", "ablate"):
        _add_posterior_options(parsers[name])
    parsers["validate"].add_argument(
        "--reference",
        default=None,
        metavar="DIR",
        help="a reference table (written by reference): adds the leave-one-region-out check",
    )
    parsers["sensitivity"].add_argument(
        "--method", choices=("sobol", "morris"), default="morris", help="default morris"
    )
    parsers["sensitivity"].add_argument(
        "--samples",
        type=_held,
        default=None,
        help="Sobol base samples (a power of 2; default 64) or Morris trajectories (default 20)",
    )


def _add_attribute(sub) -> None:
    att = sub.add_parser(
        "attribute",
        help="share the outcome out among the documented decisions (or rules) acting together: "
        "Shapley values over every combination of flips",
    )
    att.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
    att.add_argument("--over", choices=("decisions", "rules"), default="decisions",
                     help="the players: the documented decisions (default), flipped from their "
                     "documented answer, or the rules, switched off")  # fmt: skip
    att.add_argument("--players", default=None, metavar="A,B,...",
                     help="only these decisions or rules (default: every decision, or every "
                     "rule in force; at most 10)")  # fmt: skip
    att.add_argument("--runs", type=_two_or_more, default=100,
                     help="runs per coalition, the same seeds for every coalition (default 100)")  # fmt: skip
    att.add_argument("--seed", type=_seed, default=DEFAULT_SEED, help="master seed")
    _add_executor_options(att)
    _add_posterior_options(att)
    att.add_argument("--out", default=None,
                     help="results folder (default results/<scenario>-attribution/<time>-<id>/)")  # fmt: skip
    att.add_argument("--resume", default=None, metavar="DIR",
                     help="finish an interrupted attribution (the hidden .incomplete-... folder "
                     "it left), given the same options")  # fmt: skip
    att.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    att.set_defaults(func=commands.cmd_attribute)


def _add_discover(sub) -> None:
    dis = sub.add_parser(
        "discover",
        help="scenario discovery (PRIM): the combinations of decisions and uncertain "
        "parameters under which the regime still holds the capital",
    )
    dis.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
    dis.add_argument("--cases", type=_positive_int, default=5000,
                     help="Latin hypercube cases, each one run with its own seed (default 5000)")  # fmt: skip
    dis.add_argument("--resamples", type=_positive_int, default=10,
                     help="PRIM runs on random halves of the cases, for each input's stability "
                     "(default 10)")  # fmt: skip
    dis.add_argument("--seed", type=_seed, default=DEFAULT_SEED, help="master seed")
    _add_executor_options(dis)
    dis.add_argument("--out", default=None,
                     help="results folder (default results/<scenario>-discovery/<time>-<id>/)")  # fmt: skip
    dis.add_argument("--resume", default=None, metavar="DIR",
                     help="finish an interrupted discovery (the hidden .incomplete-... folder "
                     "it left), given the same options")  # fmt: skip
    dis.add_argument("--quiet", action="store_true", help="no progress bar")
    dis.set_defaults(func=commands.cmd_discover)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand; each sets ``func``, the command to call."""
    parser = _Parser(
        prog="python -m model",
        description="Agent-based scenario simulator of the Assad regime's last days "
        "(27 Nov - 8 Dec 2024).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    _add_compare(sub)
    _add_plot_and_explain(sub)
    _add_trust(sub)
    add_table_commands(sub, sys.modules[__name__])
    _add_attribute(sub)
    _add_discover(sub)
    _add_dashboard(sub)
    for p in (parser, *sub.choices.values()):
        p.add_argument(
            "--debug",
            action="store_true",
            help="show the traceback of a system error (also: MODEL_DEBUG=1)",
        )
    return parser
