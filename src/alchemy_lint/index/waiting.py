"""Whether a coroutine may wait on the session its caller hands it (ASA201).

Two awaitables that share a session interleave only where both wait on it: a statement, a
flush, a commit. A callee that uses the session it is handed only through methods that run no
statement (`session.add(obj)`), itself and in every call it hands the session to, never waits
on it, so gathering it beside work that does cannot interleave two operations. A callee that
keeps the session (`self.session = session`), hands it to a call the index cannot follow, or
uses it in a closure, may wait on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alchemy_lint.facts.model import FunctionFacts
from alchemy_lint.facts.quiet import handed_on
from alchemy_lint.facts.values import Origin
from alchemy_lint.index.recursion import RecursiveMemo

if TYPE_CHECKING:
    from alchemy_lint.index.summaries import Summaries

#: How many calls below the awaitable a wait on the session is looked for; deeper, it counts.
MAX_DEPTH = 8


class Waits:
    """Memoised per (function, parameter) for one project's summaries, which it is handed with
    each question (see `MaybeCommits`)."""

    def __init__(self) -> None:
        # (A recursive call adds no wait of its own; deeper than `MAX_DEPTH`, a wait counts.)
        self._memo: RecursiveMemo[tuple[str, str], bool] = RecursiveMemo(False, True, MAX_DEPTH)

    def call(self, summaries: Summaries, callee: tuple[Origin, ...], argument: str) -> bool:
        """Whether the coroutine a call makes may wait on the session it hands over as
        `argument`: unless every function the call may run is an async function of the
        project that never does."""
        functions = summaries.callees(callee)
        if not functions:
            return True
        return any(
            not function.is_async or self._lands(summaries, function, callee, argument, 0) for function in functions
        )

    def _lands(
        self, summaries: Summaries, function: FunctionFacts, callee: tuple[Origin, ...], argument: str, depth: int
    ) -> bool:
        inners = summaries.received(function, argument, callee)
        return not inners or any(self._waits(summaries, function, inner, depth) for inner in inners)

    def _waits(self, summaries: Summaries, function: FunctionFacts, parameter: str, depth: int) -> bool:
        if parameter not in function.quiet_parameters:
            return True

        def answer() -> bool:
            for forward in handed_on(function.forwards, parameter):
                functions = summaries.callees(forward.callee)
                if not functions or any(
                    self._lands(summaries, callee, forward.callee, forward.argument, depth + 1) for callee in functions
                ):
                    return True
            return False

        return self._memo.ask((function.qualname, parameter), depth, answer)
