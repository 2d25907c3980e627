"""What a call of a project callable needs of the parameters of the function it is in.

ASA201 follows a model's method into the methods it calls on its own object; a call under a
test of the method's parameters never runs for a caller whose arguments settle the test the
other way (`include=[]`), so the facts keep that test with the call (`Invocation.guard`).
"""

from __future__ import annotations

from alchemy_lint.facts.extract import extract_facts, parse_source
from alchemy_lint.facts.model import Condition
from alchemy_lint.facts.model import Test as ConditionTest

SOURCE = """\
class Shelf:
    async def describe(self, include=None, relations=(), flag=False):
        selected = set(include) if include else set()
        picked = include or []
        first = self.count() if "count" in selected else self.zero()
        second = self.size() if "size" not in picked else self.zero()
        for name in relations:
            self.load(name)
        else:
            self.after()
        if flag:
            self.flagged()
        self.flagged()
        grown = set(include) if include else set()
        grown.add("x")
        if "x" in grown:
            self.grown()
        filled = list(include) if include else []
        fill(filled)
        if len(filled) and "x" in filled:
            self.filled()
        include = set(include or ()) if relations is None else include
        if "y" in include:
            self.rebound()
        return first, second

    def count(self): ...
    def zero(self): ...
    def size(self): ...
    def load(self, name): ...
    def after(self): ...
    def flagged(self): ...
    def grown(self): ...
    def rebound(self): ...
    def filled(self): ...


def fill(names): ...
"""


def _guards() -> dict[str, tuple[Condition, ...]]:
    facts = extract_facts(parse_source(SOURCE.encode(), "app/models.py"), "app/models.py", "app.models", False)
    (describe,) = [function for function in facts.functions if function.qualname.endswith(".describe")]
    return {invocation.target.rsplit(".", 1)[-1]: invocation.guard for invocation in describe.invocations}


def test_a_call_keeps_the_tests_of_parameters_it_runs_under() -> None:
    guards = _guards()
    truthy = {name: (Condition(name, ConditionTest.TRUTH, True),) for name in ("include", "relations")}
    # A membership test in a copy that is empty exactly when the parameter is.
    assert guards["count"] == truthy["include"]
    assert guards["size"] == ()  # `not in` holds for an empty one
    # A loop over a parameter runs its body only for a non-empty one; its `else` either way.
    assert guards["load"] == truthy["relations"]
    assert guards["after"] == ()
    # Called under `if flag:` and again outside it: the call needs nothing.
    assert guards["flagged"] == ()
    # A copy the code grows, or a parameter bound again to something else, tells nothing.
    assert guards["grown"] == ()
    assert guards["filled"] == ()  # (handed to a call that may add to it)
    assert guards["rebound"] == ()
    # `zero()` runs in both `else` branches, where nothing is known.
    assert guards["zero"] == ()
