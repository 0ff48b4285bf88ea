"""Find solution lines and hidden-test text in a folder: the release's last check before it is written.

What counts as secret:

- every line of every solution region of the source notebook, stripped of its indentation, except
  lines with no letter or digit at all (a lone ``)`` or ``]``: they occur in any Python file, and
  listing them would make every scan fail for nothing);
- the hidden tests: the title of every test, and every line of ``grading/hidden_tests/cases.py`` that says
  something of its own (see :func:`hidden_test_needles` for the lines skipped, and why).

Every file under the folder is read as bytes and searched for each secret as a substring. A notebook
or other JSON file is also searched after decoding its strings, since JSON escapes quotes and
backslashes: ``invalid="ignore"`` is stored as ``invalid=\\"ignore\\"``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grading.instructor_notebook import solution_regions

__all__ = ["Leak", "find_leaks", "hidden_test_needles", "solution_needles"]

HIDDEN_TESTS_FILE = Path(__file__).parents[1] / "hidden_tests" / "cases.py"
# Shorter lines of hidden_tests.py (``return cases``, ``else:``) are common Python, not test content.
MIN_HIDDEN_LINE = 24


@dataclass(frozen=True)
class Leak:
    """A secret found in a file.

    Attributes
    ----------
    path : str
        The file, relative to the folder scanned.
    needle : str
        The secret text found in it.
    kind : str
        ``"solution line"`` or ``"hidden test"``.
    """

    path: str
    needle: str
    kind: str

    def __str__(self) -> str:
        return f"{self.path}: {self.kind} {self.needle!r}"


def _says_something(line: str) -> bool:
    return any(character.isalnum() for character in line)


def solution_needles(notebook: nbformat.NotebookNode) -> list[str]:
    """Every line of every solution region, stripped, but those with no letter or digit.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The instructor's notebook.

    Returns
    -------
    list of str
        In notebook order, without repeats.
    """
    needles = []
    for cell in notebook.cells:
        for region in solution_regions(cell.source):
            needles += [line.strip() for line in region.lines if _says_something(line)]
    return list(dict.fromkeys(needles))


def hidden_test_needles() -> list[str]:
    """The hidden tests' titles, and every line of hidden_tests.py that is its own.

    Skipped lines: those with no letter or digit, import lines, and lines shorter than
    ``MIN_HIDDEN_LINE`` characters once stripped (``else:``, ``return cases``, ``\"\"\"``). What is
    left (test inputs, seeds, titles, comments) would not turn up in learner files by chance.

    Returns
    -------
    list of str
        Without repeats.
    """
    from grading.hidden_tests.cases import HIDDEN_TESTS  # the release needs only the titles

    needles = [test.title for test in HIDDEN_TESTS]
    for line in HIDDEN_TESTS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if len(line) >= MIN_HIDDEN_LINE and _says_something(line) and not line.startswith(("import ", "from ")):
            needles.append(line)
    return list(dict.fromkeys(needles))


def _json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key, *_json_strings(item)]]
    if isinstance(value, list):
        return [text for item in value for text in _json_strings(item)]
    return []


def _texts(path: Path) -> list[bytes]:
    """The file's bytes, plus its decoded JSON strings when it is JSON."""
    data = path.read_bytes()
    texts = [data]
    if path.suffix in (".ipynb", ".json"):
        try:
            texts.append("\n".join(_json_strings(json.loads(data))).encode("utf-8"))
        except (ValueError, RecursionError):
            pass  # not JSON after all: the raw bytes were searched
    return texts


def find_leaks(directory: str | os.PathLike, needles: dict[str, str]) -> list[Leak]:
    """Every (file, secret) pair where the secret occurs in the file.

    Parameters
    ----------
    directory : str or path-like
        The folder to scan: every file below it, hidden ones included, links followed.
    needles : dict
        ``{secret text: kind}``, e.g. ``{"counts = ...": "solution line"}``.

    Returns
    -------
    list of Leak
        Sorted by path, then in the order of ``needles``.
    """
    root = Path(directory)
    leaks = []
    files = sorted(Path(folder, name) for folder, _, names in os.walk(root, followlinks=True) for name in names)
    for path in files:
        texts = _texts(path)
        for needle, kind in needles.items():
            encoded = needle.encode("utf-8")
            if any(encoded in text for text in texts):
                leaks.append(Leak(path.relative_to(root).as_posix(), needle, kind))
    return leaks
