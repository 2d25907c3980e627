"""The data types of per-file facts.

All frozen dataclasses with slots: they pickle into the cache and cross processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from alchemy_lint.names import Api


class Scope(str, Enum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"


class OriginKind(str, Enum):
    #: A module-level or imported name, by qualified name.
    NAME = "name"
    #: An instance of the class an annotation names.
    ANNOTATION = "annotation"
    #: `self.<attr>` of a class, named `module.Class.attr`.
    ATTRIBUTE = "attribute"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a value comes from: a base and the calls applied to it.

    `steps` holds "()" for a call and a method name for a method call, so
    `SessionLocal.begin()` is `Origin(NAME, "app.db.SessionLocal", ("begin",))`.
    The project index evaluates an origin to what the value is (a session, a factory...).
    """

    kind: OriginKind
    name: str
    steps: tuple[str, ...] = ()

    def then(self, step: str) -> Origin:
        return Origin(self.kind, self.name, (*self.steps, step))


@dataclass(frozen=True, slots=True)
class SessionRef:
    """An expression used where a session may be, with the evidence of what it is."""

    text: str
    origins: tuple[Origin, ...]
    is_parameter: bool = False


@dataclass(frozen=True, slots=True)
class ApiCall:
    """A call of a SQLAlchemy/SQLModel API (or of a project name that may re-export one)."""

    callee: str
    api: Api | None
    #: The callee as written (`S`, `asyncio_ext.AsyncSession`).
    text: str
    line: int
    col: int
    scope: Scope
    in_loop: bool
    function: str | None
    #: Module-level name the result is published under (`X = call()` or `global X`), or
    #: `module.Class.attr` for `self.attr = call()` in a method.
    assigned_to: str | None
    #: Keyword name -> source text of its value (`"False"`, `"AsyncSession"`).
    keywords: dict[str, str] = field(default_factory=dict)
    #: Keyword name -> qualified name of its value, where it is a dotted name.
    keyword_targets: dict[str, str] = field(default_factory=dict)
    has_star_kwargs: bool = False
    #: Qualified name (or origin base) of the first positional argument, if dotted.
    first_arg: str | None = None
    first_arg_origins: tuple[Origin, ...] = ()
    #: The call is the value of a `return`: the function builds the object for its callers.
    returned: bool = False
    #: How many positional arguments the call passes (a starred one counts as one).
    positional: int = 0


@dataclass(frozen=True, slots=True)
class SessionMethodCall:
    """`receiver.method(...)` for a session-ish method (commit, rollback, begin...)."""

    receiver: SessionRef
    method: str
    line: int
    col: int
    awaited: bool


@dataclass(frozen=True, slots=True)
class BeginBlock:
    """`async with X.begin() [as t]:` and the commit/rollback calls inside it on X or t."""

    receiver: SessionRef
    method: str
    bound: str | None
    line: int
    col: int
    violations: tuple[SessionMethodCall, ...]


@dataclass(frozen=True, slots=True)
class ContextEntry:
    """`async with <expr> [as name]:` where <expr> has an origin (`SessionLocal()`)."""

    origins: tuple[Origin, ...]
    text: str
    bound: str | None
    is_async: bool
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class YieldGuard:
    """A `yield <name>` and what around it guarantees rollback on error and close."""

    value: SessionRef
    line: int
    col: int
    #: Origins of the `async with` items around the yield that bind the name or act on it
    #: (`async with factory() as s`, `async with s:`, `async with s.begin():`).
    context_origins: tuple[Origin, ...] = ()
    #: An `except` around the yield calls `<name>.rollback()` and re-raises.
    rolls_back_on_error: bool = False
    #: A `finally` around the yield calls `<name>.close()`.
    closes_finally: bool = False


@dataclass(frozen=True, slots=True)
class FunctionFacts:
    qualname: str
    name: str
    line: int
    col: int
    is_async: bool
    decorators: tuple[str, ...]
    parameters: tuple[str, ...]
    begin_blocks: tuple[BeginBlock, ...]
    session_calls: tuple[SessionMethodCall, ...]
    context_entries: tuple[ContextEntry, ...]
    #: Expressions that the function yields, with their evidence.
    yields: tuple[SessionRef, ...]
    #: The yields of a plain name, with the statements around them (for the session helper).
    yield_guards: tuple[YieldGuard, ...] = ()
    #: Calls that run awaitables concurrently, with the candidate sessions that reach them.
    task_spawns: tuple[TaskSpawn, ...] = ()
    #: The class the return annotation names (`-> AsyncSession`), qualified.
    returns: str | None = None
    #: What the function does with ORM objects (async functions only), see `facts/loading.py`.
    loading: FunctionLoading | None = None


