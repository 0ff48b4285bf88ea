"""The learner's path, in a real browser: the released copy, in JupyterLab, in headless Chromium.

What a learner does: open the released notebook in JupyterLab, run it as it comes and read the
first test cell's message on the page; then paste a correct solution into each graded cell, run
everything, and see every test cell's success line and every figure. Screenshots of the first
failure and of a figure are saved in the test's temporary folder.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and Selenium,
which drives that Chromium: nothing is downloaded at test time. Without them the test is skipped
with the reason, except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import public_tests
from grading.instructor_notebook import GRADED_FUNCTIONS, SOURCE_NOTEBOOK
from submissions import INSTRUCTOR

# Debian's Chromium and its driver, or a browser and matching driver named by the environment
# (GitHub's runners bring Google Chrome and its ChromeDriver: .github/workflows/ci.yml).
CHROMIUM = os.environ.get("CHROME_BINARY") or shutil.which("chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
TOKEN = "learner-path"
# Every test cell's line when the solution is right, and the figures the notebook draws.
SUCCESS_LINES = (f"All {len(public_tests._CLOSEST_CASES)} checks passed: find_closest_centroids",
                 f"All {len(public_tests._CENTROID_CASES)} checks passed: compute_centroids")
MIN_FIGURES = 11


def _missing() -> str:
    if not (CHROMIUM and os.path.exists(CHROMIUM) and CHROMEDRIVER and os.path.exists(CHROMEDRIVER)):
        return "Chromium or its driver is not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "Selenium is not installed (pip install -r requirements.txt)"
    return ""


@pytest.fixture(scope="module")
def browser():
    missing = _missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser test must run in CI: {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """The released copy, served by JupyterLab on 127.0.0.1: (its URL, the folder)."""
    folder = tmp_path_factory.mktemp("learner")
    release = folder / "release"
    subprocess.run([sys.executable, "-m", "grading", "release", "--out", str(release)], check=True,
                   cwd=SOURCE_NOTEBOOK.parent, capture_output=True, timeout=120)
    # Every cell drawn, not only those near the viewport, so that the page holds every output; no news toast.
    settings = folder / "settings"
    for plugin, values in {"notebook-extension/tracker": '{"windowingMode": "none"}',
                           "apputils-extension/notification": '{"fetchNews": "false"}'}.items():
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(values)
    port = _free_port()
    jupyter = Path(sys.executable).with_name("jupyter")
    log = open(folder / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1", "--allow-root",
         f"--IdentityProvider.token={TOKEN}", "--LabApp.expose_app_in_browser=True", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.root_dir={release}"],
        cwd=release, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(folder / "config"), "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
             "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(folder / "workspaces")},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail(f"JupyterLab did not start: {(folder / 'jupyterlab.log').read_text()[-2000:]}")
    yield f"http://127.0.0.1:{port}", folder
    os.killpg(server.pid, 15)
    server.wait(timeout=30)
    log.close()


def _wait(driver, script: str, timeout: float, what: str):
    """Run ``script`` (JavaScript returning a value) until it returns something truthy."""
    from selenium.common.exceptions import JavascriptException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = driver.execute_script(script)
        except JavascriptException:  # the page is still building what the script reads
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


NOTEBOOK = "const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
# The run is over when the kernel is idle and no cell waits to run ([*]).
IDLE = NOTEBOOK + """
return !!(panel && panel.sessionContext.session && panel.sessionContext.session.kernel
    && panel.sessionContext.session.kernel.status === 'idle')
    && !Array.from(document.querySelectorAll('.jp-InputPrompt')).some(p => p.textContent.includes('*'));
"""


def _run_all(driver, timeout: float) -> None:
    """Run > Run All Cells, and wait until the first code cell has run and the kernel is idle again."""
    driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells');")
    _wait(driver, NOTEBOOK + "return panel.content.widgets.find(c => c.model.type === 'code').model.executionCount !== null",
          30, "the first cell to run")
    _wait(driver, IDLE, timeout, "the cells to run")


def _cell_outputs(driver, containing: str) -> str:
    """The text shown on the page under the code cell whose source contains ``containing`` (scrolled into view)."""
    index = driver.execute_script(NOTEBOOK + """
return panel.content.widgets.findIndex(c => c.model.type === 'code' && c.model.sharedModel.getSource().includes(arguments[0]));
""", containing)
    assert index >= 0, containing
    driver.execute_script(NOTEBOOK + "panel.content.activeCellIndex = arguments[0]; panel.content.scrollToItem(arguments[0], 'start');",
                          index)
    return _wait(driver, NOTEBOOK + """
