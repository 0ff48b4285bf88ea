"""Many files in one call: each compressed by :func:`compress_cli.one_file.compress_file`, N at a time.

The outputs are planned before any work (so that two inputs never write one output), then each
file is compressed on its own, in this process (one at a time) or in a pool of N worker
processes: one process per file at a time, so the memory of N files at most. A file that fails
gets its outcome (its error), and the others are still written; a file that kills its worker
(the kernel's out-of-memory killer, say) fails alone: the files the broken pool left undone are
tried again, each in a worker of its own. The caller is told of each outcome as it arrives (to
print a line or move a progress bar) and gets a :class:`BatchSummary`.

Stopping: Ctrl-C, SIGTERM or SIGHUP reach the workers too (directly, from a terminal or a
scheduler that signals the whole process group, or from this process, which passes SIGTERM on);
each then abandons its file, its staged files removed (:mod:`quantize.atomic_files`), and exits.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compress_cli.options import CompressError, NotSmaller, TargetNotReached, default_output_path
from compress_cli.report import CompressedFile
from compress_cli.termination import Terminated, end_with_parent, raise_on_termination
from quantize.atomic_files import stale_temporaries
from quantize.threads import CPUS, one_blas_thread, use_threads

__all__ = ["FileJob", "FileOutcome", "BatchSummary", "plan_jobs", "compress_many"]


@dataclass(frozen=True)
class FileJob:
    """One input and the output planned for it; ``clash`` is set if another input already has that output."""

    input_path: Path
    output_path: Path
    clash: Path | None = None
    overwrites_input: bool = False  # the output is another input of the batch (photo.png and photo-k16.png)


@dataclass(frozen=True)
class FileOutcome:
    """What became of one input: its report, or the error that left it unwritten (never both)."""

    input_path: Path
    report: CompressedFile | None = None
    error: CompressError | None = None

    @property
    def message(self) -> str:
        """The error's message, starting with the input's name (an output's error names the output only)."""
        text = str(self.error)
        return text if text.startswith(f"{self.input_path}: ") else f"{self.input_path}: {text}"


def plan_jobs(inputs: Sequence[str | os.PathLike], K: int, out_dir: str | os.PathLike | None = None) -> list[FileJob]:
    """Every input with its output, ``<stem>-k<K>.png`` beside it or in ``out_dir``.

    Two inputs that would write one output (``a.jpg`` and ``a.png``, or one file given twice)
    are caught here, before any work: the later one gets ``clash``, the first input. So is an
    output that is another input (``photo-k16.png`` given beside ``photo.png``): it gets
    ``overwrites_input``, and that input is read, never replaced.
    """
    def key(path: Path) -> str:  # through symbolic links: in/a.png and link-to-in/a.png are one file
        return os.path.normcase(os.path.realpath(path))

    def inode(path: Path) -> tuple[int, int] | None:  # a hard link has a name of its own
        try:
            status = os.stat(path)
        except (OSError, ValueError):
            return None
        return status.st_dev, status.st_ino

    given_inputs = {key(Path(given)) for given in inputs}
    input_inodes = {inode(Path(given)) for given in inputs} - {None}
    jobs, first_input = [], {}
    for given in inputs:
        input_path = Path(given)
        output_path = default_output_path(input_path, K, out_dir)
        output_key = key(output_path)
        overwrites = output_key in given_inputs or inode(output_path) in input_inodes
        jobs.append(FileJob(input_path, output_path, first_input.get(output_key), overwrites))
        first_input.setdefault(output_key, input_path)
    return jobs


def _compress_job(job: FileJob, options: dict[str, Any]) -> FileOutcome:
    """Compress one planned file; a user's mistake, or lack of memory, becomes its outcome."""
    if job.clash is not None:
        return FileOutcome(job.input_path, error=CompressError(
            f"{job.input_path}: its output {job.output_path} is also that of {job.clash}; not compressed"))
    if job.overwrites_input:
        return FileOutcome(job.input_path, error=CompressError(
            f"{job.input_path}: its output {job.output_path} is another input of this call; not compressed"))
    # Imported here, where the work is: with worker processes, this one (which only hands out
    # files and prints) never loads numpy, and leaves the cores to the workers.
    from compress_cli.one_file import compress_file

    try:
        return FileOutcome(job.input_path, report=compress_file(job.input_path, job.output_path, **options))
    except CompressError as exc:
        return FileOutcome(job.input_path, error=exc)
    except MemoryError:
        return FileOutcome(job.input_path, error=CompressError(f"{job.input_path}: not enough memory; not compressed"))
    except Exception as exc:  # noqa: BLE001 (a defect met on one file must not cost the others theirs)
        return FileOutcome(job.input_path, error=CompressError(
            f"{job.input_path}: not compressed: unexpected {type(exc).__name__} ({exc}); please report it"))


def _compress_job_in_worker(job: FileJob, options: dict[str, Any]) -> FileOutcome:
    """:func:`_compress_job` in a worker process, which ends when it is told to stop, its file's
    staged files already removed: the pool's loop would catch the stop (it catches everything a
    call raises) and go on to the next file it holds."""
    try:
        return _compress_job(job, options)
    except Terminated as exc:
        os._exit(exc.code)


def _load_the_engine() -> None:
    """Import the engine (numpy with it), then hold numpy's BLAS to one thread.

    In that order: threadpoolctl limits the BLAS libraries already loaded, and an unlimited
    OpenBLAS spins a thread a core beside the work (with two workers on two cores, 2.5 times the
    wall time of the batch, 2026-12-02).
    """
    import compress_cli.one_file  # noqa: F401

    one_blas_thread()


def _start_worker(workers: int, parent: int) -> None:
    """In each of ``workers`` processes: its share of the cores; stop signals (Ctrl-C included)
    end it quietly, its staged files removed, and so does the end of the command, ``parent``."""
    use_threads(CPUS // workers)
    _load_the_engine()
    raise_on_termination(interrupt=True)
    end_with_parent(parent)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and stop the workers, which remove their staged files."""
    # ProcessPoolExecutor has no public way to stop running work (Python 3.14 adds
    # terminate_workers); its processes are in ``_processes``, which shutdown empties.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()  # SIGTERM: each raises Terminated and cleans up
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()


def _outcome(future: Future, job: FileJob) -> FileOutcome:
    """A finished future's outcome; a worker that died (killed, out of memory, stopped by a
    signal) fails its file, and the pool with it every file not yet done."""
    try:
        return future.result()
    except BrokenProcessPool:
        return FileOutcome(job.input_path, error=CompressError(
            f"{job.input_path}: not compressed: a worker process died (killed, perhaps for lack of memory, "
            "or stopped)"))


def compress_many(jobs: Sequence[FileJob], options: dict[str, Any], workers: int = 1,
                  on_outcome: Callable[[FileOutcome], None] | None = None) -> BatchSummary:
    """Compress every planned file, ``workers`` at a time; the others are written if one fails.

    Parameters
    ----------
    jobs : sequence of FileJob
        From :func:`plan_jobs`.
    options : dict
        Keyword arguments of :func:`compress_cli.one_file.compress_file` for every file (``K``,
        ``seed``, ``force``, ``dithered``, ``min_psnr``, ``skip_if_larger``).
    workers : int, optional
        Files compressed at a time, each in a process of its own; 1 (the default) compresses them
        one after the other in this process.
    on_outcome : callable, optional
        Called with each :class:`FileOutcome` as it arrives (in the order files finish).

    Returns
    -------
    BatchSummary
    """
    started = time.perf_counter()
    outcomes = []

    def done(outcome: FileOutcome) -> None:
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    if workers <= 1 or len(jobs) <= 1:
        _load_the_engine()
        for job in jobs:
            done(_compress_job(job, options))
    else:
        # spawn: a fresh interpreter per worker (imports paid once each), the same on every
        # platform, and no fork of a process that may already run threads.
        context = multiprocessing.get_context("spawn")
        workers = min(workers, len(jobs))
        unfinished = []  # files whose worker, or another, died: the pool then fails them all
        since = time.time()
        there_before = {job.output_path for job in jobs if os.path.lexists(job.output_path)}
        _start_the_resource_tracker()
        with _worker_pool(workers, context) as pool:
            pending = {pool.submit(_compress_job_in_worker, job, options): job for job in jobs}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    job = pending.pop(future)
                    if isinstance(future.exception(), BrokenProcessPool):
                        unfinished.append(job)
                    else:
                        done(_outcome(future, job))
        # One file killed its worker (out of memory, say) and the pool failed every file not yet
        # done: each is tried again alone, in a worker of its own, so that only that one fails.
        for job in unfinished:
            done(_alone(job, _retry_options(job, options, since, there_before), context))
    return BatchSummary.of(outcomes, time.perf_counter() - started)


def _start_the_resource_tracker() -> None:
    """multiprocessing's resource tracker, started now, deaf to SIGHUP (closing the terminal).

    The pool's first use starts it; it ignores SIGINT and SIGTERM but not SIGHUP, which killed it
    while the workers and this process went on using it: a warning and a traceback a semaphore on
    stderr. A signal ignored when a process starts stays ignored in it; the tracker ends once
    this process and the workers have.
    """
    if os.name != "posix":  # no tracker process, and no SIGHUP
        return
    from multiprocessing import resource_tracker

    try:
        kept = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    except ValueError:  # not the main thread: the pool will start it
        return
    try:
        resource_tracker.ensure_running()
    finally:
        signal.signal(signal.SIGHUP, kept)


def _retry_options(job: FileJob, options: dict[str, Any], since: float, there_before: set[Path]) -> dict[str, Any]:
    """The options to try a file again with, once its worker died; its dead worker's temporary files removed.

    A worker can die after its output took its name and before it said so (the pool stops the
    other workers when one dies, and one may be committing): an output this call found missing
    and finds there now is its own, and the retry writes it again, the same bytes, instead of
    failing on it.
    """
    for temporary in stale_temporaries(job.output_path, since):
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    if job.output_path not in there_before and os.path.lexists(job.output_path):
        return {**options, "force": True}
    return options


def _alone(job: FileJob, options: dict[str, Any], context) -> FileOutcome:
    """One file in a new worker process of its own (all the cores); its outcome, or that the worker died."""
    with _worker_pool(1, context) as pool:
        return _outcome(pool.submit(_compress_job_in_worker, job, options), job)


@contextlib.contextmanager
def _worker_pool(workers: int, context) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` processes, each with its share of the cores; whatever leaves the block
    (a stop signal included) stops them first, their staged files removed."""
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(workers, os.getpid()))
    try:
        yield pool
    except BaseException:
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True)


