"""Rules 3xx: no hidden I/O from lazy relationships or expired attributes in async code.

ASA301 and ASA302 join the loading facts of each async function with the project index.
"""

from __future__ import annotations

from collections.abc import Iterator

from alchemy_lint.facts.model import AccessKind, FunctionFacts, ObjectAccess, SourceKind
from alchemy_lint.findings import Finding
from alchemy_lint.index.loading import (
    AccessTarget,
    ResolvedSource,
    is_async_session,
    is_loaded,
    loader_chain,
    project_factory_expiry,
    resolve_access,
)
from alchemy_lint.rules.base import Example, FileContext, FixSafety, Rule
from alchemy_lint.rules.loading_examples import (
    ASA301_INVALID,
    ASA301_VALID,
    ASA302_INVALID,
    ASA302_VALID,
)

ASYNC_DOCS = "https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html"
LOADING_DOCS = "https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html"
SESSION_STATE_DOCS = "https://docs.sqlalchemy.org/en/20/orm/session_state_management.html"


def _is_async_object(context: FileContext, function: FunctionFacts, access: ObjectAccess) -> bool:
    """The object comes from an asyncio session: sync sessions lazy-load fine.

    The facts only know objects from *awaited* `get`/`execute`/`scalars`/`exec` of a model's
    statement (or made persistent by an awaited flush/commit): that is an asyncio session
    unless the session's evidence says it is a sync one.
    """
    session = access.source.session
    if session is None:
        # Objects that project functions return carry their callee's evidence instead.
        return access.source.kind is SourceKind.CALL
    return is_async_session(context.index, session) is not False


def _fix_site(target: AccessTarget, context: FileContext, chain: str) -> str:
    source: ResolvedSource = target.source
    where = f"line {source.line}"
    if source.function:
        where = f"{source.function}() (line {source.line} of {context.index.relative(source.path)})"
    if source.kind is SourceKind.GET:
        return (
            f"add options=[{chain}] to session.get() in {where}"
            if source.function
            else (f"add options=[{chain}] to session.get() at {where}")
        )
    if source.function:
        return f"add {chain} to the query in {where}"
    return f"add {chain} to the query at {where}"


# -- ASA301 -------------------------------------------------------------------


def check_lazy_relationship_access(rule: Rule, context: FileContext) -> Iterator[Finding]:
    index = context.index
    for function in context.facts.functions:
        if function.loading is None or not function.is_async:
            continue
        for access in function.loading.accesses:
            if access.attribute == "awaitable_attrs" or not _is_async_object(context, function, access):
                continue
            if access.source.kind is SourceKind.NEW and not access.persistent:
                continue
            target = resolve_access(index, access, context.path)
            if target is None or target.relationship is None:
                continue
            if target.relationship.is_collection is not True and (
                access.kind is AccessKind.ASSIGN or access.source.kind is SourceKind.NEW
            ):
                # Replacing a scalar loads nothing; a new object's many-to-one emits no SQL
                # while its foreign key is still None, which the facts cannot tell.
                continue
            if is_loaded(target, access) is not False:
                continue
            yield _lazy_finding(rule, context, access, target)


def _lazy_finding(rule: Rule, context: FileContext, access: ObjectAccess, target: AccessTarget) -> Finding:
    index = context.index
    relationship = target.relationship
    assert relationship is not None
    name = f"{target.model.rsplit('.', 1)[-1]}.{access.attribute}"
    if index.has_async_attrs(target.model):
        fallback = f"use await {access.target}.awaitable_attrs.{access.attribute}"
    else:
        fallback = f'use await session.refresh({access.target}, ["{access.attribute}"])'
    if target.source.kind is SourceKind.NEW:
        fix = f"the object was created here and then flushed or committed, so {name} was never loaded: {fallback}"
    else:
        fix = f"{_fix_site(target, context, loader_chain(target, access.attribute, index))} or {fallback}"
    # The end picks the exact `obj.rel` node for the fixer when `a.b.c` nests several at one start.
    end = (access.end_line, access.end_col) if access.end_line is not None and access.end_col is not None else None
    return rule.report(context, access.line, access.col, end=end, relationship=name, fix=fix)


LAZY_RELATIONSHIP_ACCESS = Rule(
    code="ASA301",
    name="lazy-relationship-access",
    summary="A relationship that was not loaded is read in async code (an implicit lazy load).",
    message="lazy load of {relationship} in async code: {fix}",
    rationale=(
        "Under asyncio a lazy load cannot run: reading `order.items` when the query did not load it "
        "makes SQLAlchemy emit SQL from plain attribute access, outside the greenlet that "
        "`AsyncSession` uses for I/O, and it raises `MissingGreenlet`. The same holds for "
        '`getattr(order, "items")`, iterating, `len()`, `in`, `order.items.append(...)`, replacing '
        "the collection of a persistent object, and for relationships of an object that this function "
        "added and then flushed or committed (they were never loaded, whatever `expire_on_commit` says). "
        "Load relationships eagerly in the query (`selectinload`, `joinedload`, `subqueryload`, "
        "`immediateload`, `contains_eager` with a join; chained for nested ones), on demand with "
        '`await obj.awaitable_attrs.rel`, or with `await session.refresh(obj, ["rel"])`. A loader '
        "counts only on the path that reaches the access; `join(Model.rel)` alone loads nothing. "
        'Relationships declared `lazy="selectin"`/`"joined"`/`"subquery"`/`"immediate"` are '
        "loaded; `write_only`, `raise` and `noload` relationships emit no lazy SQL. Objects that a "
        "project function returns are judged by that function's query (its summary in the project "
        "index), across modules and through `self.repo.method(...)`. Objects a function receives as "
        "parameters are not judged: the caller's query is unknown."
    ),
    check=check_lazy_relationship_access,
    fix=FixSafety.UNSAFE,
    runtime=(
        "Raises `sqlalchemy.exc.MissingGreenlet` at the access. Every INVALID example below is "
        "executed in the test suite against SQLAlchemy 2 with aiosqlite and raises it on the reported "
        "line; every VALID example runs clean."
    ),
    valid=ASA301_VALID,
    invalid=ASA301_INVALID,
    references=(
        f"{ASYNC_DOCS}#preventing-implicit-io-when-using-asyncsession",
        f"{LOADING_DOCS}#selectin-eager-loading",
    ),
)


