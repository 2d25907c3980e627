"""ASA301/ASA302 on small projects: sources, loaders, paths and sessions the examples do not show."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project

from alchemy_lint.rules.loading_examples import MODELS

EXPIRING_DB = (
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
    'engine = create_async_engine("sqlite+aiosqlite://")\n'
    "SessionLocal = async_sessionmaker(engine)\n"
)


def lines_reported(root: Path, code: str, path: str = "app/handlers.py") -> list[int]:
    return [finding.line for finding in findings_in(root, path, code)]


def check(tmp_path: Path, handler: str, code: str, **others: str) -> None:
    """The handler's `# ASA3xx` markers are exactly the lines reported."""
    files = {"app/db_models.py": MODELS, "app/db.py": EXPIRING_DB, "app/handlers.py": handler}
    files.update({name.replace("__", "/") + ".py": source for name, source in others.items()})
    root = write_project(tmp_path / "project", files)
    assert lines_reported(root, code) == expected_lines(handler, code)


def test_sync_session_objects_are_not_judged(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.db_models import Order


async def legacy_report() -> int:
    with Session(create_engine("sqlite://")) as session:
        order = session.scalars(select(Order)).one()
        return len(order.items)
""",
        "ASA301",
    )


def test_http_client_get_is_not_an_orm_source(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
import httpx

from app.db_models import Order


async def fetch(client: httpx.AsyncClient) -> int:
    response = await client.get(Order, 1)
    return len(response.items)
""",
        "ASA301",
    )


def test_loader_appended_under_a_branch_covers_only_that_branch(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from app.db_models import Order


async def orders(session: AsyncSession, with_items: bool) -> int:
    options = [joinedload(Order.user)]
    if with_items:
        options.append(selectinload(Order.items))
    rows = (await session.scalars(select(Order).options(*options))).all()
    return sum(len(order.items) + len(order.user.name) for order in rows)  # ASA301
""",
        "ASA301",
    )


def test_callee_that_loads_on_some_paths_is_not_judged_in_its_callers(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.repository import list_orders


async def item_counts(session: AsyncSession) -> list[int]:
    return [len(order.items) + len(order.user.name) for order in await list_orders(session)]  # ASA301
""",
        "ASA301",
        app__repository="""\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def list_orders(session: AsyncSession, with_items: bool = True) -> list[Order]:
    options = []
    if with_items:
        options.append(selectinload(Order.items))
    result = await session.execute(select(Order).options(*options))
    return list(result.scalars().all())
""",
    )


def test_loader_options_from_elsewhere_are_not_judged(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.loading import ORDER_OPTIONS


async def order(session: AsyncSession) -> int:
    found = (await session.scalars(select(Order).options(*ORDER_OPTIONS))).one()
    return len(found.items)
""",
        "ASA301",
        app__loading="from sqlalchemy.orm import selectinload\n"
        "from app.db_models import Order\n"
        "ORDER_OPTIONS = [selectinload(Order.items)]\n",
    )


def test_load_wildcards_and_default_paths(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Load, defaultload, raiseload, selectinload

from app.db_models import Order, OrderItem


async def totals(session: AsyncSession) -> int:
    first = (await session.scalars(select(Order).options(Load(Order).selectinload(Order.items)))).one()
    second = (await session.scalars(select(Order).options(selectinload("*")))).one()
    third = (await session.scalars(select(Order).options(raiseload("*")))).one()
    fourth = (
        await session.scalars(select(Order).options(defaultload(Order.items).selectinload(OrderItem.product)))
    ).one()
    names = [item.product.name for item in fourth.items]  # ASA301
    return len(first.items) + len(second.user.name) + len(third.items) + len(names)  # ASA301
""",
        "ASA301",
    )


