"""ASA301 on statements built in one function and run in another: helpers, generic repository
bases, `options` parameters, and the links they need (`-> Self`, generic bases, `model = X`)."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project

from alchemy_lint.rules.loading_examples import MODELS

_DESCRIBE = """\
from app.db_models import Order


async def describe(order: Order) -> str:
    return order.user.name
"""

_SERVICE = """\
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


class OrderService:
    def _readable(self, status: str) -> Select[tuple[Order]]:
        statement = select(Order).where(Order.status == status)
        return statement

    async def get(self, session: AsyncSession, status: str, *, options: Sequence[Any] | None = None) -> Order | None:
        statement = self._readable(status).where(Order.id == 1)
        if options is not None:
            statement = statement.options(*options)
        result = await session.execute(statement)
        return result.unique().scalar_one_or_none()


order_service = OrderService()
"""

_REPOSITORY = """\
from collections.abc import Sequence
from typing import Any, Generic, Self, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order

M = TypeVar("M")


class RepositoryBase(Generic[M]):
    model: type[M]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_one_or_none(self, statement: Select[tuple[M]]) -> M | None:
        result = await self.session.execute(statement)
        return result.unique().scalar_one_or_none()

    async def get_all(self, statement: Select[tuple[M]]) -> Sequence[M]:
        result = await self.session.execute(statement)
        return result.scalars().unique().all()

    def get_base_statement(self) -> Select[tuple[M]]:
        return select(self.model)

    @classmethod
    def from_session(cls, session: AsyncSession) -> Self:
        return cls(session)


class SoftDeletionMixin(Generic[M]):
    def get_base_statement(self, *, include_deleted: bool = False) -> Select[tuple[M]]:
        statement = super().get_base_statement()
        if not include_deleted:
            statement = statement.where(self.model.status != "deleted")
        return statement


class OrderRepository(SoftDeletionMixin[Order], RepositoryBase[Order]):
    model = Order

    async def get_by_status(self, status: str) -> Sequence[Order]:
        statement = self.get_base_statement().where(Order.status == status)
        return await self.get_all(statement)

    async def get_by_id(self, id: int, *, options: Sequence[Any] = ()) -> Order | None:
        statement = self.get_base_statement().where(self.model.id == id).options(*options)
        return await self.get_one_or_none(statement)
"""


def check(tmp_path: Path, handler: str, **others: str) -> None:
    """The handler's `# ASA301` markers are exactly the lines reported."""
    files = {"app/db_models.py": MODELS, "app/describe.py": _DESCRIBE, "app/handlers.py": handler}
    files.update({name.replace("__", "/") + ".py": source for name, source in others.items()})
    root = write_project(tmp_path / "project", files)
    reported = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")]
    assert reported == expected_lines(handler, "ASA301")


def test_statement_from_a_helper_method_is_judged_where_its_objects_go(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order
from app.describe import describe
from app.service import order_service


async def plain(session: AsyncSession) -> str | None:
    order = await order_service.get(session, "new")
    if order is None:
        return None
    return await describe(order)  # ASA301


async def loaded(session: AsyncSession) -> str | None:
    order = await order_service.get(session, "new", options=[selectinload(Order.user)])
    if order is None:
        return None
    return await describe(order)
""",
        app__service=_SERVICE,
    )


def test_generic_repository_statement_selects_the_subclass_model(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.describe import describe
from app.repository import OrderRepository


async def each(session: AsyncSession) -> None:
    repository = OrderRepository.from_session(session)
    for order in await repository.get_by_status("new"):
        await describe(order)  # ASA301


async def one(session: AsyncSession) -> str | None:
    order = await OrderRepository(session).get_by_id(1)
    if order is None:
        return None
    return await describe(order)  # ASA301
""",
        app__repository=_REPOSITORY,
    )


