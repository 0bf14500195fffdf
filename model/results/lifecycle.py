"""One life for every results folder: written hidden by one writer, checked on resume, published.

Every command that writes a results folder (``run``, ``compare``, ``validate``,
``sensitivity``, ``ablate``, ``infer``, ``hindcast``) goes through ``ResultsFolder``:

1. ``create``: the writer lock is taken on the final name (``files.sole_writer``) and a
   hidden folder ``.incomplete-<name>-<id>`` made beside it, marked ``INCOMPLETE``, whose
   ``progress.json`` records the folder's kind, its final name (a name, not a path: the
   folder resumes from any directory), its identity (what its results depend on: scenario
   digests, seed, runs, format, posterior, the model's code) and the command line.
2. The command writes into ``path`` and records how far it got in ``state`` (``save``).
3. Stopped for any reason, a resumable folder is kept and the error names it
   (``Interrupted``, ``Stopped``, with the settings a resume must repeat); a folder of a
   command that is not resumable (it writes its files at the end) is removed, and the error
   says that nothing was kept.
4. ``reopen`` (``--resume``): the markers, the lock, no links, and the identity against what
   this command would write, each difference refused with one line; the command continues.
5. ``publish``: sealed (``manifest.json`` lists every file), markers removed, renamed into
   place.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from model.errors import (
    Interrupted,
    ModelError,
    OptionError,
    Stopped,
    WorkerLost,
    describe_os_error,
)
from model.results.contract import FORMAT_VERSION, INCOMPLETE, MANIFEST, PROGRESS
from model.results.files import hidden_dir, publish, sole_writer
from model.results.integrity import links_in, seal
from model.results.jsonio import write_json_atomic

# Identity entries a user gives as options: a resume that gives another value is refused
# naming the option; one that gives none continues with the folder's.
OPTIONS = {
    "master_seed": "seed",
    "runs": "runs",
    "format": "format",
    "seeds_per_draw": "seeds_per_draw",
    "particles": "particles",
    "generations": "generations",
    "min_epsilon": "epsilon",
    "origins": "origins",
    "forecast_runs": "forecast_runs",
}
# The other entries, each refused with what it means.
MISMATCH = {
    "kind": "is another command's unfinished folder",
    "scenario_sha256": "the scenario differs from the one this folder was started with "
    "(SHA-256 of the resolved scenario)",
    "scenarios": "the scenarios differ from those this comparison was started with (give the "
    "same files, in the same order; SHA-256 of the resolved scenarios)",
    "posterior_sha256": "the posterior differs from the one this folder was started with "
    "(SHA-256 of posterior.csv and posterior.json)",
    "observations_sha256": "the observations file differs from the one this folder was "
    "started with (SHA-256)",
    "code_sha256": "was started by another version of the model (SHA-256 of its code "
    "differs): finish it with that version, or start again",
}


class ResultsFolder:
    """A results folder being written under its hidden name (see the module docstring).

    Attributes:
        kind: ``run``, ``compare``, ``infer``, ``hindcast``, ``validation``, ...
        final: The name it gets when published.
        path: The hidden folder written into.
        state: Its ``progress.json``: ``kind``, ``final``, ``identity``, ``resumable``,
            ``command_line``, ``settings`` and what the command records of its progress.
        how_far: Says how far the command got ("80 of 100 runs"), read when it stops;
            default: ``describe(state)``.
    """

    def __init__(self, final: Path, path: Path, state: dict):
        self.final = final
        self.path = path
        self.state = state
        self.kind = state["kind"]
        self.how_far: Callable[[], str] | None = None

    @property
    def identity(self) -> dict:
        """What the results depend on, as recorded when the folder was started."""
        return self.state["identity"]

    @classmethod
    @contextlib.contextmanager
    def create(
        cls,
        kind: str,
        final: Path,
        identity: dict,
        command_line: list[str],
        settings: dict | None = None,
        resumable: bool = True,
        state: dict | None = None,
    ) -> Iterator[ResultsFolder]:
        """Take the lock on ``final`` and write into a new hidden folder beside it.

        Args:
            kind: The folder's kind.
            final: Its final name (``files.new_results_dir``).
            identity: What its results depend on (JSON values).
            command_line: The command that writes it.
            settings: What a resume must repeat if its command line does not (by option
                name: the seed, when the command used its default).
            resumable: Whether an unfinished folder is kept for ``--resume``.
            state: The command's own progress entries, to start with.

        Raises:
            Interrupted: The body was interrupted (the folder kept if resumable).
            Stopped: The environment failed (likewise).
        """
        with sole_writer(final):
            path = hidden_dir(final)
            doc = {
                **(state or {}),
                "kind": kind,
                "final": final.name,
                "resumable": resumable,
                "identity": _json(identity),
                "command_line": list(command_line),
                "settings": _json(settings or {}),
            }
            _make_hidden(path, resumable)
            folder = cls(final, path, doc)
            try:
                folder.save()
                yield folder
            except BaseException as exc:
                raise folder.stopped(exc) from None

    @classmethod
    @contextlib.contextmanager
    def reopen(cls, hidden: str | Path, kind: str, expected: dict) -> Iterator[ResultsFolder]:
        """Continue an unfinished folder, once it is checked to be what this command writes.

        Args:
            hidden: The hidden folder (``--resume``).
            kind: The kind this command writes.
            expected: Identity entries this command would record; an entry that is None
                (an option not given) takes the folder's value.

        Raises:
            OptionError: Not an unfinished folder of this kind, it holds links, another
                process writes it, or its identity differs from ``expected``.
        """
        path = Path(hidden)
        final = path.parent / read_state(path, kind)["final"]
        with sole_writer(final, "resume"):
            state = read_state(path, kind)  # again, under the lock: another may have finished
            state["identity"] = check_identity(state["identity"], expected, path)
            folder = cls(final, path, state)
            try:
                yield folder
            except BaseException as exc:
                raise folder.stopped(exc) from None

    def save(self) -> None:
        """Record ``state`` in ``progress.json`` (atomically)."""
        write_json_atomic(self.path / PROGRESS, self.state)

    def publish(self, doc: dict | None = None) -> None:
        """Seal the finished folder and rename it into place.

        The unfinished markers go only once the manifest is written, so that a failure
        while sealing leaves the folder resumable.

        Args:
            doc: The manifest's content besides its file list; default: the
                ``manifest.json`` already in the folder.
        """
        seal(self.path, doc, exclude=(PROGRESS, INCOMPLETE))
        (self.path / PROGRESS).unlink(missing_ok=True)
        (self.path / INCOMPLETE).unlink(missing_ok=True)
        publish(self.path, self.final)

    def stopped(self, exc: BaseException) -> BaseException:
        """The error to raise for this folder's command, which ``exc`` stopped."""
        if self.state.get("resumable", True):
            how_far = self.how_far or (lambda: describe(self.state))
            return stopped(exc, self.path, how_far, self.state.get("settings"))
        shutil.rmtree(self.path, ignore_errors=True)
        nothing = f"nothing was kept ({self.kind} writes its folder once, at the end: run the "
        nothing += "same command again, it gives the same results)"
        if isinstance(exc, KeyboardInterrupt):
            return Interrupted(f"interrupted; {nothing}")
        if isinstance(exc, OSError):
            return Stopped(f"{describe_os_error(exc)}; {nothing}")
        if isinstance(exc, (WorkerLost, MemoryError)):
            return Stopped(f"{_what(exc)}; {nothing}")
        return exc


