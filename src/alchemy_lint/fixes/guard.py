"""What LibCST may be given: a bound on size and nesting, checked before its native parser runs.

LibCST's parser is native code that recurses once per level of the tree it builds and has no
depth check of its own: a valid file with a 7,000-term `a and a and ...` overflows the 8 MB
stack of the main thread and kills the process (SIGSEGV), which no `except` can catch. Its
visitors are Python, which recurse several frames per level and raise RecursionError at the
default limit from about 350 levels. `libcst_refusal` estimates the depth from the `ast` tree
(which CPython builds with its own guards) and refuses what could crash; `libcst_recursion`
lifts Python's recursion limit far enough for every tree the guard lets through.

Measured with LibCST 1.9 (native stack per level of nesting): 1.0-1.5 KB for operators,
attributes, calls and `elif`; 2.4 KB for `lambda`; 7 KB per bracket (CPython allows 200 nested
brackets: 1.4 MB at most); 0.8 KB per part of an implicit string concatenation (LibCST itself
stops at about 3,500 parts: 2.9 MB at most); 25 KB per nested block (CPython allows 100).
With `MAX_LIBCST_DEPTH` levels at 2.5 KB each plus both fixed maxima, the worst case needs
5.6 MB of the 8 MB that Linux gives the main thread and every thread Python starts.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from contextlib import contextmanager

#: Estimated LibCST levels (see `libcst_depth`). Of 23,678 real files (bench/reliability.md)
#: the median is 36, the 99th percentile 117, the deepest (generated sympy tables) 569.
MAX_LIBCST_DEPTH = 500
#: Characters; LibCST's parse costs about 13x `ast.parse` in time and far more in memory.
MAX_LIBCST_CHARS = 4_000_000
#: Python frames a LibCST visitor and code generator need per level of the tree, with a margin
#: (measured: under 10). The worst shapes the guard accepts (300 nested lambdas around 190
#: nested subscripts, 40 nested blocks around 300 lambdas) are fixed within this on CPython
#: 3.11 and 3.13; 3.12 bounds C recursion lower and raises RecursionError, a per-file FixError.
FRAMES_PER_LEVEL = 20

#: A compound statement is several LibCST levels (`If` -> `IndentedBlock` -> `SimpleStatementLine`)
#: and costs the native parser about ten times an expression level.
_BLOCK_WEIGHT = 10
_BLOCKS: tuple[type[ast.AST], ...] = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.ExceptHandler,
    ast.Match,
    ast.match_case,
)
if sys.version_info >= (3, 11):
    _BLOCKS = (*_BLOCKS, ast.TryStar)


def libcst_depth(tree: ast.AST) -> int:
    """An upper estimate of the depth of the tree LibCST builds for the code of `tree`.

    Iterative, so a tree of any depth is measured. `a and b and c` is one node in `ast` but a
    chain of nested `BooleanOperation`s in LibCST: each operand counts one level per operator
    to its right.
    """
    deepest = 0
    elifs: set[int] = set()
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        depth += 1 if id(node) in elifs or not isinstance(node, _BLOCKS) else _BLOCK_WEIGHT
        deepest = max(deepest, depth)
        if isinstance(node, ast.BoolOp):
            count = len(node.values)
            stack.extend((value, depth + count - index - 1) for index, value in enumerate(node.values))
            continue
        if isinstance(node, ast.If) and _has_elif(node):
            elifs.add(id(node.orelse[0]))
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest


def _has_elif(node: ast.If) -> bool:
    """An `elif` (at its `if`'s column; an `if` inside `else:` is indented) is one LibCST level,
    and costs the native parser what an operator does, not what a nested block does."""
    orelse = node.orelse
    return len(orelse) == 1 and isinstance(orelse[0], ast.If) and orelse[0].col_offset == node.col_offset


def libcst_refusal(source: str) -> str | None:
    """Why `source` must not be handed to LibCST, in words for the user; None when it may be.

    The fix layer (`fix_source`, and so `check --fix`, `--diff` and the editor's quick fixes)
    calls this first; a file it refuses is left unfixed with this reason.
    """
    if len(source) > MAX_LIBCST_CHARS:
        return f"too large for LibCST ({len(source):,} characters; at most {MAX_LIBCST_CHARS:,})"
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return "the file does not parse"
    except (RecursionError, MemoryError):
        return "too deeply nested for Python's parser"
    depth = libcst_depth(tree)
    if depth > MAX_LIBCST_DEPTH:
        return f"too deeply nested for LibCST (about {depth:,} levels; at most {MAX_LIBCST_DEPTH:,})"
    return None


@contextmanager
def libcst_recursion() -> Iterator[None]:
    """Room for LibCST's visitors over any tree `libcst_refusal` accepts; the old limit after.

    The limit is the interpreter's, not the thread's: raised, never lowered, while this runs.
    """
    previous = sys.getrecursionlimit()
    needed = MAX_LIBCST_DEPTH * FRAMES_PER_LEVEL + 1_000
    if needed > previous:
        sys.setrecursionlimit(needed)
    try:
        yield
    finally:
        if sys.getrecursionlimit() == needed > previous:
            sys.setrecursionlimit(previous)
