"""The facts of a file are the same in every process.

On Python 3.10 and 3.11 `hash(None)` is the object's address, which differs from process to process,
so a set of records with a None field iterates in an order of its own in each run. Where the facts
keep such a set as a tuple, its order must come from the records themselves: otherwise a cache entry
written by one run, or facts sent back by a `-j` worker, differ from what this process would make.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

from alchemy_lint.facts import extract_facts, parse_source
from alchemy_lint.facts.loading import _in_expiry_order, _in_text_order
from alchemy_lint.facts.model import Expiry, ObjectSource, SourceKind
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


ONE_COMMIT_TWO_OBJECTS = b"""\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Customer, Order


async def close(session: AsyncSession, order_id: int, customer_id: int, urgent: bool) -> None:
    if urgent:
        order = await session.get(Order, order_id)
        customer = (await session.scalars(select(Customer).where(Customer.id == customer_id))).one()
    else:
        customer = (await session.scalars(select(Customer).where(Customer.id == customer_id))).one()
        order = await session.get(Order, order_id)
    session.expire_all()
    await session.commit()
    print(order.status, customer.name)
"""


def _expired_sources(source: bytes) -> list[tuple[str, int, str]]:
    facts = extract_facts(parse_source(source, "app/orders.py"), "app/orders.py", "app.orders", False)
    (function,) = [function for function in facts.functions if function.loading is not None]
    assert function.loading is not None
    return [(expiry.method, expiry.line, source.kind.value) for source, expiry in function.loading.expiries]


def test_an_expiry_keeps_the_source_of_every_object_it_expired() -> None:
    # Which object a walk meets first after paths join is no property of the code: each object
    # the commit expired is kept with it, so what the index asks of their sessions is the same
    # whichever order the paths' names came in.
    found = _expired_sources(ONE_COMMIT_TWO_OBJECTS)
    assert ("commit", 15, "get") in found and ("commit", 15, "query") in found
    assert ("expire_all", 14, "get") in found and ("expire_all", 14, "query") in found
    assert found == sorted(found, key=lambda pair: (pair[1], pair[0], pair[2]))


def test_the_sources_of_one_expiry_keep_the_order_of_their_text() -> None:
    # The start of a source's text orders most sources; where starts tie, or one begins another
    # (line 1 and line 12 of one model), the order is still that of the whole text.
    sources = [
        ObjectSource(SourceKind.QUERY, 12, "app.User"),
        ObjectSource(SourceKind.QUERY, 1, "app.User", parameter="b"),
        ObjectSource(SourceKind.GET, 3, "app.Order"),
        ObjectSource(SourceKind.QUERY, 1, "app.User", parameter="a"),
        ObjectSource(SourceKind.QUERY, 1, "app.Use"),
    ]
    event = _hand_over()
    for some in (sources[:1] + sources[2:3], sources):
        for order in itertools.permutations(some):
            found = [source for source, _ in _in_text_order([(source, event) for source in order])]
            assert found == sorted(some, key=repr)


def test_the_expiries_are_the_same_in_every_process(tmp_path: Path) -> None:
    program = tmp_path / "orders.py"
    program.write_bytes(ONE_COMMIT_TWO_OBJECTS)
    script = (
        "import sys\n"
        "from alchemy_lint.facts import extract_facts, parse_source\n"
        "source = open(sys.argv[1], 'rb').read()\n"
        "facts = extract_facts(parse_source(source, 'app/orders.py'), 'app/orders.py', 'app.orders', False)\n"
        "print([repr(function.loading.expiries) for function in facts.functions if function.loading])\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script, str(program)],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(6)
    }
    assert len(outputs) == 1
