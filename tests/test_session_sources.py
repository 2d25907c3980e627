"""Every way real code obtains a session, against every rule that consumes sessions.

One table of source forms (how a function gets its session) and one table of rule uses (what
the function then does wrong). Each form that can carry a rule's violation gets an INVALID case
whose only session evidence is that form; forms that cannot (a parameter cannot be created at
module level) say why. VALID negatives put HTTP clients, pools and factories where the session
was. Adding a form adds its cases for every rule.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import findings_in, write_project

from alchemy_lint.facts.injection import DEFAULT_SESSION_KEY, session_key

#: The database module every form can import: a default-expire factory (so that ASA302 has
#: evidence), an engine, and the session helper of the project.
DB = """\
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine)


@asynccontextmanager
async def get_a_session():
    async with SessionLocal() as session:
        yield session
"""

MODELS = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
"""

HEADER = """\
import asyncio

from sqlalchemy import select

from app.models import User
from app.saving import save


async def touch(session) -> None: ...

"""

#: A helper that adds the new object its caller built to the session it is given and commits:
#: the commit expires the object in the caller, as the caller's own commit would.
SAVING = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import User


async def save(session: AsyncSession, user: User) -> None:
    session.add(user)
    await session.commit()
"""


@dataclass(frozen=True)
class Form:
    """One way a function obtains `session`.

    `wrap(body)` is the module with a function whose body is `body` (lines using `session`);
    `expr` is an expression that makes a new session, for forms that have one (ASA107 helpers,
    ASA202 module-level sessions). `not_for` maps a rule to why the form cannot carry it.
    """

    name: str
    wrap: Callable[[list[str]], str]
    files: dict[str, str] = field(default_factory=dict)
    expr: str | None = None
    imports: str = ""
    not_for: dict[str, str] = field(default_factory=dict)
    path: str = "app/handlers.py"


def _function(
    params: str, opener: list[str] | None = None, imports: str = "", name: str = "handler"
) -> Callable[[list[str]], str]:
    """`async def handler(<params>):`, then the opener lines (a `with` indents the body)."""

    def wrap(body: list[str]) -> str:
        lines = [f"async def {name}({params}):"]
        depth = 1
        for line in opener or []:
            lines.append("    " * depth + line)
            if line.rstrip().endswith(":"):
                depth += 1
        lines.extend("    " * depth + line for line in body)
        return imports + HEADER + "\n".join(lines) + "\n"

    return wrap


def _method(init: list[str], imports: str = "", dataclass: bool = False) -> Callable[[list[str]], str]:
    """A service class that keeps `self.session` (set up in `__init__`, or a dataclass field); the
    body runs in a method."""

    def wrap(body: list[str]) -> str:
        if dataclass:
            lines = ["@dataclass", "class Service:", "    session: AsyncSession"]
        else:
            lines = ["class Service:", "    def __init__(self) -> None:"]
            lines.extend("        " + line for line in init)
        lines.append("")
        lines.append("    async def handler(self):")
        lines.append("        session = self.session")
        lines.extend("        " + line.replace("session", "self.session") for line in body)
        return imports + HEADER + "\n".join(lines) + "\n"

    return wrap


def _kept(
    init: list[str], opener: str, built: str, imports: str = "", header: str = "class Store:"
) -> Callable[[list[str]], str]:
    """A class that keeps what its constructor is given (`init`, the class body above the method);
    its method gets the session off `self` (`opener`); the module builds it (`built`): the only
    evidence of what the class keeps is what the construction sites pass."""

    def wrap(body: list[str]) -> str:
        lines = [*header.splitlines(), *("    " + line for line in init), "", "    async def handler(self):"]
        lines.append("        " + opener)
        depth = 3 if opener.endswith(":") else 2
        lines.extend("    " * depth + line for line in body)
        return imports + HEADER + "\n".join(lines) + "\n\n\n" + built + "\n"

    return wrap


def _model_method(body: list[str]) -> str:
    """A method of a mapped class that takes the session its object belongs to: the session of
    the query that loaded the object (`async_object_session(self)`)."""
    lines = [
        "class Account(Base):",
        '    __tablename__ = "accounts"',
        "    id: Mapped[int] = mapped_column(primary_key=True)",
        "",
        "    async def handler(self):",
        "        session = async_object_session(self)",
    ]
    lines.extend("        " + line for line in body)
    imports = (
        "from sqlalchemy.ext.asyncio import async_object_session\n"
        "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom app.models import Base\n"
    )
    return imports + HEADER + "\n".join(lines) + "\n"


def _called_method(imports: str) -> Callable[[list[str]], str]:
    """A method whose `Any` parameter says nothing of itself; another method of the class opens a
    session and passes it by keyword: the only evidence is what the caller passes."""

    def wrap(body: list[str]) -> str:
        lines = ["class Service:", "    async def handler(self, *, session: Any):"]
        lines.extend("        " + line for line in body)
        lines.append("")
        lines.append("    async def run(self):")
        lines.append("        async with SessionLocal() as opened:")
        lines.append("            await self.handler(session=opened)")
        return imports + HEADER + "\n".join(lines) + "\n"

    return wrap


#: A module whose functions pass `handler` the session they open, one call deep and two.
CALLERS = """\
from app.db import SessionLocal
from app.handlers import handler


async def route():
    async with SessionLocal() as session:
        await handler(session, 1)


async def service(db):
    await handler(db, 2)


async def other_route():
    async with SessionLocal() as session:
        await service(session)
"""

_NO_EXPIRY = "the form says nothing of the factory, so expire_on_commit is unknown (judged only with preview)"
_NOT_CREATED = "the form receives a session; it does not create one"
_NOT_A_FACTORY = "the session does not come straight from a factory in an `async with`"
_CONTEXT = "an `async with` form opens and closes its session around the block"
_CONTEXT_ONLY = {"ASA107": _CONTEXT, "ASA202": _CONTEXT}

#: advanced-alchemy's configuration, as Litestar and FastAPI applications set it up: session options
#: that leave expire_on_commit at its default, and the factory the config builds.
ADVANCED_ALCHEMY = """\
from advanced_alchemy.extensions.litestar import AsyncSessionConfig, SQLAlchemyAsyncConfig

