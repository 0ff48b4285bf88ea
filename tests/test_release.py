"""python -m grading release: the learner's copy, and what must never be in it."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import ipykernel.kernelspec
import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

from grading.cli import main
from grading.hidden_tests.cases import HIDDEN_TESTS
from grading.instructor_notebook import BEGIN_SOLUTION, END_SOLUTION, GRADED_FUNCTIONS, SOURCE_NOTEBOOK, graded_cells
from grading.release.learner_copy import ReleaseError, learner_notebook, write_release
from grading.release.learner_files import LEARNER_FILES, NOTEBOOK_MODULES

ROOT = SOURCE_NOTEBOOK.parent


@pytest.fixture(scope="module")
def instructor():
    return nbformat.read(SOURCE_NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "release"
    write_release(out)
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _solution_lines(notebook) -> list[str]:
    """Every line between the markers, stripped, read here independently of grading.release.leaks."""
    lines = []
    for cell in notebook.cells:
        inside = False
        for line in cell.source.split("\n"):
            if line.strip() == BEGIN_SOLUTION:
                inside = True
            elif line.strip() == END_SOLUTION:
                inside = False
            elif inside and line.strip():
                lines.append(line.strip())
    return lines


# --- the learner's notebook ---------------------------------------------------------------------


def test_each_solution_region_becomes_the_two_line_placeholder_indented_like_it(instructor):
    learner = learner_notebook(instructor)
    for before, after, name in zip(graded_cells(instructor), graded_cells(learner), GRADED_FUNCTIONS):
        lines = before.source.split("\n")
        begin = next(i for i, line in enumerate(lines) if line.strip() == BEGIN_SOLUTION)
        end = next(i for i, line in enumerate(lines) if line.strip() == END_SOLUTION)
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        assert after.source.split("\n") == lines[:begin] + [
            f"{indent}# YOUR CODE HERE",
            f'{indent}raise NotImplementedError("{name} is not implemented yet: replace this line with your code")',
        ] + lines[end + 1 :]
        ast.parse(after.source)  # the cell still runs: it defines the function


def test_the_placeholder_matches_what_the_prose_tells_learners(instructor):
    prose = " ".join("\n".join(cell.source for cell in instructor.cells if cell.cell_type == "markdown").split())
    assert "where it says `# YOUR CODE HERE`: replace the line `raise NotImplementedError(...)`" in prose


def test_outputs_and_counts_are_cleared_and_only_tags_are_kept(instructor):
    learner = learner_notebook(instructor)
    assert [c.cell_type for c in learner.cells] == [c.cell_type for c in instructor.cells]
    for before, after in zip(instructor.cells, learner.cells):
        tags = before.metadata.get("tags")
        assert after.metadata == ({"tags": tags} if tags else {})
        if after.cell_type == "code":
            assert after.outputs == [] and after.execution_count is None
        else:
            assert after.source == before.source
    assert set(learner.metadata) == {"kernelspec", "language_info"}
    assert sum("graded" in c.metadata.get("tags", []) for c in learner.cells) == len(GRADED_FUNCTIONS)
    nbformat.validate(learner)


@pytest.mark.parametrize("source, problem", [
    (f"def f():\n    {BEGIN_SOLUTION}\n    {BEGIN_SOLUTION}\n    x = 1\n    {END_SOLUTION}\n    return x", "inside another"),
    (f"def f():\n    {BEGIN_SOLUTION}\n    x = 1\n    return x", "never closed"),
    (f"def f():\n    x = 1\n    {END_SOLUTION}\n    return x", "without"),
])
def test_malformed_regions_stop_the_release(instructor, source, problem):
    notebook = nbformat.from_dict(json.loads(json.dumps(instructor)))
    graded_cells(notebook)[0].source = source
    with pytest.raises(ReleaseError, match=problem):
        learner_notebook(notebook)


def test_a_region_outside_a_graded_code_cell_stops_the_release(instructor):
    notebook = nbformat.from_dict(json.loads(json.dumps(instructor)))
    notebook.cells[4].source += f"\n{BEGIN_SOLUTION}\nsecret = 42\n{END_SOLUTION}"
    with pytest.raises(ReleaseError, match="outside a code cell tagged 'graded'"):
        learner_notebook(notebook)


# --- the release folder --------------------------------------------------------------------------


def test_release_holds_exactly_the_learners_files(release):
    files = set(_files(release))
    expected = {"README.md", SOURCE_NOTEBOOK.name}
    for name in LEARNER_FILES:
        path = ROOT / name
        if path.is_file():
            expected.add(name)
        else:
            expected |= {p.relative_to(ROOT).as_posix() for p in path.rglob("*")
                         if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")}
    assert files == expected
    assert not any(name.startswith(("grading/", "tests/", "bench/")) or name == "Makefile" for name in files)
    for required in ("utils.py", "public_tests.py", "requirements.txt", "quantize/__init__.py", "course/mistakes.py",
                     "data/toy_points.csv"):
        assert required in files
    # The command and the engine behind it hold an assignment and an update step of their own.
    for engine in ("compress.py", "quantize/weighted_kmeans.py", "quantize/grouped_kmeans.py", "quantize/palette.py",
                   "quantize/indexed_image.py", "compress_cli/one_file.py"):
        assert engine not in files


def test_the_release_holds_the_modules_the_notebook_imports_and_no_more(release):
    """Of course and quantize, what utils and public_tests import, by a fresh interpreter in the release."""
    code = ("import sys, utils, public_tests; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('course', 'quantize')))")
    run = subprocess.run([sys.executable, "-c", code], cwd=release, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": ""})
    assert run.returncode == 0, run.stderr
    assert set(ast.literal_eval(run.stdout)) == set(NOTEBOOK_MODULES)
    shipped = {".".join(p.relative_to(release).with_suffix("").parts).removesuffix(".__init__")
               for folder in ("course", "quantize") for p in (release / folder).glob("*.py")}
    assert shipped == set(NOTEBOOK_MODULES)


def _probe(folder: Path) -> dict:
    """tests/release_probe.py run inside ``folder``: what its modules answer when called like the exercises."""
    shutil.copyfile(Path(__file__).with_name("release_probe.py"), folder / "release_probe.py")
    try:
        run = subprocess.run([sys.executable, "release_probe.py"], cwd=folder, capture_output=True, text=True,
                             timeout=600, env={**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": ""})
    finally:
        (folder / "release_probe.py").unlink()
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def test_nothing_in_the_release_does_an_exercise(release, tmp_path):
    """Every module imported, every function called as the exercises are: none gives a right answer."""
    copy = tmp_path / "release"
    shutil.copytree(release, copy)
    found = _probe(copy)
    assert not found["import_errors"], found["import_errors"]
    assert {"utils", "public_tests", "course.mistakes", "course.measure"} <= set(found["modules"])
    assert found["called"] > 100  # the probe reached the release's functions
    assert found["solvers"] == {}, found["solvers"]


def test_the_probe_finds_a_solver_where_there_is_one(release, tmp_path):
    copy = tmp_path / "release"
    shutil.copytree(release, copy)
    (copy / "quantize" / "planted.py").write_text(
        "import numpy as np\n\n\n"
        "def nearest(points, centres):\n"
        "    return np.argmin(((points[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1), 'and more'\n\n\n"
        "class Means:\n"
        "    @staticmethod\n"
        "    def of(X, labels, K):\n"
        "        return np.array([X[labels == k].mean(axis=0) for k in range(K)])\n\n\n"
        "def spread_start(X, K, rng):\n"
        "    chosen = [X[rng.integers(len(X))]]\n"
        "    for _ in range(1, K):\n"
        "        d2 = np.min([((X - c) ** 2).sum(axis=1) for c in chosen], axis=0)\n"
        "        chosen.append(X[rng.choice(len(X), p=d2 / d2.sum())])\n"
        "    return np.array(chosen)\n\n\n"
        "def table(X, C):\n"  # the distances, one argmin from the answer
        "    return {'squared': ((X[:, None, :] - C[None]) ** 2).sum(axis=2)}\n\n\n"
        "def nested(X, idx, K):\n"
        "    return (1, {'means': [X[idx == k].mean(axis=0) for k in range(K)]})\n\n\n"
        "class Stepper:\n"
        "    def assign(self, X, C):\n"
        "        return nearest(X, C)[0]\n\n\n"
        "STEPPER = Stepper()\n"
        "STEPS = {'update': Means.of}\n")
    assert _probe(copy)["solvers"] == {"quantize.planted.nearest": ["find_closest_centroids"],
                                       "quantize.planted.Means.of": ["compute_centroids"],
                                       "quantize.planted.spread_start": ["kmeans_plus_plus_init"],
                                       "quantize.planted.table": ["find_closest_centroids"],
                                       "quantize.planted.nested": ["compute_centroids"],
                                       "quantize.planted.STEPPER.assign": ["find_closest_centroids"]}


def test_learner_files_are_copied_unchanged(release):
    for name, data in _files(release).items():
        if name not in ("README.md", SOURCE_NOTEBOOK.name):
            assert data == (ROOT / name).read_bytes(), name


def test_learner_readme_says_how_to_install_and_work(release):
    readme = (release / "README.md").read_text()
    assert ("python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && "
            ".venv/bin/jupyter lab image_compression.ipynb") in readme
    assert "# YOUR CODE HERE" in readme and "raise NotImplementedError(...)" in readme


def test_no_solution_line_and_nothing_of_the_hidden_tests_in_any_released_file(release, instructor):
    needles = _solution_lines(instructor)
    # Every solution line is scanned: the only lines skipped are those without a letter or digit,
    # and the solutions have none (so nothing is skipped today).
    assert len(needles) >= 10 and all(any(ch.isalnum() for ch in line) for line in needles)
    hidden_source = (ROOT / "grading" / "hidden_tests" / "cases.py").read_text()
    hidden = [test.title for test in HIDDEN_TESTS] + [
        line.strip() for line in hidden_source.splitlines()
        if len(line.strip()) >= 24 and not line.strip().startswith(("import ", "from "))
    ]
    assert len(hidden) > 100
    for path in sorted(release.rglob("*")):
        if not path.is_file():
            continue
        texts = [path.read_bytes()]
        if path.suffix == ".ipynb":  # JSON escapes quotes: search the cells' text as well
            notebook = nbformat.read(path, as_version=4)
            texts.append("\n".join(cell.source for cell in notebook.cells).encode())
        for needle in needles + hidden:
            assert not any(needle.encode() in text for text in texts), f"{path.name}: {needle!r}"


def _project_copy(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copyfile(SOURCE_NOTEBOOK, root / SOURCE_NOTEBOOK.name)
    for name in LEARNER_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, root / name)
    return root / SOURCE_NOTEBOOK.name


def test_a_solution_line_in_a_released_module_stops_the_release(tmp_path, instructor):
    source = _project_copy(tmp_path)
    with open(source.parent / "course" / "measure.py", "a") as module:
        module.write("\n\ndef update(X, idx, K, centroids, n):\n    counts = np.bincount(idx, minlength=K)\n")
    with pytest.raises(ReleaseError, match=r"course/measure\.py: solution line 'counts = np\.bincount"):
        write_release(tmp_path / "out", source)
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".out*"))  # nothing half-built left behind


def test_the_scan_reads_notebook_json_unescaped(tmp_path, instructor):
    source = _project_copy(tmp_path)
    notebook = nbformat.read(source, as_version=4)
    quoted = next(line for line in _solution_lines(instructor) if '"' in line)
    notebook.cells[0].source += f"\n\n    {quoted}"  # in JSON it is stored with \" escapes
    nbformat.write(notebook, source)
    with pytest.raises(ReleaseError, match="solution line"):
        write_release(tmp_path / "out", source)


def test_release_is_byte_identical_on_every_run(tmp_path, release):
    second = tmp_path / "second"
    write_release(second)
    assert _files(second) == _files(release)
    write_release(second, force=True)  # replacing a previous release gives the same bytes again
    assert _files(second) == _files(release)


def test_release_refuses_a_folder_it_did_not_write(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["release", "--out", str(tmp_path)]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert main(["release", "--out", str(tmp_path), "--force"]) == 2
    err = capsys.readouterr().err
    assert "does not look like a previous release" in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "notes.txt").read_text() == "mine"


# --- the learner's notebook runs --------------------------------------------------------------------


def _names(tree: ast.AST, ctx) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)} | (
        {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))} if ctx is ast.Store else set()
    )


class _ThisPython(KernelSpecManager):
    """The kernel of the Python running the tests, whatever python3 kernel is installed elsewhere
    (what nbval's --nbval-current-env does)."""

    def get_kernel_spec(self, kernel_name):
        return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES, **ipykernel.kernelspec.get_kernel_dict())


