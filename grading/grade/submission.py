"""Read a submitted notebook and pick out what the grader runs: the graded cells and their imports.

Nothing here runs the learner's code. The grader runs, in the learner's process:

1. the notebook's top-level ``import`` / ``from ... import`` statements that bind a name the graded
   cells use (or import ``*``), each on its own, wherever they stand in the notebook;
2. the cells that define the graded functions, one top-level statement at a time.

No other cell is run, so an error, an endless loop or a ``sys.exit`` in an ungraded cell cannot
cost the learner anything. A function is taken from the last code cell tagged ``graded`` that
defines it; failing that (a learner who lost the tag, e.g. by pasting the code into a new cell)
from the last code cell that defines it, and the feedback says so.

IPython syntax is not Python: in a cell that does not parse, a first line starting with ``%%``
(a cell magic such as ``%%time``) and every line starting with ``%`` or ``!`` (``%timeit``,
``!pip install``) are blanked out or replaced by ``pass``, keeping line numbers, and the feedback
says so. Whatever still does not parse is reported as the syntax error it is.
"""

from __future__ import annotations

import ast
import builtins
import errno
import itertools
import json
import os
import re
import stat
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grading.instructor_notebook import GRADED_FUNCTIONS, GRADED_TAG

__all__ = ["Extraction", "GradedCell", "InvalidSubmission", "MAX_CELLS", "MAX_IMPORTS", "MAX_JSON_VALUES",
           "MAX_NOTEBOOK_BYTES", "MAX_NOTEBOOK_VALUES", "extract", "read_submission"]

# A learner's notebook with its figures is a few MB; anything this large is not a submission.
MAX_NOTEBOOK_BYTES = 64 * 1024**2
# Python's parser takes seconds and gigabytes on megabytes of code: a cell larger than this, or past
# this much parsed source in all, is read for its def and import lines alone, as a cell that does not
# parse is (16 MiB of code in one cell took 25 s and 5.5 GB to parse).
MAX_PARSED_CELL = 256 * 1024
MAX_PARSED_SOURCE = 4 * 1024**2
# Import lines read outside the graded cells, in all: 6,000,000 lines of `import np` in a cell too large
# to parse took 69 s and 4.5 GB, one at a time (a notebook's are a dozen).
MAX_IMPORTS = 10_000
# JSON's parser makes an object of every value, nbformat several more, and its validator walks them
# all: 45 MB of `{}` in a notebook's metadata took 60 s and 8.7 GB. A notebook is refused past this
# many values in its JSON (this project's notebook, figures and all, holds 2,700), and past the
# second bound once its outputs and attachments (where a notebook's bulk lives) are set aside.
MAX_JSON_VALUES = 2_000_000
MAX_NOTEBOOK_VALUES = 100_000
MAX_CELLS = 5_000


class InvalidSubmission(Exception):
    """The file is not a notebook the grader can read; the message says why, in one line."""


@dataclass
class GradedCell:
    """A cell the grader runs.

    Attributes
    ----------
    label : str
        How the feedback names it, e.g. ``"the find_closest_centroids cell"``.
    source : str
        Its code, IPython magics neutralised, line numbers as in the notebook.
    functions : list of str
        The graded functions it defines.
    """

    label: str
    source: str
    functions: list[str]


