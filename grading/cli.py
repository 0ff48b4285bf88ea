"""``python -m grading``: release the assignment, grade submissions, and hand both to other tools.

::

    python -m grading release --out DIR [--source NOTEBOOK] [--force]
    python -m grading grade SUBMISSION... --out DIR [--timeout SECONDS] [--jobs N] [--memory MIB]
                            [--sandbox auto|require|off] [--source NOTEBOOK] [--shard I/N]
    python -m grading merge SHARD_DIR... --out DIR [--source NOTEBOOK]
    python -m grading gradescope --out autograder.zip [--source NOTEBOOK]
    python -m grading otter --out DIR [--source NOTEBOOK]

A usage error (a missing file, a bad option, a folder that cannot be written) exits with status 2
and one line on stderr. Grading exits 0 however the submissions fare (their rows say it), and 1
only when the grader itself failed on one of them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from grading import settings
from grading.grade.text import file_name
from grading.instructor_notebook import SOURCE_NOTEBOOK

__all__ = ["main"]

PROG = "python -m grading"
SANDBOX_MODES = ("auto", "require", "off")


class UsageError(Exception):
    """A mistake in the command line or its paths: one line for stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own: usage lines plus message; we promise one line
        raise UsageError(f"{message} (see {PROG} --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Release the assignment to learners, and grade their notebooks.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    release = commands.add_parser("release", help="write the learner's copy of the assignment",
                                  description="Write the learner's notebook (solutions replaced by placeholders, "
                                              "outputs cleared) and the files it needs into DIR.")
    release.add_argument("--out", required=True, type=Path, metavar="DIR", help="the folder to write (empty or new)")
    release.add_argument("--force", action="store_true", help="replace DIR if it holds a previous release")
    _source_option(release, "the instructor's notebook (default: image_compression.ipynb next to grading/)")

    grade = commands.add_parser("grade", help="grade submitted notebooks",
                                description="Grade each notebook's graded functions against the hidden tests; "
                                            "write DIR/gradebook.csv and DIR/feedback/<submission>.md.")
    grade.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION",
                       help="a notebook, or a folder searched for notebooks (*.ipynb, in subfolders too)")
    grade.add_argument("--out", required=True, type=Path, metavar="DIR", help="where the gradebook and feedback go")
    grade.add_argument("--timeout", type=_positive(float), default=settings.TIME_LIMIT, metavar="SECONDS",
                       help=f"wall-clock limit per submission (default {settings.TIME_LIMIT:g})")
    grade.add_argument("--jobs", type=_positive(int), default=1, metavar="N",
                       help="submissions graded at the same time (default 1; at most the number of cores, "
                            "or the speed tests measure the crowd)")
    grade.add_argument("--memory", type=_positive(int), default=settings.MEMORY_LIMIT // 1024**2, metavar="MIB",
                       help=f"memory limit of the learner's process, MiB (default {settings.MEMORY_LIMIT // 1024**2})")
    grade.add_argument("--sandbox", choices=SANDBOX_MODES, default="auto",
                       help="auto (default): run learners' code in the bubblewrap sandbox where this machine can make "
                            "it, else say so and use process isolation; require: refuse to grade without the sandbox; "
                            "off: process isolation only, for debugging")
    _source_option(grade, "the instructor's notebook, whose solutions are the reference")
    grade.add_argument("--shard", type=_shard, default=(1, 1), metavar="I/N",
                       help="grade only the I-th of N fixed slices of the submissions (1 <= I <= N), for an array job "
                            "on several machines; join the slices' --out folders with the merge command")

    merge = commands.add_parser("merge", help="join the outputs of sharded grading runs",
                                description="Join the --out folders of 'grade --shard I/N' runs, every shard once, "
                                            "into DIR: the gradebook, feedback and summary one run would write.")
    merge.add_argument("folders", nargs="+", type=Path, metavar="SHARD_DIR", help="a shard's --out folder")
    merge.add_argument("--out", required=True, type=Path, metavar="DIR", help="where the joined outputs go")
    _source_option(merge, "the instructor's notebook the shards were graded with, for the report's reference code")

    gradescope = commands.add_parser("gradescope", help="write the autograder bundle for Gradescope",
                                     description="Write the zip to upload as a Gradescope programming assignment's "
                                                 "autograder: setup.sh, run_autograder, this grader and the notebook.")
    gradescope.add_argument("--out", required=True, type=Path, metavar="ZIP", help="the bundle to write (autograder.zip)")
    _source_option(gradescope, "the instructor's notebook, whose solutions are the reference")
    gradescope.add_argument("--allow-unsandboxed", action="store_true",
                            help="grade even where Gradescope's container cannot make the sandbox; there the "
                                 "submission's code runs as root beside the grader and could forge its score "
                                 "(each result says so)")

    otter = commands.add_parser("otter", help="write the assignment as an Otter-Grader master notebook",
                                description="Write DIR/image_compression.ipynb in Otter's format (its questions, "
                                            "solution markers and test cells) with the learner's files, for otter assign.")
    otter.add_argument("--out", required=True, type=Path, metavar="DIR", help="the folder to write (replaced whole)")
    _source_option(otter, "the instructor's notebook")
    return parser


