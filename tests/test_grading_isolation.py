"""The isolation levels of ``python -m grading grade --sandbox``, and the parts the sandbox is made of."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import nbformat
import numpy as np
import pytest

from grading.grade.gradebook import feedback_file, spreadsheet_text
from grading.instructor_notebook import SOURCE_NOTEBOOK
from grading.outputs import replace_file
from grading.sandbox import seccomp
from grading.sandbox.exchange import RESULT_BYTES, Exchange
from submissions import CENTROIDS_RIGHT, CLOSEST_RIGHT, answered


def _grade(tmp_path, notebooks: dict, *options, path: str | None = None):
    inbox = tmp_path / "submissions"
    inbox.mkdir()
    for name, notebook in notebooks.items():
        nbformat.write(notebook, inbox / f"{name}.ipynb")
    env = dict(os.environ, PATH=path) if path is not None else None
    return subprocess.run([sys.executable, "-m", "grading", "grade", str(inbox), "--out", str(tmp_path / "grades"), *options],
                          capture_output=True, text=True, cwd=SOURCE_NOTEBOOK.parent, env=env, timeout=300)


# --- the levels, as the instructor sees them ----------------------------------------------------------------


def test_without_bubblewrap_grading_says_so_once_and_uses_process_isolation(tmp_path):
    run = _grade(tmp_path, {"right": answered(CLOSEST_RIGHT, CENTROIDS_RIGHT)}, path="/nonexistent")
    assert run.returncode == 0, run.stderr
    first = run.stderr.splitlines()[0]
    assert first == ("isolation: process isolation only, no sandbox: bubblewrap (bwrap) is not installed "
                     "(Debian, Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)")
    assert (tmp_path / "grades" / "summary.txt").read_text().splitlines()[1] == first
    assert "right,10,10,20,20,ok" in (tmp_path / "grades" / "gradebook.csv").read_text()


def test_sandbox_require_refuses_to_grade_without_it(tmp_path):
    run = _grade(tmp_path, {"right": answered(CLOSEST_RIGHT, CENTROIDS_RIGHT)}, "--sandbox", "require", path="/nonexistent")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.splitlines() == ["python -m grading: error: no sandbox (--sandbox require): bubblewrap (bwrap) is not "
                                       "installed (Debian, Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)"]
    assert not (tmp_path / "grades" / "gradebook.csv").exists()


def test_sandbox_off_says_what_it_does_not_stop(tmp_path):
    run = _grade(tmp_path, {"right": answered(CLOSEST_RIGHT, CENTROIDS_RIGHT)}, "--sandbox", "off")
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines()[0].startswith("isolation: process isolation only (--sandbox off): learners' code can read")


def test_without_the_sandbox_the_output_folder_is_still_written_last(tmp_path):
    """Process isolation cannot keep a learner's code from the output folder; the grader writes it after every process is gone."""
    out = tmp_path / "grades"
    attack = answered(CLOSEST_RIGHT, CENTROIDS_RIGHT, before=f"""
        import os, shutil
        shutil.rmtree("{out}", ignore_errors=True)
        os.makedirs("{out}/gradebook.csv/x")
        """)
    run = _grade(tmp_path, {"attack": attack}, "--sandbox", "off")
    assert run.returncode == 0, run.stderr
    assert (out / "gradebook.csv").read_text().splitlines()[1].startswith("attack,10,10,20,20,")


# --- the parts ----------------------------------------------------------------------------------------------


def test_the_system_call_filter_exists_for_the_machines_graders_run_on():
    for machine in ("x86_64", "aarch64"):
        program = seccomp.for_learners(machine)
        assert program and len(program) % 8 == 0  # an array of struct sock_filter
    assert seccomp.for_learners("riscv64") is None


# What a learner's code meets in the sandbox, asked from inside it. Each line: what was tried, what happened.
INSIDE = r"""
import ctypes, errno, os, socket, subprocess, sys, threading
libc = ctypes.CDLL(None, use_errno=True)
def outcome(attempt):
    try:
        result = attempt()
        return "ok" if result != -1 else errno.errorcode[ctypes.get_errno()]
    except OSError as exc:
        return errno.errorcode[exc.errno]
numbers = {"x86_64": {"clone3": 435, "shmget": 29, "msgget": 68, "getpid": 39},
           "aarch64": {"clone3": 435, "shmget": 194, "msgget": 186, "getpid": 172}}[os.uname().machine]
thread = threading.Thread(target=lambda: None)
print("thread", outcome(lambda: (thread.start(), thread.join())))
print("fork", outcome(lambda: os.fork() or os._exit(0)))
print("subprocess", outcome(lambda: subprocess.run(["/bin/true"])))
print("clone3", outcome(lambda: libc.syscall(numbers["clone3"], None, 0)))
print("memfd_create", outcome(lambda: os.memfd_create("x")))
print("shmget", outcome(lambda: libc.syscall(numbers["shmget"], 0, 1 << 20, 0o1600)))
print("msgget", outcome(lambda: libc.syscall(numbers["msgget"], 0, 0o1600)))
print("sched_setaffinity", outcome(lambda: os.sched_setaffinity(0, os.sched_getaffinity(0))))
print("x32", outcome(lambda: libc.syscall(0x40000000 | numbers["getpid"])) if os.uname().machine == "x86_64" else "x32 EPERM")
print("network", outcome(lambda: socket.create_connection(("127.0.0.1", 22), timeout=2)))
print("notebook", outcome(lambda: os.stat(sys.argv[1])))
print("dev", sorted(os.listdir("/dev")))
print("write_dev", outcome(lambda: open("/dev/x", "w")))
grading_folder = sys.argv[2][::-1].encode()  # reversed on the command line, which /proc/1/cmdline shows
print("cmdline", "names grading/" if grading_folder in open("/proc/1/cmdline", "rb").read() else "clean")
print("uid", os.getuid())
"""


