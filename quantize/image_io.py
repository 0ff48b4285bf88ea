"""Read any image Pillow can decode into a numpy array of 8-bit RGB or RGBA pixels.

Pillow hands back images in many modes (palette, greyscale, 16-bit greyscale, CMYK, with or
without alpha, rotated by an EXIF tag). Everything downstream of this module sees one of two
shapes, so the rest of the project never branches on Pillow's modes:

- ``(H, W, 3) uint8``: RGB, for images without transparency;
- ``(H, W, 4) uint8``: RGBA, for images with an alpha channel or a transparent palette entry.

Failures a user can cause (no such file, not an image, a truncated file, an image too large for
Pillow's decompression-bomb guard) raise :class:`ImageReadError` with a one-line message.

Reaching 8-bit RGB(A) may change an image: 16-bit or floating-point samples are rounded to 8
bits, CMYK is converted to RGB, and of an animation or a multi-page file only the first frame is
kept. :func:`decode_image` says which of these happened, so that no report calls a changed image
lossless.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["ImageReadError", "DecodedImage", "decode_image", "read_image", "image_to_array", "load_image"]

# Modes that carry transparency of their own; other modes may still carry a tRNS entry in
# ``img.info["transparency"]``.
_ALPHA_MODES = {"RGBA", "RGBa", "LA", "La", "PA"}
# Greyscale modes with more than 8 bits per sample; Pillow's convert("RGB") would clip them.
_WIDE_GREY_MODES = {"I;16", "I;16L", "I;16B", "I;16N", "I"}
# Modes whose conversion to RGB or RGBA keeps every value (a palette, greyscale, bilevel...).
_EXACT_MODES = {"RGB", "RGBA", "RGBX", "L", "LA", "P", "PA", "1"}
# A raw mode of 16 bits a sample (PNG, TIFF), which Pillow reads into an 8-bit mode by keeping the
# high byte; not "BGR;16", 16 bits a pixel, which widens exactly.
_SIXTEEN_BIT_SAMPLES = re.compile(r";16[BLN]$")


class ImageReadError(ValueError):
    """An input that cannot be read as an image; the message is one line, fit for a user."""


def read_image(path: str | os.PathLike) -> Image.Image:
    """Open, fully decode and orient an image file.

    Parameters
    ----------
    path : str or path-like
        Any file Pillow can read (JPEG, PNG, GIF, WebP, TIFF, BMP, ...). For files with several
        frames (an animated GIF, a multi-page TIFF) the first frame is used.

    Returns
    -------
    PIL.Image.Image
        The decoded image, with any EXIF orientation applied, so that width and height are those
        a viewer shows. The file is closed before returning.

    Raises
    ------
    ImageReadError
        If the file is missing, is not an image, is truncated or corrupt, or has more pixels than
        Pillow's decompression-bomb guard allows.
    """
    return _open(path, os.fspath(path)).image


@dataclass(frozen=True)
class _Opened:
    image: Image.Image  # decoded, oriented
    frames: int  # in the file; 0 if it has several but they could not be counted
    sixteen_bit_samples: bool  # read from 16 bits a sample into an 8-bit mode


@contextlib.contextmanager
def _c_libraries_quiet() -> Iterator[None]:
    """What the decoders' C libraries write to stderr themselves (libtiff: "Using code not yet in
    table."), thrown away: a damaged file gets one line, and Pillow's exception says what it is."""
    try:
        kept = os.dup(2)
    except OSError:  # no stderr to keep quiet
        yield
        return
    try:
        quiet = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(quiet, 2)
        finally:
            os.close(quiet)
        yield
    finally:
        os.dup2(kept, 2)
        os.close(kept)


