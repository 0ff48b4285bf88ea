"""Compress one image file to an indexed PNG of at most K colours: the library behind ``compress.py``.

:func:`compress_file` does the whole job of the command for one input: check every destination
before any work, read the image (:mod:`quantize.image_io`), quantise it
(:mod:`quantize.indexed_image`, and :mod:`quantize.dithering` if asked), encode the PNG in memory
(:mod:`quantize.png_encoder`), draw the comparison figure if asked, and only then write: every
file it was asked for, or none (:class:`quantize.atomic_files.StagedFiles`). It returns a
:class:`CompressedFile`, the report the command prints.

Three outcomes write nothing and raise a :class:`CompressError`: a mistake
(the plain class), a PSNR target out of reach (:class:`TargetNotReached`), and a result no
smaller than the input when that was asked for (:class:`NotSmaller`).
"""

from __future__ import annotations

import errno
import io
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np
from PIL import Image

from compress_cli.options import CompressError, NotSmaller, TargetNotReached, check_options, default_output_path
from compress_cli.report import CompressedFile
from quantize.atomic_files import StagedFiles
from quantize.dithering import dither
from quantize.image_io import DecodedImage, ImageReadError, decode_image, image_to_array
from quantize.indexed_image import ENOUGH_PSNR, Quantized, Quantizer, smallest_palette_reaching
from quantize.png_encoder import encode_indexed_png

T = TypeVar("T")

__all__ = ["CompressError", "TargetNotReached", "NotSmaller", "CompressedFile", "compress_file",
           "default_output_path", "check_options", "check_destinations"]


def _exists(path: Path) -> str:
    return f"{path} already exists (use --force to overwrite it)"


