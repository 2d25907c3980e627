"""`# noqa` comments mean in the CLI exactly what they mean in flake8."""

from __future__ import annotations

from alchemy_lint.noqa import is_suppressed, noqa_lines


def suppressed(source: str, line: int, code: str) -> bool:
    return is_suppressed(noqa_lines(source), line, code)


def test_codes_with_a_three_letter_prefix_silence_only_those_codes() -> None:
    source = "x = 1  # noqa: ASA101, ASA103\n"
    assert suppressed(source, 1, "ASA101")
    assert suppressed(source, 1, "ASA103")
    assert not suppressed(source, 1, "ASA102")


def test_bare_noqa_silences_every_code_on_its_line_only() -> None:
    source = "x = 1  # noqa\ny = 2\n"
    assert suppressed(source, 1, "ASA301")
    assert not suppressed(source, 2, "ASA301")


def test_a_prefix_silences_the_codes_it_starts() -> None:
    assert suppressed("x = 1  # NOQA:ASA1\n", 1, "ASA104")


def test_codes_are_compared_as_written_like_flake8() -> None:
    # flake8 matches `noqa` in any case but compares the listed codes case-sensitively.
    assert not suppressed("x = 1  # noqa: asa101\n", 1, "ASA101")


def test_noqa_without_the_space_is_not_a_noqa_comment_like_flake8() -> None:
    assert not suppressed("x = 1  #noqa\n", 1, "ASA101")


def test_noqa_after_a_multi_line_string_covers_its_first_line() -> None:
    source = 'x = f("""\nbody\n""")  # noqa: ASA101\ny = 2\n'
    assert suppressed(source, 1, "ASA101")
    assert not suppressed(source, 4, "ASA101")


def test_noqa_on_the_closing_line_of_a_call_does_not_cover_its_first_line() -> None:
    source = "x = f(\n    1,\n)  # noqa: ASA101\n"
    assert not suppressed(source, 1, "ASA101")
    assert suppressed(source, 3, "ASA101")


def test_flake8_noqa_on_its_own_line_silences_the_file() -> None:
    source = "# flake8: noqa\nx = 1\n"
    assert suppressed(source, 2, "ASA101")
    # On a line with code it is not a file-wide marker (flake8 warns and ignores it).
    assert not suppressed("x = 1  # flake8: noqa\ny = 2\n", 2, "ASA101")


def test_crlf_line_endings_keep_line_numbers() -> None:
    source = "a = 1\r\nb = 2  # noqa: ASA101\r\n"
    assert suppressed(source, 2, "ASA101")
    assert not suppressed(source, 1, "ASA101")


def test_a_file_that_does_not_tokenize_falls_back_to_physical_lines() -> None:
    source = 'x = 1  # noqa: ASA101\ny = """unterminated\n'
    assert suppressed(source, 1, "ASA101")


def test_text_the_tokenizer_cannot_decode_keeps_its_physical_noqa_lines() -> None:
    # Python 3.12.1's tokenizer raises UnicodeDecodeError here (a lone "\r" before "\x80").
    assert noqa_lines("# noqa: ASA101\n\r\x80\n") == {1: ("ASA101",)}
