"""What the sandbox costs: a class of 200 submissions graded with it and without it, side by side.

The class is a mix an instructor meets: right answers (vectorised, and loops over the K centroids
as the notebook's hints teach), typical wrong answers, Python loops over every pixel (right but
slow), and broken notebooks (a syntax error, an exit, a crash, a missing function, not a notebook,
nothing written). Each round grades it twice through the command line, as ``make grade`` does,
with ``--jobs 2``: ``--sandbox require`` and ``--sandbox off``, in alternating order from round
to round so that drift in the machine's speed weighs on both. Reported: wall seconds per
submission for each, their ratio (the target, issue 10: at most 1.3), the seconds a right
submission takes (target: about a second), and the speed ratios the grader measured for each
style, with the limit they are judged against.

    python bench/grading_throughput.py [--submissions 200] [--rounds 2] [--quick]

Needs bubblewrap (apt-get install bubblewrap).
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from grading import settings  # noqa: E402
from grading.grade.gradebook import feedback_file  # noqa: E402
from submissions import CENTROIDS_RIGHT, CLOSEST_RIGHT, INSTRUCTOR, RELEASED, answered  # noqa: E402

TARGET_RATIO = 1.3

CLOSEST_LOOP_OVER_K = """
C = np.asarray(centroids, dtype=float)
distances = np.zeros((X.shape[0], K))
for k in range(K):
    distances[:, k] = np.sum((X - C[k]) ** 2, axis=1)
idx = np.argmin(distances, axis=1)
"""
CENTROIDS_LOOP_OVER_K = """
for k in range(K):
    members = X[idx == k]
    centroids[k] = members.mean(axis=0) if len(members) else np.nan
"""
CLOSEST_PIXEL_LOOP = """
C = np.asarray(centroids, dtype=float)
for i in range(X.shape[0]):
    idx[i] = np.argmin(np.sum((C - X[i]) ** 2, axis=1))
"""
CENTROIDS_PIXEL_LOOP = """
sums, sizes = np.zeros((K, n)), np.zeros(K)
for i in range(m):
    sums[idx[i]] += X[i]
    sizes[idx[i]] += 1
with np.errstate(invalid="ignore"):
    centroids = sums / sizes[:, None]
"""
# The fastest pixel loops a held-out red team wrote: numpy over the K centroids with the norms
# computed once; plain Python sums in lists.
CLOSEST_PIXEL_LOOP_TUNED = """
C = np.asarray(centroids, dtype=float)
squared_norms, doubled = (C * C).sum(axis=1), 2 * C
for i, x in enumerate(np.asarray(X, dtype=float)):
    idx[i] = (squared_norms - doubled @ x).argmin()
"""
CENTROIDS_PIXEL_LOOP_TUNED = """
sums, counts = [[0.0] * n for _ in range(K)], [0] * K
for k, row in zip(idx.tolist(), X.tolist()):
    counts[k] += 1
    for j, value in enumerate(row):
        sums[k][j] += value
