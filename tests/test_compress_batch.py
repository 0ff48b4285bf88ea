"""compress.py with many inputs: --out-dir, -j N, a line per file or a progress bar, a summary, exit status."""

from __future__ import annotations

import importlib.machinery
import os
import re
import signal
import subprocess
import sys
import time
import types
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import compress
from compress_cli.many_files import FileJob, _outcome, compress_many, plan_jobs
from tests.test_compress_cli import assert_one_error_line, run_main

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = ["chelsea_small.png", "chelsea.png", "coffee.png", "china.jpg"]


@pytest.fixture
def photos(tmp_path) -> list[Path]:
    """Copies of four of the repository's photos in tmp_path/in, and an empty tmp_path/out."""
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    paths = []
    for name in PHOTOS:
        path = tmp_path / "in" / name
        path.write_bytes((ROOT / "images" / name).read_bytes())
        paths.append(path)
    return paths


def folder(path: Path) -> list[str]:
    """Every name in a folder, hidden temporary files included."""
    return sorted(p.name for p in path.iterdir())


def summary_figures(line: str) -> dict[str, str]:
    pattern = (r"(?P<files>\d+) files: (?P<written>\d+) written(?:, (?P<failed>\d+) failed)?; "
               r"(?P<bytes_in>[\d,]+) -> (?P<bytes_out>[\d,]+) bytes, ratio [\d.]+; mean PSNR (?P<psnr>[\d.]+) dB; "
               r"[\d.]+ s")
    match = re.fullmatch(pattern, line)
    assert match, line
    return match.groupdict()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_many_files_into_a_folder(capsys, photos, tmp_path, jobs):
    status, out, err = run_main(capsys, *photos, "--out-dir", tmp_path / "out", "-k", "32", "-j", jobs)
    assert status == 0 and err == ""
    written = [tmp_path / "out" / f"{p.stem}-k32.png" for p in photos]
    assert folder(tmp_path / "out") == sorted(p.name for p in written)
    lines = out.strip().splitlines()
    assert len(lines) == len(photos) + 1  # one line a file, then the summary
    for path, target in zip(photos, written):
        line = next(line for line in lines if line.startswith(f"{path} -> {target}  "))
        assert f"-> {target.stat().st_size:,} bytes" in line and "32 colours" in line
    figures = summary_figures(lines[-1])
    assert figures["files"] == figures["written"] == "4" and figures["failed"] is None
    assert int(figures["bytes_in"].replace(",", "")) == sum(p.stat().st_size for p in photos)
    assert int(figures["bytes_out"].replace(",", "")) == sum(p.stat().st_size for p in written)
    psnrs = [float(re.search(r"PSNR ([\d.]+) dB", line).group(1)) for line in lines[:-1]]
    assert float(figures["psnr"]) == pytest.approx(np.mean(psnrs), abs=0.01)


def test_beside_each_input_by_default_and_the_same_bytes_whatever_the_jobs(capsys, photos, tmp_path):
    assert run_main(capsys, *photos, "-j", "2")[0] == 0
    beside = {p.name: p.with_name(f"{p.stem}-k16.png").read_bytes() for p in photos}
    assert run_main(capsys, *photos, "--out-dir", tmp_path / "out")[0] == 0  # one at a time
    assert {p.name: (tmp_path / "out" / f"{p.stem}-k16.png").read_bytes() for p in photos} == beside


def test_a_bad_file_fails_alone(capsys, photos, tmp_path):
    bad = tmp_path / "in" / "notes.png"
    bad.write_text("not a picture")
    missing = tmp_path / "in" / "missing.jpg"
    status, out, err = run_main(capsys, photos[0], bad, missing, photos[1], "--out-dir", tmp_path / "out", "-j", "2")
    assert status == 2
    assert set(err.splitlines()) == {f"error: {bad}: not an image file Pillow can read",
                                     f"error: {missing}: no such file"}
    assert folder(tmp_path / "out") == ["chelsea-k16.png", "chelsea_small-k16.png"]  # the others are written
    assert out.splitlines()[-1].startswith("4 files: 2 written, 2 failed; ")


