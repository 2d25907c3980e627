"""Whether a callee may commit the session its caller hands it: on some path, under tests of data.

A helper that commits only when a setting says so (`if (await settings()).reminders:`, `if
config.mode == "rotate":`), itself or in the callees it hands the session to, commits on the
paths where the data says so: the caller's objects read after the call are expired there, as
they are after the caller's own commit under such a test. What a call decides stays decided.
A test of a parameter (or of a fresh object's state) right around the commit is the switch the
callee gives its callers (`if commit:`, `if not uow:`, `if uow is not None: return`): it counts
only when the call's arguments or the defaults make it true, so `commit=False`, or a value the
index cannot tell (the caller's choice handed on), commits nothing. A test of a parameter on
the way to a callee that commits (`if access_token: return ...` before the lookup that
refreshes it) routes on data: the path is taken unless the call's arguments rule it out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alchemy_lint.facts.conditions import NEVER, Guard, happens
from alchemy_lint.facts.model import WRAPPED, FunctionFacts, KnownArgument
from alchemy_lint.facts.values import Origin
from alchemy_lint.index.forwards import handing_on
from alchemy_lint.index.fresh_objects import with_fresh_state
from alchemy_lint.index.recursion import RecursiveMemo

if TYPE_CHECKING:
    from alchemy_lint.index.summaries import Summaries

#: How many calls below the caller a commit is looked for (a service, its helper, a repository,
#: the CRUD base it inherits: chains of seven are met in applications).
MAX_DEPTH = 8
#: Memo key: (function, the name it holds the session by, the arguments as its tests read them).
Key = tuple[str, str, tuple[tuple[str, KnownArgument], ...]]


def decided(guard: Guard, settled: dict[str, KnownArgument]) -> bool:
    """Every test of a parameter on the way is made true by what the call passes."""
    for condition in guard:
        known = settled.get(condition.parameter)
        if known is None or known.settles(condition) is not True:
            return False
    return True


class MaybeCommits:
    """Memoised per (function, session name, arguments) for one project's summaries, which it
    is handed with each question (kept, it would tie them in a cycle the index's `close()` does
    not break)."""

    def __init__(self) -> None:
        # (A recursive call commits nothing more; deeper than `MAX_DEPTH`, nothing counts.)
        self._memo: RecursiveMemo[Key, str | None] = RecursiveMemo(None, None, MAX_DEPTH + 1)

    def call(
        self, summaries: Summaries, callee: tuple[Origin, ...], argument: str, flags: tuple[KnownArgument, ...]
    ) -> str | None:
        """The function that commits the session a call hands over as `argument`, on some path
        its arguments allow, when every function the call may run does (each entry of a
        dispatch table); None otherwise."""
        found: str | None = None
        for function in summaries.callees(callee):
            passed = summaries.as_bound(function, callee, flags)
            if argument.startswith(WRAPPED):
                passed = with_fresh_state(summaries.index, summaries.receiver_class(function, callee), flags)
            inner = next(
                (
                    committer
                    for name in summaries.received(function, argument, callee)
                    if (committer := self.commits(summaries, function, name, passed, 0)) is not None
                ),
                None,
            )
            if inner is None:
                return None
            found = found or inner
        return found

    def commits(
        self, summaries: Summaries, function: FunctionFacts, received: str, flags: tuple[KnownArgument, ...], depth: int
    ) -> str | None:
        """The function (`function` or one below it) that commits the session `function` holds
        as `received` on some path these arguments allow."""
        settled = summaries.flags(function, flags)
        key = (function.qualname, received, tuple(sorted(settled.items())))

        def answer() -> str | None:
            return self._own(function, received, settled) or self._below(summaries, function, received, settled, depth)

        return self._memo.ask(key, depth, answer)

    @staticmethod
    def _own(function: FunctionFacts, received: str, settled: dict[str, KnownArgument]) -> str | None:
        for call in function.calls:
            if (
                call.method == "commit"
                and call.awaited
                and call.receiver.text == received
                and (call.receiver.received or received.startswith("self."))
                and decided(call.guard, settled)
            ):
                return function.qualname
        return None

    def _below(
        self,
        summaries: Summaries,
        function: FunctionFacts,
        received: str,
        settled: dict[str, KnownArgument],
        depth: int,
    ) -> str | None:
        for forward, on_self in handing_on(function, received):
            if NEVER in forward.guard or not happens(forward.guard, settled):
                continue
            passed = tuple(summaries.handed_through(flag, settled) for flag in forward.flags)
            for callee in summaries.callees(forward.callee):
                inners = (received,) if on_self else summaries.received(callee, forward.argument, forward.callee)
                bound = summaries.as_bound(callee, forward.callee, passed)
                for inner in inners:
                    found = self.commits(summaries, callee, inner, bound, depth + 1)
                    if found is not None:
                        return found
        return None