def test_objects_received_as_parameters_are_not_judged(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def describe(session: AsyncSession, order: Order) -> int:
    await session.commit()
    return len(order.items) + order.id
""",
        "ASA301",
    )


def test_a_raise_relationship_read_without_a_loader_is_reported_and_write_only_is_not(tmp_path: Path) -> None:
    models = MODELS.replace('relationship(back_populates="user")', 'relationship(back_populates="user", lazy="raise")')
    files = {
        "app/db_models.py": models,
        "app/handlers.py": """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, User


async def describe(session: AsyncSession) -> int:
    user = await session.get(User, 1)
    order = await session.get(Order, 1)
    return len(user.orders) + len(order.events.select().whereclause is None and "x" or "")
""",
    }
    root = write_project(tmp_path / "project", files)
    [finding] = findings_in(root, "app/handlers.py", "ASA301")
    assert (finding.line, finding.col) == (9, 15)
    assert 'lazy="raise", so the read raises InvalidRequestError' in finding.message


def test_service_attribute_annotated_with_a_repository_class(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from app.repository import OrderRepository


class OrderService:
    repo: OrderRepository

    async def customer(self, order_id: int) -> str:
        order = await self.repo.get(order_id)
        return order.user.name  # ASA301
""",
        "ASA301",
        app__repository="""\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, order_id: int) -> Order | None:
        return await self.session.get(Order, order_id)
""",
    )


def test_refresh_with_attribute_names_keyword_loads_them(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def describe(session: AsyncSession) -> int:
    order = await session.get(Order, 1)
    await session.refresh(order, attribute_names=["items"])
    return len(order.items) + len(order.user.name)  # ASA301
""",
        "ASA301",
    )


def test_lazy_access_inside_a_run_sync_callback_is_legal(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.db_models import Order


async def describe(session: AsyncSession) -> int:
    order = await session.get(Order, 1)

    def count(sync_session: Session) -> int:
        return len(order.items)

    return await session.run_sync(count)
""",
        "ASA301",
    )


def test_new_object_relationships_are_fine_until_flushed(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, User


async def register(session: AsyncSession) -> int:
    user = User(name="ada")
    session.add(user)
    order = Order(status="new", user=user)
    session.add(order)
    before = len(order.items)
    await session.flush()
    return before + len(order.items)  # ASA301
""",
        "ASA301",
    )


def test_commit_in_an_earlier_loop_iteration_expires_the_next_read(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import User


async def rename_all() -> None:
    async with SessionLocal() as session:
        users = (await session.scalars(select(User))).all()
        for user in users:
            user.name = user.name.title()  # ASA302
            await session.commit()
""",
        "ASA302",
    )
    [finding] = findings_in(tmp_path / "project", "app/handlers.py", "ASA302")
    assert "after session.commit() of an earlier iteration at line 12 expired it" in finding.message


