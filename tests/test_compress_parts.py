"""The pieces behind compress.py: colour counts, weighted K-means, the palette fit, the PNG writer."""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from course.pillow_png import indexed_png_image
from quantize import colour_counts, png_encoder, threads
from quantize import weighted_kmeans as wk
from quantize.colour_counts import colour_histogram
from quantize.palette import _grey_palette, fit_palette
from quantize.png_encoder import write_indexed_png

ROOT = Path(__file__).resolve().parent.parent
RNG = np.random.default_rng(2026)


def random_image(channels: int, shape=(37, 23), levels=6) -> np.ndarray:
    """Few levels a channel, so colours repeat."""
    return (RNG.integers(0, levels, (*shape, channels)) * 51).astype(np.uint8)


# --- colour counts -----------------------------------------------------------------------------

@pytest.mark.parametrize("channels, dense_from", [(3, 0), (3, 10**9), (4, 0)])
def test_count_colours_matches_unique(channels, dense_from, monkeypatch):
    monkeypatch.setattr(colour_counts, "DENSE_MIN_PIXELS", dense_from)  # both RGB routes
    pixels = random_image(channels)
    counts = colour_histogram(pixels)
    colours, expected = np.unique(pixels.reshape(-1, channels), axis=0, return_counts=True)
    order = np.lexsort(counts.colours.T[::-1])  # RGBA lists colours that are not opaque first
    assert np.array_equal(counts.colours[order], colours) and np.array_equal(counts.counts[order], expected)
    if channels == 4:
        opaque = counts.colours[:, 3] == 255
        assert 0 < opaque.sum() < len(counts) and not opaque[: (~opaque).sum()].any()
    assert counts.colours.dtype == np.uint8 and counts.counts.dtype == np.int64
    # per_pixel spreads one value per colour back to the pixels: here, each colour's own row.
    rows = counts.per_pixel(np.arange(len(counts)))
    assert rows.shape == pixels.shape[:2]
    assert np.array_equal(counts.colours[rows], pixels)


@pytest.mark.parametrize("alpha", [0, 128, 255])
def test_count_colours_rgba_of_one_kind(alpha):
    pixels = random_image(4)
    pixels[..., 3] = alpha
    counts = colour_histogram(pixels)
    assert counts.counts.sum() == pixels.shape[0] * pixels.shape[1]
    assert np.array_equal(counts.colours[counts.per_pixel(np.arange(len(counts)))], pixels)


def test_count_colours_rejects_other_arrays():
    with pytest.raises(ValueError):
        colour_histogram(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError):
        colour_histogram(np.zeros((4, 4), np.uint8))


@pytest.mark.parametrize("bits", [3, 6, 8])
def test_bin_index_numbers_the_occupied_cubes_in_order(bits):
    counts = colour_histogram(random_image(3, levels=40))
    of = colour_counts.bin_index(counts.colours, bits)
    cubes = counts.colours >> (8 - bits)
    assert np.array_equal(np.unique(of), np.arange(of.max() + 1))  # every number used
    _, want = np.unique(cubes, axis=0, return_inverse=True)  # the cubes in (R, G, B) order
    assert np.array_equal(of, want.ravel())


# --- weighted K-means --------------------------------------------------------------------------

def brute_nearest(points, centres):
    d = ((points[:, None, :].astype(float) - centres[None].astype(float)) ** 2).sum(-1)
    return d.argmin(1), d.min(1)


@pytest.mark.parametrize("n", [1000, 40_000])  # 40,000 rows: shared between threads
def test_nearest_centre_is_the_nearest(n):
    points = RNG.random((n, 3)).astype(np.float32) * 255
    centres = RNG.random((50, 3)) * 255
    labels, sq = wk.nearest_centre(points, centres)
    want, want_sq = brute_nearest(points, centres)
    # float32 may only flip exact near-ties: the chosen centre is as near, to rounding.
    assert np.allclose(sq, want_sq, atol=0.05)
    assert (labels == want).mean() > 0.999


