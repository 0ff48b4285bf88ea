"""quantize.atomic_files: one file or a group of files, written whole or not at all."""

from __future__ import annotations

import os
import signal
import time

import pytest

from quantize.atomic_files import StagedFiles, write_atomically


def test_write_atomically_no_clobber_and_cleanup(tmp_path):
    target = tmp_path / "f.bin"
    write_atomically(target, lambda f: f.write(b"one"))
    with pytest.raises(FileExistsError):
        write_atomically(target, lambda f: f.write(b"two"))
    assert target.read_bytes() == b"one"

    def fail(f):
        f.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, fail, overwrite=True)
    assert target.read_bytes() == b"one" and os.listdir(tmp_path) == ["f.bin"]
    write_atomically(target, lambda f: f.write(b"three"), overwrite=True)
    assert target.read_bytes() == b"three"


def test_staged_files_appear_only_at_commit(tmp_path):
    with StagedFiles() as files:
        temp = files.add(tmp_path / "a.png", lambda f: f.write(b"A"))
        files.add(tmp_path / "b.pdf", lambda f: f.write(b"B"))
        assert open(temp, "rb").read() == b"A"  # readable before the commit
        assert not (tmp_path / "a.png").exists() and not (tmp_path / "b.pdf").exists()
        files.commit()
    assert (tmp_path / "a.png").read_bytes() == b"A" and (tmp_path / "b.pdf").read_bytes() == b"B"
    assert sorted(os.listdir(tmp_path)) == ["a.png", "b.pdf"]  # no temporary file left


def test_a_failure_in_the_second_file_leaves_neither(tmp_path):
    def broken(f):
        f.write(b"half a figure")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        with StagedFiles() as files:
            files.add(tmp_path / "a.png", lambda f: f.write(b"A"))
            files.add(tmp_path / "b.pdf", broken)
            files.commit()
    assert os.listdir(tmp_path) == []


def test_a_destination_that_appears_before_the_commit_undoes_the_others(tmp_path):
    (tmp_path / "keep.txt").write_bytes(b"old")
    with pytest.raises(FileExistsError):
        with StagedFiles() as files:
            files.add(tmp_path / "a.png", lambda f: f.write(b"A"))
            files.add(tmp_path / "z.png", lambda f: f.write(b"Z"))
            files.add(tmp_path / "keep.txt", lambda f: f.write(b"new"), overwrite=True)
            (tmp_path / "z.png").write_bytes(b"someone else's")  # appears meanwhile
            files.commit()
    assert sorted(os.listdir(tmp_path)) == ["keep.txt", "z.png"]
    assert (tmp_path / "z.png").read_bytes() == b"someone else's"
    assert (tmp_path / "keep.txt").read_bytes() == b"old"  # the replacing file waits for the others


def test_leaving_without_commit_writes_nothing(tmp_path):
    with StagedFiles() as files:
        files.add(tmp_path / "a.png", lambda f: f.write(b"A"))
    assert os.listdir(tmp_path) == []


def test_a_stop_signal_during_the_commit_waits_until_every_file_is_renamed(tmp_path, monkeypatch):
    """SIGTERM sent while the files are renamed is delivered after the last rename, not between two."""
    received = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: received.append(sorted(os.listdir(tmp_path))))
    real_link = os.link

    def link_then_signal(source, destination):
        real_link(source, destination)
        os.kill(os.getpid(), signal.SIGTERM)  # sent after each rename, the first one included

    monkeypatch.setattr(os, "link", link_then_signal)
    try:
        with StagedFiles() as files:
            files.add(tmp_path / "a.png", lambda f: f.write(b"A"))
            files.add(tmp_path / "b.png", lambda f: f.write(b"B"))
            files.commit()
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert received == [["a.png", "b.png"]]


def test_stale_temporaries_are_a_dead_writers_own(tmp_path):
    """What a process killed while writing out.png leaves: its ``.out.png.<8 characters>.tmp``, made
    since the call began; not another file's, not one older than the call."""
    from quantize.atomic_files import stale_temporaries

    since = time.time()
    left = tmp_path / ".out.png.abcd1234.tmp"
    left.write_bytes(b"part")
    older = tmp_path / ".out.png.zzzz9999.tmp"
    older.write_bytes(b"old")
    os.utime(older, (since - 60, since - 60))
    for name in (".other.png.abcd1234.tmp", ".out.png.x.tmp", "out.png"):
        (tmp_path / name).write_bytes(b"x")
    assert stale_temporaries(tmp_path / "out.png", since) == [str(left)]
    assert stale_temporaries(tmp_path / "missing" / "out.png", since) == []
