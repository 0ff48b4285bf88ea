"""The grader against a determined learner: every attack of issue 10, from the released notebook.

Each submission is the learner's released copy with an attack written into its exercise cells,
graded through the command line (``--sandbox require``, two at a time) from the repository, as an
instructor would run ``make grade``. The attacks know everything a learner could find out: the
repository's absolute path, the output folder, how the grader works. Each test shows that the
attack fails and what the instructor sees: the row's points, status and message.

Under ``CI=true`` a machine without the sandbox fails these tests; elsewhere they are skipped, saying why.
"""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

import pytest

from grading import settings
from grading.hidden_tests.cases import HIDDEN_TESTS
from grading.instructor_notebook import SOURCE_NOTEBOOK
from grading.release.leaks import find_leaks, hidden_test_needles
from grading.sandbox.learner_process import SANDBOX_THREADS
from submissions import CENTROIDS_RIGHT, CLOSEST_RIGHT, RELEASED, answered, feedback, grade_folder, points

REPO = SOURCE_NOTEBOOK.parent

def _attacks(folder: Path) -> dict:
    out, leak, mark = folder / "grades", folder / "leaked_hidden_tests.py", folder / "survivor-was-here"
    return {
        # A graded cell looks for the instructor's notebook through /proc (the grader's cwd and
        # command line, every parent folder of every path it names, the repository's own path)
        # and runs its solution cells.
        "finds_solutions_through_proc": answered(closest=f"""
            import json, os
            paths = ["{REPO}"]
            for pid in (p for p in os.listdir("/proc") if p.isdigit()):
                for link in ("cwd", "root"):
                    try:
                        paths.append(os.readlink(f"/proc/{{pid}}/{{link}}"))
                    except OSError:
                        pass
                try:
                    paths += [a.decode(errors="ignore") for a in open(f"/proc/{{pid}}/cmdline", "rb").read().split(b"\\0")]
                except OSError:
                    pass
            folders = {{str(p) for path in paths if path.startswith("/") for p in [path, *__import__("pathlib").Path(path).parents]}}
            solution = None
            for folder in folders:
                try:
                    notebook = json.load(open(os.path.join(folder, "image_compression.ipynb")))
                except (OSError, ValueError):
                    continue
                if "### BEGIN SOLUTION" in json.dumps(notebook):
                    solution = notebook
            if solution is None:
                raise RuntimeError(f"no solution in {{len(folders)}} folders")
            namespace = {{}}
            exec("import numpy as np", namespace)
            for cell in solution["cells"]:
                if "graded" in cell.get("metadata", {{}}).get("tags", []):
                    exec("".join(cell["source"]), namespace)
            idx = namespace["find_closest_centroids"](X, centroids)
            """, centroids=CENTROIDS_RIGHT),
        # A graded cell runs the public tests' own file (exec of its text, with the modules it
        # imports faked) and calls everything in it as the exercise is called, looking in what
        # comes back (tuples, lists, dicts, functions' closures) for the right labels.
        "solves_with_public_tests": answered(closest="""
            import os, sys, types
            path = next(os.path.join(folder, "public_tests.py") for folder in sys.path
                        if os.path.isfile(os.path.join(folder or ".", "public_tests.py")))
            for fake in ("course", "course.mistakes"):
                module = types.ModuleType(fake)
                module.__getattr__ = lambda attribute: (lambda *args, **kwargs: None)
                sys.modules[fake] = module
            namespace = {"__name__": "public_tests"}
            exec(compile(open(path).read(), path, "exec"), namespace)
            C = np.asarray(centroids, dtype=float)
            truth = np.argmin(((np.asarray(X, dtype=float)[:, None, :] - C[None]) ** 2).sum(axis=2), axis=1)  # to judge only

            def held(value, depth=3):
                yield value
                if depth and isinstance(value, (tuple, list)):
                    for item in value[:20]:
                        yield from held(item, depth - 1)
                if depth and isinstance(value, dict):
                    for item in list(value.values())[:20]:
                        yield from held(item, depth - 1)
                for cell in (getattr(value, "__closure__", None) or ()) if depth else ():
                    try:
                        yield from held(cell.cell_contents, depth - 1)
                    except ValueError:
                        pass

            calls, answer = 0, None
            for name, function in list(namespace.items()):
                if not callable(function) or isinstance(function, types.ModuleType):
                    continue
                for args in ((X, centroids), (X.copy(), C), ("find_closest_centroids",), ()):
                    try:
                        calls += 1
                        result = function(*args)
                        if callable(result):
                            result = (result, result())
                    except BaseException:
                        continue
                    for value in held(result):
                        if isinstance(value, np.ndarray) and value.shape == truth.shape and np.array_equal(value, truth):
                            answer = value
            if answer is None:
                raise RuntimeError(f"ran public_tests.py: {calls} calls, no answer")
            idx = answer
            """, centroids=CENTROIDS_RIGHT),
        # A graded cell copies the hidden tests out, and puts them in its error message.
        "copies_hidden_tests": answered(closest=CLOSEST_RIGHT, centroids=f"""
            import shutil
            for source in ("{REPO}/grading/hidden_tests.py", "/proc/1/cwd/grading/hidden_tests.py"):
                try:
                    shutil.copyfile(source, "{leak}")
                except OSError:
                    pass
            raise RuntimeError(open("{REPO}/grading/hidden_tests.py").read())
            """),
        # A graded cell starts a process that outlives the grader and raises the victim's row.
        "outlives_the_grader": answered(closest=CLOSEST_RIGHT, centroids=CENTROIDS_RIGHT, before=f"""
            import os, subprocess
            spawned = []
            for start in (
                lambda: subprocess.Popen(["setsid", "sh", "-c", "sleep 3; sed -i 's/^victim,0,0,0,/victim,10,10,20,/' "
                                          "{out}/gradebook.csv; touch {mark}"], start_new_session=True),
                lambda: os.fork() or os._exit(0),
            ):
                try:
                    spawned.append(start())
                except OSError as exc:
                    spawned.append(exc)
            """),
        "victim": RELEASED,
        # A graded cell deletes the output folder and leaves a folder where the gradebook goes.
        "replaces_gradebook_with_folder": answered(closest=CLOSEST_RIGHT, centroids=CENTROIDS_RIGHT, before=f"""
            import os, shutil
            shutil.rmtree("{out}", ignore_errors=True)
            try:
                os.makedirs("{out}/gradebook.csv")
            except OSError:
                pass
            """),
        # A Python loop over every pixel, spread over threads, that a clock of one thread misses.
        "threads_hide_a_pixel_loop": answered(closest="""
            from concurrent.futures import ThreadPoolExecutor
            C = np.asarray(centroids, dtype=float)
            with ThreadPoolExecutor(4) as pool:
                idx = np.array(list(pool.map(lambda i: int(np.argmin(((C - X[i]) ** 2).sum(axis=1))), range(X.shape[0]))), dtype=int)
            """, centroids=CENTROIDS_RIGHT),
        # Makes numpy's comparison always say "equal", then zeroes its inputs after a right answer.
        "lies_about_its_inputs": answered(closest=CLOSEST_RIGHT + "X[...] = 0\ncentroids[...] = 0\n",
                                          centroids=CENTROIDS_RIGHT,
                                          before="np.array_equal = lambda *args, **kwargs: True\n"),
        # Uses the K-means of the assignment's own library instead of writing Exercise 1.
        "imports_the_tools": answered(closest="""
            from quantize.weighted_kmeans import nearest_centre
            idx = nearest_centre(X, centroids)[0]
            """, centroids=CENTROIDS_RIGHT),
        # Takes the import guard out and puts every Python package folder it can find on sys.path
        # (the base interpreter's, the system's, any bundled one's), for a solver in a package the
        # grader does not allow: scipy's vq, scikit-learn's pairwise_distances_argmin.
        "imports_from_other_package_folders": answered(closest="""
            solvers = []
            try:
                from scipy.cluster.vq import vq
                solvers.append(lambda: vq(np.asarray(X, dtype=float), np.asarray(centroids, dtype=float))[0])
            except ImportError:
                pass
            try:
                from sklearn.metrics import pairwise_distances_argmin
                solvers.append(lambda: pairwise_distances_argmin(X, centroids))
            except ImportError:
                pass
            if not solvers:
                raise RuntimeError(f"no scipy, no scikit-learn in {len(folders)} package folders: {sorted(seen)}")
            idx = solvers[0]()
            """, centroids=CENTROIDS_RIGHT, before="""
            import os, sys
            sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "_Unavailable"]
            folders, seen = [], set()
            for root, names, _ in os.walk("/"):
                if root in ("/proc", "/sys", "/dev"):
                    names[:] = []
                for name in [name for name in names if name.endswith("-packages")]:
                    names.remove(name)
                    folders.append(os.path.join(root, name))
                    seen.update(entry for entry in os.listdir(folders[-1]) if not entry.endswith("-info"))
            sys.path += folders
            """),
        # Writes files of 48 MiB, under any limit per file, until something stops it.
        "fills_the_disk": answered(closest=CLOSEST_RIGHT, centroids="""
            raise RuntimeError(f"wrote {written} bytes, then: {failure}")
            """, before="""
            import os
            written, failure = 0, "nothing stopped it"
            try:
                for number in range(8):
                    with open(f"big-{number}", "wb") as f:
                        for _ in range(48):
                            f.write(b"\\0" * 2**20)
                            f.flush()
                            written += 2**20
            except OSError as exc:
                failure = exc.strerror
            """),
        # Answers the grader's requests itself, on the protocol pipe, to stop the clock early, then
        # runs a loop over every pixel.
        "fakes_replies": answered(closest="""
            import os, stat
            for fd in range(3, 64):
                try:
                    if stat.S_ISFIFO(os.fstat(fd).st_mode):
                        os.write(fd, b'{"kind": "returned", "type": "ndarray", "result": {"dtype": "<i8", "shape": [%d]}}\\n' % len(X))
                except OSError:
                    pass
            C = np.asarray(centroids, dtype=float)
            for i in range(X.shape[0]):
                idx[i] = np.argmin(((C - X[i]) ** 2).sum(axis=1))
            """, centroids=CENTROIDS_RIGHT),
        # Starts threads until something stops it (as root, the kernel's per-user limit does not).
        "starts_threads_without_end": answered(closest="""
            import threading, time
            threading.stack_size(64 * 1024)  # small stacks: the address space is no limit to them
            started = 0
            try:
                for _ in range(3000):
                    threading.Thread(target=time.sleep, args=(3,), daemon=True).start()
                    started += 1
            except RuntimeError:
                pass
            raise RuntimeError(f"started {started} threads")
            """, centroids=CENTROIDS_RIGHT),
        # Spreadsheet formulas and a newline for a name.
        '=HYPERLINK("https:example.com","grades")': RELEASED,
        "@SUM(1+1)": RELEASED,
        "two\nlines": RELEASED,
    }


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("attacks")
    run, rows, out = grade_folder(tmp_path_factory, "attacks", _attacks(folder), options=("--sandbox", "require"), folder=folder)
    if run.returncode == 2 and "no sandbox" in run.stderr:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the sandbox is required in CI: {run.stderr.strip()}")
        pytest.skip(f"no sandbox on this machine: {run.stderr.strip()}")
    assert run.returncode == 0, run.stderr
    time.sleep(4)  # longer than anything a learner's process tried to leave running
    with open(out / "gradebook.csv", newline="") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    return run, rows, out, folder


