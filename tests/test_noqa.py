"""`# noqa` comments read the way flake8 reads them, with multi-letter codes such as ASA101."""

from __future__ import annotations

from alchemy_lint.noqa import is_suppressed, noqa_lines


def test_noqa_with_a_code_silences_only_that_code() -> None:
    noqa = noqa_lines("x = 1  # noqa: ASA101\n")
    assert noqa == {1: ("ASA101",)}
    assert is_suppressed(noqa, 1, "ASA101")
    assert not is_suppressed(noqa, 1, "ASA103")


def test_noqa_lists_every_code_after_the_first() -> None:
    noqa = noqa_lines("x = 1  # noqa: E501, ASA101 ASA103\n")
    assert noqa == {1: ("E501", "ASA101", "ASA103")}
    assert is_suppressed(noqa, 1, "ASA103")


def test_bare_noqa_silences_every_code() -> None:
    noqa = noqa_lines("x = 1  # NOQA\n")
    assert noqa == {1: ()}
    assert is_suppressed(noqa, 1, "ASA401")
