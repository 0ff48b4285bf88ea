"""compress.py, the command: its output, its messages and its exit status.

Most tests call ``compress.main`` in this process (fast); a few run the real command, to see what
a user sees: exit status, one ``error:`` line, no traceback.
"""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import compress

ROOT = Path(__file__).resolve().parent.parent
CAT = ROOT / "images" / "chelsea_small.png"


@pytest.fixture
def photo(tmp_path) -> Path:
    """A copy of the 128 x 128 cat in a fresh folder."""
    path = tmp_path / "cat.png"
    path.write_bytes(CAT.read_bytes())
    return path


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        status = compress.main([str(a) for a in argv])
    except SystemExit as exc:  # argparse exits by itself
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_error_line(status: int, err: str, *words: str) -> None:
    lines = err.splitlines()
    assert status == 2
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for word in words:
        assert word in lines[0]


def test_compresses_with_defaults_and_reports(capsys, photo):
    status, out, err = run_main(capsys, photo)
    assert status == 0 and err == ""
    target = photo.with_name("cat-k16.png")
    assert Image.open(target).mode == "P"
    for word in ("cat.png", "cat-k16.png", "bytes", "bits/pixel", "ratio", "PSNR", "dB", "colours", "time"):
        assert word in out


def test_options(capsys, photo, tmp_path):
    target = tmp_path / "small.png"
    status, out, _ = run_main(capsys, photo, "-k", "4", "-o", target, "--seed", "3")
    assert status == 0 and "K = 4" in out
    assert len(Image.open(target).getpalette()) // 3 <= 4
    status, _, err = run_main(capsys, photo, "-k", "4", "-o", target)
    assert_one_error_line(status, err, "already exists", "--force")
    status, _, _ = run_main(capsys, photo, "--colours", "8", "-o", target, "--force")
    assert status == 0 and len(Image.open(target).getpalette()) // 3 <= 8


def test_lossless_is_reported(capsys, tmp_path):
    four = np.array([[[0, 0, 0], [255, 0, 0]], [[0, 255, 0], [0, 0, 255]]], np.uint8)
    Image.fromarray(four).save(tmp_path / "four.png")
    status, out, _ = run_main(capsys, tmp_path / "four.png", "-k", "4")
    assert status == 0 and "lossless" in out and "4 -> 4" in out


def test_compare_writes_the_figure(capsys, photo, tmp_path):
    figure = tmp_path / "side.png"
    status, out, _ = run_main(capsys, photo, "--compare", figure)
    assert status == 0 and "figure" in out
    with Image.open(figure) as img:
        assert img.width > img.height  # two images side by side
    before = figure.read_bytes()
    status, _, err = run_main(capsys, photo, "--compare", figure, "--force", "-o", tmp_path / "x.png", "-k", "8")
    assert status == 0 and figure.read_bytes() != before  # replaced: the K = 8 figure


def test_the_example_in_docs_compress_md(capsys, tmp_path):
    """docs/compress.md shows this run's report; every figure in it but the time is kept true here."""
    example = (ROOT / "docs" / "compress.md").read_text()
    status, out, _ = run_main(capsys, ROOT / "images" / "chelsea.png", "-k", "8", "-o", tmp_path / "chelsea-k8.png")
    assert status == 0
    for line in out.splitlines()[2:5]:  # size, colours, quality
        assert line in example, line