def _source_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--source", type=Path, default=SOURCE_NOTEBOOK, metavar="NOTEBOOK", help=help_text)


def _shard(text: str) -> tuple[int, int]:
    from grading.grade.shards import parse_shard

    try:
        return parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {'whole ' if kind is int else ''}number") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
        return value

    return parse


def _release(args) -> int:
    from grading.release.learner_copy import ReleaseError, write_release

    if not args.source.is_file():
        raise UsageError(f"no source notebook at {args.source}")
    try:
        files = write_release(args.out, args.source, force=args.force)
    except ReleaseError as exc:
        raise UsageError(str(exc)) from None
    print(f"released {len(files)} files to {args.out}")
    return 0


def _find_submissions(paths: list[Path]) -> list[tuple[str, Path]]:
    """(name, path) for every submission: a file as given, or every notebook below a folder.

    Below a folder, the walk never follows a symbolic link: a link (to a notebook, to a folder, to
    /dev/zero) is a submission of its own, which reading refuses (:func:`grading.grade.submission.read_submission`),
    so that it gets its row and no grade; so is a folder that cannot be listed (its path longer than
    the system allows, say), whose contents nobody can read. Names are the paths inside the folder
    (inside its parent where several folders are given, so that ``subs/*`` names each row by its
    learner's folder; a file's name, with its folder's where several files given share it), shown printable (a byte that is not UTF-8 as ``\xe9``, an escape sequence as
    ``\x1b``), and made unique.
    """
    found = []
    for path in paths:
        if path.is_dir():
            notebooks = []

            def unlisted(error: OSError) -> None:  # a folder that cannot be listed (too deep a path, say) gets a row
                if error.filename and Path(error.filename) != path:
                    notebooks.append(Path(error.filename))

            for folder, folders, names in os.walk(path, onerror=unlisted):  # a linked folder is listed, not entered
                if any(part.startswith(".") for part in Path(folder).relative_to(path).parts):
                    continue
                notebooks += [Path(folder, name) for name in names if name.endswith(".ipynb")]
                notebooks += [Path(folder, name) for name in folders if os.path.islink(os.path.join(folder, name))]
            if not notebooks:
                raise UsageError(f"no notebooks (*.ipynb) in {file_name(path)}")
            # Given several folders (a shell's subs/*, a folder a learner), each name starts with its folder's.
            base = path if len(paths) == 1 else path.parent
            found += [(file_name(notebook.relative_to(base).as_posix().removesuffix(".ipynb")), notebook)
                      for notebook in sorted(notebooks)]
        elif path.exists() or path.is_symlink():
            # Files that share a name (subs/*/hw.ipynb) are named with their folder's, each its learner's.
            name = path.name.removesuffix(".ipynb")
            if sum(other.name == path.name for other in paths) > 1:
                name = f"{path.parent.name}/{name}"
            found.append((file_name(name), path))
        else:
            raise UsageError(f"no such file or folder: {file_name(path)}")
    unique, seen = [], set()
    for name, path in found:
        number, candidate = 1, name
        while candidate in seen:  # two submissions that would share a name each keep a row of their own
            number += 1
            candidate = f"{name} ({number})"
        seen.add(candidate)
        unique.append((candidate, path))
    return unique


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    feedback = out / "feedback"
    if feedback.exists():
        strays = [p for p in feedback.rglob("*") if p.is_file() and p.suffix != ".md"]
        if strays or not feedback.is_dir():
            raise UsageError(f"{feedback} holds files the grader did not write ({strays[0] if strays else feedback}): "
                             "choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {out}: {exc.strerror}") from None
    if not os.access(out, os.W_OK):
        raise UsageError(f"cannot write to {out}")


