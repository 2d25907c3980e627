"""A callee's commit under a test of one of its parameters (`if not uow:`), counted for the
callers whose arguments make the test true; and calls through an attribute typed by a
`Protocol` or an abstract class, which run the project's one implementation."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

SessionLocal = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))
"""
MODELS = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan: Mapped[str]


class Period(Base):
    __tablename__ = "periods"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str]
"""
CRUD = """\
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


class CRUDBase:
    async def update(self, db: AsyncSession, obj: Any, values: dict[str, Any], uow: Any = None) -> Any:
        for key, value in values.items():
            setattr(obj, key, value)
        if not uow:
            await db.commit()
            await db.refresh(obj)
        return obj

    async def save(self, db: AsyncSession, obj: Any, auto_commit: bool = True) -> Any:
        db.add(obj)
        if auto_commit:
            await db.commit()
        return obj

    async def close(self, db: AsyncSession, obj: Any, uow: Any | None = None) -> Any:
        obj.status = "closed"
        if uow is not None:
            return obj
        await db.commit()
        return obj


periods = CRUDBase()
"""


def _asa302(tmp_path: Path, files: dict[str, str], path: str) -> list[int]:
    root = write_project(tmp_path / "project", {"app/db.py": DB, "app/models.py": MODELS, **files})
    return [finding.line for finding in findings_in(root, path, "ASA302")]


def test_commit_behind_a_guard_counts_where_the_caller_leaves_the_parameter_at_its_default(tmp_path: Path) -> None:
    services = """\
from typing import Any

from app.crud import periods
from app.db import SessionLocal
from app.models import Account, Period


async def left_out(period_id: int) -> str:
    async with SessionLocal() as db:
        account = await db.get(Account, 1)
        period = await db.get(Period, period_id)
        await periods.update(db, period, {"status": "closed"})
        return account.plan  # ASA302


async def passed_none(period_id: int) -> str:
    async with SessionLocal() as db:
        account = await db.get(Account, 1)
        period = await db.get(Period, period_id)
        await periods.update(db, period, {"status": "closed"}, uow=None)
        return account.plan  # ASA302


async def passed_unknown(period_id: int, uow: Any) -> str:
    async with SessionLocal() as db:
        account = await db.get(Account, 1)
        period = await db.get(Period, period_id)
        await periods.update(db, period, {"status": "closed"}, uow=uow)
        return account.plan


async def flag_default(period: Period) -> str:
    async with SessionLocal() as db:
        account = await db.get(Account, 1)
        await periods.save(db, period)
        return account.plan  # ASA302


async def flag_off(period: Period) -> str:
    async with SessionLocal() as db:
        account = await db.get(Account, 1)
        await periods.save(db, period, auto_commit=False)
        return account.plan


async def early_return_left_out(period_id: int) -> str:
    async with SessionLocal() as db:
        account = await db.get(Account, 1)
        period = await db.get(Period, period_id)
        await periods.close(db, period)
        return account.plan  # ASA302


async def early_return_passed(period_id: int, uow: object) -> str:
    async with SessionLocal() as db:
        account = await db.get(Account, 1)
        period = await db.get(Period, period_id)
        await periods.close(db, period, uow)
        return account.plan
"""
    lines = _asa302(tmp_path, {"app/crud.py": CRUD, "app/services.py": services}, "app/services.py")
    assert lines == expected_lines(services, "ASA302")


def test_guard_argument_handed_on_by_a_repository_is_its_callers(tmp_path: Path) -> None:
    repository = """\
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.crud import periods
from app.models import Period


class PeriodRepository:
    async def update(self, db: AsyncSession, period: Period, values: dict[str, Any], uow: Any = None) -> Period:
        return await periods.update(db, period, values, uow=uow)
"""
    services = """\
from typing import Any

from app.db import SessionLocal
from app.models import Account, Period
from app.repository import PeriodRepository


class Billing:
    def __init__(self) -> None:
        self._periods = PeriodRepository()

    async def renew(self, period_id: int) -> str:
        async with SessionLocal() as db:
            account = await db.get(Account, 1)
            period = await db.get(Period, period_id)
            await self._periods.update(db, period, {"status": "renewed"})
            return account.plan  # ASA302

    async def renew_in(self, period_id: int, uow: Any) -> str:
        async with SessionLocal() as db:
            account = await db.get(Account, 1)
            period = await db.get(Period, period_id)
            await self._periods.update(db, period, {"status": "renewed"}, uow)
            return account.plan
"""
    files = {"app/crud.py": CRUD, "app/repository.py": repository, "app/services.py": services}
    assert _asa302(tmp_path, files, "app/services.py") == expected_lines(services, "ASA302")


def test_object_the_committing_callee_refreshes_is_fresh(tmp_path: Path) -> None:
    services = """\
from app.crud import periods
from app.db import SessionLocal
from app.models import Account, Period


async def refreshed(period_id: int) -> str:
    async with SessionLocal() as db:
        period = await db.get(Period, period_id)
        await periods.update(db, period, {"status": "closed"})
        return period.status


async def other_object(period_id: int) -> str:
    async with SessionLocal() as db:
        account = await db.get(Account, 1)
        period = await db.get(Period, period_id)
        await periods.update(db, period, {"status": "closed"})
        return f"{period.status} {account.plan}"  # ASA302
"""
    lines = _asa302(tmp_path, {"app/crud.py": CRUD, "app/services.py": services}, "app/services.py")
    assert lines == expected_lines(services, "ASA302")


PROTOCOL = """\
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Period


class PeriodStore(Protocol):
    async def close(self, db: AsyncSession, period: Period) -> Period: ...

    async def peek(self, db: AsyncSession, period: Period) -> Period: ...