def test_an_existing_output_names_its_input(capsys, photos, tmp_path):
    (tmp_path / "out" / "coffee-k16.png").write_bytes(b"keep")
    status, _, err = run_main(capsys, *photos, "--out-dir", tmp_path / "out")
    assert status == 2 and (tmp_path / "out" / "coffee-k16.png").read_bytes() == b"keep"
    assert err == f"error: {photos[2]}: {tmp_path / 'out' / 'coffee-k16.png'} already exists (use --force to overwrite it)\n"


def test_two_inputs_with_one_output_name(capsys, photos, tmp_path):
    twin = tmp_path / "in" / "chelsea_small.jpg"
    Image.open(photos[0]).save(twin)
    status, out, err = run_main(capsys, photos[0], twin, "--out-dir", tmp_path / "out")
    assert status == 2
    assert err == (f"error: {twin}: its output {tmp_path / 'out' / 'chelsea_small-k16.png'} is also that of "
                   f"{photos[0]}; not compressed\n")
    assert folder(tmp_path / "out") == ["chelsea_small-k16.png"]
    assert plan_jobs(["a.png", "b/a.png", "a.png"], 8, "o")[2].clash == Path("a.png")


def test_an_output_that_is_another_input_is_never_written(capsys, photos, tmp_path):
    other = photos[0].with_name("chelsea-k16.png")  # chelsea.png's output, given as an input
    other.write_bytes(photos[0].read_bytes())
    before = other.read_bytes()
    status, out, err = run_main(capsys, photos[1], other, "--force")  # --force replaced it, then read it back
    assert status == 2 and other.read_bytes() == before
    assert err == f"error: {photos[1]}: its output {other} is another input of this call; not compressed\n"
    assert other.with_name("chelsea-k16-k16.png").exists()


def test_inputs_and_outputs_are_compared_through_links(capsys, photos, tmp_path):
    """Through a symbolically linked folder, or a hard link, an output that is an input is still one.

    Before, paths were compared as written: ``in/a.png link/a-k16.png --force`` replaced the input
    in/a-k16.png, and ``in/a.png link/a.png`` reported 2 files written where there was one."""
    folder_of_inputs, link = tmp_path / "inputs", tmp_path / "linked"
    folder_of_inputs.mkdir()
    link.symlink_to(folder_of_inputs)
    source, other = folder_of_inputs / "a.png", folder_of_inputs / "a-k16.png"
    source.write_bytes(photos[0].read_bytes())
    other.write_bytes(photos[1].read_bytes())
    before = other.read_bytes()
    status, out, err = run_main(capsys, source, link / "a-k16.png", "--force")
    assert status == 2 and other.read_bytes() == before
    assert err == f"error: {source}: its output {other} is another input of this call; not compressed\n"
    status, out, err = run_main(capsys, source, link / "a.png", "--force")
    assert status == 2 and "2 files: 1 written, 1 failed" in out
    assert err.startswith(f"error: {link / 'a.png'}: its output {link / 'a-k16.png'} is also that of {source}")
    photo, its_output, alias = tmp_path / "b.png", tmp_path / "b-k16.png", tmp_path / "alias.png"
    photo.write_bytes(photos[0].read_bytes())
    its_output.write_bytes(photos[1].read_bytes())
    os.link(its_output, alias)  # one file, two names: b.png's output is the input alias.png
    status, out, err = run_main(capsys, photo, alias, "--force")
    assert status == 2 and alias.read_bytes() == before
    assert err == f"error: {photo}: its output {its_output} is another input of this call; not compressed\n"


def test_an_unexpected_error_on_one_file_costs_the_others_nothing(photos, tmp_path, monkeypatch):
    from compress_cli import many_files, one_file

    def compress_file(input_path, *args, **kwargs):
        if Path(input_path).name == "coffee.png":
            raise TypeError("a defect met on this file alone")
        return real(input_path, *args, **kwargs)

    real = one_file.compress_file
    monkeypatch.setattr(one_file, "compress_file", compress_file)
    outcomes = [many_files._compress_job(job, {"K": 8}) for job in plan_jobs(photos, 8, tmp_path / "out")]
    assert [o.error is None for o in outcomes] == [True, True, False, True]
    assert "unexpected TypeError (a defect met on this file alone)" in outcomes[2].message
    assert folder(tmp_path / "out") == sorted(f"{p.stem}-k8.png" for p in photos if p.name != "coffee.png")