def test_inside_the_sandbox_threads_run_and_nothing_else_gets_out(tmp_path):
    from grading.sandbox import bubblewrap

    reason = bubblewrap.probe(tmp_path, [SOURCE_NOTEBOOK.parent], 1 << 20)
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the sandbox is required in CI: {reason}")
        pytest.skip(f"no sandbox on this machine: {reason}")
    grading_folder = str(SOURCE_NOTEBOOK.parent / "grading")[::-1]
    with bubblewrap.command(["-c", INSIDE, str(SOURCE_NOTEBOOK), grading_folder], tmp_path, 1 << 20) as (argv, fds):
        run = subprocess.run(argv, pass_fds=fds, capture_output=True, text=True, timeout=60, env=bubblewrap.environment())
    seen = dict(line.split(" ", 1) for line in run.stdout.splitlines())
    assert seen == {
        "thread": "ok", "fork": "EPERM", "subprocess": "EPERM", "clone3": "ENOSYS", "memfd_create": "EPERM",
        "shmget": "EPERM", "msgget": "EPERM", "sched_setaffinity": "EPERM", "x32": "EPERM",
        "network": "ECONNREFUSED", "notebook": "ENOENT", "dev": "['full', 'null', 'random', 'urandom', 'zero']",
        "write_dev": "EROFS", "cmdline": "clean", "uid": "65534",
    }, run.stderr


def test_the_exchange_sees_inputs_changed_in_its_memory_and_reads_only_plain_results():
    X, centroids = np.arange(12.0).reshape(4, 3), np.ones((2, 3), dtype=np.float32)
    exchange = Exchange(4096)
    try:
        specs = exchange.put(("X", "centroids", "K"), (X, centroids, 2))
        assert [spec["name"] for spec in specs] == ["X", "centroids", "K"] and specs[2]["int"] == 2
        assert exchange.changed() == []
        import mmap
        shared = mmap.mmap(exchange.fd, 0)  # what the learner's process maps
        view = np.ndarray((4, 3), dtype=np.dtype(specs[0]["dtype"]), buffer=shared, offset=specs[0]["offset"])
        view[0, 0] = -1
        assert exchange.changed() == ["X"]
        exchange.put(("X", "centroids", "K"), (X, centroids, 2))  # the next call's inputs are fresh again
        assert exchange.changed() == []
        result = np.ndarray((4,), dtype=np.int64, buffer=shared, offset=exchange.result_offset)
        result[:] = [3, 1, 4, 1]
        assert exchange.result({"dtype": "<i8", "shape": [4]}).tolist() == [3, 1, 4, 1]
        for lie in ({"dtype": "|O", "shape": [4]}, {"dtype": "<f8", "shape": [RESULT_BYTES]}, {"dtype": "<f8", "shape": [-1]},
                    {"dtype": "V8", "shape": [1]}, {"dtype": "<f8"}, "nonsense", None,
                    # forged by the red team: numpy's dtype parser raised OverflowError, an "internal grader error"
                    {"dtype": {"names": ["a"], "formats": ["<i8"], "offsets": [2**70]}, "shape": [1]},
                    {"dtype": f"<i{2**70}", "shape": [1]}, {"dtype": ["<i8"], "shape": [1]}, {"dtype": "<i8", "shape": [True]}):
            assert exchange.result(lie) is None
        shared.close()
        with pytest.raises(PermissionError):
            os.ftruncate(exchange.fd, 10 * RESULT_BYTES)  # sealed: the learner cannot make it grow
    finally:
        exchange.close()


def test_a_file_takes_the_place_of_a_folder_in_its_way(tmp_path):
    (tmp_path / "gradebook.csv" / "inside").mkdir(parents=True)
    replace_file(tmp_path / "gradebook.csv", "a,b\n")
    assert (tmp_path / "gradebook.csv").read_text() == "a,b\n"
    assert [p.name for p in tmp_path.iterdir()] == ["gradebook.csv"]


