"""The SQLAlchemy and SQLModel API that the rules recognise, by qualified name.

Every public spelling of a symbol maps to one `Api` member, so rules never compare strings.
"""

from __future__ import annotations

from enum import Enum


class Api(str, Enum):
    ASYNC_SESSION = "AsyncSession"
    SYNC_SESSION = "Session"
    ASYNC_SESSIONMAKER = "async_sessionmaker"
    SESSIONMAKER = "sessionmaker"
    ASYNC_SCOPED_SESSION = "async_scoped_session"
    SCOPED_SESSION = "scoped_session"
    CREATE_ENGINE = "create_engine"
    CREATE_ASYNC_ENGINE = "create_async_engine"
    ENGINE_CLASS = "Engine"
    ASYNC_ENGINE_CLASS = "AsyncEngine"
    LISTENS_FOR = "listens_for"
    LISTEN = "listen"
    ASYNC_CONTEXT_MANAGER = "asynccontextmanager"
    RELATIONSHIP = "relationship"
    SYNONYM = "synonym"
    DECLARATIVE_BASE = "DeclarativeBase"
    DECLARATIVE_BASE_FACTORY = "declarative_base"
    REGISTRY = "registry"
    SQLMODEL = "SQLModel"
    ASYNC_ATTRS = "AsyncAttrs"
    MAPPED = "Mapped"
    WRITE_ONLY_MAPPED = "WriteOnlyMapped"
    DYNAMIC_MAPPED = "DynamicMapped"
    METADATA = "MetaData"
    ASYNC_OBJECT_SESSION = "async_object_session"
    OBJECT_SESSION = "object_session"
    CONNECTION_CLASS = "Connection"
    ASYNC_CONNECTION_CLASS = "AsyncConnection"
    #: advanced-alchemy's configuration objects, which build the engine and the session factory.
    ASYNC_CONFIG = "SQLAlchemyAsyncConfig"
    SYNC_CONFIG = "SQLAlchemySyncConfig"
    #: A library's abstract declarative base (advanced-alchemy's `UUIDAuditBase`...): a class that
    #: derives from it is a model, unless it says `__abstract__ = True` itself.
    MODEL_BASE = "model base"


#: Where advanced-alchemy (and Litestar, which re-exports it) defines or exports its configs: both
#: flavours, but for the `.asyncio`/`.sync` modules (the framework extensions subclass them, same API).
_ADVANCED_ALCHEMY_CONFIG_MODULES = (
    "advanced_alchemy.config",
    "advanced_alchemy.config.asyncio",
    "advanced_alchemy.config.sync",
    "advanced_alchemy.extensions.fastapi",
    "advanced_alchemy.extensions.fastapi.config",
    "advanced_alchemy.extensions.flask",
    "advanced_alchemy.extensions.flask.config",
    "advanced_alchemy.extensions.litestar",
    "advanced_alchemy.extensions.litestar.plugins",
    "advanced_alchemy.extensions.litestar.plugins.init",
    "advanced_alchemy.extensions.litestar.plugins.init.config",
    "advanced_alchemy.extensions.litestar.plugins.init.config.asyncio",
    "advanced_alchemy.extensions.litestar.plugins.init.config.sync",
    "advanced_alchemy.extensions.sanic",
    "advanced_alchemy.extensions.sanic.config",
    "advanced_alchemy.extensions.starlette",
    "advanced_alchemy.extensions.starlette.config",
    "litestar.plugins.sqlalchemy",
    "litestar.contrib.sqlalchemy.plugins",
)

#: advanced-alchemy's abstract declarative bases (each a `DeclarativeBase` with `AsyncAttrs`, a
#: primary key and a table name made from the class name), by the modules that export them.
_ADVANCED_ALCHEMY_BASES = (
    "AdvancedDeclarativeBase",
    "BigIntAuditBase",
    "BigIntBase",
    "DefaultBase",
    "IdentityAuditBase",
    "IdentityBase",
    "NanoIDAuditBase",
    "NanoIDBase",
    "UUIDAuditBase",
    "UUIDBase",
    "UUIDv6AuditBase",
    "UUIDv6Base",
    "UUIDv7AuditBase",
    "UUIDv7Base",
)
_ADVANCED_ALCHEMY_BASE_MODULES = (
    "advanced_alchemy.base",
    *(f"advanced_alchemy.extensions.{name}.base" for name in ("fastapi", "flask", "litestar", "sanic", "starlette")),
    "litestar.plugins.sqlalchemy.base",
    "litestar.contrib.sqlalchemy.base",
)

