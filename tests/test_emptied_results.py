"""ASA302 and a result collection emptied where the commit failed: the handler rolls back and
empties what the function would report (`results["ok"] = []`, `ok = []`), and a later test of
that collection reads only after a commit that went through. Filling it again, handing it on,
binding it, or testing another collection tells nothing, and the read is reported as before."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project

from alchemy_lint.facts.local_truths import collection_text, truths_of
from alchemy_lint.rules.loading_examples import MODELS

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

_HEAD = """\
from app.db import SessionLocal
from app.db_models import Address, User


async def notify(user_id: int) -> None:
    print(user_id)


async def fill(found: list[int]) -> None:
    found.append(1)


async def add_addresses(n: int) -> dict[str, list[int]]:
    results: dict[str, list[int]] = {"ok": [], "failed": []}
    ok: list[int] = []
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        for i in range(n):
            session.add(Address(user_id=1))
            results["ok"].append(i)
            ok.append(i)
"""


def _tail(tail: str) -> str:
    return _HEAD + "".join(f"        {line}\n" if line else "\n" for line in tail.splitlines()) + "    return results\n"


KEYED = _tail(
    """\
if results["ok"]:
    try:
        await session.commit()
    except Exception:
        await session.rollback()
        results["failed"].extend(results["ok"])
        results["ok"] = []
if results["ok"]:
    await notify(user.id)"""
)

NAMED = _tail(
    """\
try:
    await session.commit()
except Exception:
    await session.rollback()
    ok = []
if ok:
    await notify(user.id)"""
)

COUNTED = _tail(
    """\
try:
    await session.commit()
except Exception:
    await session.rollback()
    ok = list()
if len(ok) > 0:
    await notify(user.id)"""
)

LEAVES = _tail(
    """\
try:
    await session.commit()
except Exception:
    await session.rollback()
    results["ok"] = []
if not results["ok"]:
    return results
await notify(user.id)"""
)

FILLED_AGAIN = _tail(
    """\
try:
    await session.commit()
except Exception:
    await session.rollback()
    results["ok"] = []
results["ok"].append(0)
if results["ok"]:
    await notify(user.id)  # ASA302"""
)

HANDED_ON = _tail(
    """\
try:
    await session.commit()
except Exception:
    await session.rollback()
    ok = []
await fill(ok)
if ok:
    await notify(user.id)  # ASA302"""
)

REBOUND_WHOLE = _tail(
    """\
try:
    await session.commit()
except Exception:
    await session.rollback()
    results["ok"] = []
results = {"ok": [1]}
if results["ok"]:
    await notify(user.id)  # ASA302"""
)

OTHER_KEY = _tail(
    """\
try:
    await session.commit()
except Exception:
    await session.rollback()
    results["failed"] = []
if results["ok"]:
    await notify(user.id)  # ASA302"""
)

EMPTY_SIDE = _tail(
    """\
try:
    await session.commit()
except Exception:
    await session.rollback()
    ok = []
if not ok:
    await notify(user.id)  # ASA302"""
)

NOT_EMPTIED = _tail(
    """\
try:
    await session.commit()
except Exception:
    await session.rollback()
if ok:
    await notify(user.id)  # ASA302"""
)

CLOSURE = _tail(
    """\
try:
    await session.commit()
except Exception:
    await session.rollback()
    ok = []

def again() -> None:
    ok.append(2)

again()
if ok:
    await notify(user.id)  # ASA302"""
)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(KEYED, id="keyed-item-emptied"),
        pytest.param(NAMED, id="name-emptied"),
        pytest.param(COUNTED, id="counted"),
        pytest.param(LEAVES, id="leaves-when-empty"),
        pytest.param(FILLED_AGAIN, id="filled-again"),
        pytest.param(HANDED_ON, id="handed-on"),
        pytest.param(REBOUND_WHOLE, id="rebound-whole"),
        pytest.param(OTHER_KEY, id="another-key-emptied"),
        pytest.param(EMPTY_SIDE, id="read-where-empty"),
        pytest.param(NOT_EMPTIED, id="not-emptied"),
        pytest.param(CLOSURE, id="filled-by-a-closure"),
    ],
)
def test_a_read_guarded_by_a_result_emptied_in_the_rollback_handler(source: str, tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app/db.py": DB, "app/db_models.py": MODELS, "app/handlers.py": source})
    found = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")]
    assert found == expected_lines(source, "ASA302")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ok", "ok"),
        ('results["ok"]', "results['ok']"),
        ("results[0]", "results[0]"),
        ("results[key]", None),
        ("self.results['ok']", None),
        ("results[True]", None),
    ],
)
def test_the_collections_a_test_can_name(text: str, expected: str | None) -> None:
    assert collection_text(ast.parse(text, mode="eval").body) == expected


def test_keyed_truths_name_items_and_plain_truths_do_not() -> None:
    test = ast.parse('not results["ok"] and len(ok) == 0', mode="eval").body
    assert truths_of(test, keyed=True).body_falsy == {"results['ok']", "ok"}
    assert truths_of(test).body_falsy == {"ok"}
