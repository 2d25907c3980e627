"""What a lowering hands to the rebuild: the rewritten text and what the rewrite replaced.

Shared by the two lowerings, LibCST's (`lowering.py`) and the tokenizer's (`statements.py`), and
free of LibCST, so that a file the tokenizer's lowering reads never imports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from alchemy_lint.parsing.constructs import Construct
from alchemy_lint.parsing.edits import ColumnMap
from alchemy_lint.records import record

#: A node's place in `ast` units: (line, byte column, end line, end byte column).
Span = tuple[int, int, int, int]
#: Where a node starts, in `ast` units.
Start = tuple[int, int]

#: `type X = Y` becomes `_=  X = Y`: a two-target assignment that keeps X and Y in place.
TYPE_KEYWORD_STAND_IN = "_=  "
#: Python ends a line at a lone carriage return; LibCST and `io.StringIO.readline` do not.
LONE_CARRIAGE_RETURN = re.compile(r"\r(?!\n)")


@record
class Field:
    """One `{expression!conversion:spec}` of a lowered f-string or t-string."""

    span: Span
    #: `ord("r")` and so on, or -1, as `ast.FormattedValue` has it.
    conversion: int
    #: The literal text and the fields of the format spec, or None without a spec.
    spec: tuple[str | Field, ...] | None
    #: The `x=` text a self-documenting field prints before the value.
    debug_text: str | None = None


@record
class StringShape:
    """What a lowered string literal held: its literal text and fields, in order."""

    parts: tuple[str | Field, ...]


@dataclass(slots=True)
class Lowering:
    """The rewritten text and what the rebuild must restore in the tree parsed from it."""

    text: str = ""
    columns: ColumnMap = field(default_factory=ColumnMap)
    #: Constructs that were rewritten, for messages and the bench.
    constructs: set[Construct] = field(default_factory=set)
    #: Where each `type` statement starts.
    type_statements: set[Start] = field(default_factory=set)
    #: The span of each lowered string literal, now a tuple of its fields' expressions.
    strings: dict[Span, StringShape] = field(default_factory=dict)
    #: The stand-in statements to drop (`...;` before a lazy import).
    stand_ins: set[Start] = field(default_factory=set)
    #: The span of each expression that lost its star, and where the star was.
    starred: dict[Span, Start] = field(default_factory=dict)


__all__ = ["LONE_CARRIAGE_RETURN", "TYPE_KEYWORD_STAND_IN", "Field", "Lowering", "Span", "Start", "StringShape"]
