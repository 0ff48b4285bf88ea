"""The engine's threads: numpy's BLAS held to one, and the engine's own, one a core.

The clustering makes thousands of small matrix products, which a second BLAS thread does not
speed up; on a busy machine OpenBLAS's idle threads, spinning, made them many times slower
(docs/compress.md, "Why it is built this way"). So the command and each of its workers hold the
BLAS to one thread (:func:`one_blas_thread`), and the engine shares large assignments between
threads of its own instead, at most :func:`engine_threads` of them (:func:`use_threads` sets it).

threadpoolctl (installed with scikit-learn) sets the BLAS limit in the running process, whichever
BLAS numpy loaded (OpenBLAS, MKL, BLIS...), so it needs no environment variable set before numpy
is imported. The command also sets ``OPENBLAS_NUM_THREADS=1`` before it imports numpy
(:func:`one_blas_thread_from_the_start`): OpenBLAS then never starts the threads that the limit
would idle, which cost a one-icon call 0.15 s of processor time (docs/compress.md, "Start-up"). A
thread count other than 1 that the user exported for the BLAS wins.
"""

from __future__ import annotations

import os

__all__ = ["CPUS", "engine_threads", "one_blas_thread", "one_blas_thread_from_the_start", "use_threads"]

# Environment variables by which a user chooses the BLAS's threads; if any is set, it is obeyed.
USER_SETTINGS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
# Cores this process may use (a container or taskset may allow fewer than the machine has).
CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
_engine_threads = CPUS


def _user_chose_threads() -> bool:
    """Whether the environment asks some BLAS for a thread count other than 1 (1 is this module's choice too)."""
    return any(os.environ.get(name, "1").strip() != "1" for name in USER_SETTINGS)


def one_blas_thread_from_the_start() -> None:
    """Before numpy is first imported: OpenBLAS starts with one thread, unless the user chose a number.

    OpenBLAS reads ``OPENBLAS_NUM_THREADS`` once, when numpy loads it; unset, it starts a thread
    a core, which :func:`one_blas_thread` can only idle afterwards. Processes this one starts
    (``-j`` workers) inherit the setting. Other BLAS libraries are still held by
    :func:`one_blas_thread`, which the caller calls once numpy is loaded.
    """
    if not any(name in os.environ for name in USER_SETTINGS):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"


def one_blas_thread() -> None:
    """Limit numpy's BLAS, and any other this process loaded, to one thread, unless the user chose a number."""
    if _user_chose_threads():
        return
    # threadpoolctl limits only the BLAS libraries already loaded: load numpy's first, or a
    # caller that has not imported numpy yet would limit nothing (its BLAS threads then spin).
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")  # stays in force: not used as a context manager


def use_threads(count: int) -> None:
    """Share large assignments between at most ``count`` threads (default: one a core).

    A process that is one of N working side by side (``compress.py -j N``) takes its share of
    the cores, so that N processes do not run N times as many threads as there are cores.
    """
    global _engine_threads
    _engine_threads = max(1, int(count))


def engine_threads() -> int:
    """How many threads the engine may share a large assignment between (:func:`use_threads`)."""
    return _engine_threads
