"""The part of a buffer a quick fix needs: the finding's statement, its enclosing headers, the imports.

LibCST costs about 13 times `ast` (DESIGN.md), so a code action must not hand it the whole
buffer: a 10,000-line file took 2.3 s. The excerpt keeps every line at its line number: kept
lines are copied, the others are covered by placeholder strings (one token however many lines),
so the finding's position, the facts' positions and `# noqa` lines mean the same in the excerpt
as in the buffer. Enclosing `def` and `class` headers are kept (a fix asks whether it is inside
an `async def`); other enclosing blocks become `while True:` at their indentation.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from alchemy_lint.lsp.spans import Place, Span
from alchemy_lint.records import record

#: Nesting deeper than this is not handed to LibCST: its visitors recurse (a 400-term `a + a + ...`
#: raised RecursionError) and its native parser crashed on 10,000 terms. Real code nests far less.

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@record
class Segment:
    """Buffer lines `first`..`last` (1-based) copied as they are, or one line replaced by `text`."""

    first: int
    last: int
    text: str | None = None


@record
class FindingPlace:
    """Where a finding sits: its statement's first line (where tokenizing can start) and the excerpt plan."""

    statement_line: int
    segments: tuple[Segment, ...]


def first_line(statement: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(statement, "decorator_list", None) or []
    return min([statement.lineno, *(decorator.lineno for decorator in decorators)])


def _start(statement: ast.stmt) -> tuple[int, int]:
    if getattr(statement, "decorator_list", None):
        return first_line(statement), 0
    return statement.lineno, statement.col_offset


def _child_blocks(statement: ast.stmt) -> list[list[ast.stmt]]:
    blocks: list[list[ast.stmt]] = []
    for name in ("body", "orelse", "finalbody"):
        block = getattr(statement, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            blocks.append(block)
    for handler in getattr(statement, "handlers", None) or ():
        blocks.append(handler.body)
    for case in getattr(statement, "cases", None) or ():
        blocks.append(case.body)
    return blocks


def statement_chain(tree: ast.Module, line: int, col: int) -> list[ast.stmt]:
    """The statements that contain (line, col), outermost first."""
    chain: list[ast.stmt] = []
    blocks = [tree.body]
    while True:
        found = None
        for block in blocks:
            for statement in block:
                end = (statement.end_lineno or statement.lineno, statement.end_col_offset or 0)
                if _start(statement) <= (line, col) <= end:
                    found = statement
                    break
            if found is not None:
                break
        if found is None:
            return chain
        chain.append(found)
        blocks = _child_blocks(found)


def _starts_its_line(statement: ast.stmt, lines: Sequence[str]) -> bool:
    if getattr(statement, "decorator_list", None):
        return True  # a decorator always starts its line
    return not lines[statement.lineno - 1][: _character(lines, statement.lineno, statement.col_offset)].strip()


def _character(lines: Sequence[str], line: int, byte_col: int) -> int:
    text = lines[line - 1]
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def _indentation(lines: Sequence[str], line: int) -> str:
    text = lines[line - 1]
    return text[: len(text) - len(text.lstrip())]


def find_place(tree: ast.Module, lines: Sequence[str], line: int, col: int) -> FindingPlace | None:
    """Where the finding at (line, col) sits, or None when no statement holds it."""
    chain = statement_chain(tree, line, col)
    while chain and not _starts_its_line(chain[-1], lines):
        chain.pop()  # `x = 1; y = f()`, `if a: y = f()`: the statement that starts the line is the unit
    if not chain:
        return None
    *ancestors, unit = chain
    segments = [*_ancestor_segments(ancestors, unit, lines), *_unit_segments(unit, line, lines)]
    for statement in tree.body:
        is_docstring = statement is tree.body[0] and _is_string(statement)
        if (isinstance(statement, ast.Import | ast.ImportFrom) or is_docstring) and _starts_its_line(statement, lines):
            segments.append(Segment(first_line(statement), statement.end_lineno or statement.lineno))
    return FindingPlace(first_line(unit), _merged(segments))


def _is_string(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _ancestor_segments(ancestors: Sequence[ast.stmt], unit: ast.stmt, lines: Sequence[str]) -> list[Segment]:
    segments = []
    for ancestor, child in zip(ancestors, [*ancestors, unit][1:], strict=True):
        if isinstance(ancestor, _DEFINITIONS):
            segments.append(Segment(first_line(ancestor), first_line(ancestor.body[0]) - 1))
        elif child.col_offset > ancestor.col_offset:  # not an `elif`, which stands for its `if`
            indentation = _indentation(lines, ancestor.lineno)
            segments.append(Segment(ancestor.lineno, ancestor.lineno, f"{indentation}while True:"))
    return segments


def _unit_segments(unit: ast.stmt, line: int, lines: Sequence[str]) -> list[Segment]:
    """The statement itself; of a block statement whose header holds the finding, the header and `pass`."""
    last = unit.end_lineno or unit.lineno
    body = _child_blocks(unit)
    if body:
        header_last = first_line(body[0][0]) - 1
        if first_line(unit) <= line <= header_last and _starts_its_line(body[0][0], lines):
            indentation = _indentation(lines, body[0][0].lineno)
            return [
                Segment(first_line(unit), header_last),
                Segment(header_last + 1, header_last + 1, f"{indentation}pass"),
            ]
    return [Segment(first_line(unit), last)]


def _merged(segments: list[Segment]) -> tuple[Segment, ...]:
    merged: list[Segment] = []
    for segment in sorted(segments, key=lambda item: (item.first, item.text is None)):
        if merged and segment.first <= merged[-1].last:
            previous = merged[-1]
            if previous.text is not None or segment.text is not None:
                continue  # a replaced line inside copied lines cannot happen; keep the first
            merged[-1] = Segment(previous.first, max(previous.last, segment.last))
        else:
            merged.append(segment)
    return tuple(merged)


@record
class Excerpt:
    """The text handed to LibCST, what it leaves out, and how to map its edits back."""

    text: str
    #: The buffer's text the excerpt does not show (placeholders and replaced lines).
    unseen: str
    #: The placeholders, in order: each appears once, and no fix changes them.
    placeholders: tuple[str, ...]
    #: (first buffer line, text) of each run of lines between placeholders.
    chunks: tuple[tuple[int, str], ...]
    #: Buffer lines that the excerpt shows as another line (`while True:`, `pass`).
    replaced_lines: tuple[int, ...] = ()


def lines_with_ends(text: str) -> list[str]:
    parts: list[str] = []
    position = 0
    for match in _LINE_BREAK.finditer(text):
        parts.append(text[position : match.end()])
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return parts


def build_excerpt(buffer: Sequence[str], place: FindingPlace) -> Excerpt:
    """The excerpt of `buffer` (its lines with their ends) that `place` plans."""
    first_break = _LINE_BREAK.search(buffer[0]) if buffer else None
    newline = first_break.group() if first_break is not None else "\n"
    parts: list[str] = []
    unseen: list[str] = []
    placeholders: list[str] = []
    chunks: list[tuple[int, str]] = []
    chunk: list[str] = []
    chunk_start = 1
    next_line = 1
    for segment in place.segments:
        if segment.first > next_line:
            gap = buffer[next_line - 1 : segment.first - 1]
            unseen.extend(gap)
            indentation = _indentation_of(segment, buffer)
            placeholder = _placeholder(len(placeholders), indentation, len(gap), newline)
            chunks.append((chunk_start, "".join(chunk)))
            chunk = []
            chunk_start = segment.first
            placeholders.append(placeholder)
            parts.append(placeholder)
        last = min(segment.last, len(buffer))
        if segment.text is not None:
            unseen.append(buffer[segment.first - 1] if segment.first <= len(buffer) else "")
            line = segment.text + newline
        else:
            line = "".join(buffer[segment.first - 1 : last])
            if not line.endswith(("\n", "\r")):
                line += newline
        chunk.append(line)
        parts.append(line)
        next_line = max(last, segment.first) + 1
    chunks.append((chunk_start, "".join(chunk)))
    unseen.extend(buffer[next_line - 1 :])
    replaced = tuple(segment.first for segment in place.segments if segment.text is not None)
    return Excerpt("".join(parts), "".join(unseen), tuple(placeholders), tuple(chunks), replaced)


def _indentation_of(segment: Segment, buffer: Sequence[str]) -> str:
    text = segment.text if segment.text is not None else buffer[segment.first - 1]
    return text[: len(text) - len(text.lstrip())]


def _placeholder(number: int, indentation: str, lines: int, newline: str) -> str:
    # An f-string: a plain string first in the module would read as its docstring to the import edits.
    if lines == 1:
        return f'{indentation}f"""#{number}"""{newline}'
    return f'{indentation}f"""#{number}' + newline * (lines - 1) + f'"""{newline}'


@record
class LineEdit:
    """Replace whole buffer lines `first`..`last - 1` (1-based; `last == first` inserts) with `text`."""

    first: int
    last: int
    text: str


def edits_between(excerpt: Excerpt, fixed: str) -> list[LineEdit] | None:
    """The fixed excerpt's changes as edits of buffer lines; None when a fix touched a placeholder."""
    pieces: list[str] = []
    position = 0
    for placeholder in excerpt.placeholders:
        found = fixed.find(placeholder, position)
        if found < 0:
            return None
        pieces.append(fixed[position:found])
        position = found + len(placeholder)
    pieces.append(fixed[position:])
    edits: list[LineEdit] = []
    for (start, old), new in zip(excerpt.chunks, pieces, strict=True):
        if old != new:
            edits.append(_line_edit(start, lines_with_ends(old), lines_with_ends(new)))
    if any(edit.first <= line < edit.last for edit in edits for line in excerpt.replaced_lines):
        return None  # a fix changed a line that stands in for another: it cannot go back to the buffer
    return edits


def _line_edit(start: int, old: list[str], new: list[str]) -> LineEdit:
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    return LineEdit(start + head, start + len(old) - tail, "".join(new[head : len(new) - tail]))


def line_span(edit: LineEdit, buffer: Sequence[str]) -> Span:
    """The buffer span an edit replaces: from the start of its first line to the start of the line after."""
    end = Place(edit.last - 1, 0)
    if edit.last - 1 >= len(buffer) and buffer and not buffer[-1].endswith(("\n", "\r")):
        end = Place(len(buffer) - 1, len(buffer[-1]))  # the last line has no line end
    return Span(Place(edit.first - 1, 0), end)