@dataclass(frozen=True, slots=True)
class RelationshipFacts:
    """A relationship attribute declared on a class body."""

    name: str
    #: The target class as written: a qualified name, or a string such as "Group".
    target: str | None
    #: The loader strategy (`lazy=`, also through `sa_relationship_kwargs`), None for the default.
    lazy: str | None
    #: `Mapped`, `WriteOnlyMapped`, `DynamicMapped` (or None without such an annotation).
    container: str | None
    line: int
    col: int
    #: True for `list[...]`/`set[...]` or `uselist=True`, False for a scalar, None when unknown.
    is_collection: bool | None = None


@dataclass(frozen=True, slots=True)
class ClassFacts:
    qualname: str
    name: str
    line: int
    col: int
    bases: tuple[str, ...]
    #: Class keywords as source text (`table="True"` for SQLModel tables).
    keywords: dict[str, str]
    #: `self.attr = ...` in methods and class-level annotations, with their origins.
    attributes: dict[str, tuple[Origin, ...]]
    relationships: tuple[RelationshipFacts, ...] = ()
    #: Names assigned or annotated in the class body (columns, among others).
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FileFacts:
    path: str
    module: str
    is_package: bool
    parse_error: str | None = None
    #: Line and column of a parse error.
    error_line: int = 1
    error_col: int = 0
    #: Module-level name -> qualified name it is bound to (imports and aliases).
    exports: dict[str, str] = field(default_factory=dict)
    uses_asyncio: bool = False
    api_calls: tuple[ApiCall, ...] = ()
    functions: tuple[FunctionFacts, ...] = ()
    classes: tuple[ClassFacts, ...] = ()
    module_calls: tuple[SessionMethodCall, ...] = ()
    #: Module-level names bound to a computed value (`engine = create_async_engine(...)`),
    #: also through `global` in a function, with the value's origins.
    module_values: dict[str, tuple[Origin, ...]] = field(default_factory=dict)
    #: Line -> codes its noqa comment names; an empty tuple is a bare noqa (every code).
    noqa: dict[int, tuple[str, ...]] = field(default_factory=dict)
    #: Values created at module level, on a class, or through `global`, kept for reuse.
    stored_values: tuple[StoredValue, ...] = ()
    #: Module-level type alias -> the class it stands for (`SessionDep = Annotated[AsyncSession, ...]`,
    #: `NewType("S", AsyncSession)`, `X: TypeAlias = ...`).
    type_aliases: dict[str, str] = field(default_factory=dict)
    #: Every `<expr>.create_all` read (called, or handed to `run_sync`), for ASA502.
    schema_creations: tuple[SchemaCreation, ...] = ()


@dataclass(frozen=True, slots=True)
class SchemaCreation:
    """`<receiver>.create_all`, called or passed on (`conn.run_sync(Base.metadata.create_all)`).

    Whether the receiver is a `MetaData` is the index's call, on the receiver's origins.
    """

    receiver: str
    origins: tuple[Origin, ...]
    line: int
    col: int
    scope: Scope
    #: The enclosing function's qualified name; None at module or class level.
    function: str | None


@dataclass(frozen=True, slots=True)
class SessionReach:
    """A candidate session reaching a spawned awaitable, and how it gets there.

    `how` is "method call" (`s.execute(...)`), "argument" (`load(s)`), or "wrapper <name>"
    (`repo = Repo(s)` then `repo.load()`).
    """

    ref: SessionRef
    how: str


@dataclass(frozen=True, slots=True)
class SpawnedWork:
    """One awaitable handed to a task-spawning call; `many` for a comprehension or a loop."""

    text: str
    line: int
    col: int
    reaches: tuple[SessionReach, ...]
    many: bool = False


@dataclass(frozen=True, slots=True)
class TaskSpawn:
    """A call that runs awaitables concurrently: `asyncio.gather(...)`, `tg.create_task(...)`...

    A `detached` spawn (a task) runs beside the code that created it until `window_end`: the
    line where it is awaited, where its task group closes, or the function's last line.
    """

    entry: str
    line: int
    col: int
    end_line: int
    end_col: int
    work: tuple[SpawnedWork, ...]
    detached: bool = False
    window_end: int = 0
    #: The spawner's own uses of candidate sessions while the task may run (same path, in the window).
    racing_uses: tuple[SessionUse, ...] = ()
    #: Lines of the other tasks started while this one may run.
    racing_spawns: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionUse:
    """The function's own use of a candidate session: a method call on it or passing it on."""

    ref: SessionRef
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class StoredValue:
    """A value created once and kept for reuse: at module level, on a class, or via `global`."""

    name: str
    where: str
    line: int
    col: int
    origins: tuple[Origin, ...]


