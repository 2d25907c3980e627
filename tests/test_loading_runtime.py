"""ASA301/ASA302 claims, executed: real SQLAlchemy 2 with aiosqlite, no mocks.

Every INVALID example must raise MissingGreenlet on the line the rule reports; every VALID
example must run clean. The known facts the rules rest on get their own tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
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
    """What the example's entry raised when run against real SQLAlchemy (`runtime_harness.py`),
    in a fork of this test process's harness server where the platform forks."""
    module = path.removesuffix(".py").replace("/", ".")
    if not hasattr(os, "fork"):  # pragma: no cover - not on Linux
        completed = subprocess.run(
            [sys.executable, str(HARNESS), str(root), module], capture_output=True, text=True, timeout=120, check=False
        )
        assert completed.returncode == 0, completed.stderr
        return _outcome(completed.stdout)
    with tempfile.TemporaryDirectory() as folder:
        stdout, stderr = Path(folder, "stdout"), Path(folder, "stderr")
        status = _HARNESS.run({"root": str(root), "module": module, "stdout": str(stdout), "stderr": str(stderr)})
        assert status == 0, stderr.read_text(encoding="utf-8", errors="replace")
        return _outcome(stdout.read_text(encoding="utf-8"))


def _outcome(stdout: str) -> dict[str, object]:
    outcome: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])
    return outcome


class _HarnessServer:
    """`runtime_harness.py --serve`, started on first use by each test process (each xdist
    worker has its own) and ended by the end of its standard input when that process exits."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._requests = 0

    def run(self, request: dict[str, str]) -> int:
        process = self._process
        if process is None or process.poll() is not None:
            process = self._process = subprocess.Popen(
                [sys.executable, str(HARNESS), "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
        assert process.stdin is not None and process.stdout is not None
        self._requests += 1
        number = str(self._requests)
        process.stdin.write(json.dumps({**request, "id": number}) + "\n")
        process.stdin.flush()
        # Each reply names its request: one left unread by an interrupted test is skipped.
        while True:
            reply = process.stdout.readline()
            assert reply, f"the harness server ended (exit code {process.poll()})"
            answer = json.loads(reply)
            if answer.get("id") == number:
                status: int = answer["status"]
                return status


_HARNESS = _HarnessServer()


@pytest.mark.parametrize(("code", "example", "kind"), CASES)
def test_example_does_at_run_time_what_the_rule_claims(code: str, example: Example, kind: str, tmp_path: Path) -> None:
    root = example_project(tmp_path / "project", example)
    outcome = run_example(root, example.path)
    if kind == "valid":
        assert outcome["error"] is None, f"VALID example raised {outcome}"
    else:
        assert _is_missing_greenlet(outcome), outcome
        assert outcome["line"] in expected_lines(example.source, code), outcome


def _is_missing_greenlet(outcome: dict[str, object]) -> bool:
    """MissingGreenlet, also as pydantic reports it when a schema's validation hits the lazy load
    (a ValidationError "Error extracting attribute" that carries SQLAlchemy's message)."""
    if outcome["error"] == "MissingGreenlet":
        return True
    message = str(outcome["message"])
    return outcome["error"] == "ValidationError" and "IO attempted in an unexpected place" in message


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


_TREE_MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Node(Base):
    __tablename__ = "nodes"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id"))
    children: Mapped[list["Node"]] = relationship(lazy="selectin"{join_depth})


class Folder(Base):
    __tablename__ = "folders"
    id: Mapped[int] = mapped_column(primary_key=True)
    files: Mapped[list["File"]] = relationship(lazy="selectin", foreign_keys="File.folder_id")


class File(Base):
    __tablename__ = "files"
    id: Mapped[int] = mapped_column(primary_key=True)
    folder_id: Mapped[int] = mapped_column(ForeignKey("folders.id"))
    shared_id: Mapped[int] = mapped_column(ForeignKey("folders.id"))
    shared_with: Mapped[list["Folder"]] = relationship(
        lazy="selectin", primaryjoin="File.shared_id == Folder.id", viewonly=True
    )
"""


def _tree_project(root: Path, handler: str, join_depth: str = "") -> Path:
    models = _TREE_MODELS.replace("{join_depth}", join_depth)
    return write_project(root, {"app/db_models.py": models, "app/handlers.py": handler})


def test_a_selectin_relationship_back_to_a_mapper_on_the_path_is_not_loaded(tmp_path: Path) -> None:
    # Verified: eager loaders stop at a mapper already on the loading path: a self-referential
    # `children` is not loaded even on the queried node, nor a collection back to Folder.
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Folder, Node


async def sizes(session: AsyncSession) -> int:
    folder = await session.get(Folder, 1)
    files = folder.files
    node = await session.get(Node, 1)
    return len(files) + len(node.children)  # ASA301
"""
    root = _tree_project(tmp_path / "project", handler)
    outcome = run_example(root, "app/handlers.py")
    assert _is_missing_greenlet(outcome), outcome
    assert outcome["line"] == 10
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == [10]


def test_join_depth_lets_a_self_referential_loader_go_that_deep(tmp_path: Path) -> None:
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Folder, Node


async def depth(session: AsyncSession) -> int:
    node = await session.get(Node, 1)
    child = node.children[0]
    grandchild = child.children[0]
    folder = await session.get(Folder, 1)
    return len(grandchild.children) + len(folder.files[0].shared_with)  # ASA301
"""
    root = _tree_project(tmp_path / "project", handler, join_depth=", join_depth=2")
    # Depth 2 (the grandchild's children) is past join_depth=2; Folder.files[0].shared_with goes
    # back to Folder, which is on the path: both are lazy loads; depth 0 and 1 are not.
    findings = findings_in(root, "app/handlers.py", "ASA301")
    assert [(f.line, f.col) for f in findings] == [(11, 15), (11, 42)]
    assert "Node.children" in findings[0].message and "File.shared_with" in findings[1].message
    script = """\
import asyncio, sys
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import attributes
sys.path.insert(0, sys.argv[1])
from app.db_models import Base, Node


async def main() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    factory = async_sessionmaker(engine, expire_on_commit=False)
    async with factory() as session:
        session.add_all([Node(id=n, parent_id=n - 1 if n > 1 else None) for n in range(1, 6)])
        await session.commit()
    async with factory() as session:
        node, loaded = await session.get(Node, 1), []
        while "children" not in attributes.instance_state(node).unloaded and node.children:
            loaded.append(True)
            node = node.children[0]
        print(len(loaded))
    await engine.dispose()


asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(root)], capture_output=True, text=True, timeout=120, check=True
    )
    # Loaded at depths 0 and 1 (join_depth=2), not at depth 2: what the rule assumes.
    assert done.stdout.strip() == "2", done.stderr


