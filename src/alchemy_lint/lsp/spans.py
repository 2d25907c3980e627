"""Where a finding sits in an editor buffer: a span in code points, 0-based lines.

Findings carry a 1-based line and a UTF-8 byte column (as `ast` and flake8 count); the span
covers the expression the rule reported, found again on the buffer's own `ast` tree.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from typing import NamedTuple

from alchemy_lint.findings import Finding
from alchemy_lint.records import record

# LSP and Python's tokenizer agree on these three line ends; str.splitlines() does not.
_LINE_END = re.compile(r"\r\n|\r|\n")
_WORD = re.compile(r"\w+|\S")


class Place(NamedTuple):
    """A position in a buffer: 0-based line, 0-based code point; ordered as the buffer runs.

    (A named tuple: a frozen, ordered dataclass compiled ten methods at import, each run of the
    command line importing this module for its findings' columns.)"""

    line: int
    character: int


@record
class Span:
    start: Place
    end: Place


def buffer_lines(text: str) -> list[str]:
    """The lines of `text` without their line ends, split the way LSP counts lines."""
    return _LINE_END.split(text)


def byte_to_character(line: str, byte_col: int) -> int:
    """The code point index of a UTF-8 byte offset into `line` (clamped to the line)."""
    if byte_col <= 0:
        return 0
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


class NodeStarts:
    """The expression and statement nodes of a tree, by where they start."""

    def __init__(self, tree: ast.Module | None) -> None:
        self._starts: dict[tuple[int, int], list[ast.expr | ast.stmt]] = {}
        if tree is None:
            return
        for node in ast.walk(tree):
            if isinstance(node, (ast.expr, ast.stmt)):
                self._starts.setdefault((node.lineno, node.col_offset), []).append(node)

    def at(self, line: int, col: int) -> list[ast.expr | ast.stmt]:
        return self._starts.get((line, col), [])


def _extent(node: ast.expr | ast.stmt) -> int:
    end_line = node.end_lineno or node.lineno
    return (end_line - node.lineno) * 1_000_000 + (node.end_col_offset or 0)


def _header_expressions(node: ast.stmt) -> list[ast.expr]:
    """The expressions of a statement's first part (`async with X as y`, `for a in b`), not its body."""
    found: list[ast.expr] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr):
            found.append(child)
        elif isinstance(child, ast.withitem):
            found.append(child.optional_vars or child.context_expr)
    return found


def _reported_node(candidates: Sequence[ast.expr | ast.stmt]) -> ast.expr | ast.stmt | None:
    """The node a rule most likely reported: the innermost call, else the innermost expression.

    Several nodes start where `s.execute(q).scalars()` starts; rules report calls, and the
    innermost call is the one whose callee the message names. A statement (`async with
    s.begin():`) stands for its header.
    """
    expressions = [node for node in candidates if isinstance(node, ast.expr)]
    calls = [node for node in expressions if isinstance(node, ast.Call)]
    for group in (calls, expressions):
        if group:
            return min(group, key=_extent)
    return min(candidates, key=_extent) if candidates else None


def _end_of(node: ast.expr | ast.stmt) -> tuple[int, int] | None:
    if isinstance(node, ast.stmt):
        header = [expression for expression in _header_expressions(node) if expression.end_lineno is not None]
        if not header:
            return None
        last = max(header, key=lambda expression: (expression.end_lineno or 0, expression.end_col_offset or 0))
        node = last
    if node.end_lineno is None or node.end_col_offset is None:
        return None
    return node.end_lineno, node.end_col_offset


def finding_span(finding: Finding, lines: Sequence[str], starts: NodeStarts) -> Span:
    """The span of a finding: its expression when the tree has one there, else the word at it."""
    index = min(max(finding.line - 1, 0), max(len(lines) - 1, 0))
    line = lines[index] if lines else ""
    start = Place(index, byte_to_character(line, finding.col))
    node = _reported_node(starts.at(finding.line, finding.col))
    end = _end_of(node) if node is not None else None
    if end is not None and end[0] - 1 < len(lines):
        end_index = end[0] - 1
        return Span(start, Place(end_index, byte_to_character(lines[end_index], end[1])))
    return Span(start, Place(index, _word_end(line, start.character)))


def _word_end(line: str, character: int) -> int:
    """The end of the word or symbol at `character`, or of the line's code when it is past it."""
    match = _WORD.match(line, character)
    if match is not None:
        return match.end()
    return max(len(line.rstrip()), character)
