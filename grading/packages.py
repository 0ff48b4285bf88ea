"""The installed packages graded code may import (``settings.ALLOWED_PACKAGES``), as files and names.

With no setting, every installed package. With one, the named distributions and everything they
depend on: in the sandbox only their folders of ``site-packages`` are there at all
(:func:`visible_entries`); in either mode the top-level modules of every other distribution fail to
import with a message that says why (:func:`hidden_modules`).
"""

from __future__ import annotations

import importlib.metadata
import re
import sysconfig
from pathlib import Path

__all__ = ["PackageError", "allowed_distributions", "allowed_modules", "hidden_modules", "site_packages", "visible_entries"]


class PackageError(ValueError):
    """The setting names a distribution that is not installed; one line for the instructor."""


def site_packages() -> Path:
    """The folder the environment's packages are installed in."""
    return Path(sysconfig.get_paths()["purelib"]).resolve()


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503: scikit_learn, Scikit.Learn -> scikit-learn


def _installed() -> dict[str, importlib.metadata.Distribution]:
    return {_normal(d.metadata["Name"]): d for d in importlib.metadata.distributions(path=[str(site_packages())])}


def _requirements(distribution: importlib.metadata.Distribution) -> list[str]:
    """The names a distribution requires, extras left out (other markers kept: a name too many costs nothing)."""
    names = []
    for requirement in distribution.requires or []:
        name, _, marker = requirement.partition(";")
        if "extra" not in marker:
            names.append(_normal(re.match(r"\s*[A-Za-z0-9._-]+", name).group().strip()))
    return names


def allowed_distributions(allowed: tuple[str, ...]) -> set[str]:
    """The named distributions, numpy, and, recursively, those they require (the installed ones), normalised.

    numpy is always there: the learner's process runs on it.

    Raises
    ------
    PackageError
        If a named distribution is not installed.
    """
    installed = _installed()
    missing = [name for name in allowed if _normal(name) not in installed]
    if missing:
        raise PackageError(f"ALLOWED_PACKAGES in grading/settings.py names {missing[0]!r}, which is not installed")
    found, queue = set(), [_normal(name) for name in (*allowed, "numpy")]
    while queue:
        name = queue.pop()
        if name in found or name not in installed:
            continue
        found.add(name)
        queue += _requirements(installed[name])
    return found


def _entries(distribution: importlib.metadata.Distribution) -> set[str]:
    """The top-level files and folders of site-packages a distribution installed (``numpy``, ``numpy.libs`` ...)."""
    return {path.parts[0] for path in distribution.files or [] if path.parts and path.parts[0] != ".."}


def visible_entries(allowed: tuple[str, ...] | None) -> list[str] | None:
    """The entries of site-packages to show in the sandbox, or None to show it whole."""
    if allowed is None:
        return None
    installed = _installed()
    return sorted({entry for name in allowed_distributions(allowed) for entry in _entries(installed[name])})


def _modules(entries: set[str]) -> set[str]:
    """The importable top-level module names among entries of site-packages (``numpy``, ``six.py``...)."""
    names = {entry.removesuffix(".py") for entry in entries}
    return {name for name in names if name.isidentifier() and not name.startswith("__")}


def allowed_modules(allowed: tuple[str, ...]) -> list[str]:
    """Top-level module names of the distributions graded code may import (and of what they depend on), sorted."""
    installed = _installed()
    return sorted(_modules({entry for name in allowed_distributions(allowed) for entry in _entries(installed[name])}))


def hidden_modules(allowed: tuple[str, ...] | None) -> list[str]:
    """Top-level module names of the installed distributions graded code may not import."""
    if allowed is None:
        return []
    keep = allowed_distributions(allowed)
    kept = {entry for name, d in _installed().items() if name in keep for entry in _entries(d)}
    hidden = set()
    for name, distribution in _installed().items():
        if name not in keep:
            hidden |= _modules(_entries(distribution) - kept)
    return sorted(hidden)
