"""ASA301 on objects unpacked from a list of loaded objects: `first, *rest = orders` gives `first`
one of them, as `orders[0]` does, and `rest` a list of the same objects, as `orders[1:]` does;
`a, b = orders` gives one to each name. A lazy relationship read on any of them, or by a helper
handed one, is reported as the subscript's is; also for the list a project function returned.
Each handler is linted, then run against real SQLAlchemy with aiosqlite (two rows per table)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

HELPERS = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def all_orders(session: AsyncSession) -> list[Order]:
    return list((await session.scalars(select(Order))).all())


def owner_name(order: Order) -> str:
    return order.user.name
"""


def _handler(body: str, query: str = "select(Order)") -> str:
    return (
        "from sqlalchemy import select\n"
        "from sqlalchemy.orm import selectinload\n"
        "\n"
        "from app.db import SessionLocal\n"
        "from app.db_models import Order\n"
        "from app.helpers import all_orders, owner_name\n"
        "\n\n"
        "async def show() -> str:\n"
        "    async with SessionLocal() as s:\n"
        f"        orders = (await s.scalars({query})).all()\n" + body
    )


#: Each case: the handler, and the error a run raises (None: it runs clean).
CASES = {
    "the_first_of_a_starred_unpacking": (
        _handler("        first, *rest = orders\n        return first.user.name  # ASA301\n"),
        "MissingGreenlet",
    ),
    "an_item_of_the_starred_rest": (
        _handler("        first, *rest = orders\n        return rest[0].user.name  # ASA301\n"),
        "MissingGreenlet",
    ),
    "the_starred_rest_iterated": (
        _handler('        first, *rest = orders\n        return ",".join(o.user.name for o in rest)  # ASA301\n'),
        "MissingGreenlet",
    ),
    "the_first_handed_to_a_helper_that_reads_it": (
        _handler("        first, *rest = orders\n        return owner_name(first)  # ASA301\n"),
        "MissingGreenlet",
    ),
    "two_names_unpacked": (
        _handler("        first, second = orders\n        return second.user.name  # ASA301\n"),
        "MissingGreenlet",
    ),
    "a_list_a_project_function_returned": (
        _handler(
            "        first, *rest = await all_orders(s)\n        return first.user.name  # ASA301\n",
        ),
        "MissingGreenlet",
    ),
    "loaded_by_the_query": (
        _handler(
            "        first, *rest = orders\n        return first.user.name + rest[0].user.name\n",
            "select(Order).options(selectinload(Order.user))",
        ),
        None,
    ),
    "columns_only": (
        _handler('        first, *rest = orders\n        return first.status + ",".join(o.status for o in rest)\n'),
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_objects_unpacked_from_a_list(tmp_path: Path, case: str) -> None:
    handler, error = CASES[case]
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": async_database(expire_on_commit=False),
        "app/helpers.py": HELPERS,
        "app/handlers.py": handler,
    }
    root = write_project(tmp_path / "project", files)
    expected = expected_lines(handler, "ASA301")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == expected
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error
    if error is not None:
        assert outcome["line"] == expected[0]
