"""Rules 3xx: no hidden I/O from lazy relationships or expired attributes in async code.

ASA301 and ASA302 join the loading facts of each async function with the project index.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import replace
from typing import TypeVar

from alchemy_lint.catalogue import FixSafety
from alchemy_lint.facts.model import (
    ENDED,
    EXPLICIT_EXPIRIES,
    FAILED_FLUSH,
    RETURNED_EXPIRED,
    ROLLED_BACK_ON_ERROR,
    ROLLED_BACK_ON_FAILURE,
    ROLLED_BACK_ON_RAISE,
    SAME_COLUMN,
    WHOLE_REFRESH,
    AccessKind,
    Condition,
    Expiry,
    FunctionFacts,
    FunctionLoading,
    Handover,
    ObjectAccess,
    ObjectSource,
    Reselect,
    SourceKind,
    Test,
    assigned,
    partly_refreshed,
    response_key,
)
from alchemy_lint.facts.values import ValueRef, within
from alchemy_lint.findings import Finding
from alchemy_lint.index import ProjectIndex
from alchemy_lint.index.identity_map import CallersHeld, HeldWhenAsked, held_models, held_ways
from alchemy_lint.index.loading import (
    RAISING_STRATEGIES,
    AccessTarget,
    ObjectTarget,
    ResolvedSource,
    UnloadedRead,
    callee_function,
    committed_by_callee,
    first_unloaded,
    forbidden_by_option,
    handed_back,
    is_async_session,
    is_loaded,
    loaded_through_calls,
    loader_chain,
    project_builds_no_factory,
    project_factory_expiry,
    provided_object,
    resolve_access,
    resolve_object,
    resolve_source,
    session_autoflushes,
    shares_request_session,
    withheld_by,
)
from alchemy_lint.index.reloads import Reloads, as_unloaded, raises_unloaded, reloaded_relationships
from alchemy_lint.index.reselects import gives_back
from alchemy_lint.index.summaries import Read
from alchemy_lint.index.values import ValueKind
from alchemy_lint.records import record
from alchemy_lint.rules.base import Example, FileContext, Rule
from alchemy_lint.rules.loading_examples import (
    ASA301_CROSS_FUNCTION_INVALID,
    ASA301_CROSS_FUNCTION_VALID,
    ASA301_INVALID,
    ASA301_VALID,
    ASA302_CROSS_FUNCTION_INVALID,
    ASA302_CROSS_FUNCTION_VALID,
    ASA302_INVALID,
    ASA302_VALID,
)

ASYNC_DOCS = "https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html"
LOADING_DOCS = "https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html"
SESSION_STATE_DOCS = "https://docs.sqlalchemy.org/en/20/orm/session_state_management.html"


def _is_async_object(context: FileContext, source: ObjectSource) -> bool:
    """The object comes from an asyncio session: sync sessions lazy-load fine.

    The facts only know objects from *awaited* `get`/`execute`/`scalars`/`exec` of a model's
    statement (or made persistent by an awaited flush/commit): that is an asyncio session
    unless the session's evidence says it is a sync one.
    """
    if source.kind in (SourceKind.INJECTED, SourceKind.RECEIVED):
        return False  # what the provider's (or caller's) query loaded is not followed: only ASA302 judges them
    session = source.session
    if source.kind is SourceKind.CALL:
        # Objects that project functions return carry their callee's evidence. The session the
        # facts name for them is the argument the caller uses as one, else the first argument
        # with evidence, which may be anything (`repository.get(user_id: UUID)`): only a known
        # sync session says they are no asyncio session's.
        if session is None:
            return True
        value = context.index.values.of(session.origins)
        return value.kind is not ValueKind.SESSION or value.is_async is not False
    return session is not None and is_async_session(context.index, session) is not False


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
        condition = withheld_by(target, target.relationship.name) if target.relationship is not None else None
        if condition is not None:
            return f"{where} loads it only {_when(condition)}: {_asking(condition)}, or add {chain} there"
        return f"add {chain} to the query in {where}"
    return f"add {chain} to the query at {where}"


def _when(condition: Condition) -> str:
    """`when with_items is true`, of a loader added under a test on a parameter."""
    if condition.test is Test.TRUTH:
        return f"when `{condition.parameter}` is {'true' if condition.holds else 'false'}"
    return f"when `{condition.parameter}` is {'' if condition.holds else 'not '}None"


def _asking(condition: Condition) -> str:
    """What a caller passes to get a loader added under `condition`."""
    if condition.test is Test.TRUTH:
        return f"pass {condition.parameter}={condition.holds}"
    return f"pass a {condition.parameter}" if not condition.holds else f"leave {condition.parameter} None"


# -- ASA301 -------------------------------------------------------------------


@record
class _Lazy:
    """One unloaded relationship read, where it is reported and what reads it."""

    line: int
    col: int
    target: AccessTarget
    attribute: str
    #: The expression holding the object, for the fix (`order`).
    holder: str
    #: A callee that reads it (`render_invoice() reads it at app/invoices.py:88`), if any.
    reader: str = ""
    end: tuple[int, int] | None = None
    #: The line the object came from (its query, `get()`, constructor): with `holder`, which object.
    source_line: int = 0
    #: A plain read of the attribute (not `order.items = [...]`), which an `await` can replace.
    read: bool = True
    #: The line of the query whose autoflush flushed the new object (0: an explicit flush or commit).
    autoflushed: int = 0


def check_lazy_relationship_access(rule: Rule, context: FileContext) -> Iterator[Finding]:
    if context.index.is_test_module(context.path):
        return  # whether a test's lazy load runs SQL is up to the data it built; one that does fails the test
    for function in context.facts.functions:
        if (function.loading is None and not function.provided) or not function.is_async:
            continue
        # One lazy load, one finding: the first read of a relationship on an object raises (or,
        # where the identity map answers, loads it for every later read), so the later reads of
        # it on the same object, and a callee's read of it on the same line, are not reported.
        reported: set[tuple[str, int, str]] = set()
        for lazy in sorted(_lazy_reads(context, function), key=lambda lazy: (lazy.line, lazy.col)):
            name = f"{lazy.target.model.rsplit('.', 1)[-1]}.{lazy.attribute}"
            key = (lazy.holder, lazy.source_line, name) if lazy.source_line else (str(lazy.line), 0, name)
            if key in reported:
                continue
            reported.add(key)
            yield _lazy_finding(rule, context, lazy)


def _lazy_reads(context: FileContext, function: FunctionFacts) -> Iterator[_Lazy]:
    loading = function.loading
    if loading is None:
        # No session work of its own: it holds what its parameters hold (a route's provided
        # `team: Team`, `membership: tuple[Team, Member]`), and nothing expires them here.
        yield from _provided_reads(context, function, _held(context, function, None, with_callers=True))
        return
    held = _held(context, function, loading, with_callers=True)
    yield from _direct_reads(context, _with_callee_loads(context, loading, loading.accesses), held)
    yield from _handed_reads(context, _with_callee_loads(context, loading, loading.handovers), held)
    yield from _reloaded_handovers(context, loading)
    yield from _provided_reads(context, function, held)
    if function.response_model:
        yield from _response_reads(context, function, held)


_Carrying = TypeVar("_Carrying", ObjectAccess, Handover)


def _with_callee_loads(
    context: FileContext, loading: FunctionLoading, items: tuple[_Carrying, ...]
) -> tuple[_Carrying, ...]:
    """The accesses or hand-overs, each with what the calls its object was handed to before
    surely loaded on it (`loaded_through_calls`)."""
    found = list(items)
    for position, item in enumerate(items):
        loaded = loaded_through_calls(context.index, loading, item.loaded)
        if loaded is not item.loaded:
            found[position] = replace(item, loaded=loaded)
    return tuple(found)


def _held(
    context: FileContext, function: FunctionFacts, loading: FunctionLoading | None, with_callers: bool
) -> HeldWhenAsked:
    """What the function's session holds (see `identity_map`), worked out when a read asks; with
    what every caller holds when it calls it, unless `with_callers` is False."""
    index = context.index
    expiries = loading.expiries if loading is not None else ()
    return HeldWhenAsked(
        lambda: held_models(
            index,
            function,
            context.path,
            tuple(
                event.line
                for source, expiry in expiries
                for event in _expiring(context, source, (expiry,), scope=function.qualname)
            ),
        ),
        lambda: held_ways(index, function, context.path),
        (lambda: _callers_held(context, function)) if with_callers else None,
    )


def _callers_held(context: FileContext, function: FunctionFacts) -> CallersHeld | None:
    """The models every project caller of `function` holds, unexpired, when it calls it (and
    not by that call); None when some caller is unknown or holds none."""
    index = context.index
    models: frozenset[str] | None = None
    sites: list[tuple[HeldWhenAsked, int]] = []
    for path, call in index.values.calling_sites(function):
        facts = index.files[path]
        caller = _enclosing(facts.functions, call.line)
        if caller is None or caller.loading is None:
            return None
        held = _held(FileContext(facts, index, context.settings), caller, caller.loading, with_callers=False)
        found = held.models().at(call.line, before=True)
        models = found if models is None else models & found
        if not models:
            return None
        sites.append((held, call.line))
    return CallersHeld(models, tuple(sites)) if models else None


def _enclosing(functions: tuple[FunctionFacts, ...], line: int) -> FunctionFacts | None:
    """The innermost function whose body holds `line`."""
    found: FunctionFacts | None = None
    for function in functions:
        if function.line <= line <= function.end_line and (found is None or function.line > found.line):
            found = function
    return found


def _direct_reads(context: FileContext, accesses: tuple[ObjectAccess, ...], held: HeldWhenAsked) -> Iterator[_Lazy]:
    index = context.index
    reloads = reloaded_relationships(accesses)
    for access in accesses:
        if access.source.kind is SourceKind.RECEIVED:
            if reloads:
                yield from _reloaded_reads(context, access, reloads)
            continue
        if access.source.kind is SourceKind.NEW and access.expired_by:
            settled = _settled_by_callee(context, access)
            if settled is None:
                continue
            access = settled
        if access.attribute == "awaitable_attrs" or not _is_async_object(context, access.source):
            continue
        if access.source.kind is SourceKind.NEW and not _in_database(context, access):
            continue
        target = resolve_access(index, access, context.path)
        if target is None:
            continue
        in_session = held.at(access.line)
        if target.relationship is None:
            # `order.item_count`: a property (or method) of the model that reads relationships.
            if access.kind is AccessKind.READ:
                found = resolve_object(index, access.source, access.path, context.path)
                unloaded = (
                    first_unloaded(
                        index,
                        found,
                        access.loaded,
                        (access.attribute,),
                        ("", 0),
                        0,
                        in_session,
                    )
                    if found
                    else None
                )
                if (
                    unloaded is not None
                    and found is not None
                    and _reselected_loads(
                        context,
                        access.reselects,
                        (access.source, access.path, found.model),
                        access.loaded,
                        (access.attribute,),
                        ("", 0),
                        in_session,
                    )
                ):
                    unloaded = None
                if unloaded is not None:
                    lazy = _handed(access.line, access.col, access.target, unloaded, context, access.source.line)
                    yield replace(lazy, autoflushed=access.autoflushed)
            continue
        if target.relationship.is_collection is not True and (
            access.kind is AccessKind.ASSIGN or access.source.kind is SourceKind.NEW
        ):
            # Replacing a scalar loads nothing; a new object's many-to-one emits no SQL
            # while its foreign key is still None, which the facts cannot tell.
            continue
        if is_loaded(target, access, in_session, context.index) is not False:
            continue
        if any(_reselect_loads(context, reselect, access, target, in_session) for reselect in access.reselects):
            continue
        yield _lazy_read(access, target)


def _as_reselected(
    context: FileContext, reselect: Reselect, source: ObjectSource, path: tuple[str, ...], model: str
) -> ObjectTarget | None:
    """The object as the query that gave its row again loaded it, when that query gave back this
    very object (`gives_back`); None otherwise."""
    holder = resolve_object(context.index, source, (), context.path) if path else None
    owner = holder.model if holder is not None else model
    if not gives_back(context.index, reselect, source, owner):
        return None
    return resolve_object(context.index, reselect.source, path, context.path)


def _reselected_loads(
    context: FileContext,
    reselects: tuple[Reselect, ...],
    holder: tuple[ObjectSource, tuple[str, ...], str],
    loaded: tuple[str, ...],
    read: tuple[str, ...],
    where: tuple[str, int],
    in_session: Container[str],
    set_below: tuple[tuple[str, ...], ...] = (),
) -> bool:
    """Whether a later query of the object's own row gave back this very object, loading `read`
    as it did (the arguments after `holder`, the object's source, path and model, are those of
    `first_unloaded`)."""
    source, path, model = holder
    for reselect in reselects:
        again = _as_reselected(context, reselect, source, path, model)
        if (
            again is not None
            and first_unloaded(context.index, again, loaded, read, where, 0, in_session, set_below) is None
        ):
            return True
    return False


def _reselect_loads(
    context: FileContext, reselect: Reselect, access: ObjectAccess, target: AccessTarget, in_session: Container[str]
) -> bool:
    """Whether a query that gave the object's row again loaded the relationship read."""
    again = _as_reselected(context, reselect, access.source, access.path, target.model)
    if again is None:
        return False
    reread = replace(access, source=reselect.source)
    found = resolve_access(context.index, reread, context.path)
    return found is not None and is_loaded(found, reread, in_session, context.index) is not False


