"""ORM objects of a function joined with the project index: their model, loaders and session.

Which model an access reads, whether its relationship is loaded, and what the session's factory does on commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from alchemy_lint.facts.model import (
    ApiCall,
    FunctionFacts,
    LoaderPath,
    ObjectAccess,
    ObjectSource,
    Origin,
    OriginKind,
    SessionRef,
    SourceKind,
)
from alchemy_lint.names import Api, known_api
from alchemy_lint.project import ProjectIndex, RelationshipRef

LOADING_STRATEGIES = frozenset({"selectin", "joined", "subquery", "immediate", "contains_eager"})
#: Strategies under which reading the relationship emits no SQL (it raises another error or
#: returns nothing): not a lazy load, so not ASA301's business.
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
            session is None or session_origin(index, session, function.loading.session_options).is_async is False
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
        function = _callee(index, origin, 0)
        if function is not None:
            if found is not None and found is not function:
                return None
            found = function
    return found


def _callee(index: ProjectIndex, origin: Origin, depth: int) -> FunctionFacts | None:
    if depth > _MAX_DEPTH or not origin.steps:
        return None
    instance: str | None = None
    steps = list(origin.steps)
    if origin.kind is OriginKind.NAME:
        canonical = index.canonical(origin.name)
        if canonical in index.functions and steps == ["()"]:
            return index.functions[canonical]
        if canonical in index.classes and steps[0] == "()":
            instance, steps = canonical, steps[1:]
        else:
            return None
    elif origin.kind is OriginKind.ANNOTATION:
        instance = index.canonical(origin.name)
    else:
        instance = _attribute_class(index, origin.name, depth)
    if instance is None or len(steps) != 1 or steps[0].startswith((".", "(")):
        return None
    return _method(index, instance, steps[0])


def _attribute_class(index: ProjectIndex, qualname: str, depth: int) -> str | None:
    """The project class of `self.attr`, from its annotation or the class it is built from."""
    owner, _, attribute = qualname.rpartition(".")
    found: set[str] = set()
    for cls in index.class_chain(owner):
        for origin in cls.attributes.get(attribute, ()):
            built = origin.kind is OriginKind.NAME and origin.steps == ("()",)
            if built or (origin.kind is OriginKind.ANNOTATION and not origin.steps):
                found.add(index.canonical(origin.name))
    classes = {name for name in found if name in index.classes}
    return classes.pop() if len(classes) == 1 and len(found) == 1 else None


def _method(index: ProjectIndex, cls: str, name: str) -> FunctionFacts | None:
    for ancestor in index.class_chain(cls):
        function = index.functions.get(f"{ancestor.qualname}.{name}")
        if function is not None:
            return function
    return None


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
    if last.strategy in LOADING_STRATEGIES or last.strategy in SILENT_STRATEGIES:
        return True
    if last.strategy == "default" and len(loader.steps) > len(names):
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


@dataclass(frozen=True, slots=True)
class SessionOrigin:
    """What a session was made by: its flavour and the factory or session-class call keywords."""

    is_async: bool | None
    #: True, False, or None when unknown (a parameter, a factory configured elsewhere).
    expires_on_commit: bool | None


def session_origin(index: ProjectIndex, ref: SessionRef, local_options: dict[str, str]) -> SessionOrigin:
    """Evaluate a session's evidence to the factory (or bare session class) that made it."""
    if not index.is_session(ref):
        # Declared as some other class (an HTTP client, a unit of work): not an ORM session.
        declared = any(origin.kind is OriginKind.ANNOTATION and not origin.steps for origin in ref.origins)
        return SessionOrigin(False if declared else None, None)
    found = [_origin_of(index, origin, 0) for origin in ref.origins]
    known = [item for item in found if item is not None]
    flavours = {item.is_async for item in known if item.is_async is not None}
    expiries = {item.expires_on_commit for item in known}
    is_async = flavours.pop() if len(flavours) == 1 else None
    expires = expiries.pop() if len(expiries) == 1 else None
    override = local_options.get(ref.text)
    if override is not None:
        expires = _expiry_value(override)
    return SessionOrigin(is_async, expires)


def _origin_of(index: ProjectIndex, origin: Origin, depth: int) -> SessionOrigin | None:
    if depth > _MAX_DEPTH:
        return None
    if origin.kind is OriginKind.ANNOTATION:
        return SessionOrigin(_class_flavour(index, origin.name), None)
    if origin.kind is OriginKind.ATTRIBUTE:
        owner, _, attribute = origin.name.rpartition(".")
        for cls in index.class_chain(owner):
            for inner in cls.attributes.get(attribute, ()):
                found = _origin_of(index, Origin(inner.kind, inner.name, inner.steps + origin.steps), depth + 1)
                if found is not None:
                    return found
        return None
    canonical = index.canonical(origin.name)
    api = known_api(canonical)
    if api in (Api.ASYNC_SESSION, Api.SYNC_SESSION) or index.is_session_class(canonical):
        # A bare session class call: the default expire_on_commit=True unless the call says so.
        return SessionOrigin(_class_flavour(index, canonical), True)
    site = index.factory_named(canonical)
    if site is not None:
        return SessionOrigin(_factory_flavour(index, site.call), _factory_expiry(site.call))
    function = index.functions.get(canonical)
    if function is not None and function.yields:
        for ref in function.yields:
            for inner in ref.origins:
                found = _origin_of(index, inner, depth + 1)
                if found is not None:
                    return found
        return None
    for inner in index.module_values.get(canonical, ()):
        if known_api(index.canonical(inner.name)) in (Api.ASYNC_SESSIONMAKER, Api.SESSIONMAKER):
            continue
        found = _origin_of(index, inner, depth + 1)
        if found is not None:
            return found
    return None


def _class_flavour(index: ProjectIndex, qualname: str) -> bool | None:
    names = [qualname, *(base for cls in index.class_chain(qualname) for base in cls.bases)]
    apis = {known_api(index.canonical(name)) for name in names}
    if Api.ASYNC_SESSION in apis:
        return True
    if Api.SYNC_SESSION in apis:
        return False
    return None


def _factory_flavour(index: ProjectIndex, call: ApiCall) -> bool:
    api = call.api or index.api(call.callee)
    if api is Api.ASYNC_SESSIONMAKER:
        return True
    session_class = call.keyword_targets.get("class_")
    return session_class is not None and _class_flavour(index, session_class) is True


def _factory_expiry(call: ApiCall) -> bool | None:
    value = call.keywords.get("expire_on_commit")
    if value is None:
        return None if call.has_star_kwargs else True
    return _expiry_value(value)


def _expiry_value(text: str) -> bool | None:
    if text == "False":
        return False
    if text == "True":
        return True
    return None


def project_factory_expiry(index: ProjectIndex) -> bool | None:
    """What the project's only session factory does on commit (None without exactly one)."""
    if len(index.factory_sites) != 1:
        return None
    return _factory_expiry(index.factory_sites[0].call)
