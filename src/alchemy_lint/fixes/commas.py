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
        # The whitespace before the closing bracket follows the last argument; a comment in
        # it belongs to the last argument's line and stays there, after the new comma.
        space = last.whitespace_after_arg
        comment = _trailing_comment(space)
        if comment is not None and isinstance(space, cst.ParenthesizedWhitespace):
            if isinstance(separator.whitespace_after, cst.ParenthesizedWhitespace):
                separator = separator.with_changes(
                    whitespace_after=separator.whitespace_after.with_changes(first_line=comment)
                )
            space = space.with_changes(first_line=cst.TrailingWhitespace())
        new = new.with_changes(whitespace_after_arg=space)
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


def _trailing_comment(whitespace: object) -> cst.TrailingWhitespace | None:
    if isinstance(whitespace, cst.ParenthesizedWhitespace) and whitespace.first_line.comment is not None:
        return whitespace.first_line
    return None


def _carry(
    whitespace: cst.ParenthesizedWhitespace, comment: cst.TrailingWhitespace, indent: cst.SimpleWhitespace
) -> cst.ParenthesizedWhitespace:
    """`whitespace` (a line end) carrying `comment`: at the line end, or on a line of its own."""
    if whitespace.first_line.comment is None:
        return whitespace.with_changes(first_line=comment)
    own_line = cst.EmptyLine(indent=whitespace.indent, whitespace=indent, comment=comment.comment)
    return whitespace.with_changes(empty_lines=(*whitespace.empty_lines, own_line))


def _with_comment(
    comma: cst.Comma | cst.MaybeSentinel, comment: cst.TrailingWhitespace | None
) -> cst.Comma | cst.MaybeSentinel:
    """`comma` carrying `comment`, when the comma ends a line."""
    if comment is None or not isinstance(comma, cst.Comma):
        return comma
    after = comma.whitespace_after
    if isinstance(after, cst.ParenthesizedWhitespace):
        return comma.with_changes(whitespace_after=_carry(after, comment, after.last_line))
    return comma


def remove(
    elements: Sequence[Element], index: int, opening: cst.BaseParenthesizableWhitespace | None = None
) -> tuple[list[Element], cst.BaseParenthesizableWhitespace | None]:
    """`elements` without the one at `index`, keeping a trailing comma, the closing layout and
    the comment after the removed element (on the line before it, or on its own line).

    Also the whitespace after the opening bracket, which takes the comment of a removed first
    element. (A tuple, not a generic NamedTuple: Python 3.10 has no generic NamedTuple.)
    """
    items = list(elements)
    removed = items.pop(index)
    comment = _trailing_comment(removed.comma.whitespace_after) if isinstance(removed.comma, cst.Comma) else None
    if comment is None and isinstance(removed, cst.Arg):
        comment = _trailing_comment(removed.whitespace_after_arg)
    if index < len(items) or not items:
        if comment is not None and index > 0:
            items[index - 1] = items[index - 1].with_changes(comma=_with_comment(items[index - 1].comma, comment))
        elif comment is not None and items and isinstance(opening, cst.ParenthesizedWhitespace):
            opening = _carry(opening, comment, opening.last_line)
        return items, opening
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
        comma: cst.Comma | cst.MaybeSentinel = _with_comment(
            kept_comma.with_changes(
                whitespace_after=kept_comma.whitespace_after.with_changes(
                    indent=layout.indent, last_line=layout.last_line
                )
            ),
            comment,
        )
    else:
        comma = closing
    if isinstance(previous, cst.Arg) and isinstance(removed, cst.Arg):
        closing_space = removed.whitespace_after_arg
        kept_comment = _trailing_comment(kept_comma.whitespace_after) if isinstance(kept_comma, cst.Comma) else None
        if comma is cst.MaybeSentinel.DEFAULT and isinstance(closing_space, cst.ParenthesizedWhitespace):
            # No trailing comma: the comments of the dropped comma and of the removed argument
            # go to the space before the closing bracket, which starts on the same line.
            indent = closing_space.last_line
            if isinstance(kept_comma, cst.Comma) and isinstance(
                kept_comma.whitespace_after, cst.ParenthesizedWhitespace
            ):
                indent = kept_comma.whitespace_after.last_line
            for carried in (kept_comment, comment):
                if carried is not None:
                    closing_space = _carry(closing_space, carried, indent)
        previous = previous.with_changes(whitespace_after_arg=closing_space)
    items[-1] = previous.with_changes(comma=comma)
    return items, opening
