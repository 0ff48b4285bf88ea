"""Compress an image to an indexed (palette) PNG of at most K colours, and report how it went.

    python compress.py INPUT [-k K] [-o OUTPUT] [--force] [--compare FIGURE.png] [--seed N]
                       [--skip-if-larger]

``-`` as INPUT reads standard input; ``-o -`` writes the PNG to standard output (the default for
standard input) and the report to standard error.

The work is done by :mod:`quantize.compressor`; this file only parses arguments and prints. A
user's mistake ends with one line on stderr starting ``error:`` and exit status 2; a result not
smaller than the input (``--skip-if-larger``) with status 98 and a ``skipped:`` line.
"""

from __future__ import annotations

import argparse
import os
import sys

if __name__ == "__main__":
    # Settings read once, when numpy is imported (so here, and only for the command itself):
    # - one BLAS thread: the clustering makes thousands of small matrix products, which a second
    #   OpenBLAS thread does not speed up, and on a busy machine its spinning made them up to ten
    #   times slower (0.15 s against 0.4-1.7 s to assign 1.3 M colours to 256); the library
    #   shares the rows between threads itself;
    # - no transparent huge pages for numpy's large arrays: where the kernel compacts memory for
    #   them on demand (Debian's default, defrag=madvise), counting the colours of a 12-megapixel
    #   photo took 0.45-0.75 s instead of 0.27 s.
    # A value the user exported wins.
    for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_variable, "1")
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

from quantize.compressor import CompressError, NotSmaller, compress_file  # noqa: E402
from quantize.termination import Terminated, raising_on_termination  # noqa: E402

EXIT_USER_ERROR = 2
EXIT_NOT_SMALLER = 98  # pngquant's status for --skip-if-larger
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
STDIO = "-"


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one ``error:`` line, like every other message here (no usage block)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="compress.py",
        description="Write an indexed (palette) PNG with at most K colours, chosen by K-means to "
                    "keep the image as close as possible to the original (highest PSNR), and "
                    "print sizes, quality and time.",
    )
    parser.add_argument("input", metavar="INPUT",
                        help="any image Pillow reads (JPEG, PNG, GIF, WebP, TIFF, ...); - reads standard input")
    parser.add_argument("-k", "--colours", dest="K", type=int, default=16, metavar="K",
                        help="largest number of colours, 1 to 256 (default: 16)")
    parser.add_argument("-o", "--output", metavar="OUTPUT",
                        help="the PNG to write (default: <input stem>-k<K>.png beside the input); - writes "
                             "standard output (the default for standard input), and the report goes to stderr")
    parser.add_argument("--force", action="store_true", help="overwrite OUTPUT (and FIGURE) if it exists")
    parser.add_argument("--compare", metavar="FIGURE.png",
                        help="also save the original and the result side by side in this figure")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="seed of every random choice; the same seed gives the same file (default: 0)")
    parser.add_argument("--skip-if-larger", action="store_true",
                        help="write nothing if the PNG would not be smaller than the input (exit status 98)")
    return parser


def _read_standard_input() -> bytes:
    if sys.stdin is None or sys.stdin.isatty():
        raise CompressError("standard input is a terminal: pipe an image into it (compress.py - < photo.jpg)")
    return sys.stdin.buffer.read()


def _standard_output():
    """The binary stream of standard output, unless it is a terminal (a PNG would garble it)."""
    if sys.stdout.isatty():
        raise CompressError("standard output is a terminal: redirect it (> out.png) or give -o OUTPUT.png")
    return sys.stdout.buffer


def _compress_one(args: argparse.Namespace) -> int:
    """Compress one input as asked; print the report; return the exit status."""
    to_stdout = args.output == STDIO or (args.input == STDIO and args.output is None)
    output = _standard_output() if to_stdout else args.output
    source = _read_standard_input() if args.input == STDIO else args.input
    report = compress_file(source, output, K=args.K, seed=args.seed, force=args.force, figure_path=args.compare,
                           skip_if_larger=args.skip_if_larger)
    print(report, file=sys.stderr if to_stdout else sys.stdout)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        with raising_on_termination():
            return _compress_one(args)
    except NotSmaller as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return EXIT_NOT_SMALLER
    except CompressError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("error: interrupted; no partial file left", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated as exc:
        print(f"error: stopped by {exc.signal_name}; no partial file left", file=sys.stderr)
        return exc.code


if __name__ == "__main__":
    sys.exit(main())