def test_skipped_files_give_status_98_and_are_counted(capsys, photos, tmp_path):
    assert run_main(capsys, photos[0], "-o", tmp_path / "small.png")[0] == 0
    status, out, err = run_main(capsys, photos[1], tmp_path / "small.png", "--out-dir", tmp_path / "out",
                                "--skip-if-larger")
    assert status == 98
    assert err.startswith(f"skipped: {tmp_path / 'small.png'}: the PNG would be ")
    assert out.splitlines()[-1].startswith("2 files: 1 written, 1 skipped (not smaller); ")
    assert folder(tmp_path / "out") == ["chelsea-k16.png"]


@pytest.mark.parametrize("argv, words", [
    (["{a}", "{b}", "-o", "{tmp}/x.png"], ["with several inputs, use --out-dir"]),
    (["{a}", "{b}", "--compare", "{tmp}/x.png"], ["--compare draws one figure"]),
    (["{a}", "-", "--out-dir", "{tmp}/out"], ["- (standard input) is one image"]),
    (["{a}", "-o", "{tmp}/x.png", "--out-dir", "{tmp}/out"], ["not both"]),
    (["{a}", "{b}", "--out-dir", "{a}"], ["--out-dir", "is a file, not a folder"]),
    (["{a}", "{b}", "-j", "0"], ["-j", "at least 1"]),
    (["{a}", "{b}", "-j", "two"], ["-j", "not a whole number"]),
    (["{a}", "{b}", "-k", "300"], ["K must be"]),
])
def test_mistakes_with_many_inputs_are_one_line_and_nothing_is_written(capsys, photos, tmp_path, argv, words):
    fill = {"{a}": str(photos[0]), "{b}": str(photos[1])}
    status, out, err = run_main(capsys, *[fill.get(a, a).replace("{tmp}", str(tmp_path)) for a in argv])
    assert_one_error_line(status, err, *words)
    assert folder(tmp_path / "in") == sorted(PHOTOS) and folder(tmp_path / "out") == []


def test_out_dir_is_created_when_it_does_not_exist(capsys, photos, tmp_path):
    """The README's example writes into a new small/: --out-dir makes it, and its parents."""
    status, out, _ = run_main(capsys, *photos, "--out-dir", tmp_path / "new" / "small")
    assert status == 0 and folder(tmp_path / "new" / "small") == sorted(f"{Path(p).stem}-k16.png" for p in PHOTOS)


def test_one_input_into_out_dir_gets_the_full_report(capsys, photos, tmp_path):
    status, out, _ = run_main(capsys, photos[0], "--out-dir", tmp_path / "out")
    assert status == 0 and f"output   {tmp_path / 'out' / 'chelsea_small-k16.png'}  (K = 16)" in out


class FakeBar:
    """Stands in for tqdm (not a dependency of this project): records what the command does with it."""

    instances: list[FakeBar] = []

    def __init__(self, total, unit, file, dynamic_ncols):
        self.total, self.file, self.steps, self.written, self.closed = total, file, 0, [], False
        FakeBar.instances.append(self)

    def update(self, n):
        self.steps += n

    def write(self, line, file):
        self.written.append(line)

    def close(self):
        self.closed = True


def test_a_progress_bar_when_stderr_is_a_terminal_and_tqdm_is_installed(capsys, photos, tmp_path, monkeypatch):
    module = types.ModuleType("tqdm")
    module.tqdm = FakeBar
    module.__spec__ = importlib.machinery.ModuleSpec("tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm", module)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    FakeBar.instances.clear()
    bad = tmp_path / "in" / "bad.png"
    bad.write_text("no")
    status, out, err = run_main(capsys, *photos, bad, "--out-dir", tmp_path / "out")
    (bar,) = FakeBar.instances
    assert status == 2 and bar.total == bar.steps == 5 and bar.closed
    assert bar.written == [f"error: {bad}: not an image file Pillow can read"]  # errors above the bar
    assert out.splitlines()[0].startswith("5 files: 4 written, 1 failed")  # no line a file: the bar shows them


