"""The facts of a file are the same in every process.

On Python 3.10 and 3.11 `hash(None)` is the object's address, which differs from process to process,
so a set of records with a None field iterates in an order of its own in each run. Where the facts
keep such a set as a tuple, its order must come from the records themselves: otherwise a cache entry
written by one run, or facts sent back by a `-j` worker, differ from what this process would make.
"""

from __future__ import annotations

import itertools

from alchemy_lint.facts.loading import _in_expiry_order
from alchemy_lint.facts.model import Expiry
from alchemy_lint.facts.values import CALL, Origin, OriginKind


def _hand_over(**changed: object) -> Expiry:
    """`await save(session)` on line 7: the session handed to a callee that may commit it."""
    fields: dict[str, object] = {
        "session": "session",
        "method": "call",
        "line": 7,
        "callee": (Origin(OriginKind.NAME, "app.orders.save", (CALL,)),),
        "argument": "session",
    }
    fields.update(changed)
    return Expiry(**fields)  # type: ignore[arg-type]


def test_hand_overs_on_one_line_keep_one_order_whatever_order_they_come_in() -> None:
    # One call whose result an `if` tested and one whose result none did, a loop's and not, one
    # read on the side where it failed, one the code re-selected: alike but for those fields.
    expiries = [
        _hand_over(),
        _hand_over(result_checked=True),
        _hand_over(in_loop=True),
        _hand_over(failed_as=""),
        _hand_over(failed_as="success"),
        _hand_over(reselected=("app.models.Order", "")),
    ]
    orders = {_in_expiry_order(list(order)) for order in itertools.permutations(expiries)}
    assert len(orders) == 1
    assert set(next(iter(orders))) == set(expiries)
