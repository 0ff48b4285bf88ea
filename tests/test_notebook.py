"""The committed notebook: structure, stored outputs, and the code it contains.

nbval (run by `make test`) re-executes the notebook and compares every output; these tests check
what nbval cannot: that there is something to compare, that the graded cells follow the
conventions the grader relies on, that the prose's expected outputs match the real ones, and that
the solutions and the given K-means code are right beyond the public tests.
"""

from __future__ import annotations

import re
import warnings

import nbformat
import numpy as np
import pytest

from grading.instructor_notebook import BEGIN_SOLUTION, END_SOLUTION, GRADED_FUNCTIONS, SOURCE_NOTEBOOK, graded_cells, load_reference
from public_tests import compute_centroids_test, find_closest_centroids_test


@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(SOURCE_NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def reference():
    return load_reference()


@pytest.fixture(scope="module")
def given_code(notebook, reference):
    """The notebook's given (ungraded) functions, run_kMeans and friends, bound to the solutions."""
    namespace = {"np": np, **reference}
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.startswith("def ") and "graded" not in cell.metadata.get("tags", []):
            exec(cell.source, namespace)
    return namespace


def _code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _stdout(cell) -> str:
    return "".join(out.get("text", "") for out in cell.outputs if out.get("name") == "stdout")


# --- what nbval needs in order to check anything ------------------------------------------------


def test_every_code_cell_is_executed_in_order_without_errors(notebook):
    counts = []
    for cell in _code_cells(notebook):
        assert cell.execution_count is not None, f"unexecuted cell: nbval would compare nothing:\n{cell.source[:80]}"
        counts.append(cell.execution_count)
        errors = [out for out in cell.outputs if out.output_type == "error"]
        assert not errors, f"stored error in:\n{cell.source[:80]}"
        assert not any(out.get("name") == "stderr" for out in cell.outputs), f"stderr output in:\n{cell.source[:80]}"
    assert counts == list(range(1, len(counts) + 1)), "run the notebook top to bottom in one kernel (make notebook)"


def test_every_figure_has_axes_and_an_image(notebook):
    figures = 0
    for cell in _code_cells(notebook):
        for out in cell.outputs:
            text = "".join(out.get("data", {}).get("text/plain", ""))
            if text.startswith("<Figure"):
                figures += 1
                assert "with 0 Axes" not in text
                assert out.data.get("image/jpeg") or out.data.get("image/png")
    assert figures >= 10


def test_no_memory_addresses_or_timings_in_outputs(notebook):
    for cell in _code_cells(notebook):
        for out in cell.outputs:
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
            assert not re.search(r"at 0x[0-9a-f]+", text), text


# --- conventions the release and the grader rely on ---------------------------------------------


def test_graded_cells_define_the_graded_functions_with_one_solution_region_each(notebook):
    cells = graded_cells(notebook)
    assert len(cells) == len(GRADED_FUNCTIONS)
    for cell, name in zip(cells, GRADED_FUNCTIONS):
        assert cell.source.startswith(f"def {name}(")
        assert cell.source.count(BEGIN_SOLUTION) == 1 and cell.source.count(END_SOLUTION) == 1
        assert cell.source.index(BEGIN_SOLUTION) < cell.source.index(END_SOLUTION)
        # The function returns after the region, so the learner's placeholder keeps it well formed.
        assert cell.source.rstrip().splitlines()[-1].strip().startswith("return ")
    optional = [c for c in _code_cells(notebook) if "optional" in c.metadata.get("tags", [])]
    assert [c.source.split("(")[0] for c in optional] == ["def kmeans_plus_plus_init"]  # Going further's exercise
    untagged = [c for c in _code_cells(notebook) if BEGIN_SOLUTION in c.source and c not in cells + optional]
    assert not untagged


def test_each_exercise_is_followed_by_its_test_call(notebook):
    sources = [cell.source for cell in _code_cells(notebook)]
    for name in GRADED_FUNCTIONS:
        definition = next(i for i, s in enumerate(sources) if s.startswith(f"def {name}("))
        test_call = next(i for i, s in enumerate(sources) if f"{name}_test({name})" in s)
        assert test_call == definition + 1


def test_table_of_contents_links_resolve(notebook):
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    anchors = set(re.findall(r'<a id="([\w-]+)"></a>', markdown))
    links = set(re.findall(r"\]\(#([\w-]+)\)", markdown))
    assert links and links <= anchors, links - anchors


def test_expected_output_tables_match_the_real_outputs(notebook):
    cells = notebook.cells
    checked = 0
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and cell.source.startswith("**Expected output**"):
            output = _stdout(cells[i - 1])
            for expected in re.findall(r"`([^`]+)`", cell.source):
                assert expected in output, f"{expected!r} not in the output above it:\n{output}"
                checked += 1
    assert checked >= 7


# --- the solutions ---------------------------------------------------------------------------


def test_solutions_pass_the_public_tests(reference, capsys):
    find_closest_centroids_test(reference["find_closest_centroids"])
    compute_centroids_test(reference["compute_centroids"])
    assert capsys.readouterr().out.count("checks passed") == 2


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
@pytest.mark.parametrize("K", [1, 7, 16, 64])
def test_find_closest_centroids_matches_brute_force_across_blocks(reference, dtype, K):
    rng = np.random.default_rng(K)
    m = 70_001  # several blocks of rows, the last one partial
    X = rng.integers(0, 256, size=(m, 3)).astype(dtype)
    centroids = rng.uniform(0, 255, size=(K, 3))
    before = X.copy()
    idx = reference["find_closest_centroids"](X, centroids)
    expected = np.concatenate([
        ((X[s:s + 5000, None, :].astype(float) - centroids[None]) ** 2).sum(-1).argmin(1) for s in range(0, m, 5000)
    ])
    assert idx.shape == (m,) and np.issubdtype(idx.dtype, np.integer)
    assert np.mean(idx == expected) > 0.9999  # float rounding may flip an exact tie, nothing more
    assert np.array_equal(X, before)


def test_compute_centroids_on_uint8_pixels_and_empty_clusters(reference):
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, size=(10_000, 3), dtype=np.uint8)
    idx = rng.integers(0, 5, size=10_000)  # clusters 5 to 7 are empty
    centroids = reference["compute_centroids"](X, idx, 8)
    assert centroids.shape == (8, 3) and centroids.dtype == np.float64
    for k in range(5):
        assert np.allclose(centroids[k], X[idx == k].mean(axis=0))
    assert np.isnan(centroids[5:]).all()


