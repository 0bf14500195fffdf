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


class Interrupted(ModelError):
    """An ensemble was interrupted; its unfinished folder is kept for ``--resume``."""

    exit_code = 130
