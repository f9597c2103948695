"""Executes a notebook headless (every cell, in order) and fails on the first error."""

import sys
import time

import nbformat
from nbclient import NotebookClient

path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
t0 = time.perf_counter()
NotebookClient(nb, timeout=600, kernel_name="python3").execute()
cells = sum(1 for c in nb.cells if c.cell_type == "code")
print(f"{path}: {cells} code cells ran in {time.perf_counter() - t0:.1f} s")
