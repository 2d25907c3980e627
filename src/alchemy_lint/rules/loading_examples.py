"""The VALID/INVALID examples of ASA301 and ASA302: runnable programs, not fragments.

The test suite executes every one against SQLAlchemy with aiosqlite: it raises where the rule reports.
"""

from __future__ import annotations

from alchemy_lint.rules.base import Example

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, WriteOnlyMapped, mapped_column, relationship


class Base(AsyncAttrs, DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    orders: Mapped[list["Order"]] = relationship(back_populates="user")
    addresses: Mapped[list["Address"]] = relationship(lazy="selectin")


class Address(Base):
    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    city: Mapped[str]


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str]
    user: Mapped[User] = relationship(back_populates="orders")
    items: Mapped[list["OrderItem"]] = relationship(back_populates="order")
    events: WriteOnlyMapped["OrderEvent"] = relationship()

    @property
    def item_count(self) -> int:
        return len(self.items)


class OrderItem(Base):
    __tablename__ = "order_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]
    order: Mapped[Order] = relationship(back_populates="items")
    product: Mapped[Product] = relationship()


class OrderEvent(Base):
    __tablename__ = "order_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    kind: Mapped[str]
"""

SQLMODEL_MODELS = """\
from sqlmodel import Field, Relationship, SQLModel


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    heroes: list["Hero"] = Relationship(back_populates="team")


class Hero(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    team_id: int | None = Field(default=None, foreign_key="team.id")
    team: Team | None = Relationship(back_populates="heroes")
"""


def _database(expire_on_commit: bool | None) -> str:
    # The factory line is what tells an ASA302 example from its twin: the comment says so on the page.
    if expire_on_commit is None:
        factory = "async_sessionmaker(engine)  # expire_on_commit=True, the default: commit() expires every object"
    else:
        factory = f"async_sessionmaker(engine, expire_on_commit={expire_on_commit})"
    return (
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        "from sqlalchemy.pool import StaticPool\n\n"
        'engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)\n'
        f"SessionLocal = {factory}\n"
    )


_MODELS_FILE = ("app/db_models.py", MODELS)
_EXPIRING_DB = ("app/db.py", _database(None))
_KEEPING_DB = ("app/db.py", _database(False))

_REPOSITORY = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def get_order(session: AsyncSession, order_id: int) -> Order | None:
    return await session.get(Order, order_id)


async def get_order_with_items(session: AsyncSession, order_id: int) -> Order:
    statement = select(Order).where(Order.id == order_id).options(selectinload(Order.items))
    return (await session.scalars(statement)).one()


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_open(self) -> list[Order]:
        result = await self.session.execute(select(Order).where(Order.status != "closed"))
        return list(result.scalars().all())
"""
_REPOSITORY_FILE = ("app/repository.py", _REPOSITORY)

_HELPERS = """\
def customer_name(order) -> str:
    return order.user.name


def buyer(order):
    return getattr(order, "user", None)


def product_line(item) -> str:
    return f"{item.order.user.name}: {item.quantity}"
"""
_HELPERS_FILE = ("app/invoices.py", _HELPERS)

_SCHEMAS = """\
from pydantic import BaseModel, ConfigDict


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    quantity: int
    product: ProductOut


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    items: list[ItemOut]


class OrderSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    status: str
"""
_SCHEMAS_FILE = ("app/schemas.py", _SCHEMAS)

#: A page wrapper: its constructor validates each item as `OrderOut.model_validate(item)` does.
_PAGES = """\
from pydantic import BaseModel

from app.schemas import OrderOut, OrderSummary


class OrderPage(BaseModel):
    items: list[OrderOut]
    total: int = 0


class SummaryPage(BaseModel):
    items: list[OrderSummary]
"""
_PAGES_FILE = ("app/pages.py", _PAGES)

#: pydantic v1 schemas whose `Config.getter_dict` decides what validation reads of an order.
_GETTER_SCHEMAS = """\
from typing import Any, Optional

from pydantic.v1 import BaseModel
from pydantic.v1.utils import GetterDict


class OrderGetter(GetterDict):
    def get(self, key: str, default: Any) -> Any:
        if key == "items" and "items" not in self._obj.__dict__:
            return default  # not loaded: no lazy load, the field keeps its default
        return super().get(key, default)


class CountingGetter(GetterDict):
    def get(self, key: str, default: Any) -> Any:
        if key == "items":
            return [{"quantity": item.quantity} for item in self._obj.items]
        return super().get(key, default)


class ItemOut(BaseModel):
    quantity: int

    class Config:
        orm_mode = True


class OrderOut(BaseModel):
    id: int
    items: Optional[list[ItemOut]]

    class Config:
        orm_mode = True
        getter_dict = OrderGetter


class OrderCounts(BaseModel):
    id: int
    items: list[ItemOut]

    class Config:
        orm_mode = True
        getter_dict = CountingGetter
"""
_GETTER_SCHEMAS_FILE = ("app/schemas_v1.py", _GETTER_SCHEMAS)

#: A model that reads a relationship in its `__str__` and through an association proxy.
_ACCOUNTS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Identity(Base):
    __tablename__ = "identities"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str]


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id"))
    plan: Mapped[str]
    identity: Mapped[Identity] = relationship()
    username: AssociationProxy[str] = association_proxy("identity", "username")

    def __str__(self) -> str:
        return f"{self.plan} account of {self.identity.username}"
"""
_ACCOUNTS_FILE = ("app/accounts.py", _ACCOUNTS)

_PAIRS = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, User


async def user_and_order(session: AsyncSession, order_id: int) -> tuple[User, Order]:
    user = await session.get(User, 1)
    order = await session.get(Order, order_id)
    return user, order


async def user_and_order_with_items(session: AsyncSession, order_id: int) -> tuple[User, Order]:
    user = await session.get(User, 1)
    statement = select(Order).where(Order.id == order_id).options(selectinload(Order.items))
    order = (await session.scalars(statement)).one()
    return user, order
"""
_PAIRS_FILE = ("app/pairs.py", _PAIRS)

# A generic repository: the base builds the statement from the subclass's `model`, a mixin
# narrows it through `super()`, the subclass adds criteria, and the base runs it.
_GENERIC_REPOSITORY = """\
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import Self

from app.db_models import Order

M = TypeVar("M", bound=Any)


class RepositoryBase(Generic[M]):
    model: type[M]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> Self:
        return cls(session)

    def get_base_statement(self) -> Select[tuple[M]]:
        return select(self.model)

    async def get_all(self, statement: Select[tuple[M]]) -> Sequence[M]:
        result = await self.session.execute(statement)
        return result.scalars().unique().all()

    async def update(self, obj: M, *, update_dict: dict[str, Any] | None = None, flush: bool = False) -> M:
        for key, value in (update_dict or {}).items():
            setattr(obj, key, value)
        self.session.add(obj)
        if flush:
            await self.session.flush()
        return obj


class NotCancelledMixin(Generic[M]):
    def get_base_statement(self) -> Select[tuple[M]]:
        statement: Select[tuple[M]] = super().get_base_statement()  # type: ignore[misc]
        return statement.where(self.model.status != "cancelled")  # type: ignore[attr-defined]


class OrderRepository(NotCancelledMixin[Order], RepositoryBase[Order]):
    model = Order

    async def list_all(self, *, options: Sequence[Any] = ()) -> Sequence[Order]:
        statement = self.get_base_statement().order_by(Order.id).options(*options)
        return await self.get_all(statement)
"""
_GENERIC_REPOSITORY_FILE = ("app/generic_repository.py", _GENERIC_REPOSITORY)

_SERVICES = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def close_order(session: AsyncSession, order: Order) -> None:
    order.status = "closed"
    await session.commit()


async def try_to_close(session: AsyncSession, order: Order) -> bool:
    try:
        order.status = "closed"
        await session.commit()
    except Exception:
        await session.rollback()
        return False
    return True
"""
_SERVICES_FILE = ("app/services.py", _SERVICES)

_TAGGING = """\
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import OrderEvent


async def tag_order(session: AsyncSession, order_id: int) -> bool:
    try:
        session.add(OrderEvent(id=order_id, order_id=order_id, kind="tagged"))
        await session.flush()
    except IntegrityError:
        await session.rollback()
        return False
    return True
"""
_TAGGING_FILE = ("app/tagging.py", _TAGGING)

#: A helper that checks its argument before it tries, then rolls back on an error it swallows.
_CHECKED_TAGGING = """\
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import OrderEvent


async def tag_checked(session: AsyncSession, order_id: int) -> bool:
    if order_id <= 0:
        raise ValueError("order_id must be positive")
    try:
        session.add(OrderEvent(id=order_id, order_id=order_id, kind="tagged"))
        await session.flush()
    except IntegrityError:
        await session.rollback()
        return False
    return True
"""
_CHECKED_TAGGING_FILE = ("app/checked_tagging.py", _CHECKED_TAGGING)

#: A CRUD layer that commits unless its caller passes a unit of work of its own.
_CRUD = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


class UnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


class OrderCRUD:
    async def update(self, session: AsyncSession, order: Order, status: str, uow: UnitOfWork | None = None) -> Order:
        order.status = status
        if uow is None:
            await session.commit()
            await session.refresh(order)
        return order


orders = OrderCRUD()
"""
_CRUD_FILE = ("app/crud.py", _CRUD)

#: CRUD helpers that create an order in the session they are given and return it.
_PLACING = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, User


