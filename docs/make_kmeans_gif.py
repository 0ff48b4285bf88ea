"""Write docs/kmeans.gif: K-means converging on the notebook's toy data, the reference solution's two steps.

The notebook's Going further animates the learner's own functions (``utils.animate_kmeans``); this
GIF is the same animation made by the reference solution, taken from the instructor's notebook
as the grader takes it, for the README and for anyone who has not written the exercises yet.
tests/test_animation.py checks that running this again gives the committed file, byte for byte.

    python docs/make_kmeans_gif.py --out docs/kmeans.gif
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere: the project's packages are beside docs/

from course.animation import kmeans_animation, save_gif  # noqa: E402
from grading.instructor_notebook import load_reference  # noqa: E402

TOY_DATA = ROOT / "data" / "toy_points.csv"
TOY_INITIAL_CENTROIDS = np.array([[3.0, 3.0], [6.0, 2.0], [8.0, 5.0]])  # the notebook's three


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python docs/make_kmeans_gif.py",
                                     description="Make the GIF of K-means converging on the notebook's toy data.")
    parser.add_argument("--out", required=True, type=Path, help="the GIF to write, e.g. docs/kmeans.gif")
    parser.add_argument("--fps", type=float, default=1.5, help="frames per second (default 1.5)")
    parser.add_argument("--max-iters", type=int, default=10, help="most iterations to show (default 10)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    reference = load_reference()
    X = np.loadtxt(TOY_DATA, delimiter=",", skiprows=1, dtype=np.float64)
    animation = kmeans_animation(X, TOY_INITIAL_CENTROIDS, reference["find_closest_centroids"],
                                 reference["compute_centroids"], max_iters=args.max_iters)
    size = save_gif(animation, args.out, fps=args.fps)
    print(f"wrote {args.out}: {size:,} bytes in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