# --- the given K-means code ------------------------------------------------------------------------


def test_run_kmeans_stops_when_assignments_settle_and_returns_matching_labels(given_code):
    X = np.loadtxt(SOURCE_NOTEBOOK.parent / "data" / "toy_points.csv", delimiter=",", skiprows=1)
    centroids, idx, history = given_code["run_kMeans"](X, np.array([[3.0, 3.0], [6.0, 2.0], [8.0, 5.0]]), 50, verbose=False)
    assert np.array_equal(idx, given_code["find_closest_centroids"](X, centroids))
    assert len(history["centroids"]) == len(history["J"]) < 51  # it converged before the cap
    assert np.all(np.diff(history["J"]) <= 1e-12)  # K-means never increases J


def test_run_kmeans_never_produces_nan_when_a_cluster_empties(given_code):
    X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
    far_away = np.array([[0.0, 0.5], [10.0, 0.5], [100.0, 100.0]])  # centroid 2 never gets a point
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "Mean of empty slice" or invalid-value warnings either
        centroids, idx, history = given_code["run_kMeans"](X, far_away, 5, verbose=False)
    assert not np.isnan(centroids).any()
    assert np.array_equal(centroids[2], far_away[2])  # kept where it was, as the notebook says
    assert all(not np.isnan(c).any() for c in history["centroids"])


def test_kmeans_init_centroids_is_seeded_and_distinct(given_code):
    init = given_code["kMeans_init_centroids"]
    X = np.repeat(np.arange(30.0).reshape(10, 3), 1000, axis=0)  # 10 distinct rows, each 1000 times
    a = init(X, 10, np.random.default_rng(5))
    b = init(X, 10, np.random.default_rng(5))
    assert np.array_equal(a, b)
    assert len(np.unique(a, axis=0)) == 10
    with pytest.raises(ValueError, match="only 10 distinct"):
        init(X, 11, np.random.default_rng(5))