# -- loading: ORM objects, their loaders and the attributes read on them --------------


@dataclass(frozen=True, slots=True)
class LoaderStep:
    """One step of a loader option: `selectinload(Order.items)` is ("app.models.Order.items", "selectin").

    `attribute` is the qualified class attribute, a bare name for string forms, or "*".
    `strategy` is selectin/joined/subquery/immediate/contains_eager (they load), default
    (`defaultload`, only a path), lazy, noload or raise.
    """

    attribute: str
    strategy: str


@dataclass(frozen=True, slots=True)
class LoaderPath:
    """A loader option as the chain of relationships it walks from the queried entity."""

    steps: tuple[LoaderStep, ...]


class SourceKind(str, Enum):
    #: `select(M)` run through execute/scalars/scalar/exec.
    QUERY = "query"
    #: `session.get(M, ...)`.
    GET = "get"
    #: `M(...)` built in the function (added and flushed/committed to become persistent).
    NEW = "new"
    #: What an awaited project function returned (its summary is in the index).
    CALL = "call"


@dataclass(frozen=True, slots=True)
class ObjectSource:
    """Where ORM objects come from in a function, with the loaders of that query."""

    kind: SourceKind
    line: int
    #: The model expression as a qualified name (`select(M)`, `session.get(M, ...)`, `M(...)`).
    model: str | None = None
    #: The qualified name of the statement constructor (`sqlalchemy.select`).
    constructor: str | None = None
    session: SessionRef | None = None
    loaders: tuple[LoaderPath, ...] = ()
    #: False when an option could not be read (a variable, a helper call): then nothing is judged.
    loaders_known: bool = True
    #: For CALL: the origins of the callee and its display text.
    callee: tuple[Origin, ...] = ()
    callee_text: str = ""
    #: Loaders that some paths to the query added and others did not.
    maybe_loaders: tuple[LoaderPath, ...] = ()


class AccessKind(str, Enum):
    READ = "read"
    #: `obj.rel = [...]`: replacing a collection loads the old one.
    ASSIGN = "assign"


@dataclass(frozen=True, slots=True)
class Expiry:
    """A commit or rollback of the object's session between its loading and an access.

    `method` is commit, rollback, or begin for the end of an `async with session.begin():` block.
    """

    session: str
    method: str
    line: int


@dataclass(frozen=True, slots=True)
class ObjectAccess:
    """`target.attribute` on an ORM object, with the object's state on the paths that reach it.

    `path` walks relationships from the source's objects: `item.product` with `item` from
    `for item in order.items` has path ("items",); "[]" marks an element of what a CALL returned.
    """

    target: str
    attribute: str
    line: int
    col: int
    kind: AccessKind
    source: ObjectSource
    path: tuple[str, ...]
    #: Relationships loaded on every path (refresh with names, awaitable_attrs, assignment).
    loaded: tuple[str, ...]
    #: The object is in the database (loaded, or added and then flushed or committed).
    persistent: bool
    #: Commits/rollbacks of its session since it was loaded, on some path.
    expired_by: tuple[Expiry, ...]
    #: Where the `target.attribute` expression ends; None when the access is no attribute
    #: expression (`getattr(obj, "rel")`), which an autofix cannot rewrite in place.
    end_line: int | None = None
    end_col: int | None = None


@dataclass(frozen=True, slots=True)
class ReturnedObject:
    """What a function returns when it returns ORM objects: the per-function summary."""

    source: ObjectSource
    path: tuple[str, ...]
    loaded: tuple[str, ...]
    is_collection: bool


@dataclass(frozen=True, slots=True)
class FunctionLoading:
    accesses: tuple[ObjectAccess, ...] = ()
    #: One entry per `return` of ORM objects; `returns_only_objects` is False when some
    #: other `return` exists (then callers do not trust the summary).
    returns: tuple[ReturnedObject, ...] = ()
    returns_only_objects: bool = False
    #: Session name -> source text of `expire_on_commit=` where the function creates it.
    session_options: dict[str, str] = field(default_factory=dict)
