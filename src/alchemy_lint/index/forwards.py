"""The calls through which a function hands on a session it holds."""

from __future__ import annotations

from collections.abc import Iterator

from alchemy_lint.facts.model import Forward, FunctionFacts


def handing_on(function: FunctionFacts, received: str) -> Iterator[tuple[Forward, bool]]:
    """The calls that hand on the session `function` holds as `received` (a parameter, or
    `self.<path>`), each with whether it is `self.method()` on the object that keeps the session
    as `self.<path>` (then the callee holds it as `received` too)."""
    root, _, rest = received.partition(".")
    path = tuple(rest.split(".")) if rest else ()
    for forward in function.forwards:
        if forward.parameter != root or forward.through is not None:
            continue
        on_self = bool(path) and not forward.path and forward.argument == "self"
        if forward.path == path or on_self:
            yield forward, on_self
