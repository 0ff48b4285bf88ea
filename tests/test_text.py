"""grading.grade.text: learners' text made printable, and inert in Markdown."""

from __future__ import annotations

import os

from grading.grade.text import file_name, markdown, printable, without_backticks


def test_what_a_terminal_would_act_on_is_written_as_escapes():
    assert printable("ok\x1b[32m done\x00\x07\n") == "ok\\x1b[32m done\\x00\\x07\\n"
    assert printable("\ud800 é ü 中") == "\\ud800 é ü 中"  # a lone surrogate; printable letters stay
    assert file_name(os.fsdecode(b"caf\xe9.ipynb")) == "caf\\xe9.ipynb"  # a byte that was not UTF-8
    assert file_name("caf\u00e9") == "caf\u00e9" and file_name("cafe\u0301") == "cafe\\u0301"  # NFC and NFD told apart


def test_markdown_renders_no_html_link_or_image_from_the_text_but_keeps_code_spans():
    line = markdown("raised ValueError: <b>x</b> & ![p](http://e/p.png) [l](http://e) (line 2: `if a < b:`)")
    assert "<b>" not in line and "&lt;b&gt;x&lt;/b&gt; &amp;" in line
    assert "!\\[p]\\(http" in line and "[l]\\(http" in line
    assert line.endswith("(line 2: `if a < b:`)")  # a code span shows its text as code: kept as it is
    assert markdown("an unmatched ` and <i>") == "an unmatched ` and &lt;i&gt;"
    assert markdown("``a ` <b>``") == "``a ` <b>``"  # a longer fence holds a backtick


def test_a_learners_backtick_cannot_end_a_code_span():
    assert "`" not in without_backticks("a ` b")
    assert markdown(f"`{without_backticks('x` <img src=y> `')}`").count("<img") == 1  # inside its span, shown as code


HOSTILE = [
    "\\`<img src=x onerror=alert(1)>`",  # a backslash made the opening backtick literal: found by the red team
    "x\\``<b>bold</b>``", "\\\\`<img src=y>`", "`a\\` <img src=z>", "\\[a](javascript:x) \\![i](http://e/i.png)",
    "<script>alert(1)</script>", "<http://e/auto>", "&lt;img src=q&gt;",
]


def test_rendered_by_a_markdown_renderer_no_html_link_or_image_comes_through():
    """Rendered as nbconvert renders Markdown (mistune): no tag of the learner's, escaped or not."""
    import mistune

    for text in HOSTILE:
        html = mistune.html(f"# Feedback: {markdown(text)}\n\n- {markdown(text)}\n")
        for tag in ("<img", "<a ", "<b>", "<script"):
            assert tag not in html, (text, html)


def test_nothing_a_learner_writes_becomes_an_autolink():
    """GitHub's Markdown links bare URLs, www. addresses and e-mail addresses: each is broken, code spans kept."""
    text = markdown("see https://evil.example, WWW.evil.example and a@b.co; `x @ y` stays code")
    outside_code = text.split("`")[0]
    assert "://" not in outside_code and "www." not in outside_code.lower() and "@" not in outside_code
    assert "`x @ y`" in text
    import html

    assert html.unescape(outside_code) == "see https://evil.example, WWW.evil.example and a@b.co; "
