"""Parameters a function never waits on itself: used only through session methods that run no
statement, or handed to calls (whether those wait is the index's question).

A coroutine handed to `asyncio.gather` with the request's session, whose only use of it is
`session.add(obj)`, holds no operation of the session across an `await`: it cannot interleave
with another task's statements (ASA201).

The facts already hold the uses that qualify (the tracked method calls, the parameters handed
on); what they cannot tell is whether there is any other use. The file's text can: every
occurrence of the parameter's name must be one of those uses (or its definition). A name in a
string, a comment or a nested function makes the count differ, so the answer errs on the side
of "may wait", and no walk of the body is needed.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence

from alchemy_lint.facts.model import Forward, MethodCall

#: Session methods that neither await nor run a statement (autoflush waits for the next query),
#: among the calls the facts keep.
NO_STATEMENT_METHODS = frozenset({"add", "add_all", "expunge"})


def quiet_parameters(
    span: tuple[int, int],
    parameters: Iterable[str],
    sessions: set[str],
    calls: Sequence[MethodCall],
    forwards: Sequence[Forward],
    occurrences: Callable[[str], Sequence[int]] | None,
) -> tuple[str, ...]:
    """The parameters of the function on lines `span` (first, last) whose every use is a
    statement-free session method call on it or an argument of a call the facts follow (its
    `handed_on` forwards). Only those it calls such a method on, or `sessions` (the parameters
    declared to be one) that it hands on, are asked about. `occurrences`: the lines of the file
    its name stands on, in order, once for each (asked only when some parameter may qualify)."""
    adding = {call.receiver.text for call in calls if call.method in NO_STATEMENT_METHODS}
    passing = {forward.parameter for forward in forwards if _as_it_is(forward)}
    candidates = (adding | (passing & sessions)).intersection(parameters) - {"self", "cls"}
    # A method called on it that may run a statement, or a method of it the facts follow as a
    # call of the project's (`session.add(x)` is both a tracked call and such a call).
    candidates.difference_update(call.receiver.text for call in calls if call.method not in NO_STATEMENT_METHODS)
    quiet_calls = {(call.line, call.col) for call in calls if call.method in NO_STATEMENT_METHODS}
    candidates.difference_update(
        forward.parameter
        for forward in forwards
        if forward.argument == "self" and not forward.path and (forward.line, forward.col) not in quiet_calls
    )
    if not candidates or occurrences is None:
        return ()
    first, last = span
    found: list[str] = []
    for parameter in sorted(candidates):
        landings = list(handed_on(forwards, parameter))
        uses = sum(1 for call in calls if call.receiver.text == parameter)
        # Its definition, each use, and the keyword it is passed by when that is its own name
        # (`record(session=session)`).
        expected = 1 + uses + len(landings) + sum(1 for forward in landings if forward.argument == parameter)
        lines = occurrences(parameter)
        if bisect_right(lines, last) - bisect_left(lines, first) == expected:
            found.append(parameter)
    return tuple(found)


def name_lines(text: str, name: str) -> list[int]:
    """The line of each occurrence of `name` as a name in `text` (not `x.name`, not part of a
    longer word), in order. Lines end at `\n` (`\r\n` included)."""
    found: list[int] = []
    line, previous = 1, 0
    # The name first, so that the search runs at the speed of a substring search (a lookbehind
    # in front made it try every position of the file); what stands before it is tested here.
    for match in re.finditer(rf"{re.escape(name)}\b", text):
        start = match.start()
        before = text[start - 1] if start else " "
        if before == "." or before == "_" or before.isalnum():
            continue
        line += text.count("\n", previous, start)
        previous = start
        found.append(line)
    return found


def handed_on(forwards: Iterable[Forward], parameter: str) -> Iterator[Forward]:
    """The calls a quiet parameter is handed to."""
    return (forward for forward in forwards if forward.parameter == parameter and _as_it_is(forward))


def _as_it_is(forward: Forward) -> bool:
    """Handed on whole as an argument (not a part of it, nor as the receiver of a method call,
    nor after a call gave it back)."""
    return not forward.path and forward.through is None and forward.argument != "self"
