"""A study's results folder written block by block: hidden until sealed, resumable, checked.

``attribute`` and ``discover`` run thousands of runs before anything is computed from them.
Their rows (a coalition's runs, a block of cases) are appended to CSV files of a hidden
folder marked ``INCOMPLETE``, and ``progress.json`` records after each block each file's
size and the SHA-256 of the bytes the block appended, in the format ``run`` uses
(``model.results.blocks``), so that ``verify`` checks an unfinished study as it checks an
unfinished run. A resume checks the settings it is given against those recorded, every
recorded block against its SHA-256, cuts off what follows the last complete block, and
goes on; the files end up byte for byte those of an uninterrupted study. When the study
has written its own files the folder is sealed (``manifest.json`` lists every file) and
renamed into place (``model.ensemble.runner.finish_folder``).

All of a study's writing goes through ``study_folder``, so that it can move with the rest
of the results-folder lifecycle.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.ensemble.runner import finish_folder, start_hidden, stopped
from model.errors import OptionError, ResultsError
from model.results.contract import FORMAT_VERSION, INCOMPLETE, MANIFEST, PROGRESS
from model.results.csvtext import csv_text
from model.results.files import new_results_dir, sole_writer, write_json, write_json_atomic
from model.results.integrity import check_blocks

FLOAT_FORMAT = "%.10g"


@dataclass
class Study:
    """An open study folder.

    Attributes:
        tmp: The hidden folder being written.
        final: The name it gets when sealed.
        state: Its ``progress.json``: ``kind``, ``settings``, ``done`` (items written),
            ``sizes`` and ``blocks``.
    """

    tmp: Path
    final: Path
    state: dict

    @property
    def done(self) -> int:
        """Items (coalitions, cases) completely written."""
        return int(self.state["done"])

    def append(self, frames: dict[str, pd.DataFrame], items: int) -> None:
        """Append one block of rows to each named CSV file, then record it.

        Args:
            frames: File name -> the block's rows (the header is written with the first).
            items: How many items the block completes.
        """
        first = self.done == 0
        digests = {}
        for name, df in frames.items():
            data = csv_text(df, header=first, float_format=FLOAT_FORMAT).encode("utf-8")
            with open(self.tmp / name, "wb" if first else "ab") as f:
                f.write(data)
            digests[name] = hashlib.sha256(data).hexdigest()
        self.state["done"] += items
        self.state["sizes"] = {n: (self.tmp / n).stat().st_size for n in digests}
        self.state["blocks"].append(
            {"items": items, "end": dict(self.state["sizes"]), "sha256": digests}
        )
        write_json_atomic(self.tmp / PROGRESS, self.state)

    def read(self, name: str, **kw) -> pd.DataFrame:
        """Every row written to ``name`` so far (``kw`` goes to ``pandas.read_csv``)."""
        return pd.read_csv(self.tmp / name, **kw)

    def discard_partial(self) -> None:
        """Cut every file back to its last complete block (after a failure, best effort)."""
        for name, size in self.state["sizes"].items():
            with contextlib.suppress(OSError), open(self.tmp / name, "r+b") as f:
                f.truncate(size)

    def seal(self, doc: dict) -> None:
        """Write the manifest (``doc`` plus, when sealed, every file) and publish the folder."""
        write_json(self.tmp / MANIFEST, {"format_version": FORMAT_VERSION, **doc})
        finish_folder(self.tmp, self.final)


def _reopen(folder: Path, kind: str, settings: dict) -> dict:
    """The progress of an unfinished study, checked against the settings given."""
    if not (folder / INCOMPLETE).is_file() or not (folder / PROGRESS).is_file():
        raise OptionError("resume", str(folder), f"not an unfinished results folder "
                          f"({INCOMPLETE} or {PROGRESS} missing)")  # fmt: skip
    try:
        state = json.loads((folder / PROGRESS).read_text(encoding="utf-8"))
        was, _ = state["settings"], (state["final"], state["done"], state["sizes"])
    except (OSError, ValueError, KeyError, TypeError):
        raise OptionError("resume", str(folder), f"{PROGRESS} unreadable") from None
    if state.get("kind") != kind:
        raise OptionError("resume", str(folder), f"not an unfinished {kind} folder "
                          f"(it is {state.get('kind') or 'a run'}'s)")  # fmt: skip
    for key, value in settings.items():
        if was.get(key) != value:
            raise OptionError("resume", str(folder), f"{key} differs from the {kind} this "
                              f"folder was started with ({was.get(key)!r}, given {value!r})")  # fmt: skip
    problems = check_blocks(folder, state)
    if problems:
        raise ResultsError(f"{folder}: cannot resume, the written results changed since they "
                           f"were written ({'; '.join(problems[:3])})")  # fmt: skip
    return state


@contextlib.contextmanager
def study_folder(
    kind: str,
    name: str,
    settings: dict,
    out: str | None,
    resume: str | None,
    resume_hint: str,
    how_far: Callable[[Study], str],
) -> Iterator[Study]:
    """Open a new study folder, or an unfinished one to finish; seal it with ``Study.seal``.

    Stopped for any reason (Ctrl-C, SIGTERM, a full disk) the folder stays under its hidden
    name with its complete blocks, and the error says where (``runner.stopped``).

    Args:
        kind: ``attribute`` or ``discover``: recorded, and checked on resume.
        name: The folder's name under ``results/`` (when ``out`` is not given).
        settings: What decides the rows (scenario SHA-256, seeds, sizes): recorded, and on
            resume each must equal the recorded value.
        out: An explicit results folder.
        resume: An unfinished folder to finish.
        resume_hint: The command line that finishes this folder, for its ``INCOMPLETE``.
        how_far: Says how far the study got, for the error that stops it.

    Raises:
        OptionError: ``out`` with ``resume``, or a resumed folder that does not match.
    """
    if resume is not None:
        if out is not None:
            raise OptionError("out", out, "cannot be given with --resume: the resumed folder "
                              "keeps the name it was given")  # fmt: skip
        tmp = Path(resume)
        state = _reopen(tmp, kind, settings)
        final = tmp.parent / state["final"]
    else:
        final = new_results_dir(name, out)
    with sole_writer(final, "out" if resume is None else "resume"):
        if resume is None:
            tmp = start_hidden(final, resume_hint)
            state = {"kind": kind, "final": final.name, "settings": settings, "done": 0,
                     "sizes": {}, "blocks": []}  # fmt: skip
        study = Study(tmp, final, state)
        try:
            if resume is None:
                write_json_atomic(tmp / PROGRESS, state)
            else:
                study.discard_partial()
            yield study
        except BaseException as exc:
            study.discard_partial()
            raise stopped(exc, tmp, lambda: how_far(study)) from None