def test_two_nearest():
    points, centres = RNG.random((500, 3)) * 255, RNG.random((9, 3)) * 255
    labels, first, second = wk.two_nearest(points, centres)
    d = np.sort(((points[:, None] - centres[None]) ** 2).sum(-1), axis=1)
    assert np.array_equal(labels, brute_nearest(points, centres)[0])
    assert np.allclose(first, d[:, 0]) and np.allclose(second, d[:, 1])


def test_lloyd_lowers_the_error_and_refills_empty_centres():
    points = np.vstack([RNG.normal(m, 5, (200, 3)) for m in (30, 120, 220)])
    weights = RNG.integers(1, 10, len(points)).astype(float)
    start = np.array([[30, 30, 30], [31, 31, 31], [1000, 1000, 1000]], float)  # one is far from all
    _, start_sq = wk.nearest_centre(points, start)
    centres, sse = wk.lloyd(points, weights, start)
    labels, sq = wk.nearest_centre(points, centres)
    assert len(np.unique(labels)) == 3  # the far centre was brought back into use
    assert weights @ sq <= sse < weights @ start_sq
    assert np.allclose(np.sort(centres[:, 0]), [30, 120, 220], atol=2)


def test_centre_means_marks_empty_centres():
    means, totals = wk.centre_means(np.ones((4, 2)), np.ones(4), np.array([0, 0, 2, 2]), 3)
    assert np.array_equal(totals, [2, 0, 2]) and np.isnan(means[1]).all()


def test_median_cut_and_kmeans_plus_plus():
    points = RNG.random((300, 3)) * 255
    weights = RNG.integers(1, 5, 300).astype(float)
    for principal in (True, False):
        centres = wk.median_cut_centres(points, weights, 16, principal_axis=principal)
        assert centres.shape == (16, 3) and len(np.unique(centres, axis=0)) == 16
    assert len(wk.median_cut_centres(points[:3], weights[:3], 8)) == 3  # no more boxes than points
    a = wk.kmeans_plus_plus(points, weights, 10, np.random.default_rng(5))
    b = wk.kmeans_plus_plus(points, weights, 10, np.random.default_rng(5))
    assert np.array_equal(a, b) and len(np.unique(a, axis=0)) == 10


def test_swap_search_escapes_a_local_minimum_of_lloyd():
    # Three groups; Lloyd started with two centres in the first group and one between the others
    # stays stuck there. A swap moves the spare centre to where the error is.
    points = np.vstack([RNG.normal(mean, 3, (100, 3)) for mean in (20, 120, 230)])
    weights = np.ones(300)
    centres, sse = wk.lloyd(points, weights, np.array([[18.0] * 3, [22.0] * 3, [175.0] * 3]))
    better, better_sse = wk.swap_search(points, weights, centres, sse, 3, np.random.default_rng(0))
    assert better_sse < 0.1 * sse
    assert np.allclose(np.sort(better[:, 0]), [20, 120, 230], atol=3)


# --- palette ---------------------------------------------------------------------------------

@pytest.mark.parametrize("image", ["tests/data/icons/media-flash.png", "tests/data/icons/user-home.png",
                                   "images/chelsea.png", "many colours"])
