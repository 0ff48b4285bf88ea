"""Text from learners, made safe for where the grader writes it: a terminal, a CSV file, Markdown.

Everything a learner controls reaches the instructor as text: file names (any bytes but ``/`` and
NUL on Linux, not necessarily UTF-8) and what the learner's code raises or returns (any string,
lone surrogates included). This module makes such text

- printable (:func:`printable`): one line, every character a terminal or a UTF-8 file can show as
  it is; the others written as their Python escapes (``\\x1b``, ``\\ud800``, ``\\xe9`` for a byte
  that was not UTF-8), so nothing can move a terminal's cursor or fake a line of output;
- inert in Markdown (:func:`markdown`): outside code spans, ``<``, ``>`` and ``&`` become entities
  and the brackets that would start an image or a link target are escaped, so that no HTML and no
  link or image reaches a reader;
  inside code spans (which Markdown shows as code, not markup) text stays as it is. The learner's
  own text cannot open or close a code span: :func:`without_backticks`.
"""

from __future__ import annotations

import os
import re
import unicodedata

__all__ = ["file_name", "markdown", "printable", "without_backticks"]


def printable(text: str) -> str:
    """``text`` with every character that is not printable written as its Python escape."""
    out = []
    for character in text:
        if character.isprintable() and not 0xD800 <= ord(character) <= 0xDFFF:
            out.append(character)
        elif 0xDC80 <= ord(character) <= 0xDCFF:  # a byte that was not UTF-8, as os.fsdecode keeps it
            out.append(f"\\x{ord(character) - 0xDC00:02x}")
        else:
            out.append(character.encode("unicode_escape", "backslashreplace").decode("ascii"))
    return "".join(out)


def file_name(path: str | os.PathLike) -> str:
    """A path as the grader shows it: :func:`printable`, a byte that is not UTF-8 as ``\\xe9``.

    A name not in Unicode's composed form (NFC) has every character beyond ASCII written as its
    escape: ``cafe\\u0301`` (e and a combining accent) and ``café`` look alike but are two files.
    """
    name = printable(os.fsdecode(path))
    if unicodedata.normalize("NFC", name) != name:
        name = "".join(c if c.isascii() else c.encode("unicode_escape").decode("ascii") for c in name)
    return name


def without_backticks(text: str) -> str:
    """A learner's text, its backticks replaced by a look-alike (U+02CB), so that it cannot end a code span."""
    return text.replace("`", "\u02cb")


_BACKTICKS = re.compile(r"`+")


def markdown(text: str) -> str:
    r"""One line of Markdown that shows ``text`` and renders no HTML, link or image from it.

    Code spans (a run of backticks closed by a run of the same length) are kept as they are:
    Markdown shows their content as code. Elsewhere a backslash is doubled (so that none can make
    a backtick literal and a code span plain Markdown), ``&``, ``<`` and ``>`` become entities,
    ``![`` and ``](`` are escaped with a backslash (``!\[``, ``]\(``), and what GitHub's Markdown
    would link by itself (``https://``, ``www.``, ``a@b.c``) gets an entity for its ``:``, ``.`` or ``@``.
    """
    text = printable(text)
    out, position = [], 0
    while position < len(text):
        opening = _BACKTICKS.search(text, position)
        if opening is None:
            out.append(_inert(text[position:]))
            break
        closing = next((m for m in _BACKTICKS.finditer(text, opening.end()) if len(m.group()) == len(opening.group())),
                       None)
        if closing is None:  # an unmatched run of backticks is plain text
            out.append(_inert(text[position:opening.end()]))
            position = opening.end()
            continue
        out.append(_inert(text[position:opening.start()]))
        out.append(text[opening.start():closing.end()])
        position = closing.end()
    return "".join(out)


def _inert(text: str) -> str:
    # A backslash escapes the next character in Markdown: before a backtick it would make the backtick
    # literal, and what this function took for a code span would be read as Markdown, HTML and all.
    text = text.replace("\\", "\\\\")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("![", "!\\[").replace("](", "]\\(")  # no image, no link
    # No autolink either (GitHub's Markdown links bare URLs, www. addresses and e-mail addresses):
    # each is broken by an entity where the renderer looks for it, and still reads the same.
    return re.sub(r"(?i)www\.", lambda m: m.group()[:3] + "&#46;", text.replace("://", "&#58;//").replace("@", "&#64;"))