def _lazy_read(access: ObjectAccess, target: AccessTarget) -> _Lazy:
    """The lazy load that `access` itself makes, reported on its expression."""
    end = (access.end_line, access.end_col) if access.end_line is not None and access.end_col is not None else None
    return _Lazy(
        access.line,
        access.col,
        target,
        access.attribute,
        access.target,
        end=end,
        source_line=access.source.line,
        read=access.kind is AccessKind.READ,
        autoflushed=access.autoflushed,
    )


def _settled_by_callee(context: FileContext, access: ObjectAccess) -> ObjectAccess | None:
    """A new object whose transaction a callee ended. None when the function handed its session
    to a callee that rolls it back and never commits (`session.add(user)`, `await
    session.flush()`, then `await roll_back(session)`): the rollback expunges an object inserted
    in its transaction, transient again, nothing to load. In the database from then on, that
    session's, its relationships never loaded, when it was handed, in no session yet, to a callee
    that adds it to the session it is given and commits (`await save(session, user)`), or added
    by the function itself and its session handed to a callee that commits it (`session.add(user)`,
    then `await finish(session)`). Else the access as it is."""
    summaries = context.index.summaries
    effects = [
        summaries.call_effects(event.callee, event.argument, event.flags)
        for event in access.expired_by
        if event.settles and event.tied is None
    ]
    if any("rollback" in done and "commit" not in done for done in effects):
        return None
    if access.persistent:
        return access
    event = committed_by_callee(context.index, access.expired_by)
    if event is not None:
        return replace(access, source=replace(access.source, session=event.tied), persistent=True)
    if access.source.session is not None and any("commit" in done for done in effects):
        return replace(access, persistent=True)
    return access


def _in_database(context: FileContext, item: ObjectAccess | Handover) -> bool:
    """A new object the function built is in the database once flushed or committed; flushed
    only by a later query's autoflush, where its session autoflushes (no `autoflush=False`)."""
    if not item.persistent:
        return False
    return not item.autoflushed or session_autoflushes(context.index, item.source.session)


def _reloaded_reads(context: FileContext, access: ObjectAccess, reloads: Reloads) -> Iterator[_Lazy]:
    """A received object's relationship that the function sets itself on some paths
    (`if change.product_id is not None: change.product = await get(...)`), read (here or by a
    method of the model) on a path that did not set it: the function's own setting of it says the
    caller's object does not carry it, so on the other path the read is a lazy load."""
    if access.kind is not AccessKind.READ:
        return
    names = reloads.get((access.source.parameter, access.path), {})
    candidates = {name for name, line in names.items() if line < access.line and assigned(name) not in access.loaded}
    if not candidates:
        return
    index = context.index
    if access.attribute in candidates:
        target = resolve_access(index, access, context.path)
        if target is not None and raises_unloaded(target.relationship):
            yield _lazy_read(access, target)
        return
    unloaded = _first_reloaded(context, access.source, access.path, access.loaded, access.attribute)
    if unloaded is not None and unloaded.attribute in candidates:
        yield _handed(access.line, access.col, access.target, unloaded, context, access.source.line)


def _reloaded_handovers(context: FileContext, loading: FunctionLoading) -> Iterator[_Lazy]:
    """A member of a received object handed to a method of its model (`pending.apply()`) that
    reads a relationship the function sets on some paths only (see `_reloaded_reads`)."""
    reloads: Reloads | None = None
    for handover in loading.handovers:
        if handover.source.kind is not SourceKind.RECEIVED or handover.method is None or not handover.path:
            continue
        if reloads is None:
            reloads = reloaded_relationships(loading.accesses)
        names = reloads.get((handover.source.parameter, handover.path), {})
        candidates = {n for n, line in names.items() if line < handover.line and assigned(n) not in handover.loaded}
        if not candidates:
            continue
        unloaded = _first_reloaded(context, handover.source, handover.path, handover.loaded, handover.method)
        if unloaded is not None and unloaded.attribute in candidates:
            yield _handed(handover.line, handover.col, handover.target, unloaded, context, handover.source.line)


def _first_reloaded(
    context: FileContext, source: ObjectSource, path: tuple[str, ...], loaded: tuple[str, ...], read: str
) -> UnloadedRead | None:
    """The first relationship of the received object that `read` (a method, a property) reads
    and that neither its mapper's eager `lazy=` nor the function loaded, when reading it unloaded
    fails (`raises_unloaded`)."""
    index = context.index
    found = resolve_object(index, source, path, context.path)
    if found is None:
        return None
    unloaded = first_unloaded(index, as_unloaded(found), loaded, (read,), ("", 0))
    if unloaded is None or unloaded.target.model != found.model or not raises_unloaded(unloaded.target.relationship):
        return None
    return unloaded