def test_the_fit_of_a_small_image_costs_in_proportion_to_its_colours(monkeypatch, image):
    """Issue 21: the swaps do at most SWAP_WORK_PER_COLOUR bin-trials a distinct colour, and the
    finish at most FINISH_MAX_ITER iterations; an image of many colours keeps the bound of
    SWAP_WORK. Before, an icon of a few hundred colours ran all 40 swaps, and the finish up to 100
    iterations. An image of fewer than BINNED_MIN_COLOURS colours (the icons) is fitted on its
    colours alone, so that its Lloyd runs, at most MAX_ITER iterations, are on that many points."""
    import quantize.palette as palette

    events = []
    for name in ("swap_search", "lloyd", "grouped_lloyd"):
        def spy(*args, _real=getattr(palette, name), _name=name, **kwargs):
            trials = args[4] if _name == "swap_search" else None
            events.append((_name, len(args[0]), trials, kwargs.get("max_iter")))
            return _real(*args, **kwargs)
        monkeypatch.setattr(palette, name, spy)
    if image == "many colours":  # about 1.1 million colours in 24 clouds
        rng = np.random.default_rng(7)
        cloud = rng.integers(30, 226, (24, 3))[rng.integers(0, 24, 1_200_000)] + rng.normal(0, 30, (1_200_000, 3))
        pixels = np.clip(cloud, 0, 255).astype(np.uint8).reshape(1000, 1200, 3)
    else:
        pixels = np.asarray(Image.open(ROOT / image))
    counts = colour_histogram(pixels)
    colours = len(counts)
    fit_palette(counts.colours, counts.counts.astype(np.float64), 16)
    [(_, points, trials, _)] = [event for event in events if event[0] == "swap_search"]
    colour_work = palette.SWAP_WORK_PER_COLOUR * colours
    assert 1 <= trials <= palette.SWAP_TRIALS and trials * points <= max(points, min(palette.SWAP_WORK, colour_work))
    if image == "many colours":  # the work bound, not the colours, limits the swaps
        assert colour_work > palette.SWAP_WORK and trials == min(palette.SWAP_TRIALS, palette.SWAP_WORK // points)
    else:
        assert colours < palette.SWAP_WORK and trials < palette.SWAP_TRIALS
    _, n, _, finish_iter = events[-1]  # the finish, on the colours themselves
    if colours < palette.BINNED_MIN_COLOURS:
        assert {event[1] for event in events} == {colours}
        assert all(event[3] <= palette.MAX_ITER for event in events if event[0] == "lloyd")
    else:
        assert n == colours and 1 <= finish_iter <= palette.FINISH_MAX_ITER


def test_fit_palette_keeps_few_colours_exactly():
    colours = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)
    fit = fit_palette(colours, np.array([3, 4]), 5)
    assert np.array_equal(fit.palette, colours) and fit.sse == 0


def test_fit_palette_reports_its_error():
    counts = colour_histogram(random_image(3, shape=(60, 60), levels=30))
    fit = fit_palette(counts.colours, counts.counts, 12, seed=1)
    assert fit.palette.dtype == np.uint8 and len(fit.palette) <= 12
    sq = ((counts.colours.astype(float) - fit.palette[fit.labels]) ** 2).sum(1)
    assert fit.sse == pytest.approx(counts.counts @ sq)
    assert np.array_equal(fit.labels, brute_nearest(counts.colours, fit.palette)[0])


def test_grey_palette_is_optimal():
    greys = np.array([0, 1, 3, 4, 8, 9, 10, 15], np.uint8)
    weights = np.array([5, 1, 2, 7, 1, 3, 2, 4], float)
    colours = np.repeat(greys[:, None], 3, axis=1)
    fit = _grey_palette(colours, weights, 3)
    best = min(weights @ np.min((greys[:, None] - np.array(p)[None]) ** 2, axis=1)
               for p in itertools.combinations(range(16), 3))
    assert fit.sse == pytest.approx(3 * best)
    assert (fit.palette == fit.palette[:, :1]).all()
    sq = ((colours.astype(float) - fit.palette[fit.labels]) ** 2).sum(1)
    assert weights @ sq == pytest.approx(fit.sse)
    # fit_palette takes this route for any grey histogram.
    assert fit_palette(colours, weights, 3).sse == pytest.approx(fit.sse)