def test_every_attack_gets_its_row(attacked):
    run, rows, out, folder = attacked
    assert "isolation: sandbox (bubblewrap" in run.stderr.splitlines()[0]
    assert len(rows) == len(_attacks(folder))


# What the instructor sees of an attack that fails as an honest wrong answer would: the row's
# points and status, and words of the feedback that say what happened.
FAILED_ATTACKS = {
    "finds_solutions_through_proc": ((0, 10, 10, "ok"), "find_closest_centroids raised RuntimeError: no solution in"),
    "copies_hidden_tests": ((10, 0, 10, "ok"), "compute_centroids raised FileNotFoundError"),
    "lies_about_its_inputs": ((9, 10, 19, "ok"), "find_closest_centroids changed its input `X` and `centroids` in place"),
    "solves_with_public_tests": ((0, 10, 10, "ok"), "find_closest_centroids raised RuntimeError: ran public_tests.py: "),
    "imports_from_other_package_folders": ((0, 10, 10, "ok"), "raised RuntimeError: no scipy, no scikit-learn in "),
    "imports_the_tools": ((0, 10, 10, "ok"), "quantize is one of the assignment's own tools, not part of an exercise"),
    "threads_hide_a_pixel_loop": ((9, 10, 19, "ok"), "A Python loop over every example is too slow"),
}