config = SQLAlchemyAsyncConfig(
    connection_string="sqlite+aiosqlite://", session_config=AsyncSessionConfig(autoflush=False)
)
session_maker = config.create_session_maker()
"""

#: A dependency provider that scripts and workers also drive by hand.
PROVIDER = (
    "from app.db import SessionLocal\n\n\nasync def get_db():\n    async with SessionLocal() as session:\n"
    "        yield session\n"
)
_NEXT_ITEM = {
    "ASA106": _NOT_A_FACTORY,
    "ASA107": "the provider it takes the session from opens and closes it",
    "ASA202": "an `await` does not run at module level",
}

_CM_HELPER = "the class is the project's session helper"
#: A class whose instances exist to be entered: `__aenter__` gives the session `__init__` opened.
_CM_CLASS = """\
from app.db import SessionLocal


class GetDB:
    def __init__(self) -> None:
        self.db = SessionLocal()

    async def __aenter__(self):
        return self.db

    async def __aexit__(self, *exc) -> None:
        await self.db.close()
"""
#: Litestar with advanced-alchemy's plugin: it injects the config's session into handlers by name.
_LITESTAR_PLUGIN = """\
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, {plugin}
from litestar import Litestar

app = Litestar(
    [], plugins=[{plugin}(config=SQLAlchemyAsyncConfig(connection_string="sqlite+aiosqlite://"{config}))]
)
"""

FORMS = (
    Form(
        "advanced-alchemy create_session_maker()",
        _function("", ["session = session_maker()"], "from app.aa import session_maker\n"),
        files={"app/aa.py": ADVANCED_ALCHEMY},
        expr="session_maker()",
        imports="from app.aa import session_maker\n",
        not_for={"ASA106": _NOT_A_FACTORY},
    ),
    Form(
        "advanced-alchemy get_session()",
        _function("", ["async with config.get_session() as session:"], "from app.aa import config\n"),
        files={"app/aa.py": ADVANCED_ALCHEMY},
        not_for={**_CONTEXT_ONLY, "ASA106": "get_session() is the config's own session helper"},
    ),
    Form(
        "advanced-alchemy factory kept in a worker context",
        _function("ctx", ['async with ctx["session_maker"]() as session:']),
        files={
            "app/aa.py": ADVANCED_ALCHEMY,
            "app/worker.py": "from app.aa import config\n\n\nasync def startup(ctx) -> None:\n"
            '    ctx["session_maker"] = config.create_session_maker()\n',
        },
        not_for=_CONTEXT_ONLY,
    ),
    Form(
        "factory call",
        _function("", ["session = SessionLocal()"], "from app.db import SessionLocal\n"),
        expr="SessionLocal()",
        imports="from app.db import SessionLocal\n",
        not_for={"ASA106": _NOT_A_FACTORY},
    ),
    Form(
        "factory context",
        _function("", ["async with SessionLocal() as session:"], "from app.db import SessionLocal\n"),
        not_for=_CONTEXT_ONLY,
    ),
    Form(
        "factory begin",
        _function("", ["async with SessionLocal.begin() as session:"], "from app.db import SessionLocal\n"),
        not_for={
            **_CONTEXT_ONLY,
            "ASA302": "the block commits and closes the session itself; nothing is read after it here",
            "ASA402": "a commit inside its begin() block is ASA401's finding, not a policy vote",
        },
    ),
    Form(
        "session class",
        _function(
            "",
            ["session = AsyncSession(engine)"],
            "from sqlalchemy.ext.asyncio import AsyncSession\n\nfrom app.db import engine\n",
        ),
        expr="AsyncSession(engine)",
        imports="from sqlalchemy.ext.asyncio import AsyncSession\n\nfrom app.db import engine\n",
        not_for={"ASA106": _NOT_A_FACTORY},
    ),
    Form(
        "function returning one",
        _function("", ["session = make_session()"], "from app.sources import make_session\n"),
        files={
            "app/sources.py": "from app.db import SessionLocal\n\n\ndef make_session():\n    return SessionLocal()\n"
        },
        expr="make_session()",
        imports="from app.sources import make_session\n",
        not_for={"ASA106": _NOT_A_FACTORY},
    ),
    Form(
        "provider iterated by async for",
        _function("", ["async for session in get_db():"], "from app.sources import get_db\n"),
        files={"app/sources.py": PROVIDER},
        not_for={**_CONTEXT_ONLY, "ASA106": _NOT_A_FACTORY},
    ),
    Form(
        "provider's next item (anext)",
        _function("", ["session = await anext(get_db())"], "from app.sources import get_db\n"),
        files={"app/sources.py": PROVIDER},
        not_for=_NEXT_ITEM,
    ),
    Form(
        "provider's next item (__anext__)",
        _function("", ["session = await get_db().__anext__()"], "from app.sources import get_db\n"),
        files={"app/sources.py": PROVIDER},
        not_for=_NEXT_ITEM,
    ),
    Form(
        "session helper",
        _function("", ["async with get_a_session() as session:"], "from app.db import get_a_session\n"),
        not_for={**_CONTEXT_ONLY, "ASA106": "the helper is the sanctioned way"},
    ),
    Form(
        "helper made by calling asynccontextmanager",
        _function("", ["async with scope() as session:"], "from app.sources import scope\n"),
        files={
            "app/sources.py": "from contextlib import asynccontextmanager\n\nfrom app.db import SessionLocal\n\n\n"
            "async def _scope():\n    async with SessionLocal() as session:\n        yield session\n\n\n"
            "scope = asynccontextmanager(_scope)\n"
        },
        not_for={**_CONTEXT_ONLY, "ASA106": _NOT_A_FACTORY},
    ),
    Form(
        "helper a builder returns (a closure)",
        _function("", ["async with scope() as session:"], "from app.sources import scope\n"),
        files={
            "app/sources.py": "from contextlib import asynccontextmanager\n\nfrom app.db import SessionLocal\n\n\n"
            "def build():\n    @asynccontextmanager\n    async def opened():\n"
            "        async with SessionLocal() as session:\n            yield session\n\n"
            "    return opened\n\n\nscope = build()\n"
        },
        not_for={**_CONTEXT_ONLY, "ASA106": _NOT_A_FACTORY},
    ),
    Form(
        "method of a registry object",
        _function("", ["async with database.session() as session:"], "from app.sources import database\n"),
        files={
            "app/sources.py": "from contextlib import asynccontextmanager\n\nfrom app.db import engine\n"
            "from sqlalchemy.ext.asyncio import async_sessionmaker\n\n\nclass Database:\n"
            "    def __init__(self) -> None:\n        self._factory = async_sessionmaker(engine)\n\n"
            "    @asynccontextmanager\n    async def session(self):\n        async with self._factory() as session:\n"
            "            yield session\n\n\ndatabase = Database()\n"
        },
        not_for={**_CONTEXT_ONLY, "ASA106": _NOT_A_FACTORY},
    ),
    Form(
        "factory on app.state",
        _function(
            "request: Request", ["async with request.app.state.db() as session:"], "from fastapi import Request\n"
        ),
        files={
            "app/main.py": "from contextlib import asynccontextmanager\n\nfrom fastapi import FastAPI\n"
            "from sqlalchemy.ext.asyncio import async_sessionmaker\n\nfrom app.db import engine\n\n\n"
            "@asynccontextmanager\nasync def lifespan(app: FastAPI):\n"
            "    app.state.db = async_sessionmaker(engine)\n    yield\n"
        },
        not_for=_CONTEXT_ONLY,
    ),
    Form(
        "factory under a worker context key",
        _function("ctx", ['async with ctx["session_maker"]() as session:']),
        files={
            "app/worker.py": "from app.db import SessionLocal\n\n\n"
            'async def startup(ctx) -> None:\n    ctx["session_maker"] = SessionLocal\n'
        },
        not_for=_CONTEXT_ONLY,
    ),
    Form(
        "factory under an application key",
        _function("request", ['async with request.app["db"]() as session:']),
        files={
            "app/main.py": "from aiohttp import web\n\nfrom app.db import SessionLocal\n\n\n"
            'def make_app():\n    app = web.Application()\n    app["db"] = SessionLocal\n    return app\n'
        },
        not_for=_CONTEXT_ONLY,
    ),
    Form(
        "callable factory class",
        _function("", ["session = make()"], "from app.sources import make\n"),
        files={
            "app/sources.py": "from sqlalchemy.ext.asyncio import AsyncSession\n\nfrom app.db import engine\n\n\n"
            "class SessionMaker:\n    def __call__(self):\n        return AsyncSession(engine)\n\n\n"
            "make = SessionMaker()\n"
        },
        expr="make()",
        imports="from app.sources import make\n",
        not_for={"ASA106": _NOT_A_FACTORY},
    ),
    Form(
        "Depends default",
        _function(
            "session=Depends(get_session)", [], "from fastapi import Depends\n\nfrom app.deps import get_session\n"
        ),
        files={
            "app/deps.py": "from app.db import SessionLocal\n\n\nasync def get_session():\n"
            "    async with SessionLocal() as session:\n        yield session\n"
        },
        not_for={"ASA106": _NOT_A_FACTORY, "ASA107": _NOT_CREATED, "ASA202": _NOT_CREATED},
    ),
    Form(
        "Annotated Depends alias",
        _function("session: SessionDep", [], "from app.deps import SessionDep\n"),
        files={
            "app/deps.py": "from typing import Annotated\n\nfrom fastapi import Depends\n"
            "from sqlalchemy.ext.asyncio import AsyncSession\n\nfrom app.db import SessionLocal\n\n\n"
            "async def get_session():\n    async with SessionLocal() as session:\n        yield session\n\n\n"
            "SessionDep = Annotated[AsyncSession, Depends(get_session)]\n"
        },
        not_for={"ASA106": _NOT_A_FACTORY, "ASA107": _NOT_CREATED, "ASA202": _NOT_CREATED},
    ),
    Form(
        "dishka FromDishka parameter",
        _function(
            "session: FromDishka[AsyncSession]",
            [],
            "from dishka.integrations.fastapi import FromDishka\nfrom sqlalchemy.ext.asyncio import AsyncSession\n",
        ),
        not_for={"ASA106": _NOT_A_FACTORY, "ASA107": _NOT_CREATED, "ASA202": _NOT_CREATED},
    ),
    Form(
        "NewType of the session class",
        _function("session: WriteSession", [], "from app.types import WriteSession\n"),
        files={
            "app/types.py": "from typing import NewType\n\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n"
            'ReadSession = NewType("ReadSession", AsyncSession)\nWriteSession = NewType("WriteSession", ReadSession)\n'
        },
        not_for={"ASA106": _NOT_A_FACTORY, "ASA107": _NOT_CREATED, "ASA202": _NOT_CREATED, "ASA302": _NO_EXPIRY},
    ),
    Form(
        "self attribute set in __init__",
        _method(["self.session = SessionLocal()"], imports="from app.db import SessionLocal\n"),
        not_for={"ASA106": _NOT_A_FACTORY, "ASA107": _NOT_CREATED, "ASA202": "kept per instance, not on the class"},
    ),
    Form(
        "dataclass field",
        _method(
            [],
            imports="from dataclasses import dataclass\n\nfrom sqlalchemy.ext.asyncio import AsyncSession\n",
            dataclass=True,
        ),
        not_for={"ASA106": _NOT_A_FACTORY, "ASA107": _NOT_CREATED, "ASA202": _NOT_CREATED, "ASA302": _NO_EXPIRY},
    ),
    Form(
        "factory a constructor keeps (unannotated parameter)",
        _kept(
            ["def __init__(self, make_session) -> None:", "    self._make = make_session"],
            "async with self._make() as session:",
            "store = Store(SessionLocal)",
            "from app.db import SessionLocal\n",
        ),
        not_for=_CONTEXT_ONLY,
    ),
    Form(
        "session a constructor keeps, built where the session is opened",
        _kept(
            ["def __init__(self, db) -> None:", "    self.db = db"],
            "session = self.db",
            "async def route():\n    async with SessionLocal() as session:\n        await Store(session).handler()",
            "from app.db import SessionLocal\n",
        ),
        not_for={"ASA106": _NOT_A_FACTORY, "ASA107": _NOT_CREATED, "ASA202": _NOT_CREATED},
    ),
    Form(
        "dataclass field with a vague annotation, filled by keyword",
        _kept(
            ["make: Callable[..., Any]"],
            "async with self.make() as session:",
            "store = Store(make=SessionLocal)",
            "from dataclasses import dataclass\nfrom typing import Any, Callable\n\nfrom app.db import SessionLocal\n",
            header="@dataclass\nclass Store:",
        ),
        not_for=_CONTEXT_ONLY,
    ),
    Form(
        "constructor argument handed on to the base class",
        _kept(
            ["def __init__(self, maker, name: str = '') -> None:", "    super().__init__(maker)"],
            "async with self.maker() as session:",
            "store = Store(maker=SessionLocal)",
            "from app.db import SessionLocal\nfrom app.sources import Base\n",
            header="class Store(Base):",
        ),
        files={"app/sources.py": "class Base:\n    def __init__(self, maker) -> None:\n        self.maker = maker\n"},
        not_for=_CONTEXT_ONLY,
    ),
    Form(
        # Private, and the sessionmaker it wraps comes in through an annotated constructor
        # parameter: the session expires on commit as that sessionmaker's do (DB's default).
        "private callable class over the sessionmaker its constructor got",
        _function("", ["async with sessions() as session:"], "from app.sources import sessions\n"),
        files={
            "app/sources.py": "from contextlib import asynccontextmanager\n\n"
            "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n\n"
            "from app.db import SessionLocal\n\n\nclass _SessionSource:\n"
            "    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:\n"
            "        self._sessionmaker = sessionmaker\n\n    @asynccontextmanager\n"
            "    async def __call__(self):\n        async with self._sessionmaker() as session:\n"
            "            yield session\n\n\nsessions = _SessionSource(SessionLocal)\n"
        },
        not_for={**_CONTEXT_ONLY, "ASA106": _NOT_A_FACTORY},
    ),
    Form(
        "callable wrapper class over what its constructor got",
        _function("", ["async with sessions() as session:"], "from app.sources import sessions\n"),
        files={
            "app/sources.py": "from app.db import get_a_session\n\n\nclass Sessions:\n"
            "    def __init__(self, db=None, fallback=None) -> None:\n        self._db = db or fallback\n\n"
            "    def __call__(self):\n        return self._db()\n\n\nsessions = Sessions(fallback=get_a_session)\n"
        },
        not_for={**_CONTEXT_ONLY, "ASA106": _NOT_A_FACTORY},
    ),
    Form(
        "closure over the enclosing session",
        _function(
            "", ["async with SessionLocal() as session:", "async def inner():"], "from app.db import SessionLocal\n"
        ),
        not_for={
            "ASA106": _NOT_A_FACTORY,
            "ASA107": _NOT_CREATED,
            "ASA202": _NOT_CREATED,
            "ASA201": "covered by test_closure_run_concurrently_shares_the_session (the closure is the work)",
        },
    ),
    Form(
        "pytest fixture",
        _function("session", [], name="test_handler"),
        files={
            "tests/conftest.py": "import pytest\n\nfrom app.db import SessionLocal\n\n\n@pytest.fixture\n"
            "async def session():\n    async with SessionLocal() as session:\n        yield session\n"
        },
        path="tests/test_handlers.py",
        not_for={
            "ASA106": _NOT_A_FACTORY,
            "ASA107": _NOT_CREATED,
            "ASA202": _NOT_CREATED,
            "ASA402": "test modules neither vote on nor are judged by the transaction policy",
            "ASA201": "test modules share a session across tasks on purpose and are not judged",
        },
    ),
    Form(
        "Litestar dependency by name",
        lambda body: _function("db_session", [])(["session = db_session", *body]).replace(
            "async def handler(", '@get("/")\nasync def handler('
        ),
        files={
            "app/main.py": "from litestar import Litestar\nfrom litestar.di import Provide\n\n"
            "from app.deps import provide_session\n\n"
            'app = Litestar([], dependencies={"db_session": Provide(provide_session)})\n',
            "app/deps.py": "from app.db import SessionLocal\n\n\nasync def provide_session():\n"
            "    async with SessionLocal() as session:\n        yield session\n",
        },
        not_for={"ASA106": _NOT_A_FACTORY, "ASA107": _NOT_CREATED, "ASA202": _NOT_CREATED},
    ),
    Form(
        "class-based async context manager opening it in __init__",
        _function("", ["async with GetDB() as session:"], "from app.sources import GetDB\n"),
        files={"app/sources.py": _CM_CLASS},
        not_for={**_CONTEXT_ONLY, "ASA106": _CM_HELPER},
    ),
    Form(
        "class-based async context manager opening it in __aenter__",
        _function("", ["async with Scope() as session:"], "from app.sources import Scope\n"),
        files={
            "app/sources.py": "from app.db import SessionLocal\n\n\nclass Scope:\n"
            "    async def __aenter__(self):\n        self.session = SessionLocal()\n        return self.session\n\n"
            "    async def __aexit__(self, *exc) -> None:\n        await self.session.close()\n"
        },
        not_for={**_CONTEXT_ONLY, "ASA106": _CM_HELPER},
    ),
    Form(
        "class-based sync context manager",
        _function("", ["with Scope() as session:"], "from app.sources import Scope\n"),
        files={
            "app/sources.py": "from app.db import SessionLocal\n\n\nclass Scope:\n"
            "    def __enter__(self):\n        return SessionLocal()\n\n"
            "    def __exit__(self, *exc) -> None:\n        pass\n"
        },
        not_for={**_CONTEXT_ONLY, "ASA106": _CM_HELPER},
    ),
    Form(
        "Litestar SQLAlchemy plugin's injected session",
        lambda body: _function("db_session")(["session = db_session", *body]).replace(
            "async def handler(", '@get("/")\nasync def handler('
        ),
        files={"app/main.py": _LITESTAR_PLUGIN.format(plugin="SQLAlchemyPlugin", config="")},
        not_for={"ASA106": _NOT_A_FACTORY, "ASA107": _NOT_CREATED, "ASA202": _NOT_CREATED},
    ),
    Form(
        "Litestar SQLAlchemy init plugin's session, annotated, under its own key",
        lambda body: _function("db: AsyncSession", imports="from sqlalchemy.ext.asyncio import AsyncSession\n")(
            ["session = db", *body]
        ).replace("async def handler(", '@post("/")\nasync def handler('),
        files={
            "app/main.py": _LITESTAR_PLUGIN.format(
                plugin="SQLAlchemyInitPlugin", config=', session_dependency_key="db"'
            )
        },
        not_for={"ASA106": _NOT_A_FACTORY, "ASA107": _NOT_CREATED, "ASA202": _NOT_CREATED},
    ),
    Form(
        "parameter with no annotation that the project's callers pass a session",
        _function("session, user_id"),
        files={"app/routes.py": CALLERS},
        not_for={"ASA106": _NOT_A_FACTORY, "ASA107": _NOT_CREATED, "ASA202": _NOT_CREATED},
    ),
    Form(
        "`Any` parameter of a method that its caller passes a session by keyword",
        _called_method("from typing import Any\n\nfrom app.db import SessionLocal\n"),
        not_for={"ASA106": _NOT_A_FACTORY, "ASA107": _NOT_CREATED, "ASA202": _NOT_CREATED},
    ),
    Form(
        "async_object_session",
        _function(
            "user: User",
            ["session = async_object_session(user)"],
            "from sqlalchemy.ext.asyncio import async_object_session\n",
        ),
        not_for={"ASA106": _NOT_A_FACTORY, "ASA107": _NOT_CREATED, "ASA202": _NOT_CREATED, "ASA302": _NO_EXPIRY},
    ),
    Form(
        "async_object_session(self) in a model's method",
        _model_method,
        not_for={"ASA106": _NOT_A_FACTORY, "ASA107": _NOT_CREATED, "ASA202": _NOT_CREATED, "ASA302": _NO_EXPIRY},
    ),
)

#: The litestar decorator is imported by the handler module that uses it.
_LITESTAR_IMPORT = "from litestar import get, post\n"


@dataclass(frozen=True)
class Use:
    """What a function does wrong with its session, for one rule; `# ASA` marks the finding's line.
    `name` tells apart two uses of one rule (the test ids)."""

    code: str
    body: list[str]
    config: str = ""
    name: str = ""

    @property
    def id(self) -> str:
        return f"{self.code}-{self.name}" if self.name else self.code


USES = (
    Use("ASA201", ["await asyncio.gather(touch(session), touch(session))  # ASA"]),
    Use("ASA302", ["user = await session.get(User, 1)", "await session.commit()", "print(user.name)  # ASA"]),
    Use("ASA401", ["async with session.begin():", "    await session.commit()  # ASA"]),
    Use("ASA402", ["await session.commit()  # ASA"], config='transaction-policy = "unit-of-work"'),
    Use(
        "ASA302",
        ['user = User(name="new")', "await save(session, user)", "print(user.name)  # ASA"],
        name="new object committed by a callee",
    ),
)


def _source(form: Form, body: list[str]) -> str:
    source = form.wrap(body)
    if "@get(" in source or "@post(" in source:
        source = _LITESTAR_IMPORT + source
    return source


def _expected(source: str) -> list[int]:
    return [number for number, line in enumerate(source.splitlines(), 1) if line.rstrip().endswith("# ASA")]


def _findings(tmp_path: Path, form: Form, source: str, code: str, config: str = "") -> list[int]:
    files = {"app/db.py": DB, "app/models.py": MODELS, "app/saving.py": SAVING, **form.files, form.path: source}
    root = write_project(tmp_path / "project", files, config)
    return [finding.line for finding in findings_in(root, form.path, code)]


def _body_cases() -> list[object]:
    cases: list[object] = []
    for form in FORMS:
        for use in USES:
            if use.code in form.not_for:
                continue
            cases.append(pytest.param(form, use, id=f"{use.id}-{form.name}"))
    return cases


@pytest.mark.parametrize(("form", "use"), _body_cases())
def test_form_is_evidence_for_the_rule(form: Form, use: Use, tmp_path: Path) -> None:
    source = _source(form, use.body)
    expected = _expected(source)
    assert expected
    assert _findings(tmp_path, form, source, use.code, use.config) == expected, source


def _helper_cases() -> list[object]:
    return [
        pytest.param(form, id=f"ASA107-{form.name}") for form in FORMS if form.expr and "ASA107" not in form.not_for
    ]


@pytest.mark.parametrize("form", _helper_cases())
def test_form_opened_in_an_unguarded_helper_is_reported(form: Form, tmp_path: Path) -> None:
    source = (
        "from contextlib import asynccontextmanager\n\n"
        + form.imports
        + f"\n\n@asynccontextmanager\nasync def open_session():\n    session = {form.expr}\n"
        "    yield session  # ASA\n    await session.close()\n"
    )
    assert _findings(tmp_path, form, source, "ASA107") == _expected(source), source


def _module_level_cases() -> list[object]:
    return [
        pytest.param(form, id=f"ASA202-{form.name}") for form in FORMS if form.expr and "ASA202" not in form.not_for
    ]


@pytest.mark.parametrize("form", _module_level_cases())
def test_form_kept_at_module_level_is_reported(form: Form, tmp_path: Path) -> None:
    source = (
        form.imports + f"\nsession = {form.expr}  # ASA\n\n\nasync def handler() -> None:\n    await session.close()\n"
    )
    assert _findings(tmp_path, form, source, "ASA202") == _expected(source), source


def _factory_cases() -> list[object]:
    return [pytest.param(form, id=f"ASA106-{form.name}") for form in FORMS if "ASA106" not in form.not_for]


@pytest.mark.parametrize("form", _factory_cases())
def test_form_opened_straight_from_a_factory_is_reported_where_the_helper_exists(form: Form, tmp_path: Path) -> None:
    source = form.wrap(["await session.commit()"])
    opener = next(
        number for number, line in enumerate(source.splitlines(), 1) if "async with" in line and "as session" in line
    )
    assert _findings(tmp_path, form, source, "ASA106") == [opener], source


def test_every_form_is_evidence_for_some_rule_and_every_gap_is_explained() -> None:
    rules = {"ASA106", "ASA107", "ASA201", "ASA202", "ASA302", "ASA401", "ASA402"}
    for form in FORMS:
        assert set(form.not_for) <= rules, form.name
        assert rules - set(form.not_for), f"{form.name} is evidence for no rule"
        assert all(reason for reason in form.not_for.values())
        if "ASA107" not in form.not_for or "ASA202" not in form.not_for:
            assert form.expr, f"{form.name} needs an expression that makes a session"


def test_closure_run_concurrently_shares_the_session(tmp_path: Path) -> None:
    source = HEADER.replace("import asyncio\n", "import asyncio\n\nfrom app.db import SessionLocal\n") + (
        "async def handler():\n"
        "    async with SessionLocal() as session:\n"
        "        async def work(i):\n"
        "            await session.execute(select(User))\n\n"
        "        await asyncio.gather(work(1), work(2))  # ASA\n"
    )
    form = Form("closure", lambda body: source)
    assert _findings(tmp_path, form, source, "ASA201") == _expected(source)


def test_a_value_that_runs_statements_is_an_execution_target(tmp_path: Path) -> None:
    source = HEADER + (
        "async def handler(conn):\n"
        "    await asyncio.gather(conn.execute(select(User)), conn.execute(select(User)))  # ASA\n"
    )
    form = Form("usage", lambda body: source)
    assert _findings(tmp_path, form, source, "ASA201") == _expected(source)


def test_repositories_kept_on_self_share_the_session_they_were_built_from(tmp_path: Path) -> None:
    source = HEADER.replace(
        "import asyncio\n", "import asyncio\n\nfrom sqlalchemy.ext.asyncio import AsyncSession\n"
    ) + (
        "class Repository:\n"
        "    def __init__(self, session: AsyncSession) -> None:\n        self.session = session\n\n"
        "    async def count(self) -> int: ...\n\n\n"
        "class Dashboard:\n"
        "    def __init__(self, session: AsyncSession) -> None:\n"
        "        self.posts = Repository(session)\n        self.users = Repository(session)\n\n"
        "    async def counts(self):\n"
        "        await asyncio.gather(self.posts.count(), self.users.count())  # ASA\n"
    )
    form = Form("held", lambda body: source)
    assert _findings(tmp_path, form, source, "ASA201") == _expected(source)


# -- VALID negatives: names and shapes that are not ORM sessions ------------------------

NEGATIVES = {
    "aiohttp ClientSession": ("import aiohttp\n", "async with aiohttp.ClientSession() as session:"),
    "httpx AsyncClient": ("import httpx\n", "async with httpx.AsyncClient() as session:"),
    "asyncpg pool": ("import asyncpg\n", "session = await asyncpg.create_pool('postgresql://')"),
    "redis client named session": ("import redis.asyncio as redis\n", "session = redis.Redis()"),
    "factory passed instead of a session": ("from app.db import SessionLocal\n", "session = SessionLocal"),
}


@pytest.mark.parametrize("use", USES, ids=[use.id for use in USES])
@pytest.mark.parametrize("negative", NEGATIVES, ids=list(NEGATIVES))
def test_other_clients_and_factories_are_not_sessions(negative: str, use: Use, tmp_path: Path) -> None:
    imports, opener = NEGATIVES[negative]
    form = Form(negative, _function("", [opener], imports))
    source = form.wrap([line.replace("  # ASA", "") for line in use.body])
    assert _findings(tmp_path, form, source, use.code, use.config) == [], source


@pytest.mark.parametrize("use", USES, ids=[use.id for use in USES])
@pytest.mark.parametrize("kept", ["httpx.AsyncClient()", "await SessionLocal().get(User, 1)", "'sqlite://'"])
def test_a_mapping_key_that_keeps_no_session_or_factory_is_no_evidence(kept: str, use: Use, tmp_path: Path) -> None:
    # The same key keeps a client, an ORM object or a URL: only database handles count.
    worker = (
        "import httpx\n\nfrom app.db import SessionLocal\nfrom app.models import User\n\n\n"
        f'async def startup(ctx) -> None:\n    ctx["session"] = {kept}\n'
    )
    form = Form("mapping key", _function("ctx", ['session = ctx["session"]']), files={"app/worker.py": worker})
    source = form.wrap([line.replace("  # ASA", "") for line in use.body])
    assert _findings(tmp_path, form, source, use.code, use.config) == [], source


#: What a key also keeps elsewhere in the project, beside a session factory.
_ALSO_KEPT = {"a client": "httpx.AsyncClient()", "a literal": "None", "an argument": "client"}


@pytest.mark.parametrize("use", USES, ids=[use.id for use in USES])
@pytest.mark.parametrize("other", _ALSO_KEPT.values(), ids=list(_ALSO_KEPT))
def test_a_mapping_key_that_also_keeps_something_else_is_no_evidence(other: str, use: Use, tmp_path: Path) -> None:
    form = next(form for form in FORMS if form.name == "factory under a worker context key")
    # (A module the prefilter drops, one that never reaches the database, is not read.)
    other_module = (
        "import httpx\n\nfrom app.db import engine\n\n\n"
        f'async def prepare(ctx, client) -> None:\n    ctx["session_maker"] = {other}\n'
    )
    form = Form(form.name, form.wrap, files={**form.files, "app/other.py": other_module})
    source = form.wrap([line.replace("  # ASA", "") for line in use.body])
    assert _findings(tmp_path, form, source, use.code, use.config) == [], source


#: Context-manager classes whose instances are no session: one that enters an HTTP client, one
#: with a public method of its own (an object that is used, not only entered).
_NOT_SESSION_CM = {
    "enters an HTTP client": "import httpx\n\n\nclass GetDB:\n"
    "    def __init__(self) -> None:\n        self.db = httpx.AsyncClient()\n\n"
    "    async def __aenter__(self):\n        return self.db\n\n"
    "    async def __aexit__(self, *exc) -> None:\n        await self.db.aclose()\n",
    "has a public method": _CM_CLASS + "\n    async def refresh(self) -> None: ...\n",
}


@pytest.mark.parametrize("use", USES, ids=[use.id for use in USES])
@pytest.mark.parametrize("module", _NOT_SESSION_CM.values(), ids=list(_NOT_SESSION_CM))
def test_a_context_manager_class_that_is_not_only_a_session_scope_is_no_evidence(
    module: str, use: Use, tmp_path: Path
) -> None:
    form = Form(
        "class",
        _function("", ["async with GetDB() as session:"], "from app.sources import GetDB\n"),
        files={"app/sources.py": module},
    )
    source = form.wrap([line.replace("  # ASA", "") for line in use.body])
    assert _findings(tmp_path, form, source, use.code, use.config) == [], source


#: Litestar applications whose handlers' `db_session` no SQLAlchemy plugin fills.
_NO_PLUGIN = {
    "no plugin": "from litestar import Litestar\n\napp = Litestar([])\n",
    "another plugin": "from litestar import Litestar\nfrom litestar.plugins.structlog import StructlogPlugin\n\n"
    "app = Litestar([], plugins=[StructlogPlugin(config=None)])\n",
    "a plugin under another key": _LITESTAR_PLUGIN.format(
        plugin="SQLAlchemyPlugin", config=', session_dependency_key="session"'
    ),
}


@pytest.mark.parametrize("use", USES, ids=[use.id for use in USES])
@pytest.mark.parametrize("app", _NO_PLUGIN.values(), ids=list(_NO_PLUGIN))
def test_a_litestar_parameter_no_sqlalchemy_plugin_fills_is_no_evidence(app: str, use: Use, tmp_path: Path) -> None:
    form = next(form for form in FORMS if form.name == "Litestar SQLAlchemy plugin's injected session")
    form = Form(form.name, form.wrap, files={"app/main.py": app})
    source = _source(form, [line.replace("  # ASA", "") for line in use.body])
    assert _findings(tmp_path, form, source, use.code, use.config) == [], source


@pytest.mark.parametrize(
    ("session_config", "reported"),
    [("", True), ("expire_on_commit=True", True), ("expire_on_commit=False", False)],
    ids=["default", "True", "False"],
)
def test_the_litestar_plugin_session_expires_as_its_config_says(
    session_config: str, reported: bool, tmp_path: Path
) -> None:
    form = next(form for form in FORMS if form.name.startswith("Litestar SQLAlchemy init plugin"))
    config = f", session_config=AsyncSessionConfig({session_config})"
    app = _LITESTAR_PLUGIN.format(plugin="SQLAlchemyInitPlugin", config=config + ', session_dependency_key="db"')
    app = "from advanced_alchemy.extensions.litestar import AsyncSessionConfig\n" + app
    form = Form(form.name, form.wrap, files={"app/main.py": app})
    use = next(use for use in USES if use.code == "ASA302")
    source = _source(form, use.body if reported else [line.replace("  # ASA", "") for line in use.body])
    assert _findings(tmp_path, form, source, "ASA302") == _expected(source), source


@pytest.mark.parametrize("use", USES, ids=[use.id for use in USES])
def test_constructor_sites_that_disagree_are_no_evidence(use: Use, tmp_path: Path) -> None:
    form = next(form for form in FORMS if form.name.startswith("factory a constructor keeps"))
    source = form.wrap([line.replace("  # ASA", "") for line in use.body])
    source = source.replace("from app.db import SessionLocal", "from app.db import SessionLocal, engine")
    source += "other = Store(engine)\n"  # the same parameter gets an engine here
    assert _findings(tmp_path, form, source, use.code, use.config) == [], source


@pytest.mark.parametrize("use", USES, ids=[use.id for use in USES])
def test_constructor_sites_that_pass_other_clients_are_no_evidence(use: Use, tmp_path: Path) -> None:
    form = next(form for form in FORMS if form.name.startswith("factory a constructor keeps"))
    source = form.wrap([line.replace("  # ASA", "") for line in use.body])
    source = source.replace("from app.db import SessionLocal", "import httpx").replace(
        "Store(SessionLocal)", "Store(httpx.AsyncClient)"
    )
    assert _findings(tmp_path, form, source, use.code, use.config) == [], source


@pytest.mark.parametrize("stub", ["lambda: None", "engine"], ids=["unknown", "another kind"])
def test_what_a_test_constructs_with_does_not_hide_the_application_site(stub: str, tmp_path: Path) -> None:
    form = next(form for form in FORMS if form.name.startswith("factory a constructor keeps"))
    use = next(use for use in USES if use.code == "ASA401")
    source = form.wrap(use.body)
    stub = f"from app.db import engine\nfrom app.handlers import Store\n\n\ndef test_store():\n    Store({stub})\n"
    form = Form(form.name, form.wrap, files={"tests/test_store.py": stub})
    assert _findings(tmp_path, form, source, "ASA401") == _expected(source), source


_WRAPPED_HELPERS = (
    "from collections.abc import AsyncIterator\nfrom contextlib import asynccontextmanager\n\n"
    "from sqlalchemy.ext.asyncio import AsyncSession\n\nfrom app.db import SessionLocal\n\n\n"
    "def build():\n    @asynccontextmanager\n    async def unit_of_work():\n"
    "        async with SessionLocal.begin() as session:\n            yield session\n\n"
    "    return unit_of_work\n\n\n"
    "@asynccontextmanager\nasync def opened():\n    async with SessionLocal() as session:\n        yield session\n\n\n"
    "@asynccontextmanager\nasync def offline() -> AsyncIterator[AsyncSession]:\n    raise RuntimeError\n    yield\n\n\n"
    "class Sessions:\n    def __init__(self, db) -> None:\n        self._db = db\n\n"
    "    def __call__(self):\n        return self._db()\n\n\n"
)


@pytest.mark.parametrize(
    ("constructed", "reported"),
    [
        ("sessions = Sessions(db=build())\n", True),
        ("sessions = Sessions(build())\nplain = Sessions(opened)\n", False),
        # A stub known only by its annotation may or may not open a unit of work: it does not disagree.
        ("sessions = Sessions(build())\nstub = Sessions(offline)\n", True),
    ],
    ids=["every site hands over a unit of work", "only some sites do", "a stub says nothing"],
)
def test_a_unit_of_work_a_wrapper_class_holds_forbids_commit(constructed: str, reported: bool, tmp_path: Path) -> None:
    source = HEADER.replace("import asyncio\n", "import asyncio\n\nfrom app.sources import sessions\n") + (
        "async def handler():\n    async with sessions() as session:\n        await session.commit()  # ASA\n"
    )
    form = Form("unit of work", lambda body: source, files={"app/sources.py": _WRAPPED_HELPERS + constructed})
    assert _findings(tmp_path, form, source, "ASA401") == (_expected(source) if reported else []), source


def test_one_session_per_task_is_not_shared(tmp_path: Path) -> None:
    source = HEADER.replace("import asyncio\n", "import asyncio\n\nfrom app.db import SessionLocal\n") + (
        "async def one(i):\n"
        "    async with SessionLocal() as session:\n"
        "        await session.execute(select(User))\n\n\n"
        "async def handler(ids):\n"
        "    await asyncio.gather(*(one(i) for i in ids))\n"
    )
    form = Form("per task", lambda body: source)
    assert _findings(tmp_path, form, source, "ASA201") == []


def test_messages_name_where_the_session_comes_from(tmp_path: Path) -> None:
    form = next(form for form in FORMS if form.name == "Depends default")
    source = _source(form, USES[0].body)
    root = write_project(
        tmp_path / "project",
        {"app/db.py": DB, "app/models.py": MODELS, "app/saving.py": SAVING, **form.files, form.path: source},
    )
    [finding] = findings_in(root, form.path, "ASA201")
    assert "session `session` from Depends(get_session) (app/deps.py:4)" in finding.message


_SYNC_CONFIG = """\
from advanced_alchemy.config import SQLAlchemySyncConfig

