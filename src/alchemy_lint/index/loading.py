"""ORM objects of a function joined with the project index: their model, loaders and session.

Which model an access reads, whether its relationship is loaded, and what the session's factory does on commit.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import replace
from typing import Protocol, runtime_checkable
from weakref import WeakKeyDictionary

from alchemy_lint.facts.conditions import ANY_KEYWORD, happens
from alchemy_lint.facts.model import (
    HANDED_TO,
    MAYBE_GIVEN,
    UNKNOWN_ARGUMENTS,
    WHOLE_REFRESH,
    Condition,
    Expiry,
    FunctionFacts,
    FunctionLoading,
    HandedObject,
    KnownArgument,
    LoaderPath,
    LoaderStep,
    LoaderStrategy,
    ObjectAccess,
    ObjectSource,
    SourceKind,
    assigned,
    handed_to,
)
from alchemy_lint.facts.values import CALL, Origin, OriginKind, StepKind, ValueRef, within
from alchemy_lint.index.constructed import kept_paths
from alchemy_lint.index.project import ProjectIndex, RelationshipRef
from alchemy_lint.index.rerooted import rerooted
from alchemy_lint.index.statements import (
    CallSite,
    attribute_model,
    constructed_models,
    own_method,
    passed_model,
    receiver_class,
    statement_value,
)
from alchemy_lint.index.values import ValueKind
from alchemy_lint.records import record

#: Relationship `lazy=` strategies under which reading it emits no SQL (it raises another error
#: or returns nothing): not a lazy load, so not ASA301's business.
SILENT_STRATEGIES = frozenset({"raise", "raise_on_sql", "noload"})
#: Strategies under which reading an unloaded relationship raises `InvalidRequestError`.
RAISING_STRATEGIES = frozenset({"raise", "raise_on_sql"})
_SELECT_MODULES = ("sqlalchemy.", "sqlmodel.")
_MAX_DEPTH = 4


@record
class ResolvedSource:
    """Where objects come from after following project calls: a query, a get() or a new object."""

    kind: SourceKind
    model: str
    line: int
    path: str
    loaders: tuple[LoaderPath, ...]
    loaders_known: bool
    #: Relationship names walked from `model` to the objects the caller holds.
    prefix: tuple[str, ...]
    loaded: tuple[str, ...]
    is_collection: bool
    #: The project function that runs the query, for messages ("" when it is this function).
    function: str
    #: Loaders on some paths of that function only: a caller may take the path that loads.
    maybe_loaders: tuple[LoaderPath, ...] = ()
    #: Loaders that function adds only under a test on a parameter that the call's arguments
    #: fail, each with the condition (`if with_items:`, and the call leaves the False default).
    withheld: tuple[tuple[LoaderPath, Condition], ...] = ()


@record
class AccessTarget:
    """An access resolved to the model it reads and, for a relationship, the relationship."""

    source: ResolvedSource
    #: Relationships from the source's model to the object read (the source prefix included).
    path: tuple[RelationshipRef, ...]
    model: str
    relationship: RelationshipRef | None


# -- sources -------------------------------------------------------------------------


def resolve_source(
    index: ProjectIndex,
    source: ObjectSource,
    path: str,
    function: str = "",
    depth: int = 0,
    position: int | str | None = None,
    site: CallSite | None = None,
) -> ResolvedSource | None:
    """Where objects come from; `position` picks an element of a tuple a project function
    returns; `site` is the call that runs the function the source is in, when it is a callee."""
    if depth > _MAX_DEPTH:
        return None
    if source.kind is SourceKind.CALL:
        return _resolve_call(index, source, depth, position, site, path, function)
    if source.kind is SourceKind.QUERY and source.statement is not None:
        return _resolve_statement(index, source, path, function, site)
    if source.kind is SourceKind.NEW and source.model is None and source.statement is not None:
        return _resolve_new_of_parameter(index, source, path, function, site)
    if source.model is None:
        return None
    # A parameter's annotation may be an alias (`CurrentUser = Annotated[User, ...]`).
    model = index.resolve_model(
        index.through_aliases(source.model)[0] if source.kind in _PARAMETER_KINDS else source.model
    )
    if model is None or not index.is_model(model):
        return None
    if source.kind is SourceKind.QUERY and not _is_select(index, source.constructor):
        return None
    return ResolvedSource(
        source.kind,
        model,
        source.line,
        path,
        source.loaders,
        source.loaders_known,
        (),
        (),
        False,
        function,
        source.maybe_loaders,
    )


def _resolve_new_of_parameter(
    index: ProjectIndex, source: ObjectSource, path: str, function: str, site: CallSite | None
) -> ResolvedSource | None:
    """`orm_class(**data)` in a helper: a new object of the model class the call passes;
    `self.model(**data)` in a generic repository: of the model its receiver names."""
    origin = source.statement
    if origin is not None and origin.model_attribute and origin.owner:
        receiver = site.receiver if site is not None and site.receiver else origin.owner
        model = attribute_model(index, receiver, origin.model_attribute, site)
    else:
        parameter = origin.model_parameter if origin is not None else ""
        model = passed_model(index, site, parameter) if site is not None and parameter else None
    if model is None:
        return None
    return ResolvedSource(
        SourceKind.NEW, model, source.line, path, source.loaders, source.loaders_known, (), (), False, function
    )


def _resolve_statement(
    index: ProjectIndex, source: ObjectSource, path: str, function: str, site: CallSite | None
) -> ResolvedSource | None:
    """Objects of a statement built elsewhere (a helper, a caller, a generic base)."""
    value = statement_value(index, source, site)
    if value is None:
        return None
    model = index.resolve_model(value.model)
    if model is None or not index.is_model(model):
        return None
    return ResolvedSource(
        SourceKind.QUERY,
        model,
        value.line,
        value.path or path,
        tuple(sorted(value.loaders, key=repr)),
        value.known,
        (),
        (),
        False,
        value.function or function,
        tuple(sorted(value.maybe, key=repr)),
    )


def _is_select(index: ProjectIndex, constructor: str | None) -> bool:
    """A statement of SQLAlchemy's that gives ORM objects (DML does only with `returning()`,
    which the facts already checked)."""
    if constructor is None:
        return False
    canonical = index.canonical(constructor)
    return canonical.rsplit(".", 1)[-1] in _OBJECT_STATEMENTS and canonical.startswith(_SELECT_MODULES)


_OBJECT_STATEMENTS = frozenset({"select", "insert", "update", "delete"})
#: Objects that parameters hold, named by their annotation.
_PARAMETER_KINDS = frozenset({SourceKind.INJECTED, SourceKind.RECEIVED})


#: Decorators that keep the function's own signature.
_PLAIN_DECORATORS = frozenset({"staticmethod", "classmethod", "property", "abc.abstractmethod"})


def _binds(function: FunctionFacts, keywords: tuple[str, ...]) -> bool:
    """Whether a call passing these keywords by name can bind to the function: each names a
    parameter, or the function takes `**kwargs`. A decorator may change the signature (a wrapper
    that takes a keyword of its own): then nothing is known, and the call binds."""
    if function.open_keywords or not keywords:
        return True
    if any(decorator not in _PLAIN_DECORATORS for decorator in function.decorators):
        return True
    return all(keyword in function.parameters for keyword in keywords)


def _resolve_call(
    index: ProjectIndex,
    source: ObjectSource,
    depth: int,
    position: int | str | None = None,
    caller: CallSite | None = None,
    here: str = "",
    name: str = "",
) -> ResolvedSource | None:
    if source.alternatives:
        return _resolve_alternatives(index, source, depth, position, caller, here, name)
    function = callee_function(index, source.callee) or _sibling_method(index, source.callee, caller)
    if function is None:
        return None
    receiver = receiver_class(index, source.callee, caller)
    function = _override(index, function, caller, receiver)
    if not _binds(function, source.keywords):
        return None  # the call raises `TypeError` before the callee runs: it gives nothing
    if source.handed and position is None and function.returned_parameters:
        given = handed_back(index, source, function)
        if given is not None:
            return _resolve_handed(index, given[0], given[1], here, name, depth, caller)
        element = _handed_element(index, source, function)
        if element is not None:
            return _resolve_handed(index, element, frozenset(), here, name, depth, caller, element=True)
    if source.handed and isinstance(position, str) and function.keyed_returns:
        # `page["items"]` of `return {"items": items, ...}`: what the caller handed `items`.
        held = _handed_under_key(index, source, function, position)
        if held is not None:
            return _resolve_handed(index, held, frozenset(), here, name, depth, caller)
    if function.loading is None or not _only_objects_at(function.loading, position):
        return _declared_return(index, function, source, position)
    settled = index.summaries.settled(
        function, source.flags, {known.key: known for known in caller.settled} if caller is not None else {}
    )
    constructed = constructed_models(index, source.callee, caller, (here, source.receiver_built))
    site = CallSite(function, receiver, source.passed, caller, tuple(settled.values()), constructed)
    path = _function_path(index, function)
    found: ResolvedSource | None = None
    returns = [returned for returned in function.loading.returns if returned.position == position]
    inner_position: int | None = None
    if isinstance(position, int) and not returns and _hands_on_calls(function.loading):
        # `return await Dao.page(db)`: the element of the tuple the inner call returns.
        returns, inner_position = list(function.loading.returns), position
    if isinstance(position, str) and not returns:
        # `return self._page(pods, total)`: the key is one of the dict that call returns.
        return _key_of_returned_call(index, function, position, site, depth)
    if not returns or (
        inner_position is None
        and any((returned.position is None) != (position is None) for returned in function.loading.returns)
    ):
        return None  # a tuple on some returns and one object on others: nothing to trust
    for returned in returns:
        inner = resolve_source(
            index, returned.source, path, function.name, depth + 1, position=inner_position, site=site
        )
        if inner is None:
            return _declared_return(index, function, source, position)
        session = returned.source.session
        if returned.source.kind is not SourceKind.CALL and (
            session is None or is_async_session(index, session) is False
        ):
            return None
        walked, listed = returned.path, returned.is_collection or inner.is_collection
        if returned.source.kind is SourceKind.CALL and walked[:1] == ("[]",) and inner.is_collection:
            # Elements of the list a call returned (`found.extend(await repo.by_league(i))`, `[m for
            # m in matches if m.live]`, `matches[0]`), or what they reach: as many as it returned.
            walked, listed = walked[1:], returned.is_collection
        elif walked and inner.is_collection:
            return None
        prefix = inner.prefix + walked
        reached, withheld = _reached(inner.maybe_loaders, returned.source, settled)
        resolved = ResolvedSource(
            inner.kind,
            inner.model,
            inner.line,
            inner.path,
            inner.loaders,
            inner.loaders_known or _passes_no_options(returned.source, settled),
            prefix,
            loaded_through_calls(index, function.loading, returned.loaded) if not returned.path else (),
            listed,
            inner.function,
            reached,
            inner.withheld + withheld,
        )
        if found is None:
            found = resolved
            continue
        if (found.model, found.prefix, found.is_collection, found.kind) != (
            resolved.model,
            resolved.prefix,
            resolved.is_collection,
            resolved.kind,
        ):
            return None
        common = set(found.loaders) & set(resolved.loaders)
        found = ResolvedSource(
            found.kind,
            found.model,
            found.line,
            found.path,
            tuple(path for path in found.loaders if path in common),
            found.loaders_known and resolved.loaders_known,
            found.prefix,
            tuple(sorted(set(found.loaded) & set(resolved.loaded))),
            found.is_collection,
            found.function,
            tuple({*found.maybe_loaders, *resolved.maybe_loaders, *(set(found.loaders) ^ set(resolved.loaders))}),
            tuple(dict.fromkeys((*found.withheld, *resolved.withheld))),
        )
    return found


def _resolve_alternatives(
    index: ProjectIndex,
    source: ObjectSource,
    depth: int,
    position: int | str | None,
    caller: CallSite | None,
    here: str,
    name: str,
) -> ResolvedSource | None:
    """Objects one of several calls returned, whichever branch ran: each call's objects are
    resolved, and a relationship counts as loaded only when every call loaded it (a loader on
    some of a call's own paths stays maybe). Judged by the call that loads least, so that a
    finding names the query a loader is missing from. A call the index cannot follow is left
    out, as it was when the first branch's call stood for all."""
    resolved: list[ResolvedSource] = []
    for call in (replace(source, alternatives=()), *source.alternatives):
        found = _resolve_call(index, call, depth, position, caller, here, name)
        if found is not None:
            resolved.append(found)
    if not resolved:
        return None
    if len({(found.model, found.prefix) for found in resolved}) > 1:
        # A branch that reaches the object through another query's relationship (`price.product`)
        # is taken from the object it reaches, as the others are.
        rerooted_ones = [rerooted(index, found) for found in resolved]
        if any(found is None for found in rerooted_ones):
            return None
        resolved = [found for found in rerooted_ones if found is not None]
    first = min(resolved, key=lambda found: len(found.loaders))
    # `session.get()` on one branch and a `select()` on the other load the same objects: the
    # kind of query only names what the finding's fix edits, the first's.
    shape = (first.model, first.prefix, first.is_collection)
    if any((found.model, found.prefix, found.is_collection) != shape for found in resolved):
        return None
    common = set.intersection(*(set(found.loaders) for found in resolved))
    loaded = set.intersection(*(set(found.loaded) for found in resolved))
    return replace(
        first,
        loaders=tuple(path for path in first.loaders if path in common),
        loaders_known=all(found.loaders_known for found in resolved),
        loaded=tuple(sorted(loaded)),
        maybe_loaders=tuple(dict.fromkeys(path for found in resolved for path in found.maybe_loaders)),
        withheld=tuple(dict.fromkeys(held for found in resolved for held in found.withheld)),
    )


def _handed_under_key(
    index: ProjectIndex, source: ObjectSource, function: FunctionFacts, key: str
) -> HandedObject | None:
    """The object (or list) a call was handed as the parameter its callee returns under `key`."""
    parameter = index.summaries.parameter_under_key(function, key)
    if parameter is None:
        return None
    for handed in source.handed:
        if index.summaries.parameter(function, handed.argument) == parameter:
            return handed
    return None


def _key_of_returned_call(
    index: ProjectIndex, function: FunctionFacts, key: str, site: CallSite, depth: int
) -> ResolvedSource | None:
    """What `key` holds of the dict `function` returns when every return of it hands back, as
    it is, what one project call returned (`return self._page(pods, total)`)."""
    assert function.loading is not None
    returns = function.loading.returns
    if not returns:
        return None
    found: ResolvedSource | None = None
    for returned in returns:
        if returned.source.kind is not SourceKind.CALL or returned.path or returned.position is not None:
            return None
        inner = resolve_source(
            index, returned.source, _function_path(index, function), function.name, depth + 1, key, site
        )
        if inner is None or (found is not None and found != inner):
            return None
        found = inner
    return found


def _declared_return(
    index: ProjectIndex, function: FunctionFacts, source: ObjectSource, position: int | str | None
) -> ResolvedSource | None:
    """What a project function returns that its body does not tell (a `Protocol`'s method, which
    implementation runs unknown; a helper whose returns the index cannot follow), when the call
    hands it the caller's session: objects of the model its return annotation names (`->
    Optional[Organization]`, `-> list[Organization]`), in that session. How they were loaded
    is the body's: unknown, so no relationship is judged from the annotation alone."""
    if source.session is None or position is not None:
        return None
    named = function.returns or function.returns_items
    model = index.resolve_model(named) if named is not None else None
    if model is None or not index.is_model(model):
        return None
    path = _function_path(index, function)
    listed = function.returns is None
    return ResolvedSource(SourceKind.QUERY, model, function.line, path, (), False, (), (), listed, function.name)


def _passes_no_options(source: ObjectSource, settled: dict[str, KnownArgument]) -> bool:
    """Whether the call leaves every parameter the query takes its loader options from None
    (`_get_by_id(id_)` of `get(self.model, id_, options=options)` with `options=None`): the
    query then runs with no options, so its loaders are known."""
    if not source.loader_parameters:
        return False
    return all(
        (known := settled.get(parameter)) is not None and known.is_none is True
        for parameter in source.loader_parameters
    )


def _reached(
    maybe: tuple[LoaderPath, ...], source: ObjectSource, settled: dict[str, KnownArgument]
) -> tuple[tuple[LoaderPath, ...], tuple[tuple[LoaderPath, Condition], ...]]:
    """Of the loaders a callee adds on some paths, those a call with these arguments may get,
    and those it never gets with the condition its arguments fail: one added only under `if
    with_items:` is withheld from a caller that passes `with_items=False` or leaves the False
    default (the guard is judged as a guarded commit is, see `effect_cases`)."""
    guards = source.loader_guards
    if not guards or not settled or source.statement is not None:
        return maybe, ()
    reached: list[LoaderPath] = []
    withheld: list[tuple[LoaderPath, Condition]] = []
    for loader in maybe:
        failed = [c for path, c in guards if path == loader and not happens((c,), settled)]
        if failed:
            withheld.append((loader, failed[0]))
        else:
            reached.append(loader)
    return tuple(reached), tuple(withheld)


def handed_back(
    index: ProjectIndex, source: ObjectSource, function: FunctionFacts | None = None
) -> tuple[HandedObject, frozenset[str]] | None:
    """The object a call was handed that it gives back (`order = await repo.update(order)`), with
    what the callee set on it; None when it returns anything else (a new object, a copy)."""
    if not source.handed:
        return None
    summaries = index.summaries
    if function is None:
        function = callee_function(index, source.callee)
        if function is None:
            return None
    returned = summaries.returned_parameter(function)
    if returned is None:
        return None
    for handed in source.handed:
        if summaries.parameter(function, handed.argument) == returned[0]:
            return handed, returned[1]
    return None


def _handed_element(index: ProjectIndex, source: ObjectSource, function: FunctionFacts) -> HandedObject | None:
    """The list a call was handed one of whose objects it gives back (`first_open(orders)`)."""
    parameter = index.summaries.returned_element(function)
    if parameter is None:
        return None
    for handed in source.handed:
        if handed.collection and index.summaries.parameter(function, handed.argument) == parameter:
            return handed
    return None


def _resolve_handed(
    index: ProjectIndex,
    handed: HandedObject,
    kept: frozenset[str],
    here: str,
    name: str,
    depth: int,
    caller: CallSite | None,
    element: bool = False,
) -> ResolvedSource | None:
    """The object a call gave back, as the caller had it: its source, the relationships walked to
    it, and what was loaded on it there or the callee set on it (`element`: one of the objects
    of the list it was handed)."""
    session = handed.source.session
    if session is not None and is_async_session(index, session) is False:
        return None
    if (
        handed.source.kind is SourceKind.NEW
        and not handed.persistent
        and committed_by_callee(index, handed.expired_by) is None
    ):
        return None  # built and handed in no session, and no callee added it and committed: transient
    inner = resolve_source(index, handed.source, here, name, depth + 1, site=caller)
    if inner is None:
        return None
    walked, is_collection = handed.path, inner.is_collection
    if handed.source.kind is SourceKind.CALL and walked[:1] == ("[]",):
        walked, is_collection = walked[1:], False  # an element of the list a call returned
    if is_collection:
        return None
    if element:
        return replace(inner, prefix=inner.prefix + walked, loaded=(), is_collection=False)
    loaded = {*handed.loaded, *kept, *(inner.loaded if not walked else ())}
    return replace(inner, prefix=inner.prefix + walked, loaded=tuple(sorted(loaded)), is_collection=handed.collection)


def committed_by_callee(index: ProjectIndex, expired_by: tuple[Expiry, ...]) -> Expiry | None:
    """Of the calls a new object in no session was handed to (`await save(session, user)`), the
    first whose callee adds it to the session it is given and commits: in the database from then
    on, that session's (`Expiry.tied`); None when no callee did."""
    summaries = index.summaries
    for event in expired_by:
        if (
            event.tied is not None
            and summaries.adds(event.callee, event.adds, event.argument)
            and "commit" in summaries.call_effects(event.callee, event.argument, event.flags)
        ):
            return event
    return None


def _override(
    index: ProjectIndex, function: FunctionFacts, caller: CallSite | None, receiver: str | None
) -> FunctionFacts:
    """The function a call of `function` runs: `self.get_all(...)` in a method runs the receiver's
    own override (`receiver`: the class of the call's receiver, `receiver_class`)."""
    if caller is None or caller.receiver is None or not receiver:
        return function
    owner, _, name = function.qualname.rpartition(".")
    own = own_method(index, owner, name, caller)
    return own[0] if own is not None else function


def _sibling_method(index: ProjectIndex, callee: tuple[Origin, ...], caller: CallSite | None) -> FunctionFacts | None:
    """`self.get_one_or_none(...)` in a mixin's method that its own class does not define: a base
    the receiver's class also derives from does (`class Repo(IDMixin, RepositoryBase)`, with
    `IDMixin.get_by_id` calling `RepositoryBase.get_one_or_none`), so the call runs that one."""
    if caller is None or caller.receiver is None or len(callee) != 1:
        return None
    origin = callee[0]
    if origin.kind is not OriginKind.ATTRIBUTE or origin.steps != (CALL,):
        return None
    owner, _, name = origin.name.rpartition(".")
    if owner not in {klass.qualname for klass in index.class_chain(caller.receiver)}:
        return None
    found = own_method(index, owner, name, caller)
    return found[0] if found is not None else None


def _function_path(index: ProjectIndex, function: FunctionFacts) -> str:
    return index.function_paths.get(function.qualname, "")


def callee_function(index: ProjectIndex, origins: tuple[Origin, ...]) -> FunctionFacts | None:
    """The project function a call runs: `get_order(...)`, `repo.get(...)`, `self.repo.get(...)`."""
    found: FunctionFacts | None = None
    for origin in origins:
        qualname = index.values.callee(origin)
        function = index.functions.get(qualname) if qualname is not None else None
        if function is not None:
            if found is not None and found is not function:
                return None
            found = function
    return found


# -- accesses --------------------------------------------------------------------------


@record
class ObjectTarget:
    """An object resolved to its model, through the relationships it was reached by."""

    source: ResolvedSource
    path: tuple[RelationshipRef, ...]
    model: str
    #: It was reached by no relationship of this function (so what its source loaded on it counts).
    direct: bool


#: What each object source of an index resolves to: a function's accesses share a few sources,
#: and following a source through the calls and statement helpers it comes from is the costly part.
#: Keyed by the source's identity (kept alive in the value, so the identity stays its own).
_RESOLVED: WeakKeyDictionary[
    ProjectIndex, dict[tuple[int, str, int | str | None], tuple[ObjectSource, ResolvedSource | None]]
] = WeakKeyDictionary()


def _resolved_source(
    index: ProjectIndex, source: ObjectSource, path: str, position: int | str | None
) -> ResolvedSource | None:
    memo = _RESOLVED.get(index)
    if memo is None:
        memo = _RESOLVED[index] = {}
    key = (id(source), path, position)
    known = memo.get(key)
    if known is not None and known[0] is source:
        return known[1]
    resolved = resolve_source(index, source, path, position=position)
    memo[key] = (source, resolved)
    return resolved


def keeps_as_given(index: ProjectIndex, held_as: tuple[str, ...]) -> bool:
    """Whether `ctx.order` of `ctx = OrderContext(order=order)` (or `OrderContext(order)`) is the
    object handed over (see `ObjectSource.held_as`): the project class keeps what its constructor
    is handed there as it is under that attribute. A dataclass's generated `__init__` keeps each
    field under its name; a written one where it sets `self.order = order`; a model's keyword
    constructor sets the relationship or column of that name. Never a schema, which validates a
    copy, nor a class the index does not know."""
    if len(held_as) != 3:
        return False
    holder, key, attribute = held_as
    cls = index.canonical(holder)
    if cls not in index.classes or index.summaries.validates(cls):
        return False
    values = index.values
    owner = values.constructor_owner(cls)
    if owner is None:
        return index.is_model(cls) and key == attribute
    if f"{owner}.__init__" not in index.functions:
        positional, _ = values.constructor_parameters(owner)
        if key.isdigit():
            return int(key) < len(positional) and positional[int(key)] == attribute
        return key == attribute and key in positional
    return (attribute,) in kept_paths(index, cls, key)


def resolve_object(
    index: ProjectIndex, source: ObjectSource, walked: tuple[str, ...], path: str, members: bool = True
) -> ObjectTarget | None:
    """The model of an object that came from `source` and was reached by `walked` relationships
    (`members`: and by the methods and properties that hand back what their object reaches)."""
    if source.held_as and not keeps_as_given(index, source.held_as):
        return None
    position: int | str | None = None
    if source.kind is SourceKind.CALL and walked[:1]:
        position = _element(walked[0])
        if position is not None:
            walked = walked[1:]
    resolved = _resolved_source(index, source, path, position)
    if resolved is None and isinstance(position, str):
        # `result["chat"]` of a function that returns a dict of objects, not one with keys.
        position, walked = None, ("[]", *walked)
        resolved = _resolved_source(index, source, path, None)
    if resolved is None:
        return None
    direct = not walked
    if source.kind is SourceKind.CALL:
        if walked[:1] == ("[]",):
            if not resolved.is_collection:
                return None
            walked = walked[1:]
            direct = not walked
        elif resolved.is_collection:
            return None
    model = resolved.model
    relationships: list[RelationshipRef] = []
    steps, position, rewrites = (*resolved.prefix, *walked), 0, 0
    while position < len(steps):
        name = steps[position]
        relationship = index.relationships(model).get(name)
        if relationship is None and members and rewrites < _MAX_DEPTH:
            # `member.owner().members`: what the model's method hands back of the object.
            rewritten = index.summaries.member_read(model, name, steps[position + 1 :])
            if rewritten is not None:
                steps, position, rewrites = (*steps[:position], *rewritten), position, rewrites + 1
                direct = direct and not rewritten
                continue
        if relationship is None or relationship.target is None:
            return None
        relationships.append(relationship)
        model = relationship.target
        position += 1
    return ObjectTarget(resolved, tuple(relationships), model, direct)


def _element(step: str) -> int | str | None:
    """The element of a returned tuple or dict a walked step takes: `[0]`, `['chat']`."""
    inner = step[1:-1]
    if inner.isdigit():
        return int(inner)
    if len(inner) >= 2 and inner[0] == inner[-1] == "'" and step[0] == "[":
        return inner[1:-1]
    return None


def resolve_access(index: ProjectIndex, access: ObjectAccess, path: str, members: bool = True) -> AccessTarget | None:
    """The model an access reads on, through the relationships its object was reached by (see
    `resolve_object` for `members`)."""
    target = resolve_object(index, access.source, access.path, path, members)
    if target is None:
        return None
    relationship = index.relationships(target.model).get(access.attribute)
    return AccessTarget(target.source, target.path, target.model, relationship)


def is_loaded(
    target: AccessTarget,
    access: ObjectAccess,
    in_session: Container[str] = frozenset(),
    index: ProjectIndex | None = None,
) -> bool | None:
    """Whether the relationship read is loaded: True, False, or None when it cannot be judged."""
    direct = not access.path and access.source.kind is SourceKind.CALL
    if access.source.kind is SourceKind.CALL and access.path and _set_by_code_itself(target.source, access.path[0]):
        return None  # the project function set that relationship itself
    return relationship_loaded(target, access.attribute, access.loaded, direct, in_session, index)


def _set_by_code_itself(source: ResolvedSource, name: str, here: tuple[str, ...] = (), direct: bool = True) -> bool:
    """Whether the code set relationship `name` itself, so that what it holds is the code's own,
    not what a query loaded: set on the object (`record.license_key = license_key`), or given when
    the object was built (`Activation(license_key=key)`, here or by the project function that built
    and returned it). `here`: what is loaded on the object itself; `direct`: the object is what
    that function returned, so what it set counts."""
    if assigned(name) in here or (direct and assigned(name) in source.loaded):
        return True
    return source.kind is SourceKind.NEW and (name in here or (direct and name in source.loaded))


def relationship_loaded(
    target: AccessTarget,
    attribute: str,
    loaded: tuple[str, ...],
    direct: bool,
    in_session: Container[str] = frozenset(),
    index: ProjectIndex | None = None,
) -> bool | None:
    """Whether `target.relationship` is loaded on the object: True, False, or None when it
    cannot be judged. `loaded` are the relationships loaded on the object itself (refresh,
    awaitable_attrs); `direct`: the object is what a project function returned, so what it
    loaded on it counts. `in_session`: models of which the code at hand holds objects."""
    relationship = target.relationship
    if relationship is None:
        return None
    if relationship.is_write_only or relationship.is_dynamic or relationship.lazy == "noload":
        return None
    loaded_here = _loaded_here(target, attribute, loaded, direct, index)
    if loaded_here is not False:
        return loaded_here
    if _left_without_key(target, relationship, loaded, direct):
        return None
    if (
        relationship.is_collection is False
        and relationship.many_to_one is not False
        and _from_identity_map(target, relationship, in_session)
    ):
        return None
    if isinstance(in_session, HeldObjects) and _served_by_identity_map(target, in_session):
        # Reached by a many-to-one the identity map answers: the object is one the code (or
        # its caller) holds, loaded as that one was.
        return in_session.loaded_on_held(target.model, relationship)
    return False


def loaded_through_calls(
    index: ProjectIndex, loading: FunctionLoading | None, loaded: tuple[str, ...]
) -> tuple[str, ...]:
    """`loaded`, with what the calls the object was handed to (`handed_to` marks) load on it on
    every path that finds it unloaded: `await ensure_loaded(order)` whose `if "items" in
    inspect(order).unloaded: await session.refresh(order, ["items"])` loads `items`
    (runtime-verified, SQLAlchemy 2.1 with aiosqlite)."""
    if loading is None or not any(name.startswith(HANDED_TO) for name in loaded):
        return loaded
    summaries = index.summaries
    added: list[str] = []
    for handover in loading.handovers:
        if handover.method is not None or handed_to(handover.line, handover.col, handover.argument) not in loaded:
            continue
        callee = summaries.callee(handover.callee)
        parameter = summaries.parameter(callee, handover.argument) if callee is not None else None
        if callee is None or parameter is None:
            continue
        added.extend(
            load.path[0]
            for load in callee.parameter_loads
            if load.sure and load.parameter == parameter and len(load.path) == 1 and load.path[0] != WHOLE_REFRESH
        )
    return (*loaded, *added) if added else loaded


def _left_without_key(
    target: AccessTarget, relationship: RelationshipRef, loaded: tuple[str, ...], direct: bool
) -> bool:
    """A many-to-one of an object the code built (here, or in the project function that built
    and returned it) whose foreign key it was not given (not at construction, nor set later):
    with the key None, reading it gives None without SQL (runtime-verified, SQLAlchemy 2.1 with
    aiosqlite, after a flush and after a commit and a whole refresh), as a direct read of a new
    object's many-to-one is taken (`rules/loading.py`). A `lazy="raise"` one raises all the same;
    a key given (or a `**` spread that may give it) leaves it judged."""
    if target.source.kind is not SourceKind.NEW or target.path or relationship.lazy == "raise":
        return False
    if relationship.is_collection is not False or relationship.many_to_one is not True:
        return False
    if not relationship.key_columns:
        return False
    given = {*loaded, *(target.source.loaded if direct else ())}
    # (A key set on some path only, `maybe_given`, may be there: judged.)
    maybe = {mark[len(MAYBE_GIVEN) :] for mark in given if mark[:1] == MAYBE_GIVEN}
    return (
        UNKNOWN_ARGUMENTS not in given
        and relationship.name not in given
        and given.isdisjoint(relationship.key_columns)
        and maybe.isdisjoint(relationship.key_columns)
    )


@runtime_checkable
class HeldObjects(Protocol):
    """The models of which the code at hand holds objects, and what those objects loaded."""

    def __contains__(self, model: object) -> bool: ...

    def loaded_on_held(self, model: str, relationship: RelationshipRef) -> bool | None: ...


def _served_by_identity_map(target: AccessTarget, in_session: Container[str]) -> bool:
    """The object read was reached by a many-to-one that its source did not load and that the
    identity map answers with an object the code holds (not one on the path: that is the
    source's own)."""
    if len(target.path) <= len(target.source.prefix):
        return False
    step = target.path[-1]
    if step.is_collection is not False or step.many_to_one is False:
        return False  # (a one-to-one read from the parent's side always runs SQL)
    if step.target is None or step.target not in in_session:
        return False
    owners = [target.source.model, *(r.target for r in target.path[:-1])]
    if step.target in owners:
        return False
    owner = owners[-1]
    if owner is None:
        return False
    before = AccessTarget(target.source, target.path[:-1], owner, step)
    return _loaded_here(before, step.name, (), False) is False


def loaded_by_source(target: ObjectTarget, relationship: RelationshipRef) -> bool | None:
    """Whether `relationship` of the object is loaded by how its source loaded it."""
    access = AccessTarget(target.source, target.path, target.model, relationship)
    return _loaded_here(access, relationship.name, (), target.direct)


def _loaded_here(
    target: AccessTarget,
    attribute: str,
    loaded: tuple[str, ...],
    direct: bool,
    index: ProjectIndex | None = None,
) -> bool | None:
    """Whether the object's own loading covers the relationship (see `relationship_loaded`)."""
    relationship = target.relationship
    assert relationship is not None
    own = relationship.names | {attribute}
    if not own.isdisjoint(loaded):
        return True
    names = _names(target, attribute)
    loaders = target.source.loaders
    if index is not None and target.source.model is not None:
        loaders = through_back_references(index, target.source.model, loaders)
    option = _option_for(loaders, names) if target.source.loaders_known else None
    if option is LoaderStrategy.RAISE:
        # `raiseload(A.b)`, `raiseload("*")`: the query forbids loading it, whatever the mapper's
        # `lazy=`; unless the object got it otherwise, the read raises InvalidRequestError.
        return direct and not own.isdisjoint(target.source.loaded)
    if option is not None and (option.loads or option.emits_no_sql):
        return True
    if option is None and len(names) > 1 and _loads_query_wide(target.source.loaders):
        reached = _eager_reaches(target, relationship)
        if reached is not False:
            return reached
    if relationship.is_eager and option is not LoaderStrategy.LAZY and _eager_applies(target, loaded, direct):
        eager = _eager_reaches(target, relationship)
        if eager is not False:
            return eager
    if direct and not own.isdisjoint(target.source.loaded):
        return True
    if not target.source.loaders_known:
        return None
    if target.source.function and any(_covers(loader, names) for loader in target.source.maybe_loaders):
        # The callee loads it on some paths (`include_items=True`): which one runs is the caller's.
        return None
    return False


def forbidden_by_option(target: AccessTarget, attribute: str) -> bool:
    """Whether the query's options make reading the relationship raise (`raiseload(A.b)`,
    `raiseload("*")`) where it is not loaded otherwise."""
    names = _names(target, attribute)
    return target.source.loaders_known and _option_for(target.source.loaders, names) is LoaderStrategy.RAISE


def _eager_applies(target: AccessTarget, loaded: tuple[str, ...], direct: bool) -> bool:
    """Whether the mapper's eager `lazy=` ran on the object: a query (or a whole `refresh()`)
    that loads the object runs it; an object the code built, added and flushed or committed
    (here, or in the project function that returned it) loaded nothing, and its first read of a
    relationship it did not set is a lazy load, `lazy="selectin"` or not (verified at run time,
    SQLAlchemy 2.1 with aiosqlite: `MissingGreenlet`)."""
    if target.source.kind is not SourceKind.NEW or target.path:
        return True
    return WHOLE_REFRESH in loaded or (direct and WHOLE_REFRESH in target.source.loaded)


def through_back_references(index: ProjectIndex, model: str, loaders: tuple[LoaderPath, ...]) -> tuple[LoaderPath, ...]:
    """The query's loaders, with those that come back to the queried objects themselves.

    `selectinload(Message.chat).selectinload(Chat.messages).selectinload(Message.reports)` on a
    query of messages: `Message.chat` is a many-to-one whose `back_populates=` is
    `Chat.messages`, so every message the query gives is among its chat's messages, and the
    options after that pair run on it too (`Message.reports` is loaded on the queried message,
    also on one the identity map held; verified at run time, SQLAlchemy 2.1 with aiosqlite). Both
    steps must load (a `defaultload` of the many-to-one does not reach the collection), and the
    many-to-one must be known to be one (its foreign key on the queried model's table).
    """
    relationships = index.relationships(model)
    added: list[LoaderPath] = []
    for loader in loaders:
        steps = loader.steps
        while len(steps) > 2 and _comes_back(relationships, steps[0], steps[1]):
            steps = steps[2:]
            added.append(LoaderPath(steps))
    return (*loaders, *added) if added else loaders


def _comes_back(relationships: Mapping[str, RelationshipRef], first: LoaderStep, second: LoaderStep) -> bool:
    """Whether `first` (a relationship of the queried model) and `second` lead back to the
    queried objects: a loaded many-to-one, then the loaded collection its `back_populates=` names
    on its target."""
    if not (first.strategy.loads and second.strategy.loads):
        return False
    relationship = relationships.get(first.attribute.rsplit(".", 1)[-1])
    if relationship is None or relationship.is_collection is not False or relationship.many_to_one is not True:
        return False
    if relationship.back_populates is None or relationship.target is None:
        return False
    owner, _, name = second.attribute.rpartition(".")
    if name != relationship.back_populates or not owner:
        return False
    return owner.rsplit(".", 1)[-1] == relationship.target.rsplit(".", 1)[-1]


#: The relationships walked from the queried entity, each by every name the model gives it (its
#: own and its `synonym()`s): a loader option may name any of them.
_Names = tuple[frozenset[str], ...]


def _names(target: AccessTarget, attribute: str) -> _Names:
    """The relationships walked to the one read (`attribute`), by their names (see `_Names`)."""
    last = target.relationship.names | {attribute} if target.relationship is not None else frozenset({attribute})
    return (*(r.names for r in target.path), last)


def _option_for(loaders: tuple[LoaderPath, ...], names: _Names) -> LoaderStrategy | None:
    """The strategy the query's options give the last of `names` (relationships walked from the
    queried entity), None when they leave the mapper's `lazy=` in force.

    An option naming the relationship on that path wins (`lazyload(Report.project)`, or any step
    of a longer chain through it but `defaultload`); else a wildcard ending at or above it:
    `lazyload("*")`, `raiseload("*")` and `noload("*")` reach every relationship below the path
    they end (`defaultload(A.b).lazyload("*")` those under `A.b`), at any depth, and override an
    eager `lazy=` of the mapper (verified at run time, SQLAlchemy 2.1 with aiosqlite); a loading
    wildcard (`selectinload("*")`) counts here at its own depth only (`_loads_query_wide` gives
    the queried entity's one its further reach).
    """
    own: LoaderStrategy | None = None
    wildcard: tuple[int, LoaderStrategy] | None = None
    for loader in loaders:
        steps = loader.steps
        if not steps:
            continue
        last = steps[-1]
        depth = len(steps) - 1
        if last.attribute == "*":
            if depth >= len(names) or not _along(steps[:-1], names):
                continue
            reaches_below = not last.strategy.loads and last.strategy is not LoaderStrategy.DEFAULT
            if (depth == len(names) - 1 or reaches_below) and (wildcard is None or depth > wildcard[0]):
                wildcard = (depth, last.strategy)
            continue
        if len(steps) < len(names) or not _along(steps[: len(names)], names):
            continue
        strategy = steps[len(names) - 1].strategy
        if strategy is not LoaderStrategy.DEFAULT and (own is None or strategy.loads):
            own = strategy  # (two own options that disagree make SQLAlchemy raise when it compiles)
    if own is not None:
        return own
    return wildcard[1] if wildcard is not None and wildcard[1] is not LoaderStrategy.DEFAULT else None


def _loads_query_wide(loaders: tuple[LoaderPath, ...]) -> bool:
    """Whether the query's options hold a loading wildcard on the queried entity itself
    (`selectinload("*")`, `joinedload("*")`): it sets the strategy of every relationship the
    query loads, at any depth, where no option names one; like a mapper's eager `lazy=` it stops
    at a relationship back to a mapper already on the path (verified at run time, SQLAlchemy 2.1
    with aiosqlite). A wildcard below a path (`selectinload(A.b).selectinload("*")`) reaches its
    own depth only."""
    return any(
        len(loader.steps) == 1 and loader.steps[0].attribute == "*" and loader.steps[0].strategy.loads
        for loader in loaders
    )


def _along(steps: tuple[LoaderStep, ...], names: _Names) -> bool:
    """Whether a loader's steps walk the first relationships of `names`."""
    return len(steps) <= len(names) and all(
        step.attribute.rsplit(".", 1)[-1] in name for step, name in zip(steps, names, strict=False)
    )


@record
class UnloadedRead:
    """A relationship read along a callee's path that the object never loaded."""

    target: AccessTarget
    attribute: str
    #: Where the callee reads it: function qualname and line (the innermost reader).
    function: str
    line: int
    #: The callee replaces the collection (`member.tags = tags`) rather than reading it.
    replaced: bool = False


def first_unloaded(
    index: ProjectIndex,
    target: ObjectTarget,
    loaded: tuple[str, ...],
    read: tuple[str, ...],
    where: tuple[str, int],
    depth: int = 0,
    in_session: Container[str] = frozenset(),
    set_below: tuple[tuple[str, ...], ...] = (),
    *,
    replaced: bool = False,
) -> UnloadedRead | None:
    """Walk `read` (a callee's path off the object) and give the first relationship on it that
    is not loaded; methods and properties of the models on the way are followed. `set_below`:
    what the reader set below the object of the method `read` ends in (see `Read.assigned`).
    `replaced`: the reader replaces what the path ends in, which loads it only when it is a
    collection (SQLAlchemy loads the old collection of a persistent object for its history)."""
    model = target.model
    chain = list(target.path)
    here = loaded
    direct = target.direct
    last = len(read) - 1
    for position, name in enumerate(read):
        if name == "[]":
            continue
        relationship = index.relationships(model).get(name)
        if replaced and position == last and (relationship is None or relationship.is_collection is not True):
            return None  # a column or a scalar relationship: setting it loads nothing
        if relationship is None:
            rest = read[position + 1 :]
            rewritten = index.summaries.member_read(model, name, rest) if rest and not set_below else None
            if rewritten is not None and depth < _MAX_DEPTH:
                # `rev.owner().revisions`: the read goes on from what the method hands back.
                at = ObjectTarget(target.source, tuple(chain), model, direct)
                return first_unloaded(index, at, here, rewritten, where, depth + 1, in_session, replaced=replaced)
            return _through_method(index, model, name, chain, target, here, rest, depth, in_session, set_below)
        access = AccessTarget(target.source, tuple(chain), model, relationship)
        state = relationship_loaded(access, name, here, direct, in_session, index)
        if state is False:
            return UnloadedRead(access, name, *where, replaced=replaced and position == last)
        if state is None or relationship.target is None:
            return None
        if _set_by_code_itself(target.source, name, here, direct):
            return None
        chain.append(relationship)
        model = relationship.target
        here, direct = (), False
    return None


def _through_method(
    index: ProjectIndex,
    model: str,
    name: str,
    chain: list[RelationshipRef],
    target: ObjectTarget,
    loaded: tuple[str, ...],
    rest: tuple[str, ...],
    depth: int,
    in_session: Container[str],
    set_below: tuple[tuple[str, ...], ...],
) -> UnloadedRead | None:
    """`order.total()` or `order.item_count`: what the model's method reads off `self`, but for
    what the caller set on the object before it called it (`set_below`)."""
    if depth >= _MAX_DEPTH or rest:
        return None  # what a property returns is not followed further
    reads = index.summaries.method_reads(model, name)
    at = ObjectTarget(target.source, tuple(chain), model, target.direct and not chain)
    for read in reads:
        if read.guarded or within(read.path, set_below):
            continue
        unloaded = first_unloaded(
            index,
            at,
            loaded,
            read.path,
            (read.function, read.line),
            depth + 1,
            in_session,
            read.assigned,
            replaced=read.replaced,
        )
        if unloaded is not None:
            return unloaded
    return None


def _from_identity_map(target: AccessTarget, relationship: RelationshipRef, in_session: Container[str]) -> bool:
    """A many-to-one read is served from the session's identity map, without SQL, when the
    object it points to is already loaded: likely when it points back to an object on the path
    (`item.order` of `order.items`), or when the code at hand holds objects of the target model
    (a route with `project: ProjectModel` that loads runs `where(Run.project_id == project.id)`).
    Such reads are not judged. A scalar one-to-many (`uselist=False`, the foreign key on the
    target's table) always runs SQL: SQLAlchemy answers from the identity map only a lazy load
    by the target's primary key (runtime-verified, tests/test_loading_runtime.py). A
    `lazy="raise"` one raises before it looks there, the target held or on the path, unlike
    `raise_on_sql` (runtime-verified, tests/test_rerooted_alternatives.py and
    tests/test_held_through_callees.py)."""
    if relationship.lazy == "raise":
        return False
    on_path = {target.source.model, *(step.model for step in target.path)}
    return relationship.target in on_path or relationship.target in in_session


def _eager_reaches(target: AccessTarget, relationship: RelationshipRef) -> bool | None:
    """Whether a mapper-level eager strategy (`lazy="selectin"`...) loads the relationship here.

    Verified at run time (SQLAlchemy 2.1, aiosqlite): an eager loader does not descend into a
    relationship whose target's mapper is already on the loading path (`a.bs[0].a`, a
    self-referential `children` even on the queried object), unless `join_depth` allows that
    many revisits. Such a collection is read with a lazy load; a many-to-one back to an object
    of the path usually comes from the identity map without SQL, so it is not judged.
    """
    mappers = [target.source.model, *(step.target for step in target.path)]
    revisits = mappers.count(relationship.target)
    if revisits <= (relationship.join_depth or 0):
        return True
    return False if relationship.is_collection else None


def _covers(loader: LoaderPath, names: _Names) -> bool | None:
    """True when the loader loads the last of `names` along that path; None when it says nothing."""
    if len(loader.steps) < len(names):
        return None
    for step, name in zip(loader.steps, names, strict=False):
        leaf = step.attribute.rsplit(".", 1)[-1]
        if leaf != "*" and leaf not in name:
            return None
    last = loader.steps[len(names) - 1]
    if last.strategy.loads or last.strategy.emits_no_sql:
        return True
    if last.strategy is LoaderStrategy.DEFAULT and len(loader.steps) > len(names):
        return None
    return None


def withheld_by(target: AccessTarget, attribute: str) -> Condition | None:
    """The condition on a parameter of the function the objects come from under which it would
    have loaded the relationship read, when the call's arguments fail it (see `_reached`)."""
    names = _names(target, attribute)
    for loader, condition in target.source.withheld:
        if _covers(loader, names):
            return condition
    return None


def loader_chain(target: AccessTarget, attribute: str, index: ProjectIndex) -> str:
    """`selectinload(Order.items).selectinload(OrderItem.product)` for a message."""
    parts: list[str] = []
    model = target.source.model
    for relationship in (*target.path, target.relationship):
        if relationship is None:
            break
        parts.append(f"selectinload({_short(model)}.{relationship.name})")
        model = relationship.target or model
    return ".".join(parts) if parts else f"selectinload({_short(target.model)}.{attribute})"


def _short(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1]


# -- sessions --------------------------------------------------------------------------


def is_async_session(index: ProjectIndex, ref: ValueRef) -> bool | None:
    """Whether a session is an asyncio one: True, False (a sync session, or declared as some other
    class such as an HTTP client), or None when nothing says."""
    value = index.values.of(ref.origins)
    if value.kind is ValueKind.SESSION:
        return value.is_async
    declared = any(origin.kind is OriginKind.ANNOTATION and not origin.steps for origin in ref.origins)
    return False if declared else None


#: How many providers deep the dependencies of a request are followed.
_MAX_PROVIDERS = 4


def shares_request_session(index: ProjectIndex, evidence: tuple[Origin, ...], session: ValueRef) -> bool:
    """An object a framework provided sits in the provided `session`: its provider (or a provider
    that one takes, and so on) takes the session's own provider, which FastAPI calls once per
    request and hands to every dependant alike."""
    wanted = _providers(index, session.origins)
    pending = [(name, 0) for name in _providers(index, evidence)]
    seen: set[str] = set()
    while wanted and pending:
        name, depth = pending.pop()
        function = index.functions.get(name)
        if name in seen or depth > _MAX_PROVIDERS or function is None:
            continue
        seen.add(name)
        for _, origins in function.provided:
            found = _providers(index, origins)
            if found & wanted:
                return True
            pending.extend((provider, depth + 1) for provider in found)
    return False


def same_session(index: ProjectIndex, left: ValueRef, right: ValueRef) -> bool:
    """Two session expressions that give one session: both read one module-level name through
    attributes alone (`db.session` of an imported `db`, a scoped session's facade), or one is a
    parameter its provider fills with what it yields (`db: DbSession` of `get_db()`, which yields
    `db.session`). A call in either (`factory()`) makes a session of its own: never the same."""
    return not _named_sessions(index, left).isdisjoint(_named_sessions(index, right))


def _named_sessions(index: ProjectIndex, session: ValueRef) -> set[Origin]:
    """The module-level names (with the attributes read off them) a session expression reads,
    directly or through the one value its provider yields."""
    found = {origin for origin in session.origins if _names_one_value(origin)}
    for provider in _providers(index, session.origins):
        function = index.functions.get(provider)
        if function is None or len(function.yields) != 1:
            continue
        found.update(origin for origin in function.yields[0].value.origins if _names_one_value(origin))
    return found


def _names_one_value(origin: Origin) -> bool:
    return origin.kind is OriginKind.NAME and all(step.kind is StepKind.ATTRIBUTE for step in origin.steps)


def provided_object(index: ProjectIndex, evidence: tuple[Origin, ...], path: str) -> ObjectTarget | None:
    """What a framework hands a parameter from its one provider (`user: User =
    Depends(current_user)`): the object that async provider returns, with what its query loaded,
    as if the parameter's function had called it; None for anything else."""
    for _ in range(_MAX_PROVIDERS):
        providers = _providers(index, evidence)
        if len(providers) != 1:
            return None
        (provider,) = providers
        function = index.functions.get(provider)
        if function is None or not function.is_async:
            return None
        returned = index.summaries.returned_parameter(function)
        handed = dict(function.provided).get(returned[0]) if returned is not None and not returned[1] else None
        if handed is not None:
            evidence = handed  # `admin(user = Depends(current_user))` returns the user it is given
            continue
        if function.loading is None:
            return None
        # The framework fills the provider's parameters (a query parameter may be `with_items=True`):
        # none of its defaults is sure.
        call = ObjectSource(
            SourceKind.CALL,
            function.line,
            callee=(Origin(OriginKind.NAME, provider, (CALL,)),),
            flags=(KnownArgument(ANY_KEYWORD),),
        )
        return resolve_object(index, call, (), path)
    return None


def _providers(index: ProjectIndex, origins: tuple[Origin, ...]) -> set[str]:
    """The providers that fill a parameter: `Depends(p)`, the `p` of an alias of
    `Annotated[X, Depends(p)]` that annotates it, or the project function a call makes and
    FastAPI then calls (`Depends(require_permission("x"))` returning its inner `dependency`;
    `Depends(db.session)`, a method of a project object)."""
    found: set[str] = set()
    for origin in origins:
        if origin.kind is OriginKind.ANNOTATION and not origin.steps:
            found.update(_providers(index, index.through_aliases(origin.name)[1]))
        elif origin.kind is OriginKind.PROVIDED:
            found.add(index.canonical(origin.name))
        elif origin.kind is not OriginKind.INJECTED and origin.steps and origin.steps[-1].kind is StepKind.CALL:
            made = index.values.origin(origin.base())
            callee = made.cls
            if (
                made.kind is ValueKind.CALLABLE
                and made.result is None
                and callee is not None
                and callee in index.functions
            ):
                found.add(callee)
    return found


def project_builds_no_factory(index: ProjectIndex, asyncio: bool = False) -> bool:
    """The application builds no session factory (a test module's own does not count; with
    `asyncio`, nor does a factory of sync sessions): every session is made where it is used
    (`AsyncSession(engine)`)."""
    return not index.application_factories(asyncio=asyncio)


def session_autoflushes(index: ProjectIndex, session: ValueRef | None) -> bool:
    """Whether a query of the session flushes it first (SQLAlchemy's default `autoflush=True`):
    as its factory says where it is known (`autoflush=False`, or `**options` that may say so,
    is no); else only in a project none of whose SQLAlchemy calls passes `autoflush=` at all."""
    if session is None:
        return False
    value = index.values.of(session.origins)
    if value.is_session and value.factory is not None:
        call = value.factory.call
        said = call.keywords.get("autoflush")
        return said == "True" or (said is None and not call.has_star_kwargs)
    return not index.sets_autoflush


def project_factory_expiry(index: ProjectIndex, asyncio: bool = False) -> bool | None:
    """What the project's session factories do on commit, when they all say the same (None
    without a factory, or when one says otherwise or cannot be read): a session none of the
    project's calls is known to make came from one of them. A factory a test module builds (per
    test, bound to its own connection) is not the project's; with `asyncio` (the question is
    about an asyncio session), neither is a factory of sync sessions (`sessionmaker(bind=engine)`
    for a sync worker), which cannot have made one."""
    said = {index.values.of_factory(site).expire_on_commit for site in index.application_factories(asyncio=asyncio)}
    return said.pop() if len(said) == 1 else None


def _hands_on_calls(loading: FunctionLoading) -> bool:
    """Whether every `return` hands on what a project call returned, as it is (`return await
    Dao.page(db)`): a tuple the callee returns is the function's tuple."""
    return bool(loading.returns) and all(
        returned.position is None and returned.source.kind is SourceKind.CALL and not returned.path
        for returned in loading.returns
    )


def _only_objects_at(loading: FunctionLoading, position: int | str | None) -> bool:
    """Whether every `return` gives ORM objects at `position`: the returns of a tuple that holds
    no object (`return None, error`) give none at a position they fill with a literal."""
    if not loading.objectless_tuples:
        return loading.returns_only_objects
    return (
        loading.returns_only_objects
        and isinstance(position, int)
        and all(position not in gaps for gaps in loading.objectless_tuples)
    )