# --- PNG encoder -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", png_encoder.FILTERS)
@pytest.mark.parametrize("k, depth", [(2, 1), (4, 2), (16, 4), (16, 8), (17, 8), (256, 8)])
def test_png_round_trip_at_every_depth_and_filter(tmp_path, monkeypatch, k, depth, kind):
    monkeypatch.setattr(png_encoder, "choose_layout", lambda indices, colours: png_encoder.Layout(depth, kind, 1.0))
    indices = RNG.integers(0, k, (9, 61)).astype(np.uint8)  # 61 wide: the last byte of a row is padded
    indices[3:6] = indices[2]  # some rows repeat, some runs: what the filters predict
    palette = RNG.integers(0, 256, (k, 3), dtype=np.uint8)
    size = write_indexed_png(tmp_path / "o.png", indices, palette)
    data = (tmp_path / "o.png").read_bytes()
    assert size == len(data) and data[24] == depth  # IHDR bit depth
    with Image.open(tmp_path / "o.png") as img:
        assert np.array_equal(np.asarray(img.convert("RGB")), palette[indices])  # every pixel its colour
        assert len(img.getpalette()) == 3 * k


def test_the_deflate_level_changes_the_bytes_not_the_pixels():
    indices = np.repeat(RNG.integers(0, 8, (40, 60)), 3, axis=1).astype(np.uint8)  # runs, as in icons
    palette = RNG.integers(0, 256, (8, 3), dtype=np.uint8)
    files = {level: png_encoder.encode_indexed_png(indices, palette, level=level) for level in (1, 9, 12)}
    assert len(files[1]) > len(files[12])  # a level the encoder passes on to libdeflate
    for data in files.values():
        with Image.open(io.BytesIO(data)) as img:
            assert np.array_equal(np.asarray(img.convert("RGB")), palette[indices])
    # A small image's default: the slowest level, LEVEL_SMALL (12), where the trials compressed it
    # well (long runs, as in icons), else LEVEL_SMALL_PHOTO (11).
    _, layout, stream = png_encoder.stored_image(indices, palette)
    level = png_encoder.default_level(stream, layout)
    assert png_encoder.encode_indexed_png(indices, palette) == png_encoder.encode_indexed_png(indices, palette, level)


