"""Grading on Gradescope: the autograder bundle, and the grader's results in Gradescope's format.

``python -m grading gradescope --out autograder.zip`` writes the bundle an instructor uploads as a
programming assignment's autograder: this grader, the instructor's notebook and the learner's
files, with Gradescope's two scripts. ``setup.sh`` runs once, when Gradescope builds the image
(Ubuntu, as root): Python 3.11, bubblewrap, and the packages of ``requirements.txt`` in a virtual
environment. ``run_autograder`` runs for each submission: it grades the notebook in
``/autograder/submission/`` with ``python -m grading grade`` and turns the grader's
``results.json`` into ``/autograder/results/results.json`` as Gradescope documents it (a score,
one entry a hidden test with its name, score, maximum and output, and their visibility).

Gradescope runs submissions in a container, where the sandbox may not be possible (no user
namespaces). Without it the learner's code would run as root beside the grader, able to rewrite
the grader and its score, so the bundle grades only in the sandbox and otherwise gives 0 with the
reason. ``--allow-unsandboxed`` makes a bundle that falls back to process isolation, each
result's output saying that its score could have been forged.
"""

from __future__ import annotations

import io
import json
import stat
import sys
import zipfile
from pathlib import Path

from grading.grade.results import read_results
from grading.grade.text import file_name
from grading.outputs import replace_file
from grading.release.learner_files import learner_files

__all__ = ["SUBMISSION_NOTEBOOK", "bundle_files", "gradescope_results", "write_bundle"]

SUBMISSION_NOTEBOOK = "image_compression.ipynb"
_FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # every member's date: the same sources give the same bundle

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu).
set -euo pipefail
apt-get update -qq
apt-get install -y -qq bubblewrap
# Python 3.11 or newer: the image's own where it is (Ubuntu 24.04 has 3.12), else 3.11 (Ubuntu 22.04).
if python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python=python3
    apt-get install -y -qq python3-venv
else
    python=python3.11
    apt-get install -y -qq python3.11 python3.11-venv
fi
"$python" -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --quiet --upgrade pip
/autograder/venv/bin/python -m pip install --quiet -r /autograder/source/requirements.txt
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission: grade it, then write results/results.json.
# AUTOGRADER_ROOT and GRADER_PYTHON exist for testing the bundle outside Gradescope.
set -uo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
python="${GRADER_PYTHON:-$root/venv/bin/python}"
cd "$root/source"
mkdir -p "$root/results"
"$python" -m grading grade "$root/submission" --out "$root/results/grading" --sandbox {sandbox} \\
    > "$root/results/grading.log" 2>&1
"$python" -m grading.grade.gradescope "$root/submission" "$root/results/grading" "$root/results/results.json"
"""


def bundle_files(root: Path) -> list[Path]:
    """The repository's files the autograder needs besides the instructor's notebook, relative to
    ``root``: the grader, and what the learner's notebook imports or reads (copied for the
    learner's process)."""
    grader = sorted(p.relative_to(root) for p in (root / "grading").rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".md"))
    return sorted({*grader, *learner_files(root)})


def _member(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
    archive.writestr(info, data)


def write_bundle(out: Path, source: Path, allow_unsandboxed: bool = False) -> int:
    """Write the autograder bundle (a zip) to ``out``, atomically; returns how many files it holds.

    ``source`` is the instructor's notebook; the grader and the learner's files come from its
    folder, and the notebook goes in as ``image_compression.ipynb``, where the grader looks for it.
    The bundle grades only in the sandbox (``--sandbox require``): without it, in Gradescope's
    container, the learner's code runs as root beside the grader and could rewrite its score.
    ``allow_unsandboxed`` makes a bundle that grades there all the same (``--sandbox auto``), each
    result saying so.
    """
    buffer = io.BytesIO()
    root = source.resolve().parent
    files = bundle_files(root)
    with zipfile.ZipFile(buffer, "w") as archive:
        _member(archive, "setup.sh", SETUP_SH.encode(), executable=True)
        script = RUN_AUTOGRADER.replace("{sandbox}", "auto" if allow_unsandboxed else "require")
        _member(archive, "run_autograder", script.encode(), executable=True)
        _member(archive, SUBMISSION_NOTEBOOK, source.read_bytes())
        for relative in files:
            _member(archive, relative.as_posix(), (root / relative).read_bytes())
    replace_file(out, buffer.getvalue())
    return len(files) + 3


def _notebooks(submission: Path) -> list[Path]:
    """The notebooks below ``submission`` that the grader grades: none in hidden folders (``.ipynb_checkpoints``)."""
    return sorted(p for p in submission.rglob("*.ipynb")
                  if not any(part.startswith(".") for part in p.relative_to(submission).parts[:-1]))


def gradescope_results(submission: Path, grading_out: Path) -> dict:
    """Gradescope's ``results.json`` for one submission, from the grader's output folder.

    The submission's notebook is ``image_compression.ipynb`` if it was uploaded, else the only
    notebook uploaded; with none, or several and none of that name, the score is 0 and the output
    says what to upload.
    """
    notebooks = _notebooks(submission)
    chosen = [p for p in notebooks if p.name == SUBMISSION_NOTEBOOK] or (notebooks if len(notebooks) == 1 else [])
    if len(chosen) != 1:
        found = ", ".join(p.relative_to(submission).as_posix() for p in notebooks) or "none"
        return {"score": 0.0, "visibility": "visible", "stdout_visibility": "hidden",
                "output": f"Upload one notebook, {SUBMISSION_NOTEBOOK} (found: {found})."}
    run, results = read_results(grading_out / "results.json")
    # Named as the grader names a notebook below the folder it was given.
    name = file_name(chosen[0].relative_to(submission).as_posix().removesuffix(".ipynb"))
    result = next(r for r in results if r.name == name)
    feedback = [result.message, *result.notes, *(f"Error while running your graded cells: {p}" for p in result.problems)]
    if not run.isolation.startswith("isolation: sandbox"):
        feedback.append("Graded without the sandbox, so this score could have been forged by the submission's own code: "
                        + run.isolation.removeprefix("isolation: "))
    return {
        "score": result.total,
        "execution_time": round(result.seconds, 1),
        "output": "\n".join(feedback),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [{"name": f"{test.function}: {test.title}", "score": test.points, "max_score": test.max_points,
                   "status": "passed" if test.passed else "failed", "output": test.message, "visibility": "visible"}
                  for test in result.tests],
    }


def main(argv: list[str]) -> int:
    """``python -m grading.grade.gradescope SUBMISSION_DIR GRADING_OUT RESULTS_JSON`` (run_autograder's second step)."""
    submission, grading_out, results = map(Path, argv)
    try:
        document = gradescope_results(submission, grading_out)
    except Exception as exc:  # the learner still gets a result, and the instructor a reason
        log = grading_out.with_name(grading_out.name + ".log")
        said = [line for line in (log.read_text(errors="replace").splitlines() if log.is_file() else []) if line.strip()]
        why = said[-1] if said else f"{type(exc).__name__}: {exc}"
        document = {"score": 0.0, "visibility": "visible", "stdout_visibility": "hidden",
                    "output": f"Not graded: {why}"}
    replace_file(results, json.dumps(document, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