def study_manifest(kind: str) -> dict:
    """The manifest of a study's folder, besides its file list."""
    return {"format_version": FORMAT_VERSION, "kind": kind}


def _json(obj: object) -> object:
    """``obj`` as it reads back from JSON (tuples as lists), so that it compares as stored."""
    return json.loads(json.dumps(obj))


def _make_hidden(path: Path, resumable: bool) -> None:
    """Create the hidden folder, marked ``INCOMPLETE``.

    Raises:
        Stopped: It cannot be created (nothing is left behind).
    """
    if resumable:
        note = f"python -m model verify {path} says how far they got and how to finish them."
    else:
        note = "The command writes its files at the end and is not resumable: remove this "
        note += "folder and run the command again (it gives the same results)."
    try:
        path.mkdir()
        (path / INCOMPLETE).write_text(
            f"This folder holds unfinished results; {PROGRESS} records them.\n{note}\n",
            encoding="utf-8",
        )
    except OSError as exc:
        shutil.rmtree(path, ignore_errors=True)
        raise Stopped(f"cannot create the results folder: {describe_os_error(exc)}") from None


def read_state(path: Path, kind: str | None = None) -> dict:
    """The ``progress.json`` of an unfinished folder, checked to be of ``kind``.

    Raises:
        OptionError: Not an unfinished results folder (of this kind), unreadable, or it
            holds links.
    """
    if not (path / INCOMPLETE).is_file() or not (path / PROGRESS).is_file():
        raise OptionError(
            "resume",
            str(path),
            f"not an unfinished results folder ({INCOMPLETE} or {PROGRESS} missing)",
        )
    links = links_in(path)
    if links:
        raise OptionError(
            "resume", str(path), f"holds a symbolic link ({links[0]}); results folders hold no "
            "links, so it is not continued"
        )  # fmt: skip
    try:
        state = json.loads((path / PROGRESS).read_text(encoding="utf-8"))
        state["final"], state["identity"]  # noqa: B018 - must be present
    except (OSError, ValueError, KeyError, TypeError):
        raise OptionError("resume", str(path), f"{PROGRESS} unreadable or malformed") from None
    if kind is not None and state.get("kind") != kind:
        was = state.get("kind")
        raise OptionError(
            "resume", str(path), f"an unfinished {was} folder, not a {kind} one: resume it "
            f"with python -m model {was}"
        )  # fmt: skip
    if not state.get("resumable", True):
        raise OptionError(
            "resume", str(path), f"{was_kind(state)} folders are not resumable: remove it and "
            "run the command again"
        )  # fmt: skip
    return state