def _provided_reads(context: FileContext, function: FunctionFacts, held: HeldWhenAsked | None) -> Iterator[_Lazy]:
    """Objects a framework provides (`user: User = Depends(current_user)`) hold what their
    provider's query loaded: a relationship it did not load, read here or by a callee the object
    is handed to, is a lazy load in the request."""
    index = context.index
    summaries = index.summaries
    for name, evidence in function.provided:
        target = provided_object(index, evidence, context.path)
        if target is None:
            continue
        loads = [load.path for load in function.parameter_loads if load.parameter == name]
        # (Reads of the same object count once: it stands where the function starts.)
        for read in function.parameter_reads:
            if read.parameter != name or read.through is not None or within(read.path, loads):
                continue
            in_session: Container[str] = held.at(read.line) if held is not None else frozenset()
            unloaded = first_unloaded(
                index, target, (), read.path, ("", 0), 0, in_session, read.assigned, replaced=read.replaced
            )
            if unloaded is not None:
                yield _handed(read.line, read.col, name, unloaded, context, function.line)
        for forward in function.forwards:
            if forward.parameter != name:
                continue
            in_session = held.at(forward.line) if held is not None else frozenset()
            for handed in summaries.forward_reads(forward):
                if handed.guarded or within(handed.path, loads):
                    continue  # (a guarded read is the callee's own guard against this lazy load)
                where = (handed.function, handed.line)
                unloaded = first_unloaded(
                    index, target, (), handed.path, where, 0, in_session, handed.assigned, replaced=handed.replaced
                )
                if unloaded is not None:
                    yield _handed(forward.line, forward.col, name, unloaded, context, function.line)


def _handed(line: int, col: int, holder: str, unloaded: UnloadedRead, context: FileContext, source_line: int) -> _Lazy:
    reader = ""
    if unloaded.function:
        name, where, is_schema = _reader(context.index, unloaded.function)
        if is_schema:
            reader = f"{name} reads it ({where}:{unloaded.line})"
        else:
            does = "replaces" if unloaded.replaced else "reads"
            reader = f"{name} {does} it at {where}:{unloaded.line}"
    return _Lazy(line, col, unloaded.target, unloaded.attribute, holder, reader, source_line=source_line)


def _reader(index: ProjectIndex, function: str) -> tuple[str, str, bool]:
    """How a message names the function or schema that reads an object handed to it: its name,
    its file, and whether it is a schema."""
    if function in index.classes:
        return f"the schema {function.rsplit('.', 1)[-1]}", index.relative(index.class_paths.get(function, "")), True
    name = function.rsplit(".", 2)
    shown = ".".join(name[-2:]) if len(name) > 2 and name[-2][:1].isupper() else name[-1]
    return f"{shown}()", index.relative(index.function_paths.get(function, "")), False


def _whole_result(path: tuple[str, ...]) -> bool:
    """Whether a handed object is what a call returned, or one element of the tuple it returned
    (`[0]`), taken as it is: no relationship walked, no element of a list taken."""
    return not path or (len(path) == 1 and path[0][:1] == "[" and path[0] != "[]")


def _handed_reads(context: FileContext, handovers: tuple[Handover, ...], held: HeldWhenAsked) -> Iterator[_Lazy]:
    """Objects handed to callees (functions, the model's methods, schemas) that read relationships."""
    index = context.index
    for handover in handovers:
        if response_key(handover.argument) is not None or not _is_async_object(context, handover.source):
            continue  # (what a response model reads of a returned object: `_response_reads`)
        if handover.source.kind is SourceKind.NEW and not _in_database(context, handover):
            continue
        target = resolve_object(index, handover.source, handover.path, context.path)
        if target is None and handover.source.kind is SourceKind.CALL and _whole_result(handover.path):
            # The list a project call returned, handed whole (`notify(await repo.lagging())`), or
            # the one it returned in a tuple (`members, total = await repo.page()`): the facts
            # could not tell it was one; the callee reads its elements.
            target = resolve_object(index, handover.source, (*handover.path, "[]"), context.path)
            if target is not None:
                handover = replace(handover, is_collection=True)
        if target is None:
            continue
        reads = _handover_reads(index, handover, target.model)
        if reads is None:
            continue
        loaded = () if handover.is_collection else handover.loaded
        in_session = held.at(handover.line)
        for read in reads:
            if read.guarded:
                continue  # the callee's own guard against this very lazy load
            path = read.path
            if handover.is_collection:
                if path[:1] != ("[]",):
                    continue
                path = path[1:]
            where = (read.function, read.line)
            unloaded = first_unloaded(
                index, target, loaded, path, where, 0, in_session, read.assigned, replaced=read.replaced
            )
            if (
                unloaded is not None
                and not handover.is_collection
                and _reselected_loads(
                    context,
                    handover.reselects,
                    (handover.source, handover.path, target.model),
                    loaded,
                    path,
                    where,
                    in_session,
                    read.assigned,
                )
            ):
                unloaded = None
            if unloaded is not None:
                lazy = _handed(handover.line, handover.col, handover.target, unloaded, context, handover.source.line)
                yield replace(lazy, autoflushed=handover.autoflushed)


def _handover_reads(index: ProjectIndex, handover: Handover, model: str) -> tuple[Read, ...] | None:
    """What the callee an object is handed to reads off it (a function, a method of its model,
    a schema, each function a dispatch table may run); None when the callee is unknown."""
    summaries = index.summaries
    if handover.method is not None:
        return summaries.method_reads(model, handover.method, handover.flags)
    if (schema := summaries.schema(handover.callee)) is not None:
        # (Under a key of a returned dict, the field of that key validates the object.)
        key = response_key(handover.argument)
        reads = summaries.field_reads(schema, key, model) if key else summaries.schema_reads(schema, model)
        if handover.is_collection:
            reads = tuple(replace(read, path=("[]", *read.path)) for read in reads)
        return reads
    if not handover.argument.isdigit() and (built := summaries.constructed_schema(handover.callee)) is not None:
        # `CategoryPage(items=categories)`: the field's nested schema validates each object.
        reads = summaries.field_reads(built, handover.argument, model)
        if handover.is_collection:
            reads = tuple(replace(read, path=("[]", *read.path)) for read in reads)
        return reads
    found: list[Read] | None = None
    for callee in summaries.callees(handover.callee):
        parameter = summaries.parameter(callee, handover.argument)
        if parameter is not None:
            found = [*(found or ()), *summaries.reads(callee, parameter, handover.flags)]
    return tuple(found) if found is not None else None


def _built_field(index: ProjectIndex, handover: Handover) -> bool:
    """The object is handed as a field of a schema the call builds (`CategoryPage(items=rows)`)."""
    return not handover.argument.isdigit() and index.summaries.constructed_schema(handover.callee) is not None


def _callee_refreshes(index: ProjectIndex, handover: Handover) -> bool:
    """The function an object is handed to refreshes it whole (`await session.refresh(obj)`)."""
    summaries = index.summaries
    callee = summaries.callee(handover.callee) if handover.method is None else None
    parameter = summaries.parameter(callee, handover.argument) if callee is not None else None
    return callee is not None and any(
        load.parameter == parameter and load.path == (WHOLE_REFRESH,) for load in callee.parameter_loads
    )


def _since_refreshing_call(index: ProjectIndex, access: ObjectAccess, loading: FunctionLoading) -> tuple[Expiry, ...]:
    """The expiries of an object read after it was handed to a callee that refreshes it whole
    (`await repo.update(db, db_obj=billing)` that commits, then refreshes `db_obj`): those after
    the last such call before the read; all of them when there is none."""
    summaries = index.summaries
    refreshed = [
        handover.line
        for handover in loading.handovers
        if handover.line < access.line
        and handover.method is None
        and handover.target == access.target
        and handover.source == access.source
        and handover.path == access.path
        and summaries.refreshes_last(handover.callee, handover.argument)
    ]
    if not refreshed:
        return access.expired_by
    last = max(refreshed)
    return tuple(event for event in access.expired_by if event.line > last)


def _response_reads(context: FileContext, function: FunctionFacts, held: HeldWhenAsked) -> Iterator[_Lazy]:
    """A route returns objects that its `response_model=` schema validates."""
    index = context.index
    loading = function.loading
    assert loading is not None
    schema = next(
        (value.cls for value in (index.values.origin(origin) for origin in function.response_model) if value.cls),
        None,
    )
    if schema is None or schema not in index.classes or index.is_model(schema):
        return
    for returned in loading.returns:
        if not returned.line or not _is_async_object(context, returned.source):
            continue
        target = resolve_object(index, returned.source, returned.path, context.path)
        if target is None:
            continue
        loaded = () if returned.is_collection else loaded_through_calls(index, loading, returned.loaded)
        in_session = held.at(returned.line)
        if isinstance(returned.position, str):
            # `return {"items": categories, "total": n}`: the schema validates the dict, and the
            # field of that key validates the objects (`items: list[CategoryOut]`).
            reads = index.summaries.field_reads(schema, returned.position, target.model)
        else:
            reads = index.summaries.schema_reads(schema, target.model)
        for read in reads:
            where = (read.function, read.line)
            unloaded = first_unloaded(index, target, loaded, read.path, where, 0, in_session, read.assigned)
            if unloaded is not None:
                lazy = _handed(returned.line, returned.col, "the returned object", unloaded, context, 0)
                yield replace(lazy, reader=f"the response model {schema.rsplit('.', 1)[-1]} reads it")