centroids = np.array([[total / counts[k] if counts[k] else np.nan for total in sums[k]] for k in range(K)])
"""

# style: (share of the class, notebook or bytes)
STYLES = {
    "right (the instructor's)": (0.25, INSTRUCTOR),
    "right (vectorised)": (0.25, answered(CLOSEST_RIGHT, CENTROIDS_RIGHT)),
    "loops over K": (0.15, answered(CLOSEST_LOOP_OVER_K, CENTROIDS_LOOP_OVER_K)),
    "wrong (argmax, sum not mean)": (0.10, answered(
        "idx = np.argmax(-np.sum(np.asarray(centroids, float) ** 2, axis=1) + 2 * (np.asarray(X, float) @ np.asarray(centroids, float).T), axis=1)",
        "for k in range(K):\n    centroids[k] = X[idx == k].sum(axis=0)")),
    "wrong (uint8 wraps)": (0.05, answered("idx = np.argmin(np.sum(centroids ** 2, axis=1) - 2 * X @ centroids.T, axis=1)",
                                           CENTROIDS_RIGHT)),
    "loops over every pixel": (0.03, answered(CLOSEST_PIXEL_LOOP, CENTROIDS_PIXEL_LOOP)),
    "loops over every pixel, tuned": (0.02, answered(CLOSEST_PIXEL_LOOP_TUNED, CENTROIDS_PIXEL_LOOP_TUNED)),
    "broken: syntax error": (0.03, answered(CLOSEST_RIGHT, "centroids = (")),
    "broken: exits": (0.03, answered("import os\nos._exit(1)", "import sys\nsys.exit(0)")),
    "nothing written": (0.05, RELEASED),
    "not a notebook": (0.04, b"{ this is not JSON"),
}


def write_class(folder: Path, size: int) -> dict[str, str]:
    """Write ``size`` submissions, each style in its share; returns {submission name: style}."""
    styles, names = list(STYLES), {}
    counts = [round(STYLES[style][0] * size) for style in styles]
    counts[0] += size - sum(counts)
    for style, count in zip(styles, counts):
        content = STYLES[style][1]
        for number in range(count):
            name = f"{re.sub(r'[^a-z0-9]+', '_', style).strip('_')}_{number:03d}"
            names[name] = style
            path = folder / f"{name}.ipynb"
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                nbformat.write(content, path)
    return names


def grade(inbox: Path, out: Path, sandbox: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "grading", "grade", str(inbox), "--out", str(out), "--jobs", "2",
                          "--sandbox", sandbox], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"grading with --sandbox {sandbox} failed ({run.returncode}): {run.stderr.strip().splitlines()[-1]}")
    return seconds, run


def per_submission_seconds(stderr: str) -> dict[str, float]:
    """From the progress lines ``[3/200] name: ok, 20 / 20 (0.5 s)``."""
    return {m[1]: float(m[2]) for m in re.finditer(r"^\[\d+/\d+\] (.+?): \w+, .* \(([\d.]+) s\)$", stderr, re.MULTILINE)}


def speed_ratios(out: Path, names: dict[str, str]) -> dict[str, list[float]]:
    """The ratios to the reference that the speed tests reported, per style (both functions)."""
    ratios: dict[str, list[float]] = {}
    for name, style in names.items():
        path = out / "feedback" / feedback_file(name)
        found = re.findall(r"([\d,.]+) times the reference solution's", path.read_text()) if path.exists() else []
        ratios.setdefault(style, []).extend(float(r.replace(",", "")) for r in found)
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="40 submissions, 1 round: a check that it runs")
    args = parser.parse_args()
    if args.quick:
        args.submissions, args.rounds = 40, 1

    with tempfile.TemporaryDirectory(prefix="grading-bench-") as scratch:
        scratch = Path(scratch)
        inbox = scratch / "class"
        inbox.mkdir()
        names = write_class(inbox, args.submissions)
        print(f"{platform.node()}: Python {platform.python_version()}, {args.submissions} submissions, --jobs 2, "
              f"{args.rounds} round(s)")
        walls = {"require": [], "off": []}
        right: dict[str, list[float]] = {"require": [], "off": []}
        ratios: dict[str, dict[str, list[float]]] = {}
        for round_number in range(args.rounds):
            order = ("require", "off") if round_number % 2 == 0 else ("off", "require")
            for sandbox in order:
                out = scratch / f"grades-{sandbox}-{round_number}"
                seconds, run = grade(inbox, out, sandbox)
                walls[sandbox].append(seconds / args.submissions)
                times = per_submission_seconds(run.stderr)
                right[sandbox] += [t for name, t in times.items() if names[name].startswith("right")]
                for style, found in speed_ratios(out, names).items():
                    ratios.setdefault(sandbox, {}).setdefault(style, []).extend(found)
                print(f"  round {round_number + 1}, --sandbox {sandbox}: {seconds:.1f} s, "
                      f"{seconds / args.submissions:.3f} s per submission", flush=True)

    print()
    for sandbox, label in (("require", "sandbox"), ("off", "process isolation")):
        print(f"{label:>18}: {statistics.median(walls[sandbox]):.3f} s per submission (median of rounds); "
              f"a right submission {statistics.median(right[sandbox]):.2f} s (median), "
              f"{max(right[sandbox]):.2f} s at most")
    ratio = statistics.median(a / b for a, b in zip(walls["require"], walls["off"]))
    print(f"sandbox / process isolation: {ratio:.2f} (target: at most {TARGET_RATIO})")
    print(f"\nspeed tests, times the reference (limit {settings.SPEED_MAX_RATIO:g}), in the sandbox:")
    for style, found in ratios.get("require", {}).items():
        if found:
            print(f"  {style:32} {min(found):8.1f} to {max(found):8.1f}")


if __name__ == "__main__":
    main()
