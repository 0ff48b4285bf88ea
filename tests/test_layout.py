"""docs/layout.md, the one-page map, kept true: it names every module, and imports go only its way."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAP = (ROOT / "docs" / "layout.md").read_text(encoding="utf-8")
NOT_MAPPED_ONE_BY_ONE = ("tests/", "bench/", "docs/", "data/", "images/")  # the map names these folders whole

# What each part may import of the project (docs/layout.md, "Which way imports go").
MAY_IMPORT = {
    "quantize/": set(),
    "course/": {"quantize/"},
    "utils.py": {"course/", "quantize/"},
    "public_tests.py": {"course/"},
    "compress_cli/": {"quantize/", "course/"},
    "compress.py": {"compress_cli/", "quantize/"},
    "grading (shared)": set(),
    "sandbox/": {"grading (shared)"},
    "hidden_tests/": {"grading (shared)", "sandbox/", "course/"},
    "release/": {"grading (shared)", "hidden_tests/"},
    "grade/": {"grading (shared)", "sandbox/", "hidden_tests/", "release/"},
    "cli.py": {"grading (shared)", "sandbox/", "hidden_tests/", "release/", "grade/"},
}


def _tracked_python_files() -> list[str]:
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [name for name in files.split() if not name.startswith(NOT_MAPPED_ONE_BY_ONE)]


def _tree_paths() -> set[str]:
    """Every path the map's tree names, folders with a trailing slash, from its indentation."""
    tree = re.search(r"```\n(.*?)```", MAP, re.S).group(1)
    paths, folders = set(), []  # folders: (indent, path) of the folders that hold the next lines
    for line in tree.splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        names = re.match(r"([^\s,]+(?:, [^\s,]+)*)", line.lstrip()).group(1).split(", ")
        folders = [(i, f) for i, f in folders if i < indent]
        parent = folders[-1][1] if folders else ""
        for name in names:
            paths.add(parent + name)
        if len(names) == 1 and names[0].endswith("/"):
            folders.append((indent, parent + names[0]))
    return paths


def test_the_map_names_every_module():
    """Every module by name; a package's ``__init__.py`` with its folder."""
    named = _tree_paths()
    missing = [name for name in _tracked_python_files()
               if name not in named and not (name.endswith("/__init__.py") and name.removesuffix("__init__.py") in named)]
    assert not missing, f"docs/layout.md does not name {missing}"


def test_every_path_on_the_map_exists():
    assert not [path for path in _tree_paths() if not (ROOT / path).exists()]


def _module(path: str) -> str:
    return path[:-3].replace("/", ".").removesuffix(".__init__")


def _part(module: str) -> str | None:
    """The part of the map a module of the project belongs to; None for anything else."""
    top, _, rest = module.partition(".")
    if top in ("quantize", "course", "compress_cli"):
        return top + "/"
    if top in ("utils", "public_tests", "compress") and not rest:
        return top + ".py"
    if top == "grading":
        sub = rest.split(".")[0]
        if sub in ("release", "hidden_tests", "sandbox", "grade"):
            return sub + "/"
        return "cli.py" if sub in ("cli", "__main__") else "grading (shared)"
    return None


def _imports(path: str) -> set[str]:
    """The project's modules a file imports, anywhere in it (a function's lazy imports too)."""
    found = set()
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # "from grading import settings" imports the module grading.settings
                inner = f"{node.module}.{alias.name}"
                is_module = (ROOT / inner.replace(".", "/")).with_suffix(".py").exists() or (ROOT / inner.replace(".", "/")).is_dir()
                found.add(inner if is_module else node.module)
    return found


def _arrows() -> list[tuple[str, str, str, str]]:
    arrows = []
    for path in _tracked_python_files():
        source = _part(_module(path))
        for imported in _imports(path):
            target = _part(imported)
            if source and target and target != source:
                arrows.append((source, target, path, imported))
    return arrows


def test_imports_go_only_the_maps_way():
    wrong = [f"{path} imports {imported} ({source} -> {target})"
             for source, target, path, imported in _arrows() if target not in MAY_IMPORT[source]]
    assert not wrong, "\n".join(wrong)


def test_no_relative_imports():
    """Absolute imports only, so that a module's imports read the same wherever it is moved."""
    relative = [path for path in _tracked_python_files()
                if any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(ast.parse((ROOT / path).read_text())))]
    assert not relative


def _table_rows() -> dict[str, set[str]]:
    """The map's table of imports: each part's first cell, and the parts its second cell names."""
    rows = {}
    section = MAP.split("## Which way imports go", 1)[1].split("\n## ", 1)[0]
    for first, second in re.findall(r"^\| (.+?) \| (.+?) \|$", section, re.M)[1:]:  # past the header
        part = "grading (shared)" if "shared" in first else re.search(r"`([^`]+)`", first).group(1).removeprefix("grading/")
        named = {name.removeprefix("grading/") for name in re.findall(r"`([^`]+)`", second)} & set(MAY_IMPORT)
        if "shared modules" in second:
            named.add("grading (shared)")
        if "all of `grading/`" in second:
            named = {"grading (shared)", "sandbox/", "hidden_tests/", "release/", "grade/"}
        rows[part] = named
    return rows


def test_the_maps_table_says_what_the_test_holds():
    assert _table_rows() == MAY_IMPORT


@pytest.mark.parametrize("job, where", [
    ("the figure of the palette", "course/plots.py"),
    ("where a submission's time is measured", "grading/sandbox/learner_process.py"),
    ("the PNG filter choice", "quantize/png_encoder.py"),
])
def test_a_job_leads_to_its_file(job, where):
    """The issue's three questions: the map's tree line of the file says the job in its words."""
    line = next(line for line in MAP.splitlines() if line.strip().startswith(Path(where).name + " "))
    words = {"the figure of the palette": "palette", "where a submission's time is measured": "processor time",
             "the PNG filter choice": "filter choice"}[job]
    assert words in line, line
