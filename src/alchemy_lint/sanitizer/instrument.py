"""Puts the sanitizer's hooks into SQLAlchemy for one pytest run and takes them out again.

Public events where SQLAlchemy has them; the private hooks, and why, are listed in the package
docstring (`alchemy_lint.sanitizer`). Imported only when the sanitizer is on.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncConnection, AsyncSession, AsyncTransaction
from sqlalchemy.ext.asyncio.session import AsyncSessionTransaction
from sqlalchemy.orm import Session, attributes
from sqlalchemy.orm.base import PassiveFlag
from sqlalchemy.pool import Pool
from sqlalchemy.util.concurrency import in_greenlet

from alchemy_lint.sanitizer.frames import ProjectCode
from alchemy_lint.sanitizer.lifetimes import Lifetimes
from alchemy_lint.sanitizer.loading import LoadingWatch
from alchemy_lint.sanitizer.log import FindingLog
from alchemy_lint.sanitizer.operations import Kind, Operations

#: How many frames a coroutine records of where it was created (`cr_origin`): the creating line is
#: usually the project's own (`gather(load(s, 1), ...)`); three frames also get back to it from a
#: helper such as anyio's `start_soon`. Each frame costs on every coroutine created (bench/RESULTS.md).
ORIGIN_DEPTH = 3
_CLASSES: tuple[tuple[type, Kind], ...] = (
    (AsyncSession, Kind.SESSION),
    (AsyncSessionTransaction, Kind.SESSION_TRANSACTION),
    (AsyncConnection, Kind.CONNECTION),
    (AsyncTransaction, Kind.TRANSACTION),
)
# SQLAlchemy 2.1 renamed the class to _AttributeImpl.
_ATTRIBUTE_IMPL: Any = vars(attributes).get("_AttributeImpl") or vars(attributes)["AttributeImpl"]
_MARK = "__alchemy_sanitizer_original__"


class Instrumentation:
    def __init__(self, code: ProjectCode, log: FindingLog) -> None:
        self.operations = Operations(code, log)
        self.loading = LoadingWatch(
            code,
            log,
            self.operations,
            sql_ok=int(PassiveFlag.SQL_OK),
            in_greenlet=in_greenlet,
            has_async_attrs=lambda instance: isinstance(instance, AsyncAttrs),
        )
        self.lifetimes = Lifetimes(code, log, self.operations)
        self._patches: list[tuple[type, str, Any]] = []
        self._listeners: list[tuple[Any, str, Callable[..., Any]]] = []
        self._kinds: dict[type, Kind] = {}
        self._origin_depth: int | None = None

    # -- install / uninstall ----------------------------------------------------------------

    def install(self) -> None:
        for cls, kind in _CLASSES:
            for each in (cls, *_subclasses(cls)):
                self._wrap_operations(each, kind)
        self._wrap_init(AsyncSession, "session")
        self._wrap_init(AsyncConnection, "connection")
        self._patch(_ATTRIBUTE_IMPL, "_fire_loader_callables", self._loader(_ATTRIBUTE_IMPL._fire_loader_callables))
        self._listen(Session, "after_commit", lambda session: self.operations.expired(session, "commit"))
        self._listen(
            Session, "after_soft_rollback", lambda session, previous: self.operations.expired(session, "rollback")
        )
        self._listen(Pool, "checkout", lambda dbapi, record, proxy: self.lifetimes.checked_out(record))
        self._listen(Pool, "checkin", lambda dbapi, record: self.lifetimes.checked_in(record))
        self._origin_depth = sys.get_coroutine_origin_tracking_depth()
        sys.set_coroutine_origin_tracking_depth(max(self._origin_depth, ORIGIN_DEPTH))

    def uninstall(self) -> None:
        if self._origin_depth is not None:
            sys.set_coroutine_origin_tracking_depth(self._origin_depth)
            self._origin_depth = None
        for target, name, listener in reversed(self._listeners):
            event.remove(target, name, listener)
        self._listeners.clear()
        for cls, name, original in reversed(self._patches):
            setattr(cls, name, original)
        self._patches.clear()
        self._kinds.clear()

    def _patch(self, cls: type, name: str, replacement: Any) -> None:
        self._patches.append((cls, name, vars(cls)[name]))
        setattr(cls, name, replacement)

    def _listen(self, target: Any, name: str, listener: Callable[..., Any]) -> None:
        event.listen(target, name, listener)
        self._listeners.append((target, name, listener))

    # -- the wrappers -----------------------------------------------------------------------

    def _wrap_operations(self, cls: type, kind: Kind) -> None:
        """Every coroutine method the class itself defines becomes an operation in flight."""
        self._kinds[cls] = kind
        for name, value in list(vars(cls).items()):
            if inspect.iscoroutinefunction(value) and not hasattr(value, _MARK):
                self._patch(cls, name, self._operation(value, kind, name))

    def _operation(self, original: Callable[..., Any], kind: Kind, method: str) -> Callable[..., Any]:
        operations = self.operations

        @functools.wraps(original)
        async def operation(owner: Any, *args: Any, **kwargs: Any) -> Any:
            flight = operations.start(kind, method, owner, args, kwargs)
            ok = False
            try:
                result = await original(owner, *args, **kwargs)
                ok = True
                return result
            finally:
                operations.finish(flight, args, kwargs, ok=ok)

        setattr(operation, _MARK, original)
        return operation

    def _wrap_init(self, base: type, what: str) -> None:
        original = vars(base)["__init__"]
        kind = self._kinds[base]
        lifetimes = self.lifetimes

        @functools.wraps(original)
        def __init__(owner: Any, *args: Any, **kwargs: Any) -> None:
            original(owner, *args, **kwargs)
            if type(owner) not in self._kinds:  # a subclass defined after the run started (SQLModel's)
                for cls in type(owner).__mro__:
                    if issubclass(cls, base) and cls not in self._kinds:
                        self._wrap_operations(cls, kind)
            lifetimes.opened(owner, what)

        self._patch(base, "__init__", __init__)

    def _loader(self, original: Callable[..., Any]) -> Callable[..., Any]:
        fire = self.loading.fire

        @functools.wraps(original)
        def _fire_loader_callables(impl: Any, state: Any, key: str, passive: Any) -> Any:
            return fire(original, impl, state, key, passive)

        return _fire_loader_callables


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found
