"""sRGB to CIELAB and back, written as the formulas of the standards, and the colour difference ΔE.

RGB distances do not match what the eye sees: two greens 0.1 apart in RGB can look the same while
two blues 0.1 apart look plainly different. CIELAB (``L*`` lightness, ``a*`` green to red, ``b*``
blue to yellow) was designed so that equal distances look about equally different, which makes it
a better space to cluster colours in. The way there has three steps, each a function below:

1. undo the sRGB companding (the "gamma"), so values are proportional to light:
   ``c / 12.92`` for ``c <= 0.04045``, else ``((c + 0.055) / 1.055) ** 2.4``;
2. mix linear red, green and blue into the CIE XYZ tristimulus values with a 3 x 3 matrix;
3. compare X, Y, Z with those of the white point (D65) through a cube root:
   ``L* = 116 f(Y/Yn) - 16``, ``a* = 500 (f(X/Xn) - f(Y/Yn))``, ``b* = 200 (f(Y/Yn) - f(Z/Zn))``,
   with ``f(t) = t ** (1/3)`` above ``(6/29) ** 3`` and a straight line below it.

Every function works on arrays of shape ``(..., 3)`` (one colour, a list of colours, an image) and
returns float64 of the same shape. Sources: IEC 61966-2-1 (sRGB), CIE 15 (CIELAB), and Bruce
Lindbloom's pages (brucelindbloom.com), whose sRGB matrix and D65 white are used here.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "SRGB_TO_XYZ",
    "XYZ_TO_SRGB",
    "D65_WHITE",
    "srgb_to_linear",
    "linear_to_srgb",
    "srgb_to_xyz",
    "xyz_to_srgb",
    "xyz_to_lab",
    "lab_to_xyz",
    "srgb_to_lab",
    "lab_to_srgb",
    "delta_e_1976",
]

# Row i gives X, Y or Z as a mix of linear R, G, B (Lindbloom's sRGB matrix, D65 white).
SRGB_TO_XYZ = np.array([
    [0.4124564, 0.3575761, 0.1804375],
    [0.2126729, 0.7151522, 0.0721750],
    [0.0193339, 0.1191920, 0.9503041],
])
# The inverse computed, not the 7-digit published one: with the published inverse a round trip
# would be off by about 1e-7; with this one it is exact to rounding (about 1e-15).
XYZ_TO_SRGB = np.linalg.inv(SRGB_TO_XYZ)
# X, Y, Z of the D65 white point, 2-degree observer, scaled so that Y = 1 (Lindbloom's values).
D65_WHITE = np.array([0.95047, 1.0, 1.08883])

_DELTA = 6.0 / 29.0  # where CIELAB's cube root gives way to a straight line
# Where sRGB's linear segment ends, in linear light: the standard rounds it to 0.0031308; the
# exact quotient makes linear_to_srgb take the same branch that srgb_to_linear took. (The two
# branches of the standard miss each other there by 2.3e-9, so a value within rounding of the
# knee may still come back about 3e-8 off.)
_LINEAR_KNEE = 0.04045 / 12.92


def _colours(values, name: str, floats_only: bool = False) -> np.ndarray:
    """``values`` as float64 of shape ``(..., 3)``, or a ValueError that says what is wrong."""
    array = np.asarray(values)
    if array.dtype.kind not in "fiu":
        raise ValueError(f"{name} must be numbers, got dtype {array.dtype}")
    if floats_only and array.dtype.kind in "iu":
        # 8-bit values taken for [0, 1] ones would make 255 count as 255 times the white.
        raise ValueError(f"{name} must be floats in [0, 1]; divide 8-bit values by 255.0 first")
    if array.ndim == 0 or array.shape[-1] != 3:
        raise ValueError(f"{name} must have shape (..., 3), one colour per row, got shape {array.shape}")
    return array.astype(np.float64)


def srgb_to_linear(srgb) -> np.ndarray:
    """Undo the sRGB companding: stored values to values proportional to light.

    Parameters
    ----------
    srgb : array_like
        ``(..., 3)`` float sRGB values in [0, 1] (values outside follow the same formula).

    Returns
    -------
    numpy.ndarray
        ``(..., 3) float64`` linear R, G, B.

    Raises
    ------
    ValueError
        If the last axis is not 3, or the values are integers (divide 8-bit values by 255).
    """
    c = _colours(srgb, "srgb", floats_only=True)
    return np.where(c <= 0.04045, c / 12.92, ((np.maximum(c, 0.04045) + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear) -> np.ndarray:
    """Apply the sRGB companding: linear light to stored values; the inverse of :func:`srgb_to_linear`.

    Parameters
    ----------
    linear : array_like
        ``(..., 3)`` linear R, G, B.

    Returns
    -------
    numpy.ndarray
        ``(..., 3) float64`` sRGB values; not clipped, so colours outside the sRGB gamut come out
        below 0 or above 1.
    """
    c = _colours(linear, "linear")
    # np.maximum keeps the power's argument positive on the branch np.where discards, so no
    # warning is raised for the negative values of out-of-gamut colours.
    return np.where(c <= _LINEAR_KNEE, 12.92 * c, 1.055 * np.maximum(c, _LINEAR_KNEE) ** (1 / 2.4) - 0.055)


def srgb_to_xyz(srgb) -> np.ndarray:
    """sRGB to CIE XYZ (D65, Y of white = 1).

    Parameters
    ----------
    srgb : array_like
        ``(..., 3)`` float sRGB values in [0, 1].

    Returns
    -------
    numpy.ndarray
        ``(..., 3) float64`` X, Y, Z.
    """
    # One matrix product for all colours: row vectors times the transposed matrix.
    return srgb_to_linear(srgb) @ SRGB_TO_XYZ.T


def xyz_to_srgb(xyz) -> np.ndarray:
    """CIE XYZ (D65, Y of white = 1) to sRGB, unclipped; the inverse of :func:`srgb_to_xyz`.

    Parameters
    ----------
    xyz : array_like
        ``(..., 3)`` X, Y, Z.

    Returns
    -------
    numpy.ndarray
        ``(..., 3) float64`` sRGB values.
    """
    return linear_to_srgb(_colours(xyz, "xyz") @ XYZ_TO_SRGB.T)


def _f(t: np.ndarray) -> np.ndarray:
    """CIELAB's compression: a cube root, and a straight line near black where the root is steep."""
    return np.where(t > _DELTA**3, np.cbrt(t), t / (3 * _DELTA**2) + 4.0 / 29.0)


