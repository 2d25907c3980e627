"""Which call of a function can run after which (`facts.flow.Flow`), around `try` statements."""

from __future__ import annotations

import ast
import textwrap

import pytest

from alchemy_lint.facts.flow import Flow

PROGRAM = """\
async def handler(session, other):
    try:
        await session.flush()
        await session.commit()
    except ValueError:
        await session.rollback()
    except KeyError:
        await session.expire_all()
    else:
        await other.execute()
    finally:
        await other.aclose()
    try:
        if other:
            await session.merge()
        else:
            await session.expunge()
    except ValueError:
        await session.refresh()
    try:
        async with other:
            await session.get()
    except ValueError:
        await session.scalar()
"""


def _flow() -> tuple[Flow, dict[str, ast.Call]]:
    tree = ast.parse(textwrap.dedent(PROGRAM))
    function = tree.body[0]
    calls = {
        node.func.attr: node
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    return Flow(function), calls


@pytest.mark.parametrize(
    ("first", "later", "follows"),
    [
        # A handler after any call of the body: the call itself may raise.
        ("flush", "rollback", True),
        ("commit", "rollback", True),
        ("get", "scalar", True),
        # One handler never after another; the `else` never after a handler, nor a handler after it.
        ("rollback", "expire_all", False),
        ("rollback", "execute", False),
        ("execute", "expire_all", False),
        # The `else` after the body, `finally` after any part.
        ("commit", "execute", True),
        ("commit", "aclose", True),
        ("rollback", "aclose", True),
        ("execute", "aclose", True),
        # The branches of an `if` inside the body, as anywhere.
        ("merge", "expunge", False),
        ("merge", "refresh", True),
    ],
)
def test_what_a_try_statement_lets_run_after_a_call(first: str, later: str, follows: bool) -> None:
    flow, calls = _flow()
    assert flow.can_follow(calls[first], calls[later]) is follows