@dataclass(frozen=True)
class BatchSummary:
    """Totals of a batch; ``str()`` is the command's closing line.

    Bytes count the files written (in and out); the mean PSNR is over the written files that
    are not lossless.
    """

    files: int
    written: int
    failed: int  # a mistake, a worker that died
    not_smaller: int  # skipped by skip_if_larger
    target_missed: int  # min_psnr out of reach
    bytes_in: int
    bytes_out: int
    mean_psnr_db: float  # nan if no written file has a finite PSNR
    lossless: int
    seconds: float

    @classmethod
    def of(cls, outcomes: Sequence[FileOutcome], seconds: float) -> BatchSummary:
        """Totals of the outcomes, and the wall time of the whole batch."""
        reports = [o.report for o in outcomes if o.report is not None]
        errors = [o.error for o in outcomes if o.error is not None]
        finite = [r.psnr_db for r in reports if math.isfinite(r.psnr_db)]
        not_smaller = sum(isinstance(e, NotSmaller) for e in errors)
        target_missed = sum(isinstance(e, TargetNotReached) for e in errors)
        return cls(
            files=len(outcomes), written=len(reports), failed=len(errors) - not_smaller - target_missed,
            not_smaller=not_smaller, target_missed=target_missed,
            bytes_in=sum(r.input_bytes for r in reports), bytes_out=sum(r.output_bytes for r in reports),
            mean_psnr_db=sum(finite) / len(finite) if finite else math.nan,
            lossless=sum(r.lossless for r in reports), seconds=seconds,
        )

    def __str__(self) -> str:
        counts = [f"{self.written} written"]
        for number, what in ((self.not_smaller, "skipped (not smaller)"), (self.target_missed, "below the PSNR target"),
                             (self.failed, "failed")):
            if number:
                counts.append(f"{number} {what}")
        parts = [f"{self.files} file{'s' if self.files != 1 else ''}: {', '.join(counts)}"]
        if self.written:
            ratio = f", ratio {self.bytes_in / self.bytes_out:.2f}" if self.bytes_out else ""
            parts.append(f"{self.bytes_in:,} -> {self.bytes_out:,} bytes{ratio}")
            quality = [] if math.isnan(self.mean_psnr_db) else [f"mean PSNR {self.mean_psnr_db:.2f} dB"]
            if self.lossless:
                quality.append(f"{self.lossless} lossless")
            parts.append(", ".join(quality))
        parts.append(f"{self.seconds:.2f} s")
        return "; ".join(part for part in parts if part)
