"""The parsers of the subcommands that make or read the reference table (``table_commands``)."""

from __future__ import annotations

from model.cli import table_commands

# Defaults as numbers: importing the studies would load the simulation.
DEFAULT_TABLE_RUNS = 50_000  # model.studies.reference_folder.DEFAULT_RUNS (a test checks)
DEFAULT_SEEDS, DEFAULT_ESS = 3, 200  # model.studies.abc.SEEDS, ESS
SCALES = ("rmsd", "sd", "pcmad")  # model.studies.abc.SCALES
ORIGINS = "2024-11-30,2024-12-02,2024-12-04,2024-12-06"
TRIALS, REFINE_RUNS = 150, 100  # model.studies.refine.TRIALS, RUNS
MAX_TRIALS = 100_000


def add_table_commands(sub, p) -> None:
    """Add ``reference``, ``calibrate``, ``infer``, ``sbc`` and ``hindcast`` to ``sub``.

    Args:
        sub: The subparsers.
        p: The main parser module (``model.cli.parser``: its option types and executor
            options, shared with every other subcommand).
    """

    def trials(text: str) -> int:  # --trials: 0 (no search) to MAX_TRIALS
        v = p._whole(text)
        if not 0 <= v <= MAX_TRIALS:
            raise p.argparse.ArgumentTypeError(
                f"expected a number from 0 to {MAX_TRIALS:,}, got {v}"
            )
        return v

    ref = sub.add_parser(
        "reference", help="make the reference table of prior-predictive runs that calibrate, "
        "infer, sbc, hindcast and validate --reference read (resumable)")  # fmt: skip
    ref.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
    ref.add_argument("--runs", type=p._runs, default=None,
                     help=f"rows of the table, one run each (default {DEFAULT_TABLE_RUNS:,})")  # fmt: skip
    ref.add_argument("--seed", type=p._seed, default=None,
                     help=f"master seed (default {p.DEFAULT_SEED})")  # fmt: skip
    p._add_executor_options(ref)
    ref.add_argument("--out", default=None,
                     help="results folder (default results/<scenario>-reference/<time>-<id>/)")  # fmt: skip
    ref.add_argument("--resume", default=None, metavar="DIR",
                     help="finish an interrupted table: the hidden .incomplete-... folder it left")  # fmt: skip
    ref.set_defaults(func=table_commands.cmd_reference)
    studies = (
        ("calibrate", "set every value the scenario marks calibrated, from the calibration "
         "observations, and write its calibration file", table_commands.cmd_calibrate,
         "calibration file to write (default: the one the scenario names under calibration:)"),
        ("infer", "the posterior of the uncertain parameters given the calibration observations "
         "(rejection ABC on the reference table)", table_commands.cmd_infer,
         "results folder (default results/<scenario>-posterior/<time>-<id>/)"),
        ("sbc", "the calibration check of infer at its settings, on held-back rows of the "
         "reference table", table_commands.cmd_sbc,
         "results folder (default results/<scenario>-sbc/<time>-<id>/)"),
        ("hindcast", "forecast the held-out events from earlier dates, scored against "
         "baselines", table_commands.cmd_hindcast,
         "results folder (default results/<scenario>-hindcast/<time>-<id>/)"),
    )  # fmt: skip
    for name, help_, func, out_help in studies:
        s = sub.add_parser(name, help=help_)
        s.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
        s.add_argument("--reference", default=None, metavar="DIR",
                       help="the reference table to read (written by reference); default: make "
                       "one first, published beside the results")  # fmt: skip
        s.add_argument("--runs", type=p._runs, default=None,
                       help=f"rows of a table made here (default {DEFAULT_TABLE_RUNS:,})")  # fmt: skip
        s.add_argument("--seeds", type=p._count(100), default=None,
                       help=f"disjoint parts of the table, each an independent inference "
                       f"(default {DEFAULT_SEEDS})")  # fmt: skip
        s.add_argument("--ess", type=p._held, default=None,
                       help=f"runs accepted in each part: its effective sample size "
                       f"(default {DEFAULT_ESS})")  # fmt: skip
        s.add_argument("--scale", choices=SCALES, default=None,
                       help="each statistic's scale: rmsd (spread and bias, default), sd "
                       "(spread alone) or pcmad")  # fmt: skip
        s.add_argument("--seed", type=p._seed, default=None,
                       help=f"master seed (default {p.DEFAULT_SEED})")  # fmt: skip
        p._add_executor_options(s)
        s.add_argument("--out", default=None, help=out_help)
        s.set_defaults(func=func)
        if name == "calibrate":
            s.add_argument("--replace", action="store_true",
                           help="write over the calibration file if it exists")  # fmt: skip
            s.add_argument("--trials", type=trials, default=None,
                           help=f"points the search near the posterior mean scores, "
                           f"{REFINE_RUNS} runs each (default {TRIALS}; 0: write the "
                           f"posterior mean)")  # fmt: skip
        if name == "sbc":
            s.add_argument("--cases", type=p._held, default=None,
                           help="held-back rows used as records (default 200)")  # fmt: skip
        if name == "hindcast":
            s.add_argument("--origins", default=None,
                           help=f"forecast dates, comma-separated (default {ORIGINS})")  # fmt: skip