async def place_order(session: AsyncSession, user_id: int) -> Order:
    order = Order(user_id=user_id, status="new")
    session.add(order)
    await session.commit()
    await session.refresh(order)
    return order


async def place_order_with_items(session: AsyncSession, user_id: int) -> Order:
    order = Order(user_id=user_id, status="new")
    session.add(order)
    await session.commit()
    await session.refresh(order, ["items"])
    return order


async def place_order_for(session: AsyncSession, user: User) -> Order:
    order = Order(user=user, status="new")
    session.add(order)
    await session.flush()
    return order


async def add_order(session: AsyncSession, user_id: int) -> Order:
    order = Order(user_id=user_id, status="new")
    session.add(order)
    await session.flush()
    return order
"""
_PLACING_FILE = ("app/placing.py", _PLACING)

#: A service's store, typed by a protocol; the one class that implements it is what runs.
_STORES = """\
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


class OrderStore(Protocol):
    async def close(self, session: AsyncSession, order: Order) -> None: ...


class SqlOrderStore:
    async def close(self, session: AsyncSession, order: Order) -> None:
        order.status = "closed"
        await session.commit()
"""
_STORES_FILE = ("app/stores.py", _STORES)

#: Helpers that save a new object the caller built, each committing the session it is given.
_SAVING = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


async def create_user(session: AsyncSession, user: User) -> None:
    session.add(user)
    await session.commit()


async def finish(session: AsyncSession) -> None:
    await session.commit()


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, user: User) -> None:
        self.session.add(user)
        await self.session.commit()
"""
_SAVING_FILE = ("app/saving.py", _SAVING)

#: Getters that load under a flag the caller passes, and a lookup that returns `[]` early.
_FLAGGED_GETTERS = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def find_order(session: AsyncSession, order_id: int, with_items: bool = False) -> Order:
    statement = select(Order).where(Order.id == order_id)
    if with_items:
        statement = statement.options(selectinload(Order.items))
    return (await session.scalars(statement)).one()


async def order_or_404(session: AsyncSession, order_id: int, with_items: bool = False) -> Order:
    order = await find_order(session, order_id, with_items)
    if order is None:
        raise LookupError(order_id)
    return order


class OrderLookup:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open_orders(self) -> list[Order]:
        return list((await self.session.scalars(select(Order).where(Order.status != "closed"))).all())

    async def open_orders_of(self, user_ids: list[int]) -> list[Order]:
        if not user_ids:
            return []
        return await self.open_orders()
"""
_FLAGGED_GETTERS_FILE = ("app/orders.py", _FLAGGED_GETTERS)

_LABELS = """\
from app.invoices import buyer, customer_name

LABELS = {"customer": customer_name, "buyer": buyer}
"""
_LABELS_FILE = ("app/labels.py", _LABELS)

_PROBES = """\
from sqlalchemy.exc import MissingGreenlet, StatementError


def known_buyer(order) -> str:
    try:
        user = getattr(order, "user", None)
    except (MissingGreenlet, StatementError):  # bare on SQLAlchemy 2.0, wrapped on 2.1
        user = None
    return user.name if user is not None else "unknown"
"""
_PROBES_FILE = ("app/probes.py", _PROBES)

_DEPENDENCIES = """\
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.db_models import User


async def get_db() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


async def current_user(db: AsyncSession = Depends(get_db)) -> User:
    user = await db.get(User, 1)
    assert user is not None
    return user


async def guest_user() -> User:
    async with SessionLocal() as session:
        user = await session.get(User, 2)
        assert user is not None
        return user


def require_role(role: str) -> Callable[..., Awaitable[User]]:
    async def dependency(user: User = Depends(current_user), db: AsyncSession = Depends(get_db)) -> User:
        assert role
        return user

    return dependency


SessionDep = Annotated[AsyncSession, Depends(get_db)]
CurrentUser = Annotated[User, Depends(current_user)]
"""
_DEPENDENCIES_FILE = ("app/deps.py", _DEPENDENCIES)


def _session_source(expire_on_commit: bool | None) -> tuple[str, str]:
    """A callable class whose instance opens the sessions of the sessionmaker it was given."""
    options = "" if expire_on_commit is None else f", expire_on_commit={expire_on_commit}"
    return (
        "app/sessions.py",
        f"""\
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db import engine


