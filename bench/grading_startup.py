"""How long ``python -m grading grade one.ipynb`` takes as a whole process, beside Python starting numpy.

The target (issue 20): grading one correct submission takes at most 1.5 s, start to end, on the
project's 2-core machine. The peer, run in turn with it, is ``python -c "import numpy"``: the part
of the time no grader can save. Each round runs both, one after the other; the report gives every
figure's median over the rounds (wall clock, and the processor time of the process and its
children), the ratio of the medians, and where the grader's own imports go
(``python -X importtime``, the five slowest).

    python bench/grading_startup.py [--rounds 7] [--sandbox auto|require|off]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 1.5


def timed(command: list[str]) -> tuple[float, float]:
    """Wall-clock seconds and processor seconds (user and system, children included) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def slowest_imports(command: list[str], count: int = 5) -> list[tuple[float, str]]:
    """The top-level imports that took longest, cumulative seconds first."""
    done = subprocess.run([sys.executable, "-X", "importtime", *command[1:]], cwd=ROOT, capture_output=True, text=True)
    found = re.findall(r"^import time:\s+\d+ \|\s+(\d+) \| (\S+)$", done.stderr, re.M)  # top level only
    return sorted(((int(micro) / 1e6, name) for micro, name in found), reverse=True)[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--sandbox", choices=("auto", "require", "off"), default="auto")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        submission = Path(folder) / "one.ipynb"
        shutil.copyfile(ROOT / "image_compression.ipynb", submission)  # the reference solution: right
        grader = [sys.executable, "-m", "grading", "grade", str(submission), "--out", str(Path(folder) / "out"),
                  "--sandbox", args.sandbox]
        peer = [sys.executable, "-c", "import numpy"]
        timed(grader)  # once before the rounds: the file system's caches
        runs = {"grader": [], "peer": []}
        for _ in range(args.rounds):
            runs["grader"].append(timed(grader))
            runs["peer"].append(timed(peer))
        gradebook = (Path(folder) / "out" / "gradebook.csv").read_text().splitlines()[1]
        imports = slowest_imports(grader)
    medians = {name: (statistics.median(w for w, _ in got), statistics.median(c for _, c in got)) for name, got in runs.items()}
    print(f"{args.rounds} rounds, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; graded: {gradebook}")
    for name, label in (("grader", "python -m grading grade one.ipynb"), ("peer", 'python -c "import numpy"')):
        wall, cpu = medians[name]
        print(f"  {label:36} wall {wall:5.2f} s   processor {cpu:5.2f} s   (walls {min(w for w, _ in runs[name]):.2f} "
              f"to {max(w for w, _ in runs[name]):.2f} s)")
    print(f"  ratio of the medians, wall: {medians['grader'][0] / medians['peer'][0]:.1f}x the peer")
    print("  slowest imports of the grader: " + ", ".join(f"{name} {seconds:.2f} s" for seconds, name in imports))
    met = medians["grader"][0] <= TARGET_SECONDS
    print(f"target: at most {TARGET_SECONDS} s wall: {'met' if met else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