@pytest.mark.parametrize("argv, words", [
    (["{missing}"], ["no such file"]),
    (["{photo}", "-k", "0"], ["K must be"]),
    (["{photo}", "-k", "300"], ["K must be"]),
    (["{photo}", "-k", "lots"], ["invalid int value"]),
    (["{photo}", "--seed", "-4"], ["seed"]),
    (["{photo}", "-o", "{tmp}/no/such/folder/out.png"], ["does not exist"]),
    (["{photo}", "-o", "{photo}", "--force"], ["is the input"]),
    (["{photo}", "-o", "{tmp}/out.gif"], [".png"]),
    (["{photo}", "--compare", "{tmp}/figure.xyz"], [".png", ".pdf"]),
    (["{photo}", "--compare", "{tmp}/out.png", "-o", "{tmp}/out.png"], ["also the output"]),
    (["{photo}", "--no-such-option"], ["unrecognized arguments"]),
    ([], ["required", "INPUT"]),
])
def test_mistakes_in_arguments(capsys, photo, tmp_path, argv, words):
    fill = {"{missing}": str(tmp_path / "missing.png"), "{photo}": str(photo)}
    argv = [fill.get(a, a).replace("{tmp}", str(tmp_path)) for a in argv]
    status, out, err = run_main(capsys, *argv)
    assert_one_error_line(status, err, *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cat.png"]  # nothing written


def test_mistakes_in_files(capsys, tmp_path):
    (tmp_path / "notes.png").write_text("not a picture")
    status, _, err = run_main(capsys, tmp_path / "notes.png")
    assert_one_error_line(status, err, "not an image")
    data = CAT.read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    status, _, err = run_main(capsys, tmp_path / "cut.png")
    assert_one_error_line(status, err, "truncated")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.png", "notes.png"]


def test_decompression_bomb(capsys, photo, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    status, _, err = run_main(capsys, photo)
    assert_one_error_line(status, err, "too large", "decompression-bomb")


# --- the real command, as a user runs it ------------------------------------------------------

def command(*argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "compress.py"), *map(str, argv)],
                          capture_output=True, text=True, timeout=60)


def test_command_succeeds(photo):
    done = command(photo, "-k", "8")
    assert done.returncode == 0 and done.stderr == ""
    assert "PSNR" in done.stdout and photo.with_name("cat-k8.png").exists()


@pytest.mark.parametrize("argv, words", [
    (["missing.png"], ["no such file"]),
    (["{photo}", "-k", "x"], ["invalid int value"]),
])
def test_command_mistake_is_one_line_and_status_2(photo, argv, words):
    done = command(*[str(photo) if a == "{photo}" else a for a in argv])
    assert done.returncode == 2 and done.stdout == ""
    assert_one_error_line(2, done.stderr, *words)


# --- what reading changed is said, and never called lossless ----------------------------------

def test_a_float_tiff_says_what_conversion_happened_and_is_not_lossless(capsys, tmp_path):
    values = np.linspace(0, 1, 900, dtype=np.float32).reshape(30, 30)  # 900 distinct values in 0..1
    Image.fromarray(values).save(tmp_path / "f.tif")
    status, out, _ = run_main(capsys, tmp_path / "f.tif", "-k", "256")
    assert status == 0
    assert "note     32-bit float greyscale (values 0 to 1) scaled by 255 and rounded to 8 bits" in out
    assert "colours  256 -> 256" in out  # 256 greys after the conversion, not 2 after a clip
    quality = next(line for line in out.splitlines() if line.startswith("quality"))
    assert "not lossless" in quality and "against the pixels read" in quality
    status, out, _ = run_main(capsys, tmp_path / "f.tif", "-k", "16", "-o", tmp_path / "f16.png")
    assert "PSNR" in out and "against the pixels read (see note)" in out