class SessionSource:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    def __call__(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self._open()

    @asynccontextmanager
    async def _open(self) -> AsyncIterator[AsyncSession]:
        async with self._sessionmaker() as session:
            yield session


sessions = SessionSource(async_sessionmaker(engine{options}))
""",
    )


#: A class whose instances exist to be entered: `async with GetDB() as session`.
_CONTEXT_MANAGER_CLASS = (
    "app/sessions.py",
    """\
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal


class GetDB:
    def __init__(self) -> None:
        self.db = SessionLocal()

    async def __aenter__(self) -> AsyncSession:
        return self.db

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.db.close()
""",
)
_EXPIRING_SOURCE = _session_source(None)
_KEEPING_SOURCE = _session_source(False)


_PRICING = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import OrderItem, Product


async def describe(session: AsyncSession, item: OrderItem, product_id: int | None) -> str:
    if product_id is not None:
        item.product = await session.get(Product, product_id)
    return label(item)


def label(item: OrderItem) -> str:
    return f"{item.quantity} x {item.product.name}"
"""
_PRICING_FILE = ("app/pricing.py", _PRICING)
_PRICING_BOTH = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import OrderItem, Product


async def describe(session: AsyncSession, item: OrderItem, product_id: int | None) -> str:
    if product_id is not None:
        item.product = await session.get(Product, product_id)
    else:
        item.product = None
    product = item.product
    return f"{item.quantity} x {product.name if product else '-'}"
"""
_PRICING_BOTH_FILE = ("app/pricing.py", _PRICING_BOTH)


def _example(source: str, *others: tuple[str, str], title: str, topic: str, fixed: str | None = None) -> Example:
    """An example in app/handlers.py; the files that make it what it is come first, the models last."""
    return Example(source, others=(*others, _MODELS_FILE), fixed=fixed, title=title, topic=topic)


#: A helper whose session parameter has no annotation: only its caller says what the session is.
_CALLERS_SESSION = """\
from app.db import SessionLocal
from app.db_models import Order


async def reopen(order_id: int) -> str:
    async with SessionLocal() as session:
        return await _reopen(session, order_id)


async def _reopen(db, order_id):
    order = await db.get(Order, order_id)
    order.status = "open"
    await db.commit()
    return order.status  # ASA302
"""

# The headings ASA301's page groups its examples under, from the simplest case to the cross-function ones.
_NOT_LOADED = "Relationships the query did not load"
_LOADER_REACH = "What a loader option reaches"
_ELSEWHERE = "Objects from another function, a tuple or a dict"
_HANDED_OVER = "Relationships read by the code an object is handed to: helpers, properties, schemas"

# ASA302's headings.
_AFTER_COMMIT = "Reads after `commit()`"
_AFTER_ROLLBACK = "Reads after `rollback()`"
_BARE_SESSION = "A session opened without the factory"
_SESSION_SOURCE = "A session from a project class that wraps a factory"
_HANDED_EXPIRED = "An expired object handed to code that reads it"
_COMMIT_ELSEWHERE = "A commit in a helper"
_RECEIVED = "Objects received as parameters"

#: A helper that takes the caller's session and one of its objects, the pair real handlers take.
_RECEIVED_PAIR = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.db_models import User


async def rename_user(user_id: int, name: str) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return await rename(session, user, name)


async def rename(session: AsyncSession, user: User, name: str) -> str:
    user.name = name
    await session.rollback()
"""
_INJECTED = "Objects a FastAPI dependency provides"


ASA301_INVALID: tuple[Example, ...] = (
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def order_quantity(session: AsyncSession, order_id: int) -> int:
    result = await session.execute(select(Order).where(Order.id == order_id))
    order = result.scalars().one()
    return sum(item.quantity for item in order.items)  # ASA301
""",
        fixed="""\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def order_quantity(session: AsyncSession, order_id: int) -> int:
    result = await session.execute(select(Order).where(Order.id == order_id))
    order = result.scalars().one()
    return sum(item.quantity for item in (await order.awaitable_attrs.items))
""",
        title="A collection read on an object from a `select()` with no loader option",
        topic=_NOT_LOADED,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, OrderItem


async def add_item(session: AsyncSession, order_id: int, product_id: int) -> None:
    order = await session.get(Order, order_id)
    order.items.append(OrderItem(product_id=product_id, quantity=1))  # ASA301
    await session.commit()
""",
        fixed="""\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, OrderItem


async def add_item(session: AsyncSession, order_id: int, product_id: int) -> None:
    order = await session.get(Order, order_id)
    (await order.awaitable_attrs.items).append(OrderItem(product_id=product_id, quantity=1))
    await session.commit()
""",
        title="`order.items.append(...)` after `session.get()`",
        topic=_NOT_LOADED,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def customer_name(session: AsyncSession, order_id: int) -> str:
    order = await session.get(Order, order_id)
    customer = getattr(order, "user", None)  # ASA301
    return customer.name if customer else ""
""",
        title='`getattr(order, "user", None)` after `session.get()`',
        topic=_NOT_LOADED,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def clear_items(session: AsyncSession, order_id: int) -> None:
    order = await session.get(Order, order_id)
    order.items = []  # ASA301
    await session.commit()
""",
        title="Replacing a collection (`order.items = []`) after `session.get()`",
        topic=_NOT_LOADED,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


async def register(session: AsyncSession, name: str) -> int:
    user = User(name=name)
    session.add(user)
    await session.commit()
    return len(user.orders)  # ASA301
""",
        fixed="""\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


async def register(session: AsyncSession, name: str) -> int:
    user = User(name=name)
    session.add(user)
    await session.commit()
    return len((await user.awaitable_attrs.orders))
""",
        title="A collection of an object this function added and committed",
        topic=_NOT_LOADED,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Address, User


async def register(session: AsyncSession, name: str, city: str) -> list[str]:
    user = User(name=name)
    session.add(user)
    await session.flush()
    session.add(Address(user_id=user.id, city=city))
    await session.flush()
    return [address.city for address in user.addresses]  # ASA301
""",
        fixed="""\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Address, User


async def register(session: AsyncSession, name: str, city: str) -> list[str]:
    user = User(name=name)
    session.add(user)
    await session.flush()
    session.add(Address(user_id=user.id, city=city))
    await session.flush()
    return [address.city for address in (await user.awaitable_attrs.addresses)]
""",
        title='A `lazy="selectin"` collection of an object this function added and flushed: no query loaded it',
        topic=_NOT_LOADED,
    ),
    Example(
        """\
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Team


async def team_size(session: AsyncSession, team_id: int) -> int:
    team = (await session.exec(select(Team).where(Team.id == team_id))).one()
    return len(team.heroes)  # ASA301
""",
        others=(("app/models.py", SQLMODEL_MODELS),),
        title="SQLModel: `team.heroes` after `session.exec(select(Team))`",
        topic=_NOT_LOADED,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def order_lines(session: AsyncSession, detailed: bool) -> list[int]:
    statement = select(Order).where(Order.id == 1)
    if detailed:
        statement = statement.options(selectinload(Order.items))
    order = (await session.scalars(statement)).one()
    return [item.quantity for item in order.items]  # ASA301
""",
        fixed="""\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def order_lines(session: AsyncSession, detailed: bool) -> list[int]:
    statement = select(Order).where(Order.id == 1)
    if detailed:
        statement = statement.options(selectinload(Order.items))
    order = (await session.scalars(statement)).one()
    return [item.quantity for item in (await order.awaitable_attrs.items)]
""",
        title="`selectinload` added on one branch, the collection read on both",
        topic=_LOADER_REACH,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, OrderItem


async def busy_orders(session: AsyncSession) -> list[int]:
    statement = select(Order).join(Order.items).where(OrderItem.quantity > 0)
    orders = (await session.scalars(statement)).unique().all()
    return [len(order.items) for order in orders]  # ASA301
""",
        fixed="""\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, OrderItem


async def busy_orders(session: AsyncSession) -> list[int]:
    statement = select(Order).join(Order.items).where(OrderItem.quantity > 0)
    orders = (await session.scalars(statement)).unique().all()
    return [len((await order.awaitable_attrs.items)) for order in orders]
""",
        title="`join(Order.items)` alone: the join filters, it loads nothing",
        topic=_LOADER_REACH,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def product_names(session: AsyncSession, order_id: int) -> list[str]:
    statement = select(Order).where(Order.id == order_id).options(selectinload(Order.items))
    order = (await session.execute(statement)).scalar_one()
    names = []
    for item in order.items:
        names.append(item.product.name)  # ASA301
    return names
""",
        fixed="""\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def product_names(session: AsyncSession, order_id: int) -> list[str]:
    statement = select(Order).where(Order.id == order_id).options(selectinload(Order.items))
    order = (await session.execute(statement)).scalar_one()
    names = []
    for item in order.items:
        names.append((await item.awaitable_attrs.product).name)
    return names
""",
        title="A loader for `Order.items` that does not reach `item.product`",
        topic=_LOADER_REACH,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload, selectinload

from app.db_models import User


async def user_cities(session: AsyncSession, user_id: int) -> list[str]:
    statement = select(User).where(User.id == user_id).options(lazyload("*"), selectinload(User.orders))
    user = (await session.scalars(statement)).one()
    return [address.city for address in user.addresses]  # ASA301
""",
        fixed="""\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload, selectinload

from app.db_models import User


async def user_cities(session: AsyncSession, user_id: int) -> list[str]:
    statement = select(User).where(User.id == user_id).options(lazyload("*"), selectinload(User.orders))
    user = (await session.scalars(statement)).one()
    return [address.city for address in (await user.awaitable_attrs.addresses)]
""",
        title='`lazyload("*")` turns off the mapper\'s `lazy="selectin"` of `User.addresses`',
        topic=_LOADER_REACH,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload

from app.db_models import User


async def address_count(session: AsyncSession, user_id: int) -> int:
    user = (await session.scalars(select(User).where(User.id == user_id).options(lazyload(User.addresses)))).one()
    return len(user.addresses)  # ASA301
""",
        title="`lazyload(User.addresses)` on a relationship the mapper loads with `selectin`",
        topic=_LOADER_REACH,
    ),
    _example(
        """\
from fastapi import Depends

from app.db_models import User
from app.deps import current_user


async def my_order_count(user: User = Depends(current_user)) -> int:
    return len(user.orders)  # ASA301
""",
        _KEEPING_DB,
        _DEPENDENCIES_FILE,
        title="An object a FastAPI dependency loaded without a loader for the relationship read",
        topic=_INJECTED,
    ),
    _example(
        """\
from app.deps import CurrentUser
from app.reports import order_count


async def my_order_count(user: CurrentUser) -> int:
    return order_count(user)  # ASA301
""",
        _KEEPING_DB,
        _DEPENDENCIES_FILE,
        (
            "app/reports.py",
            "from app.db_models import User\n\n\ndef order_count(user: User) -> int:\n    return len(user.orders)\n",
        ),
        title="The same through an `Annotated` alias, read by a helper the object is handed to",
        topic=_INJECTED,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def has_customer(session: AsyncSession, order_id: int) -> bool:
    order = await session.get(Order, order_id)
    return hasattr(order, "user")  # ASA301
""",
        title='`hasattr(order, "user")` after `session.get()`: it reads the attribute and lets MissingGreenlet out',
        topic=_NOT_LOADED,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def item_total(session: AsyncSession) -> int:
    result = await session.stream(select(Order))
    total = 0
    async for order in result.scalars():
        total += len(order.items)  # ASA301
    return total
""",
        title="An object streamed with `session.stream()`, read in the `async for` over its rows",
        topic=_NOT_LOADED,
    ),
)

ASA301_VALID: tuple[Example, ...] = (
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def order_quantity(session: AsyncSession, order_id: int) -> int:
    statement = select(Order).where(Order.id == order_id).options(selectinload(Order.items))
    order = (await session.execute(statement)).scalars().one()
    return sum(item.quantity for item in order.items)
""",
        title="`selectinload(Order.items)` on the query",
        topic=_NOT_LOADED,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from app.db_models import Order, OrderItem


async def add_item(session: AsyncSession, order_id: int, product_id: int) -> str:
    order = await session.get(Order, order_id, options=[selectinload(Order.items), joinedload(Order.user)])
    order.items.append(OrderItem(product_id=product_id, quantity=1))
    await session.commit()
    return order.user.name
""",
        title="Loader options passed to `session.get(..., options=[...])`",
        topic=_NOT_LOADED,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, OrderItem


async def add_and_count(session: AsyncSession, order_id: int, product_id: int) -> int:
    order = await session.get(Order, order_id)
    session.add(OrderItem(order_id=order.id, product_id=product_id, quantity=1))
    await session.flush()
    statement = select(Order).where(Order.id == order.id).options(selectinload(Order.items))
    again = (await session.scalars(statement)).first()
    return len((again or order).items)
""",
        title="The object's own row selected again by its primary key: the identity map gives back that object, loaded",
        topic=_NOT_LOADED,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, User


async def reassign(session: AsyncSession, order_id: int, user_id: int) -> str:
    order = await session.get(Order, order_id)
    user = User(name="new owner", addresses=[], orders=[])
    order.user = user
    session.add(user)
    await session.flush()
    return f"{order.user.name} {len(user.orders)} {len(user.addresses)}"
""",
        title="A new object given its collections, and a many-to-one assigned before it is read",
        topic=_NOT_LOADED,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, OrderEvent, User


async def user_summary(session: AsyncSession, user_id: int) -> list[str]:
    user = await session.get(User, user_id)
    cities = [address.city for address in user.addresses]
    order = (await session.scalars(select(Order).where(Order.user_id == user_id))).first()
    order.events.add(OrderEvent(kind="viewed"))
    events = (await session.scalars(order.events.select())).all()
    sizes = await session.run_sync(lambda sync_session: len(order.items))
    return [*cities, str(len(events)), str(sizes)]
""",
        title='Relationships that never lazy-load: `lazy="selectin"`, write-only, and inside `run_sync`',
        topic=_NOT_LOADED,
    ),
    Example(
        """\
from sqlalchemy.orm import selectinload
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Team


async def team_size(session: AsyncSession, team_id: int) -> int:
    statement = select(Team).where(Team.id == team_id).options(selectinload(Team.heroes))
    team = (await session.exec(statement)).one()
    return len(team.heroes)
""",
        others=(("app/models.py", SQLMODEL_MODELS),),
        title="SQLModel: `selectinload(Team.heroes)` on the query",
        topic=_NOT_LOADED,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def order_lines(session: AsyncSession, detailed: bool) -> list[int]:
    statement = select(Order).where(Order.id == 1)
    if detailed:
        statement = statement.options(selectinload(Order.items))
    order = (await session.scalars(statement)).one()
    if detailed:
        return [item.quantity for item in await order.awaitable_attrs.items]
    await session.refresh(order, ["items"])
    return [item.quantity for item in order.items]
""",
        title="Each branch loads the collection: a loader, `awaitable_attrs` or `session.refresh()`",
        topic=_LOADER_REACH,
    ),
    _example(
        """\
import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def item_counts(session: AsyncSession) -> list[int]:
    orders = (await session.scalars(select(Order))).all()
    for order in orders:
        await session.refresh(order, ["items"])

    async def count(order: Order) -> int:
        return len(order.items)

    return await asyncio.gather(*(count(order) for order in orders))
""",
        title="Every element of a list refreshed with the relationship in a loop, read afterwards",
        topic=_LOADER_REACH,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from app.db_models import Order, OrderItem


async def busy_orders(session: AsyncSession) -> list[int]:
    statement = (
        select(Order).join(Order.items).where(OrderItem.quantity > 0).options(contains_eager(Order.items))
    )
    orders = (await session.scalars(statement)).unique().all()
    return [len(order.items) for order in orders]
""",
        title="`contains_eager(Order.items)` with the join",
        topic=_LOADER_REACH,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, OrderItem


async def product_names(session: AsyncSession, order_id: int) -> list[str]:
    statement = (
        select(Order)
        .where(Order.id == order_id)
        .options(selectinload(Order.items).selectinload(OrderItem.product))
    )
    order = (await session.execute(statement)).scalar_one()
    return [item.product.name for item in order.items]
""",
        title="A chained loader for each level read: `selectinload(Order.items).selectinload(OrderItem.product)`",
        topic=_LOADER_REACH,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, OrderItem


async def product_names(session: AsyncSession, order_id: int) -> list[str]:
    statement = (
        select(OrderItem)
        .where(OrderItem.order_id == order_id)
        .options(selectinload(OrderItem.order).selectinload(Order.items).selectinload(OrderItem.product))
    )
    items = (await session.scalars(statement)).all()
    return [item.product.name for item in items]
""",
        title=(
            "A chain back to the queried objects through `back_populates`: `Order.items` holds each "
            "queried item, so the loader after it loads `product` on them"
        ),
        topic=_LOADER_REACH,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, OrderItem


async def lines(session: AsyncSession, order_id: int) -> list[tuple[str, str]]:
    statement = (
        select(Order)
        .where(Order.id == order_id)
        .options(
            selectinload(Order.items)
            .options(selectinload(OrderItem.order))
            .options(selectinload(OrderItem.product))
        )
    )
    order = (await session.execute(statement)).scalar_one()
    return [(item.order.status, item.product.name) for item in order.items]
""",
        title="Sub-options of one loader: `selectinload(Order.items).options(...).options(...)`, each below `items`",
        topic=_LOADER_REACH,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload, selectinload

from app.db_models import User


async def user_cities(session: AsyncSession, user_id: int) -> list[str]:
    statement = select(User).where(User.id == user_id).options(lazyload("*"), selectinload(User.addresses))
    user = (await session.scalars(statement)).one()
    return [address.city for address in user.addresses]
""",
        title='`lazyload("*")` with a loader naming the relationship read: the named loader wins',
        topic=_LOADER_REACH,
    ),
    _example(
        """\
from fastapi import Depends

from app.db_models import User
from app.loaders import user_with_orders


async def my_order_count(user: User = Depends(user_with_orders)) -> int:
    return len(user.orders)
""",
        _KEEPING_DB,
        _DEPENDENCIES_FILE,
        (
            "app/loaders.py",
            """\
from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import User
from app.deps import get_db


async def user_with_orders(db: AsyncSession = Depends(get_db)) -> User:
    statement = select(User).where(User.id == 1).options(selectinload(User.orders))
    return (await db.execute(statement)).scalar_one()
""",
        ),
        title="A dependency whose query loads what the route reads",
        topic=_INJECTED,
    ),
)

