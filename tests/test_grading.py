"""python -m grading grade, end to end: submissions built from the source notebook, gradebook row by row.

Two grading runs, each over a folder of submissions, in parallel (--jobs 2), through the command
line as an instructor would run it:

- ``normal``: the default limits; the correct notebook, the released one, typical mistakes, notebook
  mishaps (a lost tag, magics, syntax errors, code outside the graded cells) and malformed files;
- ``limits``: a short time limit and a small memory limit; endless loops, runaway memory, exits,
  crashes and floods of output.
"""

from __future__ import annotations

import nbformat
import pytest

from grading.cli import main
from grading.grade.gradebook import feedback_file
from grading.instructor_notebook import SOURCE_NOTEBOOK
from submissions import (CENTROIDS, CLOSEST, INSTRUCTOR, RELEASED, edited, feedback, grade_folder, graded_cell, points,
                         solved)


# --- building submissions ----------------------------------------------------------------------------


# Squared distances by the identity ||x||^2 - 2 x.mu + ||mu||^2 (without the first term): as fast
# as the reference, so mistakes built on it lose only the points of their mistake.
DISTANCES = """
Xf = X.astype(np.float64)
C = centroids.astype(np.float64)
d = np.sum(C ** 2, axis=1) - 2 * (Xf @ C.T)
"""

COURSE_LOOP = """
for i in range(X.shape[0]):
    distance = []
    for j in range(K):
        distance.append(np.linalg.norm(X[i] - centroids[j]))
    idx[i] = np.argmin(distance)
"""

HINT_1_CENTROIDS = """
for k in range(K):
    points = X[idx == k]
    if len(points):
        centroids[k] = np.mean(points, axis=0)
    else:
        centroids[k] = np.nan
"""


def _insert(index, source, tags=None):
    def change(notebook):
        cell = nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        notebook.cells.insert(index, cell)

    return change


def _untag(function):
    def change(notebook):
        graded_cell(notebook, function).metadata["tags"] = []

    return change


def _move_to_new_cell(notebook):
    cell = graded_cell(notebook, CENTROIDS)
    notebook.cells.remove(cell)
    notebook.cells.append(nbformat.v4.new_code_cell(cell.source))  # pasted into a new cell: no tag


def _in_cell(function, old, new):
    def change(notebook):
        cell = graded_cell(notebook, function)
        assert old in cell.source
        cell.source = cell.source.replace(old, new)

    return change


def _append_to_cell(function, code):
    def change(notebook):
        graded_cell(notebook, function).source += "\n" + code

    return change


def _delete(function):
    def change(notebook):
        notebook.cells.remove(graded_cell(notebook, function))

    return change


# Typical mistakes: {name: (code for the solution region, the function's points, words its feedback
# must contain)}.
CLOSEST_MISTAKES = {
    # One feature (n = 1) is the only test where L1 and Euclidean agree on every case.
    "l1": ("idx = np.argmin(np.abs(X[:, None, :].astype(float) - centroids[None]).sum(axis=2), axis=1)", 1, ["L1 (Manhattan)"]),
    "argmax": (DISTANCES + "idx = np.argmax(d + np.sum(Xf ** 2, axis=1)[:, None], axis=1)", 0, ["farthest centroid"]),
    "one_based": (DISTANCES + "idx = np.argmin(d, axis=1) + 1", 0, ["one more than expected"]),
    "float_labels": (DISTANCES + "idx = np.argmin(d, axis=1).astype(float)", 0, ["stored as float64"]),
    # Fails the three tests with uint8 pixels (the two uint8 ones, and one case of "unchanged").
    "uint8_wraps": ("d = np.sum(centroids ** 2, axis=1) - 2 * X @ centroids.T\nidx = np.argmin(d, axis=1)", 7,
                    ["wraps around at 256"]),
    "ties_to_highest": (DISTANCES + "idx = K - 1 - np.argmin(d[:, ::-1], axis=1)", 9, ["lowest index", "`<`, not `<=`"]),
    "modifies_X": (DISTANCES + "idx = np.argmin(d, axis=1)\nX -= X.min(axis=0)  # normalise for later", 9,
                   ["changed its input `X` in place"]),
    "course_loop": (COURSE_LOOP, 9, ["times the reference solution's", "loop over the K centroids"]),
}
CENTROID_MISTAKES = {
    "sum_not_mean": ("for k in range(K):\n    centroids[k] = X[idx == k].sum(axis=0)", 0, ["sum of its examples"]),
    "integer_dtype": ("centroids = np.zeros((K, n), dtype=X.dtype)\n" + HINT_1_CENTROIDS, 8, ["truncates", "np.zeros((K, n))"]),
    "drop_empty": ("sizes = np.bincount(idx)\n"
                   "sums = np.stack([np.bincount(idx, weights=X[:, j]) for j in range(n)], axis=1)\n"
                   "with np.errstate(invalid='ignore'):\n    centroids = sums / sizes[:, None]", 9, ["minlength=K"]),
    "point_loop": ("sums, sizes = np.zeros((K, n)), np.zeros(K)\n"
                   "for i in range(m):\n    sums[idx[i]] += X[i]\n    sizes[idx[i]] += 1\n"
                   "with np.errstate(invalid='ignore'):\n    centroids = sums / sizes[:, None]", 9, ["times the reference solution's"]),
    "hint_1_loop": (HINT_1_CENTROIDS, 10, []),  # the course's own loop over K: right, and fast enough
}
# The two functions are graded independently: each notebook carries one mistake of each (the
# course loop alone: it is the slowest), so that fewer notebooks need grading.
_PAIRED = ["course_loop", *[name for name in CLOSEST_MISTAKES if name != "course_loop"]]
MISTAKE_NOTEBOOKS = {
    f"mistakes_{closest}" + (f"_{centroids}" if centroids else ""): (closest, centroids)
    for closest, centroids in zip(_PAIRED, [None, *CENTROID_MISTAKES] + [None] * len(_PAIRED))
}


