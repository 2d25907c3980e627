"""ASA301 and ASA302 on objects handed one by one to a project function that a builtin calls on
each: `map(owner_name, orders)`, `filter(is_mine, orders)`, `sorted(orders, key=by_owner)`, an
async function mapped and gathered (`gather(*map(title, orders))`). The function is handed each
element as `[owner_name(o) for o in orders]` hands it, so its lazy relationship read (or its
column read after a commit expired the objects) is reported on the call. A query that loads the
relationship, or a function that reads columns only, stays silent. Each handler is linted, then
run against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

HELPERS = """\
from app.db_models import Order


def owner_name(order: Order) -> str:
    return order.user.name


def is_mine(order: Order) -> bool:
    return order.user.name == "me"


def status_of(order: Order) -> str:
    return order.status


async def title(order: Order) -> str:
    return order.user.name
"""


def _handler(body: str, query: str = "select(Order)", commit: bool = False) -> str:
    return (
        "import asyncio\n"
        "\n"
        "from sqlalchemy import select\n"
        "from sqlalchemy.orm import selectinload\n"
        "\n"
        "from app.db import SessionLocal\n"
        "from app.db_models import Order\n"
        "from app.helpers import is_mine, owner_name, status_of, title\n"
        "\n\n"
        "async def show() -> object:\n"
        "    async with SessionLocal() as s:\n"
        f"        orders = (await s.scalars({query})).all()\n" + ("        await s.commit()\n" if commit else "") + body
    )


#: ASA301 where commits keep objects: the handler, and the error a run raises (None: clean).
LAZY_CASES = {
    "mapped_into_a_list": (_handler("        return list(map(owner_name, orders))  # ASA301\n"), "MissingGreenlet"),
    "mapped_in_a_loop": (
        _handler(
            "        for name in map(owner_name, orders):  # ASA301\n            print(name)\n        return None\n"
        ),
        "MissingGreenlet",
    ),
    "filtered": (_handler("        return list(filter(is_mine, orders))  # ASA301\n"), "MissingGreenlet"),
    "sorted_by_a_key_function": (
        _handler("        return sorted(orders, key=owner_name)  # ASA301\n"),
        "MissingGreenlet",
    ),
    "an_async_function_mapped_and_gathered": (
        _handler("        return await asyncio.gather(*map(title, orders))  # ASA301\n"),
        "MissingGreenlet",
    ),
    "loaded_by_the_query": (
        _handler("        return list(map(owner_name, orders))\n", "select(Order).options(selectinload(Order.user))"),
        None,
    ),
    "columns_only": (_handler("        return list(map(status_of, orders))\n"), None),
}


def _check(tmp_path: Path, handler: str, code: str, error: str | None, expire_on_commit: bool | None) -> None:
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": async_database(expire_on_commit),
        "app/helpers.py": HELPERS,
        "app/handlers.py": handler,
    }
    root = write_project(tmp_path / "project", files)
    expected = expected_lines(handler, code)
    assert [finding.line for finding in findings_in(root, "app/handlers.py", code)] == expected
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error
    if error is not None:
        assert outcome["line"] == expected[0]


@pytest.mark.parametrize("case", sorted(LAZY_CASES))
def test_objects_handed_one_by_one_by_a_builtin(tmp_path: Path, case: str) -> None:
    handler, error = LAZY_CASES[case]
    _check(tmp_path, handler, "ASA301", error, expire_on_commit=False)


def test_expired_objects_handed_one_by_one_by_a_builtin(tmp_path: Path) -> None:
    handler = _handler("        return list(map(status_of, orders))  # ASA302\n", commit=True)
    _check(tmp_path, handler, "ASA302", "MissingGreenlet", expire_on_commit=None)