@pytest.mark.parametrize("name", FAILED_ATTACKS)
def test_an_attack_scores_what_an_honest_wrong_answer_would(attacked, name):
    run, rows, out, folder = attacked
    row, words = FAILED_ATTACKS[name]
    assert points(rows[name]) == row
    assert words in feedback(out, name)


def test_the_public_tests_file_is_run_and_answers_nothing(attacked):
    """Issue 18, item 1: the public tests' file is there for graded code to read; nothing in it is a solver."""
    run, rows, out, folder = attacked
    calls = int(feedback(out, "solves_with_public_tests").split("ran public_tests.py: ")[1].split(" calls")[0])
    assert calls >= 4 * 20  # it reached every function of the file


def test_the_hidden_tests_are_neither_copied_nor_echoed(attacked):
    run, rows, out, folder = attacked
    assert not (folder / "leaked_hidden_tests.py").exists()
    titles = [test.title for test in HIDDEN_TESTS]  # the feedback names every test: the rest of the file is secret
    code = [line for line in hidden_test_needles() if not any(title in line for title in titles)]
    assert find_leaks(out, dict.fromkeys(code, "hidden test")) == []


def test_nothing_outlives_the_grader_and_no_row_changes_after_it(attacked):
    run, rows, out, folder = attacked
    assert points(rows["outlives_the_grader"]) == (10, 10, 20, "ok")  # right answers: its own row is earned
    assert points(rows["victim"]) == (0, 0, 0, "ok")
    assert not (folder / "survivor-was-here").exists()
    survivors = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if b"survivor-was-here" in Path(f"/proc/{pid}/cmdline").read_bytes():
                survivors.append(pid)
        except OSError:
            pass
    assert survivors == []