def _progress(done: int, total: int, result) -> None:
    print(f"[{done}/{total}] {result.name}: {result.status}, {result.total:g} / {result.max_total:g} "
          f"({result.seconds:.1f} s)", file=sys.stderr, flush=True)


def _isolation(mode: str, public_dir: Path, secrets: list[Path]):
    """The isolation for this run, as ``--sandbox`` asks and this machine allows."""
    from grading import packages, settings
    from grading.sandbox import bubblewrap, task_limit
    from grading.sandbox.learner_process import Isolation

    unbounded = task_limit.why_unbounded()
    threads = f"; threads are not bounded: {unbounded}" if unbounded else ""

    try:
        entries = packages.visible_entries(settings.ALLOWED_PACKAGES)
        hidden = tuple(packages.hidden_modules(settings.ALLOWED_PACKAGES))
    except packages.PackageError as exc:
        raise UsageError(str(exc)) from None
    if mode == "off":
        return Isolation(False, "isolation: process isolation only (--sandbox off): learners' code can read, write and "
                                f"connect wherever the grader's user can{threads}", hidden_modules=hidden)
    why_not = bubblewrap.probe(public_dir, secrets, settings.DISK_LIMIT, entries)
    if why_not and mode == "require":
        raise UsageError(f"no sandbox (--sandbox require): {why_not}")
    if why_not:
        return Isolation(False, f"isolation: process isolation only, no sandbox: {why_not}{threads}", hidden_modules=hidden)
    return Isolation(True, f"isolation: sandbox ({bubblewrap.version()}): no network, no new processes, only the "
                           f"learner's public files visible, read-only{threads}", tuple(entries) if entries is not None else None,
                     hidden)


def _grade(args) -> int:
    from grading.grade.results import Run, class_digest, source_digest
    from grading.grade.scores import Limits, grade_all
    from grading.grade.shards import slice_of
    from grading.hidden_tests.suite import prepare_suite
    from grading.instructor_notebook import load_reference
    from grading.release.learner_files import MissingLearnerFile, copy_public_files

    submissions = _find_submissions(args.submissions)
    class_size, whole_class = len(submissions), class_digest(submissions)
    submissions = slice_of(submissions, args.shard)  # named as the whole class, then sliced: names are the same
    if not args.source.is_file():
        raise UsageError(f"no source notebook at {args.source}")
    _check_out(args.out)
    try:
        reference = load_reference(args.source)
    except Exception as exc:  # a broken source notebook is the instructor's to fix, before any grading
        raise UsageError(f"cannot take the reference solution from {args.source}: {type(exc).__name__}: {exc}") from None

    started = time.monotonic()
    try:
        suite = prepare_suite(reference)
    except Exception as exc:
        raise UsageError(f"the reference solution fails on the hidden tests' inputs: {type(exc).__name__}: {exc}") from None
    limits = Limits(timeout=args.timeout, memory=args.memory * 1024**2)
    with tempfile.TemporaryDirectory(prefix="grading-public-") as public_dir:
        public_dir = Path(public_dir)
        try:
            copy_public_files(args.source.resolve().parent, public_dir)  # for the notebooks' imports
        except MissingLearnerFile as exc:
            raise UsageError(str(exc)) from None
        secrets = [args.source.resolve().parent, args.out, *args.submissions]
        isolation = _isolation(args.sandbox, public_dir, secrets)
        print(isolation.description, file=sys.stderr, flush=True)
        of_class = f" (shard {args.shard[0]} of {args.shard[1]}, of a class of {class_size})" if args.shard != (1, 1) else ""
        print(f"grading {len(submissions)} submission{'s' * (len(submissions) != 1)}{of_class}, {args.jobs} at a time",
              file=sys.stderr, flush=True)
        results = grade_all(submissions, suite, public_dir, isolation, limits, args.jobs, _progress, (args.source,))
    # Every learner process is gone by now: only the grader writes the output folder.
    run = Run(source_digest(args.source), settings.HIDDEN_TEST_SEED, args.shard, class_size, whole_class,
              isolation.description, time.monotonic() - started)
    return _write_outputs(results, [run], args.out, args.source)


