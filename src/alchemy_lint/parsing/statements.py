"""The fast path for newer syntax: the statement-level constructs of PEP 695 and 758 (type parameter
lists, `type` statements, `except A, B:`), found with the running Python's tokenizer and rewritten
exactly as `lowering.py` rewrites them, without LibCST.

Nearly every file that Python 3.10 or 3.11 rejects uses nothing else, and LibCST's parser costs
tens of milliseconds per file. A file with anything more (a PEP 701 f-string, a t-string, a star
in a subscript...) still fails to parse once rewritten, and goes to LibCST as before. Where the two
lowerings could disagree (a construct written in an unusual way, or wrongly), this one rewrites
nothing and LibCST decides: so what this module accepts is valid in the Python that introduced it.
"""

from __future__ import annotations

import ast
import bisect
import io
import keyword
import re
import tokenize
from collections.abc import Sequence

from alchemy_lint.parsing.constructs import (
    EXCEPT_STAR,
    RUNNING,
    TYPE_PARAMETERS,
    TYPE_STATEMENT,
    UNPARENTHESISED_EXCEPT,
    Construct,
)
from alchemy_lint.parsing.edits import Edit, SourceText, blank, parenthesised
from alchemy_lint.parsing.lowered import LONE_CARRIAGE_RETURN, TYPE_KEYWORD_STAND_IN, Lowering
from alchemy_lint.parsing.rebuild import BODIES, rebuild, spans_a_line

Token = tokenize.TokenInfo

_STATEMENT_ENDS = frozenset({tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT})
_NOT_CODE = frozenset({tokenize.NL, tokenize.COMMENT, tokenize.ENCODING})
_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")


class _Unusual(Exception):
    """A construct this lowering does not vouch for: LibCST reads the file."""


def parse_statement_constructs(text: str, filename: str, target: tuple[int, int] = RUNNING) -> ast.Module | None:
    """The tree LibCST's lowering gives for `text`, or None when the file needs LibCST to read it."""
    if target == RUNNING:
        tree = _parse_lowered_lines(text, filename)
        if tree is not None:
            return tree
    lowering = lower_statement_constructs(text, target)
    if lowering is None:
        return None
    try:
        tree = ast.parse(lowering.text, filename=filename)
    except SyntaxError:
        return None  # more newer syntax than these constructs, or a real error: LibCST tells which
    return rebuild(tree, lowering)


def lower_statement_constructs(text: str, target: tuple[int, int] = RUNNING) -> Lowering | None:
    """The rewrite of these constructs for Python `target`; None when there is none to vouch for."""
    if not _tokenizable(text):
        return None
    try:
        tokens = [
            token for token in tokenize.generate_tokens(io.StringIO(text).readline) if token.type not in _NOT_CODE
        ]
    except Exception:  # TokenError, SyntaxError; on 3.13 under a tracer even SystemError
        return None  # whatever the tokenizer cannot read, LibCST decides
    if any(token.type == tokenize.ERRORTOKEN for token in tokens):
        return None
    source = SourceText(text)
    lowerer = _Lowerer(source, tokens, target)
    try:
        lowerer.lower()
    except _Unusual:
        return None
    if not lowerer.lowering.constructs:
        return None
    lowering = lowerer.lowering
    lowering.text, lowering.columns = source.apply(lowerer.edits)
    return lowering


def _tokenizable(text: str) -> bool:
    if LONE_CARRIAGE_RETURN.search(text):
        return False  # the tokenizer's lines would not be Python's
    # No Python reads a NUL (ASA001); the C tokenizer of 3.12+ would only raise.
    return "\0" not in text


# -- the same rewrite, from the lines that can hold a construct ------------------------------
#
# Python's `tokenize` is written in Python before 3.12: tokenizing a whole file cost more than
# parsing it (0.4 CPU s over the 72 such files of a large application). The constructs start a
# line in nearly all code, so only the statements that start on such lines are tokenized, each
# on its own. What this cannot vouch for goes to the whole file's tokens: a construct it missed
# (`x = 1; type Y = int`) leaves text that does not parse, and a "construct" inside a string
# leaves no statement where it was rewritten.

