"""The sandbox the learner's code runs in, made by bubblewrap (``bwrap``), the tool Flatpak uses.

What the learner's process gets (:func:`command`):

- new user, PID, network, IPC, UTS and cgroup namespaces: it runs as ``nobody`` with no
  capabilities, sees only its own processes, has no network, and may not make namespaces of its
  own; ``--die-with-parent``, so that when the grader ends it, everything in it ends too;
- a file system of only what Python and numpy need, read-only: the system's ``/usr`` (and the
  ``/bin``, ``/lib`` links into it), the Python installation and the virtual environment; plus the
  learner's public files at ``/public`` and a copy of the learner process's program at
  ``/grader/learner_main.py``. The instructor's notebook, ``grading/``, the repository, the
  submissions, the output folder and the home folder are not there at all. Of the Python packages, only those graded cells may import:
  every other ``site-packages`` or ``dist-packages`` folder in what is shown (the base
  interpreter's, the system's, a bundled one's) is an empty folder inside (:func:`package_folders`),
  since a learner's code could put it on ``sys.path`` and import, say, the base interpreter's scipy;
- one writable folder, ``/scratch``, its working folder: a tmpfs of a fixed size, the whole disk
  budget (``TMPDIR`` points there); ``/dev`` holds only the plain devices, read-only;
- the system-call filter of :mod:`grading.sandbox.seccomp`: threads, but no new processes, no memory
  outside the limits, no leaving the processor it is pinned to.

:func:`probe` says at the start of a grading run whether this machine can make that sandbox, and
why not when it cannot (bubblewrap missing, unprivileged user namespaces turned off, another
machine architecture, a Python environment that would show the instructor's files).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grading import packages

from grading.sandbox import seccomp

__all__ = ["PUBLIC", "SCRATCH", "LEARNER_MAIN", "command", "environment", "package_folders", "probe", "version"]

# Where things are inside the sandbox. Names no Python installation uses, so binds cannot collide.
SCRATCH = "/scratch"
PUBLIC = "/public"
LEARNER_MAIN = "/grader/learner_main.py"
_NOBODY = "65534"
_SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


def _python_folders() -> list[str]:
    """The folders the interpreter and its packages live in: the virtual environment and its base."""
    folders = {os.path.realpath(p) for p in (sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix)}
    return sorted(f for f in folders if not f.startswith("/usr/") and f != "/usr")


def _system() -> list[str]:
    """Binds for /usr and the top-level folders that are links into it (merged /usr) or beside it."""
    args = ["--ro-bind", "/usr", "/usr"]
    for path in _SYSTEM_LINKS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


def _shown_trees() -> list[str]:
    """The folders of the host the sandbox shows (read-only): /usr, real top-level system folders, Python's."""
    trees = ["/usr", *(path for path in _SYSTEM_LINKS if os.path.isdir(path) and not os.path.islink(path))]
    return trees + _python_folders()


_PACKAGE_FOLDER_NAMES = ("site-packages", "dist-packages")


@functools.lru_cache(maxsize=None)
def package_folders() -> tuple[str, ...]:
    """Every Python package folder in what the sandbox shows: ``site-packages`` and ``dist-packages``, real paths.

    Found by walking the shown folders once per grading run (a fraction of a second; links are not
    followed, and a found package folder is not walked into).
    """
    found = set()
    for tree in _shown_trees():
        for folder, folders, _ in os.walk(tree):
            for name in [name for name in folders if name in _PACKAGE_FOLDER_NAMES]:
                folders.remove(name)
                path = os.path.realpath(os.path.join(folder, name))
                if os.path.isdir(path) and any(path == t or path.startswith(t.rstrip("/") + "/") for t in _shown_trees()):
                    found.add(path)
    return tuple(sorted(found))


def _package_binds(site_entries: tuple[str, ...] | list[str] | None) -> list[str]:
    """Each package folder an empty read-only tmpfs, but the environment's own and those the grader imports from.

    The grader's own package folders (on its ``sys.path``: its site-packages, and the base's where
    the environment includes it) keep the entries of ``site_entries``, or all of theirs where it is
    None; every other one is empty.
    """
    site = str(packages.site_packages())
    own = {os.path.realpath(path) for path in sys.path if path} | {site}
    args = []
    for folder in sorted({*package_folders(), site}):
        if folder in own and site_entries is None:
            continue
        args += ["--tmpfs", folder]
        if folder in own:
            for entry in site_entries:
                if os.path.lexists(f"{folder}/{entry}"):
                    args += ["--ro-bind", f"{folder}/{entry}", f"{folder}/{entry}"]
        args += ["--remount-ro", folder]
    return args