def test_a_raise_relationship_raises_invalid_request_error_where_reported(tmp_path: Path) -> None:
    models = MODELS.replace('relationship(back_populates="user")', 'relationship(back_populates="user", lazy="raise")')
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


async def order_count(session: AsyncSession) -> int:
    user = await session.get(User, 1)
    return len(user.orders)  # ASA301
"""
    root = write_project(tmp_path / "project", {"app/db_models.py": models, "app/handlers.py": handler})
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "InvalidRequestError", outcome
    assert outcome["line"] == 8
    [finding] = findings_in(root, "app/handlers.py", "ASA301")
    assert finding.line == 8 and "raises InvalidRequestError" in finding.message


_ROUTES = """\
from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db import SessionLocal
from app.db_models import Order


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    quantity: int


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    items: list[ItemOut]


async def get_session():
    async with SessionLocal() as session:
        yield session


router = APIRouter()


@router.get("/orders/{order_id}", response_model=OrderOut)
async def read_order(order_id: int, session: AsyncSession = Depends(get_session)):
    order = await session.get(Order, order_id{options})
    return order{marker}
"""

_SERVE = """\
import asyncio, sys
sys.path.insert(0, sys.argv[1])
import httpx
from fastapi import FastAPI
from app.db import engine
from app.db_models import Base, Order, OrderItem, Product, User
from app.routes import router