def _lazy_finding(rule: Rule, context: FileContext, lazy: _Lazy) -> Finding:
    index = context.index
    target = lazy.target
    relationship = target.relationship
    assert relationship is not None
    attribute = lazy.attribute
    name = f"{target.model.rsplit('.', 1)[-1]}.{attribute}"
    holder = lazy.holder if lazy.holder.isidentifier() or "." in lazy.holder else "obj"
    forbidden = forbidden_by_option(target, attribute)
    raising = forbidden or relationship.lazy in RAISING_STRATEGIES
    # (`awaitable_attrs` runs the same lazy loader, which a raise strategy forbids.)
    awaitable = index.has_async_attrs(target.model) and not raising
    if awaitable and not target.path:
        fallback = f"use await {holder}.awaitable_attrs.{attribute}"
    else:
        # (`refresh()` takes the relationship's own name, not a synonym's.)
        refreshed = relationship.stands_for or attribute
        fallback = f'use await session.refresh({holder}, ["{refreshed}"])' if not target.path else "load it eagerly"
    if target.source.kind is SourceKind.NEW:
        maker = target.source.function
        where = f"by {maker.rsplit('.', 1)[-1]}()" if maker else "here"
        flushed = (
            f"flushed by the autoflush of the query at line {lazy.autoflushed}"
            if lazy.autoflushed
            else "flushed or committed"
        )
        fix = f"the object was created {where} and then {flushed}, so {name} was never loaded: {fallback}"
    else:
        fix = f"{_fix_site(target, context, loader_chain(target, attribute, index))} or {fallback}"
    if lazy.reader:
        fix = f"{lazy.reader}; {fix}"
    if forbidden:
        fix = f"the query's raiseload() option forbids loading it, so the read raises InvalidRequestError: {fix}"
    elif relationship.lazy in RAISING_STRATEGIES:
        fix = f'it is declared lazy="{relationship.lazy}", so the read raises InvalidRequestError: {fix}'
    # The unsafe fix rewrites the read expression itself into `(await order.awaitable_attrs.items)`:
    # it needs the expression's end, a plain read and `AsyncAttrs` on the model (the fixer also
    # declines where an `await` is not legal, a lambda's body, which the facts do not tell).
    fixable = awaitable and lazy.read and lazy.end is not None
    return rule.report(context, lazy.line, lazy.col, end=lazy.end, fixable=fixable, relationship=name, fix=fix)


LAZY_RELATIONSHIP_ACCESS = Rule(
    code="ASA301",
    name="lazy-relationship-access",
    summary="A relationship that was not loaded is read in async code (an implicit lazy load).",
    message="lazy load of {relationship} in async code: {fix}",
    rationale=(
        "Under asyncio a lazy load cannot run: reading `order.items` when the query did not load it "
        "makes SQLAlchemy emit SQL from plain attribute access, outside the greenlet that "
        "`AsyncSession` uses for I/O, and it raises `MissingGreenlet`. The same holds for "
        '`getattr(order, "items")`, `hasattr(order, "items")` (which lets MissingGreenlet through), '
        "iterating, `len()`, `in`, `order.items.append(...)`, replacing "
        "the collection of a persistent object, and for relationships of an object that this function "
        "added and then flushed or committed (they were never loaded, whatever `expire_on_commit` says), "
        "also flushed by the autoflush of a later query of its session (`await session.execute(...)`, "
        "`scalars()`, `get()`; not with `autoflush=False` or inside `with session.no_autoflush:`), "
        "also one a project function created, added to the session it was given and returned "
        "(`user = await create_user(db, data)`; what it set when it built the object is its own), "
        "and one this function built and handed to a project function that added it to the session "
        "it was given and committed (`await repo.save(user)`). "
        "A schema that defines its own `from_orm` (or `model_validate`) reads what that method "
        "reads, not each field by name. "
        "Load relationships eagerly in the query (`selectinload`, `joinedload`, `subqueryload`, "
        "`immediateload`, `contains_eager` with a join; chained for nested ones), on demand with "
        '`await obj.awaitable_attrs.rel`, or with `await session.refresh(obj, ["rel"])`. A loader '
        "counts only on the path that reaches the access; `join(Model.rel)` alone loads nothing. "
        'Relationships declared `lazy="selectin"`/`"joined"`/`"subquery"`/`"immediate"` are '
        "loaded when a query (or a whole `refresh()`) loads the object, not on an object the code "
        "built and flushed; `write_only`, `raise` and `noload` relationships emit no lazy SQL. A query's "
        '`raiseload(Model.rel)` or `raiseload("*")` forbids loading the relationship whatever its `lazy=` '
        "says: where nothing else loaded it (a loader of its own beside the wildcard, a `refresh()` that "
        "names it), its read raises `InvalidRequestError` and is reported. Objects that a "
        "project function returns are judged by that function's query (its summary in the project "
        "index), across modules and through `self.repo.method(...)`, also through a list a helper "
        "filled from such a call (`found.extend(await repo.page(i))`, `found += ...`) or a comprehension "
        "filtered them into (`live = [m for m in matches if m.live]`, then `live[0]`). An object handed "
        "to a helper is judged by what the helper reads, and by a collection it replaces "
        '(`member.tags = tags`, which loads the old one); formatting it (`f"{obj}"`, `str(obj)`, `repr(obj)`, '
        "`print(obj)`) by what its model's `__str__` reads (`__repr__` where no class of the model "
        "defines `__str__` and no SQLModel or pydantic base gives its own); an association proxy "
        '(`association_proxy("identity", "username")`) as a property that reads its relationship; '
        "through a module-level dispatch table of functions "
        "(`HANDLERS[action](session, order)`, `HANDLERS.get(action)`), by what any of them reads. A "
        "read under `except MissingGreenlet` (or `StatementError`, which wraps it on SQLAlchemy 2.1) "
        "is the code's own probe and is not reported; so is a helper's or model method's read under "
        "a handler that catches it with other errors (a bare `except:`, `Exception`, `SQLAlchemyError`, "
        "`InvalidRequestError`) and quietly falls back: no call (a log line) and no raise in the "
        "handler. A read (the function's own or a helper's) where a test says the relationship is "
        'loaded (under `if "items" in '
        "inspect(order).dict:`, `order.__dict__`, a saved `state = inspect(order)`'s `state.dict`, "
        '`"items" not in state.unloaded`, or after `if "items" not in inspect(order).dict: return`) '
        "loads nothing: the test runs no SQL. An object a FastAPI dependency provides "
        "(`user: User = Depends(current_user)`, also through an `Annotated` alias and through a "
        "provider that returns the object another one gave it) is judged by its provider's query, "
        "read in the route or in a helper it is handed to. A FastAPI route without `response_model=` "
        "validates what it returns with its return annotation (`-> TeamOut`, `-> list[TeamOut]`), which "
        "counts as its response model (`response_model=None` turns that off); a returned dict "
        '(`{"items": rows, "total": n}`) has each key\'s objects validated by the field of that key, '
        "as does a pydantic model's constructor (`CategoryPage(items=rows)`). An object bound by a "
        "different project call on each branch (`if by_price: p = await by_price(...) else: p = await "
        "by_id(...)`) is judged by each call's query when it is read after the branches. What a "
        "helper sets on an "
        "object on one branch of an `if` only is unloaded on the other. Other objects a function receives as "
        "parameters (and `self` in a model's methods) are not judged: the caller's query is "
        "unknown. Test modules (`conftest.py`, "
        "`test_*.py`, `*_test.py`, files under `tests/` or `test/`) are not judged either: whether a "
        "test's lazy load runs SQL depends on the rows it built (a many-to-one whose foreign key the "
        "test left NULL loads nothing), and one that does raise fails the test when it runs. One "
        "lazy load is one finding: the first read of a relationship on an object is reported, not "
        "the reads of it after that line (they never run once the first raises)."
    ),
    check=check_lazy_relationship_access,
    fix=FixSafety.UNSAFE,
    runtime=(
        "Raises `sqlalchemy.exc.MissingGreenlet` at the access (inside a pydantic schema's validation it "
        'arrives as a `ValidationError` that carries it; a `lazy="raise"` relationship raises '
        "`InvalidRequestError` instead). Every INVALID example below is executed in the test suite "
        "against SQLAlchemy 2 with aiosqlite and raises it on the reported line (for a callee's read, "
        "on the call that hands the object over); every VALID example runs clean."
    ),
    valid=(*ASA301_VALID, *ASA301_CROSS_FUNCTION_VALID),
    invalid=(*ASA301_INVALID, *ASA301_CROSS_FUNCTION_INVALID),
    references=(
        f"{ASYNC_DOCS}#preventing-implicit-io-when-using-asyncsession",
        f"{LOADING_DOCS}#selectin-eager-loading",
    ),
)


