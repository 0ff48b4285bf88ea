"""How long the whole notebook takes to execute, top to bottom, in a fresh kernel, where it runs.

The budget (issue 12, Going further included) is 45 seconds on a 2-core machine. This runs the
notebook without saving it, --repeat times in each of two environments, in turn: as `make test`
and `make notebook` run it (one BLAS and OpenMP thread, set in the environment), and as a
learner's own Jupyter does (no thread setting: the notebook's first cell holds BLAS to one thread
itself, utils.one_blas_thread). It reports every run, the ratio of each pair, and the slowest
cells of the last run.

    python bench/notebook_runtime.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "image_compression.ipynb"
BUDGET_SECONDS = 45.0


def execute_once() -> tuple[float, list[tuple[float, str]]]:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    start = time.perf_counter()
    client.execute()
    total = time.perf_counter() - start
    cells = []
    for cell in notebook.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type == "code" and "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            began = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            ended = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
            cells.append(((ended - began).total_seconds(), cell.source.splitlines()[0]))
    return total, sorted(cells, reverse=True)


PINNED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["PYTHONHASHSEED"] = "0"

    totals = {"pinned": [], "learner": []}
    for _ in range(args.repeat):
        for setting in totals:
            for name in PINNED:
                os.environ.pop(name, None)
            if setting == "pinned":
                os.environ.update(PINNED)
            total, cells = execute_once()
            totals[setting].append(total)
    print(f"{os.cpu_count()} CPUs; whole notebook, kernel start included, runs in turn:")
    print("  one thread set in the environment (make test): " + ", ".join(f"{t:.1f} s" for t in totals["pinned"]))
    print("  as in a learner's Jupyter (nothing set):       " + ", ".join(f"{t:.1f} s" for t in totals["learner"]))
    print("  learner's / make test's, pair by pair:         "
          + ", ".join(f"{a / b:.2f}x" for a, b in zip(totals["learner"], totals["pinned"])))
    print("slowest cells of the last run:")
    for seconds, first_line in cells[:5]:
        print(f"  {seconds:6.2f} s  {first_line}")
    worst = max(max(runs) for runs in totals.values())
    print(f"budget {BUDGET_SECONDS:.0f} s: {'met' if worst <= BUDGET_SECONDS else 'MISSED'} "
          f"(slowest run {worst:.1f} s, {worst / BUDGET_SECONDS:.0%} of the budget)")
    return 0 if worst <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