def _notebook_with(mistake: str, table: dict) -> str:
    index = 0 if table is CLOSEST_MISTAKES else 1
    return next(name for name, pair in MISTAKE_NOTEBOOKS.items() if pair[index] == mistake)


NORMAL = {
    "correct": INSTRUCTOR,
    "released": RELEASED,
    **{
        name: solved(closest=CLOSEST_MISTAKES[closest][0], centroids=CENTROID_MISTAKES[centroids][0] if centroids else None)
        for name, (closest, centroids) in MISTAKE_NOTEBOOKS.items()
    },
    # notebook mishaps
    "lost_tag": edited(_untag(CLOSEST)),
    "pasted_into_new_cell": edited(_move_to_new_cell),
    "ungraded_cells_fail": edited(lambda nb: [
        _insert(3, "while True:\n    pass")(nb), _insert(5, "1 / 0")(nb), _insert(6, "import sys\nsys.exit(1)")(nb),
        _insert(7, "def broken(:\n    pass")(nb)]),
    "imports_elsewhere": edited(lambda nb: [
        _in_cell(CLOSEST, "    ### BEGIN SOLUTION",
                 "    return np.argmin(np.stack([norm(X - c, axis=1) for c in centroids], axis=1), axis=1)\n"
                 "    ### BEGIN SOLUTION")(nb),
        _insert(3, "from numpy.linalg import norm\nimport definitely_not_installed_module")(nb)]),
    "helper_outside": edited(lambda nb: [
        _insert(3, "def squared(a):\n    return a ** 2")(nb),
        _in_cell(CLOSEST, "np.sum(centroids**2, axis=1)", "np.sum(squared(centroids), axis=1)")(nb)]),
    "magics": edited(lambda nb: [
        _in_cell(CLOSEST, "def find_closest_centroids", "%%time\ndef find_closest_centroids")(nb),
        _in_cell(CENTROIDS, "    m, n = X.shape", "    %timeit 1 + 1\n    m, n = X.shape")(nb),
        _append_to_cell(CENTROIDS, "!echo done")(nb)]),
    "syntax_error": edited(_in_cell(CENTROIDS, "m, n = X.shape", "m, n = X.shape)")),
    "raises_after_def": edited(_append_to_cell(CLOSEST, "print(find_closest_centroids(X, initial_centroids))")),
    "import_fails": edited(_in_cell(CENTROIDS, "def compute_centroids", "import no_such_module_anywhere\n\ndef compute_centroids")),
    "sys_exit_in_graded_cell": edited(_append_to_cell(CENTROIDS, "import sys\nsys.exit('done')")),
    "deleted_cell": edited(_delete(CENTROIDS)),
    "both_deleted": edited(lambda nb: [_delete(CLOSEST)(nb), _delete(CENTROIDS)(nb)]),
}