@pytest.mark.parametrize("text, cell", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\\t=1"),
    ("alice", "alice"), ("two\nlines", "two\\nlines"), ("a=b", "a=b"), (" =1+2", "' =1+2"), ("\u00a0=1", "'\\xa0=1"),
])
def test_gradebook_text_is_never_a_formula_and_always_one_line(text, cell):
    assert spreadsheet_text(text) == cell


@pytest.mark.parametrize("sandbox", ["auto", "off"])
def test_a_setting_narrows_the_packages_graded_code_may_import(tmp_path, monkeypatch, capsys, sandbox):
    from grading import settings
    from grading.cli import main

    monkeypatch.setattr(settings, "ALLOWED_PACKAGES", ("numpy",))
    inbox = tmp_path / "submissions"
    inbox.mkdir()
    sklearn_answer = "from sklearn.metrics import pairwise_distances_argmin\nidx = pairwise_distances_argmin(X, centroids)"
    nbformat.write(answered(sklearn_answer, CENTROIDS_RIGHT), inbox / "uses_sklearn.ipynb")
    assert main(["grade", str(inbox), "--out", str(tmp_path / "grades"), "--sandbox", sandbox]) == 0
    assert "uses_sklearn,0,10,10,20,ok" in (tmp_path / "grades" / "gradebook.csv").read_text()
    feedback = (tmp_path / "grades" / "feedback" / feedback_file("uses_sklearn")).read_text()
    assert "ModuleNotFoundError: sklearn is not among the packages graded cells may use" in feedback


def test_the_allowed_packages_come_with_what_they_need():
    from grading import packages

    assert {"numpy", "scipy", "joblib", "threadpoolctl"} <= packages.allowed_distributions(("scikit-learn",))
    assert packages.allowed_distributions(()) == {"numpy"}  # the learner's process runs on it
    assert "sklearn" in packages.hidden_modules(("numpy",)) and "numpy" not in packages.hidden_modules(("numpy",))
    with pytest.raises(packages.PackageError, match="'no-such-package', which is not installed"):
        packages.allowed_distributions(("no-such-package",))


def test_as_root_a_pids_cgroup_bounds_every_thread_of_a_learner_process():
    from grading.sandbox import task_limit

    if not task_limit.needed():
        pytest.skip("not root: the kernel applies RLIMIT_NPROC itself")
    why = task_limit.why_unbounded()
    if why and os.environ.get("CI") == "true":
        pytest.fail(f"threads must be bounded in CI: {why}")
    if why:
        pytest.skip(why)
    limit = task_limit.TaskLimit(8)
    try:
        code = ("import threading, time\nn = 0\ntry:\n    for _ in range(100):\n"
                "        threading.Thread(target=time.sleep, args=(2,), daemon=True).start(); n += 1\n"
                "except RuntimeError:\n    pass\nprint(n)")
        run = subprocess.run(limit.wrap([sys.executable, "-c", code]), capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert int(run.stdout) == 7  # the main thread and seven more: eight tasks
    finally:
        time.sleep(2.5)
        limit.remove()
    assert not limit.path.exists()


PACKAGE_FOLDERS = """
import json, os
found = {}
for root, names, _ in os.walk("/"):
    if root in ("/proc", "/sys", "/dev"):
        names[:] = []
    for name in [name for name in names if name in ("site-packages", "dist-packages")]:
        names.remove(name)
        found[os.path.join(root, name)] = sorted(os.listdir(os.path.join(root, name)))
print(json.dumps(found))
"""


def test_inside_the_sandbox_every_package_folder_holds_only_what_graded_cells_may_import(tmp_path):
    """Issue 18, item 1: the base interpreter's site-packages (scipy, here) was there, a sys.path entry away."""
    import json

    from grading.sandbox import bubblewrap

    from grading import packages

    entries = packages.visible_entries(("numpy",))
    reason = bubblewrap.probe(tmp_path, [SOURCE_NOTEBOOK.parent], 1 << 20, entries)
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the sandbox is required in CI: {reason}")
        pytest.skip(f"no sandbox on this machine: {reason}")
    with bubblewrap.command(["-c", PACKAGE_FOLDERS], tmp_path, 1 << 20, entries) as (argv, fds):
        run = subprocess.run(argv, pass_fds=fds, capture_output=True, text=True, timeout=120, env=bubblewrap.environment())
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert str(packages.site_packages()) in found  # the walk reached the environment's own
    assert set(found) >= set(bubblewrap.package_folders())
    assert {folder: listing for folder, listing in found.items() if not set(listing) <= set(entries)} == {}
    assert found[str(packages.site_packages())] == sorted(entries)
