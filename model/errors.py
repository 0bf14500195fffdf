"""The package's own exceptions, turned into one line and an exit code at the CLI edge."""


class ModelError(Exception):
    """Base class for errors a user can act on; the CLI prints one line and exits 2."""

    exit_code = 2


class ScenarioError(ModelError):
    """A scenario file is missing, malformed or fails validation.

    Args:
        path: The file the problem is in.
        field: Dotted path of the offending field, or None for file-level problems.
        message: What is wrong, in one sentence.
    """

    def __init__(self, path: str, field: str | None, message: str):
        self.path = str(path)
        self.field = field
        self.message = message
        where = f"{self.path}: {field}: " if field else f"{self.path}: "
        super().__init__(where + message)


class ResultsError(ModelError):
    """A results folder is missing or not in the format this version writes."""


class OptionError(ModelError):
    """A value given for one of a command's options cannot be used.

    The library names the option as it knows it (``out``, ``resume``, ``seed``); only the
    command line turns that into a flag.

    Args:
        option: The option's name.
        value: The value given, or None when the option's absence is the problem.
        message: What is wrong, in one sentence.
    """

    def __init__(self, option: str, value: object, message: str):
        self.option = option
        self.value = value
        self.message = message
        shown = "" if value is None else f" {value}"
        super().__init__(f"{option}{shown}: {message}")


class Stopped(ModelError):
    """An ensemble stopped before it finished; the complete blocks written so far are kept.

    Exit code 1: the environment failed (a full disk, a read-only or vanished folder, workers
    that kept dying). The command line adds the exact ``--resume`` command.

    Args:
        message: What happened and how far the ensemble got.
        folder: The unfinished folder kept for ``--resume``, or None if nothing could be kept.
        settings: What the resume must be given again if the command line did not say it
            (``{"seed": 20241127}``: a default the folder was started with), by option name.
    """

    exit_code = 1

    def __init__(self, message: str, folder: object = None, settings: dict | None = None):
        self.folder = folder
        self.settings = dict(settings or {})
        super().__init__(message)


class Interrupted(Stopped):
    """An ensemble was interrupted (Ctrl-C, SIGTERM); exit code 130."""

    exit_code = 130


class WorkerLost(ModelError):
    """Worker processes kept dying while running the same runs; the ensemble cannot go on.

    Raised by an executor; the runner keeps what was written and raises ``Stopped``.
    """

    exit_code = 1


def describe_os_error(exc: OSError) -> str:
    """One line for a failure of the system (a full disk, a read-only folder...)."""
    what = exc.strerror or type(exc).__name__
    where = exc.filename
    return f"{what}: {where}" if where else (str(exc) or what)