def test_session_from_helper_follows_to_its_factory(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from app.db import get_a_session
from app.db_models import User


async def rename(name: str) -> str:
    async with get_a_session() as session:
        user = await session.get(User, 1)
        user.name = name
        await session.commit()
        return user.name  # ASA302
""",
        "ASA302",
        app__db=EXPIRING_DB
        + "from contextlib import asynccontextmanager\n\n\n"
        + "@asynccontextmanager\nasync def get_a_session():\n"
        + "    async with SessionLocal() as session:\n        yield session\n",
    )


_UNKNOWN_FACTORY = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


async def rename(session: AsyncSession, name: str) -> str:
    user = await session.get(User, 1)
    user.name = name
    await session.commit()
    return user.name  # ASA302


class Renamer:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rename(self, name: str) -> str:
        user = await self.session.get(User, 1)
        user.name = name
        await self.session.commit()
        return user.name  # ASA302


async def touch(session, name: str) -> str:
    user = await session.get(User, 1)
    await session.commit()
    return user.name
"""


def test_session_of_unknown_factory_is_one_of_the_projects_only_factory(tmp_path: Path) -> None:
    # No caller says where the annotated session comes from: the project configures one factory,
    # which expires on commit. An unannotated parameter is no evidence of an asyncio session.
    check(tmp_path, _UNKNOWN_FACTORY, "ASA302")


def test_session_of_unknown_factory_is_judged_by_two_factories_that_agree(tmp_path: Path) -> None:
    second = EXPIRING_DB.replace("sqlite+aiosqlite://", "sqlite+aiosqlite:///reports.db").replace(
        "SessionLocal", "ReportSession"
    )
    check(tmp_path, _UNKNOWN_FACTORY, "ASA302", app__reports_db=second)


def test_session_of_unknown_factory_is_not_judged_beside_two_factories_that_disagree(tmp_path: Path) -> None:
    second = (
        EXPIRING_DB.replace("sqlite+aiosqlite://", "sqlite+aiosqlite:///reports.db")
        .replace("SessionLocal", "ReportSession")
        .replace("async_sessionmaker(engine)", "async_sessionmaker(engine, expire_on_commit=False)")
    )
    check(tmp_path, _UNKNOWN_FACTORY.replace("  # ASA302", ""), "ASA302", app__reports_db=second)


def test_session_of_unknown_factory_is_not_judged_beside_a_keeping_factory(tmp_path: Path) -> None:
    keeping = EXPIRING_DB.replace("async_sessionmaker(engine)", "async_sessionmaker(engine, expire_on_commit=False)")
    check(tmp_path, _UNKNOWN_FACTORY.replace("  # ASA302", ""), "ASA302", app__db=keeping)


def test_factory_call_override_keeps_objects_readable(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from app.db import SessionLocal
from app.db_models import User


async def rename(name: str) -> str:
    async with SessionLocal(expire_on_commit=False) as session:
        user = await session.get(User, 1)
        user.name = name
        await session.commit()
        return user.name
""",
        "ASA302",
    )


def test_newtype_session_alias_is_a_session(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy import select

from app.postgres import AsyncSession
from app.db_models import Order


async def count(session: AsyncSession) -> int:
    order = (await session.scalars(select(Order))).one()
    return len(order.items)  # ASA301
""",
        "ASA301",
        app__postgres="from typing import NewType\n"
        "from sqlalchemy.ext.asyncio import AsyncSession as _AsyncSession\n"
        'AsyncSession = NewType("AsyncSession", _AsyncSession)\n',
    )


def test_package_named_like_sqlalchemy_does_not_shadow_it(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/ext/__init__.py": "",
        "pkg/ext/sqlalchemy/__init__.py": "",
        "pkg/ext/sqlalchemy/orm.py": "class DeclarativeBase: ...\n",
        "pkg/models.py": MODELS,
        "pkg/handlers.py": """\
from sqlalchemy.ext.asyncio import AsyncSession

from pkg.models import Order


async def count(session: AsyncSession) -> int:
    order = await session.get(Order, 1)
    return len(order.items)  # ASA301
""",
    }
    root = write_project(tmp_path / "project", files)
    assert lines_reported(root, "ASA301", "pkg/handlers.py") == [8]


def test_relationship_declared_with_declared_attr_is_known(tmp_path: Path) -> None:
    models = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)


class CustomerMixin:
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))

    @declared_attr
    def customer(cls) -> Mapped[Customer]:
        return relationship(Customer)

    @declared_attr
    def guarded(cls) -> Mapped[Customer]:
        return relationship(Customer, lazy="raise", viewonly=True)


class Invoice(CustomerMixin, Base):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)
"""
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Invoice


async def customer_of(session: AsyncSession) -> int:
    invoice = await session.get(Invoice, 1)
    return invoice.customer.id + invoice.guarded.id  # ASA301
"""
    root = write_project(tmp_path / "project", {"app/db_models.py": models, "app/handlers.py": handler})
    assert lines_reported(root, "ASA301") == [8, 8]
    # The lazy="raise" one raises InvalidRequestError rather than loading: reported as such.
    found = findings_in(root, "app/handlers.py", "ASA301")
    assert [f.col for f in found] == [11, 33]
    assert "InvalidRequestError" not in found[0].message and "InvalidRequestError" in found[1].message


