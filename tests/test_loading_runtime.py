"""ASA301/ASA302 claims, executed: real SQLAlchemy 2 with aiosqlite, no mocks.

Every INVALID example must raise MissingGreenlet on the line the rule reports; every VALID
example must run clean. The known facts the rules rest on get their own tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import example_project, expected_lines, findings_in, write_project

from alchemy_lint.rules import RULES_BY_CODE, Example
from alchemy_lint.rules.loading_examples import MODELS

HARNESS = Path(__file__).with_name("runtime_harness.py")
RUNTIME_RULES = ("ASA301", "ASA302")

CASES = [
    pytest.param(code, example, kind, id=f"{code}-{kind}-{number}")
    for code in RUNTIME_RULES
    for kind, examples in (("valid", RULES_BY_CODE[code].valid), ("invalid", RULES_BY_CODE[code].invalid))
    for number, example in enumerate(examples)
]


def run_example(root: Path, path: str) -> dict[str, object]:
    module = path.removesuffix(".py").replace("/", ".")
    completed = subprocess.run(
        [sys.executable, str(HARNESS), str(root), module], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    outcome: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return outcome


@pytest.mark.parametrize(("code", "example", "kind"), CASES)
def test_example_does_at_run_time_what_the_rule_claims(code: str, example: Example, kind: str, tmp_path: Path) -> None:
    root = example_project(tmp_path / "project", example)
    outcome = run_example(root, example.path)
    if kind == "valid":
        assert outcome["error"] is None, f"VALID example raised {outcome}"
    else:
        assert outcome["error"] == "MissingGreenlet", outcome
        assert outcome["line"] in expected_lines(example.source, code), outcome


def _facts_project(root: Path, handler: str, expire_on_commit: bool) -> Path:
    database = (
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        "from sqlalchemy.pool import StaticPool\n"
        'engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)\n'
        f"SessionLocal = async_sessionmaker(engine, expire_on_commit={expire_on_commit})\n"
    )
    return write_project(root, {"app/db_models.py": MODELS, "app/db.py": database, "app/handlers.py": handler})


def test_relationship_of_added_and_committed_object_raises_even_without_expiry(tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import Order


async def create_order() -> int:
    async with SessionLocal() as session:
        order = Order(user_id=1, status="new")
        session.add(order)
        await session.commit()
        assert order.status == "new"
        return len(order.items)  # ASA301
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet"
    assert outcome["line"] == 11
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == [11]


def test_append_to_unloaded_collection_raises(tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import Order, OrderItem


async def add_item() -> None:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        order.items.append(OrderItem(product_id=1, quantity=3))  # ASA301
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 8)
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == [8]


@pytest.mark.parametrize("expire_on_commit", [True, False])
def test_rollback_expires_whatever_the_setting(expire_on_commit: bool, tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import User


async def abandon() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        await session.rollback()
        return user.name  # ASA302
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=expire_on_commit)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 9)
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA302")] == [9]


def test_commit_with_expire_on_commit_false_keeps_columns_readable(tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import User


async def rename() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        user.name = "grace"
        await session.commit()
        return user.name
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    assert run_example(root, "app/handlers.py")["error"] is None
    assert findings_in(root, "app/handlers.py", "ASA302") == []


def test_reading_a_new_objects_collection_before_the_flush_does_not_load_it(tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import Order


async def create_order() -> int:
    async with SessionLocal() as session:
        order = Order(user_id=1, status="new")
        session.add(order)
        before = len(order.items)
        await session.flush()
        return before + len(order.items)  # ASA301
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 11)
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == [11]


def test_appending_to_a_new_objects_collection_before_the_flush_keeps_it_loaded(tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import Order, OrderItem


async def create_order() -> int:
    async with SessionLocal() as session:
        order = Order(user_id=1, status="new")
        order.items.append(OrderItem(product_id=1, quantity=2))
        session.add(order)
        await session.commit()
        return len(order.items)
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    assert run_example(root, "app/handlers.py")["error"] is None
    assert findings_in(root, "app/handlers.py", "ASA301") == []


FIXED_CASES = [
    pytest.param(example, id=f"ASA301-fixed-{number}")
    for number, example in enumerate(RULES_BY_CODE["ASA301"].invalid)
    if example.fixed is not None
]


@pytest.mark.parametrize("example", FIXED_CASES)
def test_unsafe_fix_of_lazy_access_runs_clean(example: Example, tmp_path: Path) -> None:
    # The same program raised MissingGreenlet before the fix (the INVALID case above).
    assert example.fixed is not None
    fixed = Example(example.fixed, example.path, example.others, example.config)
    root = example_project(tmp_path / "project", fixed)
    outcome = run_example(root, example.path)
    assert outcome["error"] is None, outcome
