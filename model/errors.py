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


class Interrupted(ModelError):
    """An ensemble was interrupted; its unfinished folder is kept so that it can be resumed.

    Args:
        message: How far it got and where the unfinished results are.
        folder: The unfinished folder, if one was kept.
        scenario_path: The scenario the ensemble runs.
    """

    exit_code = 130

    def __init__(self, message: str, folder: object = None, scenario_path: object = None):
        self.folder = folder
        self.scenario_path = scenario_path
        super().__init__(message)