ASA301_CROSS_FUNCTION_INVALID: tuple[Example, ...] = (
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import Account


async def account_name(session: AsyncSession, account_id: int) -> str:
    account = await session.get(Account, account_id)
    return account.username  # ASA301
""",
        _ACCOUNTS_FILE,
        title='An association proxy (`association_proxy("identity", "username")`) reads its relationship',
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import Account


async def greeting(session: AsyncSession, account_id: int) -> str:
    account = await session.get(Account, account_id)
    return f"Signed in: {account}"  # ASA301
""",
        _ACCOUNTS_FILE,
        title="An f-string, `str()` or `print()` of an object runs its model's `__str__`, which reads a relationship",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.schemas_v1 import OrderCounts


async def order_counts(session: AsyncSession, order_id: int) -> OrderCounts:
    order = await session.get(Order, order_id)
    return OrderCounts.from_orm(order)  # ASA301
""",
        _GETTER_SCHEMAS_FILE,
        title="A pydantic v1 `Config.getter_dict` that reads the relationship for its key",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.generic_repository import OrderRepository


async def customer_names(session: AsyncSession) -> list[str]:
    orders = await OrderRepository.from_session(session).list_all()
    return [order.user.name for order in orders]  # ASA301
""",
        _GENERIC_REPOSITORY_FILE,
        fixed="""\
from sqlalchemy.ext.asyncio import AsyncSession

from app.generic_repository import OrderRepository


async def customer_names(session: AsyncSession) -> list[str]:
    orders = await OrderRepository.from_session(session).list_all()
    return [(await order.awaitable_attrs.user).name for order in orders]
""",
        title="Objects from a generic repository whose statement is built in its base class and a mixin",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.placing import place_order


async def checkout(user_id: int) -> int:
    async with SessionLocal() as session:
        order = await place_order(session, user_id)
        return len(order.items)  # ASA301
""",
        _PLACING_FILE,
        _KEEPING_DB,
        title="A new object a helper creates, commits, refreshes and returns: its relationships were never loaded",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.generic_repository import OrderRepository


async def close_order(session: AsyncSession, order_id: int) -> int:
    repository = OrderRepository.from_session(session)
    order = await session.get(Order, order_id)
    order = await repository.update(order, update_dict={"status": "closed"}, flush=True)
    return len(order.items)  # ASA301
""",
        _GENERIC_REPOSITORY_FILE,
        fixed="""\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.generic_repository import OrderRepository


async def close_order(session: AsyncSession, order_id: int) -> int:
    repository = OrderRepository.from_session(session)
    order = await session.get(Order, order_id)
    order = await repository.update(order, update_dict={"status": "closed"}, flush=True)
    return len((await order.awaitable_attrs.items))
""",
        title="An object a repository's `update()` hands back is the object loaded before it",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.repository import get_order


async def item_count(session: AsyncSession, order_id: int) -> int:
    order = await get_order(session, order_id)
    return len(order.items)  # ASA301
""",
        _REPOSITORY_FILE,
        fixed="""\
from sqlalchemy.ext.asyncio import AsyncSession

from app.repository import get_order


async def item_count(session: AsyncSession, order_id: int) -> int:
    order = await get_order(session, order_id)
    return len((await order.awaitable_attrs.items))
""",
        title="An object from a repository function whose query loads no relationship",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.repository import OrderRepository


class OrderService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = OrderRepository(session)

    async def open_customers(self) -> list[str]:
        return [order.user.name for order in await self.repo.list_open()]  # ASA301


async def report(session: AsyncSession) -> list[str]:
    return await OrderService(session).open_customers()
""",
        _REPOSITORY_FILE,
        fixed="""\
from sqlalchemy.ext.asyncio import AsyncSession

from app.repository import OrderRepository


class OrderService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = OrderRepository(session)

    async def open_customers(self) -> list[str]:
        return [(await order.awaitable_attrs.user).name for order in await self.repo.list_open()]


async def report(session: AsyncSession) -> list[str]:
    return await OrderService(session).open_customers()
""",
        title="Objects from a repository class, read in a service through `self.repo`",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.pairs import user_and_order


async def order_size(session: AsyncSession, order_id: int) -> int:
    user, order = await user_and_order(session, order_id)
    return len(order.items)  # ASA301
""",
        _PAIRS_FILE,
        title="An object unpacked from the tuple a helper returns",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def items_of(session: AsyncSession, order_id: int) -> int:
    orders = (await session.scalars(select(Order))).all()
    by_id = {order.id: order for order in orders}
    return len(by_id[order_id].items)  # ASA301
""",
        title="An object taken out of a dict built from the query's results",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def order_heading(session: AsyncSession, order_id: int) -> str:
    context = await order_context(session, order_id)
    return f"{context['order'].user.name} ({context['currency']})"  # ASA301


async def order_context(session: AsyncSession, order_id: int) -> dict[str, Any]:
    order = (await session.scalars(select(Order).where(Order.id == order_id))).one()
    return {"order": order, "currency": "EUR"}
""",
        fixed="""\
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def order_heading(session: AsyncSession, order_id: int) -> str:
    context = await order_context(session, order_id)
    return f"{(await context['order'].awaitable_attrs.user).name} ({context['currency']})"


async def order_context(session: AsyncSession, order_id: int) -> dict[str, Any]:
    order = (await session.scalars(select(Order).where(Order.id == order_id))).one()
    return {"order": order, "currency": "EUR"}
""",
        title='An object a helper returns under a key of a dict (`context["order"]`)',
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def item_counts(session: AsyncSession) -> list[int]:
    page = await order_page(session)
    return [len(order.items) for order in page["items"]]  # ASA301


async def order_page(session: AsyncSession) -> dict[str, Any]:
    orders = (await session.scalars(select(Order))).all()
    return _page(orders, len(orders))


def _page(items: list[Order], total: int) -> dict[str, Any]:
    return {"items": items, "total": total}
""",
        title='A list of objects a helper returns under a key of the dict a builder makes (`page["items"]`)',
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.orders import find_order


async def item_count(session: AsyncSession, order_id: int) -> int:
    order = await find_order(session, order_id)
    return len(order.items)  # ASA301
""",
        _FLAGGED_GETTERS_FILE,
        title="A getter that loads under `if with_items:`, called with the flag left at its False default",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.orders import order_or_404


async def item_count(session: AsyncSession, order_id: int) -> int:
    order = await order_or_404(session, order_id, with_items=False)
    return len(order.items)  # ASA301
""",
        _FLAGGED_GETTERS_FILE,
        title="`with_items=False` passed to a wrapper that hands the flag on to the getter",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.orders import OrderLookup


async def customers(session: AsyncSession) -> list[str]:
    orders = await OrderLookup(session).open_orders_of([1, 2])
    return [order.user.name for order in orders]  # ASA301
""",
        _FLAGGED_GETTERS_FILE,
        title="A method that returns `[]` early, else what a sibling method's query gave",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.invoices import customer_name


async def invoice_heading(session: AsyncSession, order_id: int) -> str:
    order = await session.get(Order, order_id)
    return customer_name(order)  # ASA301
""",
        _HELPERS_FILE,
        title="A helper in another module reads `order.user`",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.invoices import buyer


async def buyer_of(session: AsyncSession, order_id: int) -> object:
    order = await session.get(Order, order_id)
    return buyer(order)  # ASA301
""",
        _HELPERS_FILE,
        title='A helper reads the relationship through `getattr(order, "user", None)`',
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import OrderItem
from app.invoices import product_line


async def first_line(session: AsyncSession) -> str:
    statement = select(OrderItem).options(selectinload(OrderItem.order)).limit(1)
    item = (await session.scalars(statement)).one()
    return product_line(item)  # ASA301
""",
        _HELPERS_FILE,
        title="A helper reads `item.order.user`; the query loads `item.order` only",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def order_size(session: AsyncSession, order_id: int) -> int:
    order = await session.get(Order, order_id)
    return order.item_count  # ASA301
""",
        title="A model property that reads `self.items` (`order.item_count`)",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.schemas import OrderOut


async def order_out(session: AsyncSession, order_id: int) -> OrderOut:
    order = await session.get(Order, order_id)
    return OrderOut.model_validate(order)  # ASA301
""",
        _SCHEMAS_FILE,
        title="A schema with `from_attributes` reads a relationship (`OrderOut.model_validate(order)`)",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.labels import LABELS


async def order_label(session: AsyncSession, order_id: int, detailed: bool) -> str:
    order = await session.get(Order, order_id)
    label = LABELS["customer" if detailed else "buyer"]
    return str(label(order))  # ASA301
""",
        _LABELS_FILE,
        _HELPERS_FILE,
        title="A dispatch table of helpers (`LABELS[key](order)`): each helper it may run counts",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import OrderItem
from app.pricing import describe


async def item_line(session: AsyncSession, item_id: int) -> str:
    item = await session.get(OrderItem, item_id)
    return await describe(session, item, None)  # ASA301
""",
        _PRICING_FILE,
        title="A callee sets `item.product` on one branch only, then hands the item to a helper that reads it",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.pages import OrderPage


async def order_page(session: AsyncSession) -> OrderPage:
    orders = (await session.scalars(select(Order))).all()
    return OrderPage(items=orders, total=len(orders))  # ASA301
""",
        _SCHEMAS_FILE,
        _PAGES_FILE,
        title="A list handed to a page schema's constructor, which validates each item by the nested schema",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.repository import get_order, get_order_with_items


async def item_count(session: AsyncSession, order_id: int, refresh: bool = False) -> int:
    if refresh:
        order = await get_order_with_items(session, order_id)
    else:
        order = await get_order(session, order_id)
    return len(order.items)  # ASA301
""",
        _REPOSITORY_FILE,
        title="An object bound by a different call on each branch: the call whose query lacks the loader is named",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


def open_orders(statement: Select[tuple[Order]]) -> Select[tuple[Order]]:
    return statement.where(Order.status != "closed").order_by(Order.id)


async def first_open_size(session: AsyncSession) -> int:
    order = (await session.scalars(open_orders(select(Order)))).first()
    return len(order.items) if order else 0  # ASA301
""",
        title="A statement filtered by a helper is the statement its caller passed, with the caller's loader options",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User
from app.saving import create_user


async def register(name: str) -> int:
    async with SessionLocal() as session:
        user = User(name=name)
        await create_user(session, user)
        return len(user.orders)  # ASA301
""",
        _SAVING_FILE,
        _KEEPING_DB,
        fixed="""\
from app.db import SessionLocal
from app.db_models import User
from app.saving import create_user


async def register(name: str) -> int:
    async with SessionLocal() as session:
        user = User(name=name)
        await create_user(session, user)
        return len((await user.awaitable_attrs.orders))
""",
        title="A collection of a new object handed to a helper that adds it and commits: it was never loaded",
        topic=_NOT_LOADED,
    ),
)