config = SQLAlchemySyncConfig(connection_string="sqlite://")
"""


def test_advanced_alchemy_sync_config_gives_sync_sessions(tmp_path: Path) -> None:
    # Its sessions are sessions (shared by concurrent work in async code, like any sessionmaker's,
    # known by nothing but the config here), but sync ones: no async rule judges their commits.
    form = Form(
        "sync config",
        _function("", ["with config.get_session() as session:"], "from app.aa import config\n"),
        files={"app/aa.py": _SYNC_CONFIG},
    )
    shared = form.wrap(["await asyncio.gather(touch(session), touch(session))  # ASA"])
    assert _findings(tmp_path, form, shared, "ASA201") == _expected(shared), shared
    committed = form.wrap(
        [
            "user = session.get(User, 1)",
            "session.commit()",
            "print(user.name)",
            "with session.begin():",
            "    session.commit()",
        ]
    )
    for code in ("ASA302", "ASA401"):
        assert _findings(tmp_path / code, form, committed, code) == [], (code, committed)


@pytest.mark.parametrize(
    ("session_config", "reported"),
    [
        ("", True),
        (", session_config=AsyncSessionConfig()", True),
        (", session_config=AsyncSessionConfig(expire_on_commit=True)", True),
        (", session_config=AsyncSessionConfig(expire_on_commit=False)", False),
        (", session_config=AsyncSessionConfig(**options)", False),
        (", session_config=options", False),
    ],
    ids=["no session config", "empty", "True", "False", "options", "built elsewhere"],
)
def test_advanced_alchemy_session_config_sets_expire_on_commit(
    session_config: str, reported: bool, tmp_path: Path
) -> None:
    # advanced-alchemy passes only the options that are set: SQLAlchemy's default True otherwise.
    # The default config (`reference`) is the control each case is read against.
    config = (
        "from advanced_alchemy.config import AsyncSessionConfig, SQLAlchemyAsyncConfig\n\n"
        "from app.settings import options\n\n"
        'reference = SQLAlchemyAsyncConfig(connection_string="sqlite+aiosqlite://")\n'
        f'config = SQLAlchemyAsyncConfig(connection_string="sqlite+aiosqlite://"{session_config})\n'
    )
    use = next(use for use in USES if use.code == "ASA302")
    control = _function("", ["async with reference.get_session() as session:"], name="control")(use.body)
    judged = _function("", ["async with config.get_session() as session:"])(use.body)
    if not reported:
        judged = judged.replace("  # ASA", "")
    source = "from app.aa import config, reference\n" + control + "\n\n" + judged.removeprefix(HEADER)
    form = Form("config", lambda body: source, files={"app/aa.py": config})
    expected = _expected(source)
    assert len(expected) == 1 + reported
    assert _findings(tmp_path, form, source, "ASA302") == expected, source


def test_wrap_keeps_the_body_under_the_opener() -> None:
    wrapped = _function("", ["async with A() as session:"])(["x = 1"])
    assert textwrap.dedent(wrapped.split("async def handler():\n", 1)[1]) == "async with A() as session:\n    x = 1\n"


# -- a parameter that says nothing of itself is what the project's callers pass it ---------

_CALLED = Form("called", _function("session, user_id"))


@pytest.mark.parametrize("use", USES, ids=[use.id for use in USES])
@pytest.mark.parametrize(
    "callers",
    [
        "import httpx\n\n\nasync def route():\n    async with httpx.AsyncClient() as session:\n"
        "        await handler(session, 1)\n",
        "async def route(thing):\n    await handler(thing, 1)\n",
        "import httpx\n\nfrom app.db import SessionLocal\n\n\nasync def route():\n"
        "    async with SessionLocal() as session:\n        await handler(session, 1)\n"
        "    async with httpx.AsyncClient() as client:\n        await handler(client, 2)\n",
        "async def route(session):\n    await handler(session, 1)\n",
    ],
    ids=["an HTTP client", "a value of no evidence", "a session and an HTTP client", "a name alone"],
)
def test_a_parameter_whose_callers_pass_no_session_is_no_evidence(callers: str, use: Use, tmp_path: Path) -> None:
    source = _CALLED.wrap([line.replace("  # ASA", "") for line in use.body])
    form = Form(_CALLED.name, _CALLED.wrap, files={"app/routes.py": "from app.handlers import handler\n" + callers})
    assert _findings(tmp_path, form, source, use.code, use.config) == [], source


def test_what_a_test_passes_does_not_hide_the_application_caller(tmp_path: Path) -> None:
    use = next(use for use in USES if use.code == "ASA401")
    stub = "from unittest.mock import AsyncMock\n\nfrom app.handlers import handler\n\n\n"
    stub += "async def test_handler():\n    await handler(AsyncMock(), 1)\n"
    form = Form(_CALLED.name, _CALLED.wrap, files={"app/routes.py": CALLERS, "tests/test_handlers.py": stub})
    source = form.wrap(use.body)
    assert _findings(tmp_path, form, source, "ASA401") == _expected(source), source


def test_a_recursive_call_that_hands_the_parameter_back_says_nothing(tmp_path: Path) -> None:
    use = next(use for use in USES if use.code == "ASA401")
    form = Form(_CALLED.name, _CALLED.wrap, files={"app/routes.py": CALLERS})
    source = form.wrap(["if user_id:", "    await handler(session, user_id - 1)", *use.body])
    assert _findings(tmp_path, form, source, "ASA401") == _expected(source), source


def test_a_session_the_callers_pass_is_evidence_for_lazy_loads(tmp_path: Path) -> None:
    models = MODELS + (
        "\n\nclass Post(Base):\n    __tablename__ = 'posts'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    user_id: Mapped[int] = mapped_column(ForeignKey('users.id'))\n"
        "    user: Mapped[User] = relationship()\n"
    ).replace("'", '"')
    models = models.replace("mapped_column\n", "mapped_column, relationship\n").replace(
        "from sqlalchemy.orm", "from sqlalchemy import ForeignKey\nfrom sqlalchemy.orm"
    )
    source = HEADER.replace("from app.models import User", "from app.models import Post") + (
        "async def handler(session, post_id):\n"
        "    post = (await session.execute(select(Post).where(Post.id == post_id))).scalar_one()\n"
        "    return post.user.name  # ASA\n"
    )
    form = Form(_CALLED.name, lambda body: source, files={"app/routes.py": CALLERS})
    root = write_project(
        tmp_path / "project",
        {"app/db.py": DB, "app/saving.py": SAVING, **form.files, "app/models.py": models, form.path: source},
    )
    assert [finding.line for finding in findings_in(root, form.path, "ASA301")] == _expected(source)


def test_a_session_key_that_is_no_plain_literal_is_unknown_not_a_crash() -> None:
    assert session_key(None) == DEFAULT_SESSION_KEY
    assert session_key({"session_dependency_key": "'db'"}) == "db"
    assert session_key({"session_dependency_key": "{[]: 1}"}) is None
    assert session_key({"session_dependency_key": "**"}) is None
