"""The project index: the facts of every file of a project, merged.

It answers the cross-file questions: what a name re-exports, which classes are models and
what their relationships load, and what a value with an `Origin` is (a session, a factory...).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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
from alchemy_lint.policy import Policy, TransactionSite, TransactionSites
from alchemy_lint.resolve import follow_exports

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
_MAX_DEPTH = 6
EAGER_STRATEGIES = frozenset({"selectin", "joined", "subquery", "immediate"})
TEST_FOLDERS = frozenset({"tests", "test"})


def find_project_root(path: Path) -> Path:
    """The nearest folder at or above `path` with a pyproject.toml, setup.cfg or .git."""
    start = path.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if is_project_root(candidate):
            return candidate
    return folder


def is_project_root(folder: Path) -> bool:
    return any((folder / marker).exists() for marker in ROOT_MARKERS)


class ValueKind(str, Enum):
    """What a value is, in order of strength when several origins disagree."""

    SESSION = "session"
    FACTORY = "factory"
    SESSION_CLASS = "session class"
    FACTORY_CONSTRUCTOR = "factory constructor"
    SESSION_CONTEXT = "session context manager"
    #: A function or method annotated to return a session (`-> AsyncSession`).
    SESSION_SOURCE = "function returning a session"
    TRANSACTION = "transaction"
    ENGINE = "engine"
    ENGINE_CONSTRUCTOR = "engine constructor"
    DECLARATIVE_BASE = "declarative base"
    DECLARATIVE_BASE_CONSTRUCTOR = "declarative base constructor"
    REGISTRY = "registry"
    REGISTRY_CONSTRUCTOR = "registry constructor"
    METADATA = "metadata"
    METADATA_CONSTRUCTOR = "metadata constructor"
    UNKNOWN = "unknown"


_STEPS: dict[tuple[ValueKind, str], ValueKind] = {
    (ValueKind.SESSION_CLASS, "()"): ValueKind.SESSION,
    (ValueKind.FACTORY_CONSTRUCTOR, "()"): ValueKind.FACTORY,
    (ValueKind.FACTORY, "()"): ValueKind.SESSION,
    (ValueKind.FACTORY, "begin"): ValueKind.SESSION,
    (ValueKind.SESSION_CONTEXT, "()"): ValueKind.SESSION,
    (ValueKind.SESSION_SOURCE, "()"): ValueKind.SESSION,
    (ValueKind.SESSION, "begin"): ValueKind.TRANSACTION,
    (ValueKind.SESSION, "begin_nested"): ValueKind.TRANSACTION,
    (ValueKind.ENGINE_CONSTRUCTOR, "()"): ValueKind.ENGINE,
    (ValueKind.ENGINE, ".sync_engine"): ValueKind.ENGINE,
    (ValueKind.DECLARATIVE_BASE_CONSTRUCTOR, "()"): ValueKind.DECLARATIVE_BASE,
    (ValueKind.REGISTRY_CONSTRUCTOR, "()"): ValueKind.REGISTRY,
    (ValueKind.REGISTRY, "generate_base"): ValueKind.DECLARATIVE_BASE,
    (ValueKind.METADATA_CONSTRUCTOR, "()"): ValueKind.METADATA,
    (ValueKind.DECLARATIVE_BASE, ".metadata"): ValueKind.METADATA,
    (ValueKind.REGISTRY, ".metadata"): ValueKind.METADATA,
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
    Api.METADATA: ValueKind.METADATA_CONSTRUCTOR,
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
    is_collection: bool | None = None

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

    def __init__(
        self,
        root: Path,
        settings: Settings,
        files: Iterable[FileFacts],
        *,
        relative_paths: dict[str, str] | None = None,
    ) -> None:
        """`relative_paths`: a memo of `relative()` to share between the indexes of one root (the
        language server rebuilds the index on every change; resolving each path again cost most of it)."""
        self.root = root
        self.settings = settings
        self.files: dict[str, FileFacts] = {facts.path: facts for facts in files}
        self.exports: dict[str, dict[str, str]] = {}
        self.module_values: dict[str, tuple[Origin, ...]] = {}
        self.type_aliases: dict[str, str] = {}
        self.classes: dict[str, ClassFacts] = {}
        self.class_paths: dict[str, str] = {}
        self.classes_by_name: dict[str, list[str]] = {}
        self.functions: dict[str, FunctionFacts] = {}
        self.function_paths: dict[str, str] = {}
        self._factory_candidates: list[FactorySite] = []
        self._factory_sites: list[FactorySite] | None = None
        #: The session helper, once looked up (a one-element list so that None can be cached).
        self._session_helper: list[FunctionFacts | None] = []
        self._transactions: TransactionSites | None = None
        self._extra_session_types: frozenset[str] | None = None
        self.uses_asyncio = False
        self.module_aliases: dict[str, str] = {}
        self._canonical: dict[str, str] = {}
        self._session_contexts: dict[str, bool] = {}
        self._models: dict[str, bool] = {}
        self._relative: dict[str, str] = relative_paths if relative_paths is not None else {}
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
        # A file inside a package is imported by its package name or a longer one, never by a
        # shorter suffix: `pkg/ext/sqlalchemy/__init__.py` is not the module `sqlalchemy`.
        depth = facts.module.count(".") + 1
        for start in range(len(parts) - depth + 1):
            self.module_aliases.setdefault(".".join(parts[start:]), facts.module)

    def _merge(self, facts: FileFacts) -> None:
        if facts.parse_error is not None:
            return
        self.exports[facts.module] = facts.exports
        self.uses_asyncio = self.uses_asyncio or facts.uses_asyncio
        for name, target in facts.type_aliases.items():
            self.type_aliases[f"{facts.module}.{name}"] = target
        for name, origins in facts.module_values.items():
            self.module_values[f"{facts.module}.{name}"] = origins
        for cls in facts.classes:
            self.classes[cls.qualname] = cls
            self.class_paths[cls.qualname] = facts.path
            self.classes_by_name.setdefault(cls.name, []).append(cls.qualname)
        for function in facts.functions:
            self.functions[function.qualname] = function
            self.function_paths[function.qualname] = facts.path
        for call in facts.api_calls:
            if call.api in FACTORIES or call.api is None:
                self._factory_candidates.append(FactorySite(facts.path, call))

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

    def is_test_module(self, path: str) -> bool:
        """Test code: `conftest.py`, `test_*.py`, `*_test.py`, or a file under a `tests`/`test` folder.

        Tests build throwaway sessions and factories on purpose (bound to a per-test connection,
        committing fixture data), so the rules about where application sessions come from and
        which transaction policy the application follows do not judge them.
        """
        *folders, name = self.relative(path).split("/")
        return (
            name == "conftest.py"
            or name.startswith("test_")
            or name.endswith("_test.py")
            or any(folder in TEST_FOLDERS for folder in folders)
        )

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
        # A type alias (`Annotated[...]`, `NewType`) stands for the class it names.
        for _ in range(_MAX_DEPTH):
            alias = self.type_aliases.get(self.canonical(qualname))
            if alias is None:
                break
            qualname = alias
        for name in (qualname, *(base for cls in self.class_chain(qualname) for base in cls.bases)):
            canonical = self.canonical(name)
            if known_api(canonical) in SESSION_CLASSES or canonical in self.extra_session_types:
                return True
        return False

    @property
    def extra_session_types(self) -> frozenset[str]:
        """The configured session wrappers, by the name the index knows them (through re-exports and
        module aliases, so `app.uow.UnitOfWork` also matches a project without `__init__.py` files)."""
        if self._extra_session_types is None:
            configured = self.settings.extra_session_types
            self._extra_session_types = frozenset({*configured, *(self.canonical(name) for name in configured)})
        return self._extra_session_types

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

    def is_declarative_class(self, qualname: str) -> bool:
        """A class with the `metadata` of a declarative base: the base itself, a model, or `SQLModel`."""
        canonical = self.canonical(qualname)
        if self.api(canonical) is Api.SQLMODEL:
            return True
        if canonical not in self.classes:
            return False
        return self.is_model(canonical) or any(
            self._base_kind(base) != "other" or self.api(base) is Api.SQLMODEL
            for cls in self.class_chain(canonical)
            for base in cls.bases
        )

    def is_metadata(self, origins: Iterable[Origin]) -> bool:
        """A SQLAlchemy `MetaData`: `MetaData()`, `Base.metadata` of a declarative base or model,
        `SQLModel.metadata`, a registry's `.metadata`, or a name bound to one of those."""
        for origin in origins:
            if self.value_kind(origin) is ValueKind.METADATA:
                return True
            if origin.kind is not OriginKind.NAME:
                continue
            if origin.steps == (".metadata",):
                owner = origin.name
            elif not origin.steps and self.canonical(origin.name).endswith(".metadata"):
                owner = self.canonical(origin.name).rsplit(".", 1)[0]
            else:
                continue
            if self.is_declarative_class(owner):
                return True
        return False

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
            is_collection=relationship.is_collection,
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
        if kind is ValueKind.UNKNOWN and origin.steps:
            return self._member_kind(origin, depth)
        for step in origin.steps:
            if kind is ValueKind.UNKNOWN:
                break
            kind = _STEPS.get((kind, step), ValueKind.UNKNOWN)
        return kind

    def _member_kind(self, origin: Origin, depth: int) -> ValueKind:
        """A member of an instance of a project class: `uow.session`, `db.session_context()`.

        The class's own facts are the evidence: `self.session` set from a session, or a
        method that yields one.
        """
        steps = origin.steps
        owner = self.canonical(origin.name)
        if origin.kind is OriginKind.NAME and steps[0] == "()":
            steps = steps[1:]
        elif origin.kind is not OriginKind.ANNOTATION:
            return ValueKind.UNKNOWN
        if not steps or owner not in self.classes:
            return ValueKind.UNKNOWN
        member, rest = steps[0], steps[1:]
        if member.startswith("."):
            return self.value_kind(Origin(OriginKind.ATTRIBUTE, f"{owner}{member}", rest), depth + 1)
        if member == "()":
            return ValueKind.UNKNOWN
        for cls in self.class_chain(owner):
            method = f"{cls.qualname}.{member}"
            if method in self.functions:
                if not (self._returns_session(method) or self._is_session_context(method, depth + 1)):
                    return ValueKind.UNKNOWN
                kind = ValueKind.SESSION
                for step in rest:
                    kind = _STEPS.get((kind, step), ValueKind.UNKNOWN)
                return kind
        return ValueKind.UNKNOWN

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
        if api is Api.METADATA:
            return ValueKind.METADATA
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
        if self._returns_session(canonical):
            return ValueKind.SESSION_SOURCE
        return ValueKind.UNKNOWN

    def _returns_session(self, qualname: str) -> bool:
        function = self.functions.get(qualname)
        return function is not None and function.returns is not None and self.is_session_class(function.returns)

    def _attribute_kind(self, qualname: str, depth: int) -> ValueKind:
        owner, _, attribute = qualname.rpartition(".")
        for cls in self.class_chain(owner):
            origins = cls.attributes.get(attribute)
            if origins:
                found = self.kinds(origins, depth + 1) - {ValueKind.UNKNOWN}
                if found:
                    return _strongest(found)
            if self._returns_session(f"{cls.qualname}.{attribute}"):
                return ValueKind.SESSION_SOURCE
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

    # -- factories, the session helper and the transaction policy ---------------

    @property
    def factory_sites(self) -> list[FactorySite]:
        """Every `async_sessionmaker`/`sessionmaker` call, also through project re-exports, in path order."""
        if self._factory_sites is None:
            self._factory_sites = sorted(
                (site for site in self._factory_candidates if self.api(site.call.callee) in FACTORIES),
                key=lambda site: (self.relative(site.path), site.call.line, site.call.col),
            )
        return self._factory_sites

    def factory_named(self, qualname: str) -> FactorySite | None:
        """The factory published under a module-level name (`app.db.SessionLocal`), if any."""
        canonical = self.canonical(qualname)
        return next((site for site in self.factory_sites if site.call.assigned_to == canonical), None)

    def is_async_factory_call(self, call: ApiCall) -> bool:
        """`async_sessionmaker(...)`, or the legacy `sessionmaker(class_=<an async session class>)`."""
        api = call.api or self.api(call.callee)
        if api is Api.ASYNC_SESSIONMAKER:
            return True
        session_class = call.keyword_targets.get("class_")
        return api is Api.SESSIONMAKER and session_class is not None and self.is_async_session_class(session_class)

    def is_async_session_class(self, qualname: str) -> bool:
        """`AsyncSession` (SQLAlchemy's or SQLModel's) or a project subclass of it, across files."""
        return self.session_class_api(qualname) is Api.ASYNC_SESSION

    def session_class_api(self, qualname: str) -> Api | None:
        """The SQLAlchemy session class a name is, or derives from through project classes."""
        for name in (qualname, *(base for cls in self.class_chain(qualname) for base in cls.bases)):
            api = self.api(name)
            if api in SESSION_CLASSES:
                return api
        return None

    def opens_from_factory(self, origins: Iterable[Origin]) -> bool:
        """A value made straight from a session factory: `SessionLocal()` or `SessionLocal.begin()`."""
        return any(
            origin.steps
            and origin.steps[-1] in ("()", "begin")
            and self.value_kind(Origin(origin.kind, origin.name, origin.steps[:-1])) is ValueKind.FACTORY
            for origin in origins
        )

    def is_async_context_manager(self, function: FunctionFacts) -> bool:
        return any(self.api(d) is Api.ASYNC_CONTEXT_MANAGER for d in function.decorators)

    def yields_session(self, function: FunctionFacts) -> bool:
        """An `@asynccontextmanager` that yields a session (on the evidence the index holds)."""
        return self.is_async_context_manager(function) and self._is_session_context(function.qualname, 0)

    def session_helper(self) -> FunctionFacts | None:
        """The project's session helper: the `@asynccontextmanager` named by `session-helper` that
        yields a session; the first in path order when several modules define one."""
        if not self._session_helper:
            name = self.settings.session_helper
            found = [f for f in self.functions.values() if f.name == name and self.yields_session(f)]
            found.sort(key=lambda f: (self.relative(self.function_paths[f.qualname]), f.line))
            self._session_helper.append(found[0] if found else None)
        return self._session_helper[0]

    def transaction_sites(self) -> TransactionSites:
        """The explicit `commit()` sites and unit-of-work `begin()` blocks of the whole project."""
        if self._transactions is None:
            self._transactions = TransactionSites(tuple(self._collect_transaction_sites()))
        return self._transactions

    def _collect_transaction_sites(self) -> Iterator[TransactionSite]:
        owners = {ValueKind.SESSION, ValueKind.FACTORY}
        for path in sorted(self.files):
            if self.is_test_module(path):
                continue  # fixtures commit their data whatever the application's policy
            for function in self.files[path].functions:
                # A commit inside a begin() block is ASA401's finding, not a policy choice.
                inside_blocks = {(c.line, c.col) for block in function.begin_blocks for c in block.violations}
                for block in function.begin_blocks:
                    if block.method == "begin" and self.kinds(block.receiver.origins) & owners:
                        yield TransactionSite(
                            Policy.UNIT_OF_WORK,
                            path,
                            function.qualname,
                            block.line,
                            block.col,
                            f"async with {block.receiver.text}.begin()",
                            block.receiver.text,
                            block.receiver.is_parameter,
                        )
                for call in function.session_calls:
                    if (
                        call.method == "commit"
                        and call.awaited
                        and (call.line, call.col) not in inside_blocks
                        and self.is_session(call.receiver)
                    ):
                        yield TransactionSite(
                            Policy.EXPLICIT,
                            path,
                            function.qualname,
                            call.line,
                            call.col,
                            f"{call.receiver.text}.commit()",
                            call.receiver.text,
                            call.receiver.is_parameter,
                        )


def _strongest(kinds: set[ValueKind]) -> ValueKind:
    for kind in ValueKind:
        if kind in kinds:
            return kind
    return ValueKind.UNKNOWN


__all__ = [
    "ENGINES",
    "FactorySite",
    "ProjectIndex",
    "RelationshipRef",
    "ValueKind",
    "find_project_root",
    "is_project_root",
]