async def main() -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        await connection.execute(User.__table__.insert(), [{"id": 1, "name": "ada"}])
        await connection.execute(Product.__table__.insert(), [{"id": 1, "name": "pen"}])
        await connection.execute(Order.__table__.insert(), [{"id": 1, "user_id": 1, "status": "new"}])
        item = {"id": 1, "order_id": 1, "product_id": 1, "quantity": 2}
        await connection.execute(OrderItem.__table__.insert(), [item])
    app = FastAPI()
    app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        try:
            response = await client.get("/orders/1")
            print("status", response.status_code)
        except Exception as error:
            print("raised", type(error).__name__, "IO attempted in an unexpected place" in str(error))


asyncio.run(main())
"""


@pytest.mark.parametrize(
    ("options", "outcome"),
    [("", "raised ResponseValidationError True"), (", options=[selectinload(Order.items)]", "status 200")],
)
def test_a_response_model_reads_the_relationship_of_the_returned_object(
    options: str, outcome: str, tmp_path: Path
) -> None:
    marker = "  # ASA301" if not options else ""
    routes = _ROUTES.replace("{options}", options).replace("{marker}", marker)
    root = _facts_project(tmp_path / "project", "", expire_on_commit=False)
    (root / "app" / "routes.py").write_text(routes, encoding="utf-8")
    assert [f.line for f in findings_in(root, "app/routes.py", "ASA301")] == expected_lines(routes, "ASA301")
    done = subprocess.run(
        [sys.executable, "-c", _SERVE, str(root)], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == outcome, done.stderr


def test_a_many_to_one_to_an_object_in_the_identity_map_runs_no_sql(tmp_path: Path) -> None:
    # What ASA301 rests on when it leaves `order.user` alone in a function handed `user: User`:
    # the lazy load is served from the identity map, with no SQL and no MissingGreenlet.
    handler = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, User


async def owner_name(session: AsyncSession, user: User) -> str:
    order = (await session.scalars(select(Order).where(Order.user_id == user.id))).first()
    return order.user.name
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    script = """\
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from app.db import SessionLocal, engine
from app.db_models import Base, Order, User
from app.handlers import owner_name


async def main() -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        await connection.execute(User.__table__.insert(), [{"id": 1, "name": "ada"}])
        await connection.execute(Order.__table__.insert(), [{"id": 1, "user_id": 1, "status": "new"}])
    async with SessionLocal() as session:
        print(await owner_name(session, await session.get(User, 1)))


asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(root)], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "ada", done.stderr


_COUNTERS = """\
def item_count(order, items=None) -> int:
    if items is not None:
        return len(items)
    return len(order.items)


def describe(order, brief: bool = True, items=None) -> str:
    if brief or items is not None:
        return order.status
    return f"{order.status}: {len(order.items)}"
"""


@pytest.mark.parametrize(
    ("calls", "reported"),
    [
        # The collection is read only when no list is passed, and only when `brief` is false.
        ("item_count(order, [])", False),
        ("item_count(order, items=counts.get(order.id, []))", False),
        ("describe(order)", False),
        ("describe(order, brief=False, items=[])", False),
        ("item_count(order, items=None)", True),
        ("item_count(order)", True),
        ("describe(order, brief=False)", True),
        ("describe(order, False, counts.get(order.id))", True),
    ],
)
def test_a_callee_reads_what_the_arguments_let_it_reach(calls: str, reported: bool, tmp_path: Path) -> None:
    handler = f"""\
from app.counters import describe, item_count
from app.db import SessionLocal
from app.db_models import Order


async def show() -> object:
    counts: dict[int, list[int]] = {{}}
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        return {calls}
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    (root / "app/counters.py").write_text(_COUNTERS, encoding="utf-8")
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"] == "MissingGreenlet") is reported, outcome
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == ([10] if reported else [])


def test_an_object_passed_settles_a_callees_none_test(tmp_path: Path) -> None:
    counters = """\
def item_count(order, other=None) -> int:
    return _count(order, other)


def _count(order, other) -> int:
    if other is None:
        return len(order.items)
    return other.id
