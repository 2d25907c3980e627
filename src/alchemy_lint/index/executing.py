"""Whether a callee runs SQLAlchemy statements on the value its caller hands it (ASA201).

Usage evidence of an execution target, followed into calls: a value that nothing else says is a
session (it comes from a library helper, an untyped parameter) is one when the coroutine it is
handed to calls `execute`/`scalars`/`scalar`/`stream`/`get` on it with a SQLAlchemy statement or a
model, itself or in a call it hands the value on to whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alchemy_lint.facts.model import FunctionFacts
from alchemy_lint.facts.quiet import handed_on
from alchemy_lint.facts.values import Origin
from alchemy_lint.index.recursion import RecursiveMemo

if TYPE_CHECKING:
    from alchemy_lint.index.summaries import Summaries

#: How many calls below the awaitable the statements are looked for; deeper, they do not count.
MAX_DEPTH = 8


class Executes:
    """Memoised per (function, parameter) for one project's summaries, which it is handed with
    each question (see `Waits`)."""

    def __init__(self) -> None:
        # (A recursive call runs no statement of its own; deeper than `MAX_DEPTH`, none counts.)
        self._memo: RecursiveMemo[tuple[str, str], bool] = RecursiveMemo(False, False, MAX_DEPTH)

    def call(self, summaries: Summaries, callee: tuple[Origin, ...], argument: str) -> bool:
        """Whether every function the call may run is an async function of the project that runs
        statements on what the call hands it as `argument`."""
        functions = summaries.callees(callee)
        return bool(functions) and all(
            function.is_async and self._lands(summaries, function, callee, argument, 0) for function in functions
        )

    def _lands(
        self, summaries: Summaries, function: FunctionFacts, callee: tuple[Origin, ...], argument: str, depth: int
    ) -> bool:
        inners = summaries.received(function, argument, callee)
        return any(self._executes(summaries, function, inner, depth) for inner in inners)

    def _executes(self, summaries: Summaries, function: FunctionFacts, parameter: str, depth: int) -> bool:
        def answer() -> bool:
            if summaries.index.values.runs_statements_here(function, parameter):
                return True
            for forward in handed_on(function.forwards, parameter):
                functions = summaries.callees(forward.callee)
                if functions and all(
                    self._lands(summaries, callee, forward.callee, forward.argument, depth + 1) for callee in functions
                ):
                    return True
            return False

        return self._memo.ask((function.qualname, parameter), depth, answer)
