"""The report of one compressed file: every figure ``compress.py`` prints about it.

Its own module, without numpy, because worker processes send their reports back pickled: the
process that prints them loads this module, not the engine.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CompressedFile", "printable"]


def printable(text: str) -> str:
    """``text`` with its control characters escaped (a newline as ``\\n``, ESC as ``\\x1b``): a file
    name holding them would otherwise split a report's line, or drive the terminal."""
    if text.isprintable():
        return text
    return "".join(char.encode("unicode_escape").decode("ascii") if unicodedata.category(char) == "Cc" else char
                   for char in text)


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
    premultiplied: bool = False  # partly transparent: PSNR of premultiplied colour and alpha
    min_psnr: float | None = None
    figure_path: Path | None = None
    enough_psnr: float | None = None  # fewer colours than K, since their PSNR had passed this

    @property
    def output_name(self) -> str:
        """The output file, or ``standard output``."""
        return "standard output" if self.output_path is None else printable(str(self.output_path))

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
        of = " (colour premultiplied by alpha)" if self.premultiplied else ""
        return f"PSNR {self.psnr_db:.2f} dB{of}{against}{how}{target}"

    def one_line(self) -> str:
        """The report in one line, for a batch of files."""
        quality = "lossless" if self.lossless else self.quality.split(" against")[0].split(",")[0]
        line = (f"{printable(self.input_name)} -> {self.output_name}  {self.input_bytes:,} -> {self.output_bytes:,} bytes "
                f"(ratio {self.ratio:.2f}), {quality}, {self.colours_out} colours, {self.seconds:.2f} s")
        return "; note: ".join([line, *self.notes])

    def __str__(self) -> str:
        rows = [
            ("input", f"{printable(self.input_name)}  {self.width} x {self.height}"),
            *(("note", note) for note in self.notes),
            ("output", f"{self.output_name}  (K = {self.K})"),
            ("size", f"{self.input_bytes:,} -> {self.output_bytes:,} bytes  "
                     f"({self.bits_per_pixel_in:.2f} -> {self.bits_per_pixel_out:.2f} bits/pixel, "
                     f"ratio {self.ratio:.2f})"),
            ("colours", f"{self.colours_in:,} -> {self.colours_out:,}" + (
                f"  (fewer than K: past {self.enough_psnr:.1f} dB, more colours cost bytes and show nothing)"
                if self.enough_psnr is not None else "")),
            ("quality", self.quality),
            ("time", f"{self.seconds:.2f} s"),
        ]
        if self.figure_path is not None:
            rows.append(("figure", printable(str(self.figure_path))))
        return "\n".join(f"{label:<8} {value}" for label, value in rows)