def test_an_animated_gif_says_it_kept_the_first_frame(capsys, tmp_path):
    frames = [Image.fromarray(np.full((8, 8, 3), level, np.uint8)) for level in (10, 120, 250, 30)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    status, out, _ = run_main(capsys, tmp_path / "anim.gif")
    assert status == 0 and "note     kept the first of 4 frames" in out
    assert "lossless" not in out.replace("not lossless", "")


# --- a call writes everything it was asked for, or nothing ------------------------------------

def test_a_figure_that_cannot_be_written_leaves_no_png(capsys, photo, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    def full_disk(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", full_disk)
    status, _, err = run_main(capsys, photo, "--compare", tmp_path / "side.png")
    assert_one_error_line(status, err, "side.png", "No space left")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cat.png"]  # no PNG, no figure, no temporary file


def test_a_png_that_cannot_be_written_leaves_no_figure(capsys, photo, tmp_path, monkeypatch):
    from quantize import atomic_files

    real_fsync, calls = atomic_files.os.fsync, []

    def second_fsync_fails(fd):  # the figure is flushed first, then the PNG
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(atomic_files.os, "fsync", second_fsync_fails)
    status, _, err = run_main(capsys, photo, "--compare", tmp_path / "side.png")
    assert_one_error_line(status, err, "cat-k16.png", "No space left")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cat.png"]


STOP_SCRIPT = """
import os, signal, sys
sys.path.insert(0, {root!r})
import compress
from quantize import atomic_files

# A shell starts background jobs with SIGINT ignored, and Python keeps that; a user at a
# terminal has Python's own handler, which this test is about.
signal.signal(signal.SIGINT, signal.default_int_handler)
real_fsync = os.fsync

def fsync_then_stop(fd):  # the signal arrives while the PNG is being written
    os.kill(os.getpid(), signal.{signal})
    real_fsync(fd)

atomic_files.os.fsync = fsync_then_stop
sys.exit(compress.main(sys.argv[1:]))
"""


@pytest.mark.parametrize("signal_name, status", [("SIGTERM", 143), ("SIGHUP", 129), ("SIGINT", 130)])
def test_a_stop_signal_while_writing_leaves_no_file(photo, tmp_path, signal_name, status):
    script = STOP_SCRIPT.format(root=str(ROOT), signal=signal_name)
    done = subprocess.run([sys.executable, "-c", script, str(photo), "--compare", str(tmp_path / "side.png")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == status and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ") and "no partial file" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cat.png"]  # no .cat-k16.png.*.tmp, no figure


# --- pipes: - reads standard input, -o - writes standard output, the report goes to stderr ----

def png_pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG" and img.mode == "P"
        return np.asarray(img.convert("RGB"))


def test_pipe_in_and_out(photo, tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "compress.py"), "-", "-k", "8"], input=photo.read_bytes(),
                          capture_output=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0
    reference = tmp_path / "reference.png"
    assert command(photo, "-k", "8", "-o", reference).returncode == 0
    assert done.stdout == reference.read_bytes()  # the same PNG as a file gets
    report = done.stderr.decode()
    assert "input    standard input  128 x 128" in report and "output   standard output" in report
    assert f"{photo.stat().st_size:,} -> {len(done.stdout):,} bytes" in report
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cat.png", "reference.png"]  # nothing else written


def test_file_in_pipe_out_and_pipe_in_file_out(photo, tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "compress.py"), str(photo), "-o", "-"],
                          capture_output=True, timeout=60)
    assert done.returncode == 0 and png_pixels(done.stdout).shape == (128, 128, 3)
    assert b"PSNR" in done.stderr
    target = tmp_path / "from-pipe.png"
    done = subprocess.run([sys.executable, str(ROOT / "compress.py"), "-", "-o", str(target)],
                          input=photo.read_bytes(), capture_output=True, timeout=60)
    assert done.returncode == 0 and b"PSNR" in done.stdout and done.stderr == b""
    assert np.array_equal(png_pixels(target.read_bytes()), png_pixels(command_png(photo)))


def command_png(photo: Path) -> bytes:
    return subprocess.run([sys.executable, str(ROOT / "compress.py"), str(photo), "-o", "-"],
                          capture_output=True, timeout=60, check=True).stdout


def test_pipe_in_process(capsysbinary, photo, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(photo.read_bytes())))
    status = compress.main(["-", "-k", "4"])
    out, err = capsysbinary.readouterr()
    assert status == 0 and len(png_pixels(out)) == 128 and b"K = 4" in err


@pytest.mark.parametrize("argv, words", [
    (["-"], ["standard input is a terminal"]),
    (["{photo}", "-o", "-"], ["standard output is a terminal"]),
])
def test_a_terminal_is_no_pipe(photo, argv, words):
    """An image cannot be typed in, and a PNG would garble a terminal: both are refused."""
    leader, follower = pty.openpty()
    try:
        stream = {"stdin": follower} if argv == ["-"] else {"stdout": follower}
        done = subprocess.run([sys.executable, str(ROOT / "compress.py"), *[a.replace("{photo}", str(photo))
                                                                           for a in argv]],
                              stderr=subprocess.PIPE, text=True, timeout=60, **stream)
    finally:
        os.close(leader)
        os.close(follower)
    assert_one_error_line(done.returncode, done.stderr, *words)
    assert sorted(p.name for p in photo.parent.iterdir()) == ["cat.png"]


