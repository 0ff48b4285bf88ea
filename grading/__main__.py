"""``python -m grading``: see :mod:`grading.cli`."""

import os
import sys

# One BLAS/OpenMP thread, as in the learner's processes, set before numpy is first imported: the
# speed tests time the reference here and the learner's function there, and must compare like
# with like. Several BLAS threads here would also fight the learner processes for the cores
# (--jobs), and make the reference look slower than it is.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

from grading.cli import main  # noqa: E402

sys.exit(main())
