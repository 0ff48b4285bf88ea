"""Which files next to the instructor's notebook are the learner's, and which of them graded code may use.

The learner's copy of the assignment carries the files the notebook imports or reads, and no more
(:data:`LEARNER_FILES`): the modules ``utils.py`` and ``public_tests.py`` import, the notebook's
support in ``course/`` and the few engine modules it reads images and writes files with
(:data:`NOTEBOOK_MODULES`; the project's tests check the list against what they really import).
``compress.py``, ``compress_cli/`` and the rest of the engine in ``quantize/`` stay with the
instructor, with ``grading/``, ``tests/``, ``bench/`` and the Makefile: the engine's K-means has an
assignment step and an update step of its own, and nothing handed to the learner may do an exercise.

Of those, the assignment's own tools (:data:`TOOL_MODULES`: ``utils.py``, ``course/`` and
``quantize/``, and ``compress.py`` with ``compress_cli/`` where an instructor hands them out) are not
part of any exercise: the grader does not show them to the learner's graded code, and an import of
them fails with a message that says so.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["LEARNER_FILES", "MissingLearnerFile", "NOTEBOOK_MODULES", "TOOL_MODULES", "copy_public_files", "learner_files", "public_files",
           "tool_module_names"]

NOTEBOOK_MODULES = ("course", "course.accounting", "course.animation", "course.baselines", "course.colour_space",
                    "course.learner_help", "course.measure", "course.mistakes", "course.pillow_png", "course.plots",
                    "quantize", "quantize.atomic_files", "quantize.image_io", "quantize.indexed_arrays", "quantize.threads")
LEARNER_FILES = ("utils.py", "public_tests.py", "requirements.txt",
                 *(name.replace(".", "/") + ("/__init__.py" if "." not in name else ".py") for name in NOTEBOOK_MODULES),
                 "data", "images")
TOOL_MODULES = ("utils.py", "compress.py", "compress_cli", "course", "quantize")


class MissingLearnerFile(FileNotFoundError):
    """A file of LEARNER_FILES is missing; the message is one line for the instructor."""


def learner_files(root: Path) -> list[Path]:
    """Every file of LEARNER_FILES, relative to root, sorted; caches and hidden files left out.

    Raises
    ------
    MissingLearnerFile
    """
    files = []
    for name in LEARNER_FILES:
        path = root / name
        if path.is_file():
            files.append(Path(name))
        elif path.is_dir():
            for folder, folders, names in os.walk(path):
                folders[:] = [f for f in folders if not f.startswith(".") and f != "__pycache__"]
                files += [
                    Path(folder, n).relative_to(root) for n in names if not n.startswith(".") and not n.endswith(".pyc")
                ]
        else:
            raise MissingLearnerFile(f"{path} is missing: the learner's notebook needs it")
    return sorted(files)


def public_files(root: Path) -> list[Path]:
    """The learner's files that graded code may see: :func:`learner_files` without the tools."""
    return [path for path in learner_files(root) if path.parts[0] not in TOOL_MODULES]


def tool_module_names() -> list[str]:
    """The top-level module names of the tools: ``["utils", "compress", "compress_cli", "course", "quantize"]``."""
    return [Path(name).stem for name in TOOL_MODULES]


def copy_public_files(root: Path, into: Path) -> None:
    """Copy :func:`public_files` from ``root`` into the folder ``into`` (created), keeping their relative paths."""
    for relative in public_files(root):
        (into / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, into / relative)