_CONSTRUCT_LINE = re.compile(
    r"^[ \t]*(?:(?:async[ \t]+)?(?:def|class)[ \t]+\w+[ \t]*\[|type[ \t]+\w|except[ \t]*(?:\*|[\w.]+[ \t]*,))",
    re.MULTILINE,
)
#: What each rewritten statement must be in the tree of the rewritten text, by its first keyword.
_STATEMENT_KINDS: dict[str, tuple[type[ast.AST], ...]] = {
    "class": (ast.ClassDef,),
    "def": (ast.FunctionDef,),
    "async": (ast.AsyncFunctionDef,),
    "type": (ast.Assign,),
    "except": (ast.ExceptHandler,),
}


def _parse_lowered_lines(text: str, filename: str) -> ast.Module | None:
    """The tree of the rewrite made from the statements on candidate lines; None when not vouched for."""
    if not _tokenizable(text):
        return None
    source = SourceText(text)
    tokens: list[Token] = []
    for match in _CONSTRUCT_LINE.finditer(text):
        line = bisect.bisect_right(source.line_starts, match.start())
        if tokens and line <= tokens[-1].end[0]:
            continue  # inside the statement before (a string, a bracket over several lines)
        statement = _statement_tokens(source, line)
        if statement is None:
            return None
        tokens.extend(statement)
    lowerer = _Lowerer(source, tokens, RUNNING)
    try:
        lowerer.lower()
    except _Unusual:
        return None
    lowering = lowerer.lowering
    if not lowering.constructs:
        return None
    lowering.text, lowering.columns = source.apply(lowerer.edits)
    try:
        tree = ast.parse(lowering.text, filename=filename)
    except SyntaxError:
        return None
    if not _rewritten_statements_are_there(tree, lowerer.statements):
        return None
    return rebuild(tree, lowering)


def _statement_tokens(source: SourceText, line: int) -> list[Token] | None:
    """The code tokens of the logical line that starts on `line` (1-based), where the file has them."""
    starts = source.line_starts
    text = source.text
    numbers = iter(range(line - 1, len(starts)))

    def readline() -> str:
        index = next(numbers, None)
        if index is None:
            return ""
        return text[starts[index] : starts[index + 1] if index + 1 < len(starts) else len(text)]

    shift = line - 1
    found: list[Token] = []
    try:
        for token in tokenize.generate_tokens(readline):
            if token.type == tokenize.ERRORTOKEN:
                return None
            if token.type in _NOT_CODE or token.type == tokenize.INDENT:
                continue
            (start_line, start_column), (end_line, end_column) = token.start, token.end
            found.append(token._replace(start=(start_line + shift, start_column), end=(end_line + shift, end_column)))
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                return found
    except Exception:  # TokenError, SyntaxError; on 3.13 under a tracer even SystemError
        return None
    return None


def _rewritten_statements_are_there(tree: ast.Module, statements: dict[tuple[int, int], str]) -> bool:
    """Whether each rewritten statement is a statement of that kind where its keyword was."""
    lines = sorted({line for line, _ in statements})
    found: set[tuple[type[ast.AST], int, int]] = set()
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        for name in BODIES:
            for child in getattr(node, name, ()):
                if getattr(child, "lineno", None) is None:
                    pending.append(child)  # a `case` has no position of its own
                elif spans_a_line(child, lines):
                    found.add((child.__class__, child.lineno, child.col_offset))
                    pending.append(child)
    return all(
        any((kind, line, column) in found for kind in _STATEMENT_KINDS[keyword_])
        for (line, column), keyword_ in statements.items()
    )