@dataclass
class Extraction:
    """What the grader runs for one submission, and what it has to tell the learner about it.

    Attributes
    ----------
    imports : list of str
        Import statements to run first, one statement each, in notebook order.
    cells : list of GradedCell
        The cells defining the graded functions, in notebook order.
    missing : list of str
        Graded functions no code cell defines.
    notes : list of str
        Learner-facing remarks: a lost tag, magics ignored, names defined outside the graded cells.
    """

    imports: list[str] = field(default_factory=list)
    cells: list[GradedCell] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_submission(path: str | os.PathLike, instructors: tuple[Path, ...] = ()) -> nbformat.NotebookNode:
    """Parse a submitted notebook.

    Parameters
    ----------
    path : str or path-like
        The ``.ipynb`` file.
    instructors : tuple of pathlib.Path
        Files that are no submission when reached by any other path than their own (the
        instructor's notebook, through a hard link, or through a linked folder on the way, which
        ``O_NOFOLLOW`` does not see): refused. Given as it is, the instructor's own notebook is
        graded, as an instructor checking the grader expects.

    Returns
    -------
    nbformat.NotebookNode
        In nbformat 4. Its ``metadata`` gains ``grading_validation``, the first line of
        nbformat's validation error, when the notebook parses but does not validate: such a
        notebook is graded (a stray field in an output says nothing about the code).

    Raises
    ------
    InvalidSubmission
        If the file is a symbolic link or not a regular file (a FIFO, a device), is too large,
        cannot be read, is not UTF-8 JSON, or is not a notebook; or if it is one of ``instructors``
        reached by another path.
    """
    try:
        text = _read_regular_file(Path(path), MAX_NOTEBOOK_BYTES, instructors).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidSubmission("not a notebook: the file is not UTF-8 text") from None
    if _values_at_most(text) > MAX_JSON_VALUES:
        raise InvalidSubmission(f"not a notebook the grader reads: more than {MAX_JSON_VALUES:,} values in its JSON "
                                "(a notebook holds thousands)")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidSubmission(f"not a notebook: the file is not JSON ({_one_line(exc)})") from None
    if not isinstance(data, dict) or "nbformat" not in data or not isinstance(data.get("cells", data.get("worksheets")), list):
        raise InvalidSubmission("not a notebook: JSON without the notebook fields 'nbformat' and 'cells'")
    cells = _cells(data)
    if len(cells) > MAX_CELLS:
        raise InvalidSubmission(f"not a notebook the grader reads: {len(cells):,} cells, more than {MAX_CELLS:,}")
    for cell in cells:  # what the grader never reads, and where a notebook's megabytes are
        if isinstance(cell, dict):
            if isinstance(cell.get("outputs"), list):
                cell["outputs"] = []
            cell.pop("attachments", None)
    if _count_values(data, MAX_NOTEBOOK_VALUES) > MAX_NOTEBOOK_VALUES:
        raise InvalidSubmission(f"not a notebook the grader reads: more than {MAX_NOTEBOOK_VALUES:,} values in its "
                                "JSON besides outputs (a notebook holds thousands)")
    text = json.dumps(data)
    del data
    captured: dict = {}  # nbformat.reads validates without raising: it puts the ValidationError here
    try:
        with _WARNINGS, warnings.catch_warnings():  # catch_warnings changes the process's filters: one job at a time
            warnings.simplefilter("ignore")  # e.g. missing cell ids: nothing the grader needs
            notebook = nbformat.reads(text, as_version=4, capture_validation_error=captured)
    except Exception as exc:  # reading or converting raises ValidationError, NBFormatError, KeyError, TypeError ...
        raise InvalidSubmission(f"not a readable notebook: {_one_line(exc)}") from None
    notebook.metadata.pop("grading_validation", None)  # the grader's note, never the learner's
    if "ValidationError" in captured:
        notebook.metadata["grading_validation"] = _one_line(captured["ValidationError"])
    if not all(isinstance(cell.get("source"), str) and "cell_type" in cell for cell in notebook.cells):
        raise InvalidSubmission("not a readable notebook: a cell without a type or source")
    return notebook


_WARNINGS = threading.Lock()
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')


def _structural_values(text: str) -> int:
    """At least the number of values JSON ``text`` holds, if all its string contents were punctuation-free.

    Every value but the first in an array or object follows a comma, every key a colon, and each
    container counts for itself and its first value.
    """
    return text.count(",") + text.count(":") + 2 * (text.count("{") + text.count("[")) + 1


def _values_at_most(text: str) -> int:
    """An upper bound on the number of values (keys included) JSON ``text`` holds, without parsing it.

    Counted on the text first (milliseconds: punctuation inside strings counts too, so it can
    only be too high); where that passes :data:`MAX_JSON_VALUES`, counted again on the text with
    every string replaced by ``""`` (a few seconds for 64 MiB of short strings at worst).
    """
    bound = _structural_values(text)
    if bound <= MAX_JSON_VALUES:
        return bound
    return _structural_values(_STRING.sub('""', text))


def _cells(data: dict) -> list:
    """The cells of a notebook's JSON: nbformat 4's ``cells``, or every worksheet's of nbformat 3."""
    if isinstance(data.get("cells"), list):
        return data["cells"]
    return [cell for sheet in data["worksheets"] if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list)
            for cell in sheet["cells"]]