const node = panel.content.widgets[arguments[0]].node.querySelector('.jp-Cell-outputWrapper');
return node && node.isConnected && node.innerText.trim() ? node.innerText : null;
""".replace("arguments[0]", str(index)), 10, f"the outputs of the cell with {containing!r}")


def test_the_learners_path_in_a_real_browser(browser, jupyterlab, capsys):
    started = time.monotonic()
    url, folder = jupyterlab
    browser.get(f"{url}/lab/tree/{SOURCE_NOTEBOOK.name}?token={TOKEN}")
    _wait(browser, NOTEBOOK + "return !!(panel && panel.context && panel.context.isReady && panel.sessionContext.isReady"
                              " && panel.sessionContext.session && panel.sessionContext.session.kernel"
                              " && panel.sessionContext.session.kernel.status === 'idle')", 90, "the notebook and its kernel")

    # As it comes: the run stops at Exercise 1's test cell, with one short message on the page.
    _run_all(browser, timeout=120)
    first = _cell_outputs(browser, "find_closest_centroids_test(find_closest_centroids)")
    browser.save_screenshot(str(folder / "first-failure.png"))
    assert first.strip().startswith("CheckFailed: find_closest_centroids is not implemented yet"), first
    assert len(first.strip().splitlines()) <= 3, first  # a message, not two tracebacks

    # A correct solution pasted into each exercise cell (the optional one too), then everything run.
    exercises = [cell for cell in INSTRUCTOR.cells if {"graded", "optional"} & set(cell.metadata.get("tags", []))]
    solutions = {cell.source.split("(")[0].removeprefix("def "): cell.source for cell in exercises}
    assert sorted(solutions) == sorted([*GRADED_FUNCTIONS, "kmeans_plus_plus_init"])
    for function, source in solutions.items():
        pasted = browser.execute_script(NOTEBOOK + """
const cell = panel.content.widgets.find(c => c.model.type === 'code'
    && c.model.sharedModel.getSource().startsWith('def ' + arguments[0] + '('));
cell.model.sharedModel.setSource(arguments[1]);
return cell.model.sharedModel.getSource() === arguments[1];
""", function, source)
        assert pasted, function
    browser.execute_script("window.jupyterapp.commands.execute('kernelmenu:restart-and-clear');")
    _wait(browser, "const b = document.querySelector('.jp-Dialog .jp-mod-accept'); if (b) { b.click(); } return !!b;",
          10, "the dialog that asks to restart the kernel")
    time.sleep(2)
    _wait(browser, IDLE, 60, "the kernel to restart")
    _run_all(browser, timeout=150)

    errors = browser.execute_script(NOTEBOOK + """
return panel.content.widgets.filter(c => c.model.type === 'code')
    .flatMap(c => c.model.outputs.toJSON().filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue));
""")
    assert errors == [], errors[:1]
    unrun = browser.execute_script(NOTEBOOK + "return panel.content.widgets.filter(c => c.model.type === 'code'"
                                              " && c.model.executionCount === null).length")
    assert unrun == 0, f"{unrun} cells did not run"
    for line in SUCCESS_LINES:
        assert line in _cell_outputs(browser, line.split(": ")[1] + "_test("), line
    images = browser.execute_script("return Array.from(document.querySelectorAll('.jp-OutputArea-output img'))"
                                    ".map(img => [img.naturalWidth, img.naturalHeight])")
    assert len(images) >= MIN_FIGURES and all(w > 100 and h > 100 for w, h in images), images
    # Every figure carries its description in the notebook (the HTML export makes it the <img>'s alt;
    # JupyterLab 4.6's own image renderer does not show it).
    alts = browser.execute_script(NOTEBOOK + """
return panel.content.widgets.filter(c => c.model.type === 'code').flatMap(c => c.model.outputs.toJSON())
    .filter(o => o.data && o.data['image/jpeg']).map(o => (o.metadata['image/jpeg'] || {}).alt || '');
""")
    assert len(alts) >= MIN_FIGURES and all(alt.strip() for alt in alts), alts
    figure = browser.find_elements("css selector", ".jp-OutputArea-output img")[-1]
    browser.execute_script("arguments[0].scrollIntoView();", figure)
    figure.screenshot(str(folder / "a-figure.png"))
    assert (folder / "first-failure.png").stat().st_size > 0 and (folder / "a-figure.png").stat().st_size > 0

    with capsys.disabled():
        print(f"\nbrowser test: the learner's path took {time.monotonic() - started:.0f} s "
              f"(screenshots in {folder})")