ASA301_CROSS_FUNCTION_VALID: tuple[Example, ...] = (
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.accounts import Account


async def account_lines(session: AsyncSession) -> list[str]:
    accounts = (await session.scalars(select(Account).options(selectinload(Account.identity)))).all()
    return [f"{account} ({account.username})" for account in accounts]
""",
        _ACCOUNTS_FILE,
        title="`__str__` and an association proxy over a relationship the query loaded",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.schemas_v1 import OrderOut


async def order_out_v1(session: AsyncSession, order_id: int) -> OrderOut:
    order = await session.get(Order, order_id)
    return OrderOut.from_orm(order)
""",
        _GETTER_SCHEMAS_FILE,
        title="A pydantic v1 `Config.getter_dict` that gives the default when the relationship is not loaded",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order
from app.generic_repository import OrderRepository


async def customer_names(session: AsyncSession) -> list[str]:
    orders = await OrderRepository.from_session(session).list_all(options=(selectinload(Order.user),))
    return [order.user.name for order in orders]
""",
        _GENERIC_REPOSITORY_FILE,
        title="The caller passes the loader to a generic repository's `options` parameter",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.placing import place_order_with_items


async def checkout(user_id: int) -> int:
    async with SessionLocal() as session:
        order = await place_order_with_items(session, user_id)
        return len(order.items)
""",
        _PLACING_FILE,
        _KEEPING_DB,
        title='A new object a helper returns after `refresh(order, ["items"])`',
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy.orm import selectinload

from app.db import SessionLocal
from app.db_models import User
from app.placing import place_order_for


async def checkout(user_id: int) -> int:
    async with SessionLocal() as session:
        user = await session.get(User, user_id, options=[selectinload(User.orders)])
        order = await place_order_for(session, user)
        return len(order.user.orders)
""",
        _PLACING_FILE,
        _KEEPING_DB,
        title="A new object a helper built with a loaded object, read through that object",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.repository import get_order_with_items


async def item_count(session: AsyncSession, order_id: int) -> int:
    order = await get_order_with_items(session, order_id)
    return len(order.items)
""",
        _REPOSITORY_FILE,
        title="A repository function that loads the collection with `selectinload`",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.orders import order_or_404


async def item_count(session: AsyncSession, order_id: int) -> int:
    order = await order_or_404(session, order_id, with_items=True)
    return len(order.items)
""",
        _FLAGGED_GETTERS_FILE,
        title="`with_items=True` reaches the getter's `if with_items:` loader through a wrapper",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.pairs import user_and_order_with_items


async def order_size(session: AsyncSession, order_id: int) -> int:
    user, order = await user_and_order_with_items(session, order_id)
    return len(order.items)
""",
        _PAIRS_FILE,
        title="The helper's query loads the collection of the object it returns in a tuple",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def items_of(session: AsyncSession, order_id: int) -> int:
    orders = (await session.scalars(select(Order).options(selectinload(Order.items)))).all()
    by_id = {order.id: order for order in orders}
    return len(by_id[order_id].items)
""",
        title="A dict built from a query with `selectinload(Order.items)`",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, User


async def customer_and_order(session: AsyncSession, order_id: int) -> str:
    order = (await session.scalars(select(Order).options(selectinload(Order.items)))).first()
    user = await session.get(User, 1)
    found = {"order": order, "user": user}
    return f"{found['user'].name}: {len(found['order'].items)} items"
""",
        title="A dict of objects by constant keys: each key holds what its own query loaded",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order
from app.invoices import customer_name


async def invoice_heading(session: AsyncSession, order_id: int) -> str:
    order = await session.get(Order, order_id, options=[selectinload(Order.user)])
    return customer_name(order)
""",
        _HELPERS_FILE,
        title="`selectinload(Order.user)` in `session.get()` before the helper reads it",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order
from app.labels import LABELS


async def order_label(session: AsyncSession, order_id: int, detailed: bool) -> str:
    order = await session.get(Order, order_id, options=[selectinload(Order.user)])
    label = LABELS["customer" if detailed else "buyer"]
    return str(label(order))
""",
        _LABELS_FILE,
        _HELPERS_FILE,
        title="The same dispatch table after `selectinload(Order.user)`",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.probes import known_buyer


async def order_buyer(session: AsyncSession, order_id: int) -> str:
    order = await session.get(Order, order_id)
    return known_buyer(order)
""",
        _PROBES_FILE,
        title="A helper that probes the relationship and catches what the lazy load raises",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.invoices import buyer


async def buyer_of(session: AsyncSession, order_id: int) -> object:
    order = await session.get(Order, order_id)
    await order.awaitable_attrs.user
    return buyer(order)
""",
        _HELPERS_FILE,
        title="`await order.awaitable_attrs.user` before the helper reads it",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, OrderItem
from app.invoices import product_line


async def first_line(session: AsyncSession) -> str:
    statement = select(OrderItem).options(selectinload(OrderItem.order).selectinload(Order.user)).limit(1)
    item = (await session.scalars(statement)).one()
    return product_line(item)
""",
        _HELPERS_FILE,
        title="`selectinload(OrderItem.order).selectinload(Order.user)` covers the helper's read",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def order_size(session: AsyncSession, order_id: int) -> int:
    order = await session.get(Order, order_id)
    await order.awaitable_attrs.items
    return order.item_count
""",
        title="`await order.awaitable_attrs.items` before the property reads it",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, OrderItem
from app.schemas import OrderOut, OrderSummary


async def order_out(session: AsyncSession, order_id: int) -> tuple[OrderOut, OrderSummary]:
    loaders = [selectinload(Order.items).selectinload(OrderItem.product)]
    order = await session.get(Order, order_id, options=loaders)
    bare = await session.get(Order, order_id + 1)
    return OrderOut.model_validate(order), OrderSummary.model_validate(bare)
""",
        _SCHEMAS_FILE,
        title="The schema's relationships loaded by a chain, and a schema that reads only columns",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import OrderItem
from app.pricing import describe


async def item_line(session: AsyncSession, item_id: int) -> str:
    item = await session.get(OrderItem, item_id)
    return await describe(session, item, None)
""",
        _PRICING_BOTH_FILE,
        title="A callee sets `item.product` on every branch before it reads it",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, OrderItem
from app.pages import OrderPage


async def order_page(session: AsyncSession) -> OrderPage:
    loaders = selectinload(Order.items).selectinload(OrderItem.product)
    orders = (await session.scalars(select(Order).options(loaders))).all()
    return OrderPage(items=orders, total=len(orders))
""",
        _SCHEMAS_FILE,
        _PAGES_FILE,
        title="The same page, its query loading what the nested schema reads",
        topic=_HANDED_OVER,
    ),
    _example(
        """\
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


def open_orders(statement: Select[tuple[Order]]) -> Select[tuple[Order]]:
    return statement.where(Order.status != "closed").order_by(Order.id)


async def first_open_size(session: AsyncSession) -> int:
    statement = open_orders(select(Order).options(selectinload(Order.items)))
    order = (await session.scalars(statement)).first()
    return len(order.items) if order else 0
""",
        title="The caller's statement carries the loader option through the helper that filters it",
        topic=_ELSEWHERE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User
from app.saving import create_user


async def register(name: str) -> int:
    async with SessionLocal() as session:
        user = User(name=name)
        await create_user(session, user)
        await session.refresh(user, ["orders"])
        return len(user.orders)
""",
        _SAVING_FILE,
        _KEEPING_DB,
        title='The new object a helper added and committed, then `refresh(user, ["orders"])` before the read',
        topic=_NOT_LOADED,
    ),
)

