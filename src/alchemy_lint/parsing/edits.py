"""Rewrites of source text that keep every line, and the map from rewritten columns back.

Blanking keeps each line's length in UTF-8 bytes (the unit of `ast` columns); only an insertion
moves what follows it on its line, and `ColumnMap` moves it back.
"""

from __future__ import annotations

import bisect
import io
import re
import tokenize
from collections.abc import Iterable

from alchemy_lint.records import record

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@record
class Edit:
    """Replace `text[start:end]` (character offsets) with `replacement`."""

    start: int
    end: int
    replacement: str


def parenthesised(text: str, start: int, end: int) -> list[Edit]:
    """The edits that put `text[start:end]` in parentheses: each takes the space beside it where
    there is one, so that what is inside keeps its columns; otherwise it is inserted.
    """
    opening = Edit(start - 1, start, "(") if text[start - 1] in " \t" else Edit(start, start, "(")
    closing = Edit(end, end + 1, ")") if text[end] in " \t" else Edit(end, end, ")")
    return [opening, closing]


def blank(segment: str, *, continue_lines: bool) -> str:
    """`segment` as spaces of the same UTF-8 length, its line breaks kept.

    With `continue_lines`, each line of the segment that is followed by a break ends in a
    backslash, so that blanked code outside brackets does not end its logical line.
    """
    lines = _LINE_BREAK.split(segment)
    breaks = _LINE_BREAK.findall(segment)
    out: list[str] = []
    for index, line in enumerate(lines):
        spaces = " " * len(line.encode("utf-8"))
        if continue_lines and index < len(breaks):
            spaces = spaces[:-1] + "\\"  # an empty line gains one byte: it holds nothing to map
        out.append(spaces)
        if index < len(breaks):
            out.append(breaks[index])
    return "".join(out)


def decoded(source: bytes | str) -> str | None:
    """The text of the file as the interpreter decodes it (coding cookie, BOM), or None."""
    if isinstance(source, str):
        return source
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        return source.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None


class SourceText:
    """The text being lowered: `ast` positions of its offsets, and edits applied once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and 0-based UTF-8 byte column of a character offset: `ast`'s units."""
        index = bisect.bisect_right(self.line_starts, offset) - 1
        start = self.line_starts[index]
        return index + 1, len(self.text[start:offset].encode("utf-8"))

    def apply(self, edits: Iterable[Edit]) -> tuple[str, ColumnMap]:
        """The rewritten text, and the map of the columns an insertion moved."""
        pieces: list[str] = []
        shifts = ColumnMap()
        cursor = 0
        for edit in sorted(edits, key=lambda edit: (edit.start, edit.end)):
            if edit.start < cursor:  # nested in an edit already made: the outer one wins
                continue
            pieces.append(self.text[cursor : edit.start])
            pieces.append(edit.replacement)
            old = self.text[edit.start : edit.end]
            grown = len(edit.replacement.encode("utf-8")) - len(old.encode("utf-8"))
            if grown and not _LINE_BREAK.search(old):
                line, column = self.position(edit.start)
                shifts.add(line, column, column + len(old.encode("utf-8")), grown)
            cursor = edit.end
        pieces.append(self.text[cursor:])
        return "".join(pieces), shifts


class ColumnMap:
    """Per line, the byte spans an edit resized: maps a column of the rewritten text back."""

    def __init__(self) -> None:
        #: line -> [(old start, old end, growth)], in order along the line.
        self._spans: dict[int, list[tuple[int, int, int]]] = {}

    def add(self, line: int, old_start: int, old_end: int, growth: int) -> None:
        self._spans.setdefault(line, []).append((old_start, old_end, growth))

    def lines(self) -> frozenset[int]:
        return frozenset(self._spans)

    def original(self, line: int, column: int) -> int:
        """The column in the original text of `column` on `line` of the rewritten text."""
        moved = 0
        for old_start, old_end, growth in self._spans.get(line, ()):
            new_start = old_start + moved
            new_end = old_end + moved + growth
            if column < new_start:
                break
            if column < new_end:  # inside the replacement: the start of what it replaced
                return old_start + min(column - new_start, old_end - old_start)
            moved += growth
        return column - moved