def test_a_small_image_is_stored_at_level_12_if_its_trials_compressed_it_well_else_at_11():
    """Icons and graphics (long runs) gain up to 6 % from level 12 over 11, photos 0.04 %."""
    icon = np.zeros((128, 128), np.uint8)
    icon[32:96, 32:96] = np.add.outer(np.arange(64) // 8, np.arange(64) // 8) % 5 + 1  # runs on a clear field
    photo = np.clip(np.add.outer(np.arange(128), np.arange(128)) // 4 + RNG.integers(-3, 4, (128, 128)),
                    0, 63).astype(np.uint8)  # a noisy gradient
    levels = {}
    for name, indices in (("icon", icon), ("photo", photo)):
        _, layout, stream = png_encoder.stored_image(indices, RNG.integers(0, 256, (64, 3), dtype=np.uint8))
        levels[name] = png_encoder.default_level(stream, layout)
        assert (layout.shrink >= png_encoder.SHRINK_FOR_LEVEL_SMALL) == (name == "icon"), (name, layout)
    assert levels == {"icon": png_encoder.LEVEL_SMALL, "photo": png_encoder.LEVEL_SMALL_PHOTO}
    big = png_encoder.Layout(8, png_encoder.NONE, 100.0)
    rows = png_encoder.LEVEL_SMALL_MAX_BYTES // 512 + 1  # more than LEVEL_SMALL_MAX_BYTES: level 9 however it shrinks
    assert png_encoder.default_level(np.zeros((rows, 513), np.uint8), big) == png_encoder.LEVEL_LARGE


def test_the_stored_image_is_what_the_idat_deflates():
    """bench/deflate_threads.py splits stored_image's stream: it must be the encoder's, byte for byte."""
    indices = np.repeat(RNG.integers(0, 8, (40, 60)), 3, axis=1).astype(np.uint8)
    palette = RNG.integers(0, 256, (8, 4), dtype=np.uint8)
    stored, layout, stream = png_encoder.stored_image(indices, palette)
    data = png_encoder.encode_indexed_png(indices, palette)
    with Image.open(io.BytesIO(data)) as img:
        assert img.mode == "P" and data[24] == layout.depth in (4, 8)  # IHDR's bit depth: 8 colours in 4 bits, or 8
        assert np.array_equal(np.asarray(img.getpalette(rawmode="RGB"), dtype=np.uint8).reshape(-1, 3),
                              stored[:, :3])
    idat = data.index(b"IDAT")
    size = int.from_bytes(data[idat - 4:idat], "big")
    assert zlib.decompress(data[idat + 4:idat + 4 + size]) == stream.tobytes()


def test_the_threads_benchmark_joins_streams_that_decode():
    """bench/deflate_threads.py exits 1 if a joined stream does not decode to the stream it split."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "deflate_threads.py"), "--K", "16", "--repeat", "1",
                           "--size", "400", "300"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| 6, ") or line.startswith("| 9, ")]
    assert len(rows) == 6, done.stdout


def test_png_transparency_round_trip(tmp_path):
    palette = np.array([[200, 10, 10, 255], [9, 9, 9, 128], [0, 0, 0, 0], [50, 50, 50, 255]], np.uint8)
    indices = np.array([[0, 1, 2, 3], [3, 2, 1, 0]], np.uint8)
    write_indexed_png(tmp_path / "t.png", indices, palette)
    with Image.open(tmp_path / "t.png") as img:
        assert np.array_equal(np.asarray(img.convert("RGBA")), palette[indices])
        assert len(img.info["transparency"]) == 2  # the entries that are not opaque come first
    assert "transparency" not in indexed_png_image(indices, palette[:, :3]).info


def test_palette_order_puts_transparency_first_then_luminance():
    palette = np.array([[255, 255, 255, 255], [0, 0, 0, 255], [10, 10, 10, 0], [0, 255, 0, 255],
                        [255, 0, 0, 255]], np.uint8)
    assert png_encoder.palette_order(palette).tolist() == [2, 1, 4, 3, 0]


def test_pack_rows_puts_the_leftmost_pixel_in_the_high_bits():
    assert png_encoder.pack_rows(np.array([[1, 2, 3]], np.uint8), 4).tolist() == [[0x12, 0x30]]
    assert png_encoder.pack_rows(np.array([[1, 0, 1, 1, 0, 0, 0, 1, 1]], np.uint8), 1).tolist() == [[0xB1, 0x80]]


def test_the_layout_chosen_is_the_smallest_on_the_sample():
    smooth = np.tile(np.repeat(np.arange(64, dtype=np.uint8), 4), (40, 1))  # a ramp: filters win
    assert png_encoder.choose_layout(smooth, 64)[1] != png_encoder.NONE
    noise = RNG.integers(0, 4, (40, 256)).astype(np.uint8)  # no structure: no filter helps
    depth, kind, _ = png_encoder.choose_layout(noise, 4)
    assert kind == png_encoder.NONE and depth in (2, 8)
    assert png_encoder.choose_layout(noise, 200)[0] == 8  # more than 16 colours: 8 bits, always


def test_the_layout_trials_are_at_the_level_the_file_is_written_at_above_the_small_size(monkeypatch):
    """Between LEVEL_SMALL_MAX_BYTES and WHOLE_SAMPLE_PIXELS pixels the 8-bit file is written at
    LEVEL_LARGE: every layout is tried at that level, which picks its smallest exactly (the faster
    trials of a small image could misjudge it); below, the trials start at LEVEL_WHOLE_SAMPLE."""
    import deflate

    levels, compress = [], deflate.zlib_compress

    def recording(data, level):
        levels.append(level)
        return compress(data, level)

    monkeypatch.setattr(png_encoder.deflate, "zlib_compress", recording)
    rows = png_encoder.LEVEL_SMALL_MAX_BYTES // 512 + 8
    assert png_encoder.LEVEL_SMALL_MAX_BYTES < rows * 512 <= png_encoder.WHOLE_SAMPLE_PIXELS
    ramp = (np.add.outer(np.arange(rows) // 3, np.arange(512) // 5) % 200).astype(np.uint8)
    png_encoder.choose_layout(ramp, 200)
    assert levels == [png_encoder.LEVEL_LARGE] * len(png_encoder.FILTERS)
    levels.clear()
    png_encoder.choose_layout(ramp[:64], 200)
    assert levels[:len(png_encoder.FILTERS)] == [png_encoder.LEVEL_WHOLE_SAMPLE] * len(png_encoder.FILTERS)


def test_the_thread_count_does_not_change_the_assignment():
    points = RNG.random((300_000, 3)).astype(np.float32) * 255  # enough rows for several threads
    centres = RNG.random((64, 3)) * 255
    try:
        threads.use_threads(1)
        one = wk.nearest_centre(points, centres)
        threads.use_threads(4)
        four = wk.nearest_centre(points, centres)
    finally:
        threads.use_threads(threads.CPUS)
    assert np.array_equal(one[0], four[0]) and np.array_equal(one[1], four[1])


# --- BLAS threads ------------------------------------------------------------------------------

BLAS_THREADS_SCRIPT = """
import numpy
from threadpoolctl import threadpool_info
from quantize.threads import one_blas_thread

def blas_threads():
    return sorted({pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"})

before = blas_threads()
one_blas_thread()
print(*before, *blas_threads())
"""


@pytest.mark.parametrize("exported", [None, "2"])
def test_one_blas_thread_unless_the_user_chose(exported):
    env = {k: v for k, v in os.environ.items() if k not in threads.USER_SETTINGS}  # make test sets them
    if exported:
        env["OPENBLAS_NUM_THREADS"] = exported
    done = subprocess.run([sys.executable, "-c", BLAS_THREADS_SCRIPT], env=env, capture_output=True, text=True,
                          check=True, cwd=ROOT)
    before, after = map(int, done.stdout.split())  # one BLAS, its threads before and after
    if exported:
        assert before == after == 2  # the user's choice stands
    else:
        assert after == 1
        if len(os.sched_getaffinity(0)) > 1:
            assert before > 1  # BLAS starts with a thread a core: the limit is what made it 1


def test_one_blas_thread_before_numpy_is_imported_still_holds_its_blas():
    """A script that calls it first (before any numpy import) gets the limit too: it loads numpy itself."""
    script = ("from quantize.threads import one_blas_thread\none_blas_thread()\n"
              "import numpy\nfrom threadpoolctl import threadpool_info\n"
              "print(*sorted({p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas'}))")
    env = {k: v for k, v in os.environ.items() if k not in threads.USER_SETTINGS}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.split() == ["1"]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts the process's threads in /proc (Linux)")
def test_the_command_starts_openblas_on_one_thread(tmp_path):
    """compress.py sets the count before numpy loads OpenBLAS, so no BLAS thread is ever started
    (threadpoolctl's limit, applied later, would leave them there, idle): one thread at the end."""
    script = ("import os, runpy, sys\n"
              f"sys.argv = ['compress.py', {str(ROOT / 'tests/data/icons/media-flash.png')!r}, '-k', '16', "
              f"'-o', {str(tmp_path / 'out.png')!r}]\n"
              "try:\n    runpy.run_path('compress.py', run_name='__main__')\nexcept SystemExit as end:\n"
              "    assert not end.code, end.code\n"
              "print(os.environ.get('OPENBLAS_NUM_THREADS'), len(os.listdir('/proc/self/task')))")
    env = {k: v for k, v in os.environ.items() if k not in threads.USER_SETTINGS}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.split()[-2:] == ["1", "1"]


@pytest.mark.parametrize("exported", ["2", " 1"])
def test_a_count_the_user_exported_is_kept_from_the_start(exported, monkeypatch):
    monkeypatch.setenv("MKL_NUM_THREADS", exported)
    for name in set(threads.USER_SETTINGS) - {"MKL_NUM_THREADS"}:
        monkeypatch.delenv(name, raising=False)
    threads.one_blas_thread_from_the_start()
    assert "OPENBLAS_NUM_THREADS" not in os.environ
    assert threads._user_chose_threads() == (exported.strip() != "1")