"""
    handler = """\
from app.counters import item_count
from app.db import SessionLocal
from app.db_models import Order


async def show() -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        other = await session.get(Order, 2)
        return item_count(order, other) + item_count(other, order)
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    (root / "app/counters.py").write_text(counters, encoding="utf-8")
    assert run_example(root, "app/handlers.py")["error"] is None
    assert findings_in(root, "app/handlers.py", "ASA301") == []


@pytest.mark.parametrize("user_first", [True, False])
def test_a_many_to_one_to_an_object_the_session_holds_runs_no_sql(user_first: bool, tmp_path: Path) -> None:
    # The harness gives order 1 to user 1: once user 1 is in the identity map, `order.user` is a
    # get() that the map answers. Loaded only after the read, it comes too late.
    load_user = "user = await session.get(User, 1)"
    handler = f"""\
from app.db import SessionLocal
from app.db_models import Order, User


async def show() -> str:
    async with SessionLocal() as session:
        {load_user if user_first else "pass"}
        order = await session.get(Order, 1)
        name = order.user.name{"" if user_first else "  # ASA301"}
        {"pass" if user_first else load_user}
        return name
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"] is None) is user_first, outcome
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == ([] if user_first else [9])


@pytest.mark.parametrize(
    ("test", "refreshed"),
    [
        ("inspect(user).expired_attributes", True),
        ("sa_inspect(user).expired", True),
        ("state.expired_attributes", True),
        ("not inspect(user).expired_attributes", False),
    ],
)
def test_a_refresh_under_a_test_of_what_expired_counts_where_it_matters(
    test: str, refreshed: bool, tmp_path: Path
) -> None:
    handler = f"""\
from sqlalchemy import inspect
from sqlalchemy import inspect as sa_inspect

from app.db import SessionLocal
from app.db_models import User


async def rename() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        user.name = "renamed"
        await session.commit()
        state = inspect(user)
        if {test}:
            await session.refresh(user)
        return user.name
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=True)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"] is None) is refreshed, outcome
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA302")] == ([] if refreshed else [16])


@pytest.mark.parametrize("expire_on_commit", [True, False])
def test_a_held_object_that_commit_expired_answers_a_many_to_one_with_sql(
    expire_on_commit: bool, tmp_path: Path
) -> None:
    handler = f"""\
from app.db import SessionLocal
from app.db_models import Order, User


async def show() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        await session.commit()
        order = await session.get(Order, 1)
        return order.user.name{"  # ASA301" if expire_on_commit else ""}
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=expire_on_commit)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"] == "MissingGreenlet") is expire_on_commit, outcome
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == ([10] if expire_on_commit else [])


@pytest.mark.parametrize(
    ("read_under", "reported"),
    [
        ("if detailed:", False),  # the same test as the loader's: the loader is there
        ("if not detailed:", True),  # the other side: never loaded there
        ("if True:", True),  # another test says nothing of the loader
    ],
)
def test_a_read_under_the_test_that_added_the_loader_is_loaded(read_under: str, reported: bool, tmp_path: Path) -> None:
    handler = f"""\
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db import SessionLocal
from app.db_models import Order


async def show(detailed: bool) -> int:
    async with SessionLocal() as session:
        statement = select(Order)
        if detailed:
            statement = statement.options(selectinload(Order.items))
        orders = (await session.scalars(statement)).all()
        count = 0
        for order in orders:
            {read_under}
                count += len(order.items)
        return count
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    # The harness passes False for a `bool` parameter: a read outside `if detailed:` runs unloaded.
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"] == "MissingGreenlet") is reported, outcome
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == ([17] if reported else [])


_GREETERS = """\
from sqlalchemy.ext.asyncio import AsyncSession


def greeting(user) -> str:
    return f"hello {user.name}"


async def fresh_greeting(session: AsyncSession, user) -> str:
    await session.refresh(user)
    return f"hello {user.name}"


def stamped_greeting(user) -> str:
    user.name = "stamped"  # setting a column loads nothing, and reading it back neither
    return f"hello {user.name}"
"""


