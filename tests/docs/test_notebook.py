"""The example notebook runs from start to end with the documented API (so it cannot rot)."""

from __future__ import annotations

import nbclient
import nbformat
from repo import REPO_ROOT

NOTEBOOK = REPO_ROOT / "docs" / "examples" / "python_api.ipynb"


def test_example_notebook_executes_without_error():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []  # the stored outputs must not count: everything runs again
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    texts = [
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells if c.cell_type == "code" for o in c.outputs
    ]  # fmt: skip
    assert any("<Ensemble 'baseline': 100 runs" in t for t in texts), texts
    assert any("russia_stays" in t for t in texts)
