"""The grader against random and mutated submissions (Hypothesis): it never fails the class.

Two levels:

- reading: random bytes, random JSON and mutated notebooks through ``read_submission`` and
  ``extract``, in-process: nothing but ``InvalidSubmission`` is raised, and every one is read
  quickly;
- grading: a class folder of a correct notebook beside random hostile ones (random names, bytes that
  are not UTF-8 among them; mutated notebooks; graded cells that return or raise random things,
  print, exit, recurse, allocate), graded by ``python -m grading grade`` as an instructor runs it:
  the grader exits 0, writes the gradebook, the feedback and the summary, gives every submission
  exactly one row, keeps the correct one at 20 / 20, ends within (submissions / jobs) x
  (--timeout + a few seconds), and holds less than 1 GiB itself.

Every example is derived from a fixed seed (``derandomize``): the same examples on every run.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from grading.grade.gradebook import spreadsheet_text
from grading.grade.results import read_results
from grading.grade.submission import InvalidSubmission, extract, read_submission
from grading.instructor_notebook import SOURCE_NOTEBOOK
from submissions import CENTROIDS_RIGHT, CLOSEST_RIGHT, RELEASED, answered, grader_peak_bytes, measured_grader

NOTEBOOK = json.loads(json.dumps(RELEASED))  # plain JSON: lists and dicts to mutate

# --- random notebooks ---------------------------------------------------------------------------------

_JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                         st.text(max_size=20))
_JSON = st.recursive(_JSON_LEAVES, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                           st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                     max_leaves=20)
_PATHS = [("nbformat",), ("nbformat_minor",), ("metadata",), ("cells",), ("cells", 0), ("cells", 0, "cell_type"),
          ("cells", 0, "source"), ("cells", 0, "metadata"), ("cells", 0, "metadata", "tags"), ("cells", 1, "outputs")]


@st.composite
def mutated_notebooks(draw) -> bytes:
    """The released notebook with a few of its fields replaced by random JSON, deleted, or cells shuffled."""
    notebook = copy.deepcopy(NOTEBOOK)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(_PATHS))
        target = notebook
        try:
            for key in path[:-1]:
                target = target[key]
            if draw(st.booleans()):
                target[path[-1]] = draw(_JSON)
            else:
                del target[path[-1]]
        except (KeyError, IndexError, TypeError):
            pass
    if draw(st.booleans()) and isinstance(notebook.get("cells"), list):
        notebook["cells"] = draw(st.permutations(notebook["cells"]))
    return json.dumps(notebook).encode()


_ANY_FILE = st.one_of(
    st.binary(max_size=2000),
    _JSON.map(lambda value: json.dumps(value).encode()),
    mutated_notebooks(),
    st.integers(1, 200_000).map(lambda depth: b"[" * depth + b"]" * depth),  # nesting that breaks a recursive parser
)


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_ANY_FILE)
def test_reading_raises_nothing_but_invalid_submission_and_is_quick(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "submission.ipynb"
    path.write_bytes(data)
    started = time.process_time()
    try:
        extract(read_submission(path))
    except InvalidSubmission as exc:
        assert str(exc) and "\n" not in str(exc)
    assert time.process_time() - started < 2


@settings(max_examples=300, derandomize=True, deadline=None)
@given(value=_JSON, indent=st.sampled_from([None, 1]))
def test_the_count_of_values_before_parsing_is_never_below_the_true_count(value, indent):
    from grading.grade import submission as reader

    text = json.dumps(value, indent=indent)
    true = reader._count_values(json.loads(text), 10**9)
    assert reader._structural_values(text) >= true
    assert reader._structural_values(reader._STRING.sub('""', text)) >= true


# --- random learners ------------------------------------------------------------------------------------

_TEXT = st.text(alphabet=st.characters(codec=None, blacklist_categories=()), max_size=40)
_BODIES = st.one_of(
    st.sampled_from([
        "return None", "return 'labels'", "return [[1, 2], [3]]", "return np.array([object()] * len(X))",
        "return np.full(len(X), np.nan)", "return X", "return np.zeros((len(X), 10**5))",
        "return float('inf')", "import os\nos._exit(3)", "import sys\nsys.exit('bye')",
        "def f():\n    return f()\nreturn f()", "print('x' * 10**6)\nreturn None",
        "import time\ntime.sleep(60)",  # stopped at its test's time cap
    ]),
    _TEXT.map(lambda text: f"raise ValueError({text!r})"),
    _TEXT.map(lambda text: f"return {text!r}"),
)
_JUNK = st.one_of(st.just(""), _TEXT, st.sampled_from(["%%time", "!pip install x", "def broken(:", "import no_such_module"]))


@st.composite
def hostile_learners(draw) -> tuple[str, bytes]:
    """A file name (any bytes a name may hold) and a notebook: a mutated one, or random code in the exercise cells."""
    name = draw(st.one_of(
        st.text(alphabet=st.characters(blacklist_characters="/\0", codec="utf-8"), min_size=1, max_size=20),
        st.binary(min_size=1, max_size=20).filter(lambda b: b"/" not in b and b"\0" not in b).map(os.fsdecode),
    ))
    if name in (".", "..") or name.startswith("."):
        name = "_" + name
    if draw(st.integers(0, 3)) == 0:
        return name, draw(mutated_notebooks())
    notebook = answered(draw(_BODIES), draw(_BODIES), before=draw(_JUNK))
    return name, json.dumps(notebook).encode()


TIMEOUT = 10.0  # per submission: 2.5 s a test


@settings(max_examples=8, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(learners=st.lists(hostile_learners(), min_size=2, max_size=4))
def test_a_class_with_hostile_learners_always_gets_its_gradebook(tmp_path_factory, learners):
    root = tmp_path_factory.mktemp("class")
    inbox = root / "submissions"
    inbox.mkdir()
    (inbox / "correct.ipynb").write_text(json.dumps(answered(CLOSEST_RIGHT, CENTROIDS_RIGHT)))
    written = {"correct"}
    for name, data in learners:
        path = Path(os.fsdecode(os.fsencode(inbox) + b"/" + os.fsencode(name) + b".ipynb"))
        if path.exists() or os.fsencode(name).lower() == b"correct":
            continue
        path.write_bytes(data)
        written.add(name)
    out = root / "grades"
    started = time.monotonic()
    run = subprocess.run(measured_grader("grade", str(inbox), "--out", str(out), "--jobs", "2", "--timeout", str(TIMEOUT)),
                         capture_output=True, cwd=SOURCE_NOTEBOOK.parent, timeout=600)
    seconds = time.monotonic() - started
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
    for produced in ("gradebook.csv", "summary.txt", "results.json", "feedback"):
        assert (out / produced).exists(), produced
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(written) == len(list((out / "feedback").iterdir()))
    named = sorted(spreadsheet_text(r.name) for r in read_results(out / "results.json")[1])
    assert named == sorted(row["submission"] for row in rows)
    assert next(row for row in rows if row["submission"] == "correct")["total"] == "20"
    jobs_worth = -(-len(written) // 2)
    assert seconds < jobs_worth * (TIMEOUT + 5) + 15, seconds  # + start-up: the reference's answers, the sandbox probe
    assert grader_peak_bytes(run.stderr) < 1024**3, grader_peak_bytes(run.stderr)  # the grader's own process
