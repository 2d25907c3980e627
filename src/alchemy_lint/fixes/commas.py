"""Inserting into and removing from comma-separated lists: call arguments and imported names.

A new element takes the layout of its neighbours: one line stays one line, one per line stays one per line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import libcst as cst

Element = TypeVar("Element", cst.Arg, cst.ImportAlias)


def _without_comment(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    # A separator copied from a neighbour must not copy the comment that sits after it.
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    return whitespace


def _separator(elements: Sequence[Element], opening: cst.BaseParenthesizableWhitespace | None) -> cst.Comma:
    for element in elements[:-1]:
        if isinstance(element.comma, cst.Comma):
            return element.comma.with_changes(whitespace_after=_without_comment(element.comma.whitespace_after))
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=_without_comment(opening))
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def insert(
    elements: Sequence[Element], index: int, new: Element, opening: cst.BaseParenthesizableWhitespace | None
) -> list[Element]:
    """`elements` with `new` at `index`; `opening` is the whitespace after the opening bracket."""
    items = list(elements)
    if not items:
        return [new.with_changes(comma=cst.MaybeSentinel.DEFAULT)]
    separator = _separator(items, opening)
    if index < len(items):
        items.insert(index, new.with_changes(comma=separator))
        return items
    last = items[-1]
    if isinstance(last, cst.Arg) and isinstance(new, cst.Arg):
        # The whitespace before the closing bracket follows the last argument.
        new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
        last = last.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
    closing = last.comma
    if isinstance(closing, cst.Comma) and isinstance(closing.whitespace_after, cst.ParenthesizedWhitespace):
        # One element per line with a trailing comma: the comment after the last element stays
        # on its line, and the new element's trailing comma leads to the closing bracket.
        layout = closing.whitespace_after
        if isinstance(separator.whitespace_after, cst.ParenthesizedWhitespace):
            inner = separator.whitespace_after
            separator = closing.with_changes(
                whitespace_after=layout.with_changes(indent=inner.indent, last_line=inner.last_line)
            )
        closing = closing.with_changes(whitespace_after=_without_comment(layout))
    items[-1] = last.with_changes(comma=separator)
    items.append(new.with_changes(comma=closing))
    return items


def remove(elements: Sequence[Element], index: int) -> list[Element]:
    """`elements` without the one at `index`, keeping a trailing comma and the closing layout."""
    items = list(elements)
    removed = items.pop(index)
    if index < len(items) or not items:
        return items
    previous = items[-1]
    kept_comma, closing = previous.comma, removed.comma
    if (
        isinstance(kept_comma, cst.Comma)
        and isinstance(kept_comma.whitespace_after, cst.ParenthesizedWhitespace)
        and isinstance(closing, cst.Comma)
        and isinstance(closing.whitespace_after, cst.ParenthesizedWhitespace)
    ):
        # One element per line with a trailing comma: keep the previous comma (and its comment),
        # indented for the closing bracket.
        layout = closing.whitespace_after
        comma: cst.Comma | cst.MaybeSentinel = kept_comma.with_changes(
            whitespace_after=kept_comma.whitespace_after.with_changes(indent=layout.indent, last_line=layout.last_line)
        )
    else:
        comma = closing
    if isinstance(previous, cst.Arg) and isinstance(removed, cst.Arg):
        previous = previous.with_changes(whitespace_after_arg=removed.whitespace_after_arg)
    items[-1] = previous.with_changes(comma=comma)
    return items