# --- the prose's claims about the stored outputs ----------------------------------------------------


def _cell_after(notebook, marker):
    """The first code cell whose source contains ``marker``."""
    return next(cell for cell in _code_cells(notebook) if marker in cell.source)


def test_the_story_of_the_first_run_is_what_happened(given_code):
    """The prose after the first run: J barely moves for six iterations, then drops at 7 and 8, as
    the centroid from (6, 2) reaches the bottom group and the one from (3, 3) moves to the top."""
    X = np.loadtxt(SOURCE_NOTEBOOK.parent / "data" / "toy_points.csv", delimiter=",", skiprows=1)
    start = np.array([[3.0, 3.0], [6.0, 2.0], [8.0, 5.0]])
    centroids, idx, history = given_code["run_kMeans"](X, start, 10, verbose=False)
    J = np.array(history["J"])
    assert len(J) - 1 == 9  # "At iteration 9 no example changes cluster"
    assert J[1:7].max() / J[1:7].min() < 1.1  # "J barely moves"
    assert J[8] < 0.25 * J[6]  # "At iterations 7 and 8 ... J drops"
    # Where each centroid ends: the groups' centres are (2, 5), (3, 1) and (6, 3) (data/make_toy_points.py).
    centres = np.array([[2.0, 5.0], [3.0, 1.0], [6.0, 3.0]])
    nearest = np.argmin(((centroids[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
    assert nearest.tolist() == [0, 1, 2]  # (3, 3) to the top, (6, 2) to the bottom, (8, 5) to the right
    first = given_code["find_closest_centroids"](X, start)
    assert np.sum(first == 0) > 150  # "the centroid that starts at (3, 3) holds both groups on the left"


@pytest.fixture(scope="module")
def photo_runs(given_code):
    """The K = 16 run on china.jpg as the notebook makes it, and the same run to convergence."""
    from utils import load_image

    image = load_image(SOURCE_NOTEBOOK.parent / "images" / "china.jpg")
    X = image.reshape(-1, 3)
    start = given_code["kMeans_init_centroids"](X, 16, np.random.default_rng(0))
    capped = given_code["run_kMeans"](X, start, 30, verbose=False)
    converged = given_code["run_kMeans"](X, start, 1000, verbose=False)
    return image, capped, converged


def test_running_the_photo_to_convergence_is_not_worth_it(photo_runs):
    """The prose: about 100 iterations to converge, for less than 0.1 dB."""
    from utils import psnr

    image, (centroids, idx, history), (c_end, idx_end, history_end) = photo_runs
    assert len(history["J"]) - 1 == 30  # stopped at its cap
    iterations = len(history_end["J"]) - 1
    assert 3 * 30 <= iterations <= 130  # "about 100 iterations", "three times the wait"
    gain = psnr(image, c_end[idx_end].reshape(image.shape)) - psnr(image, centroids[idx].reshape(image.shape))
    assert 0 <= gain < 0.1


def test_the_palette_has_no_true_green(photo_runs):
    """The prose: the trees become olive and grey tones, no colour of the palette is a true green."""
    _, (centroids, _, _), _ = photo_runs
    rgb = np.round(centroids * 255)
    assert not np.any((rgb[:, 1] > rgb[:, 0] + 20) & (rgb[:, 1] > rgb[:, 2] + 20))


def test_the_sweep_table_bears_out_its_prose(notebook):
    """The prose after the effect of K: gains largest first and about 2 dB at the end; the PNG
    half the information count or less, least of it for the smallest K; K = 8 smaller than 16."""
    lines = _stdout(_cell_after(notebook, "Ks = [2, 4, 8, 16, 32, 64]")).splitlines()[2:]  # 2 header lines
    rows = [line.replace(",", "").replace("x", "").replace("dB", "").split() for line in lines]
    K, information, png, psnr_db = ([float(row[i]) for row in rows] for i in (0, 3, 4, 6))
    gains = [float(row[7]) for row in rows[1:]]
    assert K == [2, 4, 8, 16, 32, 64]
    assert np.allclose(gains, np.diff(psnr_db), atol=0.011)
    assert gains[0] == max(gains) and all(1.5 <= g <= 2.5 for g in gains[-2:])
    share = np.array(png) / np.array(information)
    assert np.all(share <= 0.5) and share[0] == share.min()
    assert png[K.index(8)] < png[K.index(16)]


def test_the_speed_limit_the_notebook_states_is_the_graders(notebook):
    from grading import settings

    exercise = next(cell.source for cell in notebook.cells if "### Exercise 1" in cell.source)
    assert f"at most {settings.SPEED_MAX_RATIO:g} times as long" in exercise


def test_every_figure_has_a_text_alternative(notebook):
    figures = [output for cell in _code_cells(notebook) for output in cell.outputs if "image/jpeg" in output.get("data", {})]
    assert len(figures) >= 12
    for output in figures:
        alt = output.metadata["image/jpeg"]["alt"]
        assert len(alt) > 20 and "$" not in alt and "\n" not in alt, alt


def test_the_html_export_gives_every_figure_its_alt_text():
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter().from_filename(str(SOURCE_NOTEBOOK))
    images = re.findall(r"<img\b[^>]*>", html)
    described = [tag for tag in images if re.search(r'alt="[^"]{20,}"', tag)]
    assert len(images) >= 12 and len(described) == len(images)


# --- Going further: each reading is what the cell above it measured ---------------------------------


def test_your_kmeans_agrees_with_scikit_learn(notebook):
    lines = _stdout(_cell_after(notebook, "theirs = KMeans(")).splitlines()
    mine, theirs = (int(n) for n in re.findall(r"(\d+) iterations", lines[0]))
    assert abs(mine - theirs) <= 1  # "differ by one"
    assert lines[1] == "labels:     20,000 of 20,000 pixels in the same cluster"
    assert lines[2] == "centroids:  agree to within 1e-09 in every coordinate"
    J = re.findall(r"J = ([\d.]+)", lines[3]) + re.findall(r", ([\d.]+) \(scikit", lines[3])
    assert len(J) == 2 and J[0] == J[1]


def test_the_race_is_as_the_prose_says(reference):
    """Timings are not stored in the notebook (they vary): measured here, on the same photo."""
    from utils import load_image, race_assignment

    X = load_image(SOURCE_NOTEBOOK.parent / "images" / "china.jpg").reshape(-1, 3)
    centroids = X[np.random.default_rng(0).choice(len(X), 16, replace=False)]
    (_, loop), (_, yours), (_, sklearn) = race_assignment(reference["find_closest_centroids"], X, centroids)
    assert loop > 100 * sklearn  # "hundreds of times as long"
    assert loop > 1 and 30 * loop > 120  # "seconds for every call", "many minutes" for 30 iterations
    assert yours < 4 * sklearn  # "about as fast as scikit-learn's"


def test_the_memory_readings(notebook):
    peaks = [float(line.split()[0]) for line in _stdout(_cell_after(notebook, "utils.assignment_memory(")).splitlines()]
    broadcast, table, blocked = peaks
    assert 1.5 <= broadcast / table <= 2.5 and broadcast / blocked >= 10  # "twice", "ten times"
    assert 5 <= broadcast / 2**10 * 120 <= 7  # per 100,000 pixels, scaled to 12 megapixels: "about 6 GiB"


def test_k_means_plus_plus_reading(notebook):
    out = _stdout(_cell_after(notebook, 'final_J = {"random pixels": []'))
    median, worst = (float(v) for v in re.findall(r"by ([\d.]+) %", out))
    assert median < 5 and worst > 10  # "a percent", "far better than the worst random one"
    spread = {name: (float(low), float(high)) for name, low, high in re.findall(r"(\S[\w +-]*?): median J [\d.]+, from ([\d.]+) to ([\d.]+)", out)}
    assert spread["k-means++"][1] - spread["k-means++"][0] < (spread["random pixels"][1] - spread["random pixels"][0]) / 3
    firsts = dict(re.findall(r"(\S[\w +-]*?): the best of the first (\d+) runs", out))
    assert int(firsts["k-means++"]) <= 5 < int(firsts["random pixels"])  # "first few runs", "many more"


def test_which_k_reading(notebook):
    falls = [int(v) for v in re.findall(r"J falls by (\d+) %", _stdout(_cell_after(notebook, "utils.plot_which_k(")))]
    assert len(falls) == 5 and all(f > 33 for f in falls)  # "more than a third", no sharp elbow


def test_where_it_hurts_reading(notebook, photo_runs):
    share = int(re.search(r"hold (\d+) % of the squared error", _stdout(_cell_after(notebook, "utils.worst_square("))).group(1))
    assert 25 < share < 50  # "more than a quarter"
    image, (centroids, idx, _), _ = photo_runs
    error = np.sum((image - centroids[idx].reshape(image.shape)) ** 2, axis=2)
    assert error[:80].mean() < 0.5 * error.mean()  # the sky (the top rows): "less than half the average error"


def test_is_k_means_worth_it_reading(notebook):
    rows = dict(re.findall(r"^(\S.*?)\s+([\d.]+) dB\s+[\d,]+ bytes", _stdout(_cell_after(notebook, "utils.median_cut(")), re.M))
    sizes = dict(re.findall(r"^(\S.*?)\s+[\d.]+ dB\s+([\d,]+) bytes", _stdout(_cell_after(notebook, "utils.median_cut(")), re.M))
    psnr = {name: float(v) for name, v in rows.items()}
    size = {name: int(v.replace(",", "")) for name, v in sizes.items()}
    kmeans, median = psnr["your K-means (section 3)"], psnr["Pillow median cut"]
    assert kmeans == max(psnr.values()) and median == sorted(psnr.values())[-2] and 1 < kmeans - median < 2
    assert size["your K-means (section 3)"] == max(size.values())  # "the largest of the five"
    assert 1.05 < size["your K-means (section 3)"] / size["Pillow median cut"] < 1.2  # "about a tenth larger"
    assert size["uniform grid"] == min(size.values()) and psnr["uniform grid"] == min(psnr.values())


def test_cielab_reading(notebook):
    runs = {name: (float(p), float(d), float(c)) for name, p, d, c in re.findall(
        r"clustered in (\S+)\s*: PSNR ([\d.]+) dB, mean ΔE ([\d.]+), palette chroma ([\d.]+)",
        _stdout(_cell_after(notebook, "utils.srgb_to_lab(X_img)")))}
    (rgb_psnr, rgb_de, rgb_chroma), (lab_psnr, lab_de, lab_chroma) = runs["RGB"], runs["CIELAB"]
    assert lab_de < rgb_de and rgb_psnr > lab_psnr and lab_chroma > rgb_chroma


def _animation_output(cell) -> tuple[bytes, str, str]:
    """The animation cell's GIF, its ``alt`` and its text output, from the ``<img>`` it shows."""
    import base64
    import html

    out = next(out for out in cell.outputs if "text/html" in out.get("data", {}))
    found = re.fullmatch(r'<img src="data:image/gif;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)"/>', out.data["text/html"])
    assert found, out.data["text/html"][:200]
    return base64.b64decode(found.group(1)), html.unescape(found.group(2)), out.data["text/plain"]


def test_the_animation_is_the_repositorys_gif(notebook):
    gif, alt, text = _animation_output(_cell_after(notebook, "utils.animate_kmeans("))
    assert gif == (SOURCE_NOTEBOOK.parent / "docs" / "kmeans.gif").read_bytes()
    assert alt.startswith("Animation of K-means on 300 examples") and text == alt


def test_the_animation_shows_in_the_html_export(notebook):
    """nbconvert's HTML (and so nbgrader's HTML feedback) shows the GIF, not the object's repr."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(notebook)
    gif, alt, _ = _animation_output(_cell_after(notebook, "utils.animate_kmeans("))
    assert "IPython.core.display" not in body and "ShownGif" not in body
    assert body.count("data:image/gif;base64,") == 1 and f'alt="{alt}"' in body


def test_a_palette_learned_on_the_small_copy_serves_the_whole_image(notebook):
    cell = _cell_after(notebook, "utils.compare_copy_and_whole(")
    alt = next(out.metadata["image/jpeg"]["alt"] for out in cell.outputs if "image/jpeg" in out.get("data", {}))
    on_copy, on_image = (float(v) for v in re.findall(r"PSNR ([\d.]+) dB", alt))
    assert abs(on_copy - on_image) < 0.5, alt  # "serves the whole image"