def _known_code(source: Path, digest: str):
    """The fingerprints of the reference solution and of the released placeholders, from ``source``
    if it is the notebook the runs were graded with (its SHA-256 is ``digest``); else none."""
    import nbformat

    from grading.grade.report import KnownCode
    from grading.grade.results import source_digest
    from grading.grade.similarity import fingerprint
    from grading.instructor_notebook import GRADED_FUNCTIONS, graded_cells
    from grading.release.learner_copy import learner_notebook

    if not source.is_file() or source_digest(source) != digest:
        return KnownCode()
    instructor = nbformat.read(source, as_version=4)
    return KnownCode(*(fingerprint([cell.source for cell in graded_cells(notebook)], GRADED_FUNCTIONS)
                       for notebook in (instructor, learner_notebook(instructor))))


def _write_outputs(results, runs, out: Path, source: Path) -> int:
    """Write feedback, the gradebook, results.json, the class report and summary.txt; print the summary."""
    from grading.grade.gradebook import summary, write_feedback, write_gradebook
    from grading.grade.report import write_report
    from grading.grade.results import Run, write_results
    from grading.outputs import replace_file

    seconds = sum(run.seconds for run in runs)  # shards merge only with the same isolation
    whole = Run(runs[0].source, runs[0].seed, runs[0].shard if len(runs) == 1 else (1, 1), runs[0].class_size,
                runs[0].class_digest, runs[0].isolation, seconds)
    write_feedback(results, out / "feedback")
    write_gradebook(results, out / "gradebook.csv")
    write_results(results, whole, out / "results.json")
    write_report(results, out, _known_code(source, whole.source))
    lines = f"{summary(results, seconds)}\n{whole.isolation}"
    replace_file(out / "summary.txt", lines + "\n")
    print(lines)
    return 1 if any(r.internal_error for r in results) else 0


def _merge(args) -> int:
    from grading.grade.results import ResultsError
    from grading.grade.shards import merge_runs

    for folder in args.folders:
        if not folder.is_dir():
            raise UsageError(f"no such folder: {file_name(folder)}")
    try:
        results, runs = merge_runs(args.folders)
    except ResultsError as exc:
        raise UsageError(str(exc)) from None
    _check_out(args.out)  # once the shards are known to merge: a refused merge writes nothing, not even DIR
    print(f"merged {len(runs)} shard{'s' * (len(runs) != 1)}", file=sys.stderr)
    return _write_outputs(results, runs, args.out, args.source)


def _gradescope(args) -> int:
    from grading.grade.gradescope import write_bundle
    from grading.release.learner_files import MissingLearnerFile

    if not args.source.is_file():
        raise UsageError(f"no source notebook at {args.source}")
    if args.out.suffix != ".zip" or args.out.is_dir():
        raise UsageError(f"--out {args.out}: the bundle is a zip file; give a name ending in .zip")
    try:
        count = write_bundle(args.out, args.source, args.allow_unsandboxed)
    except MissingLearnerFile as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"wrote {args.out} ({count} files): upload it as the autograder of a Gradescope programming assignment")
    return 0


def _otter(args) -> int:
    from grading.release.learner_files import MissingLearnerFile
    from grading.release.otter_master import write_otter_master

    if not args.source.is_file():
        raise UsageError(f"no source notebook at {args.source}")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out} is a file, not a folder")
    try:
        files = write_otter_master(args.out, args.source)
    except MissingLearnerFile as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {args.out / 'image_compression.ipynb'}, Otter's master notebook, and {len(files) - 1} files beside it: "
          f"otter assign {args.out / 'image_compression.ipynb'} DIST")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
        commands = {"release": _release, "grade": _grade, "merge": _merge, "gradescope": _gradescope, "otter": _otter}
        return commands[args.command](args)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