@pytest.mark.parametrize(
    ("call", "reported"),
    [("greeting(user)", True), ("await fresh_greeting(session, user)", False), ("stamped_greeting(user)", False)],
)
def test_an_expired_object_handed_to_a_callee_that_reads_a_column(call: str, reported: bool, tmp_path: Path) -> None:
    handler = f"""\
from app.db import SessionLocal
from app.db_models import User
from app.greeters import fresh_greeting, greeting, stamped_greeting


async def rename() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        user.name = "renamed"
        await session.commit()
        return {call}
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=True)
    (root / "app/greeters.py").write_text(_GREETERS, encoding="utf-8")
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"] == "MissingGreenlet") is reported, outcome
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [f.line for f in found] == ([11] if reported else [])
    if reported:
        assert "User.name read on user by greeting() at app/greeters.py:5 after session.commit()" in found[0].message


def test_a_relationship_the_callee_set_holds_the_callers_object(tmp_path: Path) -> None:
    repository = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, User


async def first_order(session: AsyncSession, user: User) -> Order:
    order = (await session.scalars(select(Order).where(Order.user_id == user.id))).one()
    order.user = user
    return order
"""
    handler = """\
from sqlalchemy.orm import selectinload

from app.db import SessionLocal
from app.db_models import User
from app.repository import first_order


async def show() -> int:
    async with SessionLocal() as session:
        user = await session.get(User, 1, options=[selectinload(User.orders)])
        order = await first_order(session, user)
        return len(order.user.orders)
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    (root / "app/repository.py").write_text(repository, encoding="utf-8")
    assert run_example(root, "app/handlers.py")["error"] is None
    assert findings_in(root, "app/handlers.py", "ASA301") == []


@pytest.mark.parametrize(
    ("options", "error"),
    [
        # A wildcard reaches every relationship below the path it ends, at any depth, and turns
        # the mapper's `lazy="selectin"` of `User.addresses` off under the loaded `Order.user`.
        ('lazyload("*"), selectinload(Order.user)', "MissingGreenlet"),
        ('selectinload(Order.user).lazyload("*")', "MissingGreenlet"),
        # Below another path only: `User.addresses` keeps its mapper strategy.
        ('defaultload(Order.items).lazyload("*"), selectinload(Order.user)', None),
        # A loader naming the relationship wins over the wildcard.
        ('lazyload("*"), selectinload(Order.user).selectinload(User.addresses)', None),
        # `raiseload("*")` forbids the load: the read raises its own error, reported all the same.
        ('raiseload("*"), selectinload(Order.user)', "InvalidRequestError"),
    ],
)
def test_a_wildcard_loader_option_overrides_the_mappers_eager_strategy_below_it(
    options: str, error: str | None, tmp_path: Path
) -> None:
    handler = f"""\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defaultload, lazyload, raiseload, selectinload

from app.db_models import Order, User


async def cities(session: AsyncSession) -> list[str]:
    order = (await session.scalars(select(Order).where(Order.id == 1).options({options}))).one()
    return [address.city for address in order.user.addresses]
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error, outcome
    expected = [10] if error is not None else []
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == expected


def test_a_column_a_helper_returns_keeps_no_object_of_its_model_in_the_identity_map(tmp_path: Path) -> None:
    # The helper loads the user but hands back only its name: once it returns, nothing holds the
    # user, the identity map (weak) lets it go, and `order.user` is a lazy load with SQL.
    handler = """\
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, User


async def heading(session: AsyncSession) -> str:
    context = await order_context(session)
    return f"{context['order'].user.name} {context['buyer']}"  # ASA301


async def order_context(session: AsyncSession) -> dict[str, Any]:
    order = (await session.scalars(select(Order).where(Order.id == 1))).one()
    user = (await session.scalars(select(User).where(User.id == order.user_id))).one()
    return {"order": order, "buyer": user.name}
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    assert outcome["line"] == 11
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == [11]


def test_the_next_iterations_read_is_reported_beside_the_handlers_read(tmp_path: Path) -> None:
    # The handler reads the user only when something raised after the commit; the loop goes
    # round otherwise, and the next user's first read loads a row the commit expired.
    handler = """\
