"""Compress images to indexed (palette) PNGs of at most K colours, and report how it went.

    python compress.py INPUT... [-k K] [-o OUTPUT | --out-dir DIR] [-j N] [--force]
                       [--compare FIGURE.png] [--seed N] [--dither] [--psnr DB] [--skip-if-larger]

One input gets a report of several lines. Several inputs get one line each (or a progress bar,
when stderr is a terminal and tqdm is installed) and a closing summary; ``-j N`` compresses N at
a time, each in a process of its own. ``-`` as INPUT reads standard input; ``-o -`` writes the
PNG to standard output (the default for standard input) and the report to standard error.

The work is done by :mod:`compress_cli.one_file`; this file only parses arguments and prints. A
user's mistake ends with one line on stderr starting ``error:`` and exit status 2 (with several
inputs, a line for each file that failed, the others written); a result not smaller than the
input (``--skip-if-larger``) with status 98 and a ``skipped:`` line; a PSNR target out of reach
(``--psnr``) with status 99 and an ``error:`` line, as pngquant's ``--quality``.
"""

from __future__ import annotations

import os
import signal


def _stopped_while_starting(signum: int, frame: object) -> None:
    """A stop signal before :func:`main` took over: nothing has been read or written yet."""
    what = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
    os.write(2, f"error: {what} while starting; nothing written\n".encode())
    os._exit(128 + signum)


def _stop_quietly_while_starting() -> None:
    """Until :func:`main` starts: Ctrl-C, SIGTERM and SIGHUP end the command with one line, not a
    traceback from the middle of an import (or, for SIGTERM and SIGHUP, no line at all)."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _stopped_while_starting)


if __name__ == "__main__":
    _stop_quietly_while_starting()  # first: even the imports below take tens of milliseconds

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

if __name__ == "__main__":
    # No transparent huge pages for numpy's large arrays: where the kernel compacts memory for
    # them on demand (Debian's default, defrag=madvise), counting a large photo's colours is
    # slower (docs/compress.md, "Why it is built this way"). numpy reads this once, when it is
    # imported, so here, and only for the command itself; a value the user exported wins.
    # (BLAS threads: quantize/threads.py.)
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

# Only what parsing and checking the arguments needs: numpy and Pillow come with the engine, imported
# by _compress_one or _compress_many, so that --help and an argument error take no more than the
# interpreter's start (docs/compress.md, "Start-up").
from compress_cli.options import CompressError, NotSmaller, TargetNotReached, check_options  # noqa: E402
from compress_cli.report import printable  # noqa: E402
from compress_cli.termination import Terminated, raising_on_termination  # noqa: E402
from quantize.threads import CPUS, one_blas_thread, one_blas_thread_from_the_start  # noqa: E402

if __name__ == "__main__":
    one_blas_thread_from_the_start()  # before any import of numpy: OpenBLAS reads its thread count as numpy loads it

if TYPE_CHECKING:
    from compress_cli.many_files import FileOutcome

EXIT_USER_ERROR = 2
EXIT_NOT_SMALLER = 98  # pngquant's status for --skip-if-larger
EXIT_TARGET_NOT_REACHED = 99  # pngquant's status for --quality out of reach
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
STDIO = "-"


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one ``error:`` line, like every other message here (no usage block)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"error: {message} (see {self.prog} --help)\n")


def _psnr(text: str) -> float:
    """argparse type of ``--psnr``: a positive number of dB."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of dB: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of dB, got {text}")
    return value