def _check_destination(path: Path, input_path: Path | None, force: bool, what: str) -> None:
    """Refuse, before any work, a destination that cannot or must not be written."""
    folder = path.parent
    try:
        if not folder.is_dir():
            raise CompressError(f"{what} folder {folder} does not exist")
        present = path.exists() or path.is_symlink()
    except OSError as exc:  # a name longer than the file system allows, say
        raise CompressError(f"{path}: cannot write ({exc.strerror or exc})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CompressError(f"{path}: cannot write (the {what} folder {folder} is not writable)")
    if present:
        if input_path is not None and input_path.exists() and path.exists() and os.path.samefile(path, input_path):
            raise CompressError(f"{path} is the input file; choose another {what} name")
        if path.is_dir():
            raise CompressError(f"{path} is a folder; give a file name for the {what}")
        if not force:
            raise CompressError(_exists(path))


def _figure_format(figure_path: Path) -> str:
    """The figure's format from its extension, or :class:`CompressError` if matplotlib cannot write it."""
    from matplotlib.backend_bases import FigureCanvasBase  # matplotlib only when a figure is asked for

    formats = FigureCanvasBase.get_supported_filetypes()
    file_format = figure_path.suffix[1:].lower()
    if file_format not in formats:
        raise CompressError(f"{figure_path}: the figure's name must end in one of "
                            f"{', '.join('.' + f for f in sorted(formats))}")
    return file_format


def check_destinations(input_path: Path | None, output_path: Path | None, figure_path: Path | None,
                       force: bool) -> None:
    """Raise :class:`CompressError` unless the output and the figure may be written (call before work).

    ``None`` for the input means bytes (standard input), for the output a stream.
    """
    if output_path is not None:
        if output_path.suffix.lower() != ".png":
            raise CompressError(f"{output_path}: the output is a PNG file, so its name must end in .png")
        _check_destination(output_path, input_path, force, "output")
    if figure_path is not None:
        if output_path is not None and figure_path.resolve() == output_path.resolve():
            raise CompressError(f"{figure_path} is also the output file; give the figure another name")
        _figure_format(figure_path)
        _check_destination(figure_path, input_path, force, "figure")


def _writing(path: Path | None, write: Callable[[], T]) -> T:
    """Call ``write()``, which writes ``path``, with its failures as one-line CompressErrors."""
    try:
        return write()
    except FileExistsError as exc:  # appeared since the check before the work
        raise CompressError(_exists(Path(exc.filename or path))) from None
    except OSError as exc:
        raise CompressError(f"{exc.filename or path or 'standard output'}: cannot write ({exc.strerror or exc})") from None


def _write_all(stream: BinaryIO, data: bytes) -> None:
    """Write every byte of ``data`` to ``stream``, or raise OSError.

    A buffered stream over a pipe whose reader left after a part returns the part it wrote
    instead of raising (CPython's BufferedWriter, 65,536 bytes into a pipe): the rest is written
    again, which raises BrokenPipeError.
    """
    view = memoryview(data)
    while view:
        written = stream.write(view)
        if not written:
            raise OSError(errno.EPIPE, "the reader stopped reading")
        view = view[written:]
    stream.flush()


def _partly_transparent(pixels: np.ndarray) -> bool:
    """Whether some pixel has an alpha between 0 and 255: then the error is of premultiplied colour."""
    if pixels.shape[2] != 4:
        return False
    alpha = pixels[..., 3]
    return bool(((alpha > 0) & (alpha < 255)).any())


def _quantize(decoded: DecodedImage, K: int, seed: int, dithered: bool, min_psnr: float | None,
              name: str) -> Quantized:
    """The palette and indices to write: K colours, or the fewest that reach ``min_psnr``."""
    pixels = decoded.pixels
    if dithered and pixels.shape[2] == 4 and not (pixels[..., 3] == 255).all():
        raise CompressError(f"{name}: --dither works on images without transparency (Pillow dithers RGB only)")
    quantizer = Quantizer(pixels)
    finish = (lambda quantized: dither(pixels, quantized)) if dithered else None
    if min_psnr is None:
        quantized = quantizer.quantize(K, seed)
        return finish(quantized) if finish else quantized
    quantized, reached = smallest_palette_reaching(quantizer, min_psnr, K, seed, finish)
    if not reached:
        raise TargetNotReached(f"{name}: PSNR {min_psnr:g} dB is out of reach with {K} colours "
                               f"(they give {quantized.psnr:.2f} dB); nothing written")
    return quantized


def _comparison_writer(original: np.ndarray, png: bytes, figure_path: Path, left: str,
                       right: str) -> Callable[[BinaryIO], None]:
    """A function that saves the original and the PNG (decoded from its bytes) side by side."""
    from matplotlib import pyplot as plt  # only the figure needs matplotlib, slow to import

    from course.plots import side_by_side

    file_format = _figure_format(figure_path)
    compressed = image_to_array(Image.open(io.BytesIO(png)))

    def write(file: BinaryIO) -> None:
        fig = side_by_side(original, compressed, left, right)
        try:
            fig.savefig(file, format=file_format, dpi=100)
        except OSError:
            raise
        except Exception as exc:  # noqa: BLE001 - a format whose tool is missing (pgf needs a LaTeX), say
            raise CompressError(f"{figure_path}: matplotlib cannot save a .{file_format} figure here "
                                f"({type(exc).__name__}: {exc})") from None
        finally:
            plt.close(fig)

    return write


def compress_file(input_path: str | os.PathLike | bytes, output_path: str | os.PathLike | BinaryIO | None = None,
                  K: int = 16, seed: int = 0, force: bool = False, *, out_dir: str | os.PathLike | None = None,
                  figure_path: str | os.PathLike | None = None, dithered: bool = False,
                  min_psnr: float | None = None, skip_if_larger: bool = False,
                  input_name: str | None = None) -> CompressedFile:
    """Compress an image file to an indexed PNG with at most ``K`` colours: every file asked for, or none.

    Parameters
    ----------
    input_path : str, path-like or bytes
        Any image Pillow reads; EXIF orientation is applied. Never modified. Bytes are the whole
        content of an image file (standard input, say).
    output_path : str, path-like or binary stream, optional
        A ``.png`` file name; default ``<input stem>-k<K>.png`` beside the input or in
        ``out_dir``. A stream (``sys.stdout.buffer``) receives the PNG's bytes, written last.
    K : int, optional
        Largest number of colours, 1 to 256 (default 16).
    seed : int, optional
        Seeds every random choice (a non-negative integer).
    force : bool, optional
        Overwrite an existing output file or figure.
    out_dir : str or path-like, optional
        The folder of the default output name.
    figure_path : str or path-like, optional
        Also save the original and the result side by side there (any format matplotlib writes,
        by extension).
    dithered : bool, optional
        Map the image onto the palette with Floyd–Steinberg dithering (RGB images only).
    min_psnr : float, optional
        Write the fewest colours, at most K, whose result reaches this PSNR in dB.
    skip_if_larger : bool, optional
        Write nothing if the PNG would not be smaller than the input file.
    input_name : str, optional
        What to call the input in messages (default its path, or ``standard input`` for bytes).

    Returns
    -------
    CompressedFile

    Raises
    ------
    CompressError
        For every mistake a user can make: a missing, unreadable, truncated or too large input;
        K or seed out of range; an output or figure that exists (without ``force``), is the
        input, has the wrong extension, or lies in a folder that does not exist or cannot be
        written. :class:`TargetNotReached` and :class:`NotSmaller` as above. Nothing is written
        in any of these cases.
    """
    started = time.perf_counter()
    check_options(K, seed, min_psnr)
    K = int(K)
    from_bytes = isinstance(input_path, bytes)
    source_path = None if from_bytes else Path(input_path)
    name = input_name or ("standard input" if from_bytes else str(source_path))
    stream = output_path if hasattr(output_path, "write") else None
    if stream is None:
        if output_path is None:
            if source_path is None:
                raise CompressError("an input read from bytes (standard input) needs an output name or stream")
            output_path = default_output_path(source_path, K, out_dir)
        output_path = Path(output_path)
    else:
        output_path = None
    figure_path = None if figure_path is None else Path(figure_path)
    check_destinations(source_path, output_path, figure_path, force)

    try:
        decoded = decode_image(input_path, name)
    except ImageReadError as exc:
        raise CompressError(str(exc)) from None
    quantized = _quantize(decoded, K, seed, dithered, min_psnr, name)
    png = encode_indexed_png(quantized.indices, quantized.palette)
    if skip_if_larger and len(png) >= decoded.file_bytes:
        raise NotSmaller(f"{name}: the PNG would be {len(png):,} bytes, not smaller than the input's "
                         f"{decoded.file_bytes:,}; nothing written")
    height, width = quantized.indices.shape
    report = CompressedFile(
        input_name=name, output_path=output_path, width=width, height=height, K=K,
        input_bytes=decoded.file_bytes, output_bytes=len(png), colours_in=quantized.colours_in,
        colours_out=len(quantized.palette), psnr_db=quantized.psnr, seconds=0.0, notes=decoded.notes,
        faithful=decoded.faithful, dithered=dithered, premultiplied=_partly_transparent(decoded.pixels), min_psnr=min_psnr, figure_path=figure_path,
        enough_psnr=ENOUGH_PSNR if min_psnr is None and len(quantized.palette) < K < quantized.colours_in
        and quantized.psnr >= ENOUGH_PSNR else None,
    )
    with StagedFiles() as files:
        if figure_path is not None:
            quality = "lossless" if report.lossless else f"PSNR {report.psnr_db:.2f} dB"
            write_figure = _comparison_writer(
                decoded.pixels, png, figure_path,
                f"original: {report.colours_in:,} colours, {report.input_bytes:,} bytes",
                f"K = {report.K}: {report.colours_out} colours, {report.output_bytes:,} bytes, {quality}")
            _writing(figure_path, lambda: files.add(figure_path, write_figure, overwrite=force))
        if output_path is not None:
            _writing(output_path, lambda: files.add(output_path, lambda file: file.write(png), overwrite=force))
        else:
            _writing(None, lambda: _write_all(stream, png))
        _writing(output_path, files.commit)
    return replace(report, seconds=time.perf_counter() - started)