# -- ASA302 -------------------------------------------------------------------


def check_expired_attribute_access(rule: Rule, context: FileContext) -> Iterator[Finding]:
    for function in context.facts.functions:
        loading = function.loading
        if loading is None or not function.is_async:
            continue
        # The first read of an expired object on its path raises; later reads of it are not
        # reported again, whether the function reads it or a callee it is handed to does. Where
        # the facts end the first read's path themselves, a later read that still carries the
        # event is on another path (another branch, or past an `except` that swallowed the
        # first's error, where the object is as expired as it was) and is reported too.
        reported: set[tuple[str, int, int, bool, bool]] = set()
        # A read right after the commit or rollback runs before the reads that only the next
        # iteration of a loop makes, whatever their lines.
        expired = sorted(
            (*_expired_reads(context, function), *_expired_handovers(context, function)),
            key=lambda read: (_of_an_earlier_iteration(read), read.line, read.col),
        )
        for read in expired:
            event = read.event
            # The next iteration's read is reached by a path of its own (one that reads the object
            # after the event in the same iteration leaves the object unexpired, see the facts).
            # (A read in the handler of what a call raised is on that handler's path alone: the
            # reads past the `try` are reached by the others too.)
            key = (
                read.target.split(".", 1)[0],
                read.source_line,
                event.line,
                _of_an_earlier_iteration(read),
                event.method == ROLLED_BACK_ON_RAISE,
            )
            if key in reported:
                continue
            if not read.ends_path:
                reported.add(key)
            if read.in_callee_session:
                callee = event.argument.rsplit(".", 1)[-1]
                fix = (
                    f"set expire_on_commit=False where the session is made (its factory), or "
                    f"refresh it in {callee}() before it returns it"
                )
            elif event.method in EXPLICIT_EXPIRIES:
                fix = (
                    f"{event.method}() makes the next read load the object with SQL: "
                    f"await {event.session}.refresh({read.target}) instead"
                )
            elif event.method == "begin" and event.argument:
                fix = "set expire_on_commit=False where the session is made (its factory), or read it inside the block"
            elif event.method == FAILED_FLUSH:
                fix = (
                    f"a failed flush rolls the transaction back and expires every object whatever "
                    f"expire_on_commit says, so the read raises PendingRollbackError: read what the "
                    f"handler needs of {read.target} before the `try`"
                )
            elif event.method in _ROLLBACKS:
                fix = (
                    f"rollback() expires every object whatever expire_on_commit says: "
                    f"await {event.session}.refresh({read.target}) or reload it"
                )
            else:
                fix = (
                    f"set expire_on_commit=False where the session is made (its factory), or "
                    f"await {event.session}.refresh({read.target}) first"
                )
            yield rule.report(
                context,
                read.line,
                read.col,
                attribute=read.attribute,
                target=read.target + read.reader,
                event=_event_text(event) + (" of an earlier iteration" if _of_an_earlier_iteration(read) else ""),
                event_line=event.line,
                fix=fix,
            )


@record
class _ExpiredRead:
    line: int
    col: int
    #: `Model.attribute`, the expression read, and who reads it when a callee does.
    attribute: str
    target: str
    reader: str
    source_line: int
    #: The last commit or rollback that expired it on the way to the read.
    event: Expiry
    #: It was expired in the session of the project function that returned it, which the
    #: caller does not hold (`async with factory() as s: ...; return obj`).
    in_callee_session: bool = False
    #: The reader runs once the response is sent, after whatever the function did later.
    after_response: bool = False
    #: The facts end the read's path where it raises (`read_through`): a later read of the object
    #: that the same event expired is on a path this one is not on (another branch, or past an
    #: `except` that swallowed this read's error).
    ends_path: bool = False


def _of_an_earlier_iteration(read: _ExpiredRead) -> bool:
    """Whether the event that expired the object comes after the read in the code: in a loop,
    an earlier iteration's. A call's own arguments are evaluated before it runs, so an object
    read or handed over on the line of the call that expired it did so in an earlier iteration
    too, unless the call itself gave it (`(await create(session)).id` reads it after)."""
    event = read.event
    if read.after_response:
        return False
    if event.line != read.line:
        return event.line > read.line
    return bool(event.callee) and read.source_line != event.line


def _in_callee_session(source: ObjectSource) -> bool:
    return source.kind is SourceKind.CALL and source.session is None


def _expired_reads(context: FileContext, function: FunctionFacts) -> Iterator[_ExpiredRead]:
    index = context.index
    loading = function.loading
    assert loading is not None
    for access in loading.accesses:
        if access.kind is not AccessKind.READ or access.attribute.startswith("_"):
            continue
        if access.attribute == "awaitable_attrs" or not (access.expired_by or access.source.handed):
            continue
        if access.source.kind is SourceKind.RECEIVED and access.path:
            continue  # (a received object's member is bound for ASA301's reloaded relationships only)
        expired_by = _since_refreshing_call(index, access, loading) if access.expired_by else ()
        source, expired_by = _given_back(index, access.source, expired_by)
        events = _expiring(context, source, expired_by, loading, scope=function.qualname)
        if not events:
            continue
        # (Not through what a model's method hands back: on an expired object the method's own
        # read of `self` is the one that fails, which its summary's reads judge.)
        target = resolve_access(index, access, context.path, members=False)
        if target is None:
            continue
        model = target.model.rsplit(".", 1)[-1]
        reader = ""
        read = access.attribute
        if not _is_mapped_attribute(context, target, access.attribute):
            # `user.days_left`: a property (or method) of the model that reads a column.
            column = _column_read(index, target.model, access.attribute)
            if column is None:
                continue
            reader = f" (it reads {model}.{column})"
            read = column
        events = tuple(event for event in events if not _reloaded_since(index, target.model, read, event))
        if not events:
            continue
        attribute = f"{model}.{access.attribute}"
        event = events[-1]
        yield _ExpiredRead(
            access.line,
            access.col,
            attribute,
            access.target,
            reader,
            access.source.line,
            event,
            _in_callee_session(source),
            ends_path=_ends_path(access, source, event),
        )


def _reloaded_since(index: ProjectIndex, model: str, attribute: str, event: Expiry) -> bool:
    """Whether `attribute` of an object of `model` was given a value again since `event` expired
    it (`Expiry.reloaded`): the code set it, or a partial `refresh(obj, [...])` named it. A refresh
    of a one-to-many relationship loads the primary key with it; one of a many-to-one (or a
    relationship whose side is unknown, or a name the index does not know) needs the foreign key,
    which loads every expired column (run-time checked on SQLAlchemy 2.0 and 2.1). A refresh of
    columns alone loads just those: the primary key stays expired."""
    reloaded = event.reloaded
    if not reloaded:
        return False
    if attribute in reloaded or assigned(attribute) in reloaded:
        return True
    if not partly_refreshed(event):
        return False
    relationships = index.relationships(model)
    columns = index.columns(model)
    for name in reloaded:
        if name.startswith("="):
            continue  # (set by the code: that loads nothing else)
        relationship = relationships.get(name)
        if relationship is None and name in columns:
            continue
        if relationship is None or relationship.many_to_one is not False:
            return True
        if attribute in index.primary_key(model):
            return True
    return False


#: The objects whose reads after an expiry end their path in the facts (`read_through`).
_ENDING_SOURCES = frozenset({SourceKind.QUERY, SourceKind.GET, SourceKind.NEW})


def _ends_path(access: ObjectAccess, source: ObjectSource, event: Expiry) -> bool:
    """Whether the loading walk ended the read's path where it raises, for this event: a read of
    the object itself (not of a member), as the facts saw it, of an event that a later query, a
    call the object was handed to or a partial refresh cannot have undone (`read_through` leaves
    those on)."""
    return (
        not access.path
        and source is access.source
        and access.source.kind in _ENDING_SOURCES
        and not access.source.held_as
        and not {access.attribute, assigned(access.attribute)} & set(access.loaded)
        and event.reselected is None
        and not partly_refreshed(event)
        and event.method != "call"
    )


def _column_read(index: ProjectIndex, model: str, member: str) -> str | None:
    """The first column of `model` that its property or method `member` reads off `self`."""
    columns = index.columns(model)
    return next(
        (
            read.path[0]
            for read in index.summaries.method_reads(model, member)
            if read.path and read.path[0] in columns and not read.replaced
        ),
        None,
    )