def _jobs(text: str) -> int:
    """argparse type of ``-j``: a whole number of processes, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of processes: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="compress.py",
        description="Write an indexed (palette) PNG with at most K colours, chosen by K-means to "
                    "keep the image as close as possible to the original (highest PSNR), and "
                    "print sizes, quality and time.",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="images Pillow reads (JPEG, PNG, GIF, WebP, TIFF, ...); - reads standard input")
    parser.add_argument("-k", "--colours", dest="K", type=int, default=16, metavar="K",
                        help="largest number of colours, 1 to 256 (default: 16)")
    parser.add_argument("-o", "--output", metavar="OUTPUT",
                        help="the PNG to write (default: <input stem>-k<K>.png beside the input); - writes "
                             "standard output (the default for standard input), and the report goes to stderr")
    parser.add_argument("--out-dir", metavar="DIR",
                        help="write each <input stem>-k<K>.png into this folder (made if missing) instead of "
                             "beside its input")
    parser.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                        help="compress N files at a time, each in a process of its own (default: one a core, "
                             f"{CPUS} here, and at most one for every two files)")
    parser.add_argument("--force", action="store_true", help="overwrite OUTPUT (and FIGURE) if it exists")
    parser.add_argument("--compare", metavar="FIGURE.png",
                        help="also save the original and the result side by side in this figure")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="seed of every random choice; the same seed gives the same file (default: 0)")
    parser.add_argument("--dither", action="store_true",
                        help="Floyd-Steinberg dithering onto the palette: smoother gradients, lower PSNR "
                             "(images without transparency)")
    parser.add_argument("--psnr", type=_psnr, metavar="DB",
                        help="write the fewest colours (at most K) whose result reaches this PSNR; if even K "
                             "colours do not, write nothing and exit with status 99")
    parser.add_argument("--skip-if-larger", action="store_true",
                        help="write nothing if the PNG would not be smaller than the input (exit status 98)")
    return parser


def _read_standard_input() -> bytes:
    if sys.stdin is None or sys.stdin.isatty():
        raise CompressError("standard input is a terminal: pipe an image into it (compress.py - < photo.jpg)")
    return sys.stdin.buffer.read()


def _standard_output():
    """The binary stream of standard output, unless it is a terminal (a PNG would garble it)."""
    if sys.stdout is None:
        raise CompressError("standard output is closed: redirect it (> out.png) or give -o OUTPUT.png")
    if sys.stdout.isatty():
        raise CompressError("standard output is a terminal: redirect it (> out.png) or give -o OUTPUT.png")
    return sys.stdout.buffer


def _options(args: argparse.Namespace) -> dict:
    """The keyword arguments of compress_file that every input shares."""
    return dict(K=args.K, seed=args.seed, force=args.force, dithered=args.dither, min_psnr=args.psnr,
                skip_if_larger=args.skip_if_larger)


def _check_arguments(args: argparse.Namespace) -> None:
    """Mistakes in how the arguments combine, found before any work."""
    check_options(args.K, args.seed, args.psnr)
    several = len(args.inputs) > 1
    if args.output is not None and args.out_dir is not None:
        raise CompressError("give either -o OUTPUT or --out-dir DIR, not both")
    if several and args.output is not None:
        raise CompressError("-o names one output; with several inputs, use --out-dir DIR (or none)")
    if args.output not in (None, STDIO) and args.output.endswith(("/", os.sep)):
        raise CompressError(f"-o {args.output} ends with a slash, as a folder does: give a file name ending in .png "
                            "(or --out-dir for a folder)")
    if several and args.compare is not None:
        raise CompressError("--compare draws one figure; give it one input")
    if several and STDIO in args.inputs:
        raise CompressError("- (standard input) is one image; give it alone")
    if args.out_dir is not None:
        if args.inputs == [STDIO]:
            raise CompressError("standard input has no name to put in --out-dir; give -o OUTPUT.png")
        folder = Path(args.out_dir)
        if folder.exists() and not folder.is_dir():
            raise CompressError(f"--out-dir {args.out_dir} is a file, not a folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)  # as the README's example asks: a new folder of results
        except OSError as exc:
            raise CompressError(f"--out-dir {args.out_dir}: cannot create it ({exc.strerror or exc})") from None


def _compress_one(args: argparse.Namespace) -> int:
    """Compress the one input as asked; print the report; return the exit status."""
    from compress_cli.one_file import compress_file, default_output_path

    one_blas_thread()  # once numpy is loaded: threadpoolctl limits the BLAS libraries loaded so far
    (given,) = args.inputs
    to_stdout = args.output == STDIO or (given == STDIO and args.output is None)
    output = _standard_output() if to_stdout else args.output
    if output is None and args.out_dir is not None:
        output = default_output_path(given, args.K, args.out_dir)
    source = _read_standard_input() if given == STDIO else given
    report = compress_file(source, output, figure_path=args.compare, **_options(args))
    print(report, file=sys.stderr if to_stdout else sys.stdout, flush=True)
    return 0


def _workers(asked: int | None, files: int) -> int:
    """Worker processes for ``files`` files: as asked, or one a core, with two files a worker at least
    (a worker's start-up, its own interpreter and imports, is worth it only if it has files to share)."""
    return asked if asked is not None else max(1, min(CPUS, files // 2))


def _progress_bar(total: int):
    """A tqdm progress bar on stderr if stderr is a terminal and tqdm is installed; else None."""
    if not sys.stderr.isatty() or importlib.util.find_spec("tqdm") is None:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True)


def _compress_many(args: argparse.Namespace) -> int:
    """Compress every input; a line (or a bar step) for each, a summary; return the exit status."""
    from compress_cli.many_files import compress_many, plan_jobs  # the engine: in compress_many or its workers
    jobs = plan_jobs(args.inputs, args.K, args.out_dir)
    bar = _progress_bar(len(jobs))

    def show(outcome: FileOutcome) -> None:
        if outcome.error is not None:
            prefix = "skipped" if isinstance(outcome.error, NotSmaller) else "error"
            line, stream = f"{prefix}: {printable(outcome.message)}", sys.stderr
        else:
            line, stream = outcome.report.one_line(), sys.stdout
        if bar is None:
            print(line, file=stream, flush=True)
        else:
            if stream is sys.stderr:
                bar.write(line, file=sys.stderr)
            bar.update(1)

    try:
        summary = compress_many(jobs, _options(args), _workers(args.jobs, len(jobs)), show)
    finally:
        if bar is not None:
            bar.close()
    print(summary, flush=True)
    if summary.failed:
        return EXIT_USER_ERROR
    if summary.target_missed:
        return EXIT_TARGET_NOT_REACHED
    return EXIT_NOT_SMALLER if summary.not_smaller else 0


def _signals_as_usual() -> None:
    """Undo :func:`_stop_quietly_while_starting`: Ctrl-C raises KeyboardInterrupt again, and the
    work's own handlers (:func:`raising_on_termination`) take SIGTERM and SIGHUP."""
    if signal.getsignal(signal.SIGINT) is _stopped_while_starting:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name) and signal.getsignal(getattr(signal, name)) is _stopped_while_starting:
            signal.signal(getattr(signal, name), signal.SIG_DFL)


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    _signals_as_usual()
    try:
        args = _parser().parse_args(argv)
    except KeyboardInterrupt:
        print("error: interrupted; nothing written", file=sys.stderr)
        return EXIT_INTERRUPTED
    try:
        with raising_on_termination():
            _check_arguments(args)
            return _compress_one(args) if len(args.inputs) == 1 else _compress_many(args)
    except NotSmaller as exc:
        print(f"skipped: {printable(str(exc))}", file=sys.stderr)
        return EXIT_NOT_SMALLER
    except TargetNotReached as exc:
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_TARGET_NOT_REACHED
    except CompressError as exc:
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        # The reader of standard output went away (| head, say): stop, quietly for Python at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("error: standard output was closed; stopped, no partial file left", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("error: interrupted; no partial file left", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated as exc:
        print(f"error: stopped by {exc.signal_name}; no partial file left", file=sys.stderr)
        return exc.code


if __name__ == "__main__":
    sys.exit(main())
