"""Untrusted text never reaches the terminal as control sequences."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.domain.text import one_line, printable

ESC = "\x1b"


@pytest.mark.parametrize(
    ("hostile", "shown"),
    [
        (f"{ESC}[31m红色{ESC}[0m", "\\x1b[31m红色\\x1b[0m"),  # ANSI colour
        (f"{ESC}]0;title\x07", "\\x1b]0;title\\x07"),  # retitle the window
        (f"{ESC}]52;c;ZXZpbA=={ESC}\\", "\\x1b]52;c;ZXZpbA==\\x1b\\"),  # OSC 52 clipboard write
        ("\x9b2J", "\\x9b2J"),  # 8-bit CSI: clear screen
        ("paid\rOVERDUE", "paid\\x0dOVERDUE"),  # carriage return overwrite
        ("ok\x08\x08no", "ok\\x08\\x08no"),  # backspaces
        ("a\x7fb\x00c", "a\\x7fb\\x00c"),  # DEL and NUL
        ("bad\udc80byte", "bad\\udc80byte"),  # lone surrogate from a bad decode
    ],
)
def test_control_sequences_become_visible_escapes(hostile, shown):
    assert printable(hostile) == shown


def test_everything_else_is_kept():
    text = "张伟 [VIP] [/] [@click=app.quit] 🚗 ¥2,992.60\n\tnext line \\x1b"
    assert printable(text) == text


@given(st.text())
def test_printable_output_has_no_controls_but_newline_and_tab(text):
    out = printable(text)
    assert all(
        c in "\n\t" or not (ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) < 0xE000)
        for c in out
    )
    out.encode("utf-8")  # always encodable for a terminal


def test_one_line_flattens_and_escapes():
    assert one_line("张伟\n13812345678\tVIP") == "张伟 13812345678 VIP"
    assert one_line("a\r\nb") == "a b"
    assert one_line(f"{ESC}[2Jhi\n") == "\\x1b[2Jhi "


def test_one_line_truncates_with_ellipsis():
    assert one_line("车贷银行打不通", limit=5) == "车贷银行…"
    assert one_line("车贷银行", limit=4) == "车贷银行"
    assert one_line("abc", limit=1) == "…"
    assert one_line("abc", limit=0) == ""
    # an escape is dropped whole rather than cut into a misleading "\x1"
    assert one_line(f"ab{ESC}cdef", limit=6) == "ab…"
    assert one_line(f"ab{ESC}cdef", limit=7) == "ab\\x1b…"
    with pytest.raises(ValueError):
        one_line("x", limit=-1)


@given(st.text(), st.integers(0, 40))
def test_one_line_respects_the_limit(text, limit):
    out = one_line(text, limit)
    assert len(out) <= limit
    assert "\n" not in out and "\t" not in out