def _expired_handovers(context: FileContext, function: FunctionFacts) -> Iterator[_ExpiredRead]:
    """An expired object handed to a callee that reads one of its columns: the callee raises."""
    index = context.index
    loading = function.loading
    assert loading is not None
    for handover in loading.handovers:
        if not (handover.expired_by or handover.source.handed):
            continue
        if handover.source.kind is SourceKind.RECEIVED and handover.path:
            continue  # (a received object's member is bound for ASA301's reloaded relationships only)
        # (A list a route returns is validated item by item by its response model, and one
        # handed to a schema's constructor by the field's schema: `CategoryPage(items=rows)`.)
        listed = handover.is_collection
        if listed and response_key(handover.argument) is None and not _built_field(index, handover):
            continue
        source, expired_by = _given_back(index, handover.source, handover.expired_by)
        events = _expiring(context, source, expired_by, loading, scope=function.qualname)
        if not events:
            continue
        target = resolve_object(index, handover.source, handover.path, context.path, members=False)
        if target is None or _callee_refreshes(index, handover):
            continue
        columns = index.columns(target.model)
        reads = _handover_reads(index, handover, target.model) or ()
        if listed:
            reads = tuple(replace(read, path=read.path[1:]) for read in reads if read.path[:1] == ("[]",))
        # (The first column it reads that the code did not refresh or set since some event, with
        # the events that still expire it.)
        read, events = next(
            (
                (read, left)
                for read in reads
                if read.path
                and not read.replaced
                and read.path[0] in columns
                and (left := tuple(e for e in events if not _reloaded_since(index, target.model, read.path[0], e)))
            ),
            (None, ()),
        )
        if read is None:
            continue
        attribute = f"{target.model.rsplit('.', 1)[-1]}.{read.path[0]}"
        name, where, _ = _reader(index, read.function)
        if response_key(handover.argument) is not None:
            schema = (index.summaries.schema(handover.callee) or "").rsplit(".", 1)[-1]
            reader = f" by the response model {schema} ({where}:{read.line}) once the route returned it"
        elif handover.after_response:
            reader = f" by {name} at {where}:{read.line}, which runs after the response,"
        else:
            reader = f" by {name} at {where}:{read.line}"
        yield _ExpiredRead(
            handover.line,
            handover.col,
            attribute,
            handover.target,
            reader,
            handover.source.line,
            events[-1],
            _in_callee_session(source),
            handover.after_response,
        )


def _given_back(
    index: ProjectIndex, source: ObjectSource, expired_by: tuple[Expiry, ...]
) -> tuple[ObjectSource, tuple[Expiry, ...]]:
    """An object a call gave back (`order = await repo.update(order)`) is the one it was handed:
    its source, and the commits and rollbacks that expired it before the call and since."""
    given = handed_back(index, source) if source.handed else None
    if given is None:
        return source, expired_by
    handed, kept = given
    if WHOLE_REFRESH in kept:
        return handed.source, expired_by  # the callee refreshed it before it gave it back
    if _refreshed_after(index, source, expired_by):
        return handed.source, expired_by
    return handed.source, (*handed.expired_by, *expired_by)


def _refreshed_after(index: ProjectIndex, source: ObjectSource, expired_by: tuple[Expiry, ...]) -> bool:
    """Whether the caller refreshed what an awaited call gave back (`await session.refresh(user)`
    after `user = await save(session, user)`): its expiries no longer hold the call's own mark
    (`RETURNED_EXPIRED`, which every awaited call's result carries until then), so what expired
    the object before and in the call no longer holds either."""
    if any(event.method == RETURNED_EXPIRED and event.line == source.line for event in expired_by):
        return False
    function = callee_function(index, source.callee)
    return function is not None and function.is_async


def _expiring(
    context: FileContext,
    source: ObjectSource,
    expired_by: tuple[Expiry, ...],
    loading: FunctionLoading | None = None,
    depth: int = 0,
    *,
    scope: str = "",
) -> tuple[Expiry, ...]:
    """The commits and rollbacks among `expired_by` that expire the objects of the source's
    session (a commit does only on a session that expires on commit); none when the session is
    unknown or not an async one. `scope` is the function that holds the source.

    Asked once per read and per hand-over, mostly again for the same object and events (a
    third of the questions were new on dstack): answered once per file."""
    if not expired_by:
        return ()
    key = (source, expired_by, id(loading), depth, scope)
    answered = context.expiring.get(key)
    if answered is None:
        answered = context.expiring[key] = (loading, _expiring_now(context, source, expired_by, loading, depth, scope))
    return answered[1]


def _expiring_now(
    context: FileContext,
    source: ObjectSource,
    expired_by: tuple[Expiry, ...],
    loading: FunctionLoading | None,
    depth: int,
    scope: str,
) -> tuple[Expiry, ...]:
    index = context.index
    if source.kind is SourceKind.RECEIVED:
        return _expiring_received(context, source, expired_by, loading, scope) if loading is not None else ()
    session = source.session
    if session is None and source.kind is SourceKind.NEW:
        # A new object handed to a call with a session: that session's once the callee adds it,
        # expired by its commit unless it refreshes the object after it.
        summaries = index.summaries
        expired_by = tuple(
            event
            for event in expired_by
            if event.tied
            and summaries.adds(event.callee, event.adds, event.argument)
            and not summaries.refreshes_last(event.callee, event.adds)
        )
        session = expired_by[0].tied if expired_by else None
    if any(event.reselected is not None for event in expired_by):
        expired_by = tuple(event for event in expired_by if not _reselected(index, event))
    if session is None and source.kind is SourceKind.CALL:
        # The callee used a session of its own (`async with factory() as s: ...; return obj`):
        # the object is as the callee's last commit or rollback of that session left it.
        left = (_as_left(context, event, depth) for event in expired_by if event.method == RETURNED_EXPIRED)
        return tuple(event for event in left if event is not None)
    if session is None or not expired_by:
        return ()
    if source.kind is SourceKind.INJECTED and not shares_request_session(index, source.callee, session):
        return ()
    if not _is_judged_session(context, session):
        return ()
    expires = _commit_expires(context, session, scope)
    left = (_as_left(context, event, depth) for event in expired_by)
    # A new object a callee added and only flushed is pending in this transaction: a rollback
    # turns it transient with its attributes intact, rather than expiring it.
    created = source.kind is SourceKind.CALL and _returns_pending(index, source)
    return tuple(
        event
        for event in (_through_callee_of(context, event, expires) for event in left if event is not None)
        if not ((created or event.settles) and event.method in _ROLLBACKS)
        and (event.method in _ALWAYS_EXPIRING or (event.method in ("commit", "begin") and expires is True))
    )


def _returns_pending(index: ProjectIndex, source: ObjectSource, depth: int = 0) -> bool:
    """Whether a project call may give back a new object that it (or a function it calls)
    added and did not commit."""
    function = callee_function(index, source.callee)
    loading = function.loading if function is not None else None
    if loading is None:
        return False
    return any(
        returned.pending
        or (
            returned.source.kind is SourceKind.CALL
            and depth < _MAX_RETURN_DEPTH
            and _returns_pending(index, returned.source, depth + 1)
        )
        for returned in loading.returns
    )


def _reselected(index: ProjectIndex, event: Expiry) -> bool:
    """A later query gave the object's own row again by its primary key (`session.get()`, or
    `select(M).where(M.id == k)` alone), or by a unique column it was loaded by with the same key
    (`=email`): it repopulated the expired object, which reads fresh."""
    if event.reselected is None:
        return False
    model, column = event.reselected
    if column.startswith(SAME_COLUMN):
        column = column.removeprefix(SAME_COLUMN)
        return column in index.primary_key(model) or column in index.unique_columns(model)
    return not column or column in index.primary_key(model)


#: How many project calls deep an object returned expired is followed (`a()` returns what `b()` did).
_MAX_RETURN_DEPTH = 3


def _as_left(context: FileContext, event: Expiry, depth: int) -> Expiry | None:
    """An object a project call returned, as the callee left it: expired by the callee's last
    commit or rollback when every `return` of it gives an object so expired (told at the call,
    as a callee's commit is), else nothing. Any other event is itself."""
    if event.method != RETURNED_EXPIRED:
        return event
    function = callee_function(context.index, event.callee) if depth < _MAX_RETURN_DEPTH else None
    loading = function.loading if function is not None else None
    if function is None or loading is None or not loading.only_objects or not loading.returns:
        return None
    last: Expiry | None = None
    for returned in loading.returns:
        if returned.position is not None or not returned.expired_by:
            return None
        found = _expiring(context, returned.source, returned.expired_by, loading, depth + 1, scope=function.qualname)
        # Only a commit or rollback the callee makes on every path that returns normally: one
        # under a test of a parameter the caller may leave at its default (`if track_view:`), or
        # in an `except` handler, leaves the object as it was on the path the caller gets.
        done = [event for event in found if event.callee or (event.session, event.method) in loading.effects]
        if not done:
            return None
        last = done[-1]
    assert last is not None
    return replace(event, session=event.session or last.session, method=last.method, argument=function.qualname)


def _is_judged_session(context: FileContext, session: ValueRef) -> bool:
    """An asyncio session (or, with `preview`, not known to be anything else)."""
    is_async = is_async_session(context.index, session)
    return is_async is True or (is_async is None and context.settings.preview)


def _commit_expires(context: FileContext, session: ValueRef, scope: str = "") -> bool | None:
    """`_commit_expires_now`, answered once per file."""
    key = (session, scope)
    known = context.commit_expiries
    if key in known:
        return known[key]
    found = known[key] = _commit_expires_now(context, session, scope)
    return found


