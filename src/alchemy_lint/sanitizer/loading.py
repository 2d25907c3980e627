"""Implicit I/O from attribute access in async code: ASA301 (lazy loads) and ASA302 (expired reads).

Called from SQLAlchemy's attribute loader for every read of an attribute that is not loaded; it
names the model, the attribute and the line before the load runs (and fails with MissingGreenlet).
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from typing import Any

from alchemy_lint.sanitizer.findings import RuntimeFinding, Site
from alchemy_lint.sanitizer.frames import ProjectCode, current_task
from alchemy_lint.sanitizer.log import FindingLog
from alchemy_lint.sanitizer.operations import Operations

Loader = Callable[[Any, Any, str, Any], Any]


class LoadingWatch:
    def __init__(
        self,
        code: ProjectCode,
        log: FindingLog,
        operations: Operations,
        *,
        sql_ok: int,
        in_greenlet: Callable[[], bool],
        has_async_attrs: Callable[[object], bool],
    ) -> None:
        self.code = code
        self.log = log
        self.operations = operations
        self._sql_ok = sql_ok
        self._in_greenlet = in_greenlet
        self._has_async_attrs = has_async_attrs

    def fire(self, original: Loader, impl: Any, state: Any, key: str, passive: Any) -> Any:
        """Runs SQLAlchemy's loader for `state.key`; records a finding first when the load would
        need I/O from plain attribute access under a running event loop."""
        if not passive & self._sql_ok or not state.persistent or self._in_greenlet() or not _loop_running():
            return original(impl, state, key, passive)
        code = _implicit_load(impl, state, key)
        if code is None:
            return original(impl, state, key, passive)
        try:
            value = original(impl, state, key, passive)
        except Exception as error:
            # SQLAlchemy 2.1 wraps MissingGreenlet in StatementError: name the error it wraps.
            cause = getattr(error, "orig", None)
            raised = type(cause if isinstance(cause, BaseException) else error).__name__
            finding = self._report(code, state, key, raised=raised)
            if hasattr(error, "add_note"):  # Python 3.11+: the traceback names the attribute too
                error.add_note(f"{finding.message} (alchemy-lint sanitizer, at {finding.path}:{finding.line})")
            raise
        self._report(code, state, key, raised=None)
        return value

    def _report(self, code: str, state: Any, key: str, raised: str | None) -> RuntimeFinding:
        model = state.class_.__name__
        subject = f"{model}.{key}"
        variable = _snake(model)
        stack = self.code.running_stack(sys._getframe(), current_task())
        if code == "ASA301":
            if raised is None:
                outcome = (
                    " (no query was needed this time: the related row was already in the session, or the key "
                    "was empty; otherwise it raises MissingGreenlet)"
                )
            else:
                outcome = f" (raised {raised})"
            later = (
                f"use `await {variable}.awaitable_attrs.{key}`"
                if self._has_async_attrs(state.obj())
                else f'use `await session.refresh({variable}, ["{key}"])`'
            )
            message = (
                f"lazy load of {subject} in async code{outcome}: add selectinload({subject}) "
                f"(or another eager loader) to the query that loaded the {model}, or {later}"
            )
            return self.log.add(code, message, stack, subject)
        expiry = self.operations.expiry(state.session)
        event = expiry.event if expiry is not None else "an expire"
        where = f" at {expiry.site.path}:{expiry.site.line}" if expiry is not None and expiry.site else ""
        if expiry is not None and "rollback" in expiry.event:
            fix = f"rollback() expires every object whatever expire_on_commit says: await session.refresh({variable})"
        else:
            fix = (
                "set expire_on_commit=False where the session is made (its factory), "
                f"or await session.refresh({variable}) first"
            )
        outcome = f" (raised {raised})" if raised else ""
        message = f"{subject} read on {_identity(state)} after {event}{where} expired it{outcome}: {fix}"
        sites = list(stack)
        if expiry is not None and expiry.site is not None:
            sites.append(Site(expiry.site.path, expiry.site.line, expiry.site.function, "expired-by"))
        return self.log.add(code, message, sites, subject)


def _implicit_load(impl: Any, state: Any, key: str) -> str | None:
    """ASA302 for an attribute that expiry unloaded, ASA301 for a relationship's lazy loader;
    None for the rest (deferred columns, which no rule covers)."""
    if impl.accepts_scalar_loader and impl.load_on_unexpire and key in state.expired_attributes:
        return "ASA302"
    if key in state.callables or not impl.callable_ or key not in state.mapper.relationships:
        return None
    if state.expired and key in state.expired_attributes:
        return "ASA302"  # loaded before, unloaded by commit()/rollback(): what the linter calls it too
    return "ASA301"


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _identity(state: Any) -> str:
    names = [column.key for column in state.mapper.primary_key]
    values = state.identity or ()
    fields = ", ".join(f"{name}={value!r}" for name, value in zip(names, values, strict=False))
    return f"{state.class_.__name__}({fields})"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