def test_options_the_caller_passes_are_the_statements_loaders(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app.db_models import Order
from app.describe import describe
from app.repository import OrderRepository


async def loaded(session: AsyncSession) -> str | None:
    order = await OrderRepository(session).get_by_id(1, options=(joinedload(Order.user),))
    if order is None:
        return None
    return await describe(order)


async def unknown(session: AsyncSession, options: Sequence[Any]) -> str | None:
    order = await OrderRepository(session).get_by_id(1, options=options)
    if order is None:
        return None
    return await describe(order)


async def spread(session: AsyncSession, extra: dict[str, Any]) -> str | None:
    order = await OrderRepository(session).get_by_id(1, **extra)
    if order is None:
        return None
    return await describe(order)
""",
        app__repository=_REPOSITORY,
    )


def test_repository_without_a_model_attribute_is_not_judged(tmp_path: Path) -> None:
    unnamed = _REPOSITORY.replace("    model = Order\n", "")
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.describe import describe
from app.repository import OrderRepository


async def each(session: AsyncSession) -> None:
    for order in await OrderRepository(session).get_by_status("new"):
        await describe(order)
""",
        app__repository=unnamed,
    )


def test_subclass_override_of_the_base_statement_is_the_one_that_runs(tmp_path: Path) -> None:
    overriding = (
        _REPOSITORY
        + """

class EagerOrderRepository(OrderRepository):
    def get_base_statement(self, *, include_deleted: bool = False) -> Select[tuple[Order]]:
        return select(Order).options(selectinload(Order.user))
"""
    )
    overriding = overriding.replace(
        "from sqlalchemy import Select, select\n",
        "from sqlalchemy import Select, select\nfrom sqlalchemy.orm import selectinload\n",
    )
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.describe import describe
from app.repository import EagerOrderRepository, OrderRepository


async def each(session: AsyncSession) -> None:
    for order in await EagerOrderRepository(session).get_by_status("new"):
        await describe(order)


async def each_of_the_base(session: AsyncSession) -> None:
    for order in await OrderRepository(session).get_by_status("new"):
        await describe(order)  # ASA301
""",
        app__repository=overriding,
    )


_PASSED_UP = """\
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order

M = TypeVar("M")


class Repository(Generic[M]):
    def __init__(self, model: type[M], session: AsyncSession) -> None:
        self.model = model
        self.session = session

    async def find(self, id: int) -> M | None:
        result = await self.session.execute(select(self.model).where(self.model.id == id))
        return result.scalar_one_or_none()

    async def get(self, id: int, options: Any = None) -> M | None:
        return await self.session.get(self.model, id, options=options)

    async def get_plain(self, id: int) -> M | None:
        return await self.session.get(self.model, id)


class OrderRepository(Repository[Order]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(Order, session)


class UnnamedRepository(Repository[Order]):
    def __init__(self, session: AsyncSession, model: Any) -> None:
        super().__init__(model, session)
"""


def test_a_model_a_subclass_passes_up_to_the_base_constructor_is_the_statements(tmp_path: Path) -> None:
    # `super().__init__(Order, session)` sets the base's `self.model`: `select(self.model)` and
    # `session.get(self.model, id)` load an Order; `options=options` left at its None default
    # loads nothing either (tests/test_option_parameters.py runs it), and a model the subclass
    # itself receives names nothing.
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.describe import describe
from app.repository import OrderRepository, UnnamedRepository


async def found(session: AsyncSession) -> str | None:
    order = await OrderRepository(session).find(1)
    return await describe(order)  # ASA301


async def got(session: AsyncSession) -> str | None:
    order = await OrderRepository(session).get_plain(1)
    return await describe(order)  # ASA301


async def with_options(session: AsyncSession) -> str | None:
    order = await OrderRepository(session).get(1)
    return await describe(order)  # ASA301


async def unnamed(session: AsyncSession, model: object) -> str | None:
    order = await UnnamedRepository(session, model).find(1)
    return await describe(order)
""",
        app__repository=_PASSED_UP,
    )
