"""numpy's BLAS held to one thread: set here, once, for the command and each of its workers.

The clustering makes thousands of small matrix products, which a second BLAS thread does not
speed up; on a busy machine OpenBLAS's idle threads, spinning, made them many times slower
(docs/compress.md, "Why it is built this way"). The library shares large assignments between
threads of its own instead (:func:`quantize.weighted_kmeans.use_threads`).

threadpoolctl (installed with scikit-learn) sets the limit in the running process, whichever
BLAS numpy loaded (OpenBLAS, MKL, BLIS...), so it needs no environment variable set before numpy
is imported. A thread count the user exported for the BLAS wins.
"""

from __future__ import annotations

import os

__all__ = ["one_blas_thread"]

# Environment variables by which a user chooses the BLAS's threads; if any is set, it is obeyed.
USER_SETTINGS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def one_blas_thread() -> None:
    """Limit every BLAS this process loaded to one thread, unless the user chose a number."""
    if any(name in os.environ for name in USER_SETTINGS):
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")  # stays in force: not used as a context manager