def test_released_notebook_runs_where_it_does_not_depend_on_the_exercises(release):
    notebook = nbformat.read(release / SOURCE_NOTEBOOK.name, as_version=4)
    kernel = KernelManager(kernel_name="python3", kernel_spec_manager=_ThisPython())
    NotebookClient(notebook, km=kernel, timeout=120, allow_errors=True, resources={"metadata": {"path": str(release)}}).execute()
    # A cell depends on the exercises if it uses a graded function, or a name that a cell
    # depending on them defined. Every other cell must run; every failure must be explained.
    exercises = (*GRADED_FUNCTIONS, "kmeans_plus_plus_init")  # the graded ones, and Going further's optional one
    tainted = set(exercises)
    ran = failed = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None  # executed: the notebook ran to the end
        tree = ast.parse("\n".join(line for line in cell.source.splitlines() if not line.startswith("%")))
        depends = bool(_names(tree, ast.Load) & tainted)
        errors = [out for out in cell.outputs if out.output_type == "error"]
        if depends:
            tainted |= _names(tree, ast.Store)
        if errors:
            failed += 1
            assert depends, f"fails without depending on the exercises:\n{cell.source}\n{errors[0].evalue}"
            tests = {"find_closest_centroids": "find_closest_centroids_test(", "compute_centroids": "compute_centroids_test(",
                     "kmeans_plus_plus_init": "kmeans_plus_plus_test("}
            if any(call in cell.source for call in tests.values()):
                name = next(name for name, call in tests.items() if call in cell.source)
                assert errors[0].ename == "CheckFailed"
                assert len(errors[0].traceback) == 1  # one short message, not two tracebacks
                assert f"{name} is not implemented yet" in errors[0].evalue
                assert "# YOUR CODE HERE" in errors[0].evalue
            else:
                assert errors[0].ename in ("NotImplementedError", "NameError"), errors[0].ename
                # One line that names the exercise to finish, or sends the learner to the cells above.
                assert len(errors[0].traceback) == 1
                assert "finish Exercise" in errors[0].traceback[0] or "If an earlier cell makes it, run the cells above" in errors[0].traceback[0]
            assert not any(out.output_type == "display_data" for out in cell.outputs)  # no empty axes
        else:
            ran += 1
    assert ran >= 10 and failed >= 5


def test_the_release_refuses_public_tests_that_refuse_other_imports_than_the_grader(tmp_path, monkeypatch):
    from grading import settings

    source = _project_copy(tmp_path)
    monkeypatch.setattr(settings, "ALLOWED_PACKAGES", None)  # an instructor who lets graded cells import anything
    with pytest.raises(ReleaseError, match=r"ALLOWED_MODULES is \('numpy',\) but the grader's ALLOWED_PACKAGES lets "
                                           r"graded cells import None: write ALLOWED_MODULES = None"):
        write_release(tmp_path / "out", source)
    public = source.parent / "public_tests.py"
    public.write_text(public.read_text().replace('ALLOWED_MODULES: tuple[str, ...] | None = ("numpy",)',
                                                 "ALLOWED_MODULES: tuple[str, ...] | None = None"))
    write_release(tmp_path / "out", source)  # the two agree again
    monkeypatch.setattr(settings, "ALLOWED_PACKAGES", ("scikit-learn",))
    with pytest.raises(ReleaseError, match=r"write ALLOWED_MODULES = \(.*'scipy', 'sklearn'"):
        write_release(tmp_path / "out2", source)
