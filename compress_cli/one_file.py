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

import io
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np
from PIL import Image

from compress_cli.options import CompressError, NotSmaller, TargetNotReached, check_options, default_output_path
from quantize.atomic_files import StagedFiles
from quantize.dithering import dither
from quantize.image_io import DecodedImage, ImageReadError, decode_image, image_to_array
from quantize.indexed_image import Quantized, Quantizer, smallest_palette_reaching
from quantize.png_encoder import encode_indexed_png

T = TypeVar("T")

__all__ = ["CompressError", "TargetNotReached", "NotSmaller", "CompressedFile", "compress_file",
           "default_output_path", "check_options", "check_destinations"]


@dataclass(frozen=True)
class CompressedFile:
    """What :func:`compress_file` did to one file, with every figure the command prints.

    Sizes are in bytes; ``psnr_db`` is measured against the pixels read (after the conversions
    listed in ``notes``, if any); ``seconds`` is the wall time of the whole call.
    """

    input_name: str
    output_path: Path | None  # None: written to a stream (standard output)
    width: int
    height: int
    K: int
    input_bytes: int
    output_bytes: int
    colours_in: int
    colours_out: int
    psnr_db: float
    seconds: float
    notes: tuple[str, ...] = ()
    faithful: bool = True  # the pixels read were the file's own (no conversion, one frame)
    dithered: bool = False
    min_psnr: float | None = None
    figure_path: Path | None = None

    @property
    def output_name(self) -> str:
        """The output file, or ``standard output``."""
        return "standard output" if self.output_path is None else str(self.output_path)

    @property
    def lossless(self) -> bool:
        """True if the output reproduces the input file exactly: no error, nothing converted."""
        return math.isinf(self.psnr_db) and self.faithful

    @property
    def pixels(self) -> int:
        """Width times height."""
        return self.width * self.height

    @property
    def bits_per_pixel_in(self) -> float:
        """Bits of the input file for each pixel."""
        return 8 * self.input_bytes / self.pixels

    @property
    def bits_per_pixel_out(self) -> float:
        """Bits of the output PNG for each pixel."""
        return 8 * self.output_bytes / self.pixels

    @property
    def ratio(self) -> float:
        """Input bytes over output bytes: how many times smaller the output is."""
        return self.input_bytes / self.output_bytes

    @property
    def quality(self) -> str:
        """The quality in words: lossless, or the PSNR and what it was measured against."""
        if self.lossless:
            return "lossless (the image has no more colours than K)"
        against = "" if self.faithful else " against the pixels read (see note)"
        if math.isinf(self.psnr_db):
            return f"no error{against}: not lossless"
        how = ", Floyd-Steinberg dithering" if self.dithered else ""
        target = f", target {self.min_psnr:g} dB" if self.min_psnr is not None else ""
        return f"PSNR {self.psnr_db:.2f} dB{against}{how}{target}"

    def one_line(self) -> str:
        """The report in one line, for a batch of files."""
        quality = "lossless" if self.lossless else self.quality.split(" against")[0].split(",")[0]
        line = (f"{self.input_name} -> {self.output_name}  {self.input_bytes:,} -> {self.output_bytes:,} bytes "
                f"(ratio {self.ratio:.2f}), {quality}, {self.colours_out} colours, {self.seconds:.2f} s")
        return "; note: ".join([line, *self.notes])

    def __str__(self) -> str:
        rows = [
            ("input", f"{self.input_name}  {self.width} x {self.height}"),
            *(("note", note) for note in self.notes),
            ("output", f"{self.output_name}  (K = {self.K})"),
            ("size", f"{self.input_bytes:,} -> {self.output_bytes:,} bytes  "
                     f"({self.bits_per_pixel_in:.2f} -> {self.bits_per_pixel_out:.2f} bits/pixel, "
                     f"ratio {self.ratio:.2f})"),
            ("colours", f"{self.colours_in:,} -> {self.colours_out:,}"),
            ("quality", self.quality),
            ("time", f"{self.seconds:.2f} s"),
        ]
        if self.figure_path is not None:
            rows.append(("figure", str(self.figure_path)))
        return "\n".join(f"{label:<8} {value}" for label, value in rows)


def _exists(path: Path) -> str:
    return f"{path} already exists (use --force to overwrite it)"


def _check_destination(path: Path, input_path: Path | None, force: bool, what: str) -> None:
    """Refuse, before any work, a destination that cannot or must not be written."""
    folder = path.parent
    if not folder.is_dir():
        raise CompressError(f"{what} folder {folder} does not exist")
    if path.exists() or path.is_symlink():
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
        faithful=decoded.faithful, dithered=dithered, min_psnr=min_psnr, figure_path=figure_path,
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
            _writing(None, lambda: (stream.write(png), stream.flush()))
        _writing(output_path, files.commit)
    return replace(report, seconds=time.perf_counter() - started)
