"""A file the running Python rejects: read it with LibCST, lower what this Python lacks, parse again.

Raises the running Python's own `SyntaxError` when no parser reads the file, its message naming
the newer construct on the rejected line where one is recognised.
"""

from __future__ import annotations

import ast
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from alchemy_lint.parsing.constructs import hint_for_line, running_version
from alchemy_lint.parsing.edits import decoded
from alchemy_lint.parsing.lowering import Lowering, lower
from alchemy_lint.parsing.rebuild import rebuild

_Result = TypeVar("_Result")

#: Room for LibCST's parser and visitors on the deepest nesting a Python reads.
_RECURSION_LIMIT = 50_000
_STACK_BYTES = 512 * 1024 * 1024


def parse_newer_syntax(source: bytes | str, filename: str, error: SyntaxError) -> ast.Module:
    text = decoded(source)
    if text is None:
        raise error
    try:
        return _with_room(lambda: _parse_newer_syntax(text, filename, error))
    except (RecursionError, MemoryError):
        raise error from None


def _parse_newer_syntax(text: str, filename: str, error: SyntaxError) -> ast.Module:
    lowering = lower(text)
    if lowering is None:
        raise _explained(error, text)
    if not lowering.constructs:
        raise error  # LibCST reads it, but nothing in it is newer than this Python: a real error
    return parse_lowering(lowering, filename)


def parse_lowered(text: str, filename: str, target: tuple[int, int]) -> ast.Module:
    """The tree of `text` as read through the lowering for Python `target`, whatever this Python is."""

    def read() -> ast.Module:
        lowering = lower(text, target)
        if lowering is None:
            raise SyntaxError("LibCST cannot read it")
        return parse_lowering(lowering, filename)

    return _with_room(read)


def parse_lowering(lowering: Lowering, filename: str) -> ast.Module:
    try:
        tree = ast.parse(lowering.text, filename=filename)
    except SyntaxError as lowered_error:
        # Another error that LibCST lets through: the one a newer Python reports too.
        raise _moved_back(lowered_error, lowering) from None
    return rebuild(tree, lowering)


def _explained(error: SyntaxError, text: str) -> SyntaxError:
    """The running Python's error, naming the newer construct its line seems to use."""
    line = error.text
    if line is None and error.lineno:
        lines = text.splitlines()
        line = lines[error.lineno - 1] if 0 < error.lineno <= len(lines) else ""
    construct = hint_for_line(line or "")
    if construct is None:
        return error
    message = f"{error.msg}; {construct.needs()}, this is Python {running_version()}"
    return _with_message(error, message, error.lineno, error.offset)


def _moved_back(error: SyntaxError, lowering: Lowering) -> SyntaxError:
    offset = error.offset
    if error.lineno and offset:
        offset = lowering.columns.original(error.lineno, offset - 1) + 1
    return _with_message(error, error.msg, error.lineno, offset)


def _with_message(error: SyntaxError, message: str, line: int | None, offset: int | None) -> SyntaxError:
    return SyntaxError(message, (error.filename, line, offset, error.text, error.end_lineno, error.end_offset))


def _with_room(work: Callable[[], _Result]) -> _Result:
    """Run `work` on a thread with a deep stack: LibCST's parser and visitors recurse per level."""
    done: list[_Result] = []
    failed: list[BaseException] = []

    def run() -> None:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))
        try:
            done.append(work())
        except BaseException as error:  # handed to the caller's thread as it is
            failed.append(error)
        finally:
            sys.setrecursionlimit(limit)

    try:
        previous = threading.stack_size(_STACK_BYTES)
    except (ValueError, RuntimeError):  # a platform without the setting: the caller's stack
        return work()
    try:
        worker = threading.Thread(target=run, name="alchemy-lint-newer-syntax")
        worker.start()
    except RuntimeError:  # no memory for the thread's stack
        return work()
    finally:
        threading.stack_size(previous)
    worker.join()
    if failed:
        raise failed[0]
    return done[0]


__all__ = ["decoded", "parse_lowered", "parse_newer_syntax"]
