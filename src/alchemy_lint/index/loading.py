"""ORM objects of a function joined with the project index: their model, loaders and session.

Which model an access reads, whether its relationship is loaded, and what the session's factory does on commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from alchemy_lint.facts.model import FunctionFacts, LoaderPath, LoaderStrategy, ObjectAccess, ObjectSource, SourceKind
from alchemy_lint.facts.values import Origin, OriginKind, ValueRef
from alchemy_lint.index.project import ProjectIndex, RelationshipRef
from alchemy_lint.index.values import ValueKind

#: Relationship `lazy=` strategies under which reading it emits no SQL (it raises another error
#: or returns nothing): not a lazy load, so not ASA301's business.
SILENT_STRATEGIES = frozenset({"raise", "raise_on_sql", "noload"})
_SELECT_MODULES = ("sqlalchemy.", "sqlmodel.")
_MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class AccessTarget:
    """An access resolved to the model it reads and, for a relationship, the relationship."""

    source: ResolvedSource
    #: Relationships from the source's model to the object read (the source prefix included).
    path: tuple[RelationshipRef, ...]
    model: str
    relationship: RelationshipRef | None


# -- sources -------------------------------------------------------------------------


def resolve_source(
    index: ProjectIndex, source: ObjectSource, path: str, function: str = "", depth: int = 0
) -> ResolvedSource | None:
    if depth > _MAX_DEPTH:
        return None
    if source.kind is SourceKind.CALL:
        return _resolve_call(index, source, depth)
    if source.model is None:
        return None
    model = index.resolve_model(source.model)
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


def _is_select(index: ProjectIndex, constructor: str | None) -> bool:
    if constructor is None:
        return False
    canonical = index.canonical(constructor)
    return canonical.rsplit(".", 1)[-1] == "select" and canonical.startswith(_SELECT_MODULES)


def _resolve_call(index: ProjectIndex, source: ObjectSource, depth: int) -> ResolvedSource | None:
    function = callee_function(index, source.callee)
    if function is None or function.loading is None or not function.loading.returns_only_objects:
        return None
    path = _function_path(index, function)
    found: ResolvedSource | None = None
    for returned in function.loading.returns:
        inner = resolve_source(index, returned.source, path, function.name, depth + 1)
        if inner is None:
            return None
        session = returned.source.session
        if returned.source.kind is not SourceKind.CALL and (
            session is None or is_async_session(index, session) is False
        ):
            return None
        prefix = inner.prefix + returned.path
        if prefix != inner.prefix and inner.is_collection:
            return None
        resolved = ResolvedSource(
            inner.kind,
            inner.model,
            inner.line,
            inner.path,
            inner.loaders,
            inner.loaders_known,
            prefix,
            returned.loaded if not returned.path else (),
            returned.is_collection or inner.is_collection,
            inner.function,
            inner.maybe_loaders,
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
        )
    return found


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


def resolve_access(index: ProjectIndex, access: ObjectAccess, path: str) -> AccessTarget | None:
    """The model an access reads on, through the relationships its object was reached by."""
    source = resolve_source(index, access.source, path)
    if source is None:
        return None
    walked = access.path
    if access.source.kind is SourceKind.CALL:
        if walked[:1] == ("[]",):
            if not source.is_collection:
                return None
            walked = walked[1:]
        elif source.is_collection:
            return None
    model = source.model
    relationships: list[RelationshipRef] = []
    for name in (*source.prefix, *walked):
        relationship = index.relationships(model).get(name)
        if relationship is None or relationship.target is None:
            return None
        relationships.append(relationship)
        model = relationship.target
    return AccessTarget(source, tuple(relationships), model, index.relationships(model).get(access.attribute))


def is_loaded(target: AccessTarget, access: ObjectAccess) -> bool | None:
    """Whether the relationship read is loaded: True, False, or None when it cannot be judged."""
    relationship = target.relationship
    if relationship is None:
        return None
    if relationship.is_write_only or relationship.is_dynamic or relationship.lazy in SILENT_STRATEGIES:
        return None
    if relationship.is_eager or access.attribute in access.loaded:
        return True
    if not access.path and access.attribute in target.source.loaded and access.source.kind is SourceKind.CALL:
        return True
    if not target.source.loaders_known:
        return None
    names = (*tuple(r.name for r in target.path), access.attribute)
    for loader in target.source.loaders:
        covered = _covers(loader, names)
        if covered is not None:
            return covered
    if target.source.function and any(_covers(loader, names) for loader in target.source.maybe_loaders):
        # The callee loads it on some paths (`include_items=True`): which one runs is the caller's.
        return None
    return False


def _covers(loader: LoaderPath, names: tuple[str, ...]) -> bool | None:
    """True when the loader loads the last of `names` along that path; None when it says nothing."""
    if len(loader.steps) < len(names):
        return None
    for step, name in zip(loader.steps, names, strict=False):
        leaf = step.attribute.rsplit(".", 1)[-1]
        if leaf not in ("*", name):
            return None
    last = loader.steps[len(names) - 1]
    if last.strategy.loads or last.strategy.emits_no_sql:
        return True
    if last.strategy is LoaderStrategy.DEFAULT and len(loader.steps) > len(names):
        return None
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


def project_factory_expiry(index: ProjectIndex) -> bool | None:
    """What the project's only session factory does on commit (None without exactly one)."""
    if len(index.factory_sites) != 1:
        return None
    return index.values.of_factory(index.factory_sites[0]).expire_on_commit
