"""Memoised answers to a question that recurses through calls, the same whichever is asked first.

"Does this coroutine wait on the session it is handed?" is answered from what it does and what
the calls it hands the session to do, recursively. While a function's answer is being worked out,
a call back into it adds nothing of its own (`assumed`), and past `limit` calls deep the answer is
`at_limit`. An answer that rested on either is provisional: kept, it would make the answer to a
later question depend on which one came first (the order of a file's functions, of the files a
worker checks, of an editor's requests). It is kept only where it is final: at the function
whose own recursion it was, when no limit was met below it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RecursiveMemo(Generic[K, V]):
    def __init__(self, assumed: V, at_limit: V, limit: int) -> None:
        self._assumed = assumed
        self._at_limit = at_limit
        self._limit = limit
        self._found: dict[K, V] = {}
        #: The keys being answered, each with its depth in this stack of questions.
        self._open: dict[K, int] = {}
        #: The shallowest open key an answer under way met again, and whether it met the limit.
        self._lowest = sys.maxsize
        self._limited = False

    def ask(self, key: K, depth: int, answer: Callable[[], V]) -> V:
        """The answer for `key`, asked `depth` calls below the question: kept, or `answer()`."""
        if key in self._found:
            return self._found[key]
        position = self._open.get(key)
        if position is not None:
            self._lowest = min(self._lowest, position)
            return self._assumed
        if depth >= self._limit:
            self._limited = True
            return self._at_limit
        position = len(self._open)
        self._open[key] = position
        outer_lowest, outer_limited = self._lowest, self._limited
        self._lowest, self._limited = sys.maxsize, False
        try:
            found = answer()
        finally:
            del self._open[key]
            lowest, limited = self._lowest, self._limited
            # What met a key above this one stays provisional up to that key.
            self._lowest = min(outer_lowest, lowest) if lowest < position else outer_lowest
            self._limited = outer_limited or limited
        if not limited and lowest >= position:
            self._found[key] = found
        return found


__all__ = ["RecursiveMemo"]