def was_kind(state: dict) -> str:
    """The command that wrote a folder's state, for messages."""
    return str(state.get("kind", "unknown"))


def check_identity(stored: dict, expected: dict, folder: Path) -> dict:
    """``stored``, after checking every entry of ``expected`` that is not None against it.

    Raises:
        OptionError: An entry differs; an option is named as such (``--seed 7: differs from
            77 in the resumed folder ...``), anything else by what it means.
    """
    for key, want in expected.items():
        if want is None:
            continue
        want = _json(want)
        have = stored.get(key)
        if have == want:
            continue
        if key in OPTIONS:
            raise OptionError(
                OPTIONS[key], _shown(want), f"differs from {_shown(have)} in the resumed folder "
                f"{folder}"
            )  # fmt: skip
        raise OptionError("resume", str(folder), MISMATCH.get(key, f"its {key} differs"))
    return stored


def _shown(value: object) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def describe(state: dict, folder: Path | None = None) -> str:
    """How far an unfinished folder got, from its ``progress.json`` ("800 of 20000 runs").

    Args:
        state: Its ``progress.json``.
        folder: The folder, where the progress of its parts is recorded (a comparison's
            scenarios).
    """
    kind = state.get("kind")
    ident = state.get("identity", {})
    if kind == "compare":
        names = ident.get("names", [])
        done = state.get("finished", [])
        text = f"{len(done)} of {len(names)} scenarios"
        if len(done) < len(names) and folder is not None:
            current = names[len(done)]
            try:
                sub = json.loads((folder / current / PROGRESS).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                sub = {}
            text += f" (and {runs_done(sub)} of {ident.get('runs')} runs of {current})"
        return text
    if kind == "infer":
        return f"{state.get('generations_done', 0)} of {ident.get('generations')} generations"
    if kind == "hindcast":
        return f"{len(state.get('origins_done', []))} of {len(ident.get('origins', []))} origins"
    if "runs_done" in state:
        return f"{runs_done(state)} of {ident.get('runs', '?')} runs"
    return "nothing yet"


def runs_done(state: dict) -> int:
    """Runs completely written, as a ``progress.json`` says."""
    try:
        return int(state.get("runs_done", 0))
    except (TypeError, ValueError):
        return 0


def _what(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    if isinstance(exc, MemoryError):
        return "out of memory"
    return str(exc) or type(exc).__name__


def stopped(
    exc: BaseException, tmp: Path, how_far: Callable[[], str], settings: dict | None = None
) -> BaseException:
    """The error to raise for a command writing into ``tmp`` that ``exc`` stopped.

    What was written is kept: an interrupt, an environment failure (a full disk, no memory)
    and workers that kept dying become one line naming the kept folder (the command line adds
    how to resume it); the package's own errors keep their message; anything else, a fault
    in this program, keeps its traceback, with a note saying where the unfinished results are.

    Args:
        exc: What stopped the command.
        tmp: The unfinished folder.
        how_far: Says how far it got ("80 of 100 runs"), read when needed.
        settings: What the resume must repeat (``Stopped.settings``).
    """
    if isinstance(exc, Stopped):
        return exc
    if not isinstance(exc, (KeyboardInterrupt, OSError, WorkerLost, MemoryError)):
        if isinstance(exc, ModelError):
            return exc
        if isinstance(exc, Exception):
            exc.add_note(f"The unfinished results are kept in {tmp} (marked {INCOMPLETE}).")
        return exc
    if not (tmp / INCOMPLETE).is_file():
        what = _what(exc) if not isinstance(exc, KeyboardInterrupt) else "interrupted"
        return Stopped(f"{what}; the unfinished folder {tmp} is gone, nothing can be resumed")
    kept = f"the unfinished results are kept in {tmp} (marked {INCOMPLETE})"
    if isinstance(exc, KeyboardInterrupt):
        return Interrupted(f"interrupted after {how_far()}; {kept}", tmp, settings)
    return Stopped(f"{_what(exc)}; stopped after {how_far()}; {kept}", tmp, settings)


def unfinished_manifest(folder: Path) -> dict | None:
    """The ``manifest.json`` written at the start of an unfinished folder, if readable."""
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None