MALFORMED = {
    "not_json": b"{ this is not JSON",
    "empty_file": b"",
    "json_not_notebook": b'{"name": "my homework", "answers": [1, 2, 3]}',
    "no_cells": b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}',
}

LIMITS = {
    "correct_under_limits": INSTRUCTOR,
    # One endless loop spins; the others wait forever (a sleep, a lock, input() on a terminal):
    # they are stopped the same way, and leave the CPU to the other tests.
    "endless_loop": solved(closest="import time\nwhile True:\n    time.sleep(1)"),
    "endless_loop_when_K_is_1": solved(closest="while K == 1:\n    pass\n" + DISTANCES + "idx = np.argmin(d, axis=1)"),
    "endless_top_level": edited(_append_to_cell(CENTROIDS, "import time\nwhile True:\n    time.sleep(1)")),
    "memory_hog": solved(centroids="hog = []\nwhile True:\n    hog.append(np.zeros(10 ** 7))"),
    "memory_hog_top_level": edited(_append_to_cell(  # a call that runs out of memory, then lets it go
        CLOSEST, "def fill():\n    hog = []\n    while True:\n        hog.append(np.zeros(10 ** 7))\n\nfill()")),
    "killed_like_oom": solved(centroids="import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
    "os_exit_in_function": solved(closest="import os\nos._exit(3)"),
    "os_exit_top_level": edited(_append_to_cell(CLOSEST, "import os\nos._exit(0)")),
    "sys_exit_in_function": solved(centroids="import sys\nsys.exit(0)"),
    "prints_megabytes": solved(closest="print('x' * 3_000_000)\n" + DISTANCES + "idx = np.argmin(d, axis=1)"),
}


@pytest.fixture(scope="module")
def normal(tmp_path_factory):
    return grade_folder(tmp_path_factory, "normal", NORMAL, MALFORMED)


@pytest.fixture(scope="module")
def limits(tmp_path_factory):
    # 3 s a test: room for a busy machine to start the processes and run the tests that do finish.
    return grade_folder(tmp_path_factory, "limits", LIMITS, options=("--timeout", "12", "--memory", "512"))


# --- the run as a whole ------------------------------------------------------------------------------


def test_every_submission_gets_a_row_and_the_grader_exits_0(normal, limits):
    for (run, rows, out), names in ((normal, [*NORMAL, *MALFORMED]), (limits, list(LIMITS))):
        assert run.returncode == 0, run.stderr
        assert sorted(rows) == sorted(names)
        header = (out / "gradebook.csv").read_text().splitlines()[0]
        assert header == "submission,find_closest_centroids,compute_centroids,total,max_total,status,message"
        assert all(row["max_total"] == "20" for row in rows.values())
        assert all(row["status"] in ("ok", "error", "timeout", "invalid") for row in rows.values())
        assert sorted(p.name for p in (out / "feedback").glob("*.md")) == sorted(feedback_file(name) for name in names)
        assert sorted(p.name for p in out.iterdir()) == ["feedback", "gradebook.csv", "report.md", "report.png", "results.json", "summary.txt"]  # no scratch left


def test_summary_line_on_stdout_and_progress_on_stderr(normal):
    run, rows, out = normal
    total = len(NORMAL) + len(MALFORMED)
    line, isolation = run.stdout.strip().split("\n")
    assert line.startswith(f"graded {total} submissions in ")
    assert isolation.startswith("isolation: ") and isolation in run.stderr.splitlines()[0]
    statuses = [row["status"] for row in rows.values()]
    for status in ("ok", "error", "timeout", "invalid"):
        assert f"{statuses.count(status)} {status}" in line
    mean = sum(float(row["total"]) for row in rows.values()) / total
    assert f"mean {round(mean, 2):g} / 20" in line
    assert (out / "summary.txt").read_text() == run.stdout
    assert f"[{total}/{total}]" in run.stderr and "Traceback" not in run.stderr


def test_correct_submission_gets_full_marks_quickly(normal):
    run, rows, out = normal
    assert points(rows["correct"]) == (10, 10, 20, "ok")
    assert rows["correct"]["message"] == "20 of 20 tests passed"
    text = feedback(out, "correct")
    assert text.count("**passed**") == 20
    assert "times the reference solution's" in text  # the speed tests report their times
    seconds = float(next(l for l in run.stderr.splitlines() if "] correct:" in l).split("(")[1].split(" s)")[0])
    assert seconds < 5


def test_released_notebook_scores_zero_and_says_not_implemented(normal):
    run, rows, out = normal
    assert points(rows["released"]) == (0, 0, 0, "ok")
    assert rows["released"]["message"] == ("find_closest_centroids not implemented, compute_centroids not implemented; "
                                           "0 of 20 tests passed")
    text = feedback(out, "released")
    assert text.count("is not implemented yet") == 20 and "# YOUR CODE HERE" in text


# --- typical mistakes: the right tests fail, with the right explanation -----------------------------------


def _section(feedback: str, function: str) -> str:
    return feedback.split(f"## {function}:")[1].split("\n## ")[0]


@pytest.mark.parametrize("function, mistake", [(CLOSEST, m) for m in CLOSEST_MISTAKES] + [(CENTROIDS, m) for m in CENTROID_MISTAKES])
def test_typical_mistakes_lose_the_right_points_with_the_right_explanation(normal, function, mistake):
    run, rows, out = normal
    table = CLOSEST_MISTAKES if function == CLOSEST else CENTROID_MISTAKES
    code, expected, words = table[mistake]
    name = _notebook_with(mistake, table)
    assert rows[name]["status"] == "ok"
    assert float(rows[name][function]) == expected
    if expected < 10:  # the gradebook names the first failed test (a notebook holds two mistakes)
        assert rows[name]["message"].startswith("first failed: ")
        failed = rows[name]["message"].removeprefix("first failed: ").split("; ")[0]
        assert f"## {failed.split(': ', 1)[0]}:" in feedback(out, name)
    section = _section(feedback(out, name), function)
    for word in words:
        assert word in section, f"{mistake}: {word!r} not in feedback"


def test_course_loop_is_slow_but_right_and_told_its_time(normal):
    run, rows, out = normal
    name = _notebook_with("course_loop", CLOSEST_MISTAKES)
    assert points(rows[name]) == (9, 10, 19, "ok")
    section = _section(feedback(out, name), CLOSEST)
    assert section.count("**passed**") == 9
    speed = section.split("speed on 100,000 pixels")[1]
    assert "FAILED" in section.split("speed on 100,000 pixels")[0].splitlines()[-1]
    assert " of processor time (best of " in speed or "still running after" in speed


# --- notebook mishaps ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lost_tag", "pasted_into_new_cell"])
def test_a_lost_tag_is_graded_from_the_last_defining_cell_and_said(normal, name):
    run, rows, out = normal
    assert points(rows[name]) == (10, 10, 20, "ok")
    assert "No cell tagged 'graded' defines" in feedback(out, name)


def test_errors_and_endless_loops_in_ungraded_cells_cost_nothing(normal):
    assert points(normal[1]["ungraded_cells_fail"]) == (10, 10, 20, "ok")


def test_imports_from_other_cells_are_run_and_an_unneeded_broken_one_is_not(normal):
    run, rows, out = normal
    assert points(rows["imports_elsewhere"]) == (10, 10, 20, "ok")  # norm imported in an ungraded cell


def test_a_helper_defined_outside_the_graded_cells_is_pointed_out(normal):
    run, rows, out = normal
    closest, centroids, total, status = points(rows["helper_outside"])
    assert (closest, centroids, status) == (0, 10, "ok")
    text = feedback(out, "helper_outside")
    assert "`squared`, defined in cell 4 of the notebook, which the grader does not run" in text
    assert "NameError: name 'squared' is not defined" in text


def test_magics_are_ignored_and_said(normal):
    run, rows, out = normal
    assert points(rows["magics"]) == (10, 10, 20, "ok")
    assert "%timeit 1 + 1" in feedback(out, "magics")


def test_syntax_error_costs_that_function_only(normal):
    run, rows, out = normal
    assert points(rows["syntax_error"]) == (10, 0, 10, "error")
    assert "SyntaxError" in rows["syntax_error"]["message"]
    assert "compute_centroids is not defined" in feedback(out, "syntax_error")


@pytest.mark.parametrize("name, error", [
    ("raises_after_def", "NameError"),
    ("import_fails", "ModuleNotFoundError"),
    ("sys_exit_in_graded_cell", "SystemExit"),
])
def test_code_that_raises_while_the_graded_cells_run_is_an_error_but_the_functions_are_graded(normal, name, error):
    run, rows, out = normal
    assert points(rows[name]) == (10, 10, 20, "error")
    assert error in rows[name]["message"]
    assert error in feedback(out, name)


def test_a_missing_graded_function_is_invalid_and_the_other_is_graded(normal):
    run, rows, out = normal
    assert points(rows["deleted_cell"]) == (10, 0, 10, "invalid")
    assert rows["deleted_cell"]["message"].startswith("no cell of the notebook defines compute_centroids")
    assert points(rows["both_deleted"]) == (0, 0, 0, "invalid")


@pytest.mark.parametrize("name, reason", [
    ("not_json", "not JSON"), ("empty_file", "not JSON"), ("json_not_notebook", "not a notebook"),
    ("no_cells", "not a notebook"),
])
def test_malformed_files_are_invalid_with_zero(normal, name, reason):
    run, rows, out = normal
    assert points(rows[name]) == (0, 0, 0, "invalid")
    assert reason in rows[name]["message"]
    assert reason in feedback(out, name)


# --- time, memory, exits and crashes --------------------------------------------------------------------------


# Failure mode: (points for find_closest_centroids, for compute_centroids, total, status), and words
# the row's message (or the feedback, "feedback:") must contain.
LIMIT_ROWS = {
    "correct_under_limits": ((10, 10, 20, "ok"), "20 of 20 tests passed"),
    # A hang on one case costs that test; the process is restarted for the others.
    "endless_loop_when_K_is_1": ((9, 10, 19, "timeout"), "edge sizes"),
    # Nothing can be graded when defining the functions never ends.
    "endless_top_level": ((0, 0, 0, "timeout"), "running the graded cells did not finish"),
    # MemoryError inside the function fails its tests; the process survives and nothing passes.
    "memory_hog": ((10, 0, 10, "ok"), "feedback:ran out of memory"),
    # Raised while the graded cells ran: an error, but the functions are defined and graded.
    "memory_hog_top_level": ((10, 10, 20, "error"), "MemoryError"),
    # What the system does when memory runs out: a crash, never a pass.
    "killed_like_oom": ((10, 0, 10, "error"), "feedback:SIGKILL"),
    "os_exit_in_function": ((0, 10, 10, "error"), "feedback:exited with code 3"),
    "os_exit_top_level": ((0, 0, 0, "error"), "exited with code 0"),
    # sys.exit in a function is an exception like any other: its tests fail, the rest runs.
    "sys_exit_in_function": ((10, 0, 10, "ok"), "feedback:called sys.exit()"),
    "prints_megabytes": ((10, 10, 20, "ok"), "20 of 20 tests passed"),
}


@pytest.mark.parametrize("name", LIMIT_ROWS)
def test_failure_modes_get_the_right_row(limits, name):
    run, rows, out = limits
    row, words = LIMIT_ROWS[name]
    assert points(rows[name]) == row
    text = feedback(out, name) if words.startswith("feedback:") else rows[name]["message"]
    assert words.removeprefix("feedback:") in text


def test_endless_loop_costs_its_function_and_the_other_is_still_graded(limits):
    run, rows, out = limits
    assert points(rows["endless_loop"]) == (0, 10, 10, "timeout")
    text = feedback(out, "endless_loop")
    assert text.count("did not finish within 3.0 s") == 2  # then the rest of its tests are skipped
    assert "Not run: the 2 tests before it timed out or crashed." in text


def test_printed_output_is_thrown_away(limits):
    run, rows, out = limits
    assert (out / "feedback" / "prints_megabytes.md").stat().st_size < 20_000
    assert (out / "gradebook.csv").stat().st_size < 20_000


# --- writing the results ------------------------------------------------------------------------------------


def test_feedback_that_fails_half_way_leaves_the_previous_folder_and_no_scratch(tmp_path, monkeypatch):
    from grading.grade import gradebook
    from grading.grade.scores import SubmissionResult

    folder = tmp_path / "feedback"
    gradebook.write_feedback([SubmissionResult("earlier")], folder)

    def full_disk(result):
        if result.name == "second":
            raise OSError(28, "No space left on device")
        return f"# Feedback: {result.name}\n"

    monkeypatch.setattr(gradebook, "feedback", full_disk)
    with pytest.raises(OSError, match="No space left"):
        gradebook.write_feedback([SubmissionResult("first"), SubmissionResult("second")], folder)
    assert [p.name for p in tmp_path.iterdir()] == ["feedback"]
    assert [p.name for p in folder.iterdir()] == ["earlier.md"]


# --- command line -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv, words", [
    (["grade", "--out", "x"], "required: SUBMISSION"),
    (["grade", "no_such_notebook.ipynb", "--out", "x"], "no such file or folder"),
    (["grade", "{nb}", "--out", "x", "--timeout", "0"], "must be more than 0"),
    (["grade", "{nb}", "--out", "x", "--jobs", "two"], "not a whole number"),
    (["grade", "{empty}", "--out", "x"], "no notebooks"),
    (["grade", "{nb}", "--out", "{nb}"], "is a file"),
    (["mark", "{nb}"], "invalid choice"),
    (["release"], "required: --out"),
])
def test_usage_errors_exit_2_with_one_line(tmp_path, capsys, argv, words):
    (tmp_path / "empty").mkdir()
    argv = [a.format(nb=SOURCE_NOTEBOOK, empty=tmp_path / "empty") for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and words in captured.err


def test_two_submissions_that_would_share_a_name_each_get_a_row(tmp_path, capsys):
    """Once a usage error that cost the whole class its gradebook; now "x/alice" and "x/alice (2)"."""
    for folder in ("one", "two"):
        (tmp_path / folder / "x").mkdir(parents=True)
        nbformat.write(INSTRUCTOR, tmp_path / folder / "x" / "alice.ipynb")
    assert main(["grade", str(tmp_path / "one" / "x" / "alice.ipynb"), str(tmp_path / "two" / "x" / "alice.ipynb"),
                 "--out", str(tmp_path / "grades")]) == 0
    rows = (tmp_path / "grades" / "gradebook.csv").read_text().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ["x/alice", "x/alice (2)"]
    assert sorted(p.name for p in (tmp_path / "grades" / "feedback").iterdir()) == ["x__alice.md", "x__alice__2_.md"]


def test_several_folders_name_each_row_by_its_folder(tmp_path):
    """``make grade SUBMISSIONS="subs/*"``: every learner's hw.ipynb would be "hw" and "hw (2)" without its folder."""
    from grading.cli import _find_submissions

    for learner in ("alice", "bob"):
        (tmp_path / learner).mkdir()
        (tmp_path / learner / "hw.ipynb").write_text("{}")
    assert [name for name, _ in _find_submissions([tmp_path / "alice", tmp_path / "bob"])] == ["alice/hw", "bob/hw"]
    assert [name for name, _ in _find_submissions([tmp_path])] == ["alice/hw", "bob/hw"]
    assert [name for name, _ in _find_submissions([tmp_path / "alice"])] == ["hw"]
    files = [tmp_path / "alice" / "hw.ipynb", tmp_path / "bob" / "hw.ipynb"]  # subs/*/hw.ipynb
    assert [name for name, _ in _find_submissions(files)] == ["alice/hw", "bob/hw"]
    assert [name for name, _ in _find_submissions(files[:1])] == ["hw"]


def test_the_instructors_notebook_through_a_linked_folder_gets_no_grade(tmp_path):
    """``subs/mallory -> the course's folder`` (tar makes such a link): subs/*/image_compression.ipynb found 20 / 20."""
    (tmp_path / "mallory").symlink_to(SOURCE_NOTEBOOK.parent)
    out = tmp_path / "grades"
    assert main(["grade", str(tmp_path / "mallory" / SOURCE_NOTEBOOK.name), "--out", str(out)]) == 0
    row = (out / "gradebook.csv").read_text().splitlines()[1]
    assert row.endswith(',0,0,0,20,invalid,"the instructor\'s notebook, reached through a link: not graded"'), row


def test_the_grader_starts_without_the_grammar_nobody_uses():
    """``python -m grading`` reads notebooks with nbformat but never builds rfc3987_syntax's grammar
    (most of a second on this machine, for a string format no notebook schema checks)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "grading", "grade", "--help"],
                          cwd=SOURCE_NOTEBOOK.parent, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "usage:" in done.stdout
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    # The one import of rfc3987_syntax left is the attempt jsonschema makes, which fails at once.
    assert {"nbformat", "jsonschema"} <= imported and not {"rfc3987_syntax.syntax_helpers", "lark"} & imported