_SPELLINGS: dict[Api, tuple[str, ...]] = {
    Api.ASYNC_SESSION: (
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    ),
    Api.SYNC_SESSION: (
        "sqlalchemy.orm.Session",
        "sqlalchemy.orm.session.Session",
        "sqlmodel.Session",
        "sqlmodel.orm.session.Session",
    ),
    Api.ASYNC_SESSIONMAKER: (
        "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.session.async_sessionmaker",
    ),
    Api.SESSIONMAKER: (
        "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.session.sessionmaker",
    ),
    Api.ASYNC_SCOPED_SESSION: (
        "sqlalchemy.ext.asyncio.async_scoped_session",
        "sqlalchemy.ext.asyncio.scoping.async_scoped_session",
    ),
    Api.SCOPED_SESSION: (
        "sqlalchemy.orm.scoped_session",
        "sqlalchemy.orm.scoping.scoped_session",
    ),
    Api.CREATE_ENGINE: (
        "sqlalchemy.create_engine",
        "sqlalchemy.engine.create_engine",
        "sqlalchemy.engine.create.create_engine",
        "sqlmodel.create_engine",
    ),
    Api.CREATE_ASYNC_ENGINE: (
        "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlalchemy.ext.asyncio.engine.create_async_engine",
    ),
    Api.ENGINE_CLASS: (
        "sqlalchemy.Engine",
        "sqlalchemy.engine.Engine",
        "sqlalchemy.engine.base.Engine",
    ),
    Api.ASYNC_ENGINE_CLASS: (
        "sqlalchemy.ext.asyncio.AsyncEngine",
        "sqlalchemy.ext.asyncio.engine.AsyncEngine",
    ),
    Api.LISTENS_FOR: ("sqlalchemy.event.listens_for", "sqlalchemy.event.api.listens_for"),
    Api.LISTEN: ("sqlalchemy.event.listen", "sqlalchemy.event.api.listen"),
    Api.ASYNC_CONTEXT_MANAGER: ("contextlib.asynccontextmanager",),
    Api.RELATIONSHIP: (
        "sqlalchemy.orm.relationship",
        "sqlalchemy.orm.relationships.relationship",
        "sqlalchemy.orm._orm_constructors.relationship",
        "sqlmodel.Relationship",
        "sqlmodel.main.Relationship",
    ),
    Api.SYNONYM: (
        "sqlalchemy.orm.synonym",
        "sqlalchemy.orm._orm_constructors.synonym",
    ),
    Api.DECLARATIVE_BASE: (
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
        "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
    ),
    Api.DECLARATIVE_BASE_FACTORY: (
        "sqlalchemy.orm.declarative_base",
        "sqlalchemy.orm.decl_api.declarative_base",
        "sqlalchemy.ext.declarative.declarative_base",
    ),
    Api.MODEL_BASE: tuple(
        f"{module}.{name}" for module in _ADVANCED_ALCHEMY_BASE_MODULES for name in _ADVANCED_ALCHEMY_BASES
    ),
    Api.REGISTRY: ("sqlalchemy.orm.registry", "sqlalchemy.orm.decl_api.registry"),
    Api.SQLMODEL: ("sqlmodel.SQLModel", "sqlmodel.main.SQLModel"),
    Api.ASYNC_ATTRS: ("sqlalchemy.ext.asyncio.AsyncAttrs", "sqlalchemy.ext.asyncio.session.AsyncAttrs"),
    Api.MAPPED: ("sqlalchemy.orm.Mapped", "sqlalchemy.orm.base.Mapped"),
    Api.WRITE_ONLY_MAPPED: ("sqlalchemy.orm.WriteOnlyMapped", "sqlalchemy.orm.base.WriteOnlyMapped"),
    Api.DYNAMIC_MAPPED: ("sqlalchemy.orm.DynamicMapped", "sqlalchemy.orm.base.DynamicMapped"),
    Api.METADATA: (
        "sqlalchemy.MetaData",
        "sqlalchemy.schema.MetaData",
        "sqlalchemy.sql.schema.MetaData",
        "sqlmodel.MetaData",
    ),
    Api.ASYNC_OBJECT_SESSION: (
        "sqlalchemy.ext.asyncio.async_object_session",
        "sqlalchemy.ext.asyncio.session.async_object_session",
    ),
    Api.OBJECT_SESSION: ("sqlalchemy.orm.object_session", "sqlalchemy.orm.session.object_session"),
    Api.CONNECTION_CLASS: (
        "sqlalchemy.Connection",
        "sqlalchemy.engine.Connection",
        "sqlalchemy.engine.base.Connection",
    ),
    Api.ASYNC_CONNECTION_CLASS: (
        "sqlalchemy.ext.asyncio.AsyncConnection",
        "sqlalchemy.ext.asyncio.engine.AsyncConnection",
    ),
    Api.ASYNC_CONFIG: tuple(
        f"{module}.SQLAlchemyAsyncConfig" for module in _ADVANCED_ALCHEMY_CONFIG_MODULES if not module.endswith(".sync")
    ),
    Api.SYNC_CONFIG: tuple(
        f"{module}.SQLAlchemySyncConfig"
        for module in _ADVANCED_ALCHEMY_CONFIG_MODULES
        if not module.endswith(".asyncio")
    ),
}

KNOWN_API: dict[str, Api] = {spelling: api for api, spellings in _SPELLINGS.items() for spelling in spellings}

