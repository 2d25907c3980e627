"""The project index: the facts of every file of a project, merged.

It answers the cross-file questions: what a name re-exports, which classes are models and
what their relationships load, and what a value with an `Origin` is (a session, a factory...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Literal, Protocol

from alchemy_lint.config import Settings, matches_any
from alchemy_lint.facts.model import (
    ApiCall,
    AttributeFacts,
    ClassFacts,
    FileFacts,
    FunctionFacts,
    PassingCall,
    RelationshipFacts,
    TypeAlias,
)
from alchemy_lint.facts.values import Origin, OriginKind
from alchemy_lint.index.outline import (
    FactsOnDemand,
    FileOutline,
    FunctionPlace,
    FunctionsOnDemand,
    outline_of,
)
from alchemy_lint.index.path_entries import path_entry_packages
from alchemy_lint.index.policy import (
    TransactionSite,
    TransactionSites,
    collect_transaction_sites,
    provider_begin,
    sites_in_file,
)
from alchemy_lint.index.runonce import RunContext, RunOnce, RunOnceInputs, run_once_inputs
from alchemy_lint.index.summaries import Summaries
from alchemy_lint.index.transactions import BEGIN_METHODS, ends_reached_in_units
from alchemy_lint.index.values import ValueKind, ValueModel
from alchemy_lint.records import record
from alchemy_lint.resolve import follow_exports
from alchemy_lint.sqlalchemy_api import CONFIG_CLASSES, FACTORIES, SESSION_CLASSES, Api, known_api, library_columns

_MAX_DEPTH = 6
#: What a project class derived from advanced-alchemy's config may set its session options with.
_SESSION_CONFIG = "session_config"
_CONFIG_OVERRIDES = ("__init__", "__post_init__", "create_session_maker", "get_session")
#: Names a SQLModel table class declares that configure it and are no column.
_NOT_COLUMNS = frozenset({"model_config"})


def _declares_mapped(cls: ClassFacts) -> bool:
    """Some attribute of the class body is annotated `Mapped[...]`."""
    return any(
        origin.kind is OriginKind.ANNOTATION and origin.name == MAPPED_ANNOTATION
        for attribute in cls.attributes.values()
        for origin in attribute.origins
    )


#: How the facts name the annotation of a mapped attribute (`id: Mapped[int]`).
MAPPED_ANNOTATION = "sqlalchemy.orm.Mapped"
#: Modules whose classes are never the mapped base of a model (generics, protocols, enums, ABCs).
_NOT_MODEL_BASES = ("typing.", "typing_extensions.", "abc.", "enum.", "collections.", "builtins.")
EAGER_STRATEGIES = frozenset({"selectin", "joined", "subquery", "immediate"})
TEST_FOLDERS = frozenset({"tests", "test"})


@record
class FactorySite:
    """A session factory constructed somewhere in the project."""

    path: str
    call: ApiCall


@record
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
    join_depth: int | None = None
    #: Whether the foreign key is on the owner's table (a many-to-one, which a lazy load may
    #: answer from the identity map); False when it is on the target's or an association
    #: table (a one-to-many, even scalar with `uselist=False`); None when unknown.
    many_to_one: bool | None = None
    #: The target's relationship named by `back_populates=` (the other side), None when not given.
    back_populates: str | None = None
    #: For a many-to-one: the owner's columns that hold its foreign key (those `foreign_keys=`
    #: names, else those with a foreign key to the target's table); empty when unknown.
    key_columns: tuple[str, ...] = ()
    #: The other names of this relationship on the model: the `synonym()`s that stand for it,
    #: or, on such a synonym, the relationship and its other synonyms.
    aliases: tuple[str, ...] = ()
    #: On a synonym, the relationship it stands for (which `refresh(obj, [...])` must name).
    stands_for: str | None = None

    @property
    def names(self) -> frozenset[str]:
        """Every name under which the model exposes this relationship."""
        return frozenset((self.name, *self.aliases))

    @property
    def is_eager(self) -> bool:
        return self.lazy in EAGER_STRATEGIES

    @property
    def is_write_only(self) -> bool:
        return self.lazy == "write_only" or self.container == Api.WRITE_ONLY_MAPPED.value

    @property
    def is_dynamic(self) -> bool:
        return self.lazy == "dynamic" or self.container == Api.DYNAMIC_MAPPED.value


class ProjectAnalysis(Enum):
    """A whole-project analysis that the index computes on its first use and keeps."""

    #: `run_once`: the functions that run once per process.
    RUN_ONCE = "run-once"
    #: `reached_by_async_code`: the classes that asyncio code can reach.
    REACHED_BY_ASYNC = "reached-by-async"


class ProjectIndex:
    """Merged facts of one project, with the settings that shape what they mean."""

    def __init__(
        self,
        root: Path,
        settings: Settings,
        files: Iterable[FileFacts] = (),
        *,
        relative_paths: dict[str, str] | None = None,
        outlines: Iterable[FileOutline] | None = None,
        load: Callable[[str], FileFacts] | None = None,
        passing: Callable[[str, str], tuple[PassingCall, ...] | None] | None = None,
        memo: AnalysisMemo | None = None,
    ) -> None:
        """The index of `files`; or, with `outlines` and `load`, of files known by their outlines
        whose full facts `load(path)` reads when a question reaches into them.

        `relative_paths`: a memo of `relative()` to share between the indexes of one root (the
        language server rebuilds the index on every change; resolving each path again cost most of it).
        `passing(path, name)`: a file's `passing_calls` of one name, kept apart from its full facts
        (None when not kept): what the project's calls pass a function is asked of every file
        that calls a function of its name.
        `memo`: where whole-project analyses computed before are kept (the engine's cache).
        """
        self.root = root
        self.settings = settings
        if outlines is None or load is None:
            known = {facts.path: facts for facts in files}
            outlines = (outline_of(facts) for facts in known.values())
            load = known.__getitem__
        self.outlines: dict[str, FileOutline] = {outline.path: outline for outline in outlines}
        #: Every file's full facts, by path, read when first asked for.
        self.files: Mapping[str, FileFacts] = FactsOnDemand(self.outlines, load)
        self._passing = passing
        self.exports: dict[str, dict[str, str]] = {}
        self.module_values: dict[str, tuple[Origin, ...]] = {}
        #: Module-level tables of functions (`HANDLERS = {"a": load_a}`): qualified name -> entries.
        self.dispatch_tables: dict[str, tuple[Origin, ...]] = {}
        self.type_aliases: dict[str, TypeAlias] = {}
        #: Aliases of a union of classes (`Request = Union[Approve, Deny]`): qualified name -> classes.
        self.union_aliases: dict[str, tuple[str, ...]] = {}
        self.app_state: dict[str, tuple[Origin, ...]] = {}
        self.mapping_keys: dict[str, tuple[Origin, ...]] = {}
        self.providers: dict[str, tuple[Origin, ...]] = {}
        #: Fixture name -> (module, where) of every pytest fixture of that name.
        self._fixtures: dict[str, list[tuple[str, FunctionPlace]]] = {}
        #: Functions made context managers by a call (`helper = asynccontextmanager(_impl)`).
        self._wrapped_context_managers: set[str] = set()
        #: Module name -> the path of its file.
        self.module_paths: dict[str, str] = {}
        self.classes: dict[str, ClassFacts] = {}
        self.class_paths: dict[str, str] = {}
        self.classes_by_name: dict[str, list[str]] = {}
        self._function_places: dict[str, FunctionPlace] = {}
        self.functions: Mapping[str, FunctionFacts] = FunctionsOnDemand(self._function_places, self.files)
        self.function_paths: dict[str, str] = {}
        self._factory_candidates: list[FactorySite] = []
        self._factory_sites: list[FactorySite] | None = None
        #: Some SQLAlchemy call of the project passes `autoflush=` other than `True` (a factory
        #: or a session that may not autoflush): a session whose factory is unknown may be one.
        self.sets_autoflush = False
        #: The session helper, once looked up (a one-element list so that None can be cached).
        self._session_helper: list[FunctionFacts | None] = []
        self._extra_session_types: frozenset[str] | None = None
        self._session_classes: dict[str, bool] = {}
        self._transactions: TransactionSites | None = None
        self._ended_in_units: frozenset[tuple[str, int]] | None = None
        self._providers: frozenset[str] | None = None
        self._run_once: RunOnce | None = None
        self._memo = memo
        self._reached_by_async: frozenset[str] | None = None
        self.uses_asyncio = False
        self.module_aliases: dict[str, str] = {}
        self._canonical: dict[str, str] = {}
        self._models: dict[str, bool] = {}
        self._class_chains: dict[str, tuple[ClassFacts, ...]] = {}
        self._config_classes: dict[str, Api | None] = {}
        self._relationships: dict[str, Mapping[str, RelationshipRef]] = {}
        self._backrefs: dict[str, list[tuple[ClassFacts, RelationshipFacts]]] | None = None
        self._relative: dict[str, str] = relative_paths if relative_paths is not None else {}
        self._register_modules(self.outlines.values())
        #: The first part of every module alias: a name that starts otherwise (`fastapi.Depends`,
        #: most of what a project imports) names nothing of the project and is its own canonical.
        self._alias_roots = frozenset(alias.partition(".")[0] for alias in self.module_aliases)
        for path in sorted(self.outlines):
            self._merge(self.outlines[path])
        #: The one evaluator: what a value is, for every rule.
        self.values = ValueModel(self)
        #: What functions do with what their callers hand them.
        self.summaries = Summaries(self)

    def _register_modules(self, outlines: Iterable[FileOutline]) -> None:
        """Know each module by its name and by every dotted suffix of its project-relative path.

        Without `__init__.py` files (namespace packages, `sys.path` set by the app), the
        name a file calls itself and the name others import it by can differ. A suffix two
        files share (`service` of `a/service.py` and `b/service.py`) names neither: which one an
        import of it meant depends on a `sys.path` the index does not know. A package that the
        project imports from as a `sys.path` entry (`path_entries.py`) names its files within it.
        """
        outlines = list(outlines)
        files = [outline.merged for outline in outlines]
        aliases = self.module_aliases
        aliases.update((facts.module, facts.module) for facts in files)
        # Folders with an `__init__.py` among the project's files (facts paths are posix).
        packages = {facts.path.rpartition("/")[0] for facts in files if facts.is_package}
        shared: set[str] = set()
        for facts in files:
            module = facts.module
            parts = self.relative(facts.path).rsplit(".", 1)[0].split("/")
            if parts[-1] == "__init__":
                parts.pop()
            # A file inside a package is imported by its package name or a longer one, never by a
            # shorter suffix: `pkg/ext/sqlalchemy/__init__.py` is not the module `sqlalchemy`. A
            # file in a folder without `__init__.py` may be imported from that folder on.
            depth = module.count(".") + 1
            if depth > 1 and not facts.is_package and facts.path.rpartition("/")[0] not in packages:
                depth = 1
            for start in range(len(parts) - depth + 1):
                alias = ".".join(parts[start:])
                known = aliases.setdefault(alias, module)
                if known != module and known != alias:  # `known == alias`: a module's own name
                    shared.add(alias)
        resolved_roots = {alias.partition(".")[0] for alias in aliases if alias not in shared}
        for package in self._path_entry_packages(outlines, resolved_roots):
            inside = f"{package}."
            for facts in files:
                if facts.module.startswith(inside):
                    alias = facts.module[len(inside) :]
                    known = aliases.setdefault(alias, facts.module)
                    if known != facts.module and known != alias:
                        shared.add(alias)
        for alias in shared:
            del aliases[alias]

    def _path_entry_packages(self, outlines: list[FileOutline], resolved_roots: set[str]) -> list[str]:
        """`path_entry_packages`, as the memo keeps it: it reads every import of every file (40,000
        on a 1,762-file project, a twentieth of a one-file check), and only what the memo's key
        covers (each file's path, module, imports, top-level names and functions)."""
        known = self._memo.load_path_entries() if self._memo is not None else None
        if known is not None:
            return known
        found = path_entry_packages(outlines, resolved_roots)
        if self._memo is not None:
            self._memo.store_path_entries(found)
        return found

    def _merge(self, outline: FileOutline) -> None:
        facts = outline.merged
        if facts.parse_error is not None:
            return
        self.exports[facts.module] = facts.exports
        self.module_paths[facts.module] = facts.path
        self.uses_asyncio = self.uses_asyncio or facts.uses_asyncio
        for name, alias in facts.type_aliases.items():
            self.type_aliases[f"{facts.module}.{name}"] = alias
        for name, members in facts.union_aliases.items():
            self.union_aliases[f"{facts.module}.{name}"] = members
        for name, origins in facts.module_values.items():
            self.module_values[f"{facts.module}.{name}"] = origins
        for name, origins in facts.dispatch_tables.items():
            self.dispatch_tables[f"{facts.module}.{name}"] = origins
        for name, origins in facts.app_state.items():
            self.app_state[name] = self.app_state.get(name, ()) + origins
        for key, origins in facts.mapping_keys.items():
            self.mapping_keys[key] = self.mapping_keys.get(key, ()) + origins
        for name, origins in facts.providers.items():
            self.providers[name] = self.providers.get(name, ()) + origins
        for cls in facts.classes:
            self.classes[cls.qualname] = cls
            self.class_paths[cls.qualname] = facts.path
            self.classes_by_name.setdefault(cls.name, []).append(cls.qualname)
        path = facts.path
        places = self._function_places
        for position, qualname in enumerate(outline.functions):
            places[qualname] = (path, position)
        self.function_paths.update(dict.fromkeys(outline.functions, path))
        for position, fixture in outline.fixtures:
            self._fixtures.setdefault(fixture, []).append((facts.module, (path, position)))
        for call in facts.api_calls:
            if call.keywords.get("autoflush", "True") != "True":
                self.sets_autoflush = True
            if call.api in FACTORIES or call.api is None:
                self._factory_candidates.append(FactorySite(facts.path, call))
            elif call.api is Api.ASYNC_CONTEXT_MANAGER and call.first_arg:
                self._wrapped_context_managers.add(call.first_arg)

    def passing_calls(self, path: str, name: str) -> tuple[PassingCall, ...]:
        """The calls of the file at `path` that pass a function named `name` something with
        evidence: off its full facts once they are read, else as kept apart from them."""
        files = self.files
        if self._passing is not None and isinstance(files, FactsOnDemand) and not files.is_loaded(path):
            found = self._passing(path, name)
            if found is not None:
                return found
        return tuple(call for call in files[path].passing_calls if call.name == name)

    # -- paths and names ---------------------------------------------------------

    def relative(self, path: str) -> str:
        known = self._relative.get(path)
        if known is None:
            # Asked by every rule for every file: resolve() each time showed in --profile.
            try:
                known = Path(path).resolve().relative_to(self.root).as_posix()
            except (ValueError, OSError, RuntimeError):  # outside the root; or links that loop
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
            if qualname.partition(".")[0] not in self._alias_roots:
                return qualname
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

    def class_chain(self, qualname: str) -> tuple[ClassFacts, ...]:
        """The class and its project ancestors (mixins included), nearest first."""
        # Asked about 15,000 times on a large project, mostly for the same few hundred classes.
        found = self._class_chains.get(qualname)
        if found is None:
            found = self._class_chains[qualname] = tuple(self._walk_class_chain(qualname))
        return found

    def class_attributes(self, qualname: str) -> dict[str, AttributeFacts]:
        """What the class and its project ancestors keep as attributes, each name as the nearest
        of them declares it."""
        return {name: facts for cls in reversed(self.class_chain(qualname)) for name, facts in cls.attributes.items()}

    def _walk_class_chain(self, qualname: str) -> list[ClassFacts]:
        chain: list[ClassFacts] = []
        pending = [qualname]
        while pending and len(chain) < 4 * _MAX_DEPTH:
            cls = self.classes.get(self.canonical(pending.pop(0)))
            # By identity: comparing the dataclasses field by field showed in --profile.
            if cls is not None and all(seen is not cls for seen in chain):
                chain.append(cls)
                pending.extend(cls.bases)
        return chain

    def through_aliases(self, qualname: str, depth: int = _MAX_DEPTH) -> tuple[str, tuple[Origin, ...]]:
        """The class an annotation names through type aliases (`Annotated[...]`, `NewType`), and
        the provider of the first `Annotated[X, Depends(p)]` on the way (empty when none)."""
        provider: tuple[Origin, ...] = ()
        for _ in range(depth):
            alias = self.type_aliases.get(self.canonical(qualname))
            if alias is None:
                break
            provider = provider or alias.provider
            qualname = alias.target
        return qualname, provider

    def is_session_class(self, qualname: str) -> bool:
        known = self._session_classes.get(qualname)
        if known is None:
            known = self._session_classes[qualname] = self._is_session_class(qualname)
        return known

    def _is_session_class(self, qualname: str) -> bool:
        # A type alias (`Annotated[...]`, `NewType`) stands for the class it names.
        qualname, _ = self.through_aliases(qualname)
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
                elif kind == "model-base":
                    # `class User(UUIDAuditBase)`: the library's base names the table; a project
                    # class that says `__abstract__ = True` is a base of models itself.
                    if ancestor is not cls or "__abstract__" not in cls.fields:
                        return True
                elif kind == "declarative-value" or (kind == "model" and base != qualname):
                    return True
        if (declares_table or cls.relationships or _declares_mapped(cls)) and "__abstract__" not in cls.fields:
            # `class Order(Model)` over a base the index cannot tell, `Model =
            # get_plugin_data().Model` or an installed library's base: a table name, a
            # `relationship()` or a `Mapped[...]` attribute in the body says the class is mapped. A
            # mixin derives from nothing unknown (`class Audited:`), and a project base is judged
            # on its own bases above.
            return any(self._unknown_base(base) for ancestor in self.class_chain(qualname) for base in ancestor.bases)
        return False

    def _unknown_base(self, base: str) -> bool:
        """A base class from outside the project that nothing known names: not a project class,
        not a SQLAlchemy or SQLModel class, not a builtin or a standard typing construct."""
        canonical = self.canonical(base)
        return (
            "." in canonical
            and canonical not in self.classes
            and not canonical.startswith(_NOT_MODEL_BASES)
            and known_api(canonical) is None
            and self._base_kind(base) == "other"
        )

    def is_sqlmodel_class(self, qualname: str) -> bool:
        """A class deriving from `SQLModel`: a pydantic model, mapped or not."""
        return any(self._is_sqlmodel(cls) for cls in self.class_chain(qualname))

    def _is_sqlmodel(self, cls: ClassFacts) -> bool:
        return any(self.api(base) is Api.SQLMODEL for base in cls.bases)

    def _base_kind(self, base: str) -> str:
        canonical = self.canonical(base)
        api = known_api(canonical)
        if api is Api.DECLARATIVE_BASE:
            return "declarative-api"
        if api is Api.MODEL_BASE:
            return "model-base"
        if self.values.origin(Origin(OriginKind.NAME, canonical)).kind is ValueKind.DECLARATIVE_BASE:
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
            if self.values.origin(origin).kind is ValueKind.METADATA:
                return True
            if origin.kind is not OriginKind.NAME:
                continue
            if len(origin.steps) == 1 and origin.steps[0].name == "metadata":
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

    def relationships(self, model: str) -> Mapping[str, RelationshipRef]:
        """Relationship name -> reference, own declarations first, then inherited ones."""
        # Asked some 7,000 times on a large project's check, for a few hundred models: each
        # answer resolved every relationship's target again (a third of ASA301's time).
        known = self._relationships.get(model)
        if known is not None:
            return known
        found: dict[str, RelationshipRef] = {}
        chain = self.class_chain(model)
        for cls in chain:
            for relationship in cls.relationships:
                if relationship.name not in found:
                    found[relationship.name] = self._relationship_ref(cls, relationship)
        # `backref="x"` on another model's relationship towards this model (or a base of it).
        backrefs = self._backrefs_by_target()
        for cls in chain:
            for declaring, relationship in backrefs.get(cls.qualname, ()):
                if relationship.backref is not None and relationship.backref not in found:
                    found[relationship.backref] = self._backref_ref(cls, declaring, relationship)
        _add_synonyms(found, [pair for cls in chain for pair in cls.synonyms])
        self._relationships[model] = answer = MappingProxyType(found)
        return answer

    def _backrefs_by_target(self) -> Mapping[str, list[tuple[ClassFacts, RelationshipFacts]]]:
        """The relationships declaring a `backref=`, by the model they point to."""
        if self._backrefs is None:
            self._backrefs = {}
            for qualname, cls in self.classes.items():
                for relationship in cls.relationships:
                    if relationship.backref is None:
                        continue
                    target = self.resolve_model(relationship.target, near=qualname)
                    if target is not None:
                        self._backrefs.setdefault(target, []).append((cls, relationship))
        return self._backrefs

    def _backref_ref(
        self, owner: ClassFacts, declaring: ClassFacts, relationship: RelationshipFacts
    ) -> RelationshipRef:
        """The relationship `backref=` adds to `owner`: back to the declaring model, the other
        way round (a many-to-one's backref is a collection, a one-to-many's a many-to-one, an
        association table's a collection); `backref(..., uselist=)` decides the collection. On
        a self-referential model, `remote_side=` says which way each side runs (see
        `_self_referential_many_to_one`), in the `backref(...)` or else on the declaration;
        without either both sides are one-to-many, which SQLAlchemy refuses to configure
        (runtime-verified, tests/test_backref_self_referential.py): left unknown."""
        assert relationship.backref is not None
        forward = self._many_to_one(declaring, relationship)
        if forward is None and relationship.remote_side:
            forward = self._self_referential_many_to_one(declaring, relationship, relationship.remote_side)
        many_to_one = None if forward is None else not forward
        if relationship.backref_remote_side != ():
            many_to_one = self._self_referential_many_to_one(declaring, relationship, relationship.backref_remote_side)
        if relationship.join == "secondary":
            many_to_one = False
        if relationship.backref_uselist is not None:
            is_collection: bool | None = relationship.backref_uselist
        elif many_to_one is not None:
            is_collection = not many_to_one
        else:
            is_collection = None
        return RelationshipRef(
            model=owner.qualname,
            name=relationship.backref,
            target=declaring.qualname,
            lazy=relationship.backref_lazy,
            container=None,
            path=self.class_paths.get(declaring.qualname, ""),
            line=relationship.line,
            is_collection=is_collection,
            many_to_one=many_to_one,
            back_populates=relationship.name,
        )

    def columns(self, model: str) -> frozenset[str]:
        """The column attributes of a model (own and inherited): the names its class bodies
        declare, less its relationships, private names and the pydantic settings of a SQLModel."""
        relationships = self.relationships(model)
        chain = self.class_chain(model)
        declared = frozenset(
            name
            for cls in chain
            for name in cls.fields
            if name not in relationships and not name.startswith("_") and name not in _NOT_COLUMNS
        )
        # What a library base or mixin declares (`UUIDAuditBase`: `id`, `created_at`...).
        inherited = [library_columns(self.canonical(base)) for cls in chain for base in cls.bases]
        return declared.union(*inherited) - relationships.keys() if any(inherited) else declared

    def primary_key(self, model: str) -> frozenset[str]:
        """The primary-key columns a model declares (own and inherited), `id` of a library base
        that declares one (`UUIDBase`); empty when it is declared otherwise (`__table_args__`)."""
        chain = self.class_chain(model)
        declared = frozenset(name for cls in chain for name in cls.primary_key)
        if any("id" in library_columns(self.canonical(base)) for cls in chain for base in cls.bases):
            return declared | {"id"}
        return declared

    def unique_columns(self, model: str) -> frozenset[str]:
        """The columns a model (or a project base or mixin of it) declares unique one by one."""
        return frozenset(name for cls in self.class_chain(model) for name in cls.unique)

    def _relationship_ref(self, cls: ClassFacts, relationship: RelationshipFacts) -> RelationshipRef:
        return RelationshipRef(
            model=cls.qualname,
            name=relationship.name,
            target=self.resolve_model(relationship.target, near=cls.qualname),
            lazy=relationship.lazy,
            container=relationship.container,
            path=self.class_paths.get(cls.qualname, ""),
            line=relationship.line,
            is_collection=self._is_collection(cls, relationship),
            join_depth=relationship.join_depth,
            many_to_one=self._declared_many_to_one(cls, relationship),
            back_populates=relationship.back_populates,
            key_columns=self._key_columns(cls, relationship),
        )

    def _declared_many_to_one(self, cls: ClassFacts, relationship: RelationshipFacts) -> bool | None:
        """The direction of a relationship as declared (`_many_to_one`); for one from a model to
        itself, what its own `remote_side=` says (`_self_referential_many_to_one`: `remote_side=[id]`
        makes the declared side a many-to-one whatever its name, as it does for a backref)."""
        forward = self._many_to_one(cls, relationship)
        if forward is None and relationship.remote_side:
            return self._self_referential_many_to_one(cls, relationship, relationship.remote_side)
        return forward

    def _key_columns(self, cls: ClassFacts, relationship: RelationshipFacts) -> tuple[str, ...]:
        """The owner's columns that hold a many-to-one's foreign key (see
        `RelationshipRef.key_columns`); empty for another relationship or when they cannot be told
        (a `primaryjoin=` condition, an association table, a target without a known table)."""
        if relationship.join is not None or self._many_to_one(cls, relationship) is not True:
            return ()
        owner = self.class_chain(cls.qualname)
        if relationship.foreign_keys is not None:
            return tuple(column.rsplit(".", 1)[-1] for column in relationship.foreign_keys)
        target_model = self.resolve_model(relationship.target, near=cls.qualname)
        names = _table_names(self.class_chain(target_model)) if target_model is not None else set()
        return tuple(sorted({field for c in owner for field, referenced in c.references if referenced in names}))

    def _many_to_one(self, cls: ClassFacts, relationship: RelationshipFacts) -> bool | None:
        """Where the relationship's foreign key is (see `RelationshipRef.many_to_one`): the
        columns `foreign_keys=` names, else the foreign keys the two models declare towards
        each other, when only one of them does; for a `primaryjoin=` condition, the side whose
        compared columns carry a foreign key, as SQLAlchemy reads it."""
        if relationship.join == "secondary":
            return False
        owner = self.class_chain(cls.qualname)
        target_model = self.resolve_model(relationship.target, near=cls.qualname)
        target: Sequence[ClassFacts] = self.class_chain(target_model) if target_model is not None else ()
        if relationship.foreign_keys is not None:
            sides = {_column_side(column, owner, target) for column in relationship.foreign_keys}
            return sides.pop() if len(sides) == 1 else None
        if relationship.join_columns is not None and owner and target:
            return _condition_side(relationship.join_columns, owner, target)
        if relationship.join is not None or not target:
            return None
        forward = _references(owner, target)
        backward = _references(target, owner)
        return forward if forward != backward else None

    def _self_referential_many_to_one(
        self, cls: ClassFacts, relationship: RelationshipFacts, remote_side: tuple[str, ...] | None
    ) -> bool | None:
        """The direction of a relationship from a model to itself over its own foreign key
        (an adjacency list), as SQLAlchemy reads `remote_side=`: a many-to-one when it names
        columns without a foreign key (`remote_side=[id]`: the parent's primary key), a
        one-to-many when it names the foreign key (`remote_side=[parent_id]`). None for any
        other relationship, a join given otherwise, or columns it cannot tell (no literal)."""
        if relationship.join is not None or relationship.foreign_keys is not None or not remote_side:
            return None
        if self.resolve_model(relationship.target, near=cls.qualname) != cls.qualname:
            return None
        chain = self.class_chain(cls.qualname)
        if not chain or not _references(chain, chain):
            return None
        sides = set()
        for column in remote_side:
            if "." in column and _column_side(column, chain, ()) is not True:
                return None
            field = column.rsplit(".", 1)[-1]
            if not any(field in owner.fields for owner in chain):
                return None
            sides.add(not _carries_foreign_key(field, chain))
        return sides.pop() if len(sides) == 1 else None

    def delete_cascade_load(self, model: str) -> str | None:
        """The relationship (`Model.name`) that `session.delete()` of an object of `model` may
        load on the delete cascade, or None when it loads nothing: the model's own, inherited and
        subclasses' relationships (the object may be of a subclass), and `backref()`s that other
        models declare towards it."""
        model = self.canonical(model)
        owners = {c.qualname for c in self.class_chain(model)}
        owners.update(q for q in self.classes if any(c.qualname == model for c in self.class_chain(q)))
        for qualname, cls in self.classes.items():
            for relationship in cls.relationships:
                if qualname in owners and relationship.loads_on_delete:
                    return f"{cls.name}.{relationship.name}"
                if relationship.backref_delete_loads is not False and (
                    self.resolve_model(relationship.target, near=qualname) in owners
                ):
                    return f"the backref of {cls.name}.{relationship.name}"
        return None

    def _is_collection(self, cls: ClassFacts, relationship: RelationshipFacts) -> bool | None:
        """What the declaration says; for an untyped `relationship("Role")` with neither an
        annotation nor `uselist=`, what SQLAlchemy's default `uselist` makes of its direction:
        a collection over an association table (`secondary=`) or a foreign key on the target, a
        scalar for a foreign key of its own; else, beside a `tariff_id` column of its own, a
        many-to-one (the convention for the foreign key)."""
        if relationship.is_collection is not None:
            return relationship.is_collection
        many_to_one = self._declared_many_to_one(cls, relationship)
        if many_to_one is not None:
            return not many_to_one
        key = f"{relationship.name}_id"
        if any(key in owner.fields for owner in self.class_chain(cls.qualname)):
            return False
        return None

    def models(self) -> list[str]:
        return [qualname for qualname in self.classes if self.is_model(qualname)]

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

    def application_factories(self, *, asyncio: bool = False) -> list[FactorySite]:
        """The factories the application builds (a test module's own do not count), in path
        order; with `asyncio`, only the factories of asyncio sessions."""
        return [
            site
            for site in self.factory_sites
            if not self.is_test_module(site.path) and (not asyncio or self.is_async_factory_call(site.call))
        ]

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

    def config_class_api(self, qualname: str) -> Api | None:
        """The advanced-alchemy session config a project class derives from (`class
        GuardedConfig(SQLAlchemyAsyncConfig)`), through project classes; None for any other."""
        # Asked for every name of a project class the value model resolves: kept per class.
        if qualname in self._config_classes:
            return self._config_classes[qualname]
        apis = (self.api(base) for cls in self.class_chain(qualname) for base in cls.bases)
        found = next((api for api in apis if api in CONFIG_CLASSES), None)
        self._config_classes[qualname] = found
        return found

    def config_session_options(self, qualname: str) -> Literal["code", "field"] | None:
        """How a project class in the chain of a derived config sets its sessions' options itself:
        "code" when one defines its own constructor or session methods (they may replace what the
        call passes), "field" when one only declares `session_config` (a field default, which the
        call's `session_config=` replaces), None when none does (the library's default holds)."""
        found: Literal["code", "field"] | None = None
        for cls in self.class_chain(qualname):
            if any(f"{cls.qualname}.{name}" in self._function_places for name in _CONFIG_OVERRIDES):
                return "code"
            if _SESSION_CONFIG in cls.fields or _SESSION_CONFIG in cls.attributes:
                found = "field"
        return found

    def is_async_context_manager(self, function: FunctionFacts) -> bool:
        """Decorated `@asynccontextmanager`, or made one by a call (`asynccontextmanager(_impl)`)."""
        return (
            any(self.api(d) is Api.ASYNC_CONTEXT_MANAGER for d in function.decorators)
            or function.qualname in self._wrapped_context_managers
        )

    def yields_session(self, function: FunctionFacts) -> bool:
        """An async context manager that yields a session (on the evidence the index holds)."""
        return self.is_async_context_manager(function) and self.values.function_result(function.qualname).is_session

    def session_helper(self) -> FunctionFacts | None:
        """The project's session helper: the `@asynccontextmanager` named by `session-helper` that
        yields a session; the first in path order when several modules define one."""
        if not self._session_helper:
            name = self.settings.session_helper
            # The outline knows qualified names only: a function named `name` ends with `.name`.
            suffix = f".{name}"
            named = [self.functions[qualname] for qualname in self._function_places if qualname.endswith(suffix)]
            found = [f for f in named if f.name == name and self.yields_session(f)]
            found.sort(key=lambda f: (self.relative(self.function_paths[f.qualname]), f.line))
            self._session_helper.append(found[0] if found else None)
        return self._session_helper[0]

    def fixture_for(self, module: str, name: str) -> FunctionFacts | None:
        """The pytest fixture `name` as a test in `module` sees it: its own module's, else the
        nearest `conftest.py` in its package or above (pytest's lookup)."""
        candidates = self._fixtures.get(name)
        if not candidates:
            return None
        best: tuple[int, FunctionPlace] | None = None
        for owner, function in candidates:
            if owner == module:
                return self._function_at(function)
            if owner.rsplit(".", 1)[-1] != "conftest":
                continue
            package = owner.rsplit(".", 1)[0] if "." in owner else ""
            if package and not (module == package or module.startswith(package + ".")):
                continue
            depth = package.count(".") + 1 if package else 0
            if best is None or depth > best[0]:
                best = (depth, function)
        return self._function_at(best[1]) if best is not None else None

    def _function_at(self, place: FunctionPlace) -> FunctionFacts:
        path, position = place
        return self.files[path].functions[position]

    def reached_by_async_code(self, cls: str) -> bool:
        """A class that asyncio code can reach: defined or imported (itself or its module) in a module
        that uses asyncio sessions or has `async def` functions, built on `AsyncAttrs`, or the target
        of a relationship of such a class."""
        if self._reached_by_async is None:
            self._reached_by_async = self._compute_reached_by_async()
        canonical = self.canonical(cls)
        return canonical in self._reached_by_async or canonical.rsplit(".", 1)[0] in self._reached_by_async

    def _compute_reached_by_async(self) -> frozenset[str]:
        reached: set[str] = set()
        for outline in self.outlines.values():
            facts = outline.merged
            if facts.uses_asyncio or outline.has_async_functions:
                reached.add(facts.module)
                reached.update(self.canonical(name) for name in facts.exports.values())
        # A model built on `AsyncAttrs` is made for asyncio code wherever it is imported.
        reached.update(cls for cls in self.classes if self.has_async_attrs(cls))
        pending = [name for name in reached if name in self.classes]
        pending.extend(cls for cls in self.classes if cls.rsplit(".", 1)[0] in reached)
        while pending:
            for relationship in self.relationships(pending.pop()).values():
                if relationship.target is not None and relationship.target not in reached:
                    reached.add(relationship.target)
                    pending.append(relationship.target)
        return frozenset(reached)

    @property
    def run_once(self) -> RunOnce:
        """The functions that run once per process (a script's main, a lifespan, a fixture...)."""
        if self._run_once is None:
            known = self._memo.load_run_once() if self._memo is not None else None
            self._run_once = RunOnce(self, known)
            if known is None and self._memo is not None:
                self._memo.store_run_once(self._run_once.by_function)
        return self._run_once

    def prepare(self, analyses: Iterable[ProjectAnalysis]) -> None:
        """Compute these analyses now rather than on first use: worker processes forked after
        this inherit them, where each would otherwise compute its own."""
        for analysis in analyses:
            if analysis is ProjectAnalysis.RUN_ONCE:
                _ = self.run_once
            elif self._reached_by_async is None:
                self._reached_by_async = self._compute_reached_by_async()

    def computed_analyses(self) -> frozenset[ProjectAnalysis]:
        """The whole-project analyses computed so far (by `prepare` or on first use)."""
        computed = {ProjectAnalysis.RUN_ONCE} if self._run_once is not None else set()
        if self._reached_by_async is not None:
            computed.add(ProjectAnalysis.REACHED_BY_ASYNC)
        return frozenset(computed)

    def close(self) -> None:
        """Let go of everything; the index is not to be asked anything after this.

        Its analyses (`values`, `summaries`, `run_once`) refer back to it: a reference cycle
        through which all it holds could only be freed by a full collection, a traversal of
        every object of the project's facts (1.3 CPU s on a 400k-line project, paid in the
        next project's run or its forked workers). Emptied, it is freed at once, by counting.
        """
        vars(self).clear()

    def run_once_inputs(self, path: str) -> RunOnceInputs:
        """What the run-once analysis reads of a file: as the memo keeps it, else from its facts."""
        kept = self._memo.run_once_inputs(path) if self._memo is not None else None
        return kept if kept is not None else run_once_inputs(self.files[path])

    def transaction_paths(self) -> list[str]:
        """The files that can hold transaction sites (an awaited `commit()`, a `begin()` block, a
        session a provider hands out inside `begin()`), in path order."""
        return sorted(path for path, outline in self.outlines.items() if self._holds_transactions(outline))

    def _holds_transactions(self, outline: FileOutline) -> bool:
        # Files that only take sessions matter when some provider hands one out inside begin():
        # most projects have none, and their votes then load no more files than their commits'.
        return outline.transactions or (outline.takes_sessions and bool(self.unit_of_work_providers()))

    def unit_of_work_providers(self) -> frozenset[str]:
        """The functions that hand their session out inside `begin()` (they open it themselves, so
        their files hold transactions)."""
        if self._providers is None:
            self._providers = frozenset(
                function.qualname
                for path, outline in self.outlines.items()
                if outline.yields_in_begin
                for function in self.files[path].functions
                if provider_begin(self, function) is not None
            )
        return self._providers

    def ended_in_units(self) -> frozenset[tuple[str, int]]:
        """(function, line) of the commits and rollbacks that calls inside a unit of work reach
        in their callees: ASA401 reports them at those calls, they are no policy of their own."""
        if self._ended_in_units is None:
            # Without a provider that hands sessions out inside begin(), only a function's own
            # begin() blocks make units of work: the others need not be asked.
            everywhere = bool(self.unit_of_work_providers())
            self._ended_in_units = frozenset(
                (end.function, end.line)
                for path in self.transaction_paths()
                if not self.is_test_module(path)
                for function in self.files[path].functions
                if everywhere or any(block.method in BEGIN_METHODS for block in function.blocks)
                for end in ends_reached_in_units(self, function)
            )
        return self._ended_in_units

    def transaction_sites(self) -> TransactionSites:
        """The explicit `commit()` sites and unit-of-work `begin()` blocks of the whole project."""
        if self._transactions is None:
            self._transactions = collect_transaction_sites(self)
        return self._transactions

    def transaction_sites_in(self, path: str) -> list[TransactionSite]:
        """The transaction sites of one file, without collecting the whole project's."""
        if self._transactions is not None:
            return self._transactions.in_file(path)
        outline = self.outlines.get(path)
        return list(sites_in_file(self, path)) if outline is not None and self._holds_transactions(outline) else []


class AnalysisMemo(Protocol):
    """Where the whole-project analyses an index computed are kept between runs, keyed by what
    they read (the engine keeps the run-once contexts and the path-entry packages in its cache,
    under a digest of every file's run-once inputs)."""

    def load_run_once(self) -> dict[str, frozenset[RunContext]] | None: ...

    def store_run_once(self, contexts: dict[str, frozenset[RunContext]]) -> None: ...

    def load_path_entries(self) -> list[str] | None:
        """The packages the project imports from as `sys.path` entries (`path_entries.py`), as
        computed before from files whose run-once inputs were the same: they read no more."""

    def store_path_entries(self, packages: list[str]) -> None: ...

    def run_once_inputs(self, path: str) -> RunOnceInputs | None:
        """What the run-once analysis reads of this file, kept from the run that read it."""


__all__ = [
    "AnalysisMemo",
    "FactorySite",
    "ProjectAnalysis",
    "ProjectIndex",
    "RelationshipRef",
]


def _add_synonyms(found: dict[str, RelationshipRef], synonyms: Sequence[tuple[str, str]]) -> None:
    """`roles = synonym("positions")` (the subclass's first): `roles` is the `positions`
    relationship under another name. Its loader options, reads and assignments are those of the
    relationship, so both names share the reference, each knowing the other as an alias. A
    synonym of a column, or of an unknown name, adds nothing; a declared relationship of the same
    name wins."""
    stands_for: dict[str, str] = {}
    for alias, name in synonyms:
        if alias not in found:
            stands_for.setdefault(alias, name)
    groups: dict[str, list[str]] = {}
    for alias in stands_for:
        name, seen = stands_for[alias], {alias}
        while name in stands_for and name not in seen:  # a synonym of a synonym
            seen.add(name)
            name = stands_for[name]
        if name in found:
            groups.setdefault(name, []).append(alias)
    for name, aliases in groups.items():
        relationship = found[name]
        every = tuple(dict.fromkeys((relationship.name, *relationship.aliases, *aliases)))
        found[name] = replace(relationship, aliases=tuple(other for other in every if other != name))
        for alias in aliases:
            found[alias] = replace(
                relationship,
                name=alias,
                aliases=tuple(other for other in every if other != alias),
                stands_for=relationship.stands_for or name,
            )


def _table_names(chain: Sequence[ClassFacts]) -> set[str]:
    """The names a foreign key may give a model's table by: its `__tablename__`, its class name,
    and the class name in lower case (SQLModel's default table name)."""
    return {name for cls in chain for name in (cls.table_name, cls.name, cls.name.lower()) if name}


def _references(source: Sequence[ClassFacts], target: Sequence[ClassFacts]) -> bool:
    """Whether the model of `source` declares a foreign key to the table of `target`."""
    names = _table_names(target)
    return any(referenced in names for cls in source for _, referenced in cls.references)


def _condition_side(columns: tuple[str, ...], owner: Sequence[ClassFacts], target: Sequence[ClassFacts]) -> bool | None:
    """Which side of a `primaryjoin=` condition holds the foreign key: True for the owner's
    columns, False for the target's, None when none of the compared columns carries one, both
    sides do, or a column's side cannot be told (a self-referential condition, a bare name)."""
    if owner[0] in target or target[0] in owner:
        return None  # the same model, or one inheriting the other: a name could be either side
    sides: set[bool] = set()
    for column in columns:
        side = _column_side(column, owner, target) if "." in column else None
        if side is None:
            return None
        if _carries_foreign_key(column.rsplit(".", 1)[-1], owner if side else target):
            sides.add(side)
    return sides.pop() if len(sides) == 1 else None


def _carries_foreign_key(field: str, chain: Sequence[ClassFacts]) -> bool:
    """Whether a model (its class chain) declares `field` with a foreign key."""
    return any(name == field for cls in chain for name, _ in cls.references)


def _column_side(column: str, owner: Sequence[ClassFacts], target: Sequence[ClassFacts]) -> bool | None:
    """True for a column of the owner (`owner_id` in its body, `Owner.owner_id`), False for one of
    the target, None when it cannot be told."""
    parts = column.split(".")
    if len(parts) == 1:
        return True if any(parts[0] in cls.fields for cls in owner) else None
    head = parts[-3] if parts[-2] == "c" and len(parts) >= 3 else parts[-2]
    if head in {cls.name for cls in owner} or head in {cls.table_name for cls in owner if cls.table_name}:
        return True
    if head in {cls.name for cls in target} or head in {cls.table_name for cls in target if cls.table_name}:
        return False
    return None