def test_a_closed_pipe_is_one_error_line(photo):
    process = subprocess.Popen([sys.executable, str(ROOT / "compress.py"), str(photo), "-o", "-"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # the reader went away (| head -c 0, say)
    err = process.stderr.read()
    assert_one_error_line(process.wait(timeout=60), err, "standard output", "Broken pipe")


def test_a_reader_that_leaves_after_a_part_is_one_error_line(tmp_path):
    """The reader takes 100 bytes and goes (| head -c 100): the PNG was not all written, and nothing says it was.

    Python's buffered stdout returned the 65,536 bytes the pipe took, without raising, and the
    command reported a success."""
    noise = tmp_path / "noise.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (512, 512, 3), dtype=np.uint8)).save(noise)
    process = subprocess.Popen([sys.executable, str(ROOT / "compress.py"), str(noise), "-o", "-"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert len(process.stdout.read(100)) == 100
    process.stdout.close()
    err = process.stderr.read().decode()
    assert_one_error_line(process.wait(timeout=60), err, "standard output", "Broken pipe")


def test_a_figure_format_whose_tool_is_missing_is_one_error_line(photo):
    """matplotlib's pgf needs xelatex: without it on the PATH, one line, and neither file written."""
    done = subprocess.run([sys.executable, str(ROOT / "compress.py"), str(photo), "--compare", str(photo.parent / "f.pgf")],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PATH": str(Path(sys.executable).parent)})
    assert_one_error_line(done.returncode, done.stderr, "f.pgf", "cannot save a .pgf figure", "xelatex")
    assert sorted(p.name for p in photo.parent.iterdir()) == ["cat.png"]


def test_what_libtiff_writes_itself_adds_no_line(tmp_path):
    """A damaged LZW TIFF: libtiff wrote "Using code not yet in table." to stderr above the error line."""
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((64, 64)).convert("RGB").save(buffer, "TIFF", compression="tiff_lzw")
    data = bytearray(buffer.getvalue())
    data[8:40] = b"\xff" * 32  # the start of the strip
    damaged = tmp_path / "damaged.tif"
    damaged.write_bytes(bytes(data))
    done = subprocess.run([sys.executable, str(ROOT / "compress.py"), str(damaged), "-o", str(tmp_path / "x.png")],
                          capture_output=True, text=True, timeout=60)
    assert_one_error_line(done.returncode, done.stderr, "damaged.tif", "truncated or corrupt image")


@pytest.mark.parametrize("signame, status, words", [("SIGINT", 130, "interrupted while starting"),
                                                    ("SIGTERM", 143, "stopped by SIGTERM while starting")])
def test_a_stop_while_the_command_starts_is_one_line(signame, status, words):
    """A stop before main() takes over (the imports take tens of milliseconds): Ctrl-C gave a
    traceback from inside an import, SIGTERM no line at all. The signal is sent where it would
    arrive, after compress.py's first lines and before main()."""
    code = ("import os, signal, sys; sys.argv = ['compress.py']; import compress; compress._stop_quietly_while_starting(); "
            f"os.kill(os.getpid(), signal.{signame}); import time; time.sleep(10); print('not stopped')")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr, done.stdout) == (status, f"error: {words}; nothing written\n", "")


def test_main_takes_the_signals_back(capsys):
    import signal

    import compress

    kept = {name: signal.getsignal(getattr(signal, name)) for name in ("SIGINT", "SIGTERM", "SIGHUP")}
    try:
        compress._stop_quietly_while_starting()
        assert run_main(capsys, "--colours", "0", "x.png")[0] == 2  # any run: main() starts by taking them back
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert signal.getsignal(signal.SIGTERM) == signal.getsignal(signal.SIGHUP) == signal.SIG_DFL
    finally:
        for name, handler in kept.items():
            signal.signal(getattr(signal, name), handler)


def test_standard_input_that_is_not_an_image(photo):
    done = subprocess.run([sys.executable, str(ROOT / "compress.py"), "-"], input=b"hello",
                          capture_output=True, timeout=60)
    assert done.stdout == b""
    assert_one_error_line(done.returncode, done.stderr.decode(), "standard input: not an image")


# --- --skip-if-larger: status 98, nothing written, and it says so -----------------------------

def test_skip_if_larger_writes_when_smaller(capsys, photo):
    status, out, _ = run_main(capsys, photo, "--skip-if-larger")
    assert status == 0 and photo.with_name("cat-k16.png").exists()


def test_skip_if_larger_writes_nothing_when_not_smaller(capsys, photo, tmp_path):
    small = tmp_path / "small.png"
    assert run_main(capsys, photo, "-o", small)[0] == 0
    # The compressed file compressed again: the same 16 colours, the same bytes, so not smaller.
    status, out, err = run_main(capsys, small, "-o", tmp_path / "again.png", "--compare", tmp_path / "fig.png",
                                "--skip-if-larger")
    assert status == 98 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"skipped: {small}: the PNG would be ")
    assert "not smaller than the input's" in err and "nothing written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cat.png", "small.png"]  # no PNG, no figure
    assert run_main(capsys, small, "-o", tmp_path / "again.png")[0] == 0  # without the option: written


def test_skip_if_larger_on_a_pipe_writes_nothing(tmp_path):
    small = command_png(ROOT / "images" / "chelsea_small.png")
    done = subprocess.run([sys.executable, str(ROOT / "compress.py"), "-", "--skip-if-larger"], input=small,
                          capture_output=True, timeout=60)
    assert done.returncode == 98 and done.stdout == b"" and done.stderr.startswith(b"skipped: standard input:")


_MODULES_AFTER = """
import runpy, sys
sys.argv = ["compress.py", *sys.argv[1:]]
try:
    runpy.run_path("compress.py", run_name="__main__")
except SystemExit as exc:
    status = exc.code
print(status, *sorted(name for name in ("numpy", "PIL", "multiprocessing", "concurrent.futures.process") if name in sys.modules))
"""


@pytest.mark.parametrize("argv, status", [
    (["--help"], 0),
    (["cat.png", "-k", "0"], 2),  # K out of range
    (["a.png", "b.png", "-o", "c.png"], 2),  # how the arguments combine
    (["a.png", "--psnr", "many"], 2),  # argparse's own check
])
def test_help_and_argument_errors_import_no_numpy(argv, status):
    """The engine (numpy, Pillow) is imported only for work: --help and a mistake cost the start-up."""
    result = subprocess.run([sys.executable, "-c", _MODULES_AFTER, *argv], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.split()[-1:] == [str(status)], result.stdout


def test_one_file_imports_no_multiprocessing(photo):
    """One input needs no pool of workers: only the batch imports multiprocessing."""
    result = subprocess.run([sys.executable, "-c", _MODULES_AFTER, str(photo), "-o", str(photo.with_name("out.png"))],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split()[-3:] == ["0", "PIL", "numpy"], result.stdout


# --- found by a fuzzer (2026-12-03): damaged files, long names, closed streams ----------------

def _rgb(seed: int = 0) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (40, 50, 3), dtype=np.uint8))


def test_a_gif_cut_inside_a_later_frame_is_one_error_line(tmp_path):
    buffer, first = io.BytesIO(), io.BytesIO()
    _rgb().save(buffer, "GIF", save_all=True, append_images=[_rgb(1), _rgb(2)])
    _rgb().save(first, "GIF")
    (tmp_path / "cut.gif").write_bytes(buffer.getvalue()[: len(first.getvalue()) + 40])  # into frame 2
    done = command(tmp_path / "cut.gif", "-o", tmp_path / "out.png")  # raised IndexError, a traceback
    assert_one_error_line(done.returncode, done.stderr, "cut.gif", "truncated or corrupt")
    assert not (tmp_path / "out.png").exists()


def test_a_tiff_whose_second_page_is_broken_keeps_the_first(capsys, tmp_path):
    import struct

    buffer = io.BytesIO()
    _rgb().save(buffer, "TIFF", save_all=True, append_images=[_rgb(1)])
    data = bytearray(buffer.getvalue())
    order = "<" if data[:2] == b"II" else ">"
    first = struct.unpack(order + "I", data[4:8])[0]
    entries = struct.unpack(order + "H", data[first:first + 2])[0]
    second = struct.unpack(order + "I", data[first + 2 + 12 * entries:first + 6 + 12 * entries])[0]
    for entry in range(struct.unpack(order + "H", data[second:second + 2])[0]):
        at = second + 2 + 12 * entry
        if struct.unpack(order + "H", data[at:at + 2])[0] == 256:  # ImageWidth: gone (raised TypeError)
            data[at:at + 2] = struct.pack(order + "H", 65000)
    (tmp_path / "pages.tif").write_bytes(bytes(data))
    status, out, err = run_main(capsys, tmp_path / "pages.tif", "-k", "4")
    assert status == 0 and err == "" and "kept the first of several frames" in out


def test_a_32_bit_integer_tiff_of_8_bit_values_keeps_them(tmp_path):
    grey = np.random.default_rng(0).integers(0, 256, (40, 50)).astype(np.uint8)
    Image.fromarray(grey).convert("I").save(tmp_path / "grey.tif")  # read as 16-bit, it came out black
    done = command(tmp_path / "grey.tif", "-k", "256", "-o", tmp_path / "out.png")
    assert done.returncode == 0 and "lossless" in done.stdout
    assert np.array_equal(np.asarray(Image.open(tmp_path / "out.png").convert("L")), grey)


def test_pillows_warnings_add_no_line(tmp_path):
    buffer = io.BytesIO()
    _rgb().save(buffer, "TIFF")
    (tmp_path / "cut.tif").write_bytes(buffer.getvalue()[:40])  # Pillow warned "Truncated File Read"
    done = command(tmp_path / "cut.tif", "-o", tmp_path / "out.png")
    assert_one_error_line(done.returncode, done.stderr, "cut.tif")


def test_a_pipe_given_as_a_file_is_measured(capsys, photo, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"cat '{photo}' > '{fifo}'"])
    status, out, _ = run_main(capsys, fifo, "-o", tmp_path / "out.png", "--skip-if-larger")
    writer.wait(timeout=30)
    assert status == 0 and f"{photo.stat().st_size:,} ->" in out  # was "0 ->", and always skipped


def test_names_too_long_and_long_names(capsys, photo, tmp_path):
    status, _, err = run_main(capsys, photo, "-o", tmp_path / ("c" * 300 + ".png"))
    assert_one_error_line(status, err, "cannot write", "File name too long")
    long_name = tmp_path / ("a" * 245 + ".png")  # valid; its temporary name must fit too
    status, out, err = run_main(capsys, photo, "-o", long_name)
    assert status == 0 and err == "" and long_name.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["cat.png", long_name.name])


