"""The project index: the facts of every file of a project, merged.

It answers the cross-file questions: what a name re-exports, which classes are models and
what their relationships load, and what a value with an `Origin` is (a session, a factory...).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from alchemy_lint.config import Settings, matches_any
from alchemy_lint.facts.model import (
    ApiCall,
    ClassFacts,
    FileFacts,
    FunctionFacts,
    Origin,
    OriginKind,
    RelationshipFacts,
    SessionRef,
)
from alchemy_lint.names import ENGINE_CLASSES, ENGINES, FACTORIES, SESSION_CLASSES, Api, known_api
from alchemy_lint.resolve import follow_exports

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
_MAX_DEPTH = 6
EAGER_STRATEGIES = frozenset({"selectin", "joined", "subquery", "immediate"})


def find_project_root(path: Path) -> Path:
    """The nearest folder at or above `path` with a pyproject.toml, setup.cfg or .git."""
    start = path.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return folder


class ValueKind(str, Enum):
    """What a value is, in order of strength when several origins disagree."""

    SESSION = "session"
    FACTORY = "factory"
    SESSION_CLASS = "session class"
    FACTORY_CONSTRUCTOR = "factory constructor"
    SESSION_CONTEXT = "session context manager"
    TRANSACTION = "transaction"
    ENGINE = "engine"
    ENGINE_CONSTRUCTOR = "engine constructor"
    DECLARATIVE_BASE = "declarative base"
    DECLARATIVE_BASE_CONSTRUCTOR = "declarative base constructor"
    REGISTRY = "registry"
    REGISTRY_CONSTRUCTOR = "registry constructor"
    UNKNOWN = "unknown"


_STEPS: dict[tuple[ValueKind, str], ValueKind] = {
    (ValueKind.SESSION_CLASS, "()"): ValueKind.SESSION,
    (ValueKind.FACTORY_CONSTRUCTOR, "()"): ValueKind.FACTORY,
    (ValueKind.FACTORY, "()"): ValueKind.SESSION,
    (ValueKind.FACTORY, "begin"): ValueKind.SESSION,
    (ValueKind.SESSION_CONTEXT, "()"): ValueKind.SESSION,
    (ValueKind.SESSION, "begin"): ValueKind.TRANSACTION,
    (ValueKind.SESSION, "begin_nested"): ValueKind.TRANSACTION,
    (ValueKind.ENGINE_CONSTRUCTOR, "()"): ValueKind.ENGINE,
    (ValueKind.ENGINE, ".sync_engine"): ValueKind.ENGINE,
    (ValueKind.DECLARATIVE_BASE_CONSTRUCTOR, "()"): ValueKind.DECLARATIVE_BASE,
    (ValueKind.REGISTRY_CONSTRUCTOR, "()"): ValueKind.REGISTRY,
    (ValueKind.REGISTRY, "generate_base"): ValueKind.DECLARATIVE_BASE,
}

_API_KINDS: dict[Api, ValueKind] = {
    Api.ASYNC_SESSIONMAKER: ValueKind.FACTORY_CONSTRUCTOR,
    Api.SESSIONMAKER: ValueKind.FACTORY_CONSTRUCTOR,
    Api.ASYNC_SESSION: ValueKind.SESSION_CLASS,
    Api.SYNC_SESSION: ValueKind.SESSION_CLASS,
    Api.CREATE_ENGINE: ValueKind.ENGINE_CONSTRUCTOR,
    Api.CREATE_ASYNC_ENGINE: ValueKind.ENGINE_CONSTRUCTOR,
    # A listener on the Engine class itself applies to every engine.
    Api.ENGINE_CLASS: ValueKind.ENGINE,
    Api.ASYNC_ENGINE_CLASS: ValueKind.ENGINE,
    Api.DECLARATIVE_BASE_FACTORY: ValueKind.DECLARATIVE_BASE_CONSTRUCTOR,
    Api.REGISTRY: ValueKind.REGISTRY_CONSTRUCTOR,
}


@dataclass(frozen=True, slots=True)
class FactorySite:
    """A session factory constructed somewhere in the project."""

    path: str
    call: ApiCall


@dataclass(frozen=True, slots=True)
class RelationshipRef:
    """A relationship of a model, with its target resolved across files."""

    model: str
    name: str
    target: str | None
    lazy: str | None
    container: str | None
    path: str
    line: int

    @property
    def is_eager(self) -> bool:
        return self.lazy in EAGER_STRATEGIES

    @property
    def is_write_only(self) -> bool:
        return self.lazy == "write_only" or self.container == Api.WRITE_ONLY_MAPPED.value

    @property
    def is_dynamic(self) -> bool:
        return self.lazy == "dynamic" or self.container == Api.DYNAMIC_MAPPED.value


class ProjectIndex:
    """Merged facts of one project, with the settings that shape what they mean."""

    def __init__(self, root: Path, settings: Settings, files: Iterable[FileFacts]) -> None:
        self.root = root
        self.settings = settings
        self.files: dict[str, FileFacts] = {facts.path: facts for facts in files}
        self.exports: dict[str, dict[str, str]] = {}
        self.module_values: dict[str, tuple[Origin, ...]] = {}
        self.classes: dict[str, ClassFacts] = {}
        self.class_paths: dict[str, str] = {}
        self.classes_by_name: dict[str, list[str]] = {}
        self.functions: dict[str, FunctionFacts] = {}
        self.factory_sites: list[FactorySite] = []
        self.published_factories: dict[str, FactorySite] = {}
        self.uses_asyncio = False
        self.module_aliases: dict[str, str] = {}
        self._canonical: dict[str, str] = {}
        self._session_contexts: dict[str, bool] = {}
        self._models: dict[str, bool] = {}
        self._relative: dict[str, str] = {}
        for path in sorted(self.files):
            self._register_module(self.files[path])
        for path in sorted(self.files):
            self._merge(self.files[path])

    def _register_module(self, facts: FileFacts) -> None:
        """Also know a module by every dotted suffix of its project-relative path.

        Without `__init__.py` files (namespace packages, `sys.path` set by the app), the
        name a file calls itself and the name others import it by can differ.
        """
        self.module_aliases[facts.module] = facts.module
        parts = self.relative(facts.path).rsplit(".", 1)[0].split("/")
        if parts[-1] == "__init__":
            parts.pop()
        for start in range(len(parts)):
            self.module_aliases.setdefault(".".join(parts[start:]), facts.module)

    def _merge(self, facts: FileFacts) -> None:
        if facts.parse_error is not None:
            return
        self.exports[facts.module] = facts.exports
        self.uses_asyncio = self.uses_asyncio or facts.uses_asyncio
        for name, origins in facts.module_values.items():
            self.module_values[f"{facts.module}.{name}"] = origins
        for cls in facts.classes:
            self.classes[cls.qualname] = cls
            self.class_paths[cls.qualname] = facts.path
            self.classes_by_name.setdefault(cls.name, []).append(cls.qualname)
        for function in facts.functions:
            self.functions[function.qualname] = function
        for call in facts.api_calls:
            if call.api in FACTORIES:
                site = FactorySite(facts.path, call)
                self.factory_sites.append(site)
                if call.assigned_to:
                    self.published_factories.setdefault(call.assigned_to, site)

    # -- paths and names ---------------------------------------------------------

    def relative(self, path: str) -> str:
        known = self._relative.get(path)
        if known is None:
            # Asked by every rule for every file: resolve() each time showed in --profile.
            try:
                known = Path(path).resolve().relative_to(self.root).as_posix()
            except ValueError:
                known = Path(path).as_posix()
            self._relative[path] = known
        return known

    def is_models_module(self, path: str) -> bool:
        return matches_any(self.relative(path), self.settings.models_modules)

    def is_db_module(self, path: str) -> bool:
        return matches_any(self.relative(path), self.settings.db_modules)

    def canonical(self, qualname: str) -> str:
        """Where a qualified name is defined, through module aliases and re-exports."""
        found = self._canonical.get(qualname)
        if found is None:
            found = self._canonical[qualname] = follow_exports(
                self._normalise_module(qualname), self.exports, self._normalise_module
            )
        return found

    def _normalise_module(self, qualname: str) -> str:
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = self.module_aliases.get(".".join(parts[:cut]))
            if module is not None:
                return ".".join([module, *parts[cut:]])
        return qualname

    def api(self, qualname: str | None) -> Api | None:
        if qualname is None:
            return None
        return known_api(qualname) or known_api(self.canonical(qualname))

    # -- classes and models ------------------------------------------------------

    def class_chain(self, qualname: str) -> list[ClassFacts]:
        """The class and its project ancestors (mixins included), nearest first."""
        chain: list[ClassFacts] = []
        pending = [qualname]
        while pending and len(chain) < 4 * _MAX_DEPTH:
            cls = self.classes.get(self.canonical(pending.pop(0)))
            if cls is not None and cls not in chain:
                chain.append(cls)
                pending.extend(cls.bases)
        return chain

    def is_session_class(self, qualname: str) -> bool:
        for name in (qualname, *(base for cls in self.class_chain(qualname) for base in cls.bases)):
            canonical = self.canonical(name)
            if known_api(canonical) in SESSION_CLASSES or canonical in self.settings.extra_session_types:
                return True
        return False

    def is_model(self, qualname: str) -> bool:
        """A mapped class: it derives from a declarative base (or is a SQLModel table)."""
        canonical = self.canonical(qualname)
        cached = self._models.get(canonical)
        if cached is None:
            cached = self._models[canonical] = self._compute_is_model(canonical)
        return cached

    def _compute_is_model(self, qualname: str) -> bool:
        cls = self.classes.get(qualname)
        if cls is None:
            return False
        if cls.keywords.get("table") == "True":
            return any(self._is_sqlmodel(c) for c in self.class_chain(qualname))
        declares_table = "__tablename__" in cls.fields or "__table__" in cls.fields
        for ancestor in self.class_chain(qualname):
            for base in ancestor.bases:
                kind = self._base_kind(base)
                if kind == "declarative-api":
                    # `class Base(DeclarativeBase)` is the base, not a model.
                    if ancestor is not cls or declares_table:
                        return True
                elif kind == "declarative-value" or (kind == "model" and base != qualname):
                    return True
        return False

    def _is_sqlmodel(self, cls: ClassFacts) -> bool:
        return any(self.api(base) is Api.SQLMODEL for base in cls.bases)

    def _base_kind(self, base: str) -> str:
        canonical = self.canonical(base)
        api = known_api(canonical)
        if api is Api.DECLARATIVE_BASE:
            return "declarative-api"
        if self.value_kind(Origin(OriginKind.NAME, canonical)) is ValueKind.DECLARATIVE_BASE:
            return "declarative-value"
        if canonical in self.classes and self.classes[canonical].keywords.get("table") == "True":
            return "model"
        return "other"

    def has_async_attrs(self, qualname: str) -> bool:
        return any(self.api(base) is Api.ASYNC_ATTRS for cls in self.class_chain(qualname) for base in cls.bases)

    def resolve_model(self, name: str | None, near: str | None = None) -> str | None:
        """The model a relationship target or annotation names: a qualified name or "Group"."""
        if not name:
            return None
        canonical = self.canonical(name)
        if canonical in self.classes:
            return canonical
        candidates = [q for q in self.classes_by_name.get(name.rsplit(".", 1)[-1], []) if self.is_model(q)]
        if len(candidates) == 1:
            return candidates[0]
        if near is not None:
            module = near.rsplit(".", 1)[0]
            same_module = [q for q in candidates if q.rsplit(".", 1)[0] == module]
            if len(same_module) == 1:
                return same_module[0]
        return None

    def relationships(self, model: str) -> dict[str, RelationshipRef]:
        """Relationship name -> reference, own declarations first, then inherited ones."""
        found: dict[str, RelationshipRef] = {}
        for cls in self.class_chain(model):
            for relationship in cls.relationships:
                if relationship.name not in found:
                    found[relationship.name] = self._relationship_ref(cls, relationship)
        return found

    def _relationship_ref(self, cls: ClassFacts, relationship: RelationshipFacts) -> RelationshipRef:
        return RelationshipRef(
            model=cls.qualname,
            name=relationship.name,
            target=self.resolve_model(relationship.target, near=cls.qualname),
            lazy=relationship.lazy,
            container=relationship.container,
            path=self.class_paths.get(cls.qualname, ""),
            line=relationship.line,
        )

    def models(self) -> list[str]:
        return [qualname for qualname in self.classes if self.is_model(qualname)]

    # -- values ------------------------------------------------------------------

    def value_kind(self, origin: Origin, depth: int = 0) -> ValueKind:
        """What a value with this origin is, on the evidence the index holds."""
        if depth > _MAX_DEPTH:
            return ValueKind.UNKNOWN
        if origin.kind is OriginKind.ANNOTATION:
            kind = self._instance_kind(origin.name)
        elif origin.kind is OriginKind.NAME:
            kind = self._name_kind(origin.name, depth)
        else:
            kind = self._attribute_kind(origin.name, depth)
        for step in origin.steps:
            if kind is ValueKind.UNKNOWN:
                break
            kind = _STEPS.get((kind, step), ValueKind.UNKNOWN)
        return kind

    def kinds(self, origins: Iterable[Origin], depth: int = 0) -> set[ValueKind]:
        return {self.value_kind(origin, depth) for origin in origins}

    def is_session(self, ref: SessionRef) -> bool:
        return ValueKind.SESSION in self.kinds(ref.origins)

    def _instance_kind(self, qualname: str) -> ValueKind:
        if self.is_session_class(qualname):
            return ValueKind.SESSION
        api = self.api(qualname)
        if api in FACTORIES:
            return ValueKind.FACTORY
        if api in ENGINE_CLASSES:
            return ValueKind.ENGINE
        return ValueKind.UNKNOWN

    def _name_kind(self, qualname: str, depth: int) -> ValueKind:
        canonical = self.canonical(qualname)
        api = known_api(canonical)
        if api is not None and api in _API_KINDS:
            return _API_KINDS[api]
        if self.is_session_class(canonical):
            return ValueKind.SESSION_CLASS
        origins = self.module_values.get(canonical)
        if origins:
            found = self.kinds(origins, depth + 1) - {ValueKind.UNKNOWN}
            if found:
                return _strongest(found)
        if self._is_session_context(canonical, depth):
            return ValueKind.SESSION_CONTEXT
        return ValueKind.UNKNOWN

    def _attribute_kind(self, qualname: str, depth: int) -> ValueKind:
        owner, _, attribute = qualname.rpartition(".")
        for cls in self.class_chain(owner):
            origins = cls.attributes.get(attribute)
            if origins:
                found = self.kinds(origins, depth + 1) - {ValueKind.UNKNOWN}
                if found:
                    return _strongest(found)
        return ValueKind.UNKNOWN

    def _is_session_context(self, qualname: str, depth: int) -> bool:
        """A function that yields a session: an `@asynccontextmanager` or a dependency."""
        cached = self._session_contexts.get(qualname)
        if cached is not None:
            return cached
        function = self.functions.get(qualname)
        if function is None or not function.yields:
            return False
        self._session_contexts[qualname] = False  # breaks recursion through itself
        found = any(ValueKind.SESSION in self.kinds(ref.origins, depth + 1) for ref in function.yields)
        self._session_contexts[qualname] = found
        return found

    def session_helpers(self) -> list[FunctionFacts]:
        """Functions named as the configured session helper."""
        name = self.settings.session_helper
        return [f for f in self.functions.values() if f.name == name]

    def is_async_context_manager(self, function: FunctionFacts) -> bool:
        return any(self.api(d) is Api.ASYNC_CONTEXT_MANAGER for d in function.decorators)


def _strongest(kinds: set[ValueKind]) -> ValueKind:
    for kind in ValueKind:
        if kind in kinds:
            return kind
    return ValueKind.UNKNOWN


__all__ = ["ENGINES", "FactorySite", "ProjectIndex", "RelationshipRef", "ValueKind", "find_project_root"]
