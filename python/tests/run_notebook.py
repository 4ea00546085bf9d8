"""Executes a notebook top to bottom in a fresh kernel of this interpreter; fails on any error.

Usage: python run_notebook.py NOTEBOOK.ipynb [TIMEOUT_SECONDS]
The notebook file is not modified (outputs stay out of the repository).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def main() -> int:
    path = Path(sys.argv[1])
    timeout = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    # The kernel is this venv's own Python, with ipykernel's inline matplotlib backend, so the
    # figures are rendered to PNG as in Jupyter (no display needed).
    os.environ.pop("MPLBACKEND", None)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": os.getcwd()}},
    )
    start = time.monotonic()
    client.execute()
    took = time.monotonic() - start
    cells = sum(1 for c in nb.cells if c.cell_type == "code")
    images = sum(
        1
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    )
    print(f"{path.name}: {cells} code cells ran without error in {took:.1f} s ({images} figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
