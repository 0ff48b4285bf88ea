"""course.colour_space: sRGB to CIELAB and back against published values, and ΔE 1976."""

from __future__ import annotations

import numpy as np
import pytest

from course.colour_space import (
    D65_WHITE,
    SRGB_TO_XYZ,
    delta_e_1976,
    lab_to_srgb,
    lab_to_xyz,
    linear_to_srgb,
    srgb_to_lab,
    srgb_to_linear,
    srgb_to_xyz,
    xyz_to_lab,
    xyz_to_srgb,
)

# L*, a*, b* (D65 white, 2-degree observer) of the sRGB primaries, as Bruce Lindbloom's colour
# calculator (brucelindbloom.com, "CIE Color Calculator", sRGB, reference white D65) gives them;
# the same four-decimal values are quoted as references by colour libraries' test suites.
PUBLISHED_LAB = {
    "red": ((1.0, 0.0, 0.0), (53.2408, 80.0925, 67.2032)),
    "green": ((0.0, 1.0, 0.0), (87.7347, -86.1827, 83.1793)),
    "blue": ((0.0, 0.0, 1.0), (32.2970, 79.1875, -107.8602)),
}


@pytest.mark.parametrize("name", PUBLISHED_LAB)
def test_primaries_match_published_lab(name):
    rgb, lab = PUBLISHED_LAB[name]
    assert srgb_to_lab(np.array(rgb)) == pytest.approx(lab, abs=0.01)


def test_white_and_black():
    assert srgb_to_lab([1.0, 1.0, 1.0]) == pytest.approx([100.0, 0.0, 0.0], abs=1e-3)
    assert srgb_to_lab([0.0, 0.0, 0.0]) == pytest.approx([0.0, 0.0, 0.0], abs=1e-12)
    # Greys have no colour: a* = b* = 0 all the way from black to white.
    greys = srgb_to_lab(np.repeat(np.linspace(0, 1, 11)[:, None], 3, axis=1))
    assert np.abs(greys[:, 1:]).max() < 1e-3
    assert np.all(np.diff(greys[:, 0]) > 0)


def test_red_xyz_is_the_first_column_of_the_matrix():
    # Linear red is (1, 0, 0), so its XYZ is the matrix's first column: Lindbloom's
    # X = 0.412456, Y = 0.212673, Z = 0.019334 for sRGB red.
    assert srgb_to_xyz([1.0, 0.0, 0.0]) == pytest.approx([0.4124564, 0.2126729, 0.0193339], abs=1e-7)
    # And white's XYZ is the D65 white the Lab formulas divide by.
    assert srgb_to_xyz([1.0, 1.0, 1.0]) == pytest.approx(D65_WHITE, abs=1e-6)


def test_companding_follows_both_branches():
    # Below the knee, a straight line; above it, the 2.4 power (values from the formula by hand).
    assert srgb_to_linear([0.02, 0.04045, 1.0]) == pytest.approx([0.02 / 12.92, 0.04045 / 12.92, 1.0])
    assert srgb_to_linear([0.5, 0.5, 0.5]) == pytest.approx([((0.5 + 0.055) / 1.055) ** 2.4] * 3)
    assert srgb_to_linear([0.5, 0.5, 0.5])[0] == pytest.approx(0.214041, abs=1e-6)
    # The two branches meet at the knee to within the standard's rounding (about 2e-9).
    below, above = srgb_to_linear([0.04045, 0.04045 + 1e-12, 0.0])[:2]
    assert above - below == pytest.approx(0.0, abs=1e-8)


def test_lab_formula_near_black_uses_the_straight_line():
    # Y / Yn = 0.001 is below (6/29)^3 = 0.008856, where L* = (29/3)^3 * Y / Yn = 903.3 * Y / Yn.
    lab = xyz_to_lab(D65_WHITE * 0.001)
    assert lab == pytest.approx([903.2963 * 0.001, 0.0, 0.0], abs=1e-4)
    assert lab_to_xyz(lab) == pytest.approx(D65_WHITE * 0.001, abs=1e-15)


def test_round_trip_is_exact_on_random_colours():
    rng = np.random.default_rng(12)
    # Dark colours too, on the companding's straight segment (below 0.04045), where a branch
    # mix-up would show; and the corners of the cube.
    rgb = np.vstack([rng.random((10_000, 3)), 0.05 * rng.random((1_000, 3)), [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]])
    assert np.abs(lab_to_srgb(srgb_to_lab(rgb)) - rgb).max() < 1e-9
    assert np.abs(xyz_to_srgb(srgb_to_xyz(rgb)) - rgb).max() < 1e-9
    assert np.abs(linear_to_srgb(srgb_to_linear(rgb)) - rgb).max() < 1e-12