def _commit_expires_now(context: FileContext, session: ValueRef, scope: str) -> bool | None:
    """Whether the session's commit expires its objects: its factory's `expire_on_commit`; for
    an asyncio session a parameter of `scope` receives and only its annotation explains, in a
    project that builds no session factory, what the sessions the application's calls pass it
    do; else what the project's factories all say, of asyncio sessions for an asyncio session
    (with `preview`, for any session whose own is unknown); None: unknown."""
    index = context.index
    value = index.values.of(session.origins)
    expires = value.expire_on_commit if value.is_session else None
    if (
        expires is None
        and value.is_async is True
        and _declared(session)
        and project_builds_no_factory(index, asyncio=True)
        and _is_parameter(index, session, scope)
    ):
        # `async def sync(session: AsyncSession)` in a project that makes every session where it
        # uses it (`AsyncSession(engine)`): no factory speaks for the project, so the sessions
        # its callers hand it do. (Asked only then: where factories exist, they answer, and
        # following every call of every committing function costs a cold run several percent.)
        expires = index.values.passed_expiry(scope, session.text)
    if expires is None and ((value.is_async is True and _declared(session)) or context.settings.preview):
        # An asyncio session no caller or provider names the factory of (a parameter annotated
        # `AsyncSession` of a handler looked up in a table, a service's `self.session`) is one of
        # the project's factories: the only sources of sessions the project configures, judged
        # when they all say the same. (One a call made, `config.get_session()` of a config whose
        # options are unknown, stays unknown.)
        expires = project_factory_expiry(index, asyncio=value.is_async is True)
    return expires


def _is_parameter(index: ProjectIndex, session: ValueRef, scope: str) -> bool:
    """The session is a parameter of the function `scope`, named as it is received."""
    function = index.functions.get(scope) if scope and session.received else None
    return function is not None and session.text in function.parameters


def _declared(session: ValueRef) -> bool:
    """The session is known by what it is declared as (an annotation, an attribute), not made
    by a call the index could not follow."""
    return all(not origin.steps for origin in session.origins)


def _expiring_received(
    context: FileContext,
    source: ObjectSource,
    expired_by: tuple[Expiry, ...],
    loading: FunctionLoading,
    scope: str = "",
) -> tuple[Expiry, ...]:
    """The commits and rollbacks that expire an object a parameter received (see
    `SourceKind.RECEIVED`): those of its session, which is the one the function hands it to
    (`session.delete(self)`), else the function's only session; none when it holds two or more
    and nothing says which, or when the parameter's class is no model."""
    index = context.index
    if resolve_source(index, source, context.path) is None:
        return ()
    sessions = _function_sessions(index, loading)
    tie = next((tie.session for tie in loading.ties if tie.parameter == source.parameter), None)
    if tie is None and len(sessions) != 1:
        return ()
    held_by = tie if tie is not None else next(iter(sessions))
    session = sessions.get(held_by)
    if session is None or (tie is None and not _from_caller(session)):
        # A session the function opens itself cannot hold what its caller loaded, unless the
        # function hands the object to it.
        return ()
    if not _is_judged_session(context, session):
        return ()
    expires = _commit_expires(context, session, scope)
    return tuple(
        event
        for event in (_through_callee_of(context, event, expires) for event in expired_by if event.session == held_by)
        if event.method in _ALWAYS_EXPIRING or (event.method in ("commit", "begin") and expires is True)
    )


def _from_caller(session: ValueRef) -> bool:
    """The session comes from outside the function: a parameter, or what `self` holds."""
    return session.received or session.text.startswith(("self.", "cls."))


def _function_sessions(index: ProjectIndex, loading: FunctionLoading) -> dict[str, ValueRef]:
    """The sessions among what the function may use as one, by their text."""
    return {ref.text: ref for ref in loading.sessions if index.values.of(ref.origins).is_session}


def _through_callee_of(context: FileContext, event: Expiry, expires: bool | None) -> Expiry:
    """`_through_callee` in the file's context, answered once per file, event and whether the
    session's commit expires."""
    known = context.through_callees
    key = (event, expires is True)
    found = known.get(key)
    if found is None:
        found = known[key] = _through_callee(context.index, event, context.path, expires is True)
    return found


def _through_callee(index: ProjectIndex, event: Expiry, path: str, commit_expires: bool = False) -> Expiry:
    """A call that handed the session over expires the object when the callee commits or rolls
    it back (its summary says; through a dispatch table, every function it may run does); it
    then counts as that commit or rollback. Where its commit expires nothing, a rollback the
    callee makes when its flush fails, and swallows, counts in its place."""
    if event.method != "call":
        return event
    if event.receiver is not None:
        # `await worker.save(session)` on what a project call returned: its model's method.
        target = resolve_object(index, event.receiver, event.receiver_path, path)
        if target is None:
            return event
        event = replace(event, callee=tuple(replace(origin, name=target.model) for origin in event.callee))
    summaries = index.summaries
    callees = summaries.callees(event.callee)
    if not callees:
        return event
    effects = summaries.call_effects(event.callee, event.argument, event.flags)
    named = callees[0].qualname
    if "rollback" in effects:
        return replace(event, method="rollback", argument=named)
    if event.caught is not None:
        # Read in the caller's `except` handler of the call's `try`: a rollback the callee makes
        # before it raises what the handler catches has run (whatever the callee commits on the
        # paths that return).
        raising = summaries.rolls_back_on_raise(event.callee, event.argument, event.flags, event.caught)
        if raising is not None:
            return replace(event, method=ROLLED_BACK_ON_RAISE, argument=raising.qualname)
    if "commit" in effects or ENDED in effects:
        # A rollback on the paths that do not commit: it expires as the commit does, or the
        # commit expires nothing and only some paths do, which is not reported (unless the
        # callee swallows the failure it rolled back, below).
        swallowed = None if commit_expires else _swallowed_failure(index, event, path)
        return swallowed or replace(event, method="commit", argument=named)
    if event.in_loop and not event.result_checked:
        # An error the callee catches and rolls back, in a loop that goes on to its next item
        # and past its end whatever the result: what the loop's function reads then is expired.
        # (A single call's failure is its caller's error path, which the rule does not judge.)
        failing = summaries.rolls_back_on_error(event.callee, event.argument, event.flags)
        if failing is not None:
            return replace(event, method=ROLLED_BACK_ON_ERROR, argument=failing.qualname)
    swallowed = _swallowed_failure(index, event, path)
    if swallowed is not None:
        return swallowed
    if event.failed_as is not None:
        # Read where the caller's test of the call's result says it failed: a rollback the
        # callee makes before it returns such a result has run.
        failed = summaries.rolls_back_on_failure(event.callee, event.argument, event.flags, event.failed_as)
        if failed is not None:
            return replace(event, method=ROLLED_BACK_ON_FAILURE, argument=failed.qualname)
    # A commit under a test of data (`if (await settings()).enabled:`), here or further down:
    # the caller's read after the call is judged as after its own commit under a test; not where
    # the caller's test of the result says the call failed (its commit is on the other side).
    committer = (
        summaries.maybe_commits.call(summaries, event.callee, event.argument, event.flags)
        if event.failed_as is None
        else None
    )
    if committer is not None:
        return replace(event, method="commit", argument=committer)
    return event


def _swallowed_failure(index: ProjectIndex, event: Expiry, path: str) -> Expiry | None:
    """A single call whose callee rolls back on a failure it swallows, as its caller's read
    after the call sees it (a result the caller does not test)."""
    if event.result_checked or index.is_test_module(path):
        return None
    summaries = index.summaries
    # A duplicate row the callee expects (`except IntegrityError:` rolls back and returns):
    # no failure of the caller's, which reads on whatever the result, as after one call.
    # (A concurrent writer's row, which a test that runs its calls one after another does
    # not make: there the handler's path is one the test does not take.)
    # So is a failed flush of what the callee changed (`add`, then `commit()` in `try:`,
    # `rollback()` in `except`), which it swallows as the same `try` written inline does.
    failing = summaries.rolls_back_on_conflict(
        event.callee, event.argument, event.flags
    ) or summaries.rolls_back_on_failed_flush(event.callee, event.argument, event.flags)
    return None if failing is None else replace(event, method=ROLLED_BACK_ON_ERROR, argument=failing.qualname)


#: The events that expire every object of the session, whatever `expire_on_commit` says.
_ROLLBACKS = frozenset({"rollback", ROLLED_BACK_ON_ERROR, ROLLED_BACK_ON_FAILURE, ROLLED_BACK_ON_RAISE, FAILED_FLUSH})
#: The events that expire objects whatever `expire_on_commit` says.
_ALWAYS_EXPIRING = _ROLLBACKS | EXPLICIT_EXPIRIES


