"""Newer syntax in older clothes: LibCST reads the file, and the spans this Python's `ast` lacks
are rewritten in place, so that every line keeps its number and everything else its column.

Only a file that the running Python rejects comes here; the rebuild of the `ast` nodes that the
rewrite changed (a `type` statement, a lowered f-string) is `rebuild.py`'s.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import Any

import libcst as cst

from alchemy_lint.parsing.constructs import (
    EXCEPT_STAR,
    LAZY_IMPORT,
    NESTED_FSTRING,
    RUNNING,
    STARRED_SUBSCRIPT,
    TEMPLATE_STRING,
    TYPE_PARAMETER_DEFAULT,
    TYPE_PARAMETERS,
    TYPE_STATEMENT,
    UNPACKING_COMPREHENSION,
    UNPARENTHESISED_EXCEPT,
    Construct,
)
from alchemy_lint.parsing.edits import Edit, SourceText, blank, parenthesised
from alchemy_lint.parsing.lowered import (
    LONE_CARRIAGE_RETURN,
    TYPE_KEYWORD_STAND_IN,
    Field,
    Lowering,
    Span,
    Start,
    StringShape,
)
from alchemy_lint.parsing.positions import NodeSpans, node_spans

_FIELDS = (cst.FormattedStringExpression, cst.TemplatedStringExpression)
_TEXTS = (cst.FormattedStringText, cst.TemplatedStringText)
#: `lazy import m` becomes `...; import m`: a statement the rebuild drops, then the import.
_LAZY_KEYWORD_STAND_IN = "...;"


def lower(text: str, target: tuple[int, int] = RUNNING) -> Lowering | None:
    """Rewrite what the `ast` of Python `target` cannot read; None when LibCST cannot read it either."""
    # Python ends a line at a lone carriage return, LibCST does not: a newline in its place keeps
    # every line and column.
    text = LONE_CARRIAGE_RETURN.sub("\n", text)
    try:
        module = cst.parse_module(text)
    except Exception:  # LibCST raises its own syntax errors and, on some inputs, logic errors
        return None
    spans = node_spans(module, text, _WATCHED)
    if spans is None:
        return None
    source = SourceText(text)
    lowerer = _Lowerer(source, spans, target)
    for node in spans.watched:
        _HANDLERS[type(node)](lowerer, node)
    lowering = lowerer.lowering
    lowering.text, lowering.columns = source.apply(lowerer.edits)
    return lowering


class _Lowerer:
    """The rewrites for the constructs of a file, taken in source order."""

    def __init__(self, source: SourceText, spans: NodeSpans, target: tuple[int, int]) -> None:
        self.source = source
        self.spans = spans
        self.target = target
        self.edits: list[Edit] = []
        self.lowering = Lowering()
        #: The strings lowered so far, with the spans of their fields' expressions (kept as they are).
        self.lowered_strings: list[tuple[tuple[int, int], list[tuple[int, int]]]] = []
        self.fstring_verdicts: dict[cst.FormattedString, bool] = {}

    # -- where things are -------------------------------------------------------

    def _offsets(self, node: cst.CSTNode) -> tuple[int, int]:
        return self.spans.inner(node)

    def _outer_offsets(self, node: cst.CSTNode) -> tuple[int, int]:
        """Offsets of an expression with its own parentheses."""
        return self.spans.outer(node)

    def _span(self, start: int, end: int) -> Span:
        return (*self.source.position(start), *self.source.position(end))

    def _lowers(self, construct: Construct) -> bool:
        return construct.since > self.target

    def _rewrite(self, construct: Construct, start: int, end: int, replacement: str) -> None:
        self.lowering.constructs.add(construct)
        self.edits.append(Edit(start, end, replacement))

    def _blank(self, construct: Construct, start: int, end: int, *, continue_lines: bool) -> None:
        self._rewrite(construct, start, end, blank(self.source.text[start:end], continue_lines=continue_lines))

    # -- PEP 695 and 696: type parameters and `type` statements -----------------

    def type_alias(self, node: cst.TypeAlias) -> None:
        start = self._offsets(node)[0]
        if self._lowers(TYPE_STATEMENT) and self.source.text.startswith("type", start):
            self._rewrite(TYPE_STATEMENT, start, start + len("type"), TYPE_KEYWORD_STAND_IN)
            self.lowering.type_statements.add(self.source.position(start))

    def type_parameters(self, parameters: cst.TypeParameters) -> None:
        if self._lowers(TYPE_PARAMETERS):
            # Outside brackets once blanked: a list over several lines keeps them with backslashes.
            self._blank(TYPE_PARAMETERS, *self._offsets(parameters), continue_lines=True)
            return
        if self._lowers(TYPE_PARAMETER_DEFAULT):
            for parameter in parameters.params:
                if parameter.default is not None and isinstance(parameter.equal, cst.AssignEqual):
                    start = self._offsets(parameter.equal)[0]
                    end = self._outer_offsets(parameter.default)[1]
                    self._blank(TYPE_PARAMETER_DEFAULT, start, end, continue_lines=False)

    # -- PEP 654 and 758: `except*`, `except A, B:` -----------------------------

    def except_handler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        if isinstance(node, cst.ExceptStarHandler) and self._lowers(EXCEPT_STAR):
            # Only blanks between `except`, its star and the types: the star is the last `*` before them.
            star = self.source.text.rindex("*", 0, self._outer_offsets(node.type)[0])
            self._blank(EXCEPT_STAR, star, star + 1, continue_lines=False)
        self._exception_types(node.type)

    def _exception_types(self, types: cst.BaseExpression | None) -> None:
        if not (isinstance(types, cst.Tuple) and not types.lpar and self._lowers(UNPARENTHESISED_EXCEPT)):
            return
        # The insertions of `(` and `)`, where there is no space to take, the column map moves back.
        for edit in parenthesised(self.source.text, *self._offsets(types)):
            self._rewrite(UNPARENTHESISED_EXCEPT, edit.start, edit.end, edit.replacement)

    # -- PEP 646 and 798: stars where older Pythons take none --------------------

    def index(self, node: cst.Index) -> None:
        if node.star is not None and self._lowers(STARRED_SUBSCRIPT):
            self._unstar(STARRED_SUBSCRIPT, self._outer_offsets(node)[0], node.value, width=1)

    def annotation(self, node: cst.Annotation) -> None:
        starred = node.annotation
        if isinstance(starred, cst.StarredElement) and self._lowers(STARRED_SUBSCRIPT):
            self._unstar(STARRED_SUBSCRIPT, self._outer_offsets(starred)[0], starred.value, width=1)

    def comprehension(self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp) -> None:
        self._unpacked_element(node.elt)

    def starred_dict_comprehension(self, node: cst.StarredDictComp) -> None:
        if self._lowers(UNPACKING_COMPREHENSION):
            star = self.source.text.index("*", self._outer_offsets(node.lbrace)[0])
            self._unstar(UNPACKING_COMPREHENSION, star, node.value, width=2)

    def _unpacked_element(self, element: cst.BaseElement | cst.BaseExpression) -> None:
        if isinstance(element, cst.StarredElement) and self._lowers(UNPACKING_COMPREHENSION):
            self._unstar(UNPACKING_COMPREHENSION, self._outer_offsets(element)[0], element.value, width=1)

    def _unstar(self, construct: Construct, star: int, value: cst.BaseExpression, width: int) -> None:
        self._blank(construct, star, star + width, continue_lines=False)
        self.lowering.starred[self._span(*self._offsets(value))] = self.source.position(star)

    # -- PEP 810: `lazy import` --------------------------------------------------

    def lazy_import(self, node: cst.LazyImport | cst.LazyImportFrom) -> None:
        start = self._offsets(node)[0]
        if self._lowers(LAZY_IMPORT) and self.source.text.startswith("lazy", start):
            self._rewrite(LAZY_IMPORT, start, start + len("lazy"), _LAZY_KEYWORD_STAND_IN)
            self.lowering.stand_ins.add(self.source.position(start))

    # -- PEP 701 and 750: f-strings of 3.12, t-strings ----------------------------

    def string(self, node: cst.BaseString) -> None:
        start, end = self._offsets(node)
        if self._inside_lowered_string(start):
            return  # a part of a string lowered whole, not in one of its fields
        pieces = _pieces(node)
        construct = self._string_construct(pieces)
        if construct is None:
            return
        # The literal becomes a parenthesised tuple of its fields' expressions, each where it
        # was: `f"{a["k"]} of {b}"` reads `(  a["k"],     b,)`. The rebuild makes it a string again.
        kept: list[tuple[int, int]] = []
        markers = {start: "(", end - 1: ")"}
        parts: list[str | Field] = []
        for piece in pieces:
            parts.extend(self._string_parts(piece, kept, markers))
        self._rewrite(construct, start, end, self._fill(start, end, kept, markers))
        self.lowering.strings[self._span(start, end)] = StringShape(tuple(parts))
        self.lowered_strings.append(((start, end), kept))

    def _inside_lowered_string(self, offset: int) -> bool:
        return any(
            start <= offset < end and not any(keep_start <= offset < keep_end for keep_start, keep_end in kept)
            for (start, end), kept in self.lowered_strings
        )

    def _string_construct(self, pieces: Sequence[cst.BaseString]) -> Construct | None:
        if any(isinstance(piece, cst.TemplatedString) for piece in pieces) and self._lowers(TEMPLATE_STRING):
            return TEMPLATE_STRING
        if self._lowers(NESTED_FSTRING) and any(
            isinstance(piece, cst.FormattedString) and self._needs_new_fstring_parser(piece) for piece in pieces
        ):
            return NESTED_FSTRING
        return None

    def _needs_new_fstring_parser(self, node: cst.FormattedString) -> bool:
        if NESTED_FSTRING.since <= RUNNING:
            return True  # lowering for an older target than this Python: every f-string, to be safe
        verdict = self.fstring_verdicts.get(node)
        if verdict is None:
            start, end = self._offsets(node)
            try:
                ast.parse(f"(\n{self.source.text[start:end]}\n)", mode="eval")
            except SyntaxError:
                verdict = True
            else:
                verdict = False
            # Asked again for each implicit concatenation that holds it: parse it once.
            self.fstring_verdicts[node] = verdict
        return verdict

    def _string_parts(
        self, piece: cst.BaseString, kept: list[tuple[int, int]], markers: dict[int, str]
    ) -> list[str | Field]:
        if isinstance(piece, cst.SimpleString):
            return [_evaluated(piece.value, piece.value)]
        assert isinstance(piece, (cst.FormattedString, cst.TemplatedString))
        prefix = "".join(letter for letter in piece.prefix if letter.lower() in "rbu")
        return self._contents(piece.parts, prefix, piece.end, kept, markers)

    def _contents(
        self,
        contents: Sequence[cst.CSTNode],
        prefix: str,
        quote: str,
        kept: list[tuple[int, int]],
        markers: dict[int, str],
    ) -> list[str | Field]:
        parts: list[str | Field] = []
        for content in contents:
            if isinstance(content, _TEXTS):
                text = content.value.replace("{{", "{").replace("}}", "}")
                parts.append(_evaluated(f"{prefix}{quote}{text}{quote}", text))
            elif isinstance(content, _FIELDS):
                parts.append(self._field(content, prefix, quote, kept, markers))
        return parts

    def _field(
        self,
        content: cst.FormattedStringExpression | cst.TemplatedStringExpression,
        prefix: str,
        quote: str,
        kept: list[tuple[int, int]],
        markers: dict[int, str],
    ) -> Field:
        field_start, field_end = self._offsets(content)
        expression_start, expression_end = self._outer_offsets(content.expression)
        kept.append((expression_start, expression_end))
        text = self.source.text
        comma = expression_end
        while text[comma] in "\r\n":
            comma += 1
        markers[comma] = ","
        debug_text = None
        if content.equal is not None:
            equal_end = self._offsets(content.equal)[1]
            debug_text = text[field_start + 1 : equal_end]
        spec = None
        if content.format_spec is not None:
            spec = tuple(self._contents(content.format_spec, prefix, quote, kept, markers))
        conversion = ord(content.conversion) if content.conversion else -1
        if debug_text is not None and conversion == -1 and spec is None:
            conversion = ord("r")  # `{x=}` shows the repr, as Python does
        return Field(self._span(field_start, field_end), conversion, spec, debug_text)

    def _fill(self, start: int, end: int, kept: list[tuple[int, int]], markers: dict[int, str]) -> str:
        """The text of `start:end` with the kept spans as they are and all else blank but the markers."""
        text = self.source.text
        out: list[str] = []
        cursor = start
        for keep_start, keep_end in [*sorted(kept), (end, end)]:
            for offset in range(cursor, keep_start):
                character = text[offset]
                marker = markers.get(offset)
                if marker is not None:
                    out.append(marker + " " * (len(character.encode("utf-8")) - 1))
                elif character in "\r\n":
                    out.append(character)
                else:
                    out.append(" " * len(character.encode("utf-8")))
            out.append(text[keep_start:keep_end])
            cursor = keep_end
        return "".join(out)


def _pieces(node: cst.BaseString) -> list[cst.BaseString]:
    """The literals of an implicit concatenation, left to right."""
    if isinstance(node, cst.ConcatenatedString):
        return [*_pieces(node.left), *_pieces(node.right)]
    return [node]


def _evaluated(literal: str, fallback: str) -> str:
    """The value of a string literal's text; its source text when it has none (bytes, a bad escape)."""
    try:
        value = ast.literal_eval(literal)
    except (SyntaxError, ValueError):
        return fallback
    return value if isinstance(value, str) else fallback


_HANDLERS: dict[type[cst.CSTNode], Callable[[_Lowerer, Any], None]] = {
    cst.TypeParameters: _Lowerer.type_parameters,
    cst.TypeAlias: _Lowerer.type_alias,
    cst.ExceptHandler: _Lowerer.except_handler,
    cst.ExceptStarHandler: _Lowerer.except_handler,
    cst.Index: _Lowerer.index,
    cst.Annotation: _Lowerer.annotation,
    cst.ListComp: _Lowerer.comprehension,
    cst.SetComp: _Lowerer.comprehension,
    cst.GeneratorExp: _Lowerer.comprehension,
    cst.StarredDictComp: _Lowerer.starred_dict_comprehension,
    cst.LazyImport: _Lowerer.lazy_import,
    cst.LazyImportFrom: _Lowerer.lazy_import,
    cst.FormattedString: _Lowerer.string,
    cst.TemplatedString: _Lowerer.string,
    cst.ConcatenatedString: _Lowerer.string,
}
#: The nodes that may hold syntax some supported Python lacks.
_WATCHED = frozenset(_HANDLERS)

__all__ = ["Field", "Lowering", "Span", "Start", "StringShape", "lower"]