def test_an_output_ending_in_a_slash_is_refused(capsys, photo, tmp_path):
    status, _, err = run_main(capsys, photo, "-o", f"{tmp_path}/out.png/")
    assert_one_error_line(status, err, "ends with a slash")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cat.png"]


def test_an_unwritable_output_folder_is_refused_before_the_work(capsys, photo, tmp_path, monkeypatch):
    from compress_cli import one_file

    monkeypatch.setattr(one_file.os, "access", lambda path, mode: False)  # as a user without rights sees it
    monkeypatch.setattr(one_file, "decode_image", lambda *a, **k: pytest.fail("decoded before the check"))
    status, _, err = run_main(capsys, photo)
    assert_one_error_line(status, err, "cat-k16.png", "not writable")


def test_a_closed_standard_output_is_one_error_line(photo):
    done = subprocess.run([sys.executable, str(ROOT / "compress.py"), str(photo), "-o", "-"], stderr=subprocess.PIPE,
                          text=True, timeout=60, preexec_fn=lambda: os.close(1))  # no standard output at all
    assert_one_error_line(done.returncode, done.stderr, "standard output is closed")


def test_control_characters_in_names_are_escaped(capsys, photo, tmp_path):
    bad = tmp_path / "bad\nname.png"
    bad.write_text("not a picture")
    status, _, err = run_main(capsys, bad)
    assert_one_error_line(status, err, "bad\\nname.png")  # one line, not two
    odd = tmp_path / "e\x1b[2Jx.png"  # an escape sequence that would clear the terminal
    odd.write_bytes(photo.read_bytes())
    status, out, _ = run_main(capsys, odd, "-o", tmp_path / "out.png")
    assert status == 0 and "\x1b" not in out and "e\\x1b[2Jx.png" in out
    status, out, err = run_main(capsys, photo, odd, bad, "--out-dir", tmp_path / "many")
    assert "\x1b" not in out + err and len(err.splitlines()) == 1 and "bad\\nname.png" in err