def environment() -> dict[str, str]:
    """The learner process's environment inside the sandbox: nothing of the grader's."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": SCRATCH,
        "TMPDIR": SCRATCH,
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{SCRATCH}/.matplotlib",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


@contextmanager
def command(python_args: list[str], public_dir: Path, scratch_bytes: int,
            site_entries: tuple[str, ...] | list[str] | None = None) -> Iterator[tuple[list[str], tuple[int, ...]]]:
    """The command line that runs ``python -I <python_args>`` in the sandbox, and the files it reads.

    Parameters
    ----------
    python_args : list of str
        Arguments after ``python -I`` (paths as seen inside: :data:`LEARNER_MAIN`, :data:`PUBLIC`).
    public_dir : pathlib.Path
        The learner's public files, shown read-only at :data:`PUBLIC`.
    scratch_bytes : int
        Size of the writable tmpfs at :data:`SCRATCH`.
    site_entries : sequence of str, optional
        Show only these entries of site-packages (:func:`grading.packages.visible_entries`);
        None shows all of it. Every other package folder is empty either way.

    Yields
    ------
    (list of str, tuple of int)
        The command line, and the file descriptors bwrap reads the system-call filter and
        ``learner_main.py`` from (pass them to the child; they are closed when the block ends).
        ``learner_main.py`` goes in as data, so that no path of the repository shows inside.
    """
    fds = (_memory_file("grading-seccomp", seccomp.for_learners()),
           _memory_file("learner-main", Path(__file__).with_name("learner_main.py").read_bytes()))
    args = ["bwrap", *_system()]
    for folder in _python_folders():
        args += ["--ro-bind", folder, folder]
    args += _package_binds(site_entries)
    args += ["--ro-bind", str(public_dir), PUBLIC, "--ro-bind-data", str(fds[1]), LEARNER_MAIN]
    args += ["--size", str(scratch_bytes), "--tmpfs", SCRATCH]  # --size applies to the next --tmpfs
    # A /dev of the plain devices, read-only: bwrap's own --dev adds /dev/shm (an unlimited tmpfs)
    # and /dev/pts (the host's pool of terminals).
    args += ["--proc", "/proc", "--tmpfs", "/dev"]
    for device in _DEVICES:
        args += ["--dev-bind", device, device]
    args += [
        "--remount-ro", "/dev",
        "--unshare-all", "--unshare-user", "--disable-userns", "--uid", _NOBODY, "--gid", _NOBODY,
        "--cap-drop", "ALL",  # run as root, bwrap would otherwise keep root's capabilities inside
        "--hostname", "sandbox",
        "--die-with-parent", "--new-session",
        "--chdir", SCRATCH,
        "--seccomp", str(fds[0]),
        sys.executable, "-I", *python_args,
    ]
    try:
        yield args, fds
    finally:
        for fd in fds:
            os.close(fd)


def _memory_file(name: str, data: bytes) -> int:
    """A file descriptor of a new memory file holding ``data``, at offset 0, inheritable."""
    fd = os.memfd_create(name, 0)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _visible(secrets: list[Path]) -> str:
    """The first instructor's file a bound folder would show, as a reason, or ""."""
    bound = [Path("/usr"), *(Path(f) for f in _python_folders())]
    for secret in secrets:
        secret = secret.resolve()
        for folder in bound:
            if secret == folder or folder in secret.parents:
                return f"{secret} is inside {folder}, which the sandbox shows to the learner's code"
    return ""


def probe(public_dir: Path, secrets: list[Path], scratch_bytes: int, site_entries: list[str] | None = None) -> str:
    """Try the sandbox once; "" if it works here, else why not, in one line.

    Parameters
    ----------
    public_dir : pathlib.Path
        As for :func:`command`.
    secrets : list of pathlib.Path
        What the learner's code must not see (the source notebook's folder, submissions, output).
    scratch_bytes : int
    site_entries : list of str, optional
        As for :func:`command`.
    """
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (Debian, Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)"
    if seccomp.for_learners() is None:
        return f"the sandbox's system-call filter supports x86_64 and aarch64, not {os.uname().machine}"
    reason = _visible(secrets)
    if reason:
        return reason
    try:
        with command(["-c", "import numpy"], public_dir, scratch_bytes, site_entries) as (argv, fds):
            run = subprocess.run(argv, pass_fds=fds, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                 timeout=60, env=environment())
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not be run: {exc}"
    if run.returncode != 0:
        lines = (run.stderr.strip() or f"exit status {run.returncode}").splitlines()
        return f"bwrap cannot make the sandbox here: {lines[-1] if lines else ''}"
    return ""


def version() -> str:
    """``bubblewrap 0.8.0``, or "bubblewrap" if it does not say."""
    try:
        return subprocess.run(["bwrap", "--version"], capture_output=True, text=True, timeout=10).stdout.strip() or "bubblewrap"
    except (OSError, subprocess.TimeoutExpired):
        return "bubblewrap"
