"""ASA301 on a relationship that a function sets itself, on some paths only, on an
object it received: `change = plan.change`, then `if change.product_id is not None:
change.product = await session.get(Product, ...)`, then `change.apply(plan)`, a model method that
reads `self.product`. The function's own setting of it says the caller's object does not carry the
relationship; on the path that skipped it the read is a lazy load. The runtime cases run against
real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

DATABASE = (
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
    "from sqlalchemy.pool import StaticPool\n"
    'engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)\n'
    "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
)

MODELS = """\
from __future__ import annotations

from typing import Optional

from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(default="basic")


class Change(Base):
    __tablename__ = "changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    seats: Mapped[int] = mapped_column(default=1)
    product_id: Mapped[Optional[int]] = mapped_column(ForeignKey("products.id"))
    product: Mapped[Optional[Product]] = relationship(lazy="RELATIONSHIP_LAZY")

    def apply(self, plan: Plan) -> None:
        if self.product is not None:
            plan.product_name = self.product.name
        plan.seats = self.seats


class Plan(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    seats: Mapped[int] = mapped_column(default=1)
    product_name: Mapped[str] = mapped_column(default="basic")
    change_id: Mapped[Optional[int]] = mapped_column(ForeignKey("changes.id"))
    change: Mapped[Optional[Change]] = relationship()
"""

#: The entry point loads a plan with its change, makes the change a seats-only one (no product)
#: and hands the plan on; `apply_pending` loads the product only when the change names one. The
#: caller's query is reported for what its callee reads (as before), and the callee on its own: a
#: caller the linter cannot follow (another module's query, a task's payload) leaves only that.
HANDLER = """\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Change, Plan, Product


async def renew(session: AsyncSession) -> None:
    plan = await session.get(Plan, 1, options=[selectinload(Plan.change)])
    assert plan is not None and plan.change is not None
    plan.change.product_id = None
    await session.flush()
    await apply_pending(session, plan)  # ASA301


async def apply_pending(session: AsyncSession, plan: Plan) -> None:
    change = plan.change
    if change is not None:
        if change.product_id is not None:
            change.product = await session.get(Product, change.product_id)
        change.apply(plan)  # ASA301
"""


def _project(tmp_path: Path, handler: str, lazy: str = "raise") -> Path:
    files = {
        "app/db.py": DATABASE,
        "app/db_models.py": MODELS.replace("RELATIONSHIP_LAZY", lazy),
        "app/handlers.py": handler,
    }
    return write_project(tmp_path / "project", files)


def _reported(root: Path) -> list[int]:
    return [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")]


def _in_callee(root: Path, handler: str) -> list[int]:
    """What is reported in `apply_pending` itself (the caller's query stands apart)."""
    start = next(n for n, line in enumerate(handler.splitlines(), 1) if line.startswith("async def apply_pending"))
    return [line for line in _reported(root) if line >= start]


def test_a_method_reading_a_relationship_set_on_one_path_only_is_reported_where_it_raises(tmp_path: Path) -> None:
    root = _project(tmp_path, HANDLER)
    lines = expected_lines(HANDLER, "ASA301")
    assert _reported(root) == lines
    line = lines[-1]
    # lazy="raise" raises whatever the foreign key holds: None here, on the seats-only path.
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("InvalidRequestError", line)
    assert "lazy='raise'" in str(outcome["message"])


def test_a_direct_read_of_the_relationship_on_the_other_path_is_reported(tmp_path: Path) -> None:
    handler = HANDLER.replace(
        "        change.apply(plan)  # ASA301\n", "        plan.product_name = str(change.product)  # ASA301\n"
    )
    root = _project(tmp_path, handler)
    assert _in_callee(root, handler) == expected_lines(handler, "ASA301")[-1:]
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("InvalidRequestError", expected_lines(handler, "ASA301")[-1])


def test_the_relationship_set_on_every_path_is_not_reported_and_runs_clean(tmp_path: Path) -> None:
    fixed = HANDLER.replace(
        "            change.product = await session.get(Product, change.product_id)\n",
        "            change.product = await session.get(Product, change.product_id)\n"
        "        else:\n"
        "            change.product = None\n",
    ).replace("  # ASA301", "")
    root = _project(tmp_path, fixed)
    assert _in_callee(root, fixed) == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}


def test_a_lazily_selected_many_to_one_whose_key_is_none_is_not_reported_and_runs_clean(tmp_path: Path) -> None:
    # `lazy="select"`: the path that skipped the load has no product key, so the read emits no SQL.
    handler = HANDLER.replace("  # ASA301", "")
    root = _project(tmp_path, handler, lazy="select")
    assert _in_callee(root, handler) == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}


def test_without_a_load_of_its_own_the_received_object_is_the_callers_business(tmp_path: Path) -> None:
    handler = HANDLER.replace(
        "        if change.product_id is not None:\n"
        "            change.product = await session.get(Product, change.product_id)\n",
        "        await session.get(Product, 1)\n",
    ).replace("  # ASA301", "")
    assert _in_callee(_project(tmp_path, handler), handler) == []


def test_a_load_after_the_read_is_not_taken_for_one_before_it(tmp_path: Path) -> None:
    handler = HANDLER.replace(
        "        if change.product_id is not None:\n"
        "            change.product = await session.get(Product, change.product_id)\n"
        "        change.apply(plan)  # ASA301\n",
        "        change.apply(plan)\n"
        "        if change.product_id is not None:\n"
        "            change.product = await session.get(Product, change.product_id)\n",
    )
    assert _in_callee(_project(tmp_path, handler), handler) == []


def test_asa302_leaves_a_received_objects_member_alone_as_before(tmp_path: Path) -> None:
    # The member is bound for the reloaded relationships only: what a commit does to it is judged
    # as before it was bound (not at all), also when it is handed to a method of its model.
    handler = HANDLER.replace("  # ASA301", "").replace(
        "        change.apply(plan)\n",
        "        await session.commit()\n        change.apply(plan)\n        print(change.seats)\n",
    )
    files = {
        "app/db.py": DATABASE.replace(", expire_on_commit=False", ""),
        "app/db_models.py": MODELS.replace("RELATIONSHIP_LAZY", "raise"),
    }
    root = write_project(tmp_path / "project", {**files, "app/handlers.py": handler})
    start = next(n for n, line in enumerate(handler.splitlines(), 1) if line.startswith("async def apply_pending"))
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA302") if f.line >= start] == []
