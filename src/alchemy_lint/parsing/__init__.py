"""Parsing for detection: the running Python's `ast`, and for a file that uses newer syntax than
this Python reads, the same tree through LibCST (`fallback.py`), which only such files pay for;
most of them need only the tokenizer's rewrite of a few statements (`statements.py`).
"""

from __future__ import annotations

import ast
import warnings

from alchemy_lint.fixes.guard import MAX_LIBCST_CHARS

#: What `parse_source` can raise on bad input, all reported as ASA001.
PARSE_ERRORS = (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError)

#: No Python reads more nested brackets than this (its tokenizer's limit).
MAX_BRACKET_DEPTH = 200
#: Errors of Python's own limits: no newer Python reads such a file either.
_LIMIT_ERRORS = frozenset(
    {"too many nested parentheses", "too many levels of indentation", "too many statically nested blocks"}
)
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"()[]{}")))


def parse_source(source: bytes | str, filename: str) -> ast.Module:
    """Parse like the interpreter does (bytes honour BOM and coding cookies), newer syntax included."""
    with warnings.catch_warnings():
        # The parser warns about the checked code (`1if x`, "\d"): not ours to print.
        warnings.simplefilter("ignore")
        try:
            return ast.parse(source, filename=filename)
        except SyntaxError as error:
            if not may_be_newer_syntax(error, source):
                raise
            # The rewrites of newer syntax are imported by the first file that needs one.
            from alchemy_lint.parsing.edits import decoded
            from alchemy_lint.parsing.statements import parse_statement_constructs

            text = decoded(source)
            tree = None if text is None else parse_statement_constructs(text, filename)
            if tree is not None:
                return tree  # only type parameters, `type` statements, `except A, B:`: no LibCST
            # LibCST is imported here only: a run over files that parse never loads it.
            from alchemy_lint.parsing.fallback import parse_newer_syntax

            return parse_newer_syntax(source, filename, error)


def may_be_newer_syntax(error: SyntaxError, source: bytes | str) -> bool:
    """Whether a newer Python could read what this one rejected, and LibCST may be given it."""
    if error.msg in _LIMIT_ERRORS or len(source) > MAX_LIBCST_CHARS:
        return False
    data = source.encode("utf-8", errors="replace") if isinstance(source, str) else source
    brackets = data.translate(None, _NOT_BRACKETS)
    if len(brackets) <= MAX_BRACKET_DEPTH:
        return True
    depth = 0
    for bracket in brackets:
        depth = depth + 1 if bracket in b"([{" else max(depth - 1, 0)
        if depth > MAX_BRACKET_DEPTH:
            return False  # LibCST's parser would take minutes, or the stack, on such nesting
    return True


__all__ = ["MAX_BRACKET_DEPTH", "PARSE_ERRORS", "may_be_newer_syntax", "parse_source"]
