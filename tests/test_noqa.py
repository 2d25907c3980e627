"""`# noqa` reading: per line, and across the lines of a multi-line string as flake8 reads it."""

from __future__ import annotations

from alchemy_lint.noqa import is_suppressed, noqa_lines, token_line_ranges


def test_noqa_codes_are_read_per_line() -> None:
    noqa = noqa_lines("a = 1  # noqa: ASA101, asa103\nb = 2  # noqa\nc = 3\n")
    assert noqa == {1: ("ASA101", "ASA103"), 2: ()}
    assert is_suppressed(noqa, 1, "ASA103")
    assert not is_suppressed(noqa, 1, "ASA104")
    assert is_suppressed(noqa, 2, "ASA999")
    assert not is_suppressed(noqa, 3, "ASA101")


def test_noqa_after_a_multiline_string_covers_its_first_line() -> None:
    source = 'x = f("""\nbody\n""")  # noqa: ASA101\ny = 1\n'
    noqa = noqa_lines(source)
    assert is_suppressed(noqa, 1, "ASA101")
    assert is_suppressed(noqa, 2, "ASA101")
    assert not is_suppressed(noqa, 4, "ASA101")


def test_noqa_inside_brackets_stays_on_its_line() -> None:
    source = "x = f(\n    a,  # noqa: ASA101\n    b,\n)\n"
    assert noqa_lines(source) == {2: ("ASA101",)}


def test_backslash_continuation_is_one_range() -> None:
    assert token_line_ranges("x = 1 + \\\n    2\ny = 3\n") == [(1, 2)]


def test_untokenizable_text_keeps_physical_lines() -> None:
    source = 'x = """never closed  # noqa\n'
    assert noqa_lines(source) == {1: ()}