def test_collection_touched_before_the_flush_stays_loaded(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, OrderItem, User


async def seed(session: AsyncSession) -> int:
    order = Order(status="new")
    order.items.append(OrderItem(product_id=1, quantity=1))
    user = User(name="ada")
    session.add_all([order, user])
    await session.commit()
    return len(order.items) + len(user.orders)  # ASA301
""",
        "ASA301",
    )


def test_preview_judges_an_unannotated_parameter_session_by_the_only_factory(tmp_path: Path) -> None:
    # Nothing says this `session` is an asyncio one (an annotated one is judged by default, see
    # `test_session_of_unknown_factory_is_one_of_the_projects_only_factory`).
    handler = """\
from app.db_models import User


async def rename(session, name: str) -> str:
    user = await session.get(User, 1)
    user.name = name
    await session.commit()
    return user.name  # ASA302
"""
    files = {"app/db_models.py": MODELS, "app/db.py": EXPIRING_DB, "app/handlers.py": handler}
    assert lines_reported(write_project(tmp_path / "default", files), "ASA302") == []
    previewed = write_project(tmp_path / "preview", files, config="preview = true")
    assert lines_reported(previewed, "ASA302") == [8]
    files["app/db.py"] = EXPIRING_DB.replace("(engine)", "(engine, expire_on_commit=False)")
    assert lines_reported(write_project(tmp_path / "keeping", files, config="preview = true"), "ASA302") == []


# -- what callees do with what they are handed (summaries) ---------------------------------

_SERVICES = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


class Refused(Exception):
    pass


async def close(session: AsyncSession, order: Order) -> None:
    order.status = "closed"
    await session.commit()


async def close_or_refuse(session: AsyncSession, order: Order) -> bool:
    if order.status == "locked":
        await session.rollback()
        return False
    await session.commit()
    return True


async def close_or_raise(session: AsyncSession, order: Order) -> None:
    if order.status == "locked":
        await session.rollback()
        raise Refused(order.id)
    order.status = "closed"
"""


def test_a_callee_that_commits_on_every_path_expires_the_callers_objects(tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import Order
from app.services import close, close_or_raise, close_or_refuse


async def report(order_id: int) -> str:
    async with SessionLocal() as session:
        first = await session.get(Order, order_id)
        await close(session, first)
        status = first.status  # ASA302
        second = await session.get(Order, order_id + 1)
        if not await close_or_refuse(session, second):
            return "refused"
        third = await session.get(Order, order_id + 2)
        await close_or_raise(session, third)
        return status + third.status
"""
    # close_or_refuse rolls back only with a result the caller checks; close_or_raise only on
    # a path that raises: neither is a commit or rollback the caller can count on.
    check(tmp_path, handler, "ASA302", app__services=_SERVICES)


_SERIALIZERS = """\
def order_out(order, include_items: bool = False) -> dict:
    out = {"id": order.id}
    if include_items:
        out["items"] = [item.quantity for item in order.items]
    return out


async def order_with_user(session, order) -> str:
    await session.refresh(order, ["user"])
    return order.user.name
"""


def test_a_callee_reads_what_its_flags_let_it_read_and_not_what_it_loads_itself(tmp_path: Path) -> None:
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.serializers import order_out, order_with_user


async def show(session: AsyncSession, order_id: int) -> list[object]:
    order = await session.get(Order, order_id)
    brief = order_out(order)
    named = await order_with_user(session, order)
    full = order_out(order, include_items=True)  # ASA301
    return [brief, named, full]
"""
    check(tmp_path, handler, "ASA301", app__serializers=_SERIALIZERS)
    root = tmp_path / "project"
    [finding] = findings_in(root, "app/handlers.py", "ASA301")
    assert "order_out() reads it at app/serializers.py:4" in finding.message


def test_a_many_to_one_back_to_the_path_or_to_a_model_the_caller_handed_over_is_not_judged(
    tmp_path: Path,
) -> None:
    handler = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, User


async def orders_of(session: AsyncSession, user: User) -> list[str]:
    statement = select(Order).where(Order.user_id == user.id).options(selectinload(Order.items))
    orders = (await session.scalars(statement)).all()
    return [order.user.name + str(item.order.id) for order in orders for item in order.items]
"""
    check(tmp_path, handler, "ASA301")


_UNTYPED_MODELS = """\
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Tariff(Base):
    __tablename__ = "tariffs"
    id = Column(Integer, primary_key=True)
    name = Column(String)


class Subscription(Base):
    __tablename__ = "subscriptions"
    id = Column(Integer, primary_key=True)
    tariff_id = Column(ForeignKey("tariffs.id"))
    tariff = relationship("Tariff")
    owner = relationship("Tariff", foreign_keys=[tariff_id])
    extra = relationship("Tariff", primaryjoin="foreign(Subscription.tariff_id) == Tariff.id")
"""


def test_an_untyped_relationship_beside_its_foreign_key_column_is_a_many_to_one(tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import Subscription, Tariff


async def show(tariff_id: int, subscription_id: int) -> list[str]:
    async with SessionLocal() as session:
        subscription = await session.get(Subscription, subscription_id)
        first = subscription.tariff.name  # ASA301
        tariff = await session.get(Tariff, tariff_id)
        # `tariff` is in the identity map now: `tariff_id` names a many-to-one, answered from it.
        again = subscription.tariff.name
        # No `owner_id` column, but `foreign_keys=` names a column of its own: a many-to-one too.
        owner = subscription.owner.name
        # A `foreign()` annotation: which side holds the key is not told, so it is judged.
        extra = subscription.extra.name  # ASA301
        return [first, again, owner, extra, tariff.name]
"""
    files = {"app/db_models.py": _UNTYPED_MODELS, "app/db.py": EXPIRING_DB, "app/handlers.py": handler}
    root = write_project(tmp_path / "project", files)
    assert lines_reported(root, "ASA301") == expected_lines(handler, "ASA301")


def test_a_relationship_the_function_set_holds_its_own_object(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, User


async def show(session: AsyncSession) -> int:
    user = await session.get(User, 1, options=[selectinload(User.orders)])
    order = await session.get(Order, 1)
    before = len(order.items)  # ASA301
    order.user = user
    return before + len(order.user.orders)
""",
        "ASA301",
    )


_CHANGE_MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Discount(Base):
    __tablename__ = "discounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str]


class Change(Base):
    __tablename__ = "changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    discount_id: Mapped[int | None] = mapped_column(ForeignKey("discounts.id"))
    discount: Mapped[Discount | None] = relationship(lazy="raise")

    def applied_code(self) -> str | None:
        return self.discount.code if self.discount is not None else None


class Plan(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"))
    change: Mapped[Change] = relationship()
"""

_PREVIEWS = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Change, Discount, Plan


def code_of(change: Change) -> str | None:
    return change.discount.code if change.discount is not None else None


def cleared(plan: Plan) -> str | None:
    change = plan.change
    change.discount = None
    return code_of(change)


async def preview(session: AsyncSession, plan: Plan) -> str | None:
    change = plan.change
    if change.discount_id is not None:
        change.discount = await session.get(Discount, change.discount_id)
    else:
        change.discount = None
    return change.applied_code()


def as_is(plan: Plan) -> str | None:
    return plan.change.applied_code()


def code_as_is(plan: Plan) -> str | None:
    return code_of(plan.change)
"""


def test_a_method_a_callee_calls_after_setting_a_relationship_reads_what_it_set(tmp_path: Path) -> None:
    handler = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Plan
from app.previews import as_is, cleared, code_as_is, preview


async def previewed(session: AsyncSession) -> list[str | None]:
    plan = (await session.scalars(select(Plan).options(selectinload(Plan.change)))).one()
    return [await preview(session, plan), cleared(plan)]


async def unchanged(session: AsyncSession) -> list[str | None]:
    plan = (await session.scalars(select(Plan).options(selectinload(Plan.change)))).one()
    return [as_is(plan)]  # ASA301


async def unchanged_by_function(session: AsyncSession) -> list[str | None]:
    plan = (await session.scalars(select(Plan).options(selectinload(Plan.change)))).one()
    return [code_as_is(plan)]  # ASA301
"""
    files = {"app/db_models.py": _CHANGE_MODELS, "app/previews.py": _PREVIEWS, "app/handlers.py": handler}
    root = write_project(tmp_path / "project", files)
    assert lines_reported(root, "ASA301") == expected_lines(handler, "ASA301")


def test_the_read_right_after_a_rollback_goes_before_the_next_iterations(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import User


async def rename_all() -> None:
    async with SessionLocal() as session:
        users = (await session.scalars(select(User))).all()
        for user in users:
            user.name = user.name.title()
            try:
                await session.flush()
            except ValueError:
                await session.rollback()
                print(user.id)  # ASA302
""",
        "ASA302",
    )


def test_test_modules_are_not_judged_by_asa301(tmp_path: Path) -> None:
    reads = """\
from app.db import SessionLocal
from app.db_models import Order


async def test_order_items() -> None:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        assert order.items == []
"""
    root = write_project(
        tmp_path / "project",
        {"app/db_models.py": MODELS, "app/db.py": EXPIRING_DB, "app/reads.py": reads, "tests/test_orders.py": reads},
    )
    assert lines_reported(root, "ASA301", "app/reads.py") == [8]
    assert lines_reported(root, "ASA301", "tests/test_orders.py") == []


def test_one_lazy_load_of_an_object_is_one_finding_however_often_it_is_read(tmp_path: Path) -> None:
    # The first read raises MissingGreenlet; the reads after it never run. Another object of the
    # same query, or another relationship, is a load of its own.
    check(
        tmp_path,
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def summarise(session: AsyncSession) -> str:
    orders = (await session.scalars(select(Order))).all()
    first, last = orders[0], orders[-1]
    if first.user is not None:  # ASA301
        name = first.user.name
        email = first.user.email
    count = len(first.items)  # ASA301
    return f"{name} {email} {count} {last.user.name}"  # ASA301
""",
        "ASA301",
    )


_PROVIDERS = """\
from collections.abc import AsyncIterator

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.db_models import User


async def get_db() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


async def get_audit_db() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


async def current_user(db: AsyncSession = Depends(get_db)) -> User:
    return await db.get(User, 1)


async def admin(user: User = Depends(current_user)) -> User:
    return user
"""


def test_a_provided_object_is_judged_when_its_provider_takes_the_routes_session_provider(tmp_path: Path) -> None:
    # FastAPI calls `get_db` once per request: `current_user`'s object is in the route's session,
    # also through `admin`; `get_audit_db` is a session of its own, and a parameter the route
    # rebinds is not judged. A parameter nobody provides is the object of the function's only
    # session (test_received_objects.py).
    check(
        tmp_path,
        """\
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User
from app.deps import admin, current_user, get_audit_db, get_db

router = APIRouter()


@router.post("/a")
async def through_admin(user: User = Depends(admin), db: AsyncSession = Depends(get_db)) -> str:
    await db.rollback()
    return user.name  # ASA302


@router.post("/b")
async def other_session(user: User = Depends(current_user), db: AsyncSession = Depends(get_audit_db)) -> str:
    await db.rollback()
    return user.name


async def plain(user: User, session: AsyncSession) -> str:
    await session.rollback()
    return user.name  # ASA302


@router.post("/c")
async def rebound(user: User = Depends(current_user), db: AsyncSession = Depends(get_db)) -> str:
    user = User(name="new")
    await db.rollback()
    return user.name
""",
        "ASA302",
        app__deps=_PROVIDERS,
    )


def test_a_provided_object_holds_what_its_providers_query_loaded(tmp_path: Path) -> None:
    # `current_user` gets the user without a loader, through `admin` too: a relationship read on
    # it is a lazy load, once per object, unless the route loads it (`refresh` with the name) or
    # rebinds the name first. Columns are loaded.
    check(
        tmp_path,
        """\
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User
from app.deps import admin, current_user, get_db

router = APIRouter()


@router.get("/a")
async def orders(user: User = Depends(admin)) -> int:
    first = len(user.orders)  # ASA301
    return first + len(user.orders)


@router.get("/b")
async def refreshed(user: User = Depends(current_user), db: AsyncSession = Depends(get_db)) -> int:
    await db.refresh(user, ["orders"])
    return len(user.orders)


@router.get("/c")
async def name(user: User = Depends(current_user)) -> str:
    return user.name


@router.get("/d")
async def rebound(user: User = Depends(current_user), db: AsyncSession = Depends(get_db)) -> int:
    user = await db.get(User, 2, options=[])
    return user.id


@router.get("/e")
async def counted(user: User = Depends(current_user)) -> int:
    return order_count(user) + guarded_count(user)  # ASA301


def order_count(user: User) -> int:
    return len(user.orders)


def guarded_count(user: User) -> int:
    try:
        return len(user.orders)
    except Exception:
        return 0
""",
        "ASA301",
        app__deps=_PROVIDERS,
    )


def test_a_provided_object_handed_to_a_guarded_helper_is_its_guard(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from fastapi import Depends

from app.db_models import User
from app.deps import current_user


def guarded_count(user: User) -> int:
    try:
        return len(user.orders)
    except Exception:
        return 0


async def counted(user: User = Depends(current_user)) -> int:
    return guarded_count(user)
""",
        "ASA301",
        app__deps=_PROVIDERS,
    )


def test_a_refresh_that_fails_in_a_swallowing_try_is_not_a_missing_loader(tmp_path: Path) -> None:
    # If the refresh raises, the row is gone or the connection is lost: the later read fails for
    # that reason. A try around more than the refresh keeps judging the handler's path.
    check(
        tmp_path,
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def counts(session: AsyncSession) -> list[int]:
    orders = (await session.scalars(select(Order))).all()
    for order in orders:
        try:
            await session.refresh(order, ["items"])
        except Exception:
            pass
    return [len(order.items) for order in orders]


async def totals(session: AsyncSession) -> list[int]:
    orders = (await session.scalars(select(Order))).all()
    for order in orders:
        try:
            print(order.id)
            await session.refresh(order, ["items"])
        except Exception:
            pass
    return [len(order.items) for order in orders]  # ASA301
""",
        "ASA301",
    )


@pytest.mark.long
def test_the_order_of_expiries_on_one_line_does_not_depend_on_string_hashes(tmp_path: Path) -> None:
    # Two calls on one line hand the session to two callees: two expiries that tie on line,
    # method and session. Their order in the facts must not follow the set's hash order.
    source = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User
from app.services import archive, audit


async def handler(session: AsyncSession) -> str:
    user = await session.get(User, 1)
    await archive(session, user.id), await audit(session, user.id)
    return user.name
"""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from alchemy_lint.engine import facts_for_source\n"
        "facts = facts_for_source('app/handlers.py', sys.stdin.buffer.read(), Path('app/handlers.py'))\n"
        "(function,) = facts.functions\n"
        "assert function.loading is not None\n"
        "print([[(e.line, e.argument, repr(e.callee)) for e in a.expired_by] for a in function.loading.accesses])\n"
    )
    orders = set()
    for seed in range(6):
        done = subprocess.run(
            [sys.executable, "-c", script],
            input=source.encode(),
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        )
        orders.add(done.stdout)
    assert len(orders) == 1, orders


# advanced-alchemy's abstract bases (the library is not installed here: the index knows them by name).
ADVANCED_ALCHEMY_MODELS = """\
from advanced_alchemy.base import UUIDAuditBase
from litestar.plugins.sqlalchemy import base
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship


class Audited(UUIDAuditBase):
    __abstract__ = True


class Team(Audited):
    members: Mapped[list["Member"]] = relationship(back_populates="team")


class Member(base.UUIDBase):
    team_id: Mapped[str] = mapped_column(ForeignKey("team.id"))
    team: Mapped[Team] = relationship(back_populates="members", lazy="selectin")
"""


def test_models_on_advanced_alchemy_bases_are_judged(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Member, Team


async def sizes(session: AsyncSession) -> list[int]:
    teams = (await session.scalars(select(Team))).all()
    return [len(team.members) for team in teams]  # ASA301


async def teams_of(session: AsyncSession) -> list[str]:
    members = (await session.scalars(select(Member))).all()
    return [member.team.name for member in members]

""",
        "ASA301",
        app__db_models=ADVANCED_ALCHEMY_MODELS,
    )


def test_columns_an_advanced_alchemy_base_declares_are_read_after_expiry(tmp_path: Path) -> None:
    # `id`, `created_at` and `updated_at` come from the library's base and mixins, which the
    # project's classes do not declare; `members` is a relationship, judged by ASA301 alone.
    check(
        tmp_path,
        """\
from app.db import SessionLocal
from app.db_models import Member, Team


async def rename(team_id: str, name: str) -> str:
    async with SessionLocal() as session:
        team = await session.get(Team, team_id)
        assert team is not None
        await session.commit()
        return f"{team.id} {team.created_at}"  # ASA302


async def join(member_id: str) -> str:
    async with SessionLocal() as session:
        member = await session.get(Member, member_id)
        assert member is not None
        await session.commit()
        return str(member.id)  # ASA302
""",
        "ASA302",
        app__db_models=ADVANCED_ALCHEMY_MODELS,
    )


def test_a_loader_chain_of_three_steps_is_known_and_judged(tmp_path: Path) -> None:
    # A third `.selectinload()` made the chain unknown, and every read of the query unjudged.
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, OrderItem, User


async def history(session: AsyncSession, item_id: int) -> int:
    item = await session.get(
        OrderItem,
        item_id,
        options=[selectinload(OrderItem.order).selectinload(Order.user).selectinload(User.orders)],
    )
    assert item is not None
    loaded = len(item.order.user.orders)
    return loaded + len(item.order.items)  # ASA301
""",
        "ASA301",
    )


def test_a_helper_reading_five_steps_down_is_judged_at_the_handover(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, OrderItem, User


def items_of_the_buyer(item: OrderItem) -> int:
    return sum(len(order.items) for order in item.order.user.orders)


async def history(session: AsyncSession, item_id: int) -> int:
    item = await session.get(
        OrderItem,
        item_id,
        options=[selectinload(OrderItem.order).selectinload(Order.user).selectinload(User.orders)],
    )
    assert item is not None
    return items_of_the_buyer(item)  # ASA301
""",
        "ASA301",
    )


def test_a_relationship_read_behind_its_foreign_key_in_an_or_loads_nothing(tmp_path: Path) -> None:
    # With the key set, the `or` never reads the relationship; with no key, a many-to-one loads
    # nothing. Only the read that no key guards is reported.
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


def buyer_id(order: Order) -> int:
    return order.user_id or order.user.id


def buyer_name(order: Order) -> str:
    return order.user_id and order.user.name


async def show(session: AsyncSession, order_id: int) -> str:
    order = await session.get(Order, order_id)
    assert order is not None
    return f"{buyer_id(order)}"


async def show_name(session: AsyncSession, order_id: int) -> str:
    order = await session.get(Order, order_id)
    assert order is not None
    return buyer_name(order)  # ASA301
""",
        "ASA301",
    )


def test_an_object_in_a_dict_with_constant_keys_keeps_its_query(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def summary(session: AsyncSession, detailed: bool) -> str:
    loaded = (await session.scalars(select(Order).options(selectinload(Order.items)))).first()
    plain = await session.get(Order, 1)
    bag = {"loaded": loaded, "plain": plain, "count": 2}
    if detailed:
        bag = {"loaded": loaded, "plain": plain, "count": 3}
    first = len(bag["loaded"].items)
    second = len(bag["plain"].items)  # ASA301
    third = bag.get("plain").user.name  # ASA301
    return f"{first} {second} {third} {bag['count']}"
""",
        "ASA301",
    )


def test_an_object_a_helper_returns_under_a_dict_key_is_judged_by_its_query(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def context_of(session: AsyncSession) -> dict[str, Any]:
    order = (await session.scalars(select(Order).options(selectinload(Order.user)))).one()
    return {"order": order, "first": await session.get(Order, 2), "total": 3}


async def by_name(session: AsyncSession) -> dict[str, Order]:
    return {order.status: order for order in (await session.scalars(select(Order))).all()}


async def heading(session: AsyncSession) -> str:
    context = await context_of(session)
    name = context["order"].user.name
    first = len(context.get("first").items)  # ASA301
    return f"{name} {first} {context['total']}"


async def open_items(session: AsyncSession) -> int:
    orders = await by_name(session)
    return len(orders["open"].items)  # ASA301
""",
        "ASA301",
    )