def _count_values(data, limit: int) -> int:
    """The number of values (keys included) in parsed JSON, counted up to just past ``limit``."""
    count, stack = 0, [data]
    while stack and count <= limit:
        value = stack.pop()
        count += 1
        if isinstance(value, dict):
            count += len(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return count


def _read_regular_file(path: Path, limit: int, instructors: tuple[Path, ...] = ()) -> bytes:
    """The bytes of a regular file, opened without following a link, read to at most ``limit`` bytes.

    A learner controls what stands at the path: a link to the instructor's notebook or to
    /dev/zero, a FIFO that never answers. The file is opened once, without following a symbolic
    link and without waiting (O_NONBLOCK: a FIFO with no writer would block the open), then checked
    on what was opened (fstat): a regular file, or nothing is read. Its size is not trusted
    either: the read stops one byte past the limit.

    Where the system has ``O_PATH`` (Linux), the first open only names the file (opening a device
    can act on it: a watchdog's reboots the machine, and tar run as root makes device nodes), and
    only a regular file is opened for reading, through that name (``/proc/self/fd``): the same file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    name_only = hasattr(os, "O_PATH") and Path("/proc/self/fd").is_dir()
    try:
        fd = os.open(path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC if name_only else flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP or os.path.islink(path):
            raise InvalidSubmission("a symbolic link, not a notebook file: not graded") from None
        raise InvalidSubmission(f"cannot read the file: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISLNK(mode):  # O_PATH with O_NOFOLLOW opens the link itself
            raise InvalidSubmission("a symbolic link, not a notebook file: not graded")
        if not stat.S_ISREG(mode):
            raise InvalidSubmission("not a regular file (a folder, a FIFO or a device): not graded")
        if _is_one_of(os.fstat(fd), instructors) and os.path.abspath(path) not in map(os.path.abspath, instructors):
            raise InvalidSubmission("the instructor's notebook, reached through a link: not graded")
        if name_only:
            named, fd = fd, -1
            try:
                fd = os.open(f"/proc/self/fd/{named}", flags & ~getattr(os, "O_NOFOLLOW", 0))
            finally:
                os.close(named)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise InvalidSubmission(f"the file is larger than {limit // 1024**2} MiB")
        return b"".join(chunks)
    except OSError as exc:
        raise InvalidSubmission(f"cannot read the file: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)


def _is_one_of(opened: os.stat_result, files: tuple[Path, ...]) -> bool:
    """Whether the opened file is one of ``files`` (the same device and inode: a hard link is the file)."""
    for file in files:
        try:
            known = os.stat(file)
        except OSError:
            continue
        if (known.st_dev, known.st_ino) == (opened.st_dev, opened.st_ino):
            return True
    return False


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


@dataclass
class _Code:
    """A code cell as Python: its source with magics neutralised, and its syntax tree if it parses."""

    number: int  # 1-based, among all cells
    tags: list[str]
    source: str
    tree: ast.Module | None
    magics: list[str]


_MAGIC_LINE = re.compile(r"^(\s*)([%!].*)$")
_DEF_LINE = re.compile(r"^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)


def _as_python(number: int, cell: nbformat.NotebookNode, parse: bool = True) -> _Code:
    """The cell as Python; its syntax tree is None when it does not parse (the learner's process reports
    why), or when ``parse`` is False (too large to parse within the grader's bounds)."""
    source = cell.source
    tags = cell.get("metadata", {}).get("tags", [])
    tags = [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []  # "graded" in "ungraded"...
    if not parse:
        return _Code(number, tags, source, None, [])
    try:
        return _Code(number, tags, source, ast.parse(source), [])
    except SyntaxError:
        pass
    except (ValueError, RecursionError, MemoryError):  # a null byte; absurd nesting
        return _Code(number, tags, source, None, [])
    lines, magics = source.split("\n"), []
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magics.append(lines[first].strip())
        lines[first] = ""
    for i, line in enumerate(lines):
        match = _MAGIC_LINE.match(line)
        if match:
            magics.append(match.group(2).strip())
            lines[i] = f"{match.group(1)}pass"
    source = "\n".join(lines)
    try:
        return _Code(number, tags, source, ast.parse(source), magics)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _Code(number, tags, source, None, magics)


def _defined_functions(code: _Code) -> set[str]:
    """Functions a cell defines at top level; for a cell that does not parse, ``def`` lines at column 0."""
    if code.tree is None:
        return set(_DEF_LINE.findall(code.source))
    return {node.name for node in code.tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _bound_names(node: ast.AST) -> set[str]:
    """Every name an AST binds anywhere: assignments, arguments, definitions, imports, loops."""
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)):
            names.add(child.id)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(child.name)
        elif isinstance(child, ast.arg):
            names.add(child.arg)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            names |= _import_names(child)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            names.add(child.name)
    return names


def _used_names(code: _Code) -> set[str]:
    if code.tree is None:  # cannot tell: every identifier might be a name it uses
        return {match.group() for match in re.finditer(r"[A-Za-z_]\w*", code.source)}
    return {node.id for node in ast.walk(code.tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def _import_names(node: ast.Import | ast.ImportFrom) -> set[str]:
    return {(alias.asname or alias.name).split(".")[0] for alias in node.names}


_IMPORT_LINE = re.compile(r"^(?:import|from) .*$", re.MULTILINE)


def _top_level_imports(code: _Code, left: list[int]) -> list[ast.Import | ast.ImportFrom]:
    """The cell's top-level imports, at most ``left[0]`` of them (which is lowered by as many as were read).

    A cell that does not parse, or was too large to, gives the lines that parse alone, each distinct
    line once.
    """
    if code.tree is not None:
        body = code.tree.body
    else:  # a cell with a syntax error may still start with good imports: take the lines that parse alone
        lines = itertools.islice(dict.fromkeys(m.group() for m in itertools.islice(_IMPORT_LINE.finditer(code.source),
                                                                                   max(left[0], 0))), left[0])
        body = []
        for line in lines:
            try:
                body += ast.parse(line).body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                pass
    imports = [
        node for node in body
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
    ][:max(left[0], 0)]
    left[0] -= len(imports)
    return imports


def _top_level_definitions(code: _Code) -> set[str]:
    if code.tree is None:
        return set()
    names = set()
    for node in code.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def _label(functions: list[str]) -> str:
    return f"the {' and '.join(functions)} cell" if functions else "a graded cell"


def extract(notebook: nbformat.NotebookNode, functions: tuple[str, ...] = GRADED_FUNCTIONS) -> Extraction:
    """Pick out the graded cells and the imports they need.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The learner's notebook (from :func:`read_submission`).
    functions : tuple of str
        The graded functions' names.

    Returns
    -------
    Extraction
    """
    result = Extraction()
    if "grading_validation" in notebook.metadata:
        result.notes.append(
            f"Your notebook does not pass Jupyter's format check ({notebook.metadata['grading_validation']}); "
            "it was graded anyway."
        )
    codes, parsed = [], 0
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "code":
            parse = len(cell.source) <= MAX_PARSED_CELL and parsed + len(cell.source) <= MAX_PARSED_SOURCE
            parsed += len(cell.source) if parse else 0
            codes.append(_as_python(number, cell, parse))
    defines = {code.number: _defined_functions(code) for code in codes}

    chosen: dict[str, _Code] = {}
    for name in functions:
        tagged = [code for code in codes if GRADED_TAG in code.tags and name in defines[code.number]]
        anywhere = [code for code in codes if name in defines[code.number]]
        if tagged:
            chosen[name] = tagged[-1]
            if len(tagged) > 1:
                result.notes.append(f"{len(tagged)} cells tagged {GRADED_TAG!r} define {name}: the last one was graded.")
        elif anywhere:
            chosen[name] = anywhere[-1]
            result.notes.append(
                f"No cell tagged {GRADED_TAG!r} defines {name} (was the exercise cell deleted or its tag lost?): "
                f"graded the last cell that defines it, cell {anywhere[-1].number} of the notebook."
            )
        else:
            result.missing.append(name)

    cells = sorted({code.number: code for code in chosen.values()}.values(), key=lambda code: code.number)
    for code in cells:
        names = [name for name in functions if chosen.get(name) is code]
        label = _label(names)
        result.cells.append(GradedCell(label, code.source, names))
        if code.magics:
            result.notes.append(
                f"{label[0].upper()}{label[1:]} contains IPython syntax, which the grader does not run: "
                + ", ".join(f"`{magic[:40].replace('`', chr(0x2CB))}`" for magic in code.magics)
                + " (ignored)."
            )

    used = set().union(*(_used_names(code) for code in cells)) if cells else set()
    bound = set().union(*(_bound_names(code.tree) for code in cells if code.tree is not None)) if cells else set()
    imported, left = set(), [MAX_IMPORTS]
    for code in codes:
        if code in cells:
            continue  # a graded cell's own imports run with it
        for node in _top_level_imports(code, left):
            names = _import_names(node)
            if "*" in names or names & used:
                statement = ast.unparse(node)
                if statement not in result.imports:
                    result.imports.append(statement)
                imported |= names

    free = used - bound - imported - set(dir(builtins))
    for code in codes:
        if code in cells:
            continue
        outside = sorted(free & _top_level_definitions(code))
        if outside:
            result.notes.append(
                f"The graded cells use {', '.join(f'`{n}`' for n in outside)}, defined in cell {code.number} of the "
                "notebook, which the grader does not run: define what your functions need inside their own cells."
            )
            free -= set(outside)
    return result