import logging

from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import User

log = logging.getLogger(__name__)


async def rename_all() -> None:
    async with SessionLocal() as session:
        users = (await session.scalars(select(User))).all()
        for user in users:
            try:
                user.name = user.name.title()  # ASA302
                await session.commit()
                if len(users) > 100:
                    raise ValueError("too many")
            except ValueError:
                log.warning("skipped %s", user.id)  # ASA302
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=True)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 16)
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA302")] == [16, 21]


def test_a_read_that_raises_after_the_rollback_never_reaches_the_next_iteration(tmp_path: Path) -> None:
    # Every path from the rollback reads the user first: it raises there and leaves the loop.
    handler = """\
import logging

from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import User

log = logging.getLogger(__name__)


async def rename_all() -> None:
    async with SessionLocal() as session:
        users = (await session.scalars(select(User))).all()
        for user in users:
            try:
                user.name = user.name.title()
                await session.flush()
                if user.name.startswith("Users"):
                    raise ValueError(user.name)
            except ValueError:
                await session.rollback()
                log.warning("skipped %s", user.id)  # ASA302
                continue
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 22)
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA302")] == [22]


def test_a_read_of_a_schema_parameter_leaves_the_expired_objects_expired(tmp_path: Path) -> None:
    # `payload.name` raises nothing after the rollback (a pydantic model is no mapped object), so
    # the paths past it still carry the rollback for `user`.
    handler = """\
import logging

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User

log = logging.getLogger(__name__)


class Rename(BaseModel):
    name: str


async def rename_user(session: AsyncSession) -> str:
    return await rename(session, Rename(name="grace"))


async def rename(session: AsyncSession, payload: Rename) -> str:
    user = await session.get(User, 1)
    await session.rollback()
    log.warning("renaming to %s", payload.name)
    return user.name  # ASA302
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 23)
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA302")] == [23]


def test_an_object_handed_to_the_call_that_expired_it_was_expired_by_an_earlier_iteration(tmp_path: Path) -> None:
    # The arguments are evaluated before the call runs: the commit that expired the next user
    # is the previous iteration's.
    handler = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.db_models import User


async def rename_all() -> None:
    async with SessionLocal() as session:
        users = (await session.scalars(select(User))).all()
        for user in users:
            await rename(session, user)  # ASA302


async def rename(session: AsyncSession, user: User) -> None:
    user.name = user.name.title()
    await session.commit()
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=True)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 16)
    findings = findings_in(root, "app/handlers.py", "ASA302")
    assert [f.line for f in findings] == [12]
    assert "rename(), which calls session.commit(), of an earlier iteration at line 12" in findings[0].message


def test_an_object_a_call_returns_expired_is_read_after_that_call_on_its_line(tmp_path: Path) -> None:
    # Read on the line of the call that returned it expired: after the call, in this iteration.
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.db_models import User


async def create_named(name: str) -> int:
    async with SessionLocal() as session:
        return (await create(session, name)).id  # ASA302


async def create(session: AsyncSession, name: str) -> User:
    user = User(name=name)
    session.add(user)
    await session.commit()
    return user
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=True)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 9)
    findings = findings_in(root, "app/handlers.py", "ASA302")
    assert [f.line for f in findings] == [9]
    assert "create(), which calls session.commit(), at line 9" in findings[0].message


def test_an_argument_read_on_the_line_of_the_call_that_expired_it_is_an_earlier_iterations(tmp_path: Path) -> None:
    handler = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.db_models import User


async def rename_all() -> None:
    async with SessionLocal() as session:
        users = (await session.scalars(select(User))).all()
        for user in users:
            await rename(session, user.id)  # ASA302


async def rename(session: AsyncSession, user_id: int) -> None:
    user = await session.get(User, user_id)
    user.name = "renamed"
    await session.commit()
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=True)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 12)
    findings = findings_in(root, "app/handlers.py", "ASA302")
    assert [f.line for f in findings] == [12]
    assert "rename(), which calls session.commit(), of an earlier iteration at line 12" in findings[0].message