def test_round_trip_at_the_companding_knee():
    # The standard's two branches miss each other by 2.3e-9 in linear light at 0.04045, so a
    # value there that comes back a rounding error above the knee takes the other branch: the
    # round trip is then off by about 3e-8, a ten-thousandth of an 8-bit step, and no more.
    knee = np.array([[0.04045, 0.04045 - 1e-12, 0.04045 + 1e-12]])
    assert np.abs(lab_to_srgb(srgb_to_lab(knee)) - knee).max() < 1e-7


def test_any_leading_shape_is_kept():
    rng = np.random.default_rng(0)
    image = rng.random((4, 5, 3))
    lab = srgb_to_lab(image)
    assert lab.shape == (4, 5, 3) and lab.dtype == np.float64
    # An image gives the same values as its pixels in a list, and as each pixel alone.
    assert np.array_equal(lab.reshape(-1, 3), srgb_to_lab(image.reshape(-1, 3)))
    assert np.allclose(lab[2, 3], srgb_to_lab(image[2, 3]), rtol=0, atol=1e-12)
    assert srgb_to_lab(image.astype(np.float32)).dtype == np.float64


def test_out_of_gamut_lab_comes_back_unclipped_and_finite():
    # a* = 150 is far outside sRGB: some channel must leave [0, 1], without NaN or a warning.
    with np.errstate(all="raise"):
        rgb = lab_to_srgb([[50.0, 150.0, 0.0], [50.0, -150.0, 0.0], [0.0, 0.0, 0.0]])
    assert np.isfinite(rgb).all()
    assert rgb[0].min() < 0 or rgb[0].max() > 1
    assert rgb[1].min() < 0 or rgb[1].max() > 1


@pytest.mark.parametrize("function", [srgb_to_lab, lab_to_srgb, srgb_to_linear, linear_to_srgb, srgb_to_xyz,
                                      xyz_to_srgb, xyz_to_lab, lab_to_xyz])
@pytest.mark.parametrize("shape", [(), (3, 4), (10, 2), (2, 2, 4)])
def test_bad_shapes_raise_a_clear_error(function, shape):
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 3\)"):
        function(np.zeros(shape))


def test_8_bit_values_are_refused():
    with pytest.raises(ValueError, match="divide 8-bit values by 255"):
        srgb_to_lab(np.array([[255, 0, 0]], dtype=np.uint8))
    with pytest.raises(ValueError, match="must be numbers"):
        srgb_to_lab(np.array([["a", "b", "c"]]))
    # Lab values may be integers: (50, 0, 0) is a mid grey.
    assert lab_to_srgb([50, 0, 0]) == pytest.approx(lab_to_srgb([50.0, 0.0, 0.0]))


def test_the_matrix_rows_sum_to_the_white_point():
    # Linear white (1, 1, 1) must give the white point: a check that no digit was mistyped.
    assert SRGB_TO_XYZ.sum(axis=1) == pytest.approx(D65_WHITE, abs=2e-7)


def test_delta_e_1976_known_values():
    assert delta_e_1976([50.0, 0.0, 0.0], [50.0, 3.0, 4.0]) == pytest.approx(5.0)  # a 3-4-5 triangle
    assert delta_e_1976([100.0, 0.0, 0.0], [0.0, 0.0, 0.0]) == pytest.approx(100.0)  # white to black
    # Red to blue from the published Lab values above, and through the conversion.
    (red_rgb, red_lab), (blue_rgb, blue_lab) = PUBLISHED_LAB["red"], PUBLISHED_LAB["blue"]
    expected = np.sqrt((53.2408 - 32.2970) ** 2 + (80.0925 - 79.1875) ** 2 + (67.2032 + 107.8602) ** 2)
    assert delta_e_1976(red_lab, blue_lab) == pytest.approx(expected)
    assert delta_e_1976(srgb_to_lab(red_rgb), srgb_to_lab(blue_rgb)) == pytest.approx(expected, abs=0.01)


def test_delta_e_broadcasts_and_is_a_distance():
    rng = np.random.default_rng(1)
    a = srgb_to_lab(rng.random((6, 7, 3)))
    b = srgb_to_lab(rng.random((6, 7, 3)))
    d = delta_e_1976(a, b)
    assert d.shape == (6, 7)
    assert np.array_equal(d, delta_e_1976(b, a))
    assert np.all(delta_e_1976(a, a) == 0)
    # One colour against many: broadcasting, the same as repeating it.
    assert np.allclose(delta_e_1976(a, a[0, 0]), delta_e_1976(a, np.broadcast_to(a[0, 0], a.shape)))
    with pytest.raises(ValueError, match="lab2"):
        delta_e_1976(a, np.zeros((6, 7, 2)))