def test_no_progress_bar_without_a_terminal_even_with_tqdm(capsys, photos, tmp_path, monkeypatch):
    module = types.ModuleType("tqdm")
    module.tqdm = FakeBar
    module.__spec__ = importlib.machinery.ModuleSpec("tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm", module)
    FakeBar.instances.clear()
    status, out, _ = run_main(capsys, *photos[:2], "--out-dir", tmp_path / "out")
    assert status == 0 and FakeBar.instances == [] and len(out.splitlines()) == 3


def test_a_worker_that_dies_fails_its_file():
    future = Future()
    future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
    outcome = _outcome(future, FileJob(Path("big.tif"), Path("big-k16.png")))
    assert outcome.report is None and "big.tif: not compressed: a worker process died" in outcome.message


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="finds the worker by its open files in /proc (Linux)")
def test_a_worker_killed_costs_only_its_own_file(photos, tmp_path):
    """A worker killed (as by the kernel, out of memory) broke the pool, which failed every file
    not yet done; now they are done again, each in a worker of its own."""
    stuck = tmp_path / "in" / "stuck.png"
    os.mkfifo(stuck)
    held = os.open(stuck, os.O_RDWR)  # a writer that sends nothing: the pipe's reader waits
    try:
        process = subprocess.Popen([sys.executable, str(ROOT / "compress.py"), str(stuck), *map(str, photos), "-k",
                                    "8", "--out-dir", str(tmp_path / "out"), "-j", "2"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def reader_of_the_pipe(other_than: int | None = None) -> int | None:
            for pid in Path("/proc").iterdir():
                if not pid.name.isdigit() or int(pid.name) in (os.getpid(), other_than):
                    continue
                try:
                    if any(os.readlink(fd) == str(stuck) for fd in (pid / "fd").iterdir()):
                        return int(pid.name)
                except OSError:  # a process that ended meanwhile, or not ours to read
                    continue
            return None

        def wait_for_reader(other_than: int | None = None) -> int:
            deadline = time.monotonic() + 60
            while (reader := reader_of_the_pipe(other_than)) is None and time.monotonic() < deadline:
                time.sleep(0.02)
            assert reader is not None and process.poll() is None
            return reader

        first = wait_for_reader()
        os.kill(first, signal.SIGKILL)
        wait_for_reader(other_than=first)  # its second try, alone: it reads what is sent now
        os.write(held, b"not a picture")
    finally:
        os.close(held)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 2, (out, err)
    assert err == f"error: {stuck}: not an image file Pillow can read\n"
    assert folder(tmp_path / "out") == sorted(f"{p.stem}-k8.png" for p in photos)
    assert out.splitlines()[-1].startswith("5 files: 4 written, 1 failed; ")


def test_compress_many_reports_each_outcome_as_it_arrives(photos, tmp_path):
    seen = []
    summary = compress_many(plan_jobs(photos[:2], 8, tmp_path / "out"), {"K": 8}, workers=2, on_outcome=seen.append)
    assert sorted(o.input_path.name for o in seen) == sorted(p.name for p in photos[:2])
    assert summary.files == summary.written == 2 and summary.failed == 0


# Two workers at K = 256 on 1-megapixel photos: each file takes a while, so a signal finds them at work.
_BATCH_OF_BIG_PHOTOS = [sys.executable, str(ROOT / "compress.py"), "-k", "256", "-j", "2"]


def _big_photos(tmp_path: Path, count: int) -> list[Path]:
    """``count`` copies of china.jpg at 1200 x 900 in tmp_path/in as PNGs, and an empty tmp_path/out."""
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    big = Image.open(ROOT / "images" / "china.jpg").resize((1200, 900))
    inputs = [tmp_path / "in" / f"big{i}.png" for i in range(count)]
    for path in inputs:
        big.save(path)
    return inputs


def test_sigterm_stops_every_worker_and_leaves_no_partial_file(tmp_path):
    """SIGTERM to the command while two workers compress: files already written stay, none is partial."""
    inputs = _big_photos(tmp_path, 8)
    process = subprocess.Popen([*_BATCH_OF_BIG_PHOTOS, *map(str, inputs), "--out-dir", str(tmp_path / "out")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(p.suffix == ".png" for p in (tmp_path / "out").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)  # until the first file is written: both workers are at work, six files wait
    process.send_signal(signal.SIGTERM)
    stopped = time.time()
    out, err = process.communicate(timeout=60)
    assert process.returncode == 143, (out, err)
    assert err.splitlines()[-1] == "error: stopped by SIGTERM; no partial file left" and "Traceback" not in err
    time.sleep(1.0)  # a worker left running would write meanwhile
    written = folder(tmp_path / "out")
    assert 1 <= len(written) < len(inputs)
    # No file was written after the stop (a file staged before it and committed during it has an
    # earlier time): a worker used to go on to the next file it held, the pool's loop having
    # caught the stop, and wrote it 0.4 s later.
    late = [name for name in written if (tmp_path / "out" / name).stat().st_mtime > stopped + 0.1]
    assert not late, (late, [(n, (tmp_path / "out" / n).stat().st_mtime - stopped) for n in written])
    for name in written:
        assert not name.startswith("."), name  # no temporary file
        with Image.open(tmp_path / "out" / name) as img:
            img.load()  # every file there is whole


def test_the_workers_end_with_the_command_killed_outright(tmp_path):
    """SIGKILL to the command (no handler runs): its workers used to go on, and write the files they
    held; now they end with it, and nothing is written after it."""
    inputs = _big_photos(tmp_path, 6)
    process = subprocess.Popen([*_BATCH_OF_BIG_PHOTOS, *map(str, inputs), "--out-dir", str(tmp_path / "out")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def workers() -> list[int]:
        found = []
        for pid in Path("/proc").iterdir():
            try:
                if pid.name.isdigit() and f"PPid:\t{process.pid}\n" in (pid / "status").read_text():
                    if b"spawn_main" in (pid / "cmdline").read_bytes():
                        found.append(int(pid.name))
            except OSError:
                continue
        return found

    deadline = time.monotonic() + 60
    while len(children := workers()) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(children) == 2
    time.sleep(0.3)  # at work on their first files
    process.kill()
    process.wait(timeout=10)
    killed = time.time()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() and "State:\tZ" not in _status(pid) for pid in children):
        assert time.monotonic() < deadline, "a worker outlived the command"
        time.sleep(0.02)
    time.sleep(1.0)
    late = [p.name for p in (tmp_path / "out").iterdir() if p.stat().st_mtime > killed + 0.1]
    assert not late, late
    assert not [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temporary file


def _status(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "State:\tZ"  # gone


def test_a_hangup_to_the_whole_group_is_one_error_line(tmp_path):
    """The terminal closed: SIGHUP to every process of the command. It used to kill
    multiprocessing's resource tracker as well, and stderr got a warning and a traceback for each
    of its semaphores."""
    inputs = _big_photos(tmp_path, 6)
    process = subprocess.Popen([*_BATCH_OF_BIG_PHOTOS, *map(str, inputs), "--out-dir", str(tmp_path / "out")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while not any(p.suffix == ".png" for p in (tmp_path / "out").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)  # the first file written: the pool, its workers and the tracker are all running
    os.killpg(process.pid, signal.SIGHUP)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 129, (out, err)
    assert err == "error: stopped by SIGHUP; no partial file left\n"


def test_the_batch_example_in_docs_compress_md(capsys, tmp_path, monkeypatch):
    """docs/compress.md shows this run; every figure in it but the times is kept true here."""
    monkeypatch.chdir(ROOT)
    example = (ROOT / "docs" / "compress.md").read_text()
    (tmp_path / "small").mkdir()
    inputs = ["images/chelsea.png", "images/coffee.png", "images/flower.jpg"]
    status, out, _ = run_main(capsys, *inputs, "--out-dir", tmp_path / "small", "-k", "32", "-j", "2")
    assert status == 0
    without_times = re.compile(r", [\d.]+ s$|; [\d.]+ s$")
    shown = [without_times.sub("", line) for line in example.splitlines()]
    for line in out.replace(f"{tmp_path / 'small'}/", "small/").splitlines():
        assert without_times.sub("", line) in shown, line


def test_a_reader_that_goes_away_stops_the_batch_with_one_line(photos, tmp_path):
    """compress.py *.png | head -1: the first line is read, then the pipe closes."""
    process = subprocess.Popen([sys.executable, str(ROOT / "compress.py"), *map(str, photos), "--out-dir",
                                str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read()
    assert first.startswith(str(photos[0]))
    assert process.wait(timeout=60) == 2 and "Traceback" not in err
    assert err.splitlines()[-1] == "error: standard output was closed; stopped, no partial file left"
    assert not [name for name in folder(tmp_path / "out") if name.startswith(".")]


def test_several_files_get_one_worker_a_core_by_default():
    """Without -j, one worker process a core (as pngquant uses every core), with two files a worker
    at least: a worker's own start-up is worth it only if it shares the work."""
    assert [compress._workers(None, files) for files in (1, 2, 3, 4, 100)] == [
        1, 1, 1, min(2, compress.CPUS), compress.CPUS]
    assert compress._workers(3, 100) == 3  # -j N as asked


def test_with_workers_the_process_that_prints_never_loads_numpy(tmp_path):
    """It hands out files and prints their reports, which come back pickled (compress_cli/report.py)."""
    photos = [tmp_path / f"cat{i}.png" for i in range(2)]
    for photo in photos:
        photo.write_bytes((ROOT / "images" / "chelsea_small.png").read_bytes())
    script = ("import runpy, sys; sys.argv = ['compress.py', *sys.argv[1:]]\n"
              "try:\n    runpy.run_path('compress.py', run_name='__main__')\n"
              "except SystemExit as exc:\n    print('status', exc.code, 'numpy' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script, *map(str, photos), "--out-dir", str(tmp_path / "out"),
                           "-j", "2"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "status 0 False", done.stdout + done.stderr
    assert len(list((tmp_path / "out").glob("*.png"))) == 2


_BLAS_THREADS_AFTER = """
import os, sys
from compress_cli import many_files
{call}
from threadpoolctl import threadpool_info
print(sorted({{pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}}))
"""


@pytest.mark.parametrize("call", ["many_files._start_worker(2, os.getppid())",  # a worker process's start
                                  "many_files.compress_many([], {}, workers=1)"])  # one after the other, in-process
def test_the_engine_loads_before_the_blas_is_held_to_one_thread(call):
    """threadpoolctl limits only the BLAS libraries already loaded: numpy must come first, or an
    unlimited OpenBLAS spins beside the work (a batch took 2.5 times as long with two workers)."""
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", _BLAS_THREADS_AFTER.format(call=call)], cwd=ROOT, env=environment,
                          capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[-2] == "[1]", done.stdout + done.stderr


# Loaded by every process of the command (PYTHONPATH): the first worker to put a file in its place
# is killed at once, before it can say so, as when the pool stops the other workers because one
# died and one of them is committing. Once only: the retry is left alone.
_DIE_AFTER_THE_FIRST_COMMIT = '''
import os, signal
from quantize import atomic_files

_commit = atomic_files.StagedFiles.commit


def _commit_then_die(self):
    _commit(self)
    try:
        os.close(os.open({marker!r}, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return
    os.kill(os.getpid(), signal.SIGKILL)


atomic_files.StagedFiles.commit = _commit_then_die
'''


def test_a_worker_that_dies_after_writing_its_file_is_not_a_failure(photos, tmp_path):
    """Before, the retry found the dead worker's own output there and failed on it ("already
    exists"): the summary said 1 failed, with every file written."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_DIE_AFTER_THE_FIRST_COMMIT.format(marker=str(tmp_path / "died")))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)])}
    done = subprocess.run([sys.executable, str(ROOT / "compress.py"), *map(str, photos), "--out-dir", str(tmp_path / "out"),
                           "-j", "2"], capture_output=True, text=True, timeout=300, env=env)
    assert (tmp_path / "died").exists()  # a worker did die after its commit
    assert done.returncode == 0, done.stderr
    assert f"{len(photos)} files: {len(photos)} written" in done.stdout
    assert folder(tmp_path / "out") == sorted(f"{path.stem}-k16.png" for path in photos)  # no temporary file