# -- ASA302 -------------------------------------------------------------------


def check_expired_attribute_access(rule: Rule, context: FileContext) -> Iterator[Finding]:
    index = context.index
    for function in context.facts.functions:
        loading = function.loading
        if loading is None or not function.is_async:
            continue
        reported: set[tuple[str, int, int]] = set()
        for access in sorted(loading.accesses, key=lambda a: (a.line, a.col)):
            if access.kind is not AccessKind.READ or not access.expired_by or access.attribute.startswith("_"):
                continue
            if access.attribute == "awaitable_attrs":
                continue
            session = access.source.session
            if session is None:
                continue
            value = index.values.of(session.origins)
            is_async = is_async_session(index, session)
            if is_async is False or (is_async is None and not context.settings.preview):
                continue
            expires = value.expire_on_commit if value.is_session else None
            if expires is None and context.settings.preview:
                expires = project_factory_expiry(index)
            events = [
                event
                for event in access.expired_by
                if event.method == "rollback" or (event.method in ("commit", "begin") and expires is True)
            ]
            if not events:
                continue
            target = resolve_access(index, access, context.path)
            if target is None or not _is_mapped_attribute(context, target, access.attribute):
                continue
            event = events[-1]
            key = (access.target.split(".", 1)[0], access.source.line, event.line)
            if key in reported:
                continue
            reported.add(key)
            if event.method == "rollback":
                fix = (
                    f"rollback() expires every object whatever expire_on_commit says: "
                    f"await {event.session}.refresh({access.target}) or reload it"
                )
            else:
                fix = (
                    f"set expire_on_commit=False where the session is made (its factory), or "
                    f"await {event.session}.refresh({access.target}) first"
                )
            yield rule.report(
                context,
                access.line,
                access.col,
                attribute=f"{target.model.rsplit('.', 1)[-1]}.{access.attribute}",
                target=access.target,
                event=(
                    f"the `async with {event.session}.begin()` block"
                    if event.method == "begin"
                    else f"{event.session}.{event.method}()"
                ),
                event_line=event.line,
                fix=fix,
            )


def _is_mapped_attribute(context: FileContext, target: AccessTarget, attribute: str) -> bool:
    """A column or relationship the model declares: reading it after expiry loads it."""
    if target.relationship is not None:
        return True
    return any(attribute in cls.fields for cls in context.index.class_chain(target.model))


EXPIRED_ATTRIBUTE_ACCESS = Rule(
    code="ASA302",
    name="expired-attribute-access",
    summary="An attribute of an ORM object is read after commit() or rollback() expired it.",
    message="{attribute} read on {target} after {event} at line {event_line} expired it: {fix}",
    rationale=(
        "`commit()` expires every object in the session when the factory keeps the default "
        "`expire_on_commit=True` (or the session is a bare `AsyncSession(...)` without "
        "`expire_on_commit=False`), and `rollback()` expires them whatever the setting. The next read "
        "of any column or relationship then has to refresh the object with SQL from plain attribute "
        "access, which asyncio cannot do: `MissingGreenlet`. The rule follows the session to its "
        "factory through the project index; in a loop, a commit in one iteration expires what the next "
        "iteration reads. `await session.refresh(obj)` in between makes the read safe. Sessions whose "
        "factory is unknown (a parameter annotated `AsyncSession`) and objects received as parameters "
        "are not judged; with `preview = true`, such a session is judged by the project's one session "
        "factory when there is exactly one."
    ),
    check=check_expired_attribute_access,
    runtime=(
        "Raises `sqlalchemy.exc.MissingGreenlet` at the read. Every INVALID example below is executed in "
        "the test suite against SQLAlchemy 2 with aiosqlite and raises it on the reported line; every "
        "VALID example runs clean."
    ),
    valid=ASA302_VALID,
    invalid=ASA302_INVALID,
    options=("preview = true: judge sessions of unknown origin by the project's only session factory",),
    references=(
        f"{SESSION_STATE_DOCS}#when-to-expire-or-refresh",
        f"{ASYNC_DOCS}#preventing-implicit-io-when-using-asyncsession",
    ),
)

RULES = (LAZY_RELATIONSHIP_ACCESS, EXPIRED_ATTRIBUTE_ACCESS)

__all__ = ["EXPIRED_ATTRIBUTE_ACCESS", "LAZY_RELATIONSHIP_ACCESS", "RULES", "Example"]