"""


def _store(base: str = "") -> str:
    imports = "from app.ports import PeriodStore\n" if base else ""
    return f"""\
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Period
{imports}

class SqlPeriodStore{f"({base})" if base else ""}:
    async def close(self, db: AsyncSession, period: Period) -> Period:
        period.status = "closed"
        await db.commit()
        return period

    async def peek(self, db: AsyncSession, period: Period) -> Period:
        await db.flush()
        return period
"""


BILLING = """\
from app.db import SessionLocal
from app.models import Account, Period
from app.ports import PeriodStore


class Billing:
    def __init__(self, store: PeriodStore) -> None:
        self._store = store

    async def close(self, period_id: int) -> str:
        async with SessionLocal() as db:
            account = await db.get(Account, 1)
            period = await db.get(Period, period_id)
            await self._store.close(db, period)
            return account.plan  # ASA302

    async def peek(self, period_id: int) -> str:
        async with SessionLocal() as db:
            account = await db.get(Account, 1)
            period = await db.get(Period, period_id)
            await self._store.peek(db, period)
            return account.plan
"""
CONTAINER = """\
from app.billing import Billing
from app.stores import SqlPeriodStore


def billing() -> Billing:
    return Billing(SqlPeriodStore())
"""


def test_structural_protocol_runs_the_class_the_constructor_is_handed(tmp_path: Path) -> None:
    files = {"app/ports.py": PROTOCOL, "app/stores.py": _store(), "app/billing.py": BILLING}
    assert _asa302(tmp_path / "bare", files, "app/billing.py") == []  # nothing says which class implements it
    files["app/container.py"] = CONTAINER
    assert _asa302(tmp_path / "built", files, "app/billing.py") == expected_lines(BILLING, "ASA302")


def test_protocol_with_one_subclass_runs_it(tmp_path: Path) -> None:
    files = {"app/ports.py": PROTOCOL, "app/stores.py": _store("PeriodStore"), "app/billing.py": BILLING}
    assert _asa302(tmp_path / "one", files, "app/billing.py") == expected_lines(BILLING, "ASA302")
    # A test's fake does not count against the application's one implementation...
    fake = _store("PeriodStore").replace("SqlPeriodStore", "FakePeriodStore").replace("await db.commit()", "pass")
    files["tests/fakes.py"] = fake
    assert _asa302(tmp_path / "fake", files, "app/billing.py") == expected_lines(BILLING, "ASA302")
    # ...a second application implementation leaves the call unknown.
    files["app/cached.py"] = fake.replace("FakePeriodStore", "CachedPeriodStore")
    assert _asa302(tmp_path / "two", files, "app/billing.py") == []


def test_abstract_method_runs_the_one_subclass_that_implements_it(tmp_path: Path) -> None:
    ports = """\
from abc import ABC, abstractmethod

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Period


class PeriodStore(ABC):
    @abstractmethod
    async def close(self, db: AsyncSession, period: Period) -> Period:
        raise NotImplementedError

    @abstractmethod
    async def peek(self, db: AsyncSession, period: Period) -> Period:
        raise NotImplementedError
"""
    files = {"app/ports.py": ports, "app/stores.py": _store("PeriodStore"), "app/billing.py": BILLING}
    assert _asa302(tmp_path, files, "app/billing.py") == expected_lines(BILLING, "ASA302")


def test_commit_inside_begin_through_a_protocol_typed_attribute(tmp_path: Path) -> None:
    billing = """\
from app.db import SessionLocal
from app.models import Period
from app.ports import PeriodStore


class Billing:
    def __init__(self, store: PeriodStore) -> None:
        self._store = store

    async def close(self, period_id: int) -> None:
        async with SessionLocal() as db, db.begin():
            period = await db.get(Period, period_id)
            await self._store.close(db, period)  # ASA401
"""
    files = {"app/ports.py": PROTOCOL, "app/stores.py": _store("PeriodStore"), "app/billing.py": billing}
    root = write_project(tmp_path / "project", {"app/db.py": DB, "app/models.py": MODELS, **files})
    assert [f.line for f in findings_in(root, "app/billing.py", "ASA401")] == expected_lines(billing, "ASA401")


def test_webhook_handler_reads_an_object_after_a_protocol_repository_commits_by_default(tmp_path: Path) -> None:
    """The three together: an annotated session of the project's one factory, a repository typed
    by a protocol, and a CRUD base that commits unless handed a unit of work."""
    repository = """\
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.crud import periods
from app.models import Period


class PeriodRepositoryProtocol(Protocol):
    async def update(self, db: AsyncSession, *, db_obj: Period, values: dict[str, Any]) -> Period: ...


class PeriodRepository(PeriodRepositoryProtocol):
    async def update(self, db: AsyncSession, *, db_obj: Period, values: dict[str, Any]) -> Period:
        return await periods.update(db, db_obj, values)
"""
    webhooks = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Account, Period
from app.repository import PeriodRepositoryProtocol


class WebhookProcessor:
    def __init__(self, period_repo: PeriodRepositoryProtocol) -> None:
        self._period_repo = period_repo

    async def period_ended(self, db: AsyncSession, account_id: int, period_id: int) -> str:
        account = await db.get(Account, account_id)
        period = await db.get(Period, period_id)
        await self._period_repo.update(db, db_obj=period, values={"status": "ended"})
        return account.plan  # ASA302
"""
    files = {"app/crud.py": CRUD, "app/repository.py": repository, "app/webhooks.py": webhooks}
    assert _asa302(tmp_path, files, "app/webhooks.py") == expected_lines(webhooks, "ASA302")
