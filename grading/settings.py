"""What an instructor may want to change, in one place: points per exercise and the grader's limits."""

from __future__ import annotations

# Points per graded function. Each function's points are shared among its hidden tests in
# proportion to the tests' weights (grading/hidden_tests/cases.py), so partial credit is per test.
POINTS = {
    "find_closest_centroids": 10.0,
    "compute_centroids": 10.0,
}

# The first word of the hidden tests' seeds. This project's repository is public, and with it the
# inputs of the correctness tests for this number: give your course a number of its own (any whole
# number) if your learners might look. The speed tests draw new inputs on every run anyway.
HIDDEN_TEST_SEED = 2026

# The installed packages graded cells may import, by their pip names, with what they depend on; None
# for every installed package. The exercises are to write each step with numpy: ("numpy",) keeps
# scikit-learn's and scipy's distance and K-means functions out of a graded cell's reach. In the
# sandbox the others are not there at all; without it their imports fail with a message. The public
# tests refuse the same imports (public_tests.ALLOWED_MODULES, the modules these install): widen
# both together; `python -m grading release` refuses to write a copy while the two differ.
ALLOWED_PACKAGES: tuple[str, ...] | None = ("numpy",)

# Wall-clock seconds for one submission: starting its process, defining its functions and every
# test (python -m grading grade --timeout).
TIME_LIMIT = 60.0

# One test (or the definition of the functions) may take at most this share of TIME_LIMIT before
# its process is killed and the next test starts in a new one: an endless loop in one test costs
# that test, not the rest.
TEST_TIME_SHARE = 0.25

# After this many tests in a row of one function time out or crash, its remaining tests are not
# run (they would very likely do the same) and the time left goes to the other function.
MAX_CONSECUTIVE_FAILURES = 2

# Address-space limit of the learner's process, in bytes (python -m grading grade --memory, in MiB).
MEMORY_LIMIT = 2 * 1024**3

# The learner's process may write this many bytes in all: in the sandbox its only writable folder is
# a tmpfs of this size (memory, not disk). Without the sandbox, the limit is per file.
DISK_LIMIT = 64 * 1024**2

# The speed tests: the learner's function loses their points when it takes more than this many
# times the reference solution's time on the same input (best of several runs each). Between the
# loops over the K centroids the notebook's hints teach and a Python loop over every pixel, with
# room to spare on both sides (docs/grading.md, "Speed", has the measured ratios).
SPEED_MAX_RATIO = 20.0