def _open(source: str | os.PathLike | io.BytesIO, name: str) -> _Opened:
    """Decode ``source`` with Pillow, turning every failure into an :class:`ImageReadError` naming ``name``."""
    try:
        with warnings.catch_warnings():
            # Pillow's warnings about a damaged file ("Truncated File Read"...) would be extra lines
            # under the one line a user gets; a file between Pillow's limit and twice it only warns
            # of a decompression bomb: treat it as one.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _c_libraries_quiet(), Image.open(source) as img:
                frames = _frames(img)
                raw_modes = [tile.args if isinstance(tile.args, str) else (tile.args or ("",))[0] for tile in img.tile]
                sixteen_raw = any(_SIXTEEN_BIT_SAMPLES.search(str(m)) for m in raw_modes)
                sixteen = img.mode in _EXACT_MODES and sixteen_raw
                img.load()
                oriented = ImageOps.exif_transpose(img)
                if oriented.mode == "I" and not sixteen_raw:
                    oriented = _narrowed_integers(oriented)
                return _Opened(oriented, frames, sixteen)
    except FileNotFoundError:
        raise ImageReadError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ImageReadError(f"{name}: is a directory, not an image file") from None
    except PermissionError:
        raise ImageReadError(f"{name}: permission denied") from None
    except UnidentifiedImageError:
        raise ImageReadError(f"{name}: not an image file Pillow can read") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        size = re.search(r"\d+", str(exc))
        raise ImageReadError(
            f"{name}: too large to decode safely ({size.group(0) if size else 'too many'} pixels; "
            f"Pillow's decompression-bomb limit is {Image.MAX_IMAGE_PIXELS} pixels)"
        ) from None
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 (any failure to decode a file is the file's)
        # Pillow reports truncated and corrupt data as OSError (and, for some formats, as
        # SyntaxError, ValueError or EOFError; a damaged GIF or TIFF as IndexError or TypeError).
        detail = str(exc).strip().rstrip(".").splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImageReadError(f"{name}: truncated or corrupt image ({detail})") from None


def _frames(img: Image.Image) -> int:
    """Frames (or pages) in an open image file; 0 if it has several that cannot be counted."""
    if not getattr(img, "is_animated", False) and getattr(img, "n_frames", 1) == 1:
        return 1
    try:
        count = img.n_frames  # walks the file: a broken later frame fails here, not the first
    except Exception:  # noqa: BLE001 (a damaged later frame: the first may still be whole)
        count = 0
    img.seek(0)
    return count


def _narrowed_integers(img: Image.Image) -> Image.Image:
    """A 32-bit integer greyscale image (mode "I", not read from 16-bit samples) whose values all fit
    8 or 16 bits, as an image of mode "L" or "I;16": its values have no fixed range, and read as
    16-bit ones, 0 to 255 would all be near black."""
    values = np.asarray(img)
    low, high = (int(values.min()), int(values.max())) if values.size else (0, 0)
    if low < 0 or high > 65535:
        return img
    narrowed = Image.fromarray(values.astype(np.uint8 if high <= 255 else np.uint16))
    narrowed.info.update(img.info)
    return narrowed


def has_alpha(img: Image.Image) -> bool:
    """Whether ``img`` carries transparency (an alpha channel or a transparent palette entry)."""
    return img.mode in _ALPHA_MODES or "transparency" in img.info


def image_to_array(img: Image.Image) -> np.ndarray:
    """Convert a Pillow image of any mode to 8-bit RGB or RGBA pixels.

    Parameters
    ----------
    img : PIL.Image.Image
        A decoded image, e.g. from :func:`read_image`.

    Returns
    -------
    numpy.ndarray
        ``(H, W, 4) uint8`` RGBA if ``img`` has transparency, else ``(H, W, 3) uint8`` RGB.
        16-bit greyscale is rounded to 8 bits; floating-point greyscale is read as 0 to 1 if
        every value lies there, else as 0 to 255 (Pillow's convention) and clipped; greyscale,
        palette and CMYK become RGB. :func:`decode_image` also says what changed.
    """
    return _to_8bit(img)[0]


def _to_8bit(img: Image.Image) -> tuple[np.ndarray, list[str]]:
    """:func:`image_to_array`, and a phrase for each way the conversion changed values."""
    if img.mode in _WIDE_GREY_MODES:
        wide = np.asarray(img).astype(np.float64)
        grey = np.clip(np.rint(wide / 257.0), 0, 255).astype(np.uint8)
        changed = [] if np.array_equal(grey * 257.0, wide) else ["16-bit greyscale rounded to 8 bits"]
        rgb = np.repeat(grey[..., None], 3, axis=2)
        if "transparency" in img.info:
            alpha = np.where(wide == img.info["transparency"], 0, 255).astype(np.uint8)
            return np.dstack([rgb, alpha]), changed
        return rgb, changed
    if img.mode == "F":
        return _float_to_8bit(np.asarray(img))
    target = "RGBA" if has_alpha(img) else "RGB"
    changed = []
    if img.mode == "CMYK":
        changed.append("CMYK converted to RGB (Pillow's simple formula, no colour profile)")
    elif img.mode not in _EXACT_MODES:
        changed.append(f"mode {img.mode} converted to {target} by Pillow")
    return np.asarray(img if img.mode == target else img.convert(target)), changed


def _float_to_8bit(samples: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """``(H, W) float32`` greyscale to ``(H, W, 3) uint8`` RGB, and what that changed.

    Floating-point images come in two conventions: 0 to 1 (scientific and HDR tools) and 0 to
    255 (Pillow's own). All values within 0 to 1 is read as the first; anything else as the
    second, clipped. NaN becomes 0.
    """
    with np.errstate(invalid="ignore"):  # a signalling NaN warns as it is widened; it becomes 0 all the same
        finite = np.nan_to_num(samples.astype(np.float64), nan=0.0, posinf=255.0, neginf=0.0)
    low, high = float(finite.min()), float(finite.max())
    scale = 255.0 if 0.0 <= low and high <= 1.0 else 1.0
    scaled = finite * scale
    grey = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    changed = []
    if not np.array_equal(grey, scaled) or np.isnan(samples).any():
        how = "scaled by 255 and rounded" if scale == 255.0 else (
            "rounded" if 0.0 <= low and high <= 255.0 else "clipped to 0-255 and rounded")
        changed.append(f"32-bit float greyscale (values {low:.4g} to {high:.4g}) {how} to 8 bits")
    return np.repeat(grey[..., None], 3, axis=2), changed


@dataclass(frozen=True, eq=False)
class DecodedImage:
    """An image file read into 8-bit pixels, and what reading it had to change.

    Attributes
    ----------
    pixels : numpy.ndarray
        ``(H, W, 3)`` or ``(H, W, 4)`` uint8, as :func:`image_to_array` gives.
    conversions : tuple of str
        One phrase for each way ``pixels`` differ from the file's own values (16-bit or float
        samples rounded to 8 bits, CMYK converted to RGB...); empty if they are the file's values.
    frames : int
        Frames or pages in the file (0: several, which could not be counted); ``pixels`` is the
        first.
    file_bytes : int
        Size of the file.
    """

    pixels: np.ndarray
    conversions: tuple[str, ...]
    frames: int
    file_bytes: int

    @property
    def faithful(self) -> bool:
        """True if ``pixels`` are the whole file: its own values, its only frame."""
        return not self.conversions and self.frames == 1

    @property
    def notes(self) -> tuple[str, ...]:
        """What a user should be told: every conversion, and the frames left out."""
        if self.frames == 1:
            return self.conversions
        count = f"the first of {self.frames} frames" if self.frames else "the first of several frames"
        return (*self.conversions, f"kept {count} (an animation or a multi-page file)")


def decode_image(source: str | os.PathLike | bytes, name: str | None = None) -> DecodedImage:
    """Read an image file, or its bytes, into 8-bit pixels, saying what had to change.

    Parameters
    ----------
    source : str, path-like or bytes
        A file Pillow reads, or the whole content of one (standard input, say).
    name : str, optional
        What to call it in messages; default the path (``"standard input"`` for bytes).

    Returns
    -------
    DecodedImage

    Raises
    ------
    ImageReadError
        As :func:`read_image`; also for a mode Pillow cannot convert to RGB.
    """
    if not isinstance(source, bytes) and _is_pipe(source):
        name = name or os.fspath(source)
        try:  # a pipe (a shell's <(...), say) has no size until it is read, and is read once
            with open(source, "rb") as pipe:
                source = pipe.read()
        except OSError as exc:
            raise ImageReadError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if isinstance(source, bytes):
        name = name or "standard input"
        opened = _open(io.BytesIO(source), name)
        file_bytes = len(source)
    else:
        name = name or os.fspath(source)
        opened = _open(source, name)
        file_bytes = os.stat(source).st_size
    try:
        pixels, conversions = _to_8bit(opened.image)
    except ValueError as exc:  # a mode with no conversion to RGB (premultiplied "La", say)
        raise ImageReadError(f"{name}: cannot convert an image of mode {opened.image.mode} to RGB ({exc})") from None
    if opened.sixteen_bit_samples:
        conversions.append("16 bits a channel reduced to 8 (Pillow keeps the high byte)")
    return DecodedImage(pixels, tuple(conversions), opened.frames, file_bytes)


def _is_pipe(path: str | os.PathLike) -> bool:
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except (OSError, ValueError):  # missing, or a name the system refuses: _open says which
        return False


def load_image(path: str | os.PathLike, background: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> np.ndarray:
    """Load an image file as floating-point RGB in [0, 1].

    Parameters
    ----------
    path : str or path-like
        Any image Pillow reads: JPEG (EXIF orientation applied), PNG (RGB, palette, greyscale,
        16-bit, with alpha), GIF, WebP, TIFF, ...
    background : tuple of 3 floats, optional
        Colour that transparent pixels are composited over (default white), so the array shows
        what a viewer shows.

    Returns
    -------
    numpy.ndarray
        ``(H, W, 3) float64`` with values in [0, 1]; 8 bits of precision per channel.

    Raises
    ------
    ImageReadError
        If the file is missing or cannot be decoded as an image.
    """
    pixels = image_to_array(read_image(path)).astype(np.float64) / 255.0
    if pixels.shape[2] == 4:
        alpha = pixels[..., 3:]
        pixels = pixels[..., :3] * alpha + np.asarray(background, dtype=np.float64) * (1.0 - alpha)
    return pixels