def _f_inverse(s: np.ndarray) -> np.ndarray:
    """The inverse of :func:`_f`: a cube above ``6/29``, the straight line below."""
    return np.where(s > _DELTA, s**3, 3 * _DELTA**2 * (s - 4.0 / 29.0))


def xyz_to_lab(xyz, white=D65_WHITE) -> np.ndarray:
    """CIE XYZ to CIELAB.

    Parameters
    ----------
    xyz : array_like
        ``(..., 3)`` X, Y, Z on the scale of ``white``.
    white : array_like, optional
        ``(3,)`` X, Y, Z of the white point; D65 by default.

    Returns
    -------
    numpy.ndarray
        ``(..., 3) float64`` L* (0 black to 100 white), a*, b*.
    """
    fx, fy, fz = np.moveaxis(_f(_colours(xyz, "xyz") / np.asarray(white, dtype=np.float64)), -1, 0)
    return np.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], axis=-1)


def lab_to_xyz(lab, white=D65_WHITE) -> np.ndarray:
    """CIELAB to CIE XYZ; the inverse of :func:`xyz_to_lab`.

    Parameters
    ----------
    lab : array_like
        ``(..., 3)`` L*, a*, b*.
    white : array_like, optional
        ``(3,)`` X, Y, Z of the white point; D65 by default.

    Returns
    -------
    numpy.ndarray
        ``(..., 3) float64`` X, Y, Z.
    """
    L, a, b = np.moveaxis(_colours(lab, "lab"), -1, 0)
    fy = (L + 16.0) / 116.0
    f = np.stack([fy + a / 500.0, fy, fy - b / 200.0], axis=-1)
    return _f_inverse(f) * np.asarray(white, dtype=np.float64)


def srgb_to_lab(srgb) -> np.ndarray:
    """sRGB to CIELAB (D65 white, 2-degree observer).

    Parameters
    ----------
    srgb : array_like
        ``(..., 3)`` float sRGB values in [0, 1], e.g. an ``(H, W, 3)`` image or ``(m, 3)`` pixels.

    Returns
    -------
    numpy.ndarray
        ``(..., 3) float64`` L*, a*, b*: white is (100, 0, 0), black (0, 0, 0).

    Raises
    ------
    ValueError
        If the last axis is not 3 or the values are integers.
    """
    return xyz_to_lab(srgb_to_xyz(srgb))


def lab_to_srgb(lab) -> np.ndarray:
    """CIELAB (D65 white) to sRGB; the inverse of :func:`srgb_to_lab`.

    Parameters
    ----------
    lab : array_like
        ``(..., 3)`` L*, a*, b*.

    Returns
    -------
    numpy.ndarray
        ``(..., 3) float64`` sRGB values, not clipped: a Lab colour outside the sRGB gamut (a mean
        of Lab colours never is, but an arbitrary one may be) comes out below 0 or above 1, so
        clip with ``np.clip(rgb, 0, 1)`` before showing it.
    """
    return xyz_to_srgb(lab_to_xyz(lab))


def delta_e_1976(lab1, lab2) -> np.ndarray:
    """The CIE 1976 colour difference ΔE*ab: the Euclidean distance between two Lab colours.

    About 1 is the smallest difference an observer notices side by side; above 10 or so two
    colours look plainly different. Later formulas (CIE94, CIEDE2000) correct it for saturated
    colours, but it is the distance K-means in Lab minimises.

    Parameters
    ----------
    lab1, lab2 : array_like
        ``(..., 3)`` L*, a*, b*, of shapes that broadcast against each other.

    Returns
    -------
    numpy.ndarray
        ``(...)`` float64 differences, one per pair (a 0-d array for two single colours).
    """
    difference = _colours(lab1, "lab1") - _colours(lab2, "lab2")
    return np.sqrt(np.sum(difference**2, axis=-1))