def test_the_output_folder_is_the_graders_alone(attacked):
    run, rows, out, folder = attacked
    assert (out / "gradebook.csv").is_file()
    assert points(rows["replaces_gradebook_with_folder"]) == (10, 10, 20, "ok")
    assert sorted(p.name for p in out.iterdir()) == ["feedback", "gradebook.csv", "report.md", "report.png", "results.json", "summary.txt"]


def test_threads_are_on_the_clock(attacked):
    run, rows, out, folder = attacked
    speed = feedback(out, "threads_hide_a_pixel_loop").split("speed on 100,000 pixels")[1].split("\n- ")[0]
    ratio = float(speed.split(" times the reference")[0].rsplit(" ", 1)[1].replace(",", ""))
    assert ratio > settings.SPEED_MAX_RATIO


def test_threads_are_bounded_however_the_grader_runs(attacked):
    """As root the kernel does not apply RLIMIT_NPROC: a pids cgroup bounds the threads instead."""
    run, rows, out, folder = attacked
    assert points(rows["starts_threads_without_end"])[1:] == (10, 10, "ok")
    started = int(feedback(out, "starts_threads_without_end").split("raised RuntimeError: started ")[1].split(" ")[0])
    assert started <= SANDBOX_THREADS, started


def test_the_disk_budget_is_for_all_files_together(attacked):
    run, rows, out, folder = attacked
    assert points(rows["fills_the_disk"]) == (10, 0, 10, "ok")
    message = feedback(out, "fills_the_disk").split("raised RuntimeError: wrote ")[1]
    written, failure = int(message.split(" bytes")[0]), message.split("then: ")[1]
    assert written <= settings.DISK_LIMIT and failure.startswith("No space left on device")


def test_fake_replies_earn_nothing(attacked):
    run, rows, out, folder = attacked
    closest, centroids, total, status = points(rows["fakes_replies"])
    assert closest <= 9 and total <= 19  # an honest loop over every pixel gets 9 and 19
    speed_test = feedback(out, "fakes_replies").split("): speed on 100,000 pixels")[0].splitlines()[-1]
    assert "**passed**" not in speed_test


def test_names_are_shown_not_run_by_a_spreadsheet(attacked):
    run, rows, out, folder = attacked
    text = (out / "gradebook.csv").read_text()
    assert len(text.splitlines()) == len(_attacks(folder)) + 1  # a newline in a name does not make a row
    cells = [row[0] for row in csv.reader(text.splitlines()[1:])]
    assert "'=HYPERLINK(\"https:example.com\",\"grades\")" in cells and "'@SUM(1+1)" in cells and "two\\nlines" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in csv.reader(text.splitlines()) for cell in row)
