"""One learner's files cannot cost the class its gradebook: hostile submission files, names and messages.

A class folder holds, beside one correct notebook, what a determined learner can hand in: a symbolic
link to the instructor's notebook (and to a folder holding it), a FIFO, a link to /dev/zero, a file
name that is not UTF-8, names that collide once made into feedback files, a name with terminal escape
sequences, messages with a lone surrogate, HTML, NUL and ESC, a notebook of 17 MB whose one
ungraded cell is 16 MiB of code, 6,000,000 import lines in a cell too large to parse, 45 MB of empty objects in a notebook's metadata (60 s and 8.7 GB
of the grader's own once), 30,000 cells, and a right notebook whose outputs hold a million JSON
values (a figure's data, say), and a notebook in folders nested past the longest path the system
takes. The whole folder is graded in one run, as an instructor would run it.
The grader must finish, write gradebook.csv, feedback/ and summary.txt, give every submission
exactly one row, keep the right ones at 20 / 20, give no link a grade, and keep to bounded time and
memory.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from grading.instructor_notebook import SOURCE_NOTEBOOK
from submissions import CENTROIDS_RIGHT, CLOSEST_RIGHT, RELEASED, answered, grader_peak_bytes, measured_grader

# A message no terminal, spreadsheet or Markdown viewer should act on.
NASTY = '<img src=x onerror=alert(1)> \\x00 \\x1b[31m red \\x1b]0;title\\x07 \\ud800'
ESCAPED_NAME = "\x1b[32mok, 20 / 20\x1b[0m"
DEEP = "%02d" + "d" * 240  # a folder's name, twenty deep


def _write(path: Path, notebook) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook), encoding="utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    inbox = root / "submissions"
    right = answered(CLOSEST_RIGHT, CENTROIDS_RIGHT)
    _write(inbox / "alice.ipynb", right)
    # Links: to the instructor's notebook, to a folder holding it, to /dev/zero.
    os.symlink(SOURCE_NOTEBOOK, inbox / "mallory.ipynb")
    os.symlink(SOURCE_NOTEBOOK.parent, inbox / "linked_folder")
    os.symlink("/dev/zero", inbox / "zero.ipynb")
    os.mkfifo(inbox / "fifo.ipynb")
    # A name that is not UTF-8; names that collide as feedback files; a name with escape sequences.
    _write(Path(os.fsdecode(bytes(inbox) + b"/caf\xe9.ipynb")), right)
    _write(inbox / "bob" / "a.ipynb", right)
    _write(inbox / "bob" / "a.md" / "b.ipynb", right)
    _write(inbox / f"{ESCAPED_NAME}.ipynb", right)
    # Messages the learner's code raises: a lone surrogate, HTML, NUL, ESC.
    _write(inbox / "noisy.ipynb", answered(f'raise ValueError("{NASTY}")', f'raise ValueError("{NASTY}")'))
    # 17 MB: one ungraded cell of 16 MiB of code.
    big = copy.deepcopy(right)
    big.cells.append(nbformat.v4.new_code_cell("x = [" + "1, " * (16 * 1024**2 // 3) + "]"))
    _write(inbox / "huge.ipynb", big)
    # 45 MB of {} in the metadata; 30,000 cells; a million values in a right notebook's outputs.
    bomb = json.loads(json.dumps(right))
    bomb["metadata"]["junk"] = [{}] * 15_000_000
    (inbox / "metadata_bomb.ipynb").write_text(json.dumps(bomb, separators=(",", ":")))
    many = json.loads(json.dumps(right))
    many["cells"] += [{"cell_type": "markdown", "metadata": {}, "source": "a"}] * 30_000
    _write(inbox / "many_cells.ipynb", many)
    plotted = json.loads(json.dumps(right))
    next(cell for cell in plotted["cells"] if cell["cell_type"] == "code")["outputs"] = [
        {"output_type": "display_data", "metadata": {}, "data": {"application/json": {"x": list(range(1_000_000))}}}]
    _write(inbox / "big_outputs.ipynb", plotted)
    # 6,000,000 lines of `import np` in a cell too large to parse (69 s and 4.5 GB of the grader's once).
    imports = copy.deepcopy(right)
    imports.cells.append(nbformat.v4.new_code_cell("import np\n" * 6_000_000))
    _write(inbox / "import_bomb.ipynb", imports)
    # A notebook below folders nested deeper than a path may be long (PATH_MAX, 4096 bytes).
    fd = os.open(inbox, os.O_RDONLY)
    for level in range(20):
        os.mkdir(DEEP % level, dir_fd=fd)
        inner = os.open(DEEP % level, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    with open(os.open("deep.ipynb", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w") as f:
        f.write(json.dumps(right))
    os.close(fd)
    out = root / "grades"
    started = time.monotonic()
    run = subprocess.run(measured_grader("grade", str(inbox), "--out", str(out), "--jobs", "2"),
                         capture_output=True, cwd=SOURCE_NOTEBOOK.parent, timeout=900)
    seconds = time.monotonic() - started
    rows = []
    if (out / "gradebook.csv").is_file():
        with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    return run, rows, out, seconds


SUBMISSIONS = 16  # alice, mallory, linked_folder's notebook, zero, fifo, café, bob/a, bob/a.md/b, the escaped one, noisy, huge,
#                    metadata_bomb, many_cells, big_outputs, import_bomb, the deep one


def test_the_class_gets_its_gradebook_feedback_and_summary(graded):
    run, rows, out, seconds = graded
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-3000:]
    assert (out / "gradebook.csv").is_file() and (out / "summary.txt").is_file() and (out / "feedback").is_dir()
    assert len(rows) == SUBMISSIONS, [row["submission"] for row in rows]
    assert len({row["submission"] for row in rows}) == len(rows)  # one row each, told apart
    assert len(list((out / "feedback").glob("*.md"))) == SUBMISSIONS  # flat, one file each


def test_the_right_notebooks_keep_their_points(graded):
    run, rows, out, seconds = graded
    by_name = {row["submission"]: row for row in rows}
    for name in ("alice", "bob/a", "bob/a.md/b", "huge", "big_outputs", "import_bomb"):
        assert by_name[name]["total"] == "20", by_name[name]


@pytest.mark.parametrize("name, why", [
    ("mallory", "a symbolic link"), ("linked_folder", "a symbolic link"), ("zero", "a symbolic link"),
    ("fifo", "not a regular file"), ("metadata_bomb", "more than 2,000,000 values in its JSON"),
    ("many_cells", "30,080 cells, more than 5,000"), (DEEP % 0, "File name too long"),
])
def test_links_and_special_files_get_a_row_and_no_points(graded, name, why):
    run, rows, out, seconds = graded
    row = next(row for row in rows if row["submission"].startswith(name))
    assert row["status"] == "invalid" and row["total"] == "0" and why in row["message"], row


def test_a_name_that_is_not_utf8_is_shown_escaped(graded):
    run, rows, out, seconds = graded
    assert any(row["submission"] == "caf\\xe9" and row["total"] == "20" for row in rows), [r["submission"] for r in rows]


def test_escape_sequences_reach_no_terminal_and_no_file(graded):
    run, rows, out, seconds = graded
    assert b"\x1b" not in run.stderr and b"\x1b" not in run.stdout
    for path in [out / "gradebook.csv", out / "summary.txt", *(out / "feedback").glob("*.md")]:
        data = path.read_bytes()
        assert b"\x1b" not in data and b"\x00" not in data and b"\x07" not in data, path
    assert any("\\x1b[32mok, 20 / 20\\x1b[0m" in row["submission"] for row in rows)


def test_a_learners_message_is_text_in_the_feedback_not_markup(graded):
    run, rows, out, seconds = graded
    noisy = next(path for path in (out / "feedback").glob("*.md") if path.name.startswith("noisy"))
    text = noisy.read_text(encoding="utf-8")
    outside_code = re.sub(r"(`+)(.*?)\1", "", text)  # code spans show their text as code, never as markup
    assert "raised ValueError" in text and "<" not in outside_code and "&lt;img src=x" in text
    assert "\\ud800" in text  # the lone surrogate, written as its escape


def test_huge_notebooks_are_read_in_bounded_time_and_memory(graded):
    run, rows, out, seconds = graded
    assert seconds < 240, seconds  # sixteen submissions, two at a time; a 16 MiB cell once took minutes alone
    # Two at a time, each held to the bounds of grading/grade/submission.py: the metadata bomb alone took 8.7 GB.
    assert grader_peak_bytes(run.stderr) < 1.5 * 1024**3, grader_peak_bytes(run.stderr)