class _Lowerer:
    """One pass over the tokens: the rewrites of `lowering.py`, for these constructs only."""

    def __init__(self, source: SourceText, tokens: Sequence[Token], target: tuple[int, int]) -> None:
        self.source = source
        self.tokens = tokens
        self.target = target
        self.edits: list[Edit] = []
        self.lowering = Lowering()
        #: Where each statement with a rewrite starts (`ast` units), and its first keyword.
        self.statements: dict[tuple[int, int], str] = {}

    def lower(self) -> None:
        tokens = self.tokens
        depth = 0
        statement_starts = True
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if depth == 0 and token.type == tokenize.NAME:
                edits = len(self.edits)
                last = self._construct_at(index, statement_starts=statement_starts)
                if len(self.edits) != edits:
                    self._note_statement(index)
                if last != index:  # a construct's tokens, brackets balanced: on after them
                    index = last + 1
                    statement_starts = False
                    continue
            if token.type == tokenize.OP:
                depth += token.string in _OPENING
                depth -= token.string in _CLOSING
            statement_starts = token.type in _STATEMENT_ENDS or token.string == ";"
            index += 1

    def _construct_at(self, index: int, *, statement_starts: bool) -> int:
        """The index of the last token of the construct that starts at `index`, or `index`."""
        keyword_ = self.tokens[index].string
        if keyword_ in ("class", "def") and self._is(index + 1, tokenize.NAME):
            return self._type_parameters_after(index + 1)
        if keyword_ == "type" and statement_starts:
            return self._type_statement(index)
        if keyword_ == "except":
            return self._except_handler(index)
        return index

    def _note_statement(self, index: int) -> None:
        token = self.tokens[index]
        if token.string == "def" and index > 0 and self._is(index - 1, tokenize.NAME, "async"):
            token = self.tokens[index - 1]  # `async def` starts at `async`
        self.statements[self.source.position(self._start(token))] = token.string

    # -- where things are -------------------------------------------------------

    def _offset(self, position: tuple[int, int]) -> int:
        line, column = position
        return self.source.line_starts[line - 1] + column

    def _start(self, token: Token) -> int:
        return self._offset(token.start)

    def _end(self, token: Token) -> int:
        return self._offset(token.end)

    def _is(self, index: int, kind: int, string: str | None = None) -> bool:
        if index >= len(self.tokens):
            return False
        token = self.tokens[index]
        return token.type == kind and (string is None or token.string == string)

    def _closing(self, opening: int) -> int:
        """The index of the bracket that closes the one at `opening`."""
        depth = 0
        for index in range(opening, len(self.tokens)):
            token = self.tokens[index]
            if token.type == tokenize.OP and token.string in _OPENING:
                depth += 1
            elif token.type == tokenize.OP and token.string in _CLOSING:
                depth -= 1
                if depth == 0:
                    return index
        raise _Unusual

    def _lowers(self, construct: Construct) -> bool:
        return construct.since > self.target

    def _rewrite(self, construct: Construct, start: int, end: int, replacement: str) -> None:
        self.lowering.constructs.add(construct)
        self.edits.append(Edit(start, end, replacement))

    # -- PEP 695: type parameters and `type` statements ---------------------------

    def _type_parameters_after(self, name: int) -> int:
        """Blank the list `[...]` after the name at `name` if there is one; the index of its last token."""
        if not self._is(name + 1, tokenize.OP, "["):
            return name
        closing = self._closing(name + 1)
        if self._lowers(TYPE_PARAMETERS):
            parameters = self.tokens[name + 2 : closing]
            for bound in _type_parameter_bounds(parameters):
                self._check_blanked_expression(bound)
            start, end = self._start(self.tokens[name + 1]), self._end(self.tokens[closing])
            # Outside brackets once blanked: a list over several lines keeps them with backslashes.
            self._rewrite(TYPE_PARAMETERS, start, end, blank(self.source.text[start:end], continue_lines=True))
        return closing

    def _check_blanked_expression(self, tokens: Sequence[Token]) -> None:
        """An expression that the rewrite blanks, so that no parse after it sees it: parse it here."""
        _check_expression(tokens)
        text = self.source.text[self._start(tokens[0]) : self._end(tokens[-1])]
        try:
            ast.parse(f"(\n{text}\n)", mode="eval")
        except SyntaxError:
            raise _Unusual from None

    def _type_statement(self, index: int) -> int:
        """`type X[T] = Y` as `_=  X    = Y`; the index of the token before the value."""
        if not (self._is(index + 1, tokenize.NAME) and not keyword.iskeyword(self.tokens[index + 1].string)):
            return index  # `type(x)`, `type = 1`: the builtin, not the statement
        if not self._lowers(TYPE_STATEMENT):
            return index
        equal = self._type_parameters_after(index + 1) + 1
        if not self._is(equal, tokenize.OP, "="):
            raise _Unusual
        _check_alias_value(self.tokens, equal + 1)
        start = self._start(self.tokens[index])
        self._rewrite(TYPE_STATEMENT, start, start + len("type"), TYPE_KEYWORD_STAND_IN)
        self.lowering.type_statements.add(self.source.position(start))
        return equal

    # -- PEP 654 and 758: `except*`, `except A, B:` -----------------------------

    def _except_handler(self, index: int) -> int:
        """Blank the star for a Python without `except*`, parenthesise a bare list of types."""
        types_start = index + 1
        if self._is(types_start, tokenize.OP, "*"):
            if self._lowers(EXCEPT_STAR):
                star = self._start(self.tokens[types_start])
                self._rewrite(EXCEPT_STAR, star, star + 1, " ")
            types_start += 1
        colon = types_start
        depth = 0
        while not (depth == 0 and self._is(colon, tokenize.OP, ":")):
            token = self.tokens[colon]
            if token.type in _STATEMENT_ENDS or token.type == tokenize.ENDMARKER:
                raise _Unusual
            if token.type == tokenize.OP:
                depth += token.string in _OPENING
                depth -= token.string in _CLOSING
            colon += 1
        types = self.tokens[types_start:colon]
        if any(token.string == "," for token in _outermost(types)) and self._lowers(UNPARENTHESISED_EXCEPT):
            _check_exception_names(types)
            self._parenthesise(self._start(types[0]), self._end(types[-1]))
        return colon

    def _parenthesise(self, start: int, end: int) -> None:
        for edit in parenthesised(self.source.text, start, end):  # as `lowering.py` does
            self._rewrite(UNPARENTHESISED_EXCEPT, edit.start, edit.end, edit.replacement)