SESSION_CLASSES = frozenset({Api.ASYNC_SESSION, Api.SYNC_SESSION})
#: advanced-alchemy's session configs: a project class derived from one is that config.
CONFIG_CLASSES = frozenset({Api.ASYNC_CONFIG, Api.SYNC_CONFIG})
FACTORIES = frozenset({Api.ASYNC_SESSIONMAKER, Api.SESSIONMAKER})
ENGINES = frozenset({Api.CREATE_ENGINE, Api.CREATE_ASYNC_ENGINE})
ENGINE_CLASSES = frozenset({Api.ENGINE_CLASS, Api.ASYNC_ENGINE_CLASS})
EVENT_REGISTRARS = frozenset({Api.LISTENS_FOR, Api.LISTEN})

#: Modules whose import shows that a file uses asyncio sessions.
ASYNCIO_MODULES = ("sqlalchemy.ext.asyncio", "sqlmodel.ext.asyncio")

#: The last component of a qualified name worth recording for a call whose target
#: is defined elsewhere in the project (a re-export of a session class or factory).
REEXPORTABLE_LEAVES = frozenset(spelling.rsplit(".", 1)[1] for spelling in KNOWN_API)


_PRIMARY_KEY = frozenset({"id"})
_AUDIT = frozenset({"created_at", "updated_at"})
#: The columns advanced-alchemy's bases and mixins declare on a model, by class name: its
#: primary-key mixins an `id`, `AuditColumns` `created_at` and `updated_at`, `SlugKey` a `slug`.
_LIBRARY_COLUMNS: dict[str, frozenset[str]] = {
    **{name: _PRIMARY_KEY | (_AUDIT if "Audit" in name else frozenset()) for name in _ADVANCED_ALCHEMY_BASES},
    "AdvancedDeclarativeBase": frozenset(),
    "DefaultBase": frozenset(),
    **dict.fromkeys(
        (
            "UUIDPrimaryKey",
            "UUIDv6PrimaryKey",
            "UUIDv7PrimaryKey",
            "NanoIDPrimaryKey",
            "BigIntPrimaryKey",
            "IdentityPrimaryKey",
        ),
        _PRIMARY_KEY,
    ),
    "AuditColumns": _AUDIT,
    "SlugKey": frozenset({"slug"}),
}
_LIBRARY_MIXIN_MODULES = ("advanced_alchemy.mixins",)


def library_columns(qualname: str) -> frozenset[str]:
    """The columns a library base or mixin of a model declares (`UUIDAuditBase`: `id`,
    `created_at`, `updated_at`), for its fully qualified name; empty for any other class."""
    module, _, name = qualname.rpartition(".")
    if not (module in _ADVANCED_ALCHEMY_BASE_MODULES or module.startswith(_LIBRARY_MIXIN_MODULES)):
        return frozenset()
    return _LIBRARY_COLUMNS.get(name, frozenset())


def known_api(qualname: str | None) -> Api | None:
    """The API member a fully qualified name spells, if any."""
    if qualname is None:
        return None
    return KNOWN_API.get(qualname)


#: Where advanced-alchemy's services and repositories keep the session their constructor is handed
#: (documented: a service's `repository.session`, a repository's `session`). A service takes it as
#: its first parameter or `session=`; a repository only by keyword.
_SERVICE_SESSION = ("repository", "session")
_REPOSITORY_SESSION = ("session",)
_LIBRARY_KEPT_SESSIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    **dict.fromkeys(
        (
            "SQLAlchemyAsyncRepositoryService",
            "SQLAlchemyAsyncRepositoryReadService",
            "SQLAlchemyAsyncQueryService",
            "SQLAlchemySyncRepositoryService",
            "SQLAlchemySyncRepositoryReadService",
            "SQLAlchemySyncQueryService",
        ),
        (("0", "session"), _SERVICE_SESSION),
    ),
    **dict.fromkeys(
        (
            "SQLAlchemyAsyncRepository",
            "SQLAlchemyAsyncSlugRepository",
            "SQLAlchemyAsyncQueryRepository",
            "SQLAlchemySyncRepository",
            "SQLAlchemySyncSlugRepository",
            "SQLAlchemySyncQueryRepository",
        ),
        (("session",), _REPOSITORY_SESSION),
    ),
}


def library_kept_session(qualname: str, key: str) -> tuple[str, ...] | None:
    """The attribute path below an instance of a library class (its fully qualified name) where it
    keeps the session its constructor was handed as `key` (a position or keyword); None when the
    class is no such library class or keeps nothing there."""
    if not qualname.startswith("advanced_alchemy."):
        return None
    keys, path = _LIBRARY_KEPT_SESSIONS.get(qualname.rsplit(".", 1)[-1], ((), ()))
    return path if key in keys else None


def library_instance_attribute(qualname: str, name: str) -> str | None:
    """For an attribute a library base sets to an instance of the class its subclass names in a
    class attribute (advanced-alchemy's services: `repository`, an instance of `repository_type`),
    that class attribute's name; None otherwise."""
    if name != "repository" or not qualname.startswith("advanced_alchemy."):
        return None
    _, path = _LIBRARY_KEPT_SESSIONS.get(qualname.rsplit(".", 1)[-1], ((), ()))
    return "repository_type" if path == _SERVICE_SESSION else None
