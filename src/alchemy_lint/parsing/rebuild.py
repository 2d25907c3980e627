"""The `ast` of a lowered file, made to read as the original: columns moved back where an insertion
moved them, and the stand-ins of the rewrite replaced by the nodes this Python has for them.

`type X = Y` becomes `X: typing.TypeAlias = Y`, a lowered f-string or t-string a `JoinedStr`.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterator, Sequence
from typing import Any

from alchemy_lint.parsing.lowered import Field, Lowering, Span

_POSITIONS = ("lineno", "col_offset", "end_lineno", "end_col_offset")
#: The fields that hold statements, or the handlers and cases that hold them.
BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def spans_a_line(node: ast.AST, lines: Sequence[int]) -> bool:
    """Whether the statement or handler `node` spans one of `lines` (sorted); its decorators,
    which stand before its `lineno`, count as its lines."""
    decorators = getattr(node, "decorator_list", None)
    first = decorators[0].lineno if decorators else node.lineno  # type: ignore[attr-defined]
    last = getattr(node, "end_lineno", None) or first
    index = bisect.bisect_left(lines, first)
    return index < len(lines) and lines[index] <= last


def rebuild(tree: ast.Module, lowering: Lowering) -> ast.Module:
    rebuilder = _Rebuild(lowering)
    if not (rebuilder.moved_lines or lowering.strings or lowering.starred or lowering.stand_ins):
        # Only `type` statements to restore: the statements are all to visit, not every expression.
        _rebuild_statements(tree, rebuilder)
        return tree
    rebuilt = rebuilder.visit(tree)
    assert isinstance(rebuilt, ast.Module)
    return rebuilt


def _rebuild_statements(node: ast.AST, rebuilder: _Rebuild) -> None:
    for name in BODIES:
        statements = getattr(node, name, None)
        if not isinstance(statements, list):
            continue
        for index, statement in enumerate(statements):
            if isinstance(statement, ast.Assign):
                statements[index] = rebuilder.type_alias(statement)
            else:
                _rebuild_statements(statement, rebuilder)


def _span_of(node: ast.AST) -> Span | None:
    position = tuple(getattr(node, name, None) for name in _POSITIONS)
    if None in position:
        return None
    line, column, end_line, end_column = position
    assert isinstance(line, int) and isinstance(column, int)
    assert isinstance(end_line, int) and isinstance(end_column, int)
    return line, column, end_line, end_column


class _Rebuild(ast.NodeTransformer):
    """Bottom-up, so that a string lowered inside another's field is a string before its parent."""

    def __init__(self, lowering: Lowering) -> None:
        self.lowering = lowering
        self.moved_lines = lowering.columns.lines()
        self.strings = dict(lowering.strings)
        self.starred = dict(lowering.starred)
        #: Every line where a node may need restoring: a statement that spans none of them is
        #: left as parsed, with all it holds (most of a file's statements, most of the time).
        self.lines = sorted(
            {
                *self.moved_lines,
                *(line for line, _ in lowering.type_statements),
                *(line for line, _ in lowering.stand_ins),
                *(span[0] for span in self.strings),
                *(span[0] for span in self.starred),
            }
        )

    def visit(self, node: ast.AST) -> Any:
        if isinstance(node, ast.stmt) and not spans_a_line(node, self.lines):
            return node
        return self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> Any:
        super().generic_visit(node)
        self._move_back(node)
        if isinstance(node, ast.Assign):
            return self.type_alias(node)
        if isinstance(node, ast.Tuple):
            node = self._string(node)
        elif isinstance(node, ast.Expr):
            return self._stand_in(node)
        if isinstance(node, ast.expr):
            return self._starred(node)
        return node

    def _move_back(self, node: ast.AST) -> None:
        if not self.moved_lines:
            return
        columns = self.lowering.columns
        line = getattr(node, "lineno", None)
        if line in self.moved_lines:
            node.col_offset = columns.original(line, node.col_offset)  # type: ignore[attr-defined]
        end_line = getattr(node, "end_lineno", None)
        if end_line in self.moved_lines and getattr(node, "end_col_offset", None) is not None:
            node.end_col_offset = columns.original(end_line, node.end_col_offset)  # type: ignore[attr-defined]

    def type_alias(self, node: ast.Assign) -> ast.stmt:
        start = (node.lineno, node.col_offset)
        if start not in self.lowering.type_statements or len(node.targets) != 2:
            return node
        stand_in, name = node.targets
        if not isinstance(name, ast.Name):
            return node
        keyword = ast.Name("typing", ast.Load())
        annotation = ast.Attribute(keyword, "TypeAlias", ast.Load())
        for part in (keyword, annotation):  # `typing.TypeAlias` stands where the `type` keyword was
            ast.copy_location(part, stand_in)
            part.end_col_offset = part.col_offset + len("type")
        alias = ast.AnnAssign(target=name, annotation=annotation, value=node.value, simple=1)
        ast.copy_location(alias, node)
        return alias

    def _stand_in(self, node: ast.Expr) -> ast.Expr | None:
        value = node.value
        if (node.lineno, node.col_offset) in self.lowering.stand_ins and (
            isinstance(value, ast.Constant) and value.value is Ellipsis
        ):
            return None
        return node

    def _starred(self, node: ast.expr) -> ast.expr:
        span = _span_of(node)
        star = self.starred.pop(span, None) if span is not None else None
        if star is None:
            return node
        starred = ast.Starred(value=node, ctx=ast.Load())
        ast.copy_location(starred, node)
        starred.lineno, starred.col_offset = star
        return starred

    def _string(self, node: ast.Tuple) -> ast.expr:
        span = _span_of(node)
        shape = self.strings.get(span) if span is not None else None
        if shape is None or span is None:
            return node
        values = iter(node.elts)
        try:
            parts = _joined(shape.parts, values, span)
        except StopIteration:
            return node  # not the tuple the lowering made
        if next(values, None) is not None:
            return node
        del self.strings[span]
        return ast.copy_location(ast.JoinedStr(values=parts), node)


def _joined(parts: tuple[str | Field, ...], values: Iterator[ast.expr], span: Span) -> list[ast.expr]:
    """The `JoinedStr` values of lowered parts, the field expressions taken in source order."""
    out: list[ast.expr] = []
    pending = ""
    for part in parts:
        if isinstance(part, str):
            pending += part
            continue
        if part.debug_text is not None:
            pending += part.debug_text
        if pending:
            out.append(_placed(ast.Constant(pending, kind=None), span))
            pending = ""
        expression = next(values)
        spec = None
        if part.spec is not None:
            spec = _placed(ast.JoinedStr(values=_joined(part.spec, values, part.span)), part.span)
        formatted = ast.FormattedValue(value=expression, conversion=part.conversion, format_spec=spec)
        out.append(_placed(formatted, part.span))
    if pending:
        out.append(_placed(ast.Constant(pending, kind=None), span))
    return out


def _placed(node: ast.expr, span: Span) -> ast.expr:
    node.lineno, node.col_offset, node.end_lineno, node.end_col_offset = span
    return node


__all__ = ["BODIES", "rebuild", "spans_a_line"]