# -- what this lowering vouches for ---------------------------------------------


def _outermost(tokens: Sequence[Token]) -> list[Token]:
    """The tokens of `tokens` outside any bracket that opens among them."""
    out: list[Token] = []
    depth = 0
    for token in tokens:
        if token.type == tokenize.OP and token.string in _CLOSING:
            depth -= 1
        elif depth == 0:
            out.append(token)
        if token.type == tokenize.OP and token.string in _OPENING:
            depth += 1
    return out


def _split_at_commas(tokens: Sequence[Token]) -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.type == tokenize.OP and token.string in _OPENING:
            depth += 1
        elif token.type == tokenize.OP and token.string in _CLOSING:
            depth -= 1
        if depth == 0 and token.string == "," and token.type == tokenize.OP:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _is_name(token: Token) -> bool:
    return token.type == tokenize.NAME and not keyword.iskeyword(token.string)


def _type_parameter_bounds(tokens: Sequence[Token]) -> list[Sequence[Token]]:
    """The bounds of `T`, `T: bound`, `*Ts`, `**P` (a trailing comma or not); no defaults (PEP 696)."""
    parameters = _split_at_commas(tokens)
    if len(parameters) > 1 and not parameters[-1]:
        parameters.pop()
    bounds: list[Sequence[Token]] = []
    for parameter in parameters:
        if not parameter:
            raise _Unusual  # `[]`, `[T,,]`
        if parameter[0].string in ("*", "**") and len(parameter) == 2 and _is_name(parameter[1]):
            continue
        if not _is_name(parameter[0]):
            raise _Unusual
        if len(parameter) == 1:
            continue
        if parameter[1].string != ":" or len(parameter) == 2:
            raise _Unusual
        bounds.append(parameter[2:])
    return bounds


def _check_alias_value(tokens: Sequence[Token], start: int) -> None:
    """The value of a `type` statement is one expression: no `a = b`, `a, b`, `*a` or `yield`."""
    end = start
    depth = 0
    while end < len(tokens):
        token = tokens[end]
        if depth == 0 and (token.type in _STATEMENT_ENDS or token.type == tokenize.ENDMARKER or token.string == ";"):
            break
        if token.type == tokenize.OP:
            depth += token.string in _OPENING
            depth -= token.string in _CLOSING
        end += 1
    _check_expression(tokens[start:end])


def _check_expression(tokens: Sequence[Token]) -> None:
    """An `expression` of the grammar, where the rewrite will put it somewhere that takes more."""
    if not tokens or tokens[0].string in ("*", "**", "yield"):
        raise _Unusual
    if any(token.string in (",", "=", ":=") for token in _outermost(tokens)):
        raise _Unusual


def _check_exception_names(types: Sequence[Token]) -> None:
    """`A, b.C`: names and dotted names only, no trailing comma, no `as` (PEP 758 forbids it)."""
    for element in _split_at_commas(types):
        names = element[0::2]
        dots = element[1::2]
        if not names or not all(map(_is_name, names)) or any(dot.string != "." for dot in dots):
            raise _Unusual
        if len(element) % 2 == 0:
            raise _Unusual  # ends with a dot


__all__ = ["lower_statement_constructs", "parse_statement_constructs"]