def _event_text(event: Expiry) -> str:
    if event.method == "begin" and event.argument:
        return f"the `async with {event.argument}.begin() as {event.session}:` block (commit, then close)"
    if event.method == "begin":
        return f"the `async with {event.session}.begin()` block"
    callee = event.argument.rsplit(".", 1)[-1]
    if event.method == ROLLED_BACK_ON_ERROR:
        return f"{callee}(), which calls {event.session}.rollback() when it catches an error,"
    if event.method == FAILED_FLUSH:
        return f"a failed {event.session}.{event.argument}()"
    if event.method == ROLLED_BACK_ON_RAISE:
        return f"{callee}(), which calls {event.session}.rollback() before it raises the error caught here,"
    if event.method == ROLLED_BACK_ON_FAILURE:
        return f"{callee}(), which calls {event.session}.rollback() before it returns the failure tested here,"
    if event.callee:
        return f"{callee}(), which calls {event.session}.{event.method}(),"
    if event.method == "rollback" and event.argument:
        return f"{event.argument}.rollback() (a savepoint of {event.session})"
    return f"{event.session}.{event.method}()"


def _is_mapped_attribute(context: FileContext, target: AccessTarget, attribute: str) -> bool:
    """A column or relationship the model declares: reading it after expiry loads it."""
    if target.relationship is not None:
        return True
    return attribute in context.index.columns(target.model)


EXPIRED_ATTRIBUTE_ACCESS = Rule(
    code="ASA302",
    name="expired-attribute-access",
    summary="An attribute of an ORM object is read after commit(), rollback() or expire() expired it.",
    message="{attribute} read on {target} after {event} at line {event_line} expired it: {fix}",
    rationale=(
        "`commit()` expires every object in the session when the factory keeps the default "
        "`expire_on_commit=True` (or the session is a bare `AsyncSession(...)` without "
        "`expire_on_commit=False`), and `rollback()` expires them whatever the setting. The next read "
        "of any column or relationship then has to refresh the object with SQL from plain attribute "
        "access, which asyncio cannot do: `MissingGreenlet`. The rule follows the session to its "
        "factory through the project index; in a loop, a commit in one iteration expires what the next "
        "iteration reads. `session.expire(obj)` and `session.expire_all()` expire what they name "
        "whatever the setting (`expire(obj, [names])` is not judged). "
        "`await session.refresh(obj)` in between makes the read safe. A partial "
        '`refresh(obj, ["status"])` loads only the names it gives (the primary key too when it names a '
        "one-to-many relationship, the whole row for a many-to-one), until the next commit or rollback "
        "expires them again; an attribute the code sets after the expiry reads its new value. "
        "In an `except` handler (bare, "
        "`Exception` or a SQLAlchemy error) of a `try` that commits or flushes a session the code changed "
        "(`add`, `delete`, an attribute set), and after such a handler that swallows the error, what the "
        "session held before the `try` is expired whatever the setting: a failed flush rolls the transaction back "
        "(to the savepoint, in one: then only what was changed in it), and the read raises "
        "`PendingRollbackError` in place of the error being handled. An expired "
        "object handed to a function that reads one of its columns, or validated into a schema "
        "(`OrderOut.model_validate(order)`) with a field named like one, or returned by a FastAPI route "
        "to its `response_model=` (or, without one, its return annotation), is reported on the call that "
        "hands it over, with the function or schema that reads it; a function that runs after the "
        "response (`background_tasks.add_task(notify, order)`, Starlette's `BackgroundTask(notify, "
        "order)`) reads the object as the request left it, past a commit that follows the hand-over. "
        "An object held as a field of one the function built (`ctx = OrderContext(order=order)`, a "
        "dataclass or a plain class that keeps it, not a schema) is that object: `ctx.order.status` "
        "after the commit is an expired read. A `commit()` or `rollback()` "
        "called through a name bound to it (`commit = session.commit`) counts as one. An object a "
        "project function returns from a session it opened itself, after that session's commit "
        "expired it, is expired for the caller, which cannot refresh it (the session is closed: "
        "`DetachedInstanceError`): the fix is `expire_on_commit=False` or a refresh in the callee. "
        "A new object a project function created, added to the session it was given and returned is "
        "expired by the caller's commit, and by its rollback unless the function left it pending (only "
        "flushed: the rollback makes it transient). "
        "A list of objects found or created and added on different paths (get-or-create) is expired "
        "by the commit. A session from a project object "
        "that wraps a factory (a callable class whose `__call__` opens a session of the sessionmaker "
        "its constructor got) expires on commit as that sessionmaker does. A helper that rolls back in an `except` "
        "handler and returns normally (the error swallowed) expires the objects of a loop that calls "
        "it and goes on whatever it returns: the loop's next items and the code after it read them "
        "(a test of the result that leaves the loop, reads under that test, and reads in an `except` "
        "handler, which runs on a failure of its own, are not judged; nor is a single call, whose "
        "failure is its caller's error path). A single call is judged where the helper's `try` "
        "adds or changes, then commits or flushes, awaits nothing else, and its handler rolls back "
        "and reads none of the objects the failed flush expired, outside a retry loop: the "
        "failure is then the flush's, which the helper swallows as the same `try` written inline "
        "does, and the caller reads on after it (whatever `expire_on_commit` says; a test of the "
        "result that leaves is not judged). A helper that rolls back before it raises (`except "
        "SQLAlchemyError: await db.rollback(); raise ServiceError(...)`, or a bare `raise`) expires "
        "what its caller reads in the `except` handler of the call's `try` that catches that error "
        "(not a cancellation re-raised, which `except Exception:` lets through; not a call a `try` "
        "inside the body handles first; the code after the `try` is judged as without it). "
        "A helper's commit under a test of one of its "
        "parameters counts where the caller's arguments make the test true: `if not uow: await "
        "db.commit()` commits for a caller that leaves `uow` at its default None or passes None, "
        "not for one that passes a value (nor for one that passes something the index cannot "
        "tell); an object the helper refreshes whole after it commits (`await db.refresh(db_obj)`) "
        "is fresh for the caller. A call through an attribute typed by a `Protocol` or an abstract "
        "class (`self._store: OrderStore`) runs the project's one class that implements the method: "
        "its one subclass that does (a test's fake does not count), or the class the constructor's "
        "callers pass. A call through a dispatch table "
        "commits when every function of the table does. A method of an object built over the session "
        "(`svc = Service(session)`, then `await svc.save()`) commits it when it commits the attribute "
        "the object keeps it in (`self.session`, `self.repository.session`). An object a FastAPI dependency provides "
        "(`user: User = Depends(current_user)`) is judged when its provider takes the same session "
        "provider as the session that commits (`Depends(get_db)` in both): FastAPI calls that provider "
        "once per request and hands the one session to both. An object the function receives (a "
        "parameter annotated with a model, also `Optional[...]`/`X | None`, or `self` in a method of a "
        "model) is the caller's: it is judged in the session the function hands it to (`add`, `delete`, "
        "`refresh`), else in the function's only session when that session comes from the caller too "
        "(a parameter, or what `self` holds: the common `(db, db_user)` pair). A session the "
        "function opens itself, two or more sessions with nothing that ties the object to one, an "
        "object `merge()`d or `expunge()`d (it is not, or no longer, the session's), and a rollback "
        "before any commit of an object the function adds (the caller may have made it: a rollback "
        "expunges it) are not judged. A property or method of the "
        "model read after expiry is reported when it reads a column, and so is formatting the object "
        'when its model\'s `__str__` or `__repr__` does (`logger.info(f"created {user}")` after the '
        "commit). An asyncio session whose factory "
        "is unknown (a parameter annotated `AsyncSession` that no caller or provider fills, a "
        "service's `self.session`) is judged by the project's session factory when there is exactly "
        "one, and its commit is not judged otherwise (its rollback is); with `preview = true`, so is "
        "a session whose evidence does not say it is an asyncio one. In a project that builds no "
        "session factory, such a parameter commits as the sessions the application's calls pass it "
        "(`AsyncSession(engine)`), also through callers that hand on their own parameter as they "
        "received it and through a local list of functions called in a loop "
        "(`for step in [self.load, self.save]: await step(session)`). The first read of an expired "
        "object on a path is reported, not the reads after it on that path (they never run once it "
        "raises); a read that another path reaches is reported too: on another branch, or past an "
        "`except` that swallowed the first read's error (the object is as expired as it was, and "
        'a read in the handler itself, `logger.error(f"... {org.id}")`, raises out of it).'
    ),
    check=check_expired_attribute_access,
    runtime=(
        "Raises `sqlalchemy.exc.MissingGreenlet` at the read (`DetachedInstanceError` for an object "
        "whose session is closed). Every INVALID example below is executed in "
        "the test suite against SQLAlchemy 2 with aiosqlite and raises it on the reported line; every "
        "VALID example runs clean."
    ),
    valid=(*ASA302_VALID, *ASA302_CROSS_FUNCTION_VALID),
    invalid=(*ASA302_INVALID, *ASA302_CROSS_FUNCTION_INVALID),
    options=("preview = true: judge sessions not known to be asyncio ones by the project's only session factory",),
    references=(
        f"{SESSION_STATE_DOCS}#when-to-expire-or-refresh",
        f"{ASYNC_DOCS}#preventing-implicit-io-when-using-asyncsession",
    ),
)

RULES = (LAZY_RELATIONSHIP_ACCESS, EXPIRED_ATTRIBUTE_ACCESS)

__all__ = ["EXPIRED_ATTRIBUTE_ACCESS", "LAZY_RELATIONSHIP_ACCESS", "RULES", "Example"]