ASA302_INVALID: tuple[Example, ...] = (
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User


async def rename_user(user_id: int, name: str) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        user.name = name
        await session.commit()
        return user.name  # ASA302
""",
        _EXPIRING_DB,
        title="A column read after `commit()`; the factory keeps the default `expire_on_commit=True`",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import Order


async def close_orders() -> list[int]:
    closed = []
    async with SessionLocal() as session:
        orders = (await session.scalars(select(Order).order_by(Order.id))).all()
        for order in orders:
            closed.append(order.id)  # ASA302
            order.status = "closed"
            await session.commit()
    return closed
""",
        _EXPIRING_DB,
        title="A query's results read in a loop that commits on every turn",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User


async def register(name: str) -> int:
    async with SessionLocal() as session:
        user = User(name=name)
        session.add(user)
        await session.commit()
        return user.id  # ASA302
""",
        _EXPIRING_DB,
        title="A new object's `id` read after `commit()`",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from app.db_models import User
from app.deps import get_db


async def rename_in_a_script(user_id: int, name: str) -> str:
    async for session in get_db():
        user = await session.get(User, user_id)
        user.name = name
        await session.commit()
        return user.name  # ASA302
    raise LookupError(user_id)
""",
        _DEPENDENCIES_FILE,
        _EXPIRING_DB,
        title="A script that takes its session from the dependency provider with `async for`",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User


async def reload_user(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        session.expire(user)
        return user.name  # ASA302
""",
        _KEEPING_DB,
        title="A column read after `session.expire(obj)`, whatever `expire_on_commit` says",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import Order


async def ship(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        order.status = "shipped"
        await session.commit()
        await session.refresh(order, ["status"])
        status = order.status
        return f"{status} for user {order.user_id}"  # ASA302
""",
        _EXPIRING_DB,
        title='A partial `refresh(order, ["status"])` after `commit()`: the columns it does not name stay expired',
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import Order, User


async def reload_both(user_id: int, order_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        order = await session.get(Order, order_id)
        for stale in (user, order):
            session.expire(stale)
        return order.status  # ASA302
""",
        _KEEPING_DB,
        title="`session.expire()` of each object of a literal tuple, in a loop, then a read",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.placing import add_order


async def checkout(user_id: int) -> str:
    async with SessionLocal() as session:
        order = await add_order(session, user_id)
        await session.commit()
        return order.status  # ASA302
""",
        _PLACING_FILE,
        _EXPIRING_DB,
        title="A new object a helper adds and returns, read after the caller's `commit()`",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User


async def rename_user(user_id: int, name: str) -> str:
    async with SessionLocal() as session:
        async with session.begin():
            user = await session.get(User, user_id)
            user.name = name
        return user.name  # ASA302
""",
        _EXPIRING_DB,
        title="A column read after the `session.begin()` block commits",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User


async def preview_rename(user_id: int, name: str) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        user.name = name
        await session.flush()
        await session.rollback()
        return user.name  # ASA302
""",
        _KEEPING_DB,
        title="A column read after `rollback()`, although the factory sets `expire_on_commit=False`",
        topic=_AFTER_ROLLBACK,
    ),
    _example(
        """\
from sqlalchemy.exc import IntegrityError

from app.db import SessionLocal
from app.db_models import User


async def invite(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        session.add(User(id=2, name="taken"))
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
        return user.name  # ASA302
""",
        _KEEPING_DB,
        title="A read past an `except` that rolled back a failed `commit()` and swallowed the error",
        topic=_AFTER_ROLLBACK,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import engine
from app.db_models import User


async def rename_user(user_id: int, name: str) -> str:
    async with AsyncSession(engine) as session:
        user = await session.get(User, user_id)
        user.name = name
        await session.commit()
        return user.name  # ASA302
""",
        _KEEPING_DB,
        title="A bare `AsyncSession(engine)`: the factory's `expire_on_commit=False` does not apply to it",
        topic=_BARE_SESSION,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.db_models import Order


async def reopen(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await _load_order(session, order_id)
        order.status = "open"
        await session.commit()
        return order.status  # ASA302


async def _load_order(session: AsyncSession, order_id: int) -> Order:
    order = await session.get(Order, order_id)
    assert order is not None
    return order
""",
        _EXPIRING_DB,
        title="An object a helper loaded with the session this function opened, read after `commit()`",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from sqlalchemy import update

from app.db_models import Order
from app.sessions import sessions


async def reopen(order_id: int) -> str:
    async with sessions() as session:
        statement = update(Order).where(Order.id == order_id).values(status="open").returning(Order)
        order = await session.scalar(statement)
        await session.commit()
        return order.status  # ASA302
""",
        _EXPIRING_SOURCE,
        _EXPIRING_DB,
        title="A session from a callable class over a sessionmaker that keeps the default `expire_on_commit=True`",
        topic=_SESSION_SOURCE,
    ),
    _example(
        """\
from app.db_models import Order
from app.sessions import GetDB


async def reopen(order_id: int) -> str:
    async with GetDB() as session:
        order = await session.get(Order, order_id)
        order.status = "open"
        await session.commit()
        return order.status  # ASA302
""",
        _CONTEXT_MANAGER_CLASS,
        _EXPIRING_DB,
        title="A session from a context-manager class whose `__aenter__` returns the session it opened",
        topic=_SESSION_SOURCE,
    ),
    _example(
        _CALLERS_SESSION,
        _EXPIRING_DB,
        title="A helper's parameter with no annotation: its callers pass it a session of a sessionmaker that keeps "
        "the default `expire_on_commit=True`",
        topic=_SESSION_SOURCE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User


async def rename_user(user_id: int, name: str) -> str:
    async with SessionLocal() as session:
        commit = session.commit
        user = await session.get(User, user_id)
        user.name = name
        await commit()
        return user.name  # ASA302
""",
        _EXPIRING_DB,
        title="A column read after a `commit()` called through a name bound to it (`commit = session.commit`)",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import User


async def touch_users(name: str) -> list[int]:
    touched = []
    async with SessionLocal() as session:
        for wanted in ("users-1", name):
            user = await session.scalar(select(User).where(User.name == wanted))
            if user is not None:
                touched.append(user)
            else:
                created = User(name=wanted)
                session.add(created)
                touched.append(created)
        await session.commit()
        return [user.id for user in touched]  # ASA302
""",
        _EXPIRING_DB,
        title="A list of objects found or created and added (get-or-create), read after `commit()`",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User


async def rename_user(user_id: int, name: str) -> str:
    async with SessionLocal() as session:
        undo = session.rollback
        user = await session.get(User, user_id)
        user.name = name
        await undo()
        return user.name  # ASA302
""",
        _KEEPING_DB,
        title="A column read after a `rollback()` called through a name bound to it",
        topic=_AFTER_ROLLBACK,
    ),
    _example(
        """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import Order
from app.pages import SummaryPage


async def close_all() -> SummaryPage:
    async with SessionLocal() as session:
        orders = (await session.scalars(select(Order))).all()
        for order in orders:
            order.status = "closed"
        await session.commit()
        return SummaryPage(items=orders)  # ASA302
""",
        _EXPIRING_DB,
        _SCHEMAS_FILE,
        _PAGES_FILE,
        title="Objects handed to a page schema's constructor after `commit()`: it validates their columns",
        topic=_HANDED_EXPIRED,
    ),
)

ASA302_VALID: tuple[Example, ...] = (
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User


async def rename_user(user_id: int, name: str) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        user.name = name
        await session.commit()
        return user.name
""",
        _KEEPING_DB,
        title="A column read after `commit()`; the factory sets `expire_on_commit=False`",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User


async def reload_user(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        session.expire(user)
        await session.refresh(user)
        return user.name
""",
        _KEEPING_DB,
        title="`session.expire(obj)` followed by `await session.refresh(obj)`",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import Order, User


async def close_order(user_id: int, order_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        order = await session.get(Order, order_id)
        order.status = "closed"
        await session.commit()
        for changed in (user, order):
            await session.refresh(changed)
        return f"{user.name}: {order.status}"
""",
        _EXPIRING_DB,
        title="`await session.refresh()` of each object of a literal tuple, in a loop, after `commit()`",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import User


async def reload_users(name: str) -> list[str]:
    async with SessionLocal() as session:
        users = (await session.scalars(select(User).where(User.name == name))).all()
        session.expire_all()
        await session.execute(select(User).where(User.name == name))
        return [user.name for user in users]
""",
        _KEEPING_DB,
        title="`session.expire_all()`, then a query that loads the same rows again",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import Order, User


async def close_orders(name: str) -> list[int]:
    closed = []
    async with SessionLocal() as session:
        ids = (await session.scalars(select(Order.id).order_by(Order.id))).all()
        for order_id in ids:
            order = await session.get(Order, order_id)
            closed.append(order.id)
            order.status = "closed"
            await session.commit()
        user = User(name=name)
        session.add(user)
        await session.commit()
        await session.refresh(user)
        closed.append(user.id)
    return closed
""",
        _EXPIRING_DB,
        title="Reloaded after each commit: `session.get()` in the loop, `session.refresh()` on the new object",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from sqlalchemy.exc import IntegrityError

from app.db import SessionLocal
from app.db_models import User


async def check_registration(name: str) -> str:
    async with SessionLocal() as session:
        user = User(name=name)
        session.add(user)
        try:
            await session.flush()
        except IntegrityError:
            return "taken"
        await session.rollback()
        return user.name
""",
        _EXPIRING_DB,
        title="A new object rolled back after a flush: its attributes stay readable",
        topic=_AFTER_ROLLBACK,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User


async def rename_user(user_id: int, name: str) -> str:
    errors: list[str] = []
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        savepoint = await session.begin_nested()
        user.name = name
        await session.flush()
        if name.startswith("admin"):
            await savepoint.rollback()
            errors.append("reserved name")
        if errors:
            return "; ".join(errors)
        await session.commit()
        return user.name
""",
        _KEEPING_DB,
        title="A savepoint rolled back on invalid input; `if errors: return` leaves before the object is read again",
        topic=_AFTER_ROLLBACK,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User


async def edit_user(user_id: int, form: str, name: str) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        if form == "rename":
            user.name = name
            if not name:
                await session.rollback()
            else:
                await session.commit()
        if form == "show":
            return user.name
        return ""
""",
        _KEEPING_DB,
        title='Rolled back under `form == "rename"`, read under `form == "show"`: no run takes both',
        topic=_AFTER_ROLLBACK,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import engine
from app.db_models import User


async def rename_user(user_id: int, name: str) -> str:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        user = await session.get(User, user_id)
        user.name = name
        renamed = user.name
        await session.commit()
        return f"{renamed} {user.name}"
""",
        _KEEPING_DB,
        title="A bare `AsyncSession(engine, expire_on_commit=False)`, the value read before the commit",
        topic=_BARE_SESSION,
    ),
    _example(
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.db_models import Order


async def reopen(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await _load_order(session, order_id)
        order.status = "open"
        await session.commit()
        return order.status


async def _load_order(session: AsyncSession, order_id: int) -> Order:
    order = await session.get(Order, order_id)
    assert order is not None
    return order
""",
        _KEEPING_DB,
        title="The same helper; the factory sets `expire_on_commit=False`",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from sqlalchemy import update

from app.db_models import Order
from app.sessions import sessions


async def reopen(order_id: int) -> str:
    async with sessions() as session:
        statement = update(Order).where(Order.id == order_id).values(status="open").returning(Order)
        order = await session.scalar(statement)
        await session.commit()
        return order.status
""",
        _KEEPING_SOURCE,
        _EXPIRING_DB,
        title="A session from a callable class over a sessionmaker that sets `expire_on_commit=False`",
        topic=_SESSION_SOURCE,
    ),
    _example(
        _CALLERS_SESSION.replace("  # ASA302", ""),
        _KEEPING_DB,
        title="The same helper; the sessionmaker its callers' session comes from sets `expire_on_commit=False`",
        topic=_SESSION_SOURCE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User


async def rename_user(user_id: int, name: str) -> str:
    async with SessionLocal() as session:
        commit = session.commit
        user = await session.get(User, user_id)
        user.name = name
        await commit()
        await session.refresh(user)
        return user.name
""",
        _EXPIRING_DB,
        title="A `commit()` called through a name bound to it, then `refresh()` before the read",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import Order


async def ship(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        order.status = "shipped"
        await session.commit()
        await session.refresh(order, ["status", "user_id"])
        return f"{order.status} for user {order.user_id}"
""",
        _EXPIRING_DB,
        title="A partial `refresh()` after `commit()` that names every column read afterwards",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import User


async def touch_users(name: str) -> list[int]:
    touched = []
    async with SessionLocal() as session:
        for wanted in ("users-1", name):
            user = await session.scalar(select(User).where(User.name == wanted))
            if user is not None:
                touched.append(user)
            else:
                created = User(name=wanted)
                session.add(created)
                touched.append(created)
        await session.commit()
        return [user.id for user in touched]
""",
        _KEEPING_DB,
        title="A list of objects found or created, read after `commit()`; the factory sets `expire_on_commit=False`",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import Order
from app.pages import SummaryPage


async def close_all() -> SummaryPage:
    async with SessionLocal() as session:
        orders = (await session.scalars(select(Order))).all()
        for order in orders:
            order.status = "closed"
        page = SummaryPage(items=orders)
        await session.commit()
        return page
""",
        _EXPIRING_DB,
        _SCHEMAS_FILE,
        _PAGES_FILE,
        title="The page built before `commit()`",
        topic=_HANDED_EXPIRED,
    ),
)

ASA302_CROSS_FUNCTION_INVALID: tuple[Example, ...] = (
    _example(
        """\
from app.accounts import Account
from app.db import SessionLocal


async def upgrade(account_id: int) -> str:
    async with SessionLocal() as session:
        account = await session.get(Account, account_id)
        account.plan = "pro"
        await session.commit()
        return str(account)  # ASA302
""",
        _ACCOUNTS_FILE,
        _EXPIRING_DB,
        title="`str()` of an object after `commit()`: its model's `__str__` reads a column",
        topic=_HANDED_EXPIRED,
    ),
    _example(
        _RECEIVED_PAIR + "    return user.name  # ASA302\n",
        _KEEPING_DB,
        title="An object a parameter received, read after the function's only session rolls back",
        topic=_RECEIVED,
    ),
    _example(
        """\
from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User
from app.deps import current_user, get_db


async def rename_me(user: User = Depends(current_user), db: AsyncSession = Depends(get_db)) -> str:
    user.name = "renamed"
    await db.commit()
    return user.name  # ASA302
""",
        _EXPIRING_DB,
        _DEPENDENCIES_FILE,
        title="An object a FastAPI dependency loaded with the request's session, read after `commit()`",
        topic=_INJECTED,
    ),
    _example(
        """\
from fastapi import Depends
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User
from app.deps import current_user, get_db


async def invite(user: User = Depends(current_user), db: AsyncSession = Depends(get_db)) -> str:
    try:
        db.add(User(id=2, name="taken"))
        await db.flush()
    except IntegrityError:
        await db.rollback()
    return user.name  # ASA302
""",
        _KEEPING_DB,
        _DEPENDENCIES_FILE,
        title="An object a FastAPI dependency loaded with the request's session, read after `rollback()`",
        topic=_INJECTED,
    ),
    _example(
        """\
from fastapi import APIRouter

from app.deps import CurrentUser, SessionDep

router = APIRouter()


@router.post("/me")
async def rename_me(user: CurrentUser, db: SessionDep) -> str:
    user.name = "renamed"
    await db.commit()
    return user.name  # ASA302
""",
        _EXPIRING_DB,
        _DEPENDENCIES_FILE,
        title="The same through `Annotated` aliases (`CurrentUser`, `SessionDep`)",
        topic=_INJECTED,
    ),
    _example(
        """\
from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User
from app.deps import get_db, require_role


async def rename_me(user: User = Depends(require_role("admin")), db: AsyncSession = Depends(get_db)) -> str:
    user.name = "renamed"
    await db.commit()
    return user.name  # ASA302
""",
        _EXPIRING_DB,
        _DEPENDENCIES_FILE,
        title="The same from a dependency that a call makes (`Depends(require_role(...))`)",
        topic=_INJECTED,
    ),
    _example(
        """\
from sqlalchemy import update

from app.db import SessionLocal
from app.db_models import Order


async def reopen(order_id: int) -> str:
    async with SessionLocal() as session:
        statement = update(Order).where(Order.id == order_id).values(status="open").returning(Order)
        order = (await session.scalars(statement)).one()
        await session.commit()
        return order.status  # ASA302
""",
        _EXPIRING_DB,
        title="An object from `update(...).returning(Order)` read after `commit()`",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from sqlalchemy import update

from app.db import SessionLocal
from app.db_models import Order
from app.schemas import OrderSummary


async def reopen(order_id: int) -> OrderSummary:
    async with SessionLocal() as session:
        statement = update(Order).where(Order.id == order_id).values(status="open").returning(Order)
        order = (await session.scalars(statement)).one()
        await session.commit()
        return OrderSummary.model_validate(order)  # ASA302
""",
        _EXPIRING_DB,
        _SCHEMAS_FILE,
        title="An object validated into a schema after `commit()`: validation reads its columns",
        topic=_HANDED_EXPIRED,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import Order
from app.services import close_order


async def close_and_report(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        await close_order(session, order)
        return order.status  # ASA302
""",
        _EXPIRING_DB,
        _SERVICES_FILE,
        title="A helper in another module commits; the caller then reads the object",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import Order
from app.services import try_to_close


async def close_and_report(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        await try_to_close(session, order)
        return order.status  # ASA302
""",
        _EXPIRING_DB,
        _SERVICES_FILE,
        title="A helper commits, or rolls back when the commit fails: either way the transaction ends",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User
from app.tagging import tag_order


async def tag_all(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        tagged = 0
        for order_id in (1, 2):
            if await tag_order(session, order_id):
                tagged += 1
        return f"{user.name}: {tagged}"  # ASA302
""",
        _KEEPING_DB,
        _TAGGING_FILE,
        title="A loop goes on after a helper that rolls back on an error it swallows",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User
from app.tagging import tag_order


async def tag_and_greet(user_id: int, order_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        await tag_order(session, order_id)
        return user.name  # ASA302
""",
        _KEEPING_DB,
        _TAGGING_FILE,
        title="A helper rolls back on a duplicate row (`except IntegrityError:`) and returns; the caller reads on",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
from app.crud import orders
from app.db import SessionLocal
from app.db_models import Order, User


async def close_and_greet(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        user = await session.get(User, order.user_id)
        await orders.update(session, order, "closed")
        return user.name  # ASA302
""",
        _EXPIRING_DB,
        _CRUD_FILE,
        title="A CRUD method commits unless it is handed a unit of work; the caller leaves `uow` at its default",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import Order, User
from app.stores import OrderStore, SqlOrderStore


class Checkout:
    def __init__(self, store: OrderStore) -> None:
        self._store = store

    async def close(self, order_id: int) -> str:
        async with SessionLocal() as session:
            order = await session.get(Order, order_id)
            user = await session.get(User, order.user_id)
            await self._store.close(session, order)
            return user.name  # ASA302


async def close_order(order_id: int) -> str:
    return await Checkout(SqlOrderStore()).close(order_id)
""",
        _EXPIRING_DB,
        _STORES_FILE,
        title="A store typed by a `Protocol` commits: the class the service is built with is what runs",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User
from app.saving import create_user


async def register(name: str) -> str:
    async with SessionLocal() as session:
        user = User(name=name)
        await create_user(session, user)
        return user.name  # ASA302
""",
        _SAVING_FILE,
        _EXPIRING_DB,
        title="A new object handed to a helper that adds it and commits, read after the call",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User
from app.saving import finish


async def register(name: str) -> str:
    async with SessionLocal() as session:
        user = User(name=name)
        session.add(user)
        await finish(session)
        return user.name  # ASA302
""",
        _SAVING_FILE,
        _EXPIRING_DB,
        title="A new object this function added, read after a helper commits",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User
from app.saving import UserRepository


async def register(name: str) -> str:
    async with SessionLocal() as session:
        user = User(name=name)
        await UserRepository(session).save(user)
        return user.name  # ASA302
""",
        _SAVING_FILE,
        _EXPIRING_DB,
        title="A new object handed to a repository method that adds it and commits (the CRUD `save`)",
        topic=_COMMIT_ELSEWHERE,
    ),
)

ASA302_CROSS_FUNCTION_VALID: tuple[Example, ...] = (
    _example(
        _RECEIVED_PAIR + "    await session.refresh(user)\n    return user.name\n",
        _KEEPING_DB,
        title="The received object refreshed after the rollback",
        topic=_RECEIVED,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import Order
from app.services import try_to_close


async def close_and_report(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        if not await try_to_close(session, order):
            return "not closed"
        return order.status
""",
        _KEEPING_DB,
        _SERVICES_FILE,
        title="A helper that commits, or rolls back and says so, where commit() keeps objects loaded",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
import pytest

from app.checked_tagging import tag_checked
from app.db import SessionLocal
from app.db_models import User


async def rejects_bad_ids(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        for order_id in (0, -1):
            with pytest.raises(ValueError):
                await tag_checked(session, order_id)
        return user.name
""",
        _KEEPING_DB,
        _CHECKED_TAGGING_FILE,
        title="A loop goes on after `pytest.raises()`: only a helper that raised gets it there, not one that swallowed",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User
from app.deps import get_db, guest_user


async def rename_me(user: User = Depends(guest_user), db: AsyncSession = Depends(get_db)) -> str:
    user.name = "renamed"
    await db.commit()
    return user.name
""",
        _EXPIRING_DB,
        _DEPENDENCIES_FILE,
        title="A FastAPI dependency that loads its object with a session of its own",
        topic=_INJECTED,
    ),
    _example(
        """\
from sqlalchemy import update

from app.db import SessionLocal
from app.db_models import Order


async def reopen(order_id: int) -> str:
    async with SessionLocal() as session:
        statement = update(Order).where(Order.id == order_id).values(status="open").returning(Order)
        order = (await session.scalars(statement)).one()
        await session.commit()
        await session.refresh(order)
        return order.status
""",
        _EXPIRING_DB,
        title="`await session.refresh(order)` between the commit and the read",
        topic=_AFTER_COMMIT,
    ),
    _example(
        """\
from sqlalchemy import update

from app.db import SessionLocal
from app.db_models import Order
from app.schemas import OrderSummary


async def reopen(order_id: int) -> OrderSummary:
    async with SessionLocal() as session:
        statement = update(Order).where(Order.id == order_id).values(status="open").returning(Order)
        summary = OrderSummary.model_validate((await session.scalars(statement)).one())
        await session.commit()
        return summary
""",
        _EXPIRING_DB,
        _SCHEMAS_FILE,
        title="The object validated into a schema before `commit()`",
        topic=_HANDED_EXPIRED,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import Order
from app.services import close_order


async def close_and_report(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        await close_order(session, order)
        return order.status
""",
        _KEEPING_DB,
        _SERVICES_FILE,
        title="A helper commits; the factory sets `expire_on_commit=False`",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
from app.crud import UnitOfWork, orders
from app.db import SessionLocal
from app.db_models import Order, User


async def close_and_greet(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        user = await session.get(User, order.user_id)
        await orders.update(session, order, "closed", uow=UnitOfWork(session))
        name = user.name
        await session.commit()
        return name
""",
        _EXPIRING_DB,
        _CRUD_FILE,
        title="The same CRUD method handed the caller's unit of work: it does not commit",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
from app.crud import orders
from app.db import SessionLocal
from app.db_models import Order


async def close_and_report(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        await orders.update(session, order, "closed")
        return order.status
""",
        _EXPIRING_DB,
        _CRUD_FILE,
        title="The same CRUD method refreshes the object it updated after its commit",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User
from app.tagging import tag_order


async def tag_all(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        for order_id in (1, 2):
            if not await tag_order(session, order_id):
                return "stopped at a failure"
        return user.name
""",
        _KEEPING_DB,
        _TAGGING_FILE,
        title="The loop stops where the helper reports the failure it rolled back",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User
from app.saving import create_user


async def register(name: str) -> str:
    async with SessionLocal() as session:
        user = User(name=name)
        await create_user(session, user)
        await session.refresh(user)
        return user.name
""",
        _SAVING_FILE,
        _EXPIRING_DB,
        title="The new object a helper added and committed, refreshed before the read",
        topic=_COMMIT_ELSEWHERE,
    ),
    _example(
        """\
from app.db import SessionLocal
from app.db_models import User
from app.saving import finish


async def register(name: str) -> str:
    async with SessionLocal() as session:
        user = User(name=name)
        session.add(user)
        await finish(session)
        return user.name
""",
        _SAVING_FILE,
        _KEEPING_DB,
        title="A new object this function added, a helper commits; the factory sets `expire_on_commit=False`",
        topic=_COMMIT_ELSEWHERE,
    ),
)
