"""The one `ast` walk that turns a parsed file into `FileFacts`.

Name resolution happens here, per file; what names mean across files is the index's job.
"""

from __future__ import annotations

import ast
import itertools
import sys
import threading
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from alchemy_lint.facts.classes import (
    class_field,
    declared_attribute,
    declares_primary_key,
    declares_unique,
    decorator_callee,
    field_type,
    referenced_table,
    relationship_facts,
    synonym_of,
    table_name,
    unique_constraints,
)
from alchemy_lint.facts.concurrency import ConcurrencyRecorder
from alchemy_lint.facts.conditions import (
    NEVER,
    Guard,
    branch_conditions,
    constant_defaults,
    known_arguments,
    leaves,
    truth_copy,
    weakest,
)
from alchemy_lint.facts.constructions import construction, init_fields, passing_calls
from alchemy_lint.facts.flow import Flow
from alchemy_lint.facts.fresh_state import enters_itself, fresh_state
from alchemy_lint.facts.generic_calls import call_generic_origins, restore_generic_origins
from alchemy_lint.facts.getters import inspected, loaded_only_keys, loaded_probe
from alchemy_lint.facts.guards import yield_guard
from alchemy_lint.facts.injection import (
    TRANSPARENT_WRAPPERS,
    annotated_provider,
    fills_parameters,
    fixture_name,
    inline_keywords,
    next_item_of,
    plugin_config,
    provider_of,
    registered_providers,
    requests_fixtures,
    session_key,
    takes_sync_item,
)
from alchemy_lint.facts.invocations import InvocationRecorder, decorator_arguments
from alchemy_lint.facts.kept import KeptTracker
from alchemy_lint.facts.loading import analyse_function, analyse_statement_helper
from alchemy_lint.facts.members import returned_members
from alchemy_lint.facts.model import (
    WHOLE_REFRESH,
    WRAPPED,
    ApiCall,
    AttributeFacts,
    ClassFacts,
    Construction,
    ContextBlock,
    FileFacts,
    Forward,
    FunctionFacts,
    HandedBack,
    KeyedReturn,
    MethodCall,
    ParameterRead,
    PassingCall,
    RelationshipFacts,
    ReturnedMember,
    ReturnedParameter,
    SchemaCreation,
    Scope,
    TypeAlias,
    YieldGuard,
)
from alchemy_lint.facts.proxies import proxied_path, proxy_property
from alchemy_lint.facts.quiet import name_lines, quiet_parameters
from alchemy_lint.facts.reaches import ReachFinder
from alchemy_lint.facts.routes import response_schema
from alchemy_lint.facts.schema import CREATE_ALL, schema_creation
from alchemy_lint.facts.values import (
    CALL,
    RECEIVER,
    SYNC_ITEM,
    Binding,
    Held,
    Origin,
    OriginKind,
    ParameterPath,
    Queried,
    Reach,
    ReachKind,
    Step,
    StepKind,
    ValueRef,
    ValueTable,
    paths_below,
)
from alchemy_lint.facts.walk import FastNodeVisitor
from alchemy_lint.parsing import PARSE_ERRORS as PARSE_ERRORS  # where callers have imported them from
from alchemy_lint.parsing import parse_source as parse_source
from alchemy_lint.records import replace
from alchemy_lint.resolve import (
    NameTable,
    annotation_target,
    annotation_targets,
    bind_import,
    bound_names,
    caught_names,
    dotted_parts,
    element_target,
    expression_text,
    imported_module,
    member_targets,
    qualify,
    returned_items,
    returned_target,
    type_alias_target,
    union_alias_members,
)
from alchemy_lint.sqlalchemy_api import ASYNCIO_MODULES, REEXPORTABLE_LEAVES, known_api

#: Methods of sessions, connections and factories whose calls the facts keep, with the
#: receiver's evidence: the rules read transactions, executions and closes off them.
TRACKED_METHODS = frozenset(
    {
        "commit",
        "rollback",
        "begin",
        "begin_nested",
        "close",
        "flush",
        "execute",
        "scalars",
        "scalar",
        "stream",
        "stream_scalars",
        "get",
        "get_one",
        "exec",
        "refresh",
        "merge",
        "delete",
        "add",
        "add_all",
        "expunge",
        "run_sync",
        "connection",
    }
)
BEGIN_METHODS = frozenset({"begin", "begin_nested"})
TYPE_ALIAS_MARKERS = frozenset({"typing.TypeAlias", "typing_extensions.TypeAlias"})
_MAX_ORIGINS = 8
#: What the elements of a literal of names may be to count (`[self.load, save]`): methods and
#: attributes of `self`, module-level or imported names.
_LISTED_KINDS = frozenset({OriginKind.NAME, OriginKind.ATTRIBUTE})
#: The most entries of a dispatch table (`HANDLERS = {...}`) that are followed.
_MAX_TABLE_ENTRIES = 32
#: The most positions of a returned tuple (`return engine, factory`) that are kept.
_MAX_RETURNED_ITEMS = 8
#: Methods that put something into a collection: a copy of a parameter may no longer be empty.
_GROWERS = frozenset({"add", "append", "extend", "insert", "update", "setdefault", "__setitem__"})
#: Builtins that read a collection handed to them and change nothing in it.
_READERS = frozenset({"len", "bool", "set", "frozenset", "list", "tuple", "sorted", "iter", "any", "all"})
#: The attribute under which ASGI frameworks keep application state (`app.state.db`).
_STATE = "state"
#: The keyword of advanced-alchemy's configs that carries the session options.
_SESSION_CONFIG = "session_config"
_ITEM = Step(StepKind.ITEM)
_GET_SESSION = Step(StepKind.METHOD, "get_session")
#: What a mapping key keeps when the value has no origins: a name that is never defined.
_UNTOLD = Origin(OriginKind.NAME, "")
#: What a lazy load in async code raises: bare on SQLAlchemy 2.0, wrapped in StatementError on 2.1.
_LOAD_ERRORS = frozenset({"MissingGreenlet", "StatementError"})
#: Handlers that catch a lazy load's error with others: every error, or SQLAlchemy's base classes of it.
_BROAD_LOAD_ERRORS = frozenset({"Exception", "BaseException", "SQLAlchemyError", "InvalidRequestError"})

if sys.version_info >= (3, 11):
    _TryStatement: typing.TypeAlias = ast.Try | ast.TryStar
else:
    _TryStatement: typing.TypeAlias = ast.Try

#: Python 3.12's `type X = ...` statement; an empty tuple matches nothing on older versions.
_TYPE_ALIAS_STATEMENT: Any = getattr(ast, "TypeAlias", ())


def extract_facts(
    tree: ast.Module, path: str, module: str, is_package: bool, source: bytes | str | None = None
) -> FileFacts:
    """The facts of a parsed file. `source`, the text it was parsed from, answers what the tree
    alone would need a walk of its own for (see `quiet.py`); without it those facts are left out."""
    try:
        return _build(tree, path, module, is_package, source)
    except RecursionError:
        # Python parses expressions far deeper than the default recursion limit lets a
        # visitor walk (a 500-term `a + b + ...` is valid code): walk again with room.
        return _build_deeply_nested(tree, path, module, is_package, source)


def _build(tree: ast.Module, path: str, module: str, is_package: bool, source: bytes | str | None) -> FileFacts:
    rewritten: list[tuple[ast.Call, ast.expr]] = []
    builder = _FactsBuilder(path, module, is_package, source)
    try:
        # (Inside: a rewrite cut short by a deep type argument is undone before the walk again.)
        call_generic_origins(tree, source, rewritten)
        builder.build(tree)
        return builder.result()
    finally:
        builder.release()
        restore_generic_origins(rewritten)


#: Enough frames for the deepest tree Python's parser builds (its own limit is a few thousand
#: levels) at a few visitor frames per level, on a stack big enough to hold them.
_DEEP_RECURSION_LIMIT = 50_000
_DEEP_STACK_BYTES = 512 * 1024 * 1024


def _build_deeply_nested(
    tree: ast.Module, path: str, module: str, is_package: bool, source: bytes | str | None
) -> FileFacts:
    too_deep = FileFacts(path, module, is_package, parse_error="too deeply nested to analyse")
    built: list[FileFacts] = []

    def walk() -> None:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, _DEEP_RECURSION_LIMIT))
        try:
            built.append(_build(tree, path, module, is_package, source))
        except RecursionError:
            pass
        finally:
            sys.setrecursionlimit(limit)

    try:
        previous = threading.stack_size(_DEEP_STACK_BYTES)
    except (ValueError, RuntimeError):
        return too_deep
    try:
        worker = threading.Thread(target=walk, name="alchemy-lint-deep-walk")
        worker.start()
        worker.join()
    except RuntimeError:  # no memory for the thread's stack
        return too_deep
    finally:
        threading.stack_size(previous)
    return built[0] if built else too_deep


#: What says which provider fills a parameter: `Depends(p)`, or an annotation (an alias of
#: `Annotated[X, Depends(p)]`, which the index resolves).
_PROVIDER_EVIDENCE = frozenset({OriginKind.PROVIDED, OriginKind.ANNOTATION})
#: Annotations that say nothing of what a parameter is.
_VAGUE_ANNOTATIONS = frozenset({"typing.Any", "typing_extensions.Any"})
#: The receiver of a method: what it is, the class says.
_RECEIVERS = frozenset({"self", "cls"})


#: Bases that make no class a model.
_PLAIN_BASES = frozenset(
    {
        "object",
        "abc.ABC",
        "typing.Protocol",
        "typing.Generic",
        "typing_extensions.Protocol",
        "enum.Enum",
        "Exception",
    }
)


def _vague(argument: ast.arg, targets: tuple[str, ...]) -> bool:
    """The parameter has no annotation, or one that says nothing of it (`Any`, `object`)."""
    annotation = argument.annotation
    if annotation is None or (type(annotation) is ast.Name and annotation.id == "object"):
        return True
    return bool(targets) and all(target in _VAGUE_ANNOTATIONS for target in targets)


@dataclass(slots=True, eq=False, repr=False)
class _FunctionState:
    qualname: str
    class_qualname: str | None
    table: NameTable
    values: ValueTable
    parameters: set[str]
    global_names: set[str] = field(default_factory=set)
    calls: list[MethodCall] = field(default_factory=list)
    blocks: list[ContextBlock] = field(default_factory=list)
    yields: list[YieldGuard] = field(default_factory=list)
    returned_values: list[ValueRef] = field(default_factory=list)
    #: The values with evidence each `return a, b` gives at each position (`returned_items`).
    returned_items: list[list[ValueRef]] = field(default_factory=list)
    #: The `with` and `try` statements around the current point (for yield guards).
    enclosing: list[ast.stmt] = field(default_factory=list)
    #: Local names bound to a call given no argument (`factory = build_factory()`), by line.
    argless_results: set[tuple[str, int]] = field(default_factory=set)
    #: Those bound from a call given arguments (`pool = make(url)`, see `Invocation.result_argued`).
    argued_results: set[tuple[str, int]] = field(default_factory=set)
    #: The loops around the current point (a binding inside one is one value per iteration).
    loops: list[ast.AST] = field(default_factory=list)
    #: Relationship paths that an `or` reads only where their foreign key is empty
    #: (`model.project_id or model.project.id`): no SQL either way.
    short_circuited: list[ParameterPath] = field(default_factory=list)
    #: Whether the body awaits anything: without an await no ORM object is loaded.
    awaits: bool = False
    #: An `async def`: its calls may hand an asyncio session on.
    is_async: bool = False
    #: Parameters with a literal default, never bound again so far (`expire_on_commit: bool =
    #: False`): what a call that does not pass them leaves there.
    literal_defaults: dict[str, ast.Constant] = field(default_factory=dict)
    #: The call node of each recorded method call, by position in `calls`.
    call_nodes: list[ast.Call] = field(default_factory=list)
    parameter_reads: dict[tuple[str, tuple[str, ...], HandedBack | None], ParameterRead] = field(default_factory=dict)
    #: How many `if` branches, loop bodies and `except` clauses enclose the current point.
    branches: int = 0
    #: What holds on the parameters at the current point: one entry per enclosing `if` branch,
    #: and one per earlier `if ...: return` of the current block.
    guards: list[Guard] = field(default_factory=list)
    #: Local names bound to a copy of a parameter that is empty exactly when it is
    #: (`selected = set(include) if include else set()`): the parameter, and the binding (a
    #: later binding or a change of the copy, `selected.add(...)`, ends it).
    truth_copies: dict[str, tuple[str, Binding]] = field(default_factory=dict)
    #: A `return` came before the current point: what follows does not run on every path.
    returned: bool = False
    #: What each enclosing `if` branch whose test asks whether a relationship is loaded says of
    #: it there (`getters.loaded_test`): True loaded, False not loaded.
    probes: list[bool] = field(default_factory=list)
    #: The relationship each of those tests names (`getters.loaded_test`), None where no literal says.
    probe_names: list[str | None] = field(default_factory=list)
    #: A `return` came before the current point other than where such a test said it is loaded.
    left_unprobed: bool = False
    #: Inside a side of a conditional expression or an operand of `and`/`or` after the first:
    #: what runs there runs on some paths only (`_probed`).
    partial: int = 0
    #: The relationships the tests named where a `return` came before the current point.
    returned_probes: set[str | None] = field(default_factory=set)
    #: Relationships a test says are loaded at the current point (`if "items" in
    #: inspect(order).dict:`, or the rest of the block after `if "items" not in order.__dict__:
    #: return`): the index in `guards` of the branch or exit it holds for, the relationship,
    #: and the object it is of. A read of it there loads nothing.
    loaded_probes: list[tuple[int, str, ParameterPath]] = field(default_factory=list)
    #: Local names bound to `inspect(obj)` of (part of) a parameter, with the binding.
    inspections: dict[str, tuple[ParameterPath, Binding]] = field(default_factory=dict)
    parameter_loads: list[ParameterRead] = field(default_factory=list)
    #: Attributes set on a parameter so far (`order.status = ...`): reading them loads nothing.
    assigned_paths: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)
    forwards: list[Forward] = field(default_factory=list)
    block_forwards: list[Forward] = field(default_factory=list)
    #: Local names bound to a `Name(...)` call, with the names it was handed and where each
    #: landed (`svc = Service(session=session)`): a method call on them hands those on.
    wrappers: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    #: Names stored under a string key of a local mapping (`kwargs["session"] = session`): a call
    #: that spreads the mapping (`func(**kwargs)`) hands them on by that keyword.
    spread: dict[str, dict[str, str]] = field(default_factory=dict)
    #: What each `return` so far hands back of the parameters; None once one returns anything else.
    returned_parameters: list[ReturnedParameter] | None = field(default_factory=list)
    #: What every `return` so far hands back of `self` (empty before the first one); None once
    #: one returns anything else or two disagree (see `facts/members.py`).
    returned_members: tuple[ReturnedMember, ...] | None = ()
    #: The function yields: what a call of it returns is a generator, whatever it `return`s.
    yields_values: bool = False
    #: What each `return` so far holds of the parameters under constant keys of a dict; None
    #: once one returns anything else.
    keyed_returns: list[KeyedReturn] | None = field(default_factory=list)
    #: Whether some name is bound to what a call gave back for a parameter (`Binding.handed_back`).
    handed_back: bool = False
    #: The calls that may give a parameter back, by (binding, position in its `handed_back`).
    handed_back_calls: dict[tuple[int, int], HandedBack] = field(default_factory=dict)
    #: Reads through what such a call gave back: kept apart, so they take no direct read's place.
    handed_back_reads: dict[tuple[str, tuple[str, ...], HandedBack | None], ParameterRead] = field(default_factory=dict)
    #: Parameters a framework may fill from a provider (`Depends(...)`, an alias of one), with
    #: their evidence: the loading analysis makes objects of them.
    provided: dict[str, ValueRef] = field(default_factory=dict)
    #: Every parameter's provider and annotation: which provider fills it, for the index.
    provider_evidence: dict[str, tuple[Origin, ...]] = field(default_factory=dict)
    #: Parameters annotated with a collection of objects: (name, a class its members are).
    parameter_members: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True, eq=False, repr=False)
