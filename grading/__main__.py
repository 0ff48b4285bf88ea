"""``python -m grading``: see :mod:`grading.cli`."""

import os
import sys

# One BLAS/OpenMP thread, as in the learner's processes, set before numpy is first imported: the
# speed tests time the reference here and the learner's function there, and must compare like
# with like. Several BLAS threads here would also fight the learner processes for the cores
# (--jobs), and make the reference look slower than it is.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

# nbformat imports jsonschema, which builds a grammar for the "iri" string format when
# rfc3987_syntax is installed (Jupyter's own packages install it): most of a second, for a format
# check no notebook schema asks for (they use no "format" at all). Marked missing here, jsonschema
# leaves that check out and validates notebooks the same.
sys.modules.setdefault("rfc3987_syntax", None)

from grading.cli import main  # noqa: E402

sys.exit(main())
