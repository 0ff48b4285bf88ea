"""A class graded in shards (grade --shard I/N) and joined (merge) gives what one grading call gives."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grading.grade.shards import parse_shard, slice_of
from grading.hidden_tests.cases import HIDDEN_TESTS
from grading.instructor_notebook import SOURCE_NOTEBOOK
from submissions import INSTRUCTOR, RELEASED, answered

# One class: right, wrong, unwritten, unreadable, and two names that flatten to one feedback file.
CLASS = {
    "alice": INSTRUCTOR,
    "bob": answered(closest="idx = np.zeros(X.shape[0], dtype=int)", centroids="centroids = np.zeros((K, n))"),
    "carol": RELEASED,
    "dan/hw": INSTRUCTOR,
    "dan__hw": INSTRUCTOR,
}
BROKEN = {"erin": b"{not json"}


def _grader(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grading", *map(str, args)], capture_output=True, text=True,
                          cwd=SOURCE_NOTEBOOK.parent, timeout=600)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded once whole, and in three shards joined by merge."""
    root = tmp_path_factory.mktemp("shards")
    inbox = root / "class"
    for name, notebook in CLASS.items():
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, inbox / f"{name}.ipynb")
    for name, data in BROKEN.items():
        (inbox / f"{name}.ipynb").write_bytes(data)
    whole = _grader("grade", inbox, "--out", root / "whole")
    shards = [_grader("grade", inbox, "--out", root / f"shard-{i}", "--shard", f"{i}/3") for i in (1, 2, 3)]
    merged = _grader("merge", *(root / f"shard-{i}" for i in (3, 1, 2)), "--out", root / "merged")
    return root, whole, shards, merged


SPEED_TITLES = tuple(test.title for test in HIDDEN_TESTS if test.check == "speed")


def _speed_messages_masked(text: str) -> str:
    """Feedback with the speed tests' messages left out: their inputs are drawn anew on every run,
    from a secret seed (grading/hidden_tests/cases.py), so no two runs share their times or answers."""
    kept, in_speed_test = [], False
    for line in text.splitlines():
        if line.startswith("- **"):
            in_speed_test = line.endswith(SPEED_TITLES)
        if not (in_speed_test and line.startswith("  > ")):
            kept.append(line)
    return "\n".join(kept)


def test_the_shards_and_the_merge_run_cleanly(graded):
    _, whole, shards, merged = graded
    for run in (whole, *shards, merged):
        assert run.returncode == 0, run.stderr
    assert "(shard 2 of 3, of a class of 6)" in shards[1].stderr


def test_each_shard_grades_its_slice_and_the_slices_make_the_class(graded):
    root = graded[0]
    rows = [(root / f"shard-{i}" / "gradebook.csv").read_text().splitlines()[1:] for i in (1, 2, 3)]
    assert [len(r) for r in rows] == [2, 2, 2]
    whole = (root / "whole" / "gradebook.csv").read_text().splitlines()[1:]
    assert sorted(sum(rows, [])) == sorted(whole)  # every row once, graded alike


def test_the_merged_gradebook_is_the_whole_runs(graded):
    root = graded[0]
    assert (root / "merged" / "gradebook.csv").read_bytes() == (root / "whole" / "gradebook.csv").read_bytes()


def test_the_merged_feedback_is_the_whole_runs_but_for_the_speed_tests_messages(graded):
    root = graded[0]
    merged, whole = root / "merged" / "feedback", root / "whole" / "feedback"
    assert sorted(p.name for p in merged.iterdir()) == sorted(p.name for p in whole.iterdir())
    assert {"dan__hw.md", "dan__hw-2.md"} <= {p.name for p in merged.iterdir()}  # made unique across shards
    for path in whole.iterdir():
        assert _speed_messages_masked((merged / path.name).read_text()) == _speed_messages_masked(path.read_text())


def test_the_merged_summary_counts_the_class_and_sums_the_time(graded):
    root = graded[0]
    merged, whole = ((root / f / "summary.txt").read_text().splitlines() for f in ("merged", "whole"))
    without_time = [re.sub(r" in [\d.]+ s:", ":", line) for line in (merged[0], whole[0])]
    assert without_time[0] == without_time[1] and merged[1:] == whole[1:]
    shard_seconds = sum(json.loads((root / f"shard-{i}" / "results.json").read_text())["run"]["seconds"] for i in (1, 2, 3))
    assert float(re.search(r" in ([\d.]+) s:", merged[0]).group(1)) == pytest.approx(shard_seconds, abs=0.05)


def test_the_merged_results_say_the_whole_class(graded):
    root = graded[0]
    document = json.loads((root / "merged" / "results.json").read_text())
    assert document["run"]["shard"] == [1, 1] and document["run"]["class_size"] == 6
    assert [s["name"] for s in document["submissions"]] == sorted(["alice", "bob", "carol", "dan/hw", "dan__hw", "erin"])


@pytest.mark.parametrize("shards, message", [
    ((1, 3), "missing 2"),
    ((1, 1, 2, 3), "given twice 1"),
])
def test_a_class_missing_or_doubling_a_shard_is_not_merged(graded, tmp_path, shards, message):
    root = graded[0]
    run = _grader("merge", *(root / f"shard-{i}" for i in shards), "--out", tmp_path / "out")
    assert run.returncode == 2 and message in run.stderr and len(run.stderr.splitlines()) == 1
    assert not (tmp_path / "out" / "gradebook.csv").exists()


def test_shards_of_another_reference_or_class_are_not_merged(graded, tmp_path):
    root = graded[0]
    other = tmp_path / "other"
    other.mkdir()
    document = json.loads((root / "shard-2" / "results.json").read_text())
    document["run"]["source"] = "0" * 64
    (other / "results.json").write_text(json.dumps(document))
    run = _grader("merge", root / "shard-1", other, root / "shard-3", "--out", tmp_path / "out")
    assert run.returncode == 2 and "another instructor's notebook" in run.stderr
    run = _grader("merge", root / "shard-1", root / "whole", "--out", tmp_path / "out")
    assert run.returncode == 2 and "shard of 1" in run.stderr
    document = json.loads((root / "shard-2" / "results.json").read_text())
    document["run"]["class_digest"] = "0" * 64  # another class of the same size: a notebook changed between shards
    (other / "results.json").write_text(json.dumps(document))
    run = _grader("merge", root / "shard-1", other, root / "shard-3", "--out", tmp_path / "out")
    assert run.returncode == 2 and "another class" in run.stderr
    assert not (tmp_path / "out").exists()  # a refused merge writes nothing, not even the folder


def test_a_folder_without_results_is_one_line_of_error(graded, tmp_path):
    run = _grader("merge", graded[0] / "shard-1", tmp_path, "--out", tmp_path / "out")
    assert run.returncode == 2 and "no such file" in run.stderr and len(run.stderr.splitlines()) == 1


@pytest.mark.parametrize("shard", ["0/3", "4/3", "3", "a/b", "-1/2"])
def test_a_shard_out_of_range_is_a_usage_error(shard, tmp_path):
    run = _grader("grade", SOURCE_NOTEBOOK, "--out", tmp_path / "out", "--shard", shard)
    assert run.returncode == 2 and "--shard" in run.stderr and len(run.stderr.splitlines()) == 1


def test_the_slices_partition_any_class():
    for size in range(12):
        for count in range(1, 6):
            items = list(range(size))
            slices = [slice_of(items, (number, count)) for number in range(1, count + 1)]
            assert sorted(sum(slices, [])) == items and max(map(len, slices)) - min(map(len, slices)) <= 1
    assert parse_shard(" 2 / 4 ") == (2, 4)