class _ClassState:
    qualname: str
    attributes: dict[str, AttributeFacts] = field(default_factory=dict)
    #: Some base may make it a model (a class with no bases, or only `ABC`/`Protocol`/`Generic`,
    #: is none): its methods' `self` may be an ORM object.
    may_be_model: bool = True


class _FactsBuilder(FastNodeVisitor):
    #: `release` deletes them (a compiled class allows it only of attributes named here).
    __deletable__ = ("reaches", "concurrency", "kept")

    def __init__(self, path: str, module: str, is_package: bool, source: bytes | str | None = None) -> None:
        self.path = path
        self.source = source
        self._text: str | None = None
        self._name_lines: dict[str, list[int]] = {}
        self.module = module
        self.is_package = is_package
        self.module_table = NameTable()
        self.table = self.module_table
        #: The innermost function being walked (a class body inside it starts afresh).
        self.function: _FunctionState | None = None
        self.classes: list[_ClassState] = []
        self.loop_depth = 0
        self.lambda_depth = 0
        self.uses_asyncio = False
        self.api_calls: list[ApiCall] = []
        self.function_facts: list[FunctionFacts] = []
        self.class_facts: list[ClassFacts] = []
        self.module_values: dict[str, tuple[Origin, ...]] = {}
        self.dispatch_tables: dict[str, tuple[Origin, ...]] = {}
        self._assign_target: str | None = None
        self._awaited: ast.expr | None = None
        self._returned: ast.expr | None = None
        self.reaches = ReachFinder(self.value_ref, self.elements_of, self.origins_of, self.queried_of)
        #: The flow of the function last asked about: the task recorder and the calls after a
        #: commit ask about the same function one after the other.
        self._flow: Flow | None = None
        self._name_origins: dict[str, tuple[Origin]] = {}
        #: Expression -> its origins, with the function, name table and revision of the tables
        #: they were read under: an answer stands until one of them changes (see `origins_of`).
        self._origins: dict[ast.expr, tuple[_FunctionState | None, NameTable, int, tuple[Origin, ...]]] = {}
        self.concurrency = ConcurrencyRecorder(self)
        self.type_aliases: dict[str, TypeAlias] = {}
        self.union_aliases: dict[str, tuple[str, ...]] = {}
        self.schema_creations: list[SchemaCreation] = []
        self.app_state: dict[str, tuple[Origin, ...]] = {}
        self.mapping_keys: dict[str, tuple[Origin, ...]] = {}
        self.providers: dict[str, tuple[Origin, ...]] = {}
        self.invocations = InvocationRecorder()
        self.kept = KeptTracker(self)
        self.constructions: list[Construction] = []
        self.passing_calls: list[PassingCall] = []

    # -- driving ---------------------------------------------------------------

    def build(self, tree: ast.Module) -> None:
        self._prescan(tree.body)
        self.concurrency.scan_module(tree)
        for statement in tree.body:
            self.visit(statement)

    def release(self) -> None:
        """Drop the recorders, which hold the builder as it holds them.

        Left in place, that cycle keeps the builder's tables, flows and the tree nodes they
        point at alive until the cyclic collector finds them: on a cold run that was some
        thousand objects per file, and a tenth of the run went into the collections that
        traversed them (polar). Without it, reference counting frees them when `_build` returns.
        """
        del self.reaches, self.concurrency, self.kept

    def result(self) -> FileFacts:
        kept = self.kept.kept
        api_calls = tuple(
            replace(call, kept=kept[number]) if number in kept else call for number, call in enumerate(self.api_calls)
        )
        return FileFacts(
            path=self.path,
            module=self.module,
            is_package=self.is_package,
            exports=dict(self.module_table.items()),
            uses_asyncio=self.uses_asyncio,
            api_calls=api_calls,
            functions=tuple(self.function_facts),
            classes=tuple(self.class_facts),
            module_values=self.module_values,
            dispatch_tables=self.dispatch_tables,
            stored_values=tuple(self.concurrency.stored),
            type_aliases=self.type_aliases,
            union_aliases=self.union_aliases,
            schema_creations=tuple(self.schema_creations),
            app_state=self.app_state,
            mapping_keys=self.mapping_keys,
            providers=self.providers,
            invocations=self.invocations.module_invocations(),
            constructions=tuple(self.constructions),
            passing_calls=tuple(self.passing_calls),
        )

    def _prescan(self, body: list[ast.stmt]) -> None:
        """Bind module-level names first, so functions resolve names defined below them."""
        for statement in body:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                self._bind_import(statement)
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.module_table.bind(statement.name, f"{self.module}.{statement.name}")
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                for target in targets:
                    if type(target) is ast.Name:
                        self._bind_module_name(target.id, statement.value)
            elif isinstance(statement, _TYPE_ALIAS_STATEMENT) and type(statement.name) is ast.Name:
                self._bind_module_name(statement.name.id, None)  # `type SessionDep = ...`
            elif type(statement) is ast.If:
                self._prescan(statement.body)
                self._prescan(statement.orelse)
            elif type(statement) is ast.Try:
                self._prescan(statement.body)
                for handler in statement.handlers:
                    self._prescan(handler.body)
                self._prescan(statement.orelse)
                self._prescan(statement.finalbody)

    def _bind_module_name(self, name: str, value: ast.expr | None) -> None:
        # `S = AsyncSession` is the class itself under another name; a type alias
        # (`SessionDep = Annotated[...]`) keeps its own name, resolved through `type_aliases`.
        alias = (qualify(value, self.module_table) or imported_module(value, self.module_table)) if value else None
        self.module_table.bind(name, alias or f"{self.module}.{name}")

    def _bind_import(self, node: ast.Import | ast.ImportFrom) -> None:
        bind_import(self.table, node, self.module, self.is_package)
        names = [node.module or ""] if type(node) is ast.ImportFrom else [alias.name for alias in node.names]
        if any(name.startswith(ASYNCIO_MODULES) for name in names):
            self.uses_asyncio = True

    # -- scopes ----------------------------------------------------------------

    def in_function(self) -> bool:
        return self.function is not None

    def function_qualname(self) -> str | None:
        return self.function.qualname if self.function else None

    def global_names(self) -> set[str]:
        return self.function.global_names if self.function else set()

    def parameters(self) -> set[str]:
        return self.function.parameters if self.function else set()

    def class_name(self) -> str | None:
        return self.classes[-1].qualname.rsplit(".", 1)[-1] if self.classes else None

    @property
    def values(self) -> ValueTable | None:
        function = self.function
        return function.values if function is not None else None

    @property
    def scope(self) -> Scope:
        if self.function is not None or self.lambda_depth:
            return Scope.FUNCTION
        if self.classes:
            return Scope.CLASS
        return Scope.MODULE

    def visit_Import(self, node: ast.Import) -> None:
        self._bind_import(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._bind_import(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        # `RepositoryBase[Order]`: a generic base is its class, whatever it is parametrised with.
        bases = tuple(
            base
            for base in (qualify(b.value if type(b) is ast.Subscript else b, self.table) for b in node.bases)
            if base
        )
        if any(qualify(decorator_callee(d), self.table) in _DECLARATIVE_DECORATORS for d in node.decorator_list):
            # `@as_declarative()` makes the class a declarative base, as subclassing `DeclarativeBase` does.
            bases = (*bases, _DECLARATIVE_BASE)
        keywords = {kw.arg: ast.unparse(kw.value) for kw in node.keywords if kw.arg}
        outer = self.function
        qualname = f"{outer.qualname if outer else self.module}.{node.name}"
        if self.classes and not outer:
            qualname = f"{self.classes[-1].qualname}.{node.name}"
        state = _ClassState(qualname, may_be_model=len(bases) < len(node.bases) or bool(set(bases) - _PLAIN_BASES))
        self.classes.append(state)
        saved_function, self.function = self.function, None
        saved_loops, self.loop_depth = self.loop_depth, 0
        relationships: list[RelationshipFacts] = []
        fields: list[str] = []
        primary_key: list[str] = []
        unique: list[str] = []
        references: list[tuple[str, str]] = []
        synonyms: list[tuple[str, str]] = []
        declared_table: str | None = None
        field_types: dict[str, str] = {}
        proxies: list[FunctionFacts] = []
        for statement in node.body:
            declared = class_field(statement) or declared_attribute(statement, self.table)
            proxied = proxied_path(declared[2], self.table) if declared is not None else None
            if declared is not None and proxied is not None:
                # Not a column: a property over a relationship (see `proxies.py`).
                proxies.append(proxy_property(qualname, declared[0], proxied, statement))
            elif declared is not None:
                name, annotation, value = declared
                fields.append(name)
                if declares_primary_key(value):
                    primary_key.append(name)
                referenced = referenced_table(value)
                if referenced is not None:
                    references.append((name, referenced))
                declared_table = table_name(statement) or declared_table
                if declares_unique(value):
                    unique.append(name)
                elif name == "__table_args__":
                    unique.extend(unique_constraints(value))
                target = annotation_target(annotation, self.table)
                if target:
                    state.attributes[name] = AttributeFacts((Origin(OriginKind.ANNOTATION, target),))
                elif annotation is None and value is not None and dotted_parts(value) is not None:
                    # `model = Order` in a repository's body: the class it names, by name.
                    named_value = qualify(value, self.table)
                    if named_value:
                        state.attributes[name] = AttributeFacts((Origin(OriginKind.NAME, named_value),))
                named = field_type(annotation, self.table) if annotation is not None else None
                if named:
                    field_types[name] = named
                relationship = relationship_facts(name, annotation, value, self.table, statement)
                if relationship is not None:
                    relationships.append(relationship)
                stands_for = synonym_of(value, self.table)
                if stands_for is not None and stands_for != name:
                    synonyms.append((name, stands_for))
                if name == "dependencies" and value is not None:  # a Litestar controller's providers
                    self._register_providers(value)
            self.visit(statement)
        generated = init_fields(node, self.table)
        for name in generated or ():
            # A dataclass field is what the construction site passes for it.
            known = state.attributes.get(name, AttributeFacts())
            passed = Origin(OriginKind.PARAMETER, f"{qualname}.__init__:{name}")
            state.attributes[name] = replace(known, origins=(*known.origins, passed)[:_MAX_ORIGINS])
        self.function, self.loop_depth = saved_function, saved_loops
        self.classes.pop()
        self.function_facts.extend(proxies)
        self.class_facts.append(
            ClassFacts(
                qualname,
                node.name,
                node.lineno,
                node.col_offset,
                bases,
                keywords,
                state.attributes,
                tuple(relationships),
                tuple(fields),
                field_types,
                generated,
                tuple(primary_key),
                loaded_only_keys(node),
                tuple(unique),
                fresh_state(node),
                enters_itself(node),
                declared_table,
                tuple(references),
                tuple(synonyms),
            )
        )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_function(node, is_async=False)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._visit_function(node, is_async=True)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, is_async: bool) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in (*node.args.defaults, *node.args.kw_defaults):
            if default is not None:
                self.visit(default)
        decorators = tuple(
            name
            for name in (qualify(decorator_callee(d), self.table) or _builtin_decorator(d) for d in node.decorator_list)
            if name
        )
        outer = self.function
        method_of = self.classes[-1].qualname if self.classes and not outer else None
        prefix = outer.qualname if outer else (method_of or self.module)
        qualname = f"{prefix}.{node.name}"
        table = (outer.table if outer else self.module_table).child()
        values = ValueTable(qualname, outer.values if outer else None, revision=self.module_table.revision)
        state = _FunctionState(qualname, method_of, table, values, set(), is_async=is_async)
        fixture = fixture_name(node, self.table)
        # pytest fills a test's or fixture's parameters by name; a decorated handler's parameters
        # may be filled by name too (Litestar dependencies): the index resolves both by name.
        injected = requests_fixtures(node, fixture is not None, method_of) or fills_parameters(node, self.table)
        arguments = self._bind_parameters(node, state, injected)
        saved_table, self.table = self.table, table
        saved_loops, self.loop_depth = self.loop_depth, 0
        self.function = state
        self.concurrency.enter_function(node)
        self.invocations.enter_function(method_of or (outer.class_qualname if outer else None))
        self.kept.enter_function()
        for statement in node.body:
            self.visit(statement)
        task_spawns = self.concurrency.leave_function()
        gathered = self.concurrency.gathered
        started = self.concurrency.started
        invocations = self.invocations.leave_function(node.name, qualname)
        self.kept.leave_function(node)
        response_model = self._response_model(node)
        parameter_types = _parameter_types(values, arguments)
        quiet = quiet_parameters(
            (node.lineno, node.end_lineno or node.lineno),
            arguments,
            _named_sessions(parameter_types, state.provider_evidence),
            state.calls,
            state.forwards,
            self.name_lines if self.source is not None else None,
        )
        if isinstance(node, ast.AsyncFunctionDef):
            loading = (
                analyse_function(
                    node,
                    self,
                    state.provided,
                    method_of,
                    _session_receivers(state.calls),
                    receives_self=method_of is not None and self.classes[-1].may_be_model,
                    response_model=response_model,
                    kept_attributes=frozenset(self.classes[-1].attributes) if method_of is not None else frozenset(),
                )
                # (A function that awaits nothing may still add a new object and return it, left
                # pending in its caller's session: `order = Order(...); db.add(order); return order`.)
                if state.awaits or (_returns_a_value(node) and any(call.method == "add" for call in state.calls))
                else None
            )
        else:
            loading = analyse_statement_helper(node, self, method_of) if _returns_a_value(node) else None
        self.function = outer
        self.table, self.loop_depth = saved_table, saved_loops
        captures = tuple(values.captured.values())
        if outer is not None:
            # A nested function is a closure over what it captured: calling it reaches those values.
            held = (Held(tuple(Reach(ref, ReachKind.CLOSURE, node.name) for ref in captures)),) if captures else ()
            # The name is the function itself: returned by a builder (`return factory`), calling
            # it runs the nested function, whose summary the index holds under its qualname.
            itself = (Origin(OriginKind.NAME, qualname),)
            outer.values.bind(
                node.name,
                Binding(node.lineno, node.col_offset, ValueRef(node.name, itself, held)),
            )
            self.table.forget(node.name)
        self.function_facts.append(
            FunctionFacts(
                qualname=state.qualname,
                name=node.name,
                line=node.lineno,
                col=node.col_offset,
                is_async=is_async,
                decorators=decorators,
                parameters=arguments,
                calls=_with_followers(node, state.calls, state.call_nodes, self.flow_of),
                blocks=tuple(state.blocks),
                yields=tuple(state.yields),
                returned=tuple(state.returned_values),
                returned_items=tuple([tuple(refs) for refs in state.returned_items]),
                task_spawns=task_spawns,
                gathered_parameters=gathered,
                started_parameters=started,
                returns=returned_target(node.returns, table),
                returns_items=returned_items(node.returns, table),
                loading=loading,
                fixture=fixture,
                captures=captures,
                end_line=node.end_lineno or node.lineno,
                invocations=invocations,
                decorator_arguments=decorator_arguments(node),
                open_keywords=node.args.kwarg is not None,
                parameter_reads=(*state.parameter_reads.values(), *state.handed_back_reads.values()),
                parameter_loads=tuple(state.parameter_loads),
                forwards=tuple(state.forwards),
                block_forwards=tuple(state.block_forwards),
                returned_parameters=tuple(state.returned_parameters or ()),
                returned_members=_own_returned_members(node, state, decorators),
                keyed_returns=tuple(state.keyed_returns or ()),
                response_model=response_model,
                positional=len(node.args.posonlyargs) + len(node.args.args),
                flag_defaults=constant_defaults(node.args),
                parameter_types=parameter_types,
                parameter_members=tuple(state.parameter_members),
                provided=tuple(state.provider_evidence.items()),
                quiet_parameters=quiet,
                stub=_is_stub(node.body),
            )
        )

    def _bind_parameters(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, state: _FunctionState, injected: bool
    ) -> tuple[str, ...]:
        """Each parameter's evidence: its annotation, a `Depends(provider)`, a fixture of that name."""
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults: dict[str, ast.expr] = {}
        for argument, default in zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True):
            defaults[argument.arg] = default
        for argument, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kw_default is not None:
                defaults[argument.arg] = kw_default
        state.literal_defaults = {name: value for name, value in defaults.items() if type(value) is ast.Constant}
        arguments = [*positional, *args.kwonlyargs]
        # A constructor's parameters are also what its construction sites pass.
        constructor = node.name == "__init__" and state.class_qualname is not None
        passed = {argument.arg for argument in arguments[1:]} if constructor else set()
        extras = [extra for extra in (args.vararg, args.kwarg) if extra is not None]
        arguments.extend(extras)
        # `self: T` or `cls: type[T]` (a TypeVar bound to the class, before `typing.Self`) says no
        # more than the method's own class: the receiver is read as an unannotated one.
        static = any(type(d) is ast.Name and d.id == "staticmethod" for d in node.decorator_list)
        receiver = positional[0] if positional and state.class_qualname is not None and not static else None
        for argument in arguments:
            name = argument.arg
            state.parameters.add(name)
            state.table.forget(name)
            targets = annotation_targets(argument.annotation, self.table) if argument is not receiver else ()
            origins = [Origin(OriginKind.ANNOTATION, t) for t in targets]
            if argument is not receiver and not targets:
                state.parameter_members.extend((name, m) for m in member_targets(argument.annotation, self.table))
            provider = annotated_provider(argument.annotation, self.table) or provider_of(
                defaults.get(name), self.table
            )
            if name in passed or (
                # A parameter that says nothing of itself is what the project's callers pass it.
                provider is None and argument not in extras and name not in _RECEIVERS and _vague(argument, targets)
            ):
                origins.append(Origin(OriginKind.PARAMETER, f"{state.qualname}:{name}"))
            # Every origin of a provider is evidence: `Depends(p)`, and also a provider that
            # a call makes (`Depends(require_permission("x"))`), which the index evaluates.
            evidence = tuple(o for o in origins if o.kind in _PROVIDER_EVIDENCE)
            if provider is not None:
                provided = self.provided(provider)
                origins.extend(provided)
                evidence += provided
            if injected and name not in ("self", "cls"):
                origins.append(Origin(OriginKind.INJECTED, f"{self.module}:{name}"))
            ref = ValueRef(name, tuple(origins), (), True)
            if evidence:
                state.provider_evidence[name] = evidence
            if provider is not None or (injected and evidence):
                # A framework fills it (`Depends(...)`, or an `Annotated` alias the index resolves).
                state.provided[name] = ref
            elements = _element_origins(argument.annotation, self.table)
            state.values.bind(name, Binding(node.lineno, node.col_offset, ref, 0, (name, ()), elements))
        return tuple(a.arg for a in arguments)

    def provided(self, provider: ast.expr) -> tuple[Origin, ...]:
        """What a provider gives when the framework calls it: its yield or its return value."""
        return tuple(
            Origin(OriginKind.PROVIDED, origin.name)
            if origin.kind is OriginKind.NAME and not origin.steps
            # `Depends(db.session)`: calling a method of a project object.
            else origin.then(CALL)
            for origin in self.origins_of(provider)
        )

    def _register_providers(self, value: ast.expr) -> None:
        for key, provider in registered_providers(value, self.table).items():
            found = self.providers.get(key, ()) + self.provided(provider)
            self.providers[key] = found[:_MAX_ORIGINS]

    def _register_plugin_session(self, config: ast.expr) -> None:
        """`SQLAlchemyPlugin(config=c)`: Litestar injects `c.get_session()` under its key."""
        keywords = inline_keywords(config)
        if keywords is None:
            # A config named here: its constructor, when this module makes it, may set the key.
            named = qualify(config, self.table)
            made = next((call for call in self.api_calls if named and call.assigned_to == named), None)
            keywords = made.keywords if made is not None else None
        key = session_key(keywords)
        if key is None:
            return
        opened = tuple(origin.then(_GET_SESSION) for origin in self.origins_of(config))
        self.providers[key] = (self.providers.get(key, ()) + opened)[:_MAX_ORIGINS]

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        """`x.project_id or x.project.id` reads the relationship only where its foreign key is
        empty: a many-to-one with no key loads nothing, one with a key is never reached."""
        function = self.function
        if function is None:
            self.generic_visit(node)
            return
        # `"items" in inspect(order).dict and order.items`: the operands after a probe run
        # only where it held (failed, for `or`), where the relationship is loaded.
        probed = len(function.loaded_probes)
        held = isinstance(node.op, ast.And)
        if held:
            self.visit(node.values[0])
            function.partial += 1
            for previous, operand in itertools.pairwise(node.values):
                self._operand_probe_holds(function, previous, held)
                self.visit(operand)
            function.partial -= 1
            del function.loaded_probes[probed:]
            return
        depth = len(function.short_circuited)
        for position, operand in enumerate(node.values):
            function.partial += position == 1
            if position:
                self._operand_probe_holds(function, node.values[position - 1], held)
            self.visit(operand)
            if type(operand) is ast.Attribute and operand.attr.endswith("_id"):
                owner = self.parameter_path(operand.value)
                if owner is not None:
                    function.short_circuited.append((owner[0], (*owner[1], operand.attr.removesuffix("_id"))))
        function.partial -= len(node.values) > 1
        del function.short_circuited[depth:]
        del function.loaded_probes[probed:]

    def _operand_probe_holds(self, function: _FunctionState, operand: ast.expr, held: bool) -> None:
        probe = loaded_probe(operand)
        if probe is not None:
            self._probe_holds(function, probe, len(function.guards), held)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.lambda_depth += 1
        self.generic_visit(node)
        self.lambda_depth -= 1

    def visit_Attribute(self, node: ast.Attribute) -> None:
        function = self.function
        if function is not None and type(node.ctx) is ast.Load:
            # One walk down to the name serves the parameter's path and the handed-back calls.
            down = self._walk_to_parameter(node)
            walked = _extended(down[0].parameter_path, down[1]) if down is not None else None
            self._record_parameter_read(function, node, walked)
            if walked is None and down is not None:
                for handed, through in self._handed_back_from(*down):
                    self._record_parameter_read(function, node, handed, through)
            if walked is not None and len(walked[1]) >= 2 and walked[1][-2] == "awaitable_attrs":
                # `await order.awaitable_attrs.items` loads `items` itself (under what it needs
                # of the parameters: `for name in relations:` loads nothing for `relations=()`).
                loaded = (*walked[1][:-2], walked[1][-1])
                guard = self._guard(function)
                function.parameter_loads.append(ParameterRead(walked[0], loaded, node.lineno, node.col_offset, guard))
        elif function is not None and type(node.ctx) is ast.Store:
            # `connector.last_indexed_at = now()`: a later read of it returns what was set.
            assigned = self.parameter_path(node)
            if assigned is not None:
                function.assigned_paths.add(assigned)
        if node.attr == CREATE_ALL:
            function = self.function
            found = schema_creation(node, self.origins_of, self.scope, function.qualname if function else None)
            if found is not None:
                self.schema_creations.append(found)
        self.generic_visit(node)

    def visit_If(self, node: ast.If) -> None:
        function = self.function
        self.visit(node.test)
        if function is None:
            for statement in (*node.body, *node.orelse):
                self.visit(statement)
            return
        # Tests of the object's own state (`if not self._committed:`) as well: a call on a fresh
        # object settles them (`index.fresh_objects`); elsewhere they settle nothing.
        body, orelse = branch_conditions(node.test, self._is_parameter, on_state=True, truth_of=self._truth_of)
        if type(node.test) is ast.Constant:
            body, orelse = ((), (NEVER,)) if node.test.value else ((NEVER,), ())
        function.branches += 1
        # What the code sets on a parameter's object (`order.customer = ...`) holds after the
        # `if` only when every branch that goes on past it set it.
        before = function.assigned_paths
        going_on: list[set[tuple[str, tuple[str, ...]]]] = []
        probe = loaded_probe(node.test)
        for branch, holds in ((node.body, body), (node.orelse, orelse)):
            depth = len(function.guards)
            function.guards.append(holds)
            function.assigned_paths = set(before)
            if probe is not None:
                function.probes.append(probe[0] if branch is node.body else not probe[0])
                function.probe_names.append(probe[1])
                self._probe_holds(function, probe, depth, branch is node.body)
            else:
                self._operand_probes_hold(function, node.test, depth, branch is node.body)
            self._visit_block(function, branch, depth)
            if probe is not None:
                function.probes.pop()
                function.probe_names.pop()
            if not leaves(branch):
                going_on.append(function.assigned_paths)
        function.assigned_paths = set.intersection(*going_on) if going_on else before
        function.branches -= 1
        operands_probed = probe is None and _operand_probes(node.test, body=False)
        if not node.orelse and leaves(node.body) and (orelse or probe is not None or operands_probed):
            # `if override is not None: return override`: the rest of the block needs it None
            # (and after `if "items" not in inspect(order).dict: return`, has them loaded).
            if probe is not None:
                self._probe_holds(function, probe, len(function.guards), False)
            else:
                self._operand_probes_hold(function, node.test, len(function.guards), False)
            function.guards.append(orelse)

    def _probe_holds(
        self, function: _FunctionState, probe: tuple[bool, str | None, ast.expr], depth: int, holds: bool
    ) -> None:
        """Where the test `probe` (`getters.loaded_probe`) says `holds`, at `guards[depth]`: the
        relationship it names is loaded there when the test says so of (part of) a parameter."""
        loaded, name, subject = probe
        if name is None or loaded is not holds:
            return
        found = self._probed_path(function, subject)
        if found is not None:
            function.loaded_probes.append((depth, name, found))

    def _operand_probes_hold(self, function: _FunctionState, test: ast.expr, depth: int, body: bool) -> None:
        """`if "items" in inspect(order).dict and order.items:`: the body runs where every
        probe among an `and`'s operands held; the other side, where every one of an `or`'s
        failed (`getters.loaded_probe` takes a single probe only)."""
        for probe in _operand_probes(test, body):
            self._probe_holds(function, probe, depth, body)

    def _probed_path(self, function: _FunctionState, subject: ast.expr) -> ParameterPath | None:
        """The parameter path a probe asks about: `order` of `order.__dict__`, of
        `inspect(order).dict`, or of `state.unloaded` with `state = inspect(order)`."""
        inspected_object = inspected(subject, self.table)
        if inspected_object is not None:
            return self.parameter_path(inspected_object)
        if type(subject) is ast.Name and subject.id in function.inspections:
            found, binding = function.inspections[subject.id]
            return found if self._binding(function, subject) is binding else None
        return self.parameter_path(subject)

    def _record_inspection(self, function: _FunctionState, target: ast.Name, value: ast.expr) -> None:
        """`state = inspect(order)` with `order` (part of) a parameter. (Any other binding of
        `state` ends it: `_probed_path` asks for this one.)"""
        inspected_object = inspected(value, self.table)
        found = self.parameter_path(inspected_object) if inspected_object is not None else None
        binding = function.values.latest(target.id)
        if found is not None and binding is not None:
            function.inspections[target.id] = (found, binding)

    @staticmethod
    def _drop_guards(function: _FunctionState, depth: int) -> None:
        """Leave the branches and exits from `guards[depth]` on, and what they said is loaded."""
        del function.guards[depth:]
        if function.loaded_probes:
            function.loaded_probes = [probe for probe in function.loaded_probes if probe[0] < depth]

    @staticmethod
    def _probed_loaded(function: _FunctionState, found: ParameterPath) -> bool:
        """A test at the current point says the relationship the read walks through is loaded."""
        parameter, path = found
        for _, name, (probed, prefix) in function.loaded_probes:
            if (
                probed == parameter
                and len(path) > len(prefix)
                and path[: len(prefix)] == prefix
                and path[len(prefix)] == name
            ):
                return True
        return False

    def visit_IfExp(self, node: ast.IfExp) -> None:
        """`self._pending() if "x" in include else none()`: each side runs under what its test
        says of the parameters, as the branches of an `if` do."""
        function = self.function
        self.visit(node.test)
        if function is None:
            self.visit(node.body)
            self.visit(node.orelse)
            return
        body, orelse = branch_conditions(node.test, self._is_parameter, on_state=True, truth_of=self._truth_of)
        probe = loaded_probe(node.test)
        function.partial += 1
        for side, holds in ((node.body, body), (node.orelse, orelse)):
            depth = len(function.guards)
            function.guards.append(holds)
            if probe is not None:
                self._probe_holds(function, probe, depth, side is node.body)
            self.visit(side)
            self._drop_guards(function, depth)
        function.partial -= 1

    def _truth_of(self, name: ast.Name) -> str | None:
        """The parameter a local copy stands for in a test of its truth (`truth_copies`)."""
        function = self.function
        found = function.truth_copies.get(name.id) if function is not None else None
        if function is None or found is None:
            return None
        parameter, binding = found
        return parameter if self._binding(function, name) is binding else None

    def _record_truth_copy(self, function: _FunctionState, target: ast.Name, value: ast.expr) -> None:
        """`selected = set(include) if include else set()` with `include` a parameter (or such a
        copy). (Any other binding of `selected` ends a copy it held: `_truth_of` asks for this one.)"""
        copied = truth_copy(value)
        if copied is None:
            return
        parameter = copied.id if self._is_parameter(copied) else self._truth_of(copied)
        binding = function.values.latest(target.id)
        if parameter is not None and binding is not None:
            function.truth_copies[target.id] = (parameter, binding)

    def _visit_block(self, function: _FunctionState, body: list[ast.stmt], depth: int) -> None:
        """Visit a nested block; the early exits it records guard only the rest of it."""
        for statement in body:
            self.visit(statement)
        self._drop_guards(function, depth)

    def _is_parameter(self, name: ast.Name) -> bool:
        return self.parameter_path(name) == (name.id, ())

    @staticmethod
    def _guard(function: _FunctionState) -> Guard:
        if not function.guards:
            return ()  # most reads and calls happen under no test of a parameter
        return tuple(condition for guard in function.guards for condition in guard)

    def visit_Match(self, node: ast.Match) -> None:
        function = self.function
        self.visit(node.subject)
        if function is None:
            for case in node.cases:
                self.visit(case)
            return
        function.branches += 1
        for case in node.cases:
            depth = len(function.guards)
            self.visit(case)
            self._drop_guards(function, depth)
        function.branches -= 1

    @staticmethod
    def _probed(function: _FunctionState, loaded: bool) -> bool:
        """Whether the current point runs in no loop and under no test but those that say the
        relationships they ask about are `loaded` (or not)."""
        return (
            not function.loops
            and not function.partial
            and function.branches == len(function.probes)
            and all(probe is loaded for probe in function.probes)
        )

    def _conditional(self, function: _FunctionState) -> bool:
        """Whether the current point runs only on some paths of the function."""
        return function.branches > 0 or bool(function.loops) or function.returned

    def visit_Global(self, node: ast.Global) -> None:
        if self.function is not None:
            self.function.global_names.update(node.names)

    # -- loops -----------------------------------------------------------------

    def _visit_loop(self, node: ast.AST) -> None:
        self.loop_depth += 1
        function = self.function
        if function is not None:
            function.loops.append(node)
            self._bind_loop_targets(node, function)
        self.concurrency.enter_loop(node)
        depth = len(function.guards) if function is not None else 0
        if function is not None and isinstance(node, (ast.For, ast.AsyncFor)):
            self._visit_for(function, node, depth)
        else:
            self.generic_visit(node)
        self.concurrency.leave_loop()
        if function is not None:
            function.loops.pop()
            self._drop_guards(function, depth)
        self.loop_depth -= 1

    def _visit_for(self, function: _FunctionState, node: ast.For | ast.AsyncFor, depth: int) -> None:
        """`for name in include:` runs its body only when `include` is truthy (nothing to iterate
        in an empty one, and `None` raises); its `else` runs either way."""
        self.visit(node.target)
        self.visit(node.iter)
        if type(node.iter) is ast.Name:
            function.guards.append(branch_conditions(node.iter, self._is_parameter, truth_of=self._truth_of)[0])
        for statement in node.body:
            self.visit(statement)
        self._drop_guards(function, depth)
        for statement in node.orelse:
            self.visit(statement)

    def _bind_loop_targets(self, node: ast.AST, function: _FunctionState) -> None:
        """`for x in ...` binds `x` once per iteration: to nothing the facts know."""
        targets: list[ast.expr] = []
        if isinstance(node, (ast.For, ast.AsyncFor)):
            targets.append(node.target)
        elif isinstance(node, _COMPREHENSIONS):
            targets.extend(generator.target for generator in node.generators)
        line = getattr(node, "lineno", 0)
        iterated = (
            [node.iter]
            if isinstance(node, (ast.For, ast.AsyncFor))
            else [g.iter for g in getattr(node, "generators", [])]
        )
        for target, source in zip(targets, iterated, strict=False):
            # `for item in order.items`: each item is an element of the parameter's collection.
            whole = self.parameter_path(source) if type(target) is ast.Name else None
            if whole is None and type(target) is ast.Name:
                whole = self._handed_back_member(source)
            element = (whole[0], (*whole[1], "[]")) if whole is not None and len(whole[1]) < _MAX_PATH else None
            # `for order in orders` with `orders: list[Order]`: each one is an `Order`.
            known = self.elements_of(source) if type(target) is ast.Name else ()
            if not known and type(node) is ast.AsyncFor and type(target) is ast.Name:
                # `async for session in get_db()`: what the generator yields (which is what
                # the index makes of calling it), as `async with helper() as session`.
                known = self.origins_of(source)
            # `for worker in workers` over `[Worker(session) for ...]`: each one holds the session.
            holds = self.reaches.items_held(target, source)
            # A comprehension's element comes before its `for` (`[o.items for o in orders]`): its
            # targets are bound from where it starts.
            where = (line, node.col_offset) if isinstance(node, _COMPREHENSIONS) else _end(target)
            for name in bound_names(target):
                held = holds.get(name, ())
                ref = ValueRef(name, known, held) if known or held else None
                function.values.bind(name, Binding(*where, ref, line, element))

    # (Methods of their own, not aliases: mypyc compiles no assignment in a class body.)
    def visit_For(self, node: ast.For) -> None:
        self._visit_loop(node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._visit_loop(node)

    def visit_While(self, node: ast.While) -> None:
        self._visit_loop(node)

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._visit_loop(node)

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._visit_loop(node)

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._visit_loop(node)

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self._visit_loop(node)

    # -- bindings --------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        single = node.targets[0] if len(node.targets) == 1 else None
        self._visit_value(node.value, single)
        self._record_type_alias(single, node.value, explicit=False)
        for target in node.targets:
            self.concurrency.on_assign(target, node.value, node.lineno, node.col_offset)
            self.kept.on_assign(target, node.value)
            self._bind_target(target, node.value, None, node)
            if type(target) is not ast.Name:
                self._changes_copy(target)
                self._record_replacement(target, node.value)
                self.visit(target)
        function = self.function
        if function is not None and type(single) is ast.Name:
            self._record_truth_copy(function, single, node.value)
            self._record_inspection(function, single, node.value)

    def _hands_copies(self, call: ast.Call) -> None:
        """`selected.add("x")`, or `fill(selected)` which may: the copy may hold more than the
        parameter did. (`len(selected)` and the copying builtins leave it as it is.)"""
        func = call.func
        if type(func) is ast.Attribute and func.attr in _GROWERS:
            self._changes_copy(func.value)
        if type(func) is ast.Name and func.id in _READERS:
            return
        for argument in (*call.args, *(keyword.value for keyword in call.keywords)):
            if type(argument) is ast.Name:
                self._changes_copy(argument)

    def _changes_copy(self, target: ast.expr) -> None:
        """`selected[key] = ...` or `selected |= extra`: the copy may hold more than the parameter."""
        function = self.function
        if function is None or not function.truth_copies:
            return
        while isinstance(target, (ast.Subscript, ast.Attribute)):
            target = target.value
        if type(target) is ast.Name:
            function.truth_copies.pop(target.id, None)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._visit_value(node.value, node.target)
        # `typing.TypeAlias` needs no import to count: a `type` statement lowered for an older Python reads so.
        explicit = (qualify(node.annotation, self.table) or expression_text(node.annotation)) in TYPE_ALIAS_MARKERS
        self._record_type_alias(node.target, node.value, explicit)
        self.concurrency.on_assign(node.target, node.value, node.lineno, node.col_offset)
        if node.value is not None:
            self.kept.on_assign(node.target, node.value)
        self._bind_target(node.target, node.value, node.annotation, node)
        if not isinstance(node.target, ast.Name):
            if node.value is not None:
                self._record_replacement(node.target, node.value)
            self.visit(node.target)

    def _record_replacement(self, target: ast.expr, value: ast.expr) -> None:
        """`member.tags = tags` on a parameter: a replacement of what the path ends in, which loads
        the old collection of a persistent object (a caller's object handed over unloaded). A value
        that can be no collection (a constant, an f-string, a comparison) replaces a column; an
        `__init__` sets up an object no session holds yet, which loads nothing."""
        function = self.function
        if function is None or type(target) is not ast.Attribute or isinstance(value, _NO_COLLECTION):
            return
        if function.qualname.endswith(".__init__"):
            return
        self._record_parameter_read(function, target, self.parameter_path(target), replaced=True)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        function = self.function
        if function is not None and type(node.target) is ast.Attribute:
            # `member.tags += extra` reads `member.tags` before it sets it.
            self._record_parameter_read(function, node.target, self.parameter_path(node.target))
        self.generic_visit(node)
        self._changes_copy(node.target)
        if type(node.target) is ast.Name and type(node.op) is ast.Add:
            # `coros += [load(s, i)]`: the list now holds the items too.
            self.concurrency.extend(node.target.id, node.value, node.lineno, node.col_offset)

    def visit_TypeAlias(self, node: ast.AST) -> None:  # `type X = ...`, Python 3.12+
        self._record_type_alias(getattr(node, "name", None), getattr(node, "value", None), explicit=True)
        self.generic_visit(node)

    def _record_type_alias(self, target: ast.expr | None, value: ast.expr | None, explicit: bool) -> None:
        if self.scope is Scope.MODULE and type(target) is ast.Name:
            found = type_alias_target(value, self.table, explicit)
            if found:
                provider = annotated_provider(value, self.table)
                self.type_aliases[target.id] = TypeAlias(found, self.provided(provider) if provider else ())
            elif members := union_alias_members(value, self.table, explicit):
                self.union_aliases[target.id] = members

    def _visit_value(self, value: ast.expr, target: ast.expr | None) -> None:
        call = value.value if type(value) is ast.Await else value
        if self.function is not None and type(target) is ast.Name and type(call) is ast.Call:
            bound = self.function.argued_results if call.args or call.keywords else self.function.argless_results
            bound.add((target.id, target.lineno))
        self._assign_target = (
            (self._published_name(target) or self._stored_attribute(target)) if type(value) is ast.Call else None
        )
        self.visit(value)
        self._assign_target = None

    def _bind_returned_items(self, target: ast.Tuple | ast.List, value: ast.expr | None, node: ast.stmt) -> None:
        """`engine, factory = make()` (also awaited): each name is what the call's returned tuple
        holds at its position (`FunctionFacts.returned_items`), a module-level or `global` name
        for every function that reads it."""
        call = value.value if type(value) is ast.Await else value
        if type(call) is not ast.Call or any(type(item) is ast.Starred for item in target.elts):
            return
        made = self.origins_of(call)
        if not made:
            return
        function = self.function
        for position, item in enumerate(target.elts[:_MAX_RETURNED_ITEMS]):
            if type(item) is not ast.Name:
                continue
            step = Step(StepKind.ITEM, str(position))
            origins = tuple([origin.then(step) for origin in made])
            published = self._published_name(item)
            if published is not None:
                if self.scope is Scope.MODULE:
                    self._bind_module_name(item.id, None)
                self.module_values[item.id] = (self.module_values.get(item.id, ()) + origins)[:_MAX_ORIGINS]
            if function is not None:
                binding = Binding(*_end(node), ValueRef(item.id, origins), self._loop_line(function))
                function.values.bind(item.id, binding)

    def _published_name(self, target: ast.expr | None) -> str | None:
        if type(target) is not ast.Name:
            return None
        if self.scope is Scope.MODULE:
            return f"{self.module}.{target.id}"
        function = self.function
        if function is not None and target.id in function.global_names:
            return f"{self.module}.{target.id}"
        return None

    def _record_dispatch_table(self, name: str, table: ast.Dict) -> None:
        """`HANDLERS = {"a": load_a, "b": load_b}`: a call of `HANDLERS[key](...)` runs one of them."""
        self.dispatch_tables.pop(name, None)  # a name bound again is whatever it is bound to last
        if not table.values or len(table.values) > _MAX_TABLE_ENTRIES:
            return
        entries: list[Origin] = []
        for value in table.values:
            found = self.origins_of(value) if type(value) in (ast.Name, ast.Attribute) else ()
            if not found:
                return  # an entry that is no name (a constant, a lambda): no table of functions
            entries.append(found[0])  # (`services.load` is first the function it names)
        self.dispatch_tables[name] = tuple(entries)

    def _stored_attribute(self, target: ast.expr | None) -> str | None:
        """`self.x = call()` in a method: the value lives on the object, built once per instance."""
        function = self.function
        if (
            function is None
            or function.class_qualname is None
            or type(target) is not ast.Attribute
            or type(target.value) is not ast.Name
            or target.value.id != "self"
        ):
            return None
        return f"{function.class_qualname}.{target.attr}"

    def _bind_target(
        self, target: ast.expr, value: ast.expr | None, annotation: ast.expr | None, node: ast.stmt
    ) -> None:
        function = self.function
        published = self._published_name(target)
        if published is not None and isinstance(value, (ast.Call, ast.Await)):
            name = published.rsplit(".", 1)[1]
            found = self.module_values.get(name, ()) + self.origins_of(value)
            self.module_values[name] = found[:_MAX_ORIGINS]
        if published is not None and type(value) is ast.Dict and self.scope is Scope.MODULE:
            self._record_dispatch_table(published.rsplit(".", 1)[1], value)
        if type(target) is ast.Name:
            if function is None:
                if self.scope is Scope.MODULE:
                    self._bind_module_name(target.id, value)
                return
            self._bind_local(function, target.id, value, annotation, node)
            return
        if isinstance(target, (ast.Tuple, ast.List)) and function is not None:
            pairs = _unpacked(target, value)
            if pairs:
                # `reader, writer = Repo(session), Repo(session)`: each name as if bound alone.
                for item, item_value in pairs:
                    self._bind_target(item, item_value, None, node)
                return
            for name in bound_names(target):
                function.values.bind(name, Binding(*_end(node), None, self._loop_line(function)))
                function.table.forget(name)
            self._bind_returned_items(target, value, node)
            return
        if isinstance(target, (ast.Tuple, ast.List)) and self.scope is Scope.MODULE:
            self._bind_returned_items(target, value, node)
            return
        key = _mapping_key(target)
        if key is not None and function is not None and type(value) is ast.Name:
            assert type(target) is ast.Subscript
            if type(target.value) is ast.Name:
                function.spread.setdefault(target.value.id, {})[key] = value.id
        if key is not None and value is not None:
            # `ctx["session_maker"] = async_sessionmaker(...)`: a worker context or an aiohttp
            # application, read back by the key elsewhere.
            # A value with no origins (a literal, an argument) is kept too, as one the index
            # cannot tell: the key then keeps something other than a database handle.
            # Past the cap, what the rest keep is untold too.
            kept = self.mapping_keys.get(key, ()) + (self.origins_of(value) or (_UNTOLD,))
            if len(kept) > _MAX_ORIGINS:
                kept = (*kept[: _MAX_ORIGINS - 1], _UNTOLD)
            self.mapping_keys[key] = kept
            return
        if type(target) is not ast.Attribute or value is None:
            return
        if type(target.value) is ast.Attribute and target.value.attr == _STATE:
            # `app.state.db = async_sessionmaker(...)`: ASGI application state, read back by name.
            found = self.app_state.get(target.attr, ()) + self.origins_of(value)
            self.app_state[target.attr] = found[:_MAX_ORIGINS]
        if (
            function is not None
            and function.class_qualname is not None
            and type(target.value) is ast.Name
            and target.value.id == "self"
        ):
            declared = annotation_target(annotation, self.table)
            origins = (Origin(OriginKind.ANNOTATION, declared),) if declared else self.origins_of(value)
            holds = self.reaches.holds_of(value)
            if origins or holds:
                owner = self._class_state(function.class_qualname)
                if owner is not None:
                    known = owner.attributes.get(target.attr)
                    merged = AttributeFacts(
                        ((known.origins if known else ()) + origins)[:_MAX_ORIGINS],
                        (known.holds if known else ()) + holds,
                        known.function if known and known.holds else function.qualname,
                    )
                    owner.attributes[target.attr] = merged

    def _bind_local(
        self, function: _FunctionState, name: str, value: ast.expr | None, annotation: ast.expr | None, node: ast.stmt
    ) -> None:
        function.literal_defaults.pop(name, None)
        wrapped = _constructor_names(value) if type(value) is ast.Call else ()
        if wrapped:
            function.wrappers[name] = wrapped
        else:
            function.wrappers.pop(name, None)
        declared = annotation_targets(annotation, self.table) if annotation is not None else ()
        # `crud = import_module("app.crud")` binds the module, as `import app.crud as crud` does.
        module = imported_module(value, self.table) if value is not None and not declared else None
        if declared:
            origins: tuple[Origin, ...] = tuple(Origin(OriginKind.ANNOTATION, t) for t in declared)
        elif module is not None:
            origins = self._named(module)
        elif value is not None:
            origins = self.origins_of(value)
        else:
            return  # `x: int` declares without binding
        holds = self.reaches.holds_of(value) if value is not None and not self.concurrency.keeps_task(value) else ()
        alias = module or (qualify(value, self.table) if value is not None and not declared else None)
        if alias:
            function.table.bind(name, alias)
        else:
            function.table.forget(name)
        ref = ValueRef(name, origins, holds) if origins or holds else None
        parameter = self._parameter_bound(value) if value is not None else None
        if annotation is not None:
            elements = _element_origins(annotation, self.table)
        else:
            elements = self._listed_names(value) if value is not None else ()
        handed = self._handed_to_call(value) if parameter is None and value is not None else ()
        if handed:
            function.handed_back = True
        queried = self._queried(function, value) if type(value) is ast.Await else ()
        binding = Binding(*_end(node), ref, self._loop_line(function), parameter, elements, handed, queried)
        function.values.bind(name, binding)

    def _queried(self, function: _FunctionState, value: ast.Await) -> tuple[Queried, ...]:
        """What an awaited call is handed that may be the session its objects come from (see
        `ReachFinder.queried`), and what the object whose method it calls was built over
        (`rows = await repo.list_all()` on `repo = Repo(session)`: `session` as `self@0`)."""
        found = self.reaches.queried(value)
        call = value.value
        if type(call) is not ast.Call or not function.wrappers:
            return found
        wrapped = self._wrapped_arguments(function, call)
        if not wrapped:
            return found
        callee = self.origins_of(call)
        if not callee:
            return found
        kept: list[Queried] = []
        for key, argument in wrapped:
            ref = self.value_ref(argument)
            if ref is not None and ref.origins:
                kept.append((callee, key, ValueRef(ref.text, ref.origins, received=ref.received)))
        if not kept:
            return found
        # (What the local object was built over says which session it keeps: not its receiver entry.)
        return (*(queried for queried in found if queried[1] != RECEIVER), *kept)

    def _parameter_bound(self, value: ast.expr) -> ParameterPath | None:
        """The parameter (path) a bound value is: also a whole parameter collection some of whose
        objects are bound (`results = results[start:end]`), which a `return results` hands back."""
        same = _same_objects_of(value)
        if same is not value:
            found = self.parameter_path(same)
            if found is not None and not found[1]:
                return found
        return self.parameter_path(value)

    @staticmethod
    def _loop_line(function: _FunctionState) -> int:
        return getattr(function.loops[-1], "lineno", 0) if function.loops else 0

    def name_lines(self, name: str) -> list[int]:
        """The lines of the file where `name` stands as a name, in order (see `quiet.py`); the
        text is decoded once, each name searched once."""
        found = self._name_lines.get(name)
        if found is None:
            if self._text is None:
                source = self.source or ""
                self._text = source.decode("utf-8", errors="replace") if isinstance(source, bytes) else source
            found = self._name_lines[name] = name_lines(self._text, name)
        return found

    def _class_state(self, qualname: str) -> _ClassState | None:
        for state in reversed(self.classes):
            if state.qualname == qualname:
                return state
        return None

    # -- what a value is -----------------------------------------------------------

    def origins_of(self, expr: ast.expr) -> tuple[Origin, ...]:
        """What the facts can say about where the value of `expr` comes from."""
        # Half the questions are repeats: the same expression is asked about by the call's
        # recorders, by the expressions around it and by the loading walk. The answer reads
        # only the current function's bindings (and its enclosing functions'), the name
        # tables and the expression itself, so it stands while no table has changed.
        function = self.function
        table = self.table
        count = table.revision.count
        kept = self._origins.get(expr)
        if kept is not None and kept[0] is function and kept[1] is table and kept[2] == count:
            return kept[3]
        found = self._origins_read(expr)
        self._origins[expr] = (function, table, count, found)
        return found

    def _origins_read(self, expr: ast.expr) -> tuple[Origin, ...]:
        # Exact classes, not isinstance: no `ast` class has subclasses, and this runs often.
        if type(expr) is ast.Await:
            return self.origins_of(expr.value)
        if type(expr) is ast.Call:
            generator = next_item_of(expr, self.table)
            if generator is not None:
                found = self.origins_of(generator)  # `await anext(get_db())`: what it yields
                if takes_sync_item(expr):
                    return tuple([origin.then(SYNC_ITEM) for origin in found])
                return found
            func = expr.func
            expire = _expire_on_commit(expr, self._literal_defaults()) if expr.keywords else None
            if type(func) is ast.Attribute:
                base = self.origins_of(func.value)
                if base:
                    step = Step(StepKind.METHOD, func.attr, expire)
                    found = tuple([origin.then(step) for origin in base])
                    if type(func.value) is ast.Attribute and func.value.attr == _STATE:
                        # `request.app.state.db()`: calling what the application stored.
                        found = (Origin(OriginKind.APP_STATE, func.attr, (CALL,)), *found)
                    return found[:_MAX_ORIGINS]
            elif type(func) is ast.Name and expr.args and self.table.lookup(func.id) in TRANSPARENT_WRAPPERS:
                return self.origins_of(expr.args[0])  # `asynccontextmanager(_session)` is `_session`
            call = CALL if expire is None else Step(StepKind.CALL, "", expire)
            return tuple([origin.then(call) for origin in self.origins_of(func)])
        if type(expr) is ast.Subscript:
            # `HANDLERS[action]`: an item of a table a name holds; the index knows the tables.
            found = tuple([origin.then(_ITEM) for origin in self.origins_of(expr.value) if not origin.steps])
            key = _mapping_key(expr)
            if key is not None:
                # `ctx["session_maker"]`: what a worker context or an application keeps under the key.
                found = (Origin(OriginKind.MAPPING_KEY, key), *found)
            return found[:_MAX_ORIGINS]
        if type(expr) is ast.BoolOp and type(expr.op) is ast.Or:
            # `read_db or db`: one of them.
            return tuple([origin for value in expr.values for origin in self.origins_of(value)][:_MAX_ORIGINS])
        if type(expr) is ast.Name:
            function = self.function
            if function is not None:
                binding = self._binding(function, expr)
                if binding is not None:
                    return binding.ref.origins if binding.ref is not None else ()
                outer = function.values.enclosing(expr.id)
                if outer is not None:
                    return outer.origins
            qualname = self.table.lookup(expr.id)
            return self._named(qualname) if qualname else ()
        if type(expr) is ast.Attribute:
            function = self.function
            if (
                function is not None
                and function.class_qualname is not None
                and type(expr.value) is ast.Name
                and expr.value.id in _RECEIVERS
            ):
                # `self.load()`, and `cls.fetch_roots()` in a classmethod: the class's own member.
                return (Origin(OriginKind.ATTRIBUTE, f"{function.class_qualname}.{expr.attr}"),)
            # `engine.sync_engine` is an attribute of a value; `sqlalchemy.orm.Session` a
            # module path: keep both readings and let the index evaluate them.
            step = Step(StepKind.ATTRIBUTE, expr.attr)
            found = tuple([origin.then(step) for origin in self.origins_of(expr.value)])
            qualname = qualify(expr, self.table)
            if qualname:
                found = (*self._named(qualname), *found)
            if type(expr.value) is ast.Attribute and expr.value.attr == _STATE:
                found = (Origin(OriginKind.APP_STATE, expr.attr), *found)
            return found[:_MAX_ORIGINS]
        return ()

    def _handed_on(self, argument: ast.expr) -> tuple[Origin, ...]:
        """What an argument of a call is, read only where a function keeps a session it hands on:
        a name it binds (a parameter, `async with ... as session`) and `self.<attribute>`. Any other
        argument is one the facts know nothing of (most arguments: reading them all cost a
        hundredth of the facts pass)."""
        function = self.function
        if function is None:
            return ()
        if type(argument) is ast.Name:
            return self.origins_of(argument) if argument.id in function.values.bindings else ()
        if (
            type(argument) is ast.Attribute
            and type(argument.value) is ast.Name
            and argument.value.id == "self"
            and function.class_qualname is not None
        ):
            return (Origin(OriginKind.ATTRIBUTE, f"{function.class_qualname}.{argument.attr}"),)
        return ()

    def _relayed(self, argument: ast.expr) -> str | None:
        """`module.function:parameter` when the argument is a parameter of the current function,
        as it received it."""
        function = self.function
        if function is None or type(argument) is not ast.Name:
            return None
        binding = self._binding(function, argument)
        path = binding.parameter_path if binding is not None else None
        if path is None or path[1]:
            return None
        return f"{function.qualname}:{path[0]}"

    def _module_name(self, argument: ast.expr) -> tuple[Origin, ...]:
        """A module-level or imported name handed over as it is (`in_transaction(session, save)`)."""
        function = self.function
        if type(argument) is not ast.Name or function is None or argument.id in function.values.bindings:
            return ()
        qualname = qualify(argument, self.table)
        return self._named(qualname) if qualname is not None else ()

    def _named(self, qualname: str) -> tuple[Origin]:
        """`(Origin(NAME, qualname),)`, made once per name and file (origins are immutable)."""
        found = self._name_origins.get(qualname)
        if found is None:
            found = self._name_origins[qualname] = (Origin(OriginKind.NAME, qualname),)
        return found

    def value_ref(self, expr: ast.expr) -> ValueRef | None:
        """The expression with its evidence; None when it is no dotted name or call of one."""
        text = _value_text(expr)
        if text is None:
            return None
        function = self.function
        holds: tuple[Held, ...] = ()
        received = False
        if function is not None and type(expr) is ast.Name:
            binding = self._binding(function, expr)
            if binding is not None:
                if binding.ref is not None:
                    holds = binding.ref.holds
                    received = binding.ref.received
            else:
                outer = function.values.enclosing(expr.id)
                if outer is not None:
                    holds, received = outer.holds, True
        return ValueRef(text, self.origins_of(expr), holds, received)

    def queried_of(self, name: ast.Name) -> tuple[Queried, ...]:
        """What the awaited call `name` holds the result of was handed (`Binding.queried`)."""
        function = self.function
        binding = self._binding(function, name) if function is not None else None
        return binding.queried if binding is not None else ()

    def elements_of(self, iterable: ast.expr) -> tuple[Origin, ...]:
        """What each element of an iterated name is, when its annotation declares a collection
        or it was bound to a literal of names (`for step in steps` after `steps = [self.load,
        self.save]`, also `for step in (load, save)`)."""
        function = self.function
        if function is None:
            return ()
        if type(iterable) is not ast.Name:
            return self._listed_names(iterable)
        binding = self._binding(function, iterable)
        return binding.elements if binding is not None else ()

    def _listed_names(self, value: ast.expr) -> tuple[Origin, ...]:
        """What a list or tuple literal of names holds, element by element (`[self.load,
        save]`: the method and the function): every element a name or `self.<attribute>` with
        origins of its own, else nothing."""
        if type(value) not in (ast.List, ast.Tuple):
            return ()
        elements = value.elts  # type: ignore[attr-defined]
        if not elements or len(elements) > _MAX_ORIGINS:
            return ()
        found: list[Origin] = []
        for element in elements:
            if type(element) is not ast.Name and not (
                type(element) is ast.Attribute and type(element.value) is ast.Name and element.value.id == "self"
            ):
                return ()
            origins = self.origins_of(element)
            if not origins or any(origin.steps or origin.kind not in _LISTED_KINDS for origin in origins):
                return ()
            found.extend(origins)
        return tuple(dict.fromkeys(found))[:_MAX_ORIGINS]

    def _record_local_result_called(self, function: _FunctionState, func: ast.Name) -> None:
        """`factory = build_factory()` then `factory()`: the builder's result is called through a
        local name (only a name bound in this function: a parameter or an outer value is kept by
        someone else). A builder given arguments is recorded apart (`result_argued`): one handed an
        engine builds the factory for the engine its caller chose, which may be one made for this
        call as well (a task that runs its own event loop); the index asks whether the builder makes
        the engine itself."""
        binding = self._binding(function, func)
        if binding is None or binding.ref is None:
            return
        key = (func.id, binding.line)
        argued = key in function.argued_results
        if not argued and key not in function.argless_results:
            return
        for origin in binding.ref.origins:
            if origin.kind is OriginKind.NAME and len(origin.steps) == 1 and origin.steps[0].kind is StepKind.CALL:
                self.invocations.on_local_result_called(origin.name, in_loop=self.loop_depth > 0, argued=argued)

    @staticmethod
    def _binding(function: _FunctionState, name: ast.Name) -> Binding | None:
        """The binding of `name` in force where it is read (the loading interpreter reads a
        function after the walk, when later bindings are already in the table)."""
        found = function.values.bindings.get(name.id)
        if not found:
            return None
        line = getattr(name, "lineno", None)
        if line is None:
            return found[-1]
        return function.values.at(name.id, line, name.col_offset)

    def flow_of(self, function: ast.AST) -> Flow:
        """Which code of `function` can run after which: built once per function, when asked."""
        if self._flow is None or self._flow.function is not function:
            self._flow = Flow(function)
        return self._flow

    def binding_line(self, name: str) -> int | None:
        """Where `name` was last bound in the current function (None: not bound here)."""
        values = self.values
        binding = values.latest(name) if values is not None else None
        return binding.line if binding is not None else None

    # -- calls -----------------------------------------------------------------

    def visit_Return(self, node: ast.Return) -> None:
        self._returned = node.value
        function = self.function
        if function is not None and function.returned_parameters is not None:
            self._record_returned_parameter(function, node)
        if function is not None and function.keyed_returns is not None:
            self._record_keyed_return(function, node)
        if function is not None and function.returned_members is not None and function.class_qualname:
            _record_returned_members(function, node)
        if function is not None and node.value is not None:
            self.kept.on_return(node.value)
            self.invocations.on_return(node.value)
            ref = self.value_ref(node.value)
            if ref is not None and (ref.origins or ref.holds):
                function.returned_values.append(ref)
            elif type(node.value) is ast.Tuple:
                self._record_returned_items(function, node.value)
        self.generic_visit(node)
        if function is not None:
            function.returned = True
            if not self._probed(function, loaded=True):
                function.left_unprobed = True
            function.returned_probes.update(function.probe_names)

    def _record_returned_items(self, function: _FunctionState, returned: ast.Tuple) -> None:
        """`return engine, factory`: what each position gives, for a caller that unpacks it."""
        if any(type(item) is ast.Starred for item in returned.elts):
            return
        items = function.returned_items
        for position, item in enumerate(returned.elts[:_MAX_RETURNED_ITEMS]):
            ref = self.value_ref(item)
            if position == len(items):
                items.append([])
            if ref is not None and ref.origins and len(items[position]) < _MAX_ORIGINS:
                items[position].append(ref)

    def visit_Await(self, node: ast.Await) -> None:
        if self.function is not None:
            self.function.awaits = True
        self._awaited = node.value
        self.concurrency.on_await(node)
        self.visit(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        target, self._assign_target = self._assign_target, None
        awaited = self._awaited is node
        func = node.func
        if type(func) is ast.Attribute and func.attr in TRACKED_METHODS:
            self._record_method_call(node, func, awaited)
        qualname = qualify(func, self.table)
        self.concurrency.on_call(node, qualname, awaited)
        function = self.function
        if function is not None and function.truth_copies:
            self._hands_copies(node)
        built = construction(
            node, qualname, function.class_qualname if function else None, self.origins_of, target or ""
        )
        if built is not None:
            self.constructions.append(built)
        elif function is not None and function.is_async and (node.args or node.keywords):
            # (The code that holds an asyncio session and hands it on is async itself.)
            self.passing_calls.extend(
                passing_calls(node, qualname, self.origins_of, self._handed_on, self._module_name, self._relayed)
            )
        self.invocations.on_call(
            node,
            self.table,
            qualname,
            in_loop=self.loop_depth > 0,
            in_lambda=self.lambda_depth > 0,
            published=target is not None and "." not in target.removeprefix(f"{self.module}."),
            script=self.function is None and self.concurrency.in_script(node.lineno),
            guard=self._guard(function) if function is not None else (),
        )
        if function is not None and type(func) is ast.Name:
            self._record_local_result_called(function, func)
        if qualname is not None:
            api = known_api(qualname)
            leaf = qualname.rsplit(".", 1)[-1]
            # Project subclasses of a session class (`AppSession(...)`) are recorded by a name hint
            # that keeps the facts small; whether they are session classes is the index's call.
            if api is not None or leaf in REEXPORTABLE_LEAVES or leaf.endswith("Session"):
                self.api_calls.append(self._api_call(node, qualname, target))
                self.kept.on_api_call(node, len(self.api_calls) - 1)
        for keyword in node.keywords:
            if keyword.arg == "dependencies":
                self._register_providers(keyword.value)
        config = plugin_config(node, qualname)
        if config is not None:
            self._register_plugin_session(config)
        if function is not None:
            self._record_forwards(function, node)
        self.generic_visit(node)

    # -- what the function does with its parameters (its summary) ------------------

    def parameter_path(self, expr: ast.expr) -> ParameterPath | None:
        """The parameter `expr` is part of, and the attributes walked from it, if any."""
        walked = self._walk_to_parameter(expr)
        if walked is None:
            return None
        binding, steps = walked
        return _extended(binding.parameter_path, steps)

    def _handed_back_member(self, expr: ast.expr) -> ParameterPath | None:
        """`for metric in rev.cube_metrics()`: the method's name walked from the parameter, which
        the index follows where the model's method hands back what its object reaches."""
        if type(expr) is not ast.Call or type(expr.func) is not ast.Attribute:
            return None
        return _extended(self.parameter_path(expr.func.value), [expr.func.attr])

    def handed_back_paths(self, expr: ast.expr) -> list[tuple[ParameterPath, HandedBack]]:
        """The parameters `expr` is part of if a call gave back what it was handed
        (`order.customer` after `order = await repo.update(order)`), each with that call."""
        walked = self._walk_to_parameter(expr)
        return self._handed_back_from(*walked) if walked is not None else []

    def _handed_back_from(self, binding: Binding, steps: list[str]) -> list[tuple[ParameterPath, HandedBack]]:
        """`handed_back_paths` of an expression walked down to `binding`'s name by `steps`."""
        function = self.function
        found: list[tuple[ParameterPath, HandedBack]] = []
        for position, (callee, argument, handed) in enumerate(binding.handed_back):
            path = _extended(handed, steps)
            if path is None or function is None:
                continue
            # One fact per call, however many reads go through it (the facts pickle it once).
            key = (id(binding), position)
            back = function.handed_back_calls.get(key)
            if back is None:
                back = function.handed_back_calls[key] = HandedBack(callee, argument)
            found.append((path, back))
        return found

    def _walk_to_parameter(self, expr: ast.expr) -> tuple[Binding, list[str]] | None:
        """The binding of the name `expr` starts from, when it may hold (part of) a parameter,
        and the steps walked from it, last first."""
        # Down to the name the expression starts from, then back up: most names are no
        # parameter's, which ends the search before any step is built.
        steps: list[str] = []
        while True:
            if type(expr) is ast.Attribute:
                steps.append(expr.attr)
                expr = expr.value
            elif type(expr) is ast.Subscript:
                steps.append("[]")
                expr = expr.value
            elif type(expr) is ast.Call and _literal_getattr(expr):
                steps.append(str(expr.args[1].value))  # type: ignore[attr-defined]  # a str constant
                expr = expr.args[0]
            elif type(expr) is ast.Call and type(expr.func) is ast.Attribute and steps:
                # `rev.owner().revisions`: what the method of the object hands back, by its
                # name (the index follows it where the model's method hands back a member).
                steps.append(expr.func.attr)
                expr = expr.func.value
            else:
                break
        function = self.function
        if type(expr) is not ast.Name or function is None or expr.id not in function.values.on_parameters:
            return None
        binding = self._binding(function, expr)
        return (binding, steps) if binding is not None else None

    def _handed_to_call(self, value: ast.expr) -> tuple[tuple[tuple[Origin, ...], str, ParameterPath], ...]:
        """The parameters a call is handed (`repo.update(order, ...)`, `order.save()`), with the
        call's origins and where each lands: what the call returns may be one of them."""
        call = value.value if type(value) is ast.Await else value
        if type(call) is not ast.Call or (not call.args and not call.keywords and type(call.func) is not ast.Attribute):
            return ()
        # (Not what `self` keeps: `self.repo` is the receiver of `self.repo.update(order)`.)
        function = self.function
        handed = [
            (key, found)
            for key, found in self._handed_parameters(call)
            if found[0] != "self" and (function is None or _may_be_an_object(function.values, found))
        ]
        if not handed:
            return ()
        callee = self.origins_of(call)
        if not callee:
            return ()
        return tuple((callee, argument, found) for argument, found in handed[:_MAX_HANDED])

    def _handed_block_names(
        self, function: _FunctionState, call: ast.Call, wrapped: list[tuple[str, ast.expr]]
    ) -> list[tuple[str, str]]:
        """The local names a call is handed that an enclosing `with` binds or opens a block on
        (`async with factory.begin() as session:`, `async with session.begin():`), each with where
        it lands: the index judges whether the block is a unit of work. `wrapped`: what the object
        a method is called on was built over, handed on too."""
        names: set[str] = set()
        for node in function.enclosing:
            for item in getattr(node, "items", ()):
                if type(item.optional_vars) is ast.Name:
                    names.add(item.optional_vars.id)
                func = item.context_expr.func if type(item.context_expr) is ast.Call else None
                if type(func) is ast.Attribute and type(func.value) is ast.Name:
                    names.add(func.value.id)
        return [
            (key, argument.id)
            for key, argument in [*_arguments(call), *wrapped]
            if type(argument) is ast.Name and argument.id in names and self.parameter_path(argument) is None
        ]

    @staticmethod
    def _wrapped_arguments(function: _FunctionState, call: ast.Call) -> list[tuple[str, ast.expr]]:
        """`svc.save()` on `svc = Service(session=session)`: the names the object was built over,
        each as handed to the method (`self@session`), positioned at the call."""
        func = call.func
        if not (type(func) is ast.Attribute and type(func.value) is ast.Name and function.wrappers):
            return []
        found: list[tuple[str, ast.expr]] = []
        for key, name in function.wrappers.get(func.value.id, ()):
            found.append((WRAPPED + key, ast.copy_location(ast.Name(id=name, ctx=ast.Load()), call)))
        return found

    @staticmethod
    def _spread_arguments(function: _FunctionState, call: ast.Call) -> list[tuple[str, ast.expr]]:
        """`func(**kwargs)` after `kwargs["session"] = session`: `session` handed on by keyword."""
        if not function.spread:
            return []
        return [
            (key, ast.copy_location(ast.Name(id=name, ctx=ast.Load()), call))
            for keyword in call.keywords
            if keyword.arg is None and type(keyword.value) is ast.Name
            for key, name in function.spread.get(keyword.value.id, {}).items()
        ]

    def _called_parameter(self, function: _FunctionState, call: ast.Call) -> tuple[Origin, ...]:
        """`await func(*args, **kwargs)` on a parameter `func`: it runs what the function's callers
        pass for it (`PARAMETER` with a call step; the index reads their calls)."""
        func = call.func
        if type(func) is not ast.Name or self.parameter_path(func) != (func.id, ()):
            return ()
        return (Origin(OriginKind.PARAMETER, f"{function.qualname}:{func.id}", (CALL,)),)

    def _parameters_in(self, arguments: list[tuple[str, ast.expr]]) -> list[tuple[str, ParameterPath]]:
        return [(key, found) for key, argument in arguments if (found := self.parameter_path(argument)) is not None]

    def _handed_parameters(self, call: ast.Call) -> list[tuple[str, ParameterPath]]:
        """The parameters (or parts of them) a call is handed, each with where it lands: what
        `_parameters_in(_arguments(call))` gives, without building the list of every argument
        (most are no parameter's)."""
        found: list[tuple[str, ParameterPath]] = []
        parameter_path = self.parameter_path
        for position, argument in enumerate(call.args):
            if type(argument) is not ast.Starred and (path := parameter_path(argument)) is not None:
                found.append((str(position), path))
        for keyword in call.keywords:
            if keyword.arg and (path := parameter_path(keyword.value)) is not None:
                found.append((keyword.arg, path))
        func = call.func
        if type(func) is ast.Attribute and (path := parameter_path(func.value)) is not None:
            found.append(("self", path))
        return found

    def _record_keyed_return(self, function: _FunctionState, node: ast.Return) -> None:
        """`return {"items": items, "total": total}`: the parameters it holds under its keys."""
        value = node.value
        keys = _constant_keys(value) if type(value) is ast.Dict else None
        if keys is None or type(value) is not ast.Dict:
            function.keyed_returns = None
            return
        parameters = []
        for item in value.values:
            found = self.parameter_path(item)
            parameters.append(found[0] if found is not None and not found[1] else "")
        function.keyed_returns = [*(function.keyed_returns or ()), KeyedReturn(node.lineno, keys, tuple(parameters))]

    def _record_returned_parameter(self, function: _FunctionState, node: ast.Return) -> None:
        """What this `return` hands back of the parameters: one of them as it is (`return obj`),
        or what a call gives back that was handed one (`return await super().update(obj)`)."""
        if node.value is None or _holds_no_object(node.value):
            return  # `return None` beside `return order`: the caller tests what it got
        found = self.parameter_path(_same_objects_of(node.value))
        if found is not None and found[1] == ("[]",):
            # `for order in orders: ... return order`: one of the parameter's objects.
            returned = [ReturnedParameter(found[0], None, (), node.lineno, element=True)]
        elif found is not None and not found[1]:
            returned = [ReturnedParameter(found[0], None, self._assigned_names(function, found[0]), node.lineno)]
        elif node.value is not None:
            through = self.handed_back_paths(node.value) if function.handed_back else []
            candidates = [(path, back) for path, back in through if not path[1]]
            candidates.extend(
                (path, HandedBack(callee, argument))
                for callee, argument, path in self._handed_to_call(node.value)
                if not path[1]
            )
            returned = [
                ReturnedParameter(path[0], back, self._assigned_names(function, path[0]), node.lineno)
                for path, back in candidates
            ]
        else:
            returned = []
        if returned:
            function.returned_parameters = [*(function.returned_parameters or ()), *returned]
        else:
            function.returned_parameters = None

    @staticmethod
    def _assigned_names(function: _FunctionState, parameter: str) -> tuple[str, ...]:
        if not function.assigned_paths:
            return ()
        return tuple(sorted(path[0] for name, path in function.assigned_paths if name == parameter and len(path) == 1))

    def _record_parameter_read(
        self,
        function: _FunctionState,
        node: ast.expr,
        found: ParameterPath | None,
        through: HandedBack | None = None,
        *,
        replaced: bool = False,
    ) -> None:
        reads = function.parameter_reads if through is None else function.handed_back_reads
        limit = _MAX_PARAMETER_READS if through is None else _MAX_HANDED_BACK_READS
        if found is None or not found[1] or len(reads) >= (limit // 2 if replaced else limit):
            return  # (replacements, mostly of columns, leave half the room to reads)
        if function.assigned_paths and _set_by_the_code(function.assigned_paths, found):
            return
        if self._probes_loading(function) or (function.loaded_probes and self._probed_loaded(function, found)):
            return
        if function.short_circuited and any(
            found[0] == parameter and found[1][: len(path)] == path for parameter, path in function.short_circuited
        ):
            return
        key = (found[0], found[1], through)
        guard = self._guard(function)
        guarded = self._guards_loading(function)
        known = reads.get(key)
        if known is not None and known.replaced != replaced:
            if replaced:
                return  # (a read of it, judged for any relationship, says more)
            known = None  # replaced on one path, read on another: the read is the one to judge
        if known is None:
            assigned = (
                _assigned_below(function.assigned_paths, found[0], found[1][:-1]) if function.assigned_paths else ()
            )
            reads[key] = ParameterRead(
                found[0], found[1], node.lineno, node.col_offset, guard, assigned, through, guarded, replaced=replaced
            )
        else:
            if known.guard and known.guard != guard:
                # Read under two different conditions: it needs only what both need.
                weaker = weakest(known.guard, guard)
                known = ParameterRead(
                    known.parameter,
                    known.path,
                    known.line,
                    known.col,
                    weaker,
                    through=through,
                    guarded=known.guarded,
                    replaced=known.replaced,
                )
            if known.guarded and not guarded:
                # Also read outside the guard: no probe, and that read is the one to name.
                known = replace(known, line=node.lineno, col=node.col_offset, guarded=False)
            reads[key] = known

    def _probes_loading(self, function: _FunctionState) -> bool:
        """Inside `try:` with `except MissingGreenlet:` (or `StatementError`, which wraps it on
        SQLAlchemy 2.1): a read there is the code's own probe of whether the attribute is loaded
        (the lazy load raises before any I/O), not a lazy load that escapes."""
        for node in function.enclosing:
            for handler in getattr(node, "handlers", ()):
                caught = handler.type
                names = caught_names(caught)
                if any((qualify(name, self.table) or "").rsplit(".", 1)[-1] in _LOAD_ERRORS for name in names):
                    return True
        return False

    def _guards_loading(self, function: _FunctionState) -> bool:
        """Inside `try:` whose handler catches what a lazy load raises with other errors (a bare
        `except:`, `Exception`, SQLAlchemy's base classes) and swallows it quietly: nothing but a
        fallback (`pass`, an assignment or `return` of a value), no call (a log line says the
        error was not expected) and no raise. A model method written that way probes whether a
        relationship is loaded and falls back when it is not."""
        for node in function.enclosing:
            for handler in getattr(node, "handlers", ()):
                caught = handler.type
                names = caught_names(caught)
                # (A builtin such as `Exception` qualifies to nothing: its own name says it.)
                leaves = {
                    (qualify(name, self.table) or (name.id if type(name) is ast.Name else "")).rsplit(".", 1)[-1]
                    for name in names
                }
                broad = caught is None or not leaves.isdisjoint(_BROAD_LOAD_ERRORS)
                if broad and _falls_back_quietly(handler):
                    return True
        return False

    def _record_forwards(self, function: _FunctionState, node: ast.Call) -> None:
        """Parameters handed on: `render(order)`, `render(invoice=order.invoice)`, `order.total()`."""
        if _literal_getattr(node):
            self._record_parameter_read(function, node, self.parameter_path(node))
            return
        self._record_refresh(function, node)
        handed = self._handed_parameters(node)
        wrapped = self._wrapped_arguments(function, node)
        handed.extend((key, found) for key, found in self._parameters_in(wrapped) if not found[1])
        handed.extend(self._parameters_in(self._spread_arguments(function, node)))
        through: list[tuple[str, ParameterPath, HandedBack]] = []
        if function.handed_back:
            for key, argument in _arguments(node):
                if all(key != known for known, _ in handed):
                    through.extend((key, path, back) for path, back in self.handed_back_paths(argument))
        local = self._handed_block_names(function, node, wrapped) if function.enclosing else []
        if not handed and not through and not local:
            return
        callee = self.origins_of(node) + self._called_parameter(function, node)
        if not callee:
            return
        if local:
            flags = known_arguments(node, is_parameter=self._is_parameter)
            function.block_forwards.extend(
                Forward(callee, key, name, (), node.lineno, flags=flags, col=node.col_offset) for key, name in local
            )
            if not handed and not through:
                return
        conditional = self._conditional(function)
        guard = self._guard(function)
        flags = known_arguments(node, is_parameter=self._is_parameter)
        for key, (parameter, path), back in [*((key, found, None) for key, found in handed), *through]:
            assigned = _assigned_below(function.assigned_paths, parameter, path) if function.assigned_paths else ()
            function.forwards.append(
                Forward(
                    callee,
                    key,
                    parameter,
                    path,
                    node.lineno,
                    conditional,
                    guard,
                    flags,
                    assigned,
                    back,
                    node.col_offset,
                )
            )

    def _record_refresh(self, function: _FunctionState, node: ast.Call) -> None:
        """`await session.refresh(order, ["items"])` loads `items` on the parameter `order`."""
        if not (type(node.func) is ast.Attribute and node.func.attr == "refresh" and node.args):
            return
        found = self.parameter_path(node.args[0])
        names = node.args[1] if len(node.args) > 1 else None
        for keyword in node.keywords:
            if keyword.arg == "attribute_names":
                names = keyword.value
        if found is None:
            return
        if names is None:
            # A whole refresh: every column is fresh again (relationships stay as they were).
            function.parameter_loads.append(
                ParameterRead(found[0], (*found[1], WHOLE_REFRESH), node.lineno, node.col_offset)
            )
            return
        if not isinstance(names, (ast.List, ast.Tuple, ast.Set)):
            return
        # (Run on every path that finds them unloaded: `if "items" in state.unloaded: refresh`,
        # awaited where it is made, each name the one the tests ask about.)
        sure = self._awaited is node and self._probed(function, loaded=False) and not function.left_unprobed
        probed = {*function.probe_names, *function.returned_probes}
        for item in names.elts:
            if type(item) is ast.Constant and isinstance(item.value, str):
                named = sure and probed <= {item.value}
                function.parameter_loads.append(
                    ParameterRead(found[0], (*found[1], item.value), node.lineno, node.col_offset, sure=named)
                )

    def _response_model(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[Origin, ...]:
        """The schema a route's returned value is validated with (`response_model=X`, else a
        FastAPI route's return annotation)."""
        schema = response_schema(node, self.table, self.module_values)
        return self.origins_of(schema) if schema is not None else ()

    def _literal_defaults(self) -> dict[str, ast.Constant]:
        return self.function.literal_defaults if self.function is not None else {}

    def _defaulted(self, value: ast.expr) -> ast.expr:
        """A parameter of the enclosing function with a literal default, never bound again, as
        that default (`async_sessionmaker(..., expire_on_commit=expire_on_commit)` in a builder
        whose `expire_on_commit: bool = False`): what the calls that leave it out give it."""
        if type(value) is ast.Name:
            return self._literal_defaults().get(value.id, value)
        return value

    def _api_call(self, node: ast.Call, qualname: str, target: str | None) -> ApiCall:
        keywords: dict[str, str] = {}
        keyword_targets: dict[str, str] = {}
        has_star = False
        for keyword in node.keywords:
            if keyword.arg is None:
                has_star = True
                continue
            keywords[keyword.arg] = ast.unparse(self._defaulted(keyword.value))
            resolved = qualify(keyword.value, self.table)
            if resolved:
                keyword_targets[keyword.arg] = resolved
        first = node.args[0] if node.args else None
        first_origins = self.origins_of(first) if first is not None else ()
        bind = next((keyword.value for keyword in node.keywords if keyword.arg == "bind"), None)
        function = self.function
        return ApiCall(
            callee=qualname,
            api=known_api(qualname),
            text=expression_text(node.func) or qualname,
            line=node.lineno,
            col=node.col_offset,
            scope=self.scope,
            in_loop=self.loop_depth > 0,
            function=function.qualname if function else None,
            assigned_to=target,
            keywords=keywords,
            keyword_targets=keyword_targets,
            has_star_kwargs=has_star,
            first_arg=qualify(first, self.table) if first is not None else None,
            first_arg_origins=first_origins,
            returned=self._returned is node,
            positional=len(node.args),
            bind=self.origins_of(bind) if bind is not None else first_origins,
            bind_name=_plain_name(bind if bind is not None else first),
        )

    def _record_method_call(self, node: ast.Call, func: ast.Attribute, awaited: bool) -> None:
        function = self.function
        if function is None:
            return
        receiver = self.value_ref(func.value)
        if receiver is None:
            return
        first = node.args[0] if node.args else None
        argument = self.origins_of(first) if first is not None and func.attr in _EXECUTIONS else ()
        guard = self._guard(function)
        function.calls.append(
            MethodCall(receiver, func.attr, node.lineno, node.col_offset, awaited, argument, guard=guard)
        )
        function.call_nodes.append(node)

    # -- context managers ------------------------------------------------------

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self._visit_with(node, is_async=True)

    def visit_With(self, node: ast.With) -> None:
        self._visit_with(node, is_async=False)

    def _visit_with(self, node: ast.AsyncWith | ast.With, is_async: bool) -> None:
        function = self.function
        if is_async and function is not None:
            # `async with session.begin():` awaits its commit when the block ends.
            function.awaits = True
        for item in node.items:
            self.visit(item.context_expr)
            bound = item.optional_vars.id if type(item.optional_vars) is ast.Name else None
            expr = item.context_expr
            self.concurrency.on_with(expr, bound, node)
            if function is not None:
                self._record_block(function, node, expr, bound, is_async)
            elif item.optional_vars is not None:
                self.visit(item.optional_vars)
        if function is None:
            for statement in node.body:
                self.visit(statement)
            return
        function.enclosing.append(node)
        self._visit_block(function, node.body, len(function.guards))
        function.enclosing.pop()

    def _record_block(
        self,
        function: _FunctionState,
        node: ast.AsyncWith | ast.With,
        expr: ast.expr,
        bound: str | None,
        is_async: bool,
    ) -> None:
        begun = _either_begin(expr)
        ref = self.value_ref(begun[0] if begun is not None else expr)
        receiver: ValueRef | None = None
        method: str | None = None
        if begun is not None:
            # `session.begin_nested() if session.in_transaction() else session.begin()`: a unit
            # of work on that session either way, the transaction object bound to `as` name.
            call, method = begun
            assert type(call.func) is ast.Attribute
            receiver = self.value_ref(call.func.value)
        elif type(expr) is ast.Call and type(expr.func) is ast.Attribute:
            method = expr.func.attr
            receiver = self.value_ref(expr.func.value)
        if ref is not None and (ref.origins or (receiver is not None and method in BEGIN_METHODS)):
            function.blocks.append(
                ContextBlock(
                    ref, bound, is_async, expr.lineno, expr.col_offset, node.end_lineno or node.lineno, receiver, method
                )
            )
        if bound is not None:
            origins = ref.origins if ref is not None else ()
            function.table.forget(bound)
            bound_ref = ValueRef(bound, origins) if origins else None
            function.values.bind(bound, Binding(*_end(expr), bound_ref, self._loop_line(function)))

    # -- generators ------------------------------------------------------------

    def visit_Yield(self, node: ast.Yield) -> None:
        function = self.function
        if function is not None:
            function.yields_values = True
        if function is not None and node.value is not None:
            self.kept.on_yield(node.value)
            ref = self.value_ref(node.value)
            if ref is not None:
                function.yields.append(yield_guard(ref, node, function.enclosing, self.origins_of))
        self.generic_visit(node)

    def visit_YieldFrom(self, node: ast.YieldFrom) -> None:
        function = self.function
        if function is not None:
            function.yields_values = True
        self.generic_visit(node)

    def visit_Try(self, node: ast.Try) -> None:
        self._visit_try(node)

    def visit_TryStar(self, node: _TryStatement) -> None:  # `except*` (3.11)
        self._visit_try(node)

    def _visit_try(self, node: _TryStatement) -> None:
        function = self.function
        if function is None:
            self.generic_visit(node)
            return
        # Only the `try:` body is protected by the handlers and the `finally`.
        depth = len(function.guards)
        function.enclosing.append(node)
        self._visit_block(function, node.body, depth)
        function.enclosing.pop()
        function.branches += 1
        for handler in node.handlers:
            self.visit(handler)
            self._drop_guards(function, depth)
        function.branches -= 1
        # The `else` runs after the body, whose early exits it does not see here: conservative.
        self._visit_block(function, node.orelse, depth)
        self._visit_block(function, node.finalbody, depth)


def _plain_name(expr: ast.expr | None) -> str | None:
    return expr.id if isinstance(expr, ast.Name) else None


def _is_stub(body: list[ast.stmt]) -> bool:
    """Only a docstring, `...`, `pass` or `raise NotImplementedError` (see `FunctionFacts.stub`)."""
    for statement in body:
        if type(statement) is ast.Pass or (type(statement) is ast.Expr and type(statement.value) is ast.Constant):
            continue
        if type(statement) is ast.Raise and statement.exc is not None:
            raised = statement.exc.func if type(statement.exc) is ast.Call else statement.exc
            if type(raised) is ast.Name and raised.id == "NotImplementedError":
                continue
        return False
    return True


_MAX_PATH = 5
#: How many parameters one call may be handed and give back one of (`crud.update(db, obj, data)`).
_MAX_HANDED = 3
_MAX_HANDED_BACK_READS = 32
#: Annotations of parameters that are never an ORM object a call could give back.
_NO_OBJECT_MODULES = ("uuid.", "datetime.", "decimal.", "pathlib.", "collections.", "typing.")
_MAX_PARAMETER_READS = 64
#: Values assigned to an attribute that cannot be a relationship's collection.
_NO_COLLECTION = (ast.Constant, ast.JoinedStr, ast.Compare, ast.UnaryOp, ast.Dict, ast.DictComp)


#: Awaited methods that only database sessions and connections have among what code commonly
#: awaits (not `get`, `delete` or `close`, which HTTP clients and caches have too).
_SESSION_ONLY_METHODS = frozenset(
    {"commit", "rollback", "flush", "refresh", "execute", "exec", "scalar", "scalars", "get_one", "merge"}
)


def _session_receivers(calls: Iterable[MethodCall]) -> frozenset[str]:
    """What a function awaits session methods on: `session` of `await session.commit()`."""
    return frozenset(call.receiver.text for call in calls if call.awaited and call.method in _SESSION_ONLY_METHODS)


def _element_origins(annotation: ast.expr | None, table: NameTable) -> tuple[Origin, ...]:
    element = element_target(annotation, table)
    return (Origin(OriginKind.ANNOTATION, element),) if element else ()


def _parameter_types(values: ValueTable, parameters: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each parameter's annotated classes, from its first binding (the parameter itself)."""
    found: list[tuple[str, str]] = []
    for name in parameters:
        bindings = values.bindings.get(name)
        ref = bindings[0].ref if bindings else None
        if ref is not None:
            found.extend(
                (name, origin.name)
                for origin in ref.origins
                if origin.kind is OriginKind.ANNOTATION and not origin.steps
            )
    return tuple(found)


def _named_sessions(parameter_types: tuple[tuple[str, str], ...], provided: dict[str, tuple[Origin, ...]]) -> set[str]:
    """The parameters whose annotation names a session class (`AsyncSession`, `DbSession`,
    `SessionDep`) or that a framework fills from a provider: the ones a caller may hand a
    session to, whatever the index later makes of them."""
    named = {name for name, cls in parameter_types if "session" in cls.rsplit(".", 1)[-1].lower()}
    named.update(provided)
    return named


def _either_begin(expr: ast.expr) -> tuple[ast.Call, str] | None:
    """`X.begin_nested() if test else X.begin()`: both sides begin a transaction on the same
    receiver. The call of the body side, and `begin` when a side begins the outer transaction
    (its block commits when it ends), else `begin_nested`."""
    if type(expr) is not ast.IfExp:
        return None
    calls = [side for side in (expr.body, expr.orelse) if type(side) is ast.Call and not side.args]
    methods = [call.func.attr for call in calls if type(call.func) is ast.Attribute]
    if len(methods) != 2 or not set(methods) <= BEGIN_METHODS:
        return None
    receivers = {expression_text(call.func.value) for call in calls if type(call.func) is ast.Attribute}
    if len(receivers) != 1 or None in receivers:
        return None
    return calls[0], "begin" if "begin" in methods else "begin_nested"


#: Builtins that give back the objects of the list they are handed (a copy, another order).
_SAME_OBJECTS = frozenset({"list", "tuple", "sorted", "reversed"})


def _same_objects_of(expr: ast.expr) -> ast.expr:
    """The list whose objects `expr` gives back, some or all of them and in whatever order:
    `[o for o in orders if o.open]`, `sorted(orders, key=...)`, `orders[:3]`; else `expr`."""
    if isinstance(expr, (ast.ListComp, ast.GeneratorExp)) and len(expr.generators) == 1:
        generator = expr.generators[0]
        target, element = generator.target, expr.elt
        if type(target) is ast.Name and type(element) is ast.Name and target.id == element.id:
            return generator.iter if not generator.is_async else expr
    if (
        type(expr) is ast.Call
        and type(expr.func) is ast.Name
        and expr.func.id in _SAME_OBJECTS
        and len(expr.args) == 1
        and type(expr.args[0]) is not ast.Starred
    ):
        return _same_objects_of(expr.args[0])
    if type(expr) is ast.Subscript and type(expr.slice) is ast.Slice:
        return _same_objects_of(expr.value)
    return expr


def _record_returned_members(function: _FunctionState, node: ast.Return) -> None:
    """What this `return` hands back of `self`, which every other `return` must agree on."""
    if node.value is None or _holds_no_object(node.value):
        return  # `return None`, `return []`: nothing a caller could read through
    found = returned_members(node.value)
    if found is None or (function.returned_members and function.returned_members != found):
        function.returned_members = None
    else:
        function.returned_members = found


def _own_returned_members(
    node: ast.FunctionDef | ast.AsyncFunctionDef, state: _FunctionState, decorators: tuple[str, ...]
) -> tuple[ReturnedMember, ...]:
    """`returned_members` of a plain method or property: called as `obj.owner()` (or read as
    `obj.squad`) it gives what its `return`s hand back, not a coroutine or a generator, and its
    first parameter is the object (not for a static or class method)."""
    if type(node) is ast.AsyncFunctionDef or state.yields_values or not state.returned_members:
        return ()
    positional = [*node.args.posonlyargs, *node.args.args]
    if not positional or positional[0].arg != "self":
        return ()
    if any(decorator.rsplit(".", 1)[-1] in ("staticmethod", "classmethod") for decorator in decorators):
        return ()
    return state.returned_members


def _holds_no_object(expr: ast.expr) -> bool:
    """`None`, `[]`, `()`: a return that hands back nothing the caller could read."""
    if type(expr) is ast.Constant:
        return expr.value is None
    return isinstance(expr, (ast.List, ast.Tuple)) and not expr.elts


def _returns_a_value(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a plain `def` ends in `return <value>` (a statement helper does, and a helper of
    loader options; most do not).

    Only the statements that end the body are looked at: a helper that builds a statement
    returns it at the end, or in each branch of a test that ends it (`if access == ORG: return
    query.where(...)` ... `raise ValueError(...)`)."""
    return _ends_returning(node.body)


def _ends_returning(body: list[ast.stmt]) -> bool:
    """Whether `body` ends in `return <value>`, or in branches that each return or raise (one
    returning a value)."""
    last = body[-1] if body else None
    if type(last) is ast.If:
        returning = [_ends_returning(part) for part in (last.body, last.orelse)]
        raising = [_ends_raising(part) for part in (last.body, last.orelse)]
        return any(returning) and all(r or e for r, e in zip(returning, raising, strict=True))
    if type(last) is ast.Raise:
        return any(type(earlier) is ast.If and _ends_returning(earlier.body) for earlier in body[:-1])
    if type(last) is not ast.Return:
        return False
    value = last.value
    if isinstance(value, (ast.Tuple, ast.List)):
        # `return (joinedload(Order.user), ...)`: loader options for the callers' queries.
        return bool(value.elts) and all(isinstance(item, (ast.Call, ast.Starred)) for item in value.elts)
    return isinstance(value, (ast.Name, ast.Call, ast.Attribute))


def _ends_raising(body: list[ast.stmt]) -> bool:
    return bool(body) and type(body[-1]) is ast.Raise


def _builtin_decorator(decorator: ast.expr) -> str | None:
    """`@staticmethod`, `@classmethod` and `@property`, which no import names: how a method takes its
    arguments, and that reading `obj.name` runs it."""
    if type(decorator) is ast.Name and decorator.id in ("staticmethod", "classmethod", "property"):
        return decorator.id
    return None


def _literal_getattr(call: ast.Call) -> bool:
    """`getattr(obj, "name")` or `getattr(obj, "name", default)`; `hasattr(obj, "name")`, which
    reads it too (and lets every error but AttributeError through)."""
    return (
        type(call.func) is ast.Name
        and call.func.id in ("getattr", "hasattr")
        and len(call.args) >= 2
        and type(call.args[1]) is ast.Constant
        and isinstance(call.args[1].value, str)
    )


#: Methods whose first argument says what the receiver runs (a statement, a model).
_EXECUTIONS = frozenset({"execute", "scalars", "scalar", "stream", "stream_scalars", "get", "get_one", "exec"})


#: Calls after which a session's transaction has ended: what runs after them matters.
_TRANSACTION_ENDS = frozenset({"commit", "rollback"})
_MAX_FOLLOWERS = 8


def _with_followers(
    function: ast.AST, calls: list[MethodCall], nodes: list[ast.Call], flow_of: Callable[[ast.AST], Flow]
) -> tuple[MethodCall, ...]:
    """The calls, each `commit()`/`rollback()` with the tracked calls that can run after it."""
    if not any(call.method in _TRANSACTION_ENDS for call in calls):
        return tuple(calls)
    flow = flow_of(function)
    clean = _clean_flushes(function, calls, nodes)
    found: list[MethodCall] = []
    for call, node in zip(calls, nodes, strict=True):
        if call.method in _TRANSACTION_ENDS:
            followers = tuple(
                (later.line, later.col)
                for later, later_node in zip(calls, nodes, strict=True)
                if (later.line, later.col) > (call.line, call.col)
                and id(later_node) not in clean
                and flow.can_follow(node, later_node)
            )
            call = replace(call, followed_by=followers[:_MAX_FOLLOWERS])
        found.append(call)
    return tuple(found)


def _clean_flushes(function: ast.AST, calls: list[MethodCall], nodes: list[ast.Call]) -> set[int]:
    """The `flush()` calls (as `id()` of their nodes) whose statement comes right after a
    `commit()`/`rollback()` statement: the commit flushed everything, a rollback (the session's or a
    savepoint's) dropped what was pending, so the flush has nothing to write and returns before it
    needs the transaction. Run on SQLAlchemy 2.0 and 2.1 with aiosqlite, it does not raise inside a
    `begin()` block the call closed (tests/test_clean_flush_after_end.py); it is no later use.
    The end must be of the flushed session: its own, or a transaction it began here (`savepoint =
    await session.begin_nested()`, `async with session.begin_nested() as savepoint:`); another
    session's rollback leaves this one's pending objects for the flush to write."""
    if not any(call.method == "flush" for call in calls):
        return set()
    ends = {
        id(node): call.receiver.text
        for call, node in zip(calls, nodes, strict=True)
        if call.method in _TRANSACTION_ENDS
    }
    flushes = {id(node): call.receiver.text for call, node in zip(calls, nodes, strict=True) if call.method == "flush"}
    began = _transactions_begun(function)
    clean: set[int] = set()
    for node in ast.walk(function):
        for statements in (getattr(node, name, None) for name in ("body", "orelse", "finalbody")):
            if not isinstance(statements, list):
                continue
            for first, second in pairwise(statements):
                ended, flushed = _statement_call(first), _statement_call(second)
                if ended is None or flushed is None or id(ended) not in ends or id(flushed) not in flushes:
                    continue
                session = flushes[id(flushed)]
                if ends[id(ended)] == session or began.get(ends[id(ended)]) == session:
                    clean.add(id(flushed))
    return clean


def _transactions_begun(function: ast.AST) -> dict[str, str]:
    """Names bound to a transaction a session began (`tx = await session.begin_nested()`, `async
    with session.begin() as tx:`), each with the session's text."""
    began: dict[str, str] = {}
    for node in ast.walk(function):
        pairs: list[tuple[ast.expr, ast.expr | None]] = []
        if isinstance(node, (ast.With, ast.AsyncWith)):
            pairs = [(item.context_expr, item.optional_vars) for item in node.items]
        elif type(node) is ast.Assign and len(node.targets) == 1:
            pairs = [(node.value, node.targets[0])]
        for value, target in pairs:
            if type(value) is ast.Await:
                value = value.value
            if (
                type(target) is ast.Name
                and type(value) is ast.Call
                and type(value.func) is ast.Attribute
                and value.func.attr in ("begin", "begin_nested")
                and (session := _value_text(value.func.value)) is not None
            ):
                began[target.id] = session
    return began


def _statement_call(statement: ast.stmt) -> ast.Call | None:
    """The call an expression statement makes: `await x.f()` or `x.f()`."""
    if type(statement) is not ast.Expr:
        return None
    value = statement.value.value if type(statement.value) is ast.Await else statement.value
    return value if type(value) is ast.Call else None


def _expire_on_commit(call: ast.Call, defaults: dict[str, ast.Constant]) -> str | None:
    """The `expire_on_commit=` of a call as text; "?" when `**options` may set it. A parameter
    of the enclosing function in `defaults` counts as its literal default.

    advanced-alchemy's configs take it one level down, in `session_config=AsyncSessionConfig(...)`:
    that call's keyword counts, and a session config built elsewhere may set it.
    """
    unknown = None
    for keyword in call.keywords:
        if keyword.arg == "expire_on_commit":
            value = defaults.get(keyword.value.id, keyword.value) if type(keyword.value) is ast.Name else keyword.value
            return repr(value.value) if type(value) is ast.Constant else "?"
        if keyword.arg == _SESSION_CONFIG:
            nested = keyword.value
            if type(nested) is not ast.Call or nested.args:
                return "?"
            return _expire_on_commit(nested, defaults) if nested.keywords else None
        if keyword.arg is None:
            unknown = "?"
    return unknown


def _value_text(expr: ast.expr) -> str | None:
    """`self.session`, `factory()`, `get_engine().get_session()`, `ctx["db"]`: dotted names, string
    keys of them and calls of them."""
    if type(expr) is ast.Await:
        expr = expr.value
    if type(expr) is ast.Name:
        return expr.id
    if type(expr) is ast.Attribute:
        base = _value_text(expr.value)
        return f"{base}.{expr.attr}" if base is not None else None
    if type(expr) is ast.Call:
        callee = _value_text(expr.func)
        return f"{callee}()" if callee is not None else None
    if type(expr) is ast.Subscript and (key := _mapping_key(expr)) is not None:
        # `ctx["session_maker"]()`: a worker context or an application keeps the factory.
        base = _value_text(expr.value)
        return f'{base}["{key}"]' if base is not None else None
    return None


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _falls_back_quietly(handler: ast.ExceptHandler) -> bool:
    """The handler only falls back: no call (a log line, a rollback, a retry) and no raise."""
    return not any(isinstance(node, (ast.Call, ast.Raise, ast.Await)) for node in ast.walk(handler))


#: Class decorators that make the class a declarative base (`@as_declarative()`).
_DECLARATIVE_DECORATORS = frozenset(
    {
        "sqlalchemy.orm.as_declarative",
        "sqlalchemy.orm.decl_api.as_declarative",
        "sqlalchemy.ext.declarative.as_declarative",
    }
)
#: What such a class counts as among the bases the facts record.
_DECLARATIVE_BASE = "sqlalchemy.orm.DeclarativeBase"


def _end(node: ast.AST) -> tuple[int, int]:
    """Where a binding made by `node` comes into force: after the statement or expression."""
    end_line: int | None = getattr(node, "end_lineno", None)
    end_col: int | None = getattr(node, "end_col_offset", None)
    start: int = getattr(node, "lineno", 0)
    return (end_line or start), (end_col or 0)


def _unpacked(target: ast.Tuple | ast.List, value: ast.expr | None) -> list[tuple[ast.expr, ast.expr]]:
    """The (target, value) pairs of `a, b = x, y`; none when the sides do not pair one to one
    (a starred item, other lengths) or a name on the left is read on the right (`a, b = b, a`:
    each value is what the name held before the statement)."""
    if not isinstance(value, (ast.Tuple, ast.List)) or len(value.elts) != len(target.elts):
        return []
    if any(type(item) is ast.Starred for item in (*target.elts, *value.elts)):
        return []
    bound = set(bound_names(target))
    if any(type(node) is ast.Name and node.id in bound for item in value.elts for node in ast.walk(item)):
        return []
    return list(zip(target.elts, value.elts, strict=True))


def _mapping_key(expr: ast.expr) -> str | None:
    """The key of `<anything>["key"]`: a string constant; None for any other subscript."""
    if type(expr) is not ast.Subscript:
        return None
    key = expr.slice
    return key.value if type(key) is ast.Constant and type(key.value) is str else None


def _set_by_the_code(assigned: set[tuple[str, tuple[str, ...]]], found: ParameterPath) -> bool:
    """The read is of what the function set on the parameter's object, or below it
    (`item.product.name` after `item.product = product`): the value is the code's own."""
    parameter, path = found
    return any((parameter, path[:depth]) in assigned for depth in range(1, len(path) + 1))


def _assigned_below(
    assigned: set[tuple[str, tuple[str, ...]]], parameter: str, path: tuple[str, ...]
) -> tuple[tuple[str, ...], ...]:
    """The paths set so far below `path` of `parameter`, relative to it (sorted: facts are stable)."""
    return tuple(sorted(paths_below((walked for name, walked in assigned if name == parameter), path)))


def _extended(path: ParameterPath | None, steps: list[str]) -> ParameterPath | None:
    """`path` walked further by `steps` (last first), within the depth followed."""
    found = path
    for step in reversed(steps):
        if found is None or len(found[1]) >= _MAX_PATH:
            return None
        found = (found[0], (*found[1], step))
    return found


def _constructor_names(call: ast.Call) -> tuple[tuple[str, str], ...]:
    """The names a `Name(...)` call (a class, by the convention of its capital) is handed, each
    with where it lands: a position or a keyword."""
    func = call.func
    leaf = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else ""
    if not leaf[:1].isupper():
        return ()
    return tuple(
        (key, argument.id) for key, argument in _arguments(call) if key != "self" and type(argument) is ast.Name
    )


def _operand_probes(test: ast.expr, body: bool) -> list[tuple[bool, str | None, ast.expr]]:
    """The loaded probes among the operands of an `and` (for the side where it holds, `body`)
    or of an `or` (for the side where it fails)."""
    if not isinstance(test, ast.BoolOp) or isinstance(test.op, ast.And) is not body:
        return []
    return [probe for operand in test.values if (probe := loaded_probe(operand)) is not None]


def _arguments(call: ast.Call) -> list[tuple[str, ast.expr]]:
    """What a call is handed, each with where it lands in the callee: a position, a keyword, or
    "self" for the receiver of a method call (never what a `*` or `**` spreads)."""
    found: list[tuple[str, ast.expr]] = [
        (str(position), argument) for position, argument in enumerate(call.args) if type(argument) is not ast.Starred
    ]
    found.extend((keyword.arg, keyword.value) for keyword in call.keywords if keyword.arg)
    if type(call.func) is ast.Attribute:
        found.append(("self", call.func.value))
    return found


def _may_be_an_object(values: ValueTable, handed: ParameterPath) -> bool:
    """Whether a parameter handed to a call may be an ORM object it gives back: not one annotated
    as a session, an engine or a connection, or as a value of the standard library."""
    if handed[1]:
        return True  # `order.customer`: what the parameter's attributes are is the index's business
    bindings = values.bindings.get(handed[0])
    ref = bindings[0].ref if bindings else None
    if ref is None:
        return True
    return not any(
        origin.kind is OriginKind.ANNOTATION
        and not origin.steps
        and (known_api(origin.name) is not None or origin.name.startswith(_NO_OBJECT_MODULES))
        for origin in ref.origins
    )


def _constant_keys(node: ast.Dict) -> tuple[str, ...] | None:
    """The keys of a dict written with distinct constant string keys; None for any other."""
    keys: list[str] = []
    for key in node.keys:
        if type(key) is not ast.Constant or not isinstance(key.value, str):
            return None
        keys.append(key.value)
    return tuple(keys) if len(set(keys)) == len(keys) else None
