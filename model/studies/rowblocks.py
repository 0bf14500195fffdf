"""A study's results folder written block by block: hidden until sealed, resumable, checked.

``attribute`` and ``discover`` run thousands of runs before anything is computed from them.
Their rows (a coalition's runs, a block of cases) are appended to CSV files of a hidden
folder, and ``progress.json`` records after each block each file's size and the SHA-256 of
the bytes the block appended, in the format ``run`` uses (``model.results.blocks``), so that
``verify`` checks an unfinished study as it checks an unfinished run. The folder's life
(the writer lock, the hidden name, the identity checked on resume, the seal and publish) is
every results folder's: ``model.results.lifecycle.ResultsFolder``. A resume also checks
every recorded block against its SHA-256, cuts off what follows the last complete block,
and goes on; the files end up byte for byte those of an uninterrupted study.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from model.errors import OptionError, ResultsError
from model.results.csvtext import csv_text
from model.results.files import new_results_dir
from model.results.integrity import check_blocks
from model.results.lifecycle import ResultsFolder, study_manifest
from model.results.provenance import code_digest

FLOAT_FORMAT = "%.10g"


class Study:
    """An open study folder (a ``ResultsFolder`` whose rows are written in blocks).

    Attributes:
        folder: The results folder being written.
        tmp: Its hidden folder.
        final: The name it gets when sealed.
        state: Its ``progress.json``: ``kind``, ``identity``, ``done`` (items written),
            ``sizes`` and ``blocks``.
    """

    def __init__(self, folder: ResultsFolder):
        self.folder = folder
        self.tmp: Path = folder.path
        self.final: Path = folder.final
        self.state: dict = folder.state

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
        self.folder.save()

    def read(self, name: str, **kw) -> pd.DataFrame:
        """Every row written to ``name`` so far (``kw`` goes to ``pandas.read_csv``)."""
        return pd.read_csv(self.tmp / name, **kw)

    def discard_partial(self) -> None:
        """Cut every file back to its last complete block (after a failure, best effort)."""
        for name, size in self.state["sizes"].items():
            with contextlib.suppress(OSError), open(self.tmp / name, "r+b") as f:
                f.truncate(size)

    def seal(self, doc: dict) -> None:
        """Seal the folder (the manifest: ``doc`` and every file) and publish it."""
        self.folder.publish({**study_manifest(self.folder.kind), **doc})


@contextlib.contextmanager
def study_folder(
    kind: str,
    name: str,
    settings: dict,
    out: str | None,
    resume: str | None,
    command_line: list[str],
    how_far: Callable[[Study], str],
) -> Iterator[Study]:
    """Open a new study folder, or an unfinished one to finish; seal it with ``Study.seal``.

    Stopped for any reason (Ctrl-C, SIGTERM, a full disk) the folder stays under its hidden
    name with its complete blocks, and the error says where and how to resume.

    Args:
        kind: ``attribute`` or ``discover``: recorded, and checked on resume.
        name: The folder's name under ``results/`` (when ``out`` is not given).
        settings: What decides the rows (scenario SHA-256, seeds, sizes): the folder's
            identity with the model's code; on resume each must equal the recorded value.
        out: An explicit results folder.
        resume: An unfinished folder to finish.
        command_line: The command that writes it, recorded.
        how_far: Says how far the study got, for the error that stops it.

    Raises:
        OptionError: ``out`` with ``resume``, or a resumed folder that does not match.
        ResultsError: A resumed folder whose written blocks changed.
    """
    identity = {**settings, "code_sha256": code_digest()}
    if resume is not None:
        if out is not None:
            raise OptionError("out", out, "cannot be given with --resume: the resumed folder "
                              "keeps the name it was given")  # fmt: skip
        lifecycle = ResultsFolder.reopen(resume, kind, identity)
    else:
        final = new_results_dir(name, out)
        seed = {"seed": settings["master_seed"]} if "master_seed" in settings else {}
        lifecycle = ResultsFolder.create(kind, final, identity, command_line, seed,
                                         state={"done": 0, "sizes": {}, "blocks": []})  # fmt: skip
    with lifecycle as folder:
        study = Study(folder)
        folder.how_far = lambda: how_far(study)
        if resume is not None:
            problems = check_blocks(folder.path, folder.state)
            if problems:
                raise ResultsError(f"{folder.path}: cannot resume, the written results changed "
                                   f"since they were written ({'; '.join(problems[:3])})")  # fmt: skip
        try:
            study.discard_partial()
            yield study
        except BaseException:
            study.discard_partial()
            raise
