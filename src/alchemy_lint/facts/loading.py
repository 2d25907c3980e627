"""Intra-function loading analysis: ORM objects, the loaders in effect, and what is read on them.

Runs once per `async def` at the end of the facts walk; follows statement order and branches.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby, pairwise
from operator import itemgetter
from typing import Protocol, TypeVar

from alchemy_lint.facts.conditions import Guard, branch_conditions, known_arguments, nested_test
from alchemy_lint.facts.effect_cases import Case, Cases, Done, ended, entered, joined, stored
from alchemy_lint.facts.expected_errors import expects_error
from alchemy_lint.facts.failed_results import failure_keys, result_test
from alchemy_lint.facts.fresh_state import ENTERED, FRESH, STATE
from alchemy_lint.facts.getters import INSPECT_FUNCTIONS, loaded_probe
from alchemy_lint.facts.guarded_loaders import NO_NEEDS, Needs, combined_needs, joined_needs
from alchemy_lint.facts.injection import next_item_of
from alchemy_lint.facts.local_truths import (
    NO_TRUTHS,
    TestedCollections,
    UnrebindableNames,
    ValueFact,
    collection_text,
    contradicts,
    empties,
    empty_key,
    filled,
    guard_names,
    is_empty_collection,
    is_truthy,
    joined_expiries,
    plain,
    simplest,
    touched_collections,
    truths_of,
    unconditioned,
    value_facts_of,
    without_falsy,
)
from alchemy_lint.facts.model import (
    ENDED,
    EXPLICIT_EXPIRIES,
    FAILED_FLUSH,
    MAYBE_GIVEN,
    RERAISED,
    RETURNED_EXPIRED,
    RETURNED_TO_RESPONSE,
    SAME_COLUMN,
    THE_CLASS,
    UNKNOWN_ARGUMENTS,
    WHOLE_REFRESH,
    WRAPPED,
    AccessKind,
    Condition,
    Expiry,
    FunctionLoading,
    HandedObject,
    Handover,
    KnownArgument,
    LoaderPath,
    LoaderStep,
    LoaderStrategy,
    ObjectAccess,
    ObjectSource,
    PassedArgument,
    Reselect,
    ReturnedObject,
    ReturnedOptions,
    SessionTie,
    SourceKind,
    StatementOrigin,
    assigned,
    handed_to,
    maybe_given,
    partly_refreshed,
)
from alchemy_lint.facts.values import CALL, Origin, OriginKind, Step, StepKind, ValueRef
from alchemy_lint.facts.walk import child_nodes
from alchemy_lint.records import record, replace
from alchemy_lint.resolve import (
    NameTable,
    annotation_targets,
    caught_names,
    dotted_parts,
    expression_text,
    qualify,
)
from alchemy_lint.sqlalchemy_api import KNOWN_API, SESSION_CLASSES


class Resolver(Protocol):
    """What the facts builder offers: names of the current scope and the evidence of values."""

    table: NameTable

    def origins_of(self, expr: ast.expr) -> tuple[Origin, ...]: ...

    def value_ref(self, expr: ast.expr) -> ValueRef | None: ...


#: Loader option functions by leaf name -> the strategy they set on their last step.
LOADER_STRATEGIES = {
    "selectinload": LoaderStrategy.SELECTIN,
    "joinedload": LoaderStrategy.JOINED,
    "subqueryload": LoaderStrategy.SUBQUERY,
    "immediateload": LoaderStrategy.IMMEDIATE,
    "contains_eager": LoaderStrategy.CONTAINS_EAGER,
    "defaultload": LoaderStrategy.DEFAULT,
    "lazyload": LoaderStrategy.LAZY,
    "noload": LoaderStrategy.NOLOAD,
    "raiseload": LoaderStrategy.RAISE,
}
#: Loader options whose `recursion_depth=` goes on loading a self-referential relationship.
_RECURSIVE_LOADERS = frozenset({"selectinload", "immediateload"})
#: Levels a `recursion_depth=-1` loader is taken to load: deeper than any read path followed.
_UNBOUNDED_LEVELS = 8
#: Options that load no relationship but are understood (column loaders, criteria).
NEUTRAL_OPTIONS = frozenset(
    {
        "load_only",
        "defer",
        "undefer",
        "undefer_group",
        "with_expression",
        "selectin_polymorphic",
        "with_loader_criteria",
        "noload",
    }
)
#: The same, and `Load`, the path object an option's chain may start from.
_NEUTRAL_OR_LOAD = NEUTRAL_OPTIONS | {"Load"}
_LOADER_MODULES = ("sqlalchemy", "sqlmodel")
#: Statement methods that keep the selected entity.
STATEMENT_METHODS = frozenset(
    {
        "where",
        "filter",
        "filter_by",
        "order_by",
        "limit",
        "offset",
        "join",
        "outerjoin",
        "join_from",
        "outerjoin_from",
        "distinct",
        "group_by",
        "having",
        "execution_options",
        "with_for_update",
        "options",
        "params",
        "select_from",
        "correlate",
        "slice",
        "fetch",
        "prefix_with",
        "suffix_with",
        "with_hint",
        "union",
        "values",
        "ordered_values",
        "on_conflict_do_nothing",
        "on_conflict_do_update",
        "returning",
        "add_columns",
    }
) - {"union"}
#: Statement constructors: `select` returns entities; DML returns them only with `returning()`.
_SELECT = "select"
#: The constructor a `session.get(self.model, ...)` stands for: `select(self.model)`.
_SELECT_QUALNAME = "sqlalchemy.select"
_DML = frozenset({"insert", "update", "delete"})
#: Result methods: what they turn a result of the given stage into.
_RESULT_STEPS = {
    ("result", "scalars"): "scalars",
    ("result", "unique"): "result",
    ("result", "scalar_one"): "object",
    ("result", "scalar_one_or_none"): "object",
    ("result", "scalar"): "object",
    ("scalars", "unique"): "scalars",
    ("scalars", "all"): "list",
    ("scalars", "fetchall"): "list",
    ("scalars", "first"): "object",
    ("scalars", "one"): "object",
    ("scalars", "one_or_none"): "object",
    ("list", "copy"): "list",
    ("result", "tuples"): "result",
    ("result", "all"): "list",
    ("result", "fetchall"): "list",
    ("result", "one"): "object",
    ("result", "first"): "object",
    ("result", "one_or_none"): "object",
    ("dict", "values"): "list",
    ("dict", "get"): "object",
    ("dict", "copy"): "dict",
}
#: Builtins that give the objects of a list as they are (a copy, an order, an iterator).
_SAME_OBJECTS = frozenset({"list", "tuple", "set", "frozenset", "sorted", "reversed", "iter"})
#: Those, and the builtins that give one of the objects or tuples of them.
_ONE_OBJECT = frozenset({"next", "min", "max"})
_ITERATED = _SAME_OBJECTS | _ONE_OBJECT | {"enumerate", "zip"}
#: Builtins that call the function they are given on each element of an iterable.
_CALLING_BACK = frozenset({"sorted", "min", "max", "map", "filter"})
_SESSION_RESULT_STAGES = {
    "execute": "result",
    "scalars": "scalars",
    "exec": "scalars",
    "stream": "result",
    "stream_scalars": "scalars",
}
_MAX_PATH = 3
#: Statement methods that keep the rows a statement gives (and what each row loads).
_SAME_ROWS = frozenset({"options", "execution_options", "with_for_update", "order_by", "returning"})
_MAX_ACCESSES = 400


def _model_unknown(left: _Object, right: _Object) -> bool:
    """One side is what a project call returned, whose model the index works out."""
    return any(side.source.kind is SourceKind.CALL and side.source.model is None for side in (left, right))


#: Statement methods that only narrow or order the rows (`where`, `order_by`, `options`...): a
#: parameter they are called on is taken for a statement (`join` is also `str.join`).
_FILTERS = frozenset(
    {"where", "filter", "filter_by", "order_by", "limit", "offset", "options", "distinct", "group_by", "having"}
)


#: Builtins that read the attribute their second argument names.
_ATTRIBUTE_GETTERS = frozenset({"getattr", "hasattr"})


#: Session methods whose await fetches no row.
_STREAMS = frozenset({"stream", "stream_scalars"})


def _whole_table(statement: _Statement) -> bool:
    """`select(M)` built here with no criterion, join, offset or limit: it gives the table's rows."""
    return (
        not statement.narrowed
        and not statement.limited
        and not statement.entities
        and not statement.called
        and statement.origin is None
        and statement.constructor.rsplit(".", 1)[-1] == _SELECT
    )


def _parameter_statement(name: str, line: int) -> _Statement:
    """Whatever statement the caller passes as the parameter `name`."""
    return _Statement("", "", line, frozenset(), True, origin=StatementOrigin(parameter=name))


def _other_call(left: ObjectSource, right: ObjectSource) -> bool:
    """Objects two different calls returned (another callee, or the same one told otherwise)."""
    if left.kind is not SourceKind.CALL or right.kind is not SourceKind.CALL:
        return False
    return _call_of(left) != _call_of(right)


def _call_or_query(left: ObjectSource, right: ObjectSource) -> bool:
    """Objects a project call returned on one path and a query or `session.get` on the other."""
    kinds = {left.kind, right.kind}
    return SourceKind.CALL in kinds and bool(kinds & {SourceKind.QUERY, SourceKind.GET})


def _one_session(left: _Object, right: _Object) -> bool:
    """Both objects are of one session the function names (a call's: the one it was handed)."""
    session = left.session_text
    return session is not None and session == right.session_text


def _call_of(source: ObjectSource) -> tuple[object, ...]:
    return (source.callee, source.passed, source.flags, source.handed)


def _with_alternative(left: ObjectSource, right: ObjectSource) -> ObjectSource:
    """`left`, with the calls of `right` as further alternatives (each call once)."""
    calls = {_call_of(left)}
    alternatives: list[ObjectSource] = []
    for source in (*left.alternatives, replace(right, alternatives=()), *right.alternatives):
        call = _call_of(source)
        if call not in calls:
            calls.add(call)
            alternatives.append(source)
    session = left.session if left.session == right.session else None
    return replace(left, line=min(left.line, right.line), session=session, alternatives=tuple(alternatives))


def _joined_source(left: ObjectSource, right: ObjectSource) -> ObjectSource:
    """Two sources of one kind that differ (another line, other loaders): `left`, with the
    loaders both add and the rest only maybe."""
    loaders = frozenset(left.loaders) & frozenset(right.loaders)
    return replace(
        left,
        line=min(left.line, right.line),
        loaders=tuple(sorted(loaders, key=repr)),
        loaders_known=left.loaders_known and right.loaders_known,
        maybe_loaders=tuple(
            sorted(
                {*left.maybe_loaders, *right.maybe_loaders} | (frozenset(left.loaders) ^ frozenset(right.loaders)),
                key=repr,
            )
        ),
        session=left.session if left.session == right.session else None,
        loader_guards=(),
    )


def _loaded_or_added(loaded: _Object, added: _Object) -> _Object | None:
    """An object loaded on one path and created and added to the same session on the other (a
    get-or-create): the session's object either way, which its commit expires; judged by the
    loaded one's source. (A rollback may expunge it rather than expire it: it stays pending.)

    A project call that loaded it says no session (`team = await self._get_by_id(...)`): its
    relationships are judged by that call's source all the same (ASA301: the loaded path reads
    what the call left unloaded, whatever the other binds), and its expiry by what the call
    returned, as for the call's objects alone (ASA302 asks for the session)."""
    new = added.source
    if new.kind is not SourceKind.NEW or loaded.source.kind is SourceKind.NEW or new.session is None:
        return None
    if not (added.persistent or added.pending_in is not None):
        return None
    if loaded.source.kind is SourceKind.CALL and loaded.source.session is None:
        return _Object(
            loaded.source,
            loaded.path,
            loaded.loaded & added.loaded,
            True,
            loaded.expired,
            None,
            loaded.stage,
            loaded.row,
        )
    if new.session != loaded.source.session:
        return None
    return _Object(
        loaded.source,
        loaded.path,
        loaded.loaded & added.loaded,
        True,
        loaded.expired | added.expired,
        added.pending_in,
        loaded.stage,
        loaded.row,
    )


# -- abstract values -------------------------------------------------------------


@record
class _Statement:
    model: str
    constructor: str
    line: int
    loaders: frozenset[LoaderPath]
    known: bool
    #: Loaders that some path but not every path added.
    maybe: frozenset[LoaderPath] = frozenset()
    #: Of those, the ones added under a test the code may repeat (`if is_shared:`), with what held.
    given: frozenset[tuple[LoaderPath, Condition]] = frozenset()
    #: Of those, each with a condition on a parameter that held on every path that added it
    #: (`if with_items:`): a caller whose argument fails it never gets the loader.
    needs: Needs = NO_NEEDS
    #: Further entities of a multi-entity select (`select(Order, Customer)`).
    entities: tuple[str, ...] = ()
    #: Whether running it gives ORM objects (a select; DML only with `returning(Model)`).
    objects: bool = True
    #: Where it comes from when not from `select(Model)` here (then `model` is ""), and the
    #: parameters whose options it carries.
    origin: StatementOrigin | None = None
    #: Parameters that hold its loader options (see `ObjectSource.loader_parameters`).
    loader_parameters: tuple[str, ...] = ()
    #: `limit(n)` applied: the rows may not be all of those the criteria give.
    limited: bool = False
    #: Only what a project call returned, no statement method applied yet: maybe a statement,
    #: maybe anything else (a session, a repository), so everything else reads it as unknown.
    called: bool = False
    #: `where(M.c == k)`: the column and key every row it gives has (see `_Object.identities`),
    #: and whether that is all it asks (no other criterion, join or offset), so that it gives
    #: again any row loaded with that key.
    identity: tuple[str, str] | None = None
    exact: bool = False
    narrowed: bool = False
    #: A sync project call handed ORM objects (`open_only(orders)`): what it gives back when it
    #: is no statement, read as the objects its summary says it returns (the index's call).
    gives_back: _Object | None = None

    def source(self, session: ValueRef | None = None) -> ObjectSource:
        """The statement as the source of the objects that running it gives."""
        return ObjectSource(
            SourceKind.QUERY,
            self.line,
            model=self.model or None,
            constructor=self.constructor or None,
            session=session,
            loaders=tuple(sorted(self.loaders, key=repr)),
            loaders_known=self.known,
            maybe_loaders=tuple(sorted(self.maybe, key=repr)),
            given_loaders=tuple(sorted(self.given, key=repr)),
            loader_guards=tuple(sorted(self.needs, key=repr)),
            statement=self.origin,
            loader_parameters=self.loader_parameters,
        )


@record
class _Options:
    """A loader option, or a list of them, held in a variable."""

    loaders: frozenset[LoaderPath]
    known: bool
    maybe: frozenset[LoaderPath] = frozenset()
    #: Where a chain of loaders goes on from: the path its last strategy made. `.options(...)`
    #: adds sub-options below it and leaves it there (`selectinload(A.b).options(x).options(y)`:
    #: `y` is below `A.b` too, not below `x`).
    tip: LoaderPath | None = None
    #: Of `maybe`, each with a condition on a parameter that held on every path that added it.
    needs: Needs = NO_NEEDS
    #: Of `maybe`, the ones added under a test the code may repeat, with what held (as a
    #: statement's `given`: `.options(*options)` hands them on).
    given: frozenset[tuple[LoaderPath, Condition]] = frozenset()


@record
class _Object:
    """An ORM object (or, with `stage`, a result or list of them)."""

    source: ObjectSource
    path: tuple[str, ...] = ()
    loaded: frozenset[str] = frozenset()
    persistent: bool = True
    expired: frozenset[Expiry] = frozenset()
    #: The session a new object was added to, while it waits for a flush.
    pending_in: str | None = None
    #: None for one object; "result", "scalars", "list" or "dict" for a collection of them.
    stage: str | None = None
    #: The entities of each row of a multi-entity result (`select(Order, Customer)`).
    row: tuple[str, ...] = ()
    #: For a `Name(...)` call result: the named values its constructor was handed, each with
    #: where it landed (`svc = Service(session=session)`): a method of the object may end the
    #: transaction of that session, and what the method returns comes from it.
    wraps: tuple[tuple[str, ValueRef], ...] = ()
    #: The keys that name its row: (column, key text), the column "" for `session.get(M, key)`;
    #: the one it was loaded by, then each read from it while loaded (`k = obj.id`).
    identities: tuple[tuple[str, str], ...] = ()
    #: For a `Name(...)` call result nothing touched since: `FRESH`, or `ENTERED` when `async
    #: with` bound it (a call of its method finds the state its `__init__` left: `fresh_state`).
    fresh: str | None = None
    #: For a new object in the database only through the autoflush of a later query of its
    #: session (`await session.execute(...)` after `add()`): that query's line, 0 otherwise. The
    #: index asks whether the session autoflushes (`autoflush=False` on its factory).
    autoflushed: int = 0
    #: The queries since that gave its own row again, loading it as they did (see `Reselect`).
    reselects: tuple[Reselect, ...] = ()
    #: For what a project call returned: the local names of the objects whose row's key the call
    #: was handed (`await reload(db, order.id)`, or `k` after `k = order.id`): the row it looks up.
    keyed_by: frozenset[str] = frozenset()

    def expired_also(self, expiry: Expiry) -> _Object:
        """The object, expired by `expiry` too (`dataclasses.replace`, without its cost); what a
        query loaded on it since is expired with it."""
        return _Object(
            self.source,
            self.path,
            self.loaded,
            self.persistent,
            self.expired | {expiry},
            self.pending_in,
            self.stage,
            self.row,
            self.wraps,
            self.identities,
            self.fresh,
            self.autoflushed,
        )

    def attribute(self, name: str) -> _Object:
        """What reading attribute `name` of the object gives: nothing of it loaded yet (and not
        expired by a `session.expire()` of this object alone: that leaves the others alone)."""
        expired = self.expired
        if any(expiry.method == "expire" for expiry in expired):
            expired = frozenset(expiry for expiry in expired if expiry.method != "expire")
        return _Object(
            self.source,
            (*self.path, name),
            frozenset(),
            self.persistent,
            expired,
            self.pending_in,
            self.stage,
            self.row,
            self.wraps,
            autoflushed=self.autoflushed,
            reselects=self.reselects,
        )

    @property
    def session_text(self) -> str | None:
        return self.source.session.text if self.source.session is not None else self.pending_in

    def element(self) -> _Object | _Tuple:
        if self.row and self.stage in ("result", "list"):
            # A row: one object per entity, each from the same query.
            return _Tuple(
                tuple(
                    replace(self, stage=None, row=(), source=replace(self.source, model=entity)) if entity else None
                    for entity in self.row
                )
            )
        path = self.path if self.source.kind is not SourceKind.CALL or self.stage else (*self.path, "[]")
        return replace(self, stage=None, path=path, loaded=frozenset() if path != self.path else self.loaded)


#: The errors a unique or foreign-key constraint raises at a flush or commit: a handler of them
#: alone expects that outcome (a duplicate row), it does not guard against any failure.
_CONFLICT_ERRORS = frozenset({"sqlalchemy.exc.IntegrityError", "sqlalchemy.IntegrityError"})


def _catches_conflict(caught: ast.expr | None, table: NameTable) -> bool:
    """`except IntegrityError:` (or a tuple of such): a handler of constraint conflicts only."""
    names = caught_names(caught)
    return bool(names) and all(qualify(name, table) in _CONFLICT_ERRORS for name in names)


#: Session methods that give the next flush something to write.
_CHANGING = frozenset({"add", "add_all", "delete", "merge"})
#: Session methods that run a query, and so flush the session first when it autoflushes (the
#: default): a pending object becomes persistent as after `flush()` (verified at run time).
_AUTOFLUSHING = frozenset({"execute", "scalars", "scalar", "exec", "stream", "stream_scalars", "get", "get_one"})
#: In `_LoadingWalker.dirty`: an object of a session the walk cannot name (a received one) changed.
_SOME_SESSION = "*"
#: What a bare name in an `except` clause catches of everything: a failed flush among the rest.
_EVERY_ERROR = frozenset({"Exception", "BaseException"})


def _awaits_only(body: list[ast.stmt], sessions: Collection[str]) -> bool:
    """The statements await nothing but methods of `sessions` (`await session.commit()`): no
    other I/O that may fail (`async with`/`async for` count as such)."""
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, _NESTED_SCOPES):
            continue  # (defined here, run elsewhere)
        if isinstance(node, (ast.AsyncWith, ast.AsyncFor)):
            return False
        if isinstance(node, ast.Await) and not _awaits_session_method(node, sessions):
            return False
        pending.extend(ast.iter_child_nodes(node))
    return True


def _getattr_target(node: ast.AST) -> ast.expr | None:
    """`getattr(obj, "name", ...)`: `obj`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" and node.args:
        return node.args[0]
    return None


#: Definitions whose bodies run when they are called, not where they stand.
_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _awaits_session_method(node: ast.Await, sessions: Collection[str]) -> bool:
    call = node.value
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and expression_text(call.func.value) in sessions
    )


def _catches_database_errors(caught: ast.expr | None, table: NameTable) -> bool:
    """`except:`, `except Exception:` or a SQLAlchemy error (`except IntegrityError:`, also in a
    tuple): a handler a failed flush or commit lands in. `except ValueError:` is not one."""
    if caught is None:
        return True
    for name in caught_names(caught):
        qualified = qualify(name, table)
        if qualified is None and type(name) is ast.Name and name.id in _EVERY_ERROR:
            return True
        if qualified is not None and (qualified in _EVERY_ERROR or qualified.startswith("sqlalchemy.")):
            return True
    return False


#: The prefix under which the walker keeps what a method binds to its own object's attributes.
_KEPT = "self."
#: Methods that call the function they are handed first with the arguments that follow it:
#: FastAPI's and Starlette's `BackgroundTasks.add_task(func, *args, **kwargs)`.
_DEFERRING = frozenset({"add_task"})
#: Classes built the same way, whose call runs later: Starlette's `BackgroundTask(func, *args)`,
#: which a response runs once it has been sent (`JSONResponse(..., background=task)`).
_DEFERRING_CLASSES = frozenset({"starlette.background.BackgroundTask"})


def _deferred_function(node: ast.Call, table: NameTable) -> ast.expr | None:
    """The function `background_tasks.add_task(notify, user)` (or `BackgroundTask(notify, user)`)
    will call with the rest, once the request's response is sent."""
    func = node.func
    deferring = (type(func) is ast.Attribute and func.attr in _DEFERRING) or (
        type(func) is ast.Name and qualify(func, table) in _DEFERRING_CLASSES
    )
    if not (deferring and node.args):
        return None
    first = node.args[0]
    return first if isinstance(first, (ast.Name, ast.Attribute)) else None


#: The prefix of the keys under which a path carries the objects handed to a deferred call (no
#: name can clash with them): their state where the path returns is the state the call finds.
_DEFERRED = "\0deferred "


@record
class _Deferral:
    """An object handed to a function that runs after the response (see `_deferred_function`):
    where, and to what; the object's state is carried on each path under its `_DEFERRED` key."""

    node: ast.Call
    expression: ast.expr
    callee: tuple[Origin, ...]
    callee_text: str
    argument: str
    flags: tuple[KnownArgument, ...]


def _given_back(
    call: ast.Call,
    callee: tuple[Origin, ...],
    handed: tuple[HandedObject, ...],
    passed: tuple[PassedArgument, ...] = (),
    flags: tuple[KnownArgument, ...] = (),
) -> _Object:
    """What a sync project call handed objects gives back, in their session: the index tells
    from the callee's summary which of them (or nothing it knows)."""
    source = ObjectSource(
        SourceKind.CALL,
        call.lineno,
        session=handed[0].source.session,
        callee=callee,
        callee_text=expression_text(call.func) or ast.unparse(call.func),
        passed=passed,
        handed=handed,
        flags=flags,
    )
    return _Object(source)


_Item = TypeVar("_Item")


def _zipped_items(builtin: str, arguments: Sequence[_Item]) -> tuple[_Item | None, ...]:
    """What each item of a tuple `enumerate(...)` or `zip(...)` gives comes from, given its
    arguments (values or expressions): the counter (None) and the first of `enumerate`'s, each
    of `zip`'s."""
    return (None, *arguments[:1]) if builtin == "enumerate" else tuple(arguments)


def _kept_name(node: ast.Attribute) -> str | None:
    """`self.order`: the name the walker keeps an object a method binds to it under."""
    if type(node.value) is ast.Name and node.value.id == "self":
        return _KEPT + node.attr
    return None


#: What follows the holder's name in the key of an object its constructor was handed by position
#: (`ctx.#0` of `ctx = OrderContext(order)`): no attribute name can clash with it.
_POSITION = "#"


def _keyed_step(path: tuple[str, ...]) -> bool:
    """`("['items']",)`: the one step of an item under a key of a dict a call returned."""
    return len(path) == 1 and path[0].startswith("['") and path[0].endswith("']")


@record
class _Tuple:
    """A tuple of values: a row of a multi-entity result, or `(user, account)`."""

    items: tuple[_Value | None, ...]


@record
class _Zipped:
    """`enumerate(orders)` or `zip(names, orders)`: iterating it gives a tuple of an element of
    each (None for what holds no object, the counter of `enumerate`)."""

    items: tuple[_Value | None, ...]


@record
class _Keyed:
    """A dict written with constant string keys (`{"chat": chat, "limit": 10}`): what each key
    holds, read back by a subscript or `.get()` with the same key."""

    keys: tuple[str, ...]
    items: tuple[_Value | None, ...]

    def get(self, key: object) -> _Value | None:
        return self.items[self.keys.index(key)] if isinstance(key, str) and key in self.keys else None


@record
class _EmptyDict:
    """A dict written with no items (`found = {}`): `found[key] = order` then makes it a dict
    of the objects, as `found.append(order)` makes a list of an empty one."""


@record
class _AwaitableAttrs:
    owner: str | None
    obj: _Object


@record
class _Effects:
    """What the function did to sessions on every path to here: (session text, commit/rollback);
    and, once a test on a parameter told paths apart, what each kind of path did (see
    `effect_cases`: `if not uow: commit` commits on the paths where `uow` was falsy)."""

    done: frozenset[tuple[str, str]]
    cases: Cases = frozenset()


@record
class _Swallowed:
    """The sessions an `except` handler rolled back on some path to here, the error swallowed,
    each with what the enclosing tests said there."""

    sessions: frozenset[tuple[str, Guard]]
    #: Those a handler of a unique-constraint conflict rolled back (`except IntegrityError:`).
    conflicts: frozenset[tuple[str, Guard]] = frozenset()
    #: Those a handler rolled back after its `try` flushed what the code changed in them (`add`,
    #: then `commit()`): the failed flush the handler is there for.
    flush_failures: frozenset[tuple[str, Guard]] = frozenset()


#: The key under which a path carries its effects on sessions (no name can clash with it).
_EFFECTS = "\0effects"
#: The key under which a path carries the rollbacks its `except` handlers made.
_SWALLOWED = "\0swallowed"


@record
class _Failed:
    """The mark of a path that went through an `except` handler: an error was swallowed on it,
    in the handler at `line` (the first one, when several paths that failed join)."""

    line: int


#: The key under which a path carries `_Failed` (dropped by a join with a path that did not fail).
_FAILED = "\0failed"


@record
class _Truthy:
    """The local names known truthy on a path (`facts/local_truths.py`)."""

    names: frozenset[str]


#: The key under which a path carries `_Truthy` (dropped by a join with a path that knows none).
_TRUTHY = "\0truthy"


@record
class _Reached:
    """The commits and rollbacks that expired objects on some path to here (those the facts
    record in `FunctionLoading.expiries`), kept as an object keeps its own: what the session holds
    is expired by those alone (`FunctionLoading.reached`)."""

    events: frozenset[Expiry]


#: The key under which a path carries `_Reached` (kept by a join with a path that made none).
_REACHED = "\0reached"


def _events_of(value: _Value) -> frozenset[Expiry]:
    """The expiries a value of a path carries: an object's own, or the path's (`_Reached`)."""
    if isinstance(value, _Object):
        return value.expired
    if isinstance(value, _Reached):
        return value.events
    return frozenset()


def _with_events(value: _Value, events: frozenset[Expiry]) -> _Value:
    """`value` carrying `events` instead of what `_events_of` gives of it."""
    if isinstance(value, _Object):
        return replace(value, expired=events)
    if isinstance(value, _Reached):
        return _Reached(events)
    return value


@record
class _Savepoint:
    """A savepoint of `session` (`nested = await session.begin_nested()`, or `async with
    session.begin_nested() as nested:`), with the objects the code changed since it began (their
    source and path). Its `rollback()` expires exactly those (verified at run time: an object
    changed before it began, or only loaded in it, keeps its state)."""

    session: str
    changed: frozenset[tuple[ObjectSource, tuple[str, ...]]] = frozenset()


_Value = (
    _Statement
    | _Options
    | _Object
    | _AwaitableAttrs
    | _Tuple
    | _Zipped
    | _Keyed
    | _EmptyDict
    | _Effects
    | _Swallowed
    | _Failed
    | _Savepoint
    | _Truthy
    | _Reached
)
_Env = dict[str, _Value]


#: Where an object comes from when it is known to be mapped: the function queried it, got it or
#: added it (`read_through`).
_MAPPED_SOURCES = frozenset({SourceKind.QUERY, SourceKind.GET, SourceKind.NEW})


def _helped_statement(kept: _Statement, built: _Statement) -> _Statement | None:
    """`if actor: query = cls.apply_access(query, actor)`: on one path the statement as it was, on
    the other what a project helper built from it (a filter, as a rule). The helper's is kept: the
    index reads it from the helper's summary, and loaders the helper adds count as added, which
    only ever judges less (as options a parameter adds on one path, see `_joined_origin`)."""
    if not built.called or built.origin is None or not kept.objects:
        return None
    source = kept.source()
    return built if any(passed.statement == source for passed in built.origin.passed) else None


def _join_values(left: _Value, right: _Value) -> _Value | None:
    if left == right:
        return left
    if isinstance(left, _Effects) and isinstance(right, _Effects):
        cases = joined(left.cases, left.done, right.cases, right.done) if left.cases or right.cases else frozenset()
        return _Effects(left.done & right.done, cases)
    if isinstance(left, _Swallowed) and isinstance(right, _Swallowed):
        return _Swallowed(
            left.sessions | right.sessions, left.conflicts | right.conflicts, left.flush_failures | right.flush_failures
        )
    if isinstance(left, _Failed) and isinstance(right, _Failed):
        return left if left.line <= right.line else right
    if isinstance(left, _Truthy) and isinstance(right, _Truthy):
        return _Truthy(left.names & right.names)
    if isinstance(left, _Reached) and isinstance(right, _Reached):
        return _Reached(_expired_either(left.events, right.events))
    if isinstance(left, _Savepoint) and isinstance(right, _Savepoint):
        # Changed on some path: its rollback may expire the object.
        return _Savepoint(left.session, left.changed | right.changed) if left.session == right.session else None
    if isinstance(left, _Statement) and isinstance(right, _Statement):
        helped = _helped_statement(left, right) or _helped_statement(right, left)
        if helped is not None:
            return helped
        if (left.model, left.constructor) != (right.model, right.constructor):
            return None
        if not _same_origin(left.origin, right.origin):
            return None
        return replace(
            left,
            origin=_joined_origin(left.origin, right.origin),
            loaders=left.loaders & right.loaders,
            known=left.known and right.known,
            maybe=left.maybe | right.maybe | (left.loaders ^ right.loaders),
            given=left.given | right.given,
            needs=joined_needs(left, (), right, ()) if left.needs or right.needs else NO_NEEDS,
            identity=left.identity if left.identity == right.identity else None,
            exact=left.exact and right.exact and left.identity == right.identity,
            narrowed=left.narrowed or right.narrowed,
        )
    for empty, full in ((left, right), (right, left)):
        # `found = []`, then `found.append(order)` on some paths: a list of the objects.
        if isinstance(empty, _Options) and not empty.loaders and empty.known and isinstance(full, _Object):
            return full if full.stage == "list" else None
        # `found = {}`, then `found[key] = order` on some paths: a dict of the objects.
        if isinstance(empty, _EmptyDict) and isinstance(full, _Object):
            return full if full.stage == "dict" else None
    if isinstance(left, _Options) and isinstance(right, _Options):
        return _Options(
            left.loaders & right.loaders,
            left.known and right.known,
            left.maybe | right.maybe | (left.loaders ^ right.loaders),
            needs=joined_needs(left, (), right, ()) if left.needs or right.needs else NO_NEEDS,
            given=left.given | right.given,
        )
    if isinstance(left, _Tuple) and isinstance(right, _Tuple):
        if len(left.items) != len(right.items):
            return None
        return _Tuple(
            tuple(
                _join_values(a, b) if a is not None and b is not None else None
                for a, b in zip(left.items, right.items, strict=True)
            )
        )
    if isinstance(left, _Keyed) and isinstance(right, _Keyed):
        if left.keys != right.keys:
            return None
        return _Keyed(
            left.keys,
            tuple(
                _join_values(a, b) if a is not None and b is not None else None
                for a, b in zip(left.items, right.items, strict=True)
            ),
        )
    if isinstance(left, _Object) and isinstance(right, _Object):
        left, right = _as_listed(left, right), _as_listed(right, left)
        if (left.path, left.stage, left.row) != (right.path, right.stage, right.row):
            if _call_or_query(left.source, right.source):
                # What a call returned (a list, as the call made it) on one path, a query's rows
                # on the other: a read after the branches reads the query's on its path.
                return right if left.source.kind is SourceKind.CALL else left
            for element, whole in ((left, right), (right, left)):
                if _listed_by_other_call(element, whole):
                    # `subscription = live[0]` of one call's list on one path, `await get_one()`
                    # on the other: judged as that call's object, as a query's rows are above.
                    return whole
            return None
        source = left.source
        if left.source != right.source:
            if left.source.model != right.source.model and not (
                left.source.kind is not right.source.kind and _model_unknown(left, right)
            ):
                return None
            if left.source.kind is not right.source.kind:
                mixed = _loaded_or_added(left, right) or _loaded_or_added(right, left)
                if mixed is None and _call_or_query(left.source, right.source) and _one_session(left, right):
                    # A project call handed the session on one path, a query's or `session.get`'s
                    # object of it on the other: as for rows, a read after the branches is judged
                    # on the query's path, with what either path expired. (A callee with a session
                    # of its own gives another object, which the query's says nothing of.)
                    queried = right if left.source.kind is SourceKind.CALL else left
                    return replace(queried, expired=_expired_either(left.expired, right.expired))
                return mixed
            if _other_call(left.source, right.source):
                source = _with_alternative(left.source, right.source)
            else:
                source = _joined_source(left.source, right.source)
        loaded = left.loaded & right.loaded
        if left.loaded != right.loaded:
            # What a new object may have been given on one path only (a column set in a loop's
            # body, or under an `if`; any column, by a `setattr` of an unknown key): kept.
            loaded |= {
                mark for mark in left.loaded ^ right.loaded if mark[:1] == MAYBE_GIVEN or mark == UNKNOWN_ARGUMENTS
            }
        return _Object(
            source,
            left.path,
            loaded,
            left.persistent or right.persistent,
            _expired_either(left.expired, right.expired),
            # Still uncommitted on one path: a rollback may expunge it rather than expire it.
            left.pending_in or right.pending_in,
            left.stage,
            left.row,
            identities=tuple(i for i in left.identities if i in right.identities),
            autoflushed=_autoflushed_on_both(left, right),
            reselects=tuple(r for r in left.reselects if r in right.reselects),
        )
    return None


def _listed_element(element: _Object) -> bool:
    """Whether a comprehension that gives `element` each time lists objects: any of a query's, a
    new object's or a relationship's; of what a project call returned, only its elements as they
    are (`[m for m in matches if m.live]`): an attribute reached from them (`[m.code for m in
    matches]`) is as likely a column as a relationship, which the call's summary does not tell."""
    return element.source.kind is not SourceKind.CALL or element.path[-1:] == ("[]",)


def _listed_by_other_call(element: _Object, whole: _Object) -> bool:
    """`element` is an element of the list one project call returned, `whole` what another call
    returned as it is."""
    return (
        element.path == ("[]",)
        and element.stage is None
        and not whole.path
        and whole.stage is None
        and _other_call(element.source, whole.source)
    )


def _as_listed(value: _Object, other: _Object) -> _Object:
    """What a project call returned, as it is, where the other path holds a list of its elements
    (`if league: matches = [m for m in matches if ...]`): the same list's elements, as the other's."""
    if (
        value.source.kind is SourceKind.CALL
        and value.stage is None
        and not value.path
        and other.source.kind is SourceKind.CALL
        and other.stage == "list"
        and other.path == ("[]",)
    ):
        return replace(value, stage="list", path=("[]",), loaded=frozenset())
    return value


def _keys_handed(node: ast.Call, env: _Env) -> frozenset[str]:
    """The local names of the objects whose row's key a call is handed: `order.id` off a loaded
    (or flushed) object, or a name that holds such a key (`k = order.id`, see `key_read`)."""
    found: set[str] = set()
    for argument in (*node.args, *(keyword.value for keyword in node.keywords)):
        if type(argument) is ast.Attribute and type(argument.value) is ast.Name:
            holder = env.get(argument.value.id)
            if (
                isinstance(holder, _Object)
                and holder.persistent
                and holder.stage is None
                and not holder.path
                and _names_row(holder, argument.attr)
            ):
                found.add(argument.value.id)
        elif type(argument) is ast.Name:
            found.update(
                name
                for name, value in env.items()
                if isinstance(value, _Object)
                and any(key == argument.id and _names_row(value, column) for column, key in value.identities)
            )
    return frozenset(found)


def _names_row(holder: _Object, column: str) -> bool:
    """A column that names the object's row: `id`, or the one it was loaded by (not a foreign
    key such as `parent_id`, which names another row)."""
    return column == "id" or (column != "" and bool(holder.identities) and holder.identities[0][0] == column)


def _either(values: list[_Value | None], operands: list[ast.expr]) -> _Value | None:
    """`refreshed or order`: the first operand when it is an object (an ORM object is never
    falsy), the next one when it is None. What a project call looked up by the key of the very
    object that follows it (`refreshed = await reload(db, order.id)`) is that row, found: the
    object itself as the call loaded it, and the fallback is never reached. Other objects on both
    sides are one value on two paths, joined as the branches of an `if` are (a row reloaded, else
    the new object: judged by the reload, as a get-or-create is); anything else keeps the last
    operand's value, as before."""
    first = values[0] if values else None
    if isinstance(first, _Object) and first.keyed_by and len(operands) == 2:
        fallback = operands[1]
        if type(fallback) is ast.Name and fallback.id in first.keyed_by and isinstance(values[1], _Object):
            return first
    joined = first
    for value in values[1:]:
        if not (isinstance(joined, _Object) and isinstance(value, _Object) and joined.stage is value.stage is None):
            return values[-1]
        joined = _join_values(joined, value)
    return joined if joined is not None else values[-1]


def _expired_either(left: frozenset[Expiry], right: frozenset[Expiry]) -> frozenset[Expiry]:
    """What expired an object on either path: copies of one event that hang on different names
    keep the simplest (`local_truths.simplest`)."""
    expired = left | right
    if len(expired) > max(len(left), len(right)) and any(e.when_truthy for e in expired):
        return simplest(expired)
    return expired


def _seen_autoflushed(seen: ObjectAccess | Handover, again: ObjectAccess | Handover) -> int:
    """`_autoflushed_on_both` for a read or handover recorded on two visits."""
    if (seen.persistent and not seen.autoflushed) or (again.persistent and not again.autoflushed):
        return 0
    return seen.autoflushed or again.autoflushed


def _autoflushed_on_both(left: _Object, right: _Object) -> int:
    """The autoflush that put the joined object in the database, where no path flushed it
    explicitly: 0 when one path did (its `flush()` or `commit()` holds whatever autoflush says)."""
    if (left.persistent and not left.autoflushed) or (right.persistent and not right.autoflushed):
        return 0
    return left.autoflushed or right.autoflushed


_BARE = StatementOrigin()


def _names_a_class(argument: ast.Name | ast.Attribute) -> bool:
    """`Order`, `models.Order`: a name spelt like a class (as `Order(...)` reads like a new object)."""
    name = argument.id if type(argument) is ast.Name else argument.attr if type(argument) is ast.Attribute else ""
    return name[:1].isupper()


def _same_origin(left: StatementOrigin | None, right: StatementOrigin | None) -> bool:
    """Whether two paths built the statement from the same thing, whatever options parameters added."""
    return left == right or replace(left or _BARE, option_parameters=()) == replace(
        right or _BARE, option_parameters=()
    )


def _joined_origin(left: StatementOrigin | None, right: StatementOrigin | None) -> StatementOrigin | None:
    """The origin of a statement built on either of two paths (see `_same_origin`). Options a
    parameter adds on one path only count as added (`if options: stmt = stmt.options(*options)`):
    a caller that passes none adds nothing either way, so this only ever judges less."""
    if left == right:
        return left
    bare = _BARE
    parameters = sorted({*(left or bare).option_parameters, *(right or bare).option_parameters})
    return replace(left or right or bare, option_parameters=tuple(parameters))


def _check_results(env: _Env, lines: set[int] | None, *, checked: bool) -> None:
    """Marks (or unmarks) the calls at `lines` (every call when None) that expired objects of
    `env` as calls whose result the code tested."""

    def marked(e: Expiry) -> bool:
        return e.method == "call" and (lines is None or e.line in lines)

    for name, value in list(env.items()):
        if not isinstance(value, _Object):
            continue
        if not any(marked(e) and e.result_checked is not checked for e in value.expired):
            continue
        expired = frozenset(replace(e, result_checked=checked) if marked(e) else e for e in value.expired)
        env[name] = replace(value, expired=expired)


def _unchecked_call_lines(env: _Env) -> set[int]:
    """The lines of the calls that expired objects of `env` and whose result no test has read."""
    return {
        expiry.line
        for value in env.values()
        if isinstance(value, _Object)
        for expiry in value.expired
        if expiry.method == "call" and not expiry.result_checked
    }


def _join(left: _Env | None, right: _Env | None) -> _Env | None:
    if left is None:
        return None if right is None else dict(right)
    if right is None:
        return dict(left)
    joined: _Env = {}
    for name in left.keys() | right.keys():
        if name in left and name in right:
            value = _join_values(left[name], right[name])
            if value is not None:
                joined[name] = value
        elif name in (_EFFECTS, _FAILED, _TRUTHY):
            # One path did nothing to its sessions: nothing is done on every path. One path
            # swallowed no error: the joined one is no failure (its effects are both paths' at most).
            # One path knows no name truthy: the joined one knows none.
            continue
        else:
            joined[name] = left[name] if name in left else right[name]
    left_truthy, right_truthy = _truthy(left), _truthy(right)
    if left_truthy != right_truthy:
        _hang_expiries(joined, left, right, left_truthy - right_truthy, right_truthy - left_truthy)
    return joined


def _truthy(env: _Env) -> frozenset[str]:
    known = env.get(_TRUTHY)
    return known.names if isinstance(known, _Truthy) else frozenset()


def _hang_expiries(
    joined: _Env, left: _Env, right: _Env, left_only: frozenset[str], right_only: frozenset[str]
) -> None:
    """An expiry one joined path made holds only where what was truthy on that path alone still
    is (see `local_truths`)."""
    for name, value in joined.items():
        before, after = left.get(name), right.get(name)
        if isinstance(value, _Reached) and isinstance(before, _Reached) and isinstance(after, _Reached):
            if before.events != after.events:
                joined[name] = _Reached(joined_expiries(before.events, after.events, left_only, right_only))
            continue
        if isinstance(value, _Reached) and isinstance(before or after, _Reached):
            # Made on one path only: it holds where what was truthy on that path alone still is.
            made, only = (before, left_only) if isinstance(before, _Reached) else (after, right_only)
            assert isinstance(made, _Reached)
            joined[name] = _Reached(joined_expiries(made.events, frozenset(), only, frozenset()))
            continue
        if not (isinstance(value, _Object) and isinstance(before, _Object) and isinstance(after, _Object)):
            continue
        if before.expired == after.expired or value.expired != before.expired | after.expired:
            continue
        joined[name] = replace(value, expired=joined_expiries(before.expired, after.expired, left_only, right_only))


# -- the walk ----------------------------------------------------------------------


def analyse_function(
    node: ast.AsyncFunctionDef,
    resolver: Resolver,
    provided: dict[str, ValueRef] | None = None,
    owner: str | None = None,
    session_receivers: frozenset[str] = frozenset(),
    receives_self: bool = True,
    response_model: tuple[Origin, ...] = (),
    kept_attributes: frozenset[str] = frozenset(),
) -> FunctionLoading | None:
    """The loading facts of one async function, or None when it touches no ORM object.

    `provided`: the parameters a web framework fills from a provider (`Depends(...)`); `owner`:
    the class of which it is a method; `session_receivers`: the expressions the function awaits
    session methods on (`session` of `await session.commit()`): the session among the arguments
    of a call that returns objects; `receives_self`: the owner may be a model, so `self` may be
    an ORM object; `response_model`: the schema a route's `response_model=` names, which validates
    what the route returns after it returned.
    """
    walker = _LoadingWalker(
        resolver, provided or {}, node.lineno, owner, _parameters(node), session_receivers, kept_attributes
    )
    walker.response_model = response_model
    walker.received = _received_parameters(node, resolver.table, owner if receives_self else None, walker.provided)
    walker.run(node.body)
    statements = walker.returned_statements()
    options = walker.returned_options()
    on_success = walker.effects_on_success is not None
    effect_cases = stored(frozenset(walker.effect_cases_on_success if on_success else walker.effect_cases))
    if not (
        effect_cases
        or walker.accesses
        or walker.received_accesses
        or walker.returns
        or walker.handovers
        or walker.effects
        or walker.effects_on_success
        or walker.rolled_back_on_error
        or walker.rolled_back_on_conflict
        or walker.rolled_back_on_failure
        or walker.rolled_back_on_raise
        or walker.returns_created
        or statements
        or options
    ):
        return None
    return FunctionLoading(
        accesses=(*walker.accesses.values(), *walker.received_accesses.values()),
        returns=tuple(walker.returns),
        returns_only_objects=bool(walker.returns) and not walker.other_returns,
        handovers=tuple(walker.handovers.values()),
        objectless_tuples=tuple(dict.fromkeys(walker.objectless_tuples)) if walker.returns else (),
        # What callers get when nothing fails: a commit in `try:` whose `except` handler logs the
        # error and returns still expires the caller's objects on the path that did not fail (one
        # failure at a time is what the rules judge); without such a path, every path counts.
        effects=tuple(sorted(_first_known(walker.effects_on_success, walker.effects))),
        effect_cases=effect_cases,
        rollbacks_on_error=tuple(sorted(walker.rolled_back_on_error, key=repr)),
        rollbacks_on_conflict=tuple(sorted(walker.rolled_back_on_conflict, key=repr)),
        rollbacks_on_failed_flush=tuple(sorted(walker.rolled_back_on_failed_flush, key=repr)),
        rollbacks_on_failure=tuple(sorted(walker.rolled_back_on_failure, key=repr)),
        rollbacks_on_raise=tuple(sorted(walker.rolled_back_on_raise, key=repr)),
        returned_calls=tuple(sorted(walker.returned_calls)),
        held=tuple(walker.held),
        returns_created=tuple(walker.returns_created),
        expiries=_expired_sources(walker.expiries),
        reached=_reached_lines(walker.expiries, walker.reached_since),
        looped=_looped_lines(walker.reached_since),
        statements=statements,
        options=options,
        sessions=walker.received_sessions(node),
        ties=tuple(walker.ties.values()) if walker.materialised else (),
    )


def analyse_statement_helper(node: ast.FunctionDef, resolver: Resolver, owner: str | None) -> FunctionLoading | None:
    """What a plain `def` that builds a statement for its callers returns (`base_statement()`);
    its reads are sync code's business, not this analysis's."""
    walker = _LoadingWalker(resolver, {}, node.lineno, owner, _parameters(node))
    walker.stops_when_answered = True
    try:
        walker.run(node.body)
    except _Answered:
        return None
    statements = walker.returned_statements()
    options = walker.returned_options()
    return FunctionLoading(statements=statements, options=options) if statements or options else None


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    args = node.args
    return frozenset(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))


def _received_parameters(
    node: ast.AsyncFunctionDef, table: NameTable, owner: str | None, provided: Collection[str]
) -> dict[str, str]:
    """The parameters that may hold an ORM object of the caller's session, with the class each
    names: an annotation of one class (`User`, `User | None`), and `self` of a method (the index
    decides which of those classes are models)."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    received: dict[str, str] = {}
    wrapped = {d.id for d in node.decorator_list if type(d) is ast.Name}
    if owner is not None and positional and not wrapped & {"staticmethod", "classmethod"}:
        received[positional[0].arg] = owner
        positional = positional[1:]
    for argument in (*positional, *args.kwonlyargs):
        if argument.annotation is None or argument.arg in provided:
            continue
        targets = annotation_targets(argument.annotation, table)
        if len(targets) == 1 and "." in targets[0] and not targets[0].startswith(_LIBRARY_CLASSES):
            received[argument.arg] = targets[0]
    return received


#: Modules whose classes are never a project's models (sessions, plain values).
_LIBRARY_CLASSES = ("sqlalchemy.", "sqlmodel.", "typing.", "collections.", "datetime.", "uuid.", "decimal.")


class _Answered(Exception):
    """A statement helper's walk met a `return` of something else than a statement, and
    one of something else than loader options: it returns neither, whatever the rest does."""


@dataclass(slots=True, eq=False, repr=False)
class _FinallyFrame:
    """A `try` with a `finally`, being read: the states in which its paths leave it abruptly."""

    #: How many loops enclosed the `try`: a `break` leaves it only from no loop of its own.
    loops: int
    #: How many `try` bodies with handlers enclosed it: a `raise` in one more is caught there.
    catching: int
    #: The states at each `return`, `raise`, `break` or `continue` that runs the `finally` next.
    exits: list[_Env] = field(default_factory=list)
    #: Those at a `return` or `raise`, which go on to an enclosing `finally` after this one.
    leaving: bool = False


@dataclass(slots=True, eq=False, repr=False)
class _LoopFrame:
    breaks: list[_Env] = field(default_factory=list)
    continues: list[_Env] = field(default_factory=list)
    #: The first line whose objects the loop's body obtains anew each iteration (the body's
    #: start for a `for`, whose iterable runs once; the head of a `while`, whose test runs each time).
    entered: int = 0
    #: The body's second pass: what it sees came round the loop's back edge too.
    again: bool = False


class _LoadingWalker:
    def __init__(
        self,
        resolver: Resolver,
        provided: dict[str, ValueRef],
        line: int,
        owner: str | None = None,
        parameters: frozenset[str] = frozenset(),
        session_receivers: frozenset[str] = frozenset(),
        kept_attributes: frozenset[str] = frozenset(),
    ) -> None:
        self.resolver = resolver
        #: The attributes the owner's body sets on `self` (`self.model = model` in `__init__`).
        self.kept_attributes = kept_attributes
        self.provided = provided
        self.line = line
        self.session_receivers = session_receivers
        #: The class of which the function is a method (`self.base()` dispatches from there).
        self.owner = owner
        self.parameters = parameters
        #: The statements the function returns, and whether some `return` returns something else.
        self.statements: list[ObjectSource] = []
        self.other_statement_returns = False
        #: Parameters a statement method was called on (`stmt.where(...)`), and those returned
        #: as they came: a helper that filters the caller's statement, or hands it back as is.
        self.statement_parameters: set[str] = set()
        self.returned_parameters_as_is: set[str] = set()
        #: The loader options each `return` gives, and whether some `return` gives something else.
        self.options: list[_Options] = []
        self.other_options_returns = False
        #: Names the function bound itself: a provided parameter rebound is no longer provided.
        self.rebound: set[str] = set()
        self.accesses: dict[tuple[int, int, str, str], ObjectAccess] = {}
        self.received_accesses: dict[tuple[int, int, str, str], ObjectAccess] = {}
        self.handovers: dict[tuple[int, int, str, str], Handover] = {}
        #: The objects handed to functions that run after the response, by their `_DEFERRED` key.
        self.deferrals: dict[str, _Deferral] = {}
        #: The names bound to a project object built with objects as its fields (`hold_fields`).
        self.holders: set[str] = set()
        #: Loop targets that go over a parameter's items, by the parameter (`for opt in options:`).
        self.parameter_items: dict[str, str] = {}
        #: What the function does to sessions on every path that returns normally, and on every
        #: such path that swallowed no error (the path its callers get when nothing fails).
        self.effects: frozenset[tuple[str, str]] | None = None
        self.effects_on_success: frozenset[tuple[str, str]] | None = None
        #: The same told apart by the tests on parameters (see `effect_cases`), for all paths and
        #: for the paths that swallowed no error.
        self.effect_cases: set[Case] = set()
        self.effect_cases_on_success: set[Case] = set()
        #: The sessions an `except` handler rolls back on some path that returns normally.
        self.rolled_back_on_error: set[tuple[str, Guard]] = set()
        #: Those rolled back by a handler of a unique-constraint conflict, then returning normally.
        self.rolled_back_on_conflict: set[tuple[str, Guard]] = set()
        #: Those rolled back by a handler of a `try` that flushed changes to them, then returning normally.
        self.rolled_back_on_failed_flush: set[tuple[str, Guard]] = set()
        #: The sessions rolled back on a path that returns a failure, and the calls whose
        #: result is returned as it is (see `FunctionLoading.rollbacks_on_failure`).
        self.rolled_back_on_failure: set[tuple[str, str, Guard]] = set()
        self.returned_calls: set[int] = set()
        #: The sessions rolled back on every path to a `raise` that leaves the function, with
        #: what it raises (see `FunctionLoading.rollbacks_on_raise`).
        self.rolled_back_on_raise: set[tuple[str, tuple[str, ...], Guard]] = set()
        #: What each enclosing `except` handler catches, innermost last (see `_caught_classes`).
        self.handler_classes: list[tuple[str, ...]] = []
        #: How many `except` handlers enclose the statement being read.
        self.handling = 0
        #: Whether each enclosing `except` handler, innermost last, catches a conflict only.
        self.conflict_handlers: list[bool] = []
        #: Per enclosing `except` handler, innermost last: the sessions whose flush of changes in
        #: its `try` may be what failed (see `failed_flush`).
        self.flush_handlers: list[frozenset[str]] = []
        #: Per enclosing `try` body, innermost last: the sessions it commits or flushes, with
        #: the method and line (what may fail and land in its handlers).
        self.flushing: list[list[tuple[str, str, int]]] = []
        #: The sessions the code changed (`add`, `delete`, an attribute set) since their last
        #: commit, flush or rollback on the walk: what their next flush writes.
        self.dirty: set[str] = set()
        #: The sessions a savepoint was begun on so far (named or not).
        self.nested_sessions: set[str] = set()
        #: Where each name was last bound by `async with ... as name:` (a session opened there:
        #: what was loaded before that line came from another session of the same name).
        self.entered_at: dict[str, int] = {}
        #: The sessions inside whose `with session.no_autoflush:` block the walk is.
        self.no_autoflush: list[str] = []
        #: Names bound to what a call returned, with the call's line (`ok = await charge(db)`).
        self.call_results: dict[str, set[int]] = {}
        self.returns: list[ReturnedObject] = []
        #: Where every object bound to a name came from, used or not (what the session holds).
        self.held: dict[ObjectSource, None] = {}
        self.returns_created: dict[str, None] = {}
        #: What the enclosing `if` tests say at the current point, and the names they test.
        self.holding: frozenset[Condition] = frozenset()
        self.given_names: set[str] = set()
        #: Names bound to `inspect(obj)`: the object each inspects.
        self.inspections: dict[str, str] = {}
        #: Each commit or rollback that expired a bound object, with the sources of the objects
        #: it expired (every one: which object a walk meets first depends on how paths joined).
        self.expiries: dict[Expiry, dict[ObjectSource, None]] = {}
        #: By line of a read, a call or a `return`: the lines of those expiries on some path to it,
        #: each with the line from which an object obtained no longer counts as expired by it on
        #: any path (its own line, or a loop's `entered` when it reaches the line only through the
        #: loop's back edge).
        self.reached_since: dict[int, dict[int, int]] = {}
        self.other_returns = False
        #: `return None, error`: the positions each objectless tuple fills with no literal.
        self.objectless_tuples: list[tuple[int, ...]] = []
        self.loops: list[_LoopFrame] = []
        #: The `try` statements with a `finally` that enclose the statement read, innermost last.
        self.finally_frames: list[_FinallyFrame] = []
        #: How many `try` bodies with `except` handlers enclose the statement read.
        self.catching = 0
        self._seen_returns: set[tuple[int, int]] = set()
        #: What each call runs, by call node: asked up to three times per call, and again on a
        #: loop's second pass (the names in force do not change while the function is read).
        self._callees: dict[int, tuple[Origin, ...]] = {}
        #: The parameters that may hold objects of the caller's session (see `receive`), the
        #: sessions they are handed to, what may be a session here, and whether any became one.
        self.received: dict[str, str] = {}
        self.ties: dict[str, SessionTie] = {}
        self.session_refs: dict[str, ValueRef] = {}
        self.materialised = False
        #: The names a savepoint was bound to (`nested = await session.begin_nested()`).
        self.savepoints: set[str] = set()
        #: The schema that validates what a route returns (`response_model=`), if any.
        self.response_model: tuple[Origin, ...] = ()
        #: The names the identity keys of loaded objects are read from (see `_Object.identities`).
        self.key_names: set[str] = set()
        #: Local names some path knew truthy (`local_truths`): only they can hang an expiry.
        self.truth_names: set[str] = set()
        #: The names a test finds falsy on a path that goes on: the only ones worth knowing.
        self.guards: frozenset[str] = frozenset()
        #: The locals and parameters only the function's own statements bind, whose tests against
        #: constants tell branches apart (`local_truths.ValueFact`); each fact ever known by its
        #: key, and the keys known of each name.
        self.value_names: Container[str] = frozenset()
        self.value_facts: dict[str, ValueFact] = {}
        self.fact_keys: dict[str, set[str]] = {}
        #: What the function's tests ask the emptiness of, and the facts "`text` is empty" ever
        #: known (`local_truths.empty_key`): by local name, and each key's text.
        self.tested: Container[str] = frozenset()
        self.empty_facts: dict[str, set[str]] = {}
        self.empty_texts: dict[str, str] = {}
        #: The function called `session.expire(obj)` or `expire_all()` (see `requeried`).
        self.expires_on_purpose = False
        #: Names bound to a session's method (`commit = session.commit`), with the method; None
        #: when the name is bound to something else too. Calling one calls the method.
        self.method_aliases: dict[str, ast.Attribute | None] = {}
        #: The call of the method each call of such a name stands for, by call node.
        self._aliased_calls: dict[int, ast.Call] = {}
        #: Names ever bound to a fresh object (see `_Object.fresh`), and the calls made on one
        #: while it was fresh, by call node, with its mark (`touch_fresh`).
        self.fresh_names: set[str] = set()
        self._fresh_calls: dict[int, str] = {}
        #: The expiries of a new object built in a call's arguments (`await save(s, User(...))`),
        #: by call node and where it lands (`hand_new_objects`; `handed_objects` gives them back).
        self._built_handed: dict[tuple[int, str], tuple[Expiry, ...]] = {}
        #: The names of the loops over literal keys the walk is in, each with the key it holds
        #: on this pass (`unrolled_keys`).
        self.loop_keys: dict[str, str] = {}
        #: What each line's calls that may end a transaction were handed (arguments, receiver),
        #: as expressions: a callee may refresh those, so their reads say nothing of the others.
        self.handed_at: dict[int, set[str]] = {}
        #: The method set an attribute of `self` or called a method of it: what a test of `self`
        #: reads from here on is no longer what its caller found (see `branch_conditions`).
        self.state_touched = False
        #: A statement helper's walk: it ends at the first `return` after which the function
        #: can no longer give its callers a statement nor loader options (see `_Answered`).
        self.stops_when_answered = False

    def callee(self, node: ast.Call) -> tuple[Origin, ...]:
        found = self._callees.get(id(node))
        if found is None:
            found = self._callees[id(node)] = self.resolver.origins_of(node)
        return found

    def run(self, body: list[ast.stmt]) -> None:
        self.guards = guard_names(body)
        self.value_names = UnrebindableNames(self.parameters, body)
        self.tested = TestedCollections(body)
        end = self.block(body, {})
        if end is not None:
            self.finished(end)

    def returned_statements(self) -> tuple[ObjectSource, ...]:
        as_is = self.returned_parameters_as_is
        if self.other_statement_returns or not as_is <= self.statement_parameters:
            return ()
        # `if not flag: return stmt` beside `return stmt.where(...)`: the caller's statement.
        statements = [*self.statements, *(_parameter_statement(name, self.line).source() for name in sorted(as_is))]
        return tuple(dict.fromkeys(statements))

    def returned_options(self) -> ReturnedOptions | None:
        """The loader options every `return` gives (`return (joinedload(Order.user),)`): those
        of all of them, and those of some only (a loader on some paths is maybe there)."""
        if self.other_options_returns or not any(options.loaders for options in self.options):
            return None
        every = frozenset.intersection(*(options.loaders for options in self.options))
        some = frozenset().union(*(options.loaders | options.maybe for options in self.options)) - every
        return ReturnedOptions(tuple(sorted(every, key=repr)), tuple(sorted(some, key=repr)))

    def parameter(self, node: ast.expr) -> str | None:
        """The parameter a name still holds (`statement`, `options`), not rebound anywhere."""
        if type(node) is ast.Starred:
            node = node.value
            if (
                type(node) is ast.BoolOp
                and type(node.op) is ast.Or
                and len(node.values) == 2
                and isinstance(node.values[1], (ast.List, ast.Tuple))
                and not node.values[1].elts
            ):
                # `*(options or [])`: the parameter's items, none when it is empty or None.
                node = node.values[0]
        if type(node) is ast.Name and node.id in self.parameters and node.id not in self.rebound:
            return node.id
        return None

    def parameter_item(self, node: ast.expr) -> str | None:
        """The parameter whose items a loop target goes over (`opt` of `for opt in options:`)."""
        if type(node) is ast.Name and node.id in self.parameter_items:
            return self.parameter_items[node.id]
        return None

    def finished(self, env: _Env) -> None:
        """A path that returns normally: what it did to its sessions counts for callers, and
        the functions it deferred run with its objects as it leaves them."""
        if self.deferrals:
            self.run_deferred(env)
        effects = env.get(_EFFECTS)
        done: Done = effects.done if isinstance(effects, _Effects) else frozenset()
        cases: Cases = (effects.cases if isinstance(effects, _Effects) else frozenset()) or frozenset(
            {(frozenset(), done)}
        )
        self.effects = done if self.effects is None else self.effects & done
        self.effect_cases.update(cases)
        if _FAILED not in env:
            known = self.effects_on_success
            self.effects_on_success = done if known is None else known & done
            self.effect_cases_on_success.update(cases)
        swallowed = env.get(_SWALLOWED)
        if isinstance(swallowed, _Swallowed):
            self.rolled_back_on_error |= swallowed.sessions
            self.rolled_back_on_conflict |= swallowed.conflicts
            self.rolled_back_on_failed_flush |= swallowed.flush_failures

    def run_deferred(self, env: _Env) -> None:
        """The objects this path handed to a deferred function (`add_task(notify, order)`),
        handed over in the state the path returns them in: the function runs after the
        response, past every commit of the request (the name that still holds the object
        says best what it is, `refresh()` included)."""
        for key, deferral in self.deferrals.items():
            value = env.get(key)
            if not isinstance(value, _Object):
                continue
            expression = deferral.expression
            current = env.get(expression.id) if type(expression) is ast.Name else None
            if isinstance(current, _Object) and (current.source, current.path, current.stage) == (
                value.source,
                value.path,
                value.stage,
            ):
                value = current
            self.hand_over(
                deferral.node,
                expression,
                value,
                deferral.callee,
                deferral.callee_text,
                deferral.argument,
                env,
                flags=deferral.flags,
                after_response=True,
            )

    def returned_failure(self, node: ast.Return, env: _Env) -> None:
        """A `return` of what says the function failed, on a path that rolled back a session
        (`await db.rollback(); return {"success": False}`); or of a call's result as it is."""
        value = node.value
        if value is None:
            return
        if type(value) is ast.Await and type(value.value) is ast.Call:
            self.returned_calls.add(value.value.lineno)
        elif type(value) is ast.Name and value.id in self.call_results:
            self.returned_calls.update(self.call_results[value.id])
        effects = env.get(_EFFECTS)
        if not isinstance(effects, _Effects):
            return
        rolled_back = [session for session, method in effects.done if method == "rollback"]
        keys = failure_keys(value) if rolled_back else ()
        guard = tuple(sorted(self.holding, key=repr)) if keys else ()
        self.rolled_back_on_failure.update((session, key, guard) for session in rolled_back for key in keys)

    def raised_after_rollback(self, node: ast.Raise, env: _Env) -> None:
        """A `raise` that leaves the function (no `try` of its own catches it) on a path that
        rolled back a session: the caller's handler that catches it reads what it expired."""
        if self.catching:
            return
        effects = env.get(_EFFECTS)
        if not isinstance(effects, _Effects):
            return
        rolled_back = [session for session, method in effects.done if method == "rollback"]
        if not rolled_back:
            return
        raised = self.raised_classes(node)
        if not raised:
            return
        guard = tuple(sorted(self.holding, key=repr))
        self.rolled_back_on_raise.update((session, raised, guard) for session in rolled_back)

    def raised_classes(self, node: ast.Raise) -> tuple[str, ...]:
        """What a `raise` raises: the class it names (`raise ServiceError("...") from e`), or
        for a bare `raise` what the enclosing handler catches (`RERAISED` for every error)."""
        if node.exc is None:
            if not self.handler_classes:
                return ()
            caught = self.handler_classes[-1]
            return (RERAISED,) if any(name in _EVERY_ERROR for name in caught) else caught
        raised = node.exc.func if type(node.exc) is ast.Call else node.exc
        name = qualify(raised, self.resolver.table) or expression_text(raised)
        return (name,) if name else ()

    def reads_held_object(self, body: list[ast.stmt], env: _Env) -> bool:
        """The statements read an attribute of an ORM object bound before them (`user.id`), or
        of one the function received (outside the functions they define)."""
        pending: list[ast.AST] = list(body)
        while pending:
            node = pending.pop()
            if isinstance(node, _NESTED_SCOPES):
                continue
            read = node.value if isinstance(node, ast.Attribute) else _getattr_target(node)
            if isinstance(read, ast.Name):
                name = read.id
                value = env.get(name)
                if isinstance(value, _Object) and value.stage is None and value.source.model:
                    return True
                if value is None and name in self.received and name not in self.rebound:
                    return True
            pending.extend(ast.iter_child_nodes(node))
        return False

    def receive(self, env: _Env) -> None:
        """The received parameters (see `_received_parameters`) become objects when a session
        they may sit in commits, rolls back or is handed to a call: before that, what they are
        is what it always was here (nothing the analysis follows)."""
        for name, model in self.received.items():
            if name not in env and name not in self.rebound:
                env[name] = _Object(ObjectSource(SourceKind.RECEIVED, self.line, model=model, parameter=name))
                self.materialised = True

    def received_member(self, source: ast.Attribute, env: _Env) -> _Object | None:
        """`pending = subscription.pending_update` of a received `subscription`: an object of the
        caller's session one step off the parameter, bound so that what the function sets on it
        is known (ASA301 judges a relationship it loads and sets on some paths only, see
        `index/reloads.py`); what the caller's query loaded on it stays unknown."""
        owner = source.value
        if type(owner) is not ast.Name or owner.id not in self.received or source.attr.startswith("_"):
            return None
        current = env.get(owner.id)
        if current is None and owner.id not in self.rebound:
            current = _Object(
                ObjectSource(SourceKind.RECEIVED, self.line, model=self.received[owner.id], parameter=owner.id)
            )
        if not isinstance(current, _Object) or current.source.kind is not SourceKind.RECEIVED or current.path:
            return None
        return current.attribute(source.attr)

    def held_by(self, value: _Object, session: str) -> bool:
        """A received object may be in `session`: it was handed to no other session's method."""
        tie = self.ties.get(value.source.parameter)
        return tie is None or tie.session == session

    def maybe_new(self, value: _Object) -> bool:
        """A received object the function adds may be a new one its caller made: a rollback
        before any commit expunges it, its attributes intact, rather than expiring it."""
        tie = self.ties.get(value.source.parameter)
        return tie is not None and tie.method == "add" and not value.expired

    def tie(self, node: ast.Call, env: _Env) -> None:
        """`session.delete(self)`, `session.add(user)`, `session.add_all([user, team])`: the
        received object is that session's."""
        func = node.func
        if not (type(func) is ast.Attribute and func.attr in _TYING_METHODS | _RELEASING_METHODS and node.args):
            return
        first = node.args[0]
        if func.attr == "add_all":
            handed = first.elts if isinstance(first, (ast.List, ast.Tuple)) else []
            for item in handed:
                self._tie_one(item, func, "add", env)
        else:
            self._tie_one(first, func, func.attr, env)

    def _tie_one(self, first: ast.expr, func: ast.Attribute, method: str, env: _Env) -> None:
        if not (type(first) is ast.Name and first.id in self.received and first.id not in self.rebound):
            return
        if method in _RELEASING_METHODS:
            # `merge()` copies the object onto the session's own and leaves it as it was (detached,
            # for the objects code merges); `expunge()` detaches it: no commit expires it then.
            self.rebound.add(first.id)
            env.pop(first.id, None)
            return
        if first.id in self.ties or not _is_candidate(env.get(expression_text(func.value) or "")):
            return
        ref = self.resolver.value_ref(func.value)
        if ref is not None and ref.origins:
            self.session_refs.setdefault(ref.text, ref)
            self.ties[first.id] = SessionTie(first.id, ref.text, method)

    def received_sessions(self, node: ast.AsyncFunctionDef) -> tuple[ValueRef, ...]:
        """What may be a session among the names the function uses as one, and its parameters
        (an unused session parameter is a second session all the same), when it received objects."""
        if not self.materialised:
            return ()
        found = dict(self.session_refs)
        for name in sorted(self.parameters.difference(self.received, found)):
            ref = self.resolver.value_ref(
                ast.Name(id=name, ctx=ast.Load(), lineno=node.lineno, col_offset=node.col_offset + 1)
            )
            if ref is not None and _may_be_session(ref):
                found[name] = ref
        return tuple(found[text] for text in sorted(found))

    # -- statements ----------------------------------------------------------------

    def block(self, body: Iterable[ast.stmt], env: _Env | None) -> _Env | None:
        for statement in body:
            if env is None:
                return None
            env = self.statement(statement, env)
        return env

    def statement(self, node: ast.stmt, env: _Env) -> _Env | None:
        if self.empty_facts:
            self.touch_empties(node, env)
        if type(node) is ast.Expr:
            self.expr(node.value, env)
            grown = filled(node.value, _truthy(env))
            if grown is not None:
                self.learn(env, frozenset({grown}), frozenset())
        elif type(node) is ast.Assign:
            value = self.expr(node.value, env)
            for target in node.targets:
                self.bind(target, value, env, node.value)
                if type(target) is ast.Subscript and type(target.value) is ast.Name:
                    if type(target.slice) is ast.Slice:
                        # `errors[:] = []`: whatever it holds now.
                        self.forget_truth(target.value.id, env)
                    else:
                        # `errors[field] = message`: the collection holds an item.
                        self.learn(env, frozenset({target.value.id}), frozenset())
                self.bound_collection(target, node.value, env)
        elif type(node) is ast.AnnAssign:
            value = self.expr(node.value, env) if node.value is not None else None
            if node.value is not None:
                self.bind(node.target, value, env, node.value)
                self.bound_collection(node.target, node.value, env)
        elif isinstance(node, ast.AugAssign):
            added = self.expr(node.value, env)
            if isinstance(node.target, ast.Attribute):
                self.state_touched = True  # (conservatively, whatever the attribute's owner)
                self.attribute(node.target, env, AccessKind.READ)
                if self.savepoints:
                    owner = self.expr(node.target.value, env)
                    if isinstance(owner, _Object) and owner.stage is None:
                        self.changed(owner, env)
            elif isinstance(node.target, ast.Name):
                kept = env.pop(node.target.id, None)
                self.forget_keys(node.target.id, env)
                if isinstance(node.op, ast.Add) and isinstance(kept, _Options) and isinstance(added, _Object):
                    # `found += await repo.by_league(i)` on an empty list: as `found.extend(...)`.
                    extended = self.grown(kept, "extend", [added])
                    if isinstance(extended, _Object):
                        env[node.target.id] = extended
                grows = isinstance(node.op, ast.Add) and is_truthy(node.value, _truthy(env))
                self.forget_truth(node.target.id, env)
                if grows:
                    # `errors += [message]`: the collection holds an item.
                    self.learn(env, frozenset({node.target.id}), frozenset())
            else:
                self.expr(node.target, env)
        elif type(node) is ast.Return:
            self.returned(node, env)
            if self.stops_when_answered and self.other_statement_returns and self.other_options_returns:
                raise _Answered
            self.returned_failure(node, env)
            self.finished(env)
            self.leave_through_finally(env, leaving=True)
            return None
        elif type(node) is ast.Raise:
            if node.exc is not None:
                self.expr(node.exc, env)
            self.raised_after_rollback(node, env)
            if not self.finally_frames or self.catching == self.finally_frames[-1].catching:
                self.leave_through_finally(env, leaving=True)
            return None
        elif type(node) is ast.If:
            self.expr(node.test, env)
            body, orelse = dict(env), dict(env)
            truths = truths_of(node.test)
            if truths is not NO_TRUTHS:
                self.learn(body, truths.body_truthy, truths.body_falsy)
                self.learn(orelse, truths.orelse_truthy, truths.orelse_falsy)
            if self.empty_texts:
                found = truths_of(node.test, keyed=True)
                self.learn_filled(body, found.body_truthy)
                self.learn_filled(orelse, found.orelse_truthy)
            self.learn_loaded(node.test, body, orelse)
            checked = self.expiry_test(node.test)
            if checked is not None:
                # `if inspect(user).expired_attributes: await session.refresh(user)`: where the
                # test fails, nothing on the object is expired.
                name, expired_in_body = checked
                self.unexpire(name, orelse if expired_in_body else body)
            return self.branches(node.test, node.body, node.orelse, body, orelse)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            return self.for_loop(node, env)
        elif type(node) is ast.While:
            return self.while_loop(node, env)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            committed: list[tuple[str, str]] = []
            quiet = self.no_autoflush_sessions(node)
            self.no_autoflush.extend(quiet)
            for item in node.items:
                value = self.expr(item.context_expr, env)
                if isinstance(value, _Object) and value.fresh is not None:
                    # `async with UnitOfWork(session) as uow:` binds what `__aenter__` returns.
                    value = replace(value, fresh=ENTERED if type(node) is ast.AsyncWith else None)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value, env, item.context_expr)
                    if type(node) is ast.AsyncWith and type(item.optional_vars) is ast.Name:
                        self.entered_at[item.optional_vars.id] = node.lineno
                session = self.begun_session(item, env) if type(node) is ast.AsyncWith else None
                if session is not None:
                    committed.append((session, ""))
                    opened = item.optional_vars.id if type(item.optional_vars) is ast.Name else None
                    if opened is not None:
                        # `async with SessionLocal.begin() as session:` commits, then closes, the
                        # session it opened (`async with session.begin() as tx:` binds no session).
                        committed.append((opened, session))
            after = self.block(node.body, env)
            if quiet:
                del self.no_autoflush[-len(quiet) :]
            if after is not None and any(expects_error(i.context_expr, self.resolver.table) for i in node.items):
                # `with pytest.raises(E):` goes on only where its body raised: a call there that
                # caught its own error, rolled it back and returned normally failed the test.
                _check_results(after, set(range(node.lineno, (node.end_lineno or node.lineno) + 1)), checked=True)
            for session, opened_by in committed:
                if after is not None:
                    # `async with session.begin():` commits when the block ends.
                    self.end_of_transaction(session, "begin", node.lineno, after, opened_by)
            return after
        elif type(node) is ast.Try or type(node).__name__ == "TryStar":
            return self.try_statement(node, env)
        elif type(node) is ast.Match:
            self.expr(node.subject, env)
            result: _Env | None = None
            for case in node.cases:
                result = _join(result, self.block(case.body, dict(env)))
            return _join(result, env)
        elif type(node) is ast.Break:
            if self.loops:
                self.loops[-1].breaks.append(dict(env))
            self.leave_through_finally(env, leaving=False)
            return None
        elif type(node) is ast.Continue:
            if self.loops:
                self.loops[-1].continues.append(dict(env))
            self.leave_through_finally(env, leaving=False)
            return None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            env.pop(node.name, None)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                env.pop((alias.asname or alias.name).split(".")[0], None)
        elif type(node) is ast.Delete:
            for target in node.targets:
                if type(target) is ast.Name:
                    env.pop(target.id, None)
                    self.forget_truth(target.id, env)
                elif type(target) is ast.Subscript and type(target.value) is ast.Name:
                    # `del errors[0]`: the collection may be empty now.
                    self.forget_truth(target.value.id, env)
        elif type(node) is ast.Assert:
            self.expr(node.test, env)
            # What goes on past `assert not errors` is the path where the test held.
            truths = truths_of(node.test)
            if truths is not NO_TRUTHS:
                self.learn(env, truths.body_truthy, truths.body_falsy)
            if self.empty_texts:
                self.learn_filled(env, truths_of(node.test, keyed=True).body_truthy)
            self.learn_values(env, value_facts_of(node.test, self.value_names)[0])
        return env

    def leave_through_finally(self, env: _Env, *, leaving: bool) -> None:
        """A path leaves the statements read abruptly: the innermost `finally` around it runs
        next, in this state (a `break` or `continue` only when its loop encloses the `try`)."""
        if not self.finally_frames:
            return
        frame = self.finally_frames[-1]
        if not leaving and len(self.loops) != frame.loops:
            return
        frame.exits.append(dict(env))
        frame.leaving = frame.leaving or leaving

    def try_statement(self, node: ast.stmt, env: _Env) -> _Env | None:
        final: list[ast.stmt] = getattr(node, "finalbody", [])
        if not final:
            return self.try_without_finally(node, env)
        frame = _FinallyFrame(len(self.loops), self.catching)
        self.finally_frames.append(frame)
        try:
            result, raised_entry = self.try_paths(node, env)
        finally:
            self.finally_frames.pop()
        # Every path raised: the `finally` runs from anywhere in the body.
        going_on = result if result is not None else raised_entry
        if not frame.exits:
            after = self.block(final, dict(going_on))
            return None if result is None else after
        # The `finally` runs after every path that left the `try` abruptly too (a handler's
        # `rollback()` then `raise`, a `return` after a commit): its reads are judged on those
        # paths joined with the one that goes on; only that one goes on past the statement.
        abrupt: _Env = dict(going_on)
        for state in frame.exits:
            abrupt = _join(abrupt, state) or abrupt
        after_abrupt = self.block(final, abrupt)
        if frame.leaving and after_abrupt is not None:
            self.leave_through_finally(after_abrupt, leaving=True)
        return None if result is None else self.block(final, result)

    def try_without_finally(self, node: ast.stmt, env: _Env) -> _Env | None:
        return self.try_paths(node, env)[0]

    def try_paths(self, node: ast.stmt, env: _Env) -> tuple[_Env | None, _Env]:
        """The paths through a `try` statement's body, handlers and `else` that go on after it,
        and the state in which a handler starts (the body raised anywhere)."""
        body: list[ast.stmt] = getattr(node, "body", [])
        handlers: list[ast.ExceptHandler] = getattr(node, "handlers", [])
        orelse: list[ast.stmt] = getattr(node, "orelse", [])
        before = dict(env)
        self.flushing.append([])
        bound = _bound_by_call(body[-1]) if body else ()
        if handlers:
            self.catching += 1
        try:
            if bound:
                # `x = await make()` last: raising, it binds nothing, so a handler sees `x` as it was.
                before_last = self.block(body[:-1], dict(env)) if len(body) > 1 else dict(env)
                after_body = self.block(body[-1:], dict(before_last)) if before_last is not None else None
                raised = dict(after_body) if after_body is not None else None
                if raised is not None and before_last is not None:
                    for name in bound:
                        if name in before_last:
                            raised[name] = before_last[name]
                        else:
                            raised.pop(name, None)
            else:
                after_body = raised = self.block(body, dict(env))
        finally:
            if handlers:
                self.catching -= 1
        flushed = self.flushing.pop()
        if self.flushing:
            self.flushing[-1].extend(flushed)
        # A handler starts from anywhere in the body: before it or after it. When the body only
        # refreshes an object and that fails, the session is broken (the row is gone, the
        # connection lost): what the handler's path reads next fails for that reason, not for
        # what the refresh would have loaded.
        if after_body is not None and len(body) == 1 and _is_refresh(body[0]):
            handler_entry = dict(after_body)
        else:
            handler_entry = _join(before, raised) or before
        # A handler runs when the body raised: a call there that swallows its own errors (and
        # rolls back on them) did not get here by that path, and one made before the `try` that
        # swallowed an error needs a second failure, the body's, to get here: one failure at a
        # time is what the rule judges. (A commit or rollback the callee always makes stays.)
        _check_results(handler_entry, None, checked=True)
        # (So does a call whose result said it failed: the handler needs another failure after it.)
        _forget_failures(handler_entry)
        result = self.block(orelse, after_body) if after_body is not None else None
        # (Not the calls of a `try` inside the body with handlers of its own: what they raise
        # is handled there first.)
        called_before = _call_expiries(before) | _guarded_calls(body, handler_entry)
        for handler in handlers:
            entry = dict(handler_entry)
            entry[_FAILED] = _Failed(handler.lineno)
            caught = _caught_classes(handler.type, self.resolver.table)
            _mark_caught(entry, called_before, caught)
            if handler.name:
                entry.pop(handler.name, None)
                self.forget_truth(handler.name, entry)
            failing: frozenset[str] = frozenset()
            if flushed and _catches_database_errors(handler.type, self.resolver.table):
                self.failed_flush(flushed, before, entry)
                sessions = frozenset(session for session, _, _ in flushed)
                # (Only where the flush is all the body may fail at: with other I/O in it, the
                # handler is there for that too, and a caller's read after it is its error path;
                # where the handler reads no object the failure expired: that read raises, and
                # the error reaches the caller after all; and outside a loop, which may retry.)
                if not self.loops and _awaits_only(body, sessions) and not self.reads_held_object(handler.body, before):
                    failing = sessions
            self.handling += 1
            self.conflict_handlers.append(_catches_conflict(handler.type, self.resolver.table))
            self.flush_handlers.append(failing)
            self.handler_classes.append(caught)
            try:
                handled = self.block(handler.body, entry)
                if handled is not None:
                    # Past the handler, its read of what the call raised is over: the code after
                    # the `try` is judged as without it (one failure at a time).
                    _mark_caught(handled, frozenset(), None)
                result = _join(result, handled)
            finally:
                self.handling -= 1
                self.conflict_handlers.pop()
                self.flush_handlers.pop()
                self.handler_classes.pop()
        return result, handler_entry

    def for_loop(self, node: ast.For | ast.AsyncFor, env: _Env) -> _Env | None:
        iterated = self.expr(node.iter, env)
        named = _named_items(node)
        if named is not None:
            return self.unrolled_loop(node, env, named)
        keys = _literal_keys(node)
        if keys is not None:
            return self.unrolled_keys(node, env, keys)
        element = self.element_of(iterated)
        over = self.parameter(node.iter) if type(node.target) is ast.Name else None
        if over is not None:
            assert type(node.target) is ast.Name
            name, outer = node.target.id, self.parameter_items.get(node.target.id)
            self.parameter_items[name] = over
            try:
                return self.loop_body(node, env, iterated, element)
            finally:
                if outer is None:
                    del self.parameter_items[name]
                else:
                    self.parameter_items[name] = outer
        return self.loop_body(node, env, iterated, element)

    def loop_body(
        self, node: ast.For | ast.AsyncFor, env: _Env, iterated: _Value | None, element: _Value | None
    ) -> _Env | None:
        """The paths through a `for` loop (its body run twice at most, enough for what a second
        iteration sees), its `else` and its `break`s, joined."""
        state: _Env | None = env
        exits: list[_Env] = [dict(env)]
        frame = _LoopFrame(entered=(node.iter.end_lineno or node.lineno) + 1)
        self.loops.append(frame)
        for again in (False, True):
            if state is None:
                break
            frame.again = again
            entry = dict(state)
            if isinstance(element, _Object):
                self.bind(node.target, self.refreshed(element, entry, node.iter), entry)
            elif isinstance(element, _Tuple) and isinstance(iterated, _Zipped):
                self.bind(node.target, self.refreshed_items(element, entry, node.iter), entry)
            else:
                self.bind(node.target, element, entry)
            end = self.block(node.body, entry)
            looped = end
            for continued in frame.continues:
                looped = _join(looped, continued)
            frame.continues.clear()
            if looped is not None:
                exits.append(dict(looped))
            state = _join(env, looped)
            if state == env:
                break  # the body changes nothing a second iteration would see
        self.loops.pop()
        after: _Env | None = None
        for exit_state in exits:
            after = _join(after, exit_state)
        if after is not None and isinstance(element, _Object):
            self.loaded_for_every_element(node, element, exits[1:], after)
        after = self.block(node.orelse, after) if node.orelse else after
        for broken in frame.breaks:
            after = _join(after, broken)
        return after

    def unrolled_loop(self, node: ast.For | ast.AsyncFor, env: _Env, named: list[ast.Name]) -> _Env | None:
        """`for obj in (order, customer): await session.refresh(obj)`: the body run once for each
        name, in order, with the loop's name bound to what that name holds; what the body did to
        the object (refreshed, expired, loaded) is then what the name holds."""
        assert type(node.target) is ast.Name
        target = node.target.id
        state: _Env | None = env
        self.loops.append(_LoopFrame())
        try:
            for item in named:
                if state is None:
                    break
                entry = dict(state)
                value = entry.get(item.id)
                self.bind(node.target, value, entry, item)
                end = self.block(node.body, entry)
                if end is not None and isinstance(value, _Object):
                    current = end.get(target)
                    held = end.get(item.id)
                    # (Unless the body bound either name to something else.)
                    if isinstance(current, _Object) and current.source == value.source and held == value:
                        end[item.id] = current
                state = end
        finally:
            self.loops.pop()
        return state

    def unrolled_keys(self, node: ast.For | ast.AsyncFor, env: _Env, keys: list[str]) -> _Env | None:
        """`for key in ("name", "email"): setattr(user, key, data[key])`: the body run once for
        each key, in order, with the loop's name known to hold that key (`loop_keys`), so that
        each `setattr` sets the attribute it names."""
        assert type(node.target) is ast.Name
        target = node.target.id
        outer = self.loop_keys.get(target)
        state: _Env | None = env
        self.loops.append(_LoopFrame())
        try:
            for key in keys:
                if state is None:
                    break
                entry = dict(state)
                self.bind(node.target, None, entry)
                self.loop_keys[target] = key
                state = self.block(node.body, entry)
        finally:
            self.loops.pop()
            if outer is None:
                self.loop_keys.pop(target, None)
            else:
                self.loop_keys[target] = outer
        return state

    def while_loop(self, node: ast.While, env: _Env) -> _Env | None:
        forever = type(node.test) is ast.Constant and bool(node.test.value)
        state: _Env | None = env
        exits: list[_Env] = [] if forever else [dict(env)]
        frame = _LoopFrame(entered=node.lineno)
        self.loops.append(frame)
        for again in (False, True):
            if state is None:
                break
            frame.again = again
            entry = dict(state)
            self.expr(node.test, entry)
            end = self.block(node.body, entry)
            for continued in frame.continues:
                end = _join(end, continued)
            frame.continues.clear()
            if end is not None and not forever:
                exits.append(dict(end))
            state = _join(env, end)
            if state == env:
                break
        self.loops.pop()
        after: _Env | None = None
        for exit_state in exits:
            after = _join(after, exit_state)
        if node.orelse and after is not None:
            after = self.block(node.orelse, after)
        for broken in frame.breaks:
            after = _join(after, broken)
        return after

    @staticmethod
    def loaded_for_every_element(node: ast.For | ast.AsyncFor, element: _Object, ends: list[_Env], after: _Env) -> None:
        """`for order in orders: await session.refresh(order, ["items"])`: a loop that ran to its end
        loaded on every path through its body what it loaded on each element, so every element
        of the list has it (an empty list too); a `break` leaves the rest unloaded."""
        if not (type(node.target) is ast.Name and type(node.iter) is ast.Name and ends):
            return
        collection = after.get(node.iter.id)
        if not isinstance(collection, _Object) or collection.stage is None or element.path != collection.path:
            return
        done: frozenset[str] | None = None
        for end in ends:
            value = end.get(node.target.id)
            if not isinstance(value, _Object) or value.source != element.source:
                return
            done = value.loaded if done is None else done & value.loaded
        if done is not None and done - element.loaded:
            after[node.iter.id] = replace(collection, loaded=collection.loaded | done)

    def refreshed(self, element: _Object, env: _Env, iterated: ast.expr) -> _Object:
        """An element takes the current expiry of the collection it comes from."""
        if type(iterated) is ast.Name:
            current = env.get(iterated.id)
            if isinstance(current, _Object):
                return replace(element, expired=current.expired)
        return element

    def refreshed_items(self, element: _Tuple, env: _Env, iterated: ast.expr) -> _Tuple:
        """`for n, user in enumerate(users):`: each object takes the current expiry of its list."""
        if type(iterated) is not ast.Call or type(iterated.func) is not ast.Name:
            return element
        lists = _zipped_items(iterated.func.id, iterated.args)
        return _Tuple(
            tuple(
                self.refreshed(item, env, source) if isinstance(item, _Object) and source is not None else item
                for item, source in zip(element.items, lists, strict=False)
            )
        )

    def returned(self, node: ast.Return, env: _Env) -> None:
        if node.value is None or _holds_nothing(node.value):
            # `return None`, `return []`, `return [], 0`: no object, whatever the other returns give.
            if isinstance(node.value, (ast.Tuple, ast.List)) and not node.value.elts:
                self.options.append(_Options(frozenset(), True))  # `return ()`: no loader option
            else:
                self.other_options_returns = True
            return
        if self.expiries:
            self.note_reached(node.lineno, env)
        returned = self.expr(node.value, env)
        value = _without_received(returned)
        key = (node.lineno, node.col_offset)
        if key in self._seen_returns:
            return
        self._seen_returns.add(key)
        if isinstance(value, _Options) and value.known:
            self.options.append(value)
        else:
            self.other_options_returns = True
        schema = self.response_validator()
        if schema and isinstance(returned, _Object) and _validated_expired(returned):
            # The route's response model reads the object after the route returned it, in the
            # same request: an expired object is loaded then, outside any `await` (also one
            # the route received: `hero: Hero` of the request body, added and committed).
            self.hand_over(node, node.value, returned, schema, "", RETURNED_TO_RESPONSE, env)
        if schema and isinstance(value, _Keyed) and type(node.value) is ast.Dict:
            # `return {"items": categories, "total": n}`: the field of each key validates its objects.
            for field, item in zip(value.keys, value.items, strict=True):
                expression = _dict_value(node.value, field)
                if isinstance(item, _Object) and _validated_expired(item) and expression is not None:
                    self.hand_over(node, expression, item, schema, "", f"{RETURNED_TO_RESPONSE}:{field}", env)
        if isinstance(value, _Statement) and value.objects:
            self.statements.append(value.source())
        elif returned is None and (name := self.parameter(node.value)) is not None:
            self.returned_parameters_as_is.add(name)
        else:
            self.other_statement_returns = True
        if isinstance(value, _Statement) and value.called:
            # (`items = self._page(items); return items`: the name holds what the call gave back.)
            given = self.given_to_sync_call(node.value, env) if type(node.value) is ast.Call else value.gives_back
            if given is not None:
                # `return self._page(pods, total)`: what the caller reads under a key of the dict
                # it gets is what that call holds there (`return {"items": items, ...}`).
                self.returns.append(self._returned(given, node, None))
                return
        if isinstance(value, _Keyed) and any(isinstance(item, _Object) for item in value.items):
            # `return {"chat": chat, ...}`: each object under its key, for `result["chat"]`.
            self.returned_items(node, zip(value.keys, value.items, strict=True))
            return
        if isinstance(value, _Tuple) and any(isinstance(item, _Object) for item in value.items):
            self.returned_items(node, enumerate(value.items))
            return
        if (
            isinstance(value, _Object)
            and value.stage is None
            and value.source.kind is SourceKind.NEW
            and (value.expired or value.persistent or value.pending_in)
        ):
            # A new object the function added (and maybe flushed or committed, maybe expired
            # by that): its caller gets it in the session, its relationships never loaded.
            self.created(value)
            self.returns.append(self._returned(value, node, None))
        elif (
            isinstance(value, _Object)
            and value.stage != "result"
            and value.source.kind is not SourceKind.NEW
            and not (value.row and not value.row[0])
        ):
            # (Rows whose first item is no object are left out: a caller takes the first for one.)
            self.returns.append(self._returned(value, node, None))
        else:
            if isinstance(value, _Object):
                self.created(value)
            gaps = _objectless_tuple(node.value)
            if gaps is not None:
                self.objectless_tuples.append(gaps)
            else:
                self.other_returns = True

    def response_validator(self) -> tuple[Origin, ...]:
        """What validates a route's returned value: its response model's `model_validate` (what
        FastAPI does with it); nothing for a function that is no route."""
        if not self.response_model:
            return ()
        validate = Step(StepKind.METHOD, "model_validate")
        return tuple(origin.then(validate) for origin in self.response_model)

    def given_to_sync_call(self, call: ast.Call, env: _Env) -> _Object | None:
        """What a project call that is not awaited gives back when it is handed objects by name
        (`self._page(pods, total)`): the index tells from the callee's summary what it holds."""
        callee = self.callee(call)
        if not callee:
            return None
        args: list[_Value | None] = [env.get(arg.id) if type(arg) is ast.Name else None for arg in call.args]
        keywords: dict[str | None, _Value | None] = {
            keyword.arg: env.get(keyword.value.id) if type(keyword.value) is ast.Name else None
            for keyword in call.keywords
        }
        handed = self.handed_objects(call, env, args, keywords)
        return _given_back(call, callee, handed) if handed else None

    def returned_items(self, node: ast.Return, items: Iterable[tuple[int | str, _Value | None]]) -> None:
        """The objects of a returned tuple or dict, each at its position or under its key."""
        for position, item in items:
            if isinstance(item, _Object) and item.row and not item.row[0]:
                continue  # rows whose first item is no object: a caller takes the first for one
            if isinstance(item, _Object) and item.stage != "result" and item.source.kind is not SourceKind.NEW:
                self.returns.append(self._returned(item, node, position))
            elif (
                isinstance(item, _Object)
                and item.stage is None
                and (item.expired or item.persistent or item.pending_in)
            ):
                # `return user, None`: a new object the function added (and maybe flushed or
                # committed), at its position, as a plain `return user` gives it.
                self.created(item)
                self.returns.append(self._returned(item, node, position))
            elif isinstance(item, _Object):
                self.created(item)

    def created(self, value: _Object) -> None:
        """A new object the function returns: in its caller's session once added and flushed."""
        if value.source.kind is SourceKind.NEW and value.source.model and (value.persistent or value.pending_in):
            self.returns_created[value.source.model] = None

    @staticmethod
    def _returned(value: _Object, node: ast.Return, position: int | str | None) -> ReturnedObject:
        return ReturnedObject(
            value.source,
            value.path,
            tuple(sorted(value.loaded)),
            value.stage is not None,
            node.lineno,
            position,
            node.col_offset,
            _in_expiry_order(value.expired),
            value.source.kind is SourceKind.NEW and value.pending_in is not None,
        )

    def branches(
        self, test: ast.expr, body: list[ast.stmt], orelse: list[ast.stmt], body_env: _Env, orelse_env: _Env
    ) -> _Env | None:
        """Both sides of an `if`, each knowing what its test says, joined."""
        on_state = self.owner is not None and not self.state_touched
        holds, fails = self.conditions(test)
        nested = nested_test(test, orelse, on_state)
        if nested is not None and self.on_parameters(holds):
            # `if not self._committed and not self._rolledback: commit`: the paths where the test
            # fails are told apart by the operand that failed, as `if a: if b: ...` tells them.
            first, inner = nested
            return self.branches(first, [ast.copy_location(ast.If(inner, body, []), test)], [], body_env, orelse_env)
        body_facts, orelse_facts = value_facts_of(test, self.value_names)
        self.learn_values(body_env, body_facts)
        self.learn_values(orelse_env, orelse_facts)
        # Under a test of what a call returned, each side knows how the call went: what the
        # callee does on an error (a rollback) is on one side only, the side that handles it.
        tested = self.tested_calls(test, body_env)
        if tested:
            read = result_test(test, self.call_results)
            if read is not None and read[1] & tested:
                # `if result["success"]: ... else: <here the callee failed>`.
                # (The side where it succeeded knows so, also of the same call in an earlier
                # iteration: one failure at a time, as `_check_results` judges.)
                key, lines, holds_on_success = read
                failed, succeeded = (orelse_env, body_env) if holds_on_success else (body_env, orelse_env)
                _mark_failed(failed, lines & tested, key)
                _mark_failed(succeeded, lines & tested, None)
            _check_results(body_env, tested, checked=True)
            _check_results(orelse_env, tested, checked=True)
        self.split_effects(body_env, holds)
        self.split_effects(orelse_env, fails)
        saved = self.holding
        self.holding = saved | frozenset(holds)
        left = self.block(body, body_env)
        self.holding = saved | frozenset(fails)
        right = self.block(orelse, orelse_env)
        self.holding = saved
        joined = _join(left, right)
        if tested and left is not None and right is not None and joined is not None:
            # Both sides go on: after the `if`, the call may have failed again (when one side
            # leaves, the side that goes on is where it succeeded, and stays checked).
            _check_results(joined, tested, checked=False)
        if joined is not None and left is not None and right is not None and (holds or fails):
            self.note_given(joined, left, right, holds, fails)
        return joined

    def split_effects(self, env: _Env, conditions: Guard) -> None:
        """A side of an `if` whose test says `conditions`: the effects on sessions from here on
        are told apart by those on parameters the name still holds (what callers pass)."""
        on_parameters = self.on_parameters(conditions)
        if not on_parameters:
            return
        effects = env.get(_EFFECTS)
        done: Done = effects.done if isinstance(effects, _Effects) else frozenset()
        cases: Cases = effects.cases if isinstance(effects, _Effects) else frozenset()
        env[_EFFECTS] = _Effects(done, entered(cases, done, on_parameters))

    def on_parameters(self, conditions: Guard) -> Guard:
        """The conditions on parameters that still hold what the caller passed, and on the state
        of `self` that nothing here changed before the test (`branches` keeps only those)."""
        return tuple(
            c
            for c in conditions
            if (c.parameter in self.parameters and c.parameter not in self.rebound) or c.parameter.startswith(STATE)
        )

    def tested_calls(self, test: ast.expr, env: _Env) -> set[int]:
        """The lines of the calls whose results `test` reads (`if not await charge(db):`,
        `if not ok:` after `ok = await charge(db)`) that expire some object in `env`, and are
        not known to have succeeded yet."""
        pending = _unchecked_call_lines(env)
        if not pending:
            return pending  # (nearly always: no call has expired anything here; the test is not read)
        lines: set[int] = set()
        for node in ast.walk(test):
            if type(node) is ast.Call:
                lines.add(node.lineno)
            elif type(node) is ast.Name and node.id in self.call_results:
                lines |= self.call_results[node.id]
        return pending & lines

    def note_given(self, joined: _Env, left: _Env, right: _Env, holds: Guard, fails: Guard) -> None:
        """Loaders one side of an `if` added: the same test later says whether they are there,
        and a test on a parameter says which callers get them (`needs`)."""
        held, failed = self.on_parameters(holds), self.on_parameters(fails)
        for name, value in joined.items():
            before, after = left.get(name), right.get(name)
            if not (
                isinstance(value, (_Statement, _Options))
                and isinstance(before, (_Statement, _Options))
                and isinstance(after, (_Statement, _Options))
            ):
                continue
            given = {(loader, c) for loader in before.loaders - after.loaders for c in holds}
            given |= {(loader, c) for loader in after.loaders - before.loaders for c in fails}
            if given:
                joined[name] = replace(value, given=value.given | given)
                self.given_names.update(c.parameter for _, c in given)
        if held or failed:
            self.note_needs(joined, left, right, held, failed)

    @staticmethod
    def note_needs(joined: _Env, left: _Env, right: _Env, held: Guard, failed: Guard) -> None:
        """Loaders one side of an `if` on a parameter added: a caller whose argument fails the
        side's test never gets them (`needs`)."""
        for name, value in joined.items():
            if not (isinstance(value, (_Statement, _Options)) and value.maybe):
                continue
            before, after = left.get(name), right.get(name)
            if isinstance(before, (_Statement, _Options)) and isinstance(after, (_Statement, _Options)):
                needs = joined_needs(before, held, after, failed)
                if needs != value.needs:
                    joined[name] = replace(value, needs=needs)

    def forget_conditions(self, name: str, env: _Env) -> None:
        """`name` is bound again: what was tested on it says nothing any more."""
        self.holding = frozenset(c for c in self.holding if c.parameter != name)
        for key, value in list(env.items()):
            if isinstance(value, (_Statement, _Options)) and any(c.parameter == name for _, c in value.given):
                env[key] = replace(value, given=frozenset(g for g in value.given if g[1].parameter != name))

    def with_given_loaders(self, source: ObjectSource) -> ObjectSource:
        """The source as the current branch sees it: a loader added under the test that holds here."""
        extra = tuple(
            loader
            for loader, condition in source.given_loaders
            if condition in self.holding and loader not in source.loaders
        )
        return replace(source, loaders=(*source.loaders, *extra)) if extra else source

    def expiry_test(self, test: ast.expr) -> tuple[str, bool] | None:
        """`inspect(x).expired_attributes` or `inspect(x).expired` (maybe under `not`): the
        name tested, and whether the body runs when it is expired."""
        expired = True
        while type(test) is ast.UnaryOp and type(test.op) is ast.Not:
            test, expired = test.operand, not expired
        if not (type(test) is ast.Attribute and test.attr in ("expired_attributes", "expired")):
            return None
        # `inspect(user).expired_attributes`, or `state = inspect(user)` then `state.expired_attributes`.
        state = test.value
        name = self.inspections.get(state.id) if type(state) is ast.Name else self.inspected_name(state)
        return (name, expired) if name is not None else None

    def learn_loaded(self, test: ast.expr, body: _Env, orelse: _Env) -> None:
        """`if "runs" in inspect(exp).dict:` (`exp.__dict__`, a saved `state.dict`, `"runs" not
        in state.unloaded`, `exp.is_relationship_loaded("runs")`): on the side where the test says
        the relationship is loaded, a read of it loads nothing (the test runs no SQL); after
        `if "runs" not in inspect(exp).dict: return`, the side that goes on is that one."""
        if isinstance(test, ast.BoolOp) and loaded_probe(test) is None:
            # `if "runs" in inspect(exp).dict and exp.runs:`: the body runs where every operand
            # of an `and` held; the other side, where every operand of an `or` failed.
            every = isinstance(test.op, ast.And)
            for operand in test.values:
                found = self.loaded_relationship(operand)
                if found is not None and found[2] is every:
                    self.mark_loaded(body if every else orelse, found[0], found[1])
            return
        found = self.loaded_relationship(test)
        if found is not None:
            name, relationship, loaded = found
            self.mark_loaded(body if loaded else orelse, name, relationship)

    @staticmethod
    def mark_loaded(env: _Env, name: str, relationship: str) -> None:
        current = env.get(name)
        if isinstance(current, _Object) and current.stage is None:
            env[name] = replace(current, loaded=current.loaded | {relationship})

    def loaded_relationship(self, test: ast.expr) -> tuple[str, str, bool] | None:
        """The name and relationship a loaded probe asks about, and whether it is loaded where
        the test holds (True) or where it fails (False)."""
        probe = loaded_probe(test)
        if probe is None:
            return None
        loaded, relationship, subject = probe
        name = self.probed_name(subject) if relationship is not None else None
        return (name, relationship, loaded) if name is not None and relationship is not None else None

    def probed_name(self, subject: ast.expr) -> str | None:
        """The name a loaded probe asks about: `exp` of `inspect(exp)`, of `state` after `state =
        inspect(exp)`, and of `exp.__dict__`."""
        if type(subject) is ast.Name:
            return self.inspections.get(subject.id, subject.id)
        return self.inspected_name(subject)

    def inspected_name(self, expr: ast.expr) -> str | None:
        """The name `inspect(name)` inspects."""
        if not (type(expr) is ast.Call and len(expr.args) == 1 and type(expr.args[0]) is ast.Name):
            return None
        return expr.args[0].id if qualify(expr.func, self.resolver.table) in INSPECT_FUNCTIONS else None

    def read_through(self, node: ast.Attribute, owner: _Object, env: _Env) -> None:
        """`worker.id` of an expired object: the read raises (MissingGreenlet) and leaves the path
        wherever one of its expiries happened. The paths that go on past it are those where none
        did, for every object: a later read (the next iteration's) is reached by another path
        that carries the event, or not at all.

        Only for an object known to be mapped: one the function queried, got or added (an object
        a parameter or a provider gives may be a pydantic schema, whose reads raise nothing, and
        the index alone tells what a project function returns). Not for an attribute the code
        refreshed on its own (`refresh(obj, ["name"])`), whose read loads nothing, nor a private
        one, which may be no column.

        An event that may have left this object fresh and the others expired is left on: a
        later query of its row may have repopulated it (`reselected`), a call it was handed
        to may have refreshed it (the index tells both), and a partial refresh since may have
        loaded the attribute read (`reloaded`: a relationship's name loads the primary key, or
        the whole row, as the index tells)."""
        attribute = node.attr
        if owner.path or owner.source.held_as or owner.source.kind not in _MAPPED_SOURCES:
            return
        if attribute.startswith("_") or {attribute, assigned(attribute)} & owner.loaded:
            return
        target = expression_text(node.value)
        gone = {
            (e.session, e.method, e.line)
            for e in owner.expired
            if e.reselected is None
            and not partly_refreshed(e)
            and not (e.method == "call" and target in self.handed_at.get(e.line, ()))
        }
        for name, value in list(env.items()):
            events = _events_of(value)
            kept = frozenset(e for e in events if (e.session, e.method, e.line) not in gone)
            if kept != events:
                env[name] = _with_events(value, kept)

    @staticmethod
    def unexpire(name: str, env: _Env) -> None:
        current = env.get(name)
        if isinstance(current, _Object) and current.expired:
            env[name] = replace(current, expired=frozenset())

    # -- bindings ------------------------------------------------------------------

    def bind(self, target: ast.expr, value: _Value | None, env: _Env, source: ast.expr | None = None) -> None:
        if type(target) is ast.Name:
            self.alias_method(target.id, source)
            self.rebound.add(target.id)
            if self.loop_keys:
                self.loop_keys.pop(target.id, None)  # (`key = key.lower()` in the loop's body)
            self.forget_keys(target.id, env)
            self.forget_truth(target.id, env)
            if target.id in self.given_names:
                self.forget_conditions(target.id, env)
            called = source.value if type(source) is ast.Await else source
            if type(called) is ast.Call:
                # Every call the name was bound to, on any path: `ok = await add(...)` on one
                # side of an `if`, `ok = await subtract(...)` on the other, then `if not ok:`.
                self.call_results.setdefault(target.id, set()).add(called.lineno)
            inspected = self.inspected_name(source) if source is not None else None
            if inspected is not None:
                self.inspections[target.id] = inspected
            else:
                self.inspections.pop(target.id, None)
            if self.inspections and target.id in self.inspections.values():
                # `state = inspect(exp)`, then `exp = ...`: `state` tells nothing of the new `exp`.
                self.inspections = {k: v for k, v in self.inspections.items() if v != target.id}
            if value is None and type(source) is ast.Attribute:
                value = self.received_member(source, env)
            if target.id in self.holders:
                self.forget_held(target.id, env)
            if value is None:
                env.pop(target.id, None)
            else:
                env[target.id] = value
                if isinstance(value, _Object) and type(called) is ast.Call and (called.args or called.keywords):
                    self.hold_fields(target.id, value, called, env)
                if isinstance(value, _Savepoint):
                    self.savepoints.add(target.id)
                if isinstance(value, _Object) and value.source.kind is not SourceKind.RECEIVED:
                    self.held[value.source] = None
                    if value.fresh is not None:
                        self.fresh_names.add(target.id)
            if type(source) is ast.Attribute:
                self.key_read(target.id, source, env)
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = self.unpacked(value, target.elts)
            for element, item in zip(target.elts, items, strict=True):
                if type(element) is ast.Starred:
                    self.bind(element.value, item, env)
                else:
                    self.bind(element, item, env)
        elif type(target) is ast.Attribute:
            root = dotted_parts(target)
            if root is not None:
                self.forget_keys(root[0], env)
                if root[0] == "self":
                    self.state_touched = True
            owner = self.expr(target.value, env)
            if type(target.value) is ast.Name and target.value.id in self.holders:
                self.forget_held(target.value.id, env)  # `ctx.order = other`
            held_as = _kept_name(target)
            if held_as is not None and not isinstance(owner, _Object):
                # `self.order = await session.get(Order, 1)` in a method of a class that is no
                # model: `self.order` holds that object until the method calls another of its own.
                if isinstance(value, _Object) and value.source.kind is not SourceKind.RECEIVED:
                    env[held_as] = value
                else:
                    env.pop(held_as, None)
            if isinstance(owner, _Object) and owner.stage is None:
                self.record(target, owner, AccessKind.ASSIGN)
                self.dirty.add(owner.session_text or _SOME_SESSION)
                if self.savepoints:
                    self.changed(owner, env)
                if type(target.value) is ast.Name:
                    loaded = owner.loaded | {target.attr, assigned(target.attr)}
                    if owner.source.kind is SourceKind.NEW:
                        loaded |= {maybe_given(target.attr)}
                    # (Set after a commit expired the object, the attribute holds the new value:
                    # its read loads nothing. Set before, the commit expires it with the others.)
                    owner = replace(_reloaded(owner, (assigned(target.attr),)), loaded=loaded, fresh=None)
                    if any(column == target.attr for column, _ in owner.identities):
                        # `user.email = new`: a query by the old value no longer gives this row.
                        kept = tuple(i for i in owner.identities if i[0] != target.attr)
                        owner = replace(owner, identities=kept)
                    env[target.value.id] = owner
        elif type(target) is ast.Subscript:
            self.expr(target.value, env)
            self.expr(target.slice, env)
            if type(target.value) is ast.Name and type(target.slice) is not ast.Slice:
                self.store_item(target.value.id, value, env)
        elif type(target) is ast.Starred:
            self.bind(target.value, None, env)

    def hold_fields(self, name: str, built: _Object, call: ast.Call, env: _Env) -> None:
        """`ctx = OrderContext(order=order)` (or `OrderContext(order)`): the object `order` holds,
        kept under `ctx.order` (`ctx.#0`), where a commit expires it as it does `order`. Which
        attribute a position lands in, and whether the class keeps it as it is (a dataclass's or a
        plain class's field), is the index's to tell (`ObjectSource.held_as`)."""
        if built.source.kind is not SourceKind.NEW or built.stage is not None or built.persistent:
            return
        handed = [(f"{_POSITION}{position}", argument) for position, argument in enumerate(call.args)]
        handed.extend((keyword.arg, keyword.value) for keyword in call.keywords if keyword.arg)
        for key, argument in handed:
            given = env.get(argument.id) if type(argument) is ast.Name else None
            if not isinstance(given, _Object) or given.source.kind in _PARAMETER_KINDS:
                continue
            env[f"{name}.{key}"] = replace(given, source=replace(given.source, held_as=(built.source.model or "",)))
            self.holders.add(name)

    def held_field(self, node: ast.Attribute, env: _Env) -> _Object | None:
        """`ctx.order` of a holder (see `hold_fields`): the object handed to its constructor as
        `order=`, else the one handed by position, when one alone was (the index tells whether
        that position is `order`)."""
        holder = node.value.id if type(node.value) is ast.Name else ""
        held = env.get(f"{holder}.{node.attr}")
        key = node.attr
        if held is None:
            prefix = f"{holder}.{_POSITION}"
            positions = [name for name in env if name.startswith(prefix)]
            if len(positions) != 1:
                return None
            held, key = env[positions[0]], positions[0].removeprefix(prefix)
        if not isinstance(held, _Object) or len(held.source.held_as) != 1:
            return None
        return replace(held, source=replace(held.source, held_as=(*held.source.held_as, key, node.attr)))

    def forget_held(self, name: str, env: _Env) -> None:
        """`name` is bound anew: the fields of what it held before say nothing of what it holds."""
        prefix = name + "."
        for key in [key for key in env if key.startswith(prefix)]:
            del env[key]

    @staticmethod
    def store_item(name: str, value: _Value | None, env: _Env) -> None:
        """`found[key] = order`: an empty dict becomes a dict of the objects (read back by
        `found[k]`, `found.get(k)`, `found.values()`), as a comprehension's does; a dict of
        objects from another source, or anything else stored, leaves it unknown."""
        held = env.get(name)
        if not isinstance(held, (_EmptyDict, _Object)) or (isinstance(held, _Object) and held.stage != "dict"):
            return
        stored = (
            replace(value, stage="dict")
            if isinstance(value, _Object) and value.stage is None and value.source.kind is not SourceKind.CALL
            else None
        )
        joined = stored if stored is None or isinstance(held, _EmptyDict) else _join_values(held, stored)
        if joined is None:
            env.pop(name, None)
        else:
            env[name] = joined

    def alias_method(self, name: str, source: ast.expr | None) -> None:
        """`commit = session.commit`: the name stands for the method while it is bound to nothing else."""
        method = (
            source
            if type(source) is ast.Attribute
            and source.attr in _ALIASED_METHODS
            and expression_text(source.value) is not None
            else None
        )
        if name not in self.method_aliases and name not in self.rebound:
            if method is not None:
                self.method_aliases[name] = method
        elif self.method_aliases.get(name) is not method:
            self.method_aliases[name] = None  # (bound twice: which one a call runs is unknown)

    def unaliased(self, node: ast.Call) -> ast.Call:
        """The call of the session method that a call of its alias runs (`await commit()`)."""
        func = node.func
        method = self.method_aliases.get(func.id) if type(func) is ast.Name else None
        if method is None:
            return node
        found = self._aliased_calls.get(id(node))
        if found is None:
            found = ast.copy_location(ast.Call(func=method, args=node.args, keywords=node.keywords), node)
            found.end_lineno, found.end_col_offset = node.end_lineno, node.end_col_offset
            self._aliased_calls[id(node)] = found
        return found

    def unpacked(self, value: _Value | None, targets: list[ast.expr]) -> tuple[_Value | None, ...]:
        """The items `a, b = value` binds: a tuple's items, or the elements of what a project
        function returned (`user, account = await repo.pair()`), judged by its summary. A row of
        the list a project function returned (`for user, joined_at in await repo.rows():`) gives
        its first entity first, as `row[0]` does; what its other columns are is not known. A list
        of objects gives one of them to each name, and to a starred one a list of the same
        objects (`first, *rest = orders`, as `orders[0]` and `orders[1:]` do). (A starred name
        binds nothing known otherwise.)"""
        count = len(targets)
        if isinstance(value, _Object) and value.stage in ("scalars", "list"):
            element = self.element_of(value)
            rest = replace(value, stage="list")
            return tuple(rest if type(target) is ast.Starred else element for target in targets)
        if any(type(target) is ast.Starred for target in targets):
            if (
                isinstance(value, _Object)
                and value.stage is None
                and value.source.kind is SourceKind.CALL
                and not value.path
            ):
                # A list a project function returned (`first, *rest = await repo.all()`).
                element = self.element_of(value)
                return tuple(value if type(target) is ast.Starred else element for target in targets)
            return (None,) * count
        if isinstance(value, _Tuple) and len(value.items) == count:
            return value.items
        if isinstance(value, _Object) and value.stage is None and value.source.kind is SourceKind.CALL:
            if not value.path:
                return tuple(replace(value, path=(f"[{position}]",), loaded=frozenset()) for position in range(count))
            if value.path[-1:] == ("[]",):
                # (Also a row of a list returned inside a tuple: `rows, total = await repo.page()`.)
                return (value, *(None,) * (count - 1))
        return (None,) * count

    def begun_session(self, item: ast.withitem, env: _Env) -> str | None:
        """The session of `async with session.begin():` (not `factory.begin()`, which also closes)."""
        expr = item.context_expr
        if not (type(expr) is ast.Call and type(expr.func) is ast.Attribute and expr.func.attr == "begin"):
            return None
        receiver = expr.func.value
        text = expression_text(receiver)
        if text is None or not _is_candidate(env.get(text)):
            return None
        ref = self.resolver.value_ref(receiver)
        # Whether the receiver is a session (not a factory) is the index's call, on its origins.
        if ref is None or not ref.origins:
            return None
        if self.received:
            self.session_refs.setdefault(ref.text, ref)
        return text

    # -- expressions ---------------------------------------------------------------

    def expr(self, node: ast.expr | None, env: _Env) -> _Value | None:
        if node is None:
            return None
        # The commonest expressions first, by exact class (no `ast` class has subclasses).
        if type(node) is ast.Name:
            return env.get(node.id)
        if type(node) is ast.Call:
            return self.call(node, env)
        if type(node) is ast.Attribute:
            return self.attribute(node, env, AccessKind.READ)
        if type(node) is ast.Constant:
            return None
        if type(node) is ast.Await:
            return self.awaited(node, env)
        if type(node) is ast.Subscript:
            base = self.expr(node.value, env)
            self.expr(node.slice, env)
            told, held = self.under_key(base, node.slice.value if type(node.slice) is ast.Constant else None)
            if told:
                return held
            if type(node.slice) is ast.Slice and isinstance(base, _Object) and base.stage in ("scalars", "list"):
                return replace(base, stage="list")  # `orders[:3]`: some of the same objects
            if isinstance(base, _Object) and base.stage != "result" and type(node.slice) is not ast.Slice:
                # An item of a list or dict of objects, of a relationship collection
                # (`node.children[0]`), or of what a project function returned. (Iterating a
                # dict gives its keys, so only a subscript reaches its objects.)
                return base.element() if base.stage == "dict" else self.element_of(base)
            if isinstance(base, _Tuple) and type(node.slice) is ast.Constant and isinstance(node.slice.value, int):
                index = node.slice.value
                return base.items[index] if -len(base.items) <= index < len(base.items) else None
            return None
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            element = self.comprehension(node.generators, [node.elt], env)
            if isinstance(element, _Object) and element.stage is None and _listed_element(element):
                return replace(element, stage="list")
            if isinstance(element, _Tuple):
                return _rows_of(element)
            return None
        if type(node) is ast.DictComp:
            element = self.comprehension(node.generators, [node.key, node.value], env)
            if isinstance(element, _Object) and element.stage is None and element.source.kind is not SourceKind.CALL:
                # `{order.id: order for order in orders}`: a dict of the objects, read by key later.
                return replace(element, stage="dict")
            return None
        if type(node) is ast.Dict:
            return self.keyed(node, env) if node.keys else _EmptyDict()
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            values = [self.expr(e.value if type(e) is ast.Starred else e, env) for e in node.elts]
            if type(node) is ast.Tuple and any(isinstance(value, _Object) for value in values):
                return _Tuple(tuple(values))
            return self.options_of(values)
        if type(node) is ast.Lambda:
            return None  # runs later, maybe under run_sync: not this function's I/O
        if type(node) is ast.FormattedValue:
            value = self.expr(node.value, env)
            if node.format_spec is not None:
                self.expr(node.format_spec, env)
            self.formatted(
                node, node.value, value, "__repr__" if node.conversion == _REPR_CONVERSION else "__str__", env
            )
            return None
        if type(node) is ast.NamedExpr:
            value = self.expr(node.value, env)
            self.bind(node.target, value, env)
            return value
        if type(node) is ast.IfExp:
            self.expr(node.test, env)
            body, orelse = dict(env), dict(env)
            self.learn_loaded(node.test, body, orelse)
            holds, fails = self.conditions(node.test)
            saved = self.holding
            self.holding = saved | frozenset(holds)
            left = self.expr(node.body, body)
            self.holding = saved | frozenset(fails)
            right = self.expr(node.orelse, orelse)
            self.holding = saved
            return _join_values(left, right) if left is not None and right is not None else None
        if type(node) is ast.BoolOp:
            values = self.operands(node, env)
            return _either(values, node.values) if type(node.op) is ast.Or else values[-1] if values else None
        # Names and constants among the children have no effect: their values are dropped here.
        for child in child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child, env)
            elif type(child) is ast.comprehension:  # pragma: no cover - handled above
                self.expr(child.iter, env)
            elif type(child) is ast.keyword:
                self.expr(child.value, env)
        return None

    def conditions(self, test: ast.expr) -> tuple[Guard, Guard]:
        """What holds where `test` holds and where it fails (`branch_conditions`), on any name."""
        return branch_conditions(test, lambda name: True, self.owner is not None and not self.state_touched)

    def operands(self, node: ast.BoolOp, env: _Env) -> list[_Value | None]:
        """The values of `a and b and c` (or `a or b or c`): each operand runs only where those
        before it held (failed, for `or`), as the body of `if a: if b:` does, so `exp and user and
        exp.runs` reads `exp.runs` where `user` holds (a loader added under `if user:` is there)."""
        saved = self.holding
        last = len(node.values) - 1
        values: list[_Value | None] = []
        probed: dict[str, tuple[_Value, _Value | None]] = {}
        for position, operand in enumerate(node.values):
            values.append(self.expr(operand, env))
            if position < last:
                holds, fails = self.conditions(operand)
                passed = holds if type(node.op) is ast.And else fails
                if passed:
                    self.holding = self.holding | frozenset(passed)
                self.probe_operand(operand, isinstance(node.op, ast.And), env, probed)
        self.holding = saved
        for name, (before, marked) in probed.items():
            if env.get(name) is marked:
                env[name] = before  # after the operands, the probe may have failed
        return values

    def probe_operand(
        self, operand: ast.expr, held: bool, env: _Env, probed: dict[str, tuple[_Value, _Value | None]]
    ) -> None:
        """`"runs" in inspect(exp).dict and exp.runs`: the operands after a probe run only where
        it held (failed, for `or`), so there the relationship is loaded. `probed` keeps what
        each name held before and what the probe made of it, for the walk to restore after the
        last operand unless an operand bound the name since."""
        found = self.loaded_relationship(operand)
        if found is None or found[2] is not held:
            return
        name, relationship, _ = found
        current = env.get(name)
        if isinstance(current, _Object) and current.stage is None:
            self.mark_loaded(env, name, relationship)
            before = probed[name][0] if name in probed else current
            probed[name] = (before, env.get(name))

    def keyed(self, node: ast.Dict, env: _Env) -> _Keyed | None:
        """`{"chat": chat, "limit": 10}`: what each constant string key holds, when one holds
        objects (a `**` spread or any other key makes the dict unknown)."""
        keys: list[str] = []
        items: list[_Value | None] = []
        for key, item in zip(node.keys, node.values, strict=True):
            if key is not None:
                self.expr(key, env)
            items.append(self.expr(item, env))
            keys.append(key.value if type(key) is ast.Constant and isinstance(key.value, str) else "")
        if "" in keys or len(set(keys)) != len(keys) or not any(isinstance(item, _Object) for item in items):
            return None
        return _Keyed(tuple(keys), tuple(items))

    def under_key(self, value: _Value | None, key: object) -> tuple[bool, _Value | None]:
        """`value["chat"]` or `value.get("chat")`: whether the key tells what it reads, and
        what: an item of a dict written with constant keys, or what a project function returned
        under that key (`return {"chat": chat, ...}`)."""
        if isinstance(value, _Keyed):
            return True, value.get(key)
        if isinstance(value, _Object) and isinstance(key, str) and self.is_call_result(value):
            return True, replace(value, path=(f"[{key!r}]",), loaded=frozenset())
        return False, None

    @staticmethod
    def is_call_result(value: _Object) -> bool:
        """What a project function returned, as it is: `result["chat"]` of it is the object its
        summary returns under that key (`return {"chat": chat, ...}`), or an element of the dict
        of objects it returns (the index tells which)."""
        return value.source.kind is SourceKind.CALL and value.stage is None and not value.path

    def comprehension(self, generators: list[ast.comprehension], results: list[ast.expr], env: _Env) -> _Value | None:
        # The first iterable runs at once in the enclosing scope: what it loads stays loaded
        # (`sum(i.quantity for i in await order.awaitable_attrs.items)`, then `order.items`).
        first = self.expr(generators[0].iter, env) if generators else None
        scope = dict(env)
        for position, generator in enumerate(generators):
            iterated = first if position == 0 else self.expr(generator.iter, scope)
            element = self.element_of(iterated)
            self.bind(generator.target, element, scope)
            for condition in generator.ifs:
                self.expr(condition, scope)
        found: _Value | None = None
        for result in results:
            found = self.expr(result, scope)
        return found

    def called_back(self, builtin: str, node: ast.Call, args: list[_Value | None], env: _Env) -> None:
        """`sorted(orders, key=lambda o: o.user.name)`, `map(lambda o: ..., orders)`,
        `filter(...)`, `min`/`max(..., key=...)`: the lambda runs on each element, so its body
        reads each object; a function named there (`map(owner_name, orders)`) is handed each."""
        if builtin in ("map", "filter"):
            function, iterable = (node.args[0], args[1]) if len(node.args) > 1 else (None, None)
        else:
            function = next((keyword.value for keyword in node.keywords if keyword.arg == "key"), None)
            iterable = args[0] if args else None
        if type(function) is ast.Name or type(function) is ast.Attribute:
            # `map(owner_name, orders)`, `sorted(orders, key=self.rank)`: the function is called
            # with each element, as `[owner_name(o) for o in orders]` calls it.
            element = self.element_of(iterable)
            if isinstance(element, _Object) and not (type(function) is ast.Name and function.id in _BUILTINS):
                callee = tuple(origin.then(CALL) for origin in self.resolver.origins_of(function))
                # (Each element, named as an item of the iterable: `orders[i]`.)
                iterable_node = node.args[1] if builtin in ("map", "filter") else node.args[0]
                each = ast.copy_location(
                    ast.Subscript(iterable_node, ast.Name("i", ast.Load()), ast.Load()), iterable_node
                )
                if callee:
                    self.hand_over(node, each, element, callee, expression_text(function) or "", "0", env)
            return
        if type(function) is not ast.Lambda or not function.args.args:
            return
        element = self.element_of(iterable)
        if element is None:
            return
        scope = dict(env)
        parameter = ast.Name(function.args.args[0].arg, ast.Store())
        self.bind(ast.copy_location(parameter, function), element, scope)
        self.expr(function.body, scope)

    def iterated(self, builtin: str, args: list[_Value | None]) -> _Value | None:
        """What a builtin that walks its argument gives: the same objects (`sorted(orders)`,
        `list(...)`, `reversed(...)`), one of them (`next(iter(orders))`), or tuples of them
        (`enumerate(orders)`, `zip(names, orders)`)."""
        value = args[0]
        listed = isinstance(value, _Object) and value.stage in ("scalars", "list")
        if builtin in _SAME_OBJECTS:
            return replace(value, stage="list") if listed and isinstance(value, _Object) else None
        if builtin in _ONE_OBJECT:
            return self.element_of(value) if listed else None
        items = _zipped_items(builtin, args)
        if not any(self.element_of(item) is not None for item in items):
            return None
        return _Zipped(items)

    def element_of(self, value: _Value | None) -> _Object | _Tuple | None:
        if isinstance(value, _Statement) and value.gives_back is not None:
            value = value.gives_back
        if isinstance(value, _Zipped):
            return _Tuple(tuple(self.element_of(item) for item in value.items))
        if not isinstance(value, _Object):
            return None
        if value.stage in ("scalars", "list") or (value.stage == "result" and value.row):
            return value.element()
        if value.stage is None and (value.path or value.source.kind is SourceKind.CALL):
            # A relationship collection (or a list a project function returned, as it is or
            # under a key of the dict it returned: `for pod in page["items"]`).
            returned = value.source.kind is SourceKind.CALL and (not value.path or _keyed_step(value.path))
            element = value.element() if returned else value
            if value.source.kind is SourceKind.CALL and len(value.path) == 1 and value.path[0][1:-1].isdigit():
                # `rows, total = await repo.page()`, then `for row in rows:`: an element of the
                # list the callee returned at that position.
                element = replace(value, path=(*value.path, "[]"))
            return replace(element, loaded=frozenset()) if isinstance(element, _Object) else element
        return None

    def attribute(self, node: ast.Attribute, env: _Env, kind: AccessKind) -> _Value | None:
        kept = _kept_name(node)
        if kept is not None and kept in env:
            return env[kept]  # `self.order`, bound by this method to what a query gave
        owner = self.expr(node.value, env)
        if isinstance(owner, _Statement) and owner.gives_back is not None:
            owner = owner.gives_back
        if isinstance(owner, _AwaitableAttrs):
            return None
        if isinstance(owner, _Tuple):
            # `row.User`: a Row names each entity column after its class.
            for item in owner.items:
                if isinstance(item, _Object) and (item.source.model or "").rsplit(".", 1)[-1] == node.attr:
                    return item
            return None
        if not isinstance(owner, _Object) or owner.stage is not None:
            return None
        if self.expiries:
            self.note_reached(node.lineno, env)
        if node.attr == "awaitable_attrs":
            return _AwaitableAttrs(node.value.id if type(node.value) is ast.Name else None, owner)
        self.record(node, owner, kind)
        if kind is AccessKind.READ and owner.expired:
            self.read_through(node, owner, env)
        if type(node.value) is ast.Name and node.value.id in self.holders and not owner.expired:
            # `ctx.order` of `ctx = OrderContext(order=order)`: that object. (A model's field read
            # after a commit expired the model's object loads again, or raises there.)
            held = self.held_field(node, env)
            if held is not None:
                return held
        if owner.source.kind is SourceKind.RECEIVED:
            return None  # what its relationships hold is the caller's query's business (ASA301)
        if node.attr.startswith("__") or len(owner.path) >= _MAX_PATH or assigned(node.attr) in owner.loaded:
            return None  # (set by the code itself: what the value holds is not the query's)
        return owner.attribute(node.attr)

    @staticmethod
    def handed_back_member(owner: _Object, method: str) -> _Object | None:
        """`member.owner()`: what the model's method hands back, by its name on the path (the
        index follows it where the method returns what the object reaches, else judges nothing);
        as a relationship read, not for a received object's nor past the depth followed."""
        if owner.source.kind is SourceKind.RECEIVED or len(owner.path) >= _MAX_PATH:
            return None
        return owner.attribute(method)

    def record(self, node: ast.Attribute, owner: _Object, kind: AccessKind, in_place: bool = True) -> None:
        # The reads of received objects (`self.x` in every method) are kept apart: they take no
        # place of the function's own objects under the cap.
        accesses = self.received_accesses if owner.source.kind is SourceKind.RECEIVED else self.accesses
        if len(accesses) >= _MAX_ACCESSES or (_is_candidate(owner) and not _maybe_added(owner)):
            return
        target = expression_text(node.value) or ast.unparse(node.value)
        key = (node.lineno, node.col_offset, target, node.attr)
        access = ObjectAccess(
            target=target,
            attribute=node.attr,
            line=node.lineno,
            col=node.col_offset,
            kind=kind,
            source=self.with_given_loaders(owner.source),
            path=owner.path,
            loaded=tuple(sorted(name for name in owner.loaded if "." not in name)),
            persistent=owner.persistent,
            expired_by=_in_expiry_order(owner.expired),
            autoflushed=owner.autoflushed,
            end_line=node.end_lineno if in_place else None,
            end_col=node.end_col_offset if in_place else None,
            reselects=owner.reselects,
        )
        seen = accesses.get(key)
        if seen is not None and seen != access:
            access = replace(
                access,
                loaded=tuple(sorted(set(seen.loaded) & set(access.loaded))),
                reselects=tuple(r for r in seen.reselects if r in access.reselects),
                persistent=seen.persistent or access.persistent,
                expired_by=_in_expiry_order({*seen.expired_by, *access.expired_by}),
                autoflushed=_seen_autoflushed(seen, access),
                source=access.source if access.source.loaders_known else seen.source,
            )
        accesses[key] = access

    def awaited(self, node: ast.Await, env: _Env) -> _Value | None:
        inner = node.value
        if type(inner) is ast.Attribute:
            owner = self.expr(inner.value, env)
            if isinstance(owner, _AwaitableAttrs):
                if owner.owner is not None:
                    current = env.get(owner.owner)
                    if isinstance(current, _Object):
                        env[owner.owner] = replace(current, loaded=current.loaded | {inner.attr})
                path = (*owner.obj.path, inner.attr)
                return replace(owner.obj, path=path, loaded=frozenset())
            if isinstance(owner, _Object):
                self.record(inner, owner, AccessKind.READ)
            return None
        if type(inner) is ast.Call:
            value = self.call(inner, env, awaited=True)
            if isinstance(value, _Object) and value.source.kind is SourceKind.CALL and value.stage is None:
                keyed_by = _keys_handed(inner, env)
                if keyed_by:
                    value = replace(value, keyed_by=keyed_by)
            return value
        return self.expr(inner, env)

    # -- calls ---------------------------------------------------------------------

    def call(self, node: ast.Call, env: _Env, awaited: bool = False) -> _Value | None:
        if self.expiries:
            self.note_reached(node.lineno, env)
        if self.method_aliases:
            node = self.unaliased(node)
        if self.truth_names:
            emptied = empties(node)
            if emptied is not None:
                # `first = errors.pop()`: the collection may be empty now.
                self.forget_truth(emptied, env)
        func = node.func
        if type(func) is ast.Attribute and type(func.value) is ast.Name and func.value.id == "self":
            self.state_touched = True  # `self.reset()` may change what later tests of `self` read
            for kept in [name for name in env if name.startswith(_KEPT)]:
                del env[kept]  # (and what `self.order` holds)
        if self.fresh_names and env.keys() & self.fresh_names:
            self.touch_fresh(node, env)
        if self.received:
            self.tie(node, env)
        if type(func) is ast.Attribute and func.attr in _MUTATORS:
            self.initialise_collection(func.value, env)
            if self.savepoints and type(func.value) is ast.Attribute and type(func.value.value) is ast.Name:
                # `product.medias.append(media)` changes the object that holds the collection.
                owner = env.get(func.value.value.id)
                if isinstance(owner, _Object) and owner.stage is None:
                    self.changed(owner, env)
        library = self.library_name(func, env) or self.module_class(func, env)
        kept = self.kept_class(node) if not awaited else ""
        if kept:
            # `self.model(**data)`, `self.model.model_validate(data)` in a generic repository: a new
            # object of the class its receiver keeps (the index names the model at each call).
            args, keywords = self.arguments(node, env)
            self.hand_over_arguments(node, args, keywords, env, awaited)
            return self.new_of_class(node, StatementOrigin(owner=self.owner or "", model_attribute=kept))
        if type(func) is ast.Attribute and library is None:
            own = self.own_method(func)
            if own is not None:
                # `self.base_statement()`, `super().base_statement()`: the index dispatches it on
                # the receiver's class. Awaited, it is a project call like any other.
                args, keywords = self.arguments(node, env)
                self.hand_over_arguments(node, args, keywords, env, awaited)
                if awaited:
                    self.expire_through(node, env)
                    return self.project_call(node, env, args, keywords)
                origin = replace(own, passed=self.passed(node, args, keywords), flags=self.call_flags(node))
                # `results = cls._postprocess(results=results)`: what it gives back of the objects
                # it is handed, as a module function's (`called_statement`).
                handed = self.handed_objects(node, env, args, keywords)
                callee = self.callee(node) if handed else ()
                gives_back = _given_back(node, callee, handed, origin.passed, self.call_flags(node)) if callee else None
                return _Statement(
                    "", "", node.lineno, frozenset(), True, origin=origin, called=True, gives_back=gives_back
                )
            receiver_value = self.expr(func.value, env) if not self.is_session_call(func, env) else None
            if func.attr == "delete" and len(node.args) == 1 and _is_candidate(receiver_value):
                # `await session.delete(obj)`: the next flush writes, and may fail and roll back.
                self.dirty.add(expression_text(func.value) or _SOME_SESSION)
            if isinstance(receiver_value, _Statement) and receiver_value.called and func.attr not in STATEMENT_METHODS:
                receiver_value = None  # `repo = Repo.create(session)`, then `repo.load()`: no statement
            if _is_injected(receiver_value) and not (
                isinstance(receiver_value, _Object)
                and receiver_value.source.kind is SourceKind.RECEIVED
                and receiver_value.path
            ):
                # What a provided parameter's methods do is not followed: as before it became one.
                # (A member of a received object, `pending.apply()`, is handed to its method for
                # ASA301's reloaded relationships, see `received_member`.)
                receiver_value = None
            args, keywords = self.arguments(node, env)
            filtered = self.parameter(func.value) if receiver_value is None and func.attr in _FILTERS else None
            if filtered is not None:
                # `stmt.where(...)` of a parameter: a statement each caller passes (the index
                # takes what it is at the call), as `session.execute(stmt)` of one is.
                self.statement_parameters.add(filtered)
                receiver_value = _parameter_statement(filtered, node.lineno)
            if isinstance(receiver_value, _Statement):
                return self.statement_method(receiver_value, func.attr, node, args)
            if isinstance(receiver_value, _Savepoint):
                if func.attr == "rollback" and awaited and type(func.value) is ast.Name:
                    self.savepoint_rollback(func.value.id, receiver_value, node.lineno, env)
                return None
            first = node.args[0] if func.attr == "get" and node.args else None
            told, held = self.under_key(receiver_value, first.value if type(first) is ast.Constant else None)
            if told:
                return held  # `context.get("chat")`
            if isinstance(receiver_value, _Options):
                if type(func.value) is ast.Name and func.attr in _LIST_METHODS:
                    # `options.append(selectinload(...))` grows the list held in the variable;
                    # `found.append(order)` on an empty list collects objects.
                    env[func.value.id] = self.grown(receiver_value, func.attr, args)
                    return None
                return self.chained_loader(receiver_value, func.attr, node, args)
            if isinstance(receiver_value, _Object):
                if receiver_value.stage is None or _deferred_function(node, self.resolver.table) is not None:
                    # `tasks = BackgroundTasks()`, then `tasks.add_task(notify, user)`; a method of
                    # an object the function built (`Presenter().render(user)`) or of a model
                    # (`order.can_edit(user)`), handed an object: its summary says what it reads.
                    self.hand_over_arguments(node, args, keywords, env, awaited)
                if receiver_value.stage is not None:
                    stage = _RESULT_STEPS.get((receiver_value.stage, func.attr))
                    if stage == "object" and func.attr.startswith("scalar"):
                        return replace(receiver_value, row=()).element()  # the first column's object
                    if stage == "object":
                        return receiver_value.element()
                    if stage == "scalars":
                        return replace(receiver_value, stage=stage, row=())  # the first column's objects
                    if stage is not None:
                        return replace(receiver_value, stage=stage)
                    return None
                # `order.total()`: a method of the object's model reads it (its summary says what),
                # under the tests its arguments settle (`order.to_dict(include=["items"])`).
                flags = known_arguments(node) if node.args or node.keywords else ()
                self.hand_over(
                    node, func.value, receiver_value, (), func.attr, "self", env, method=func.attr, flags=flags
                )
                if not awaited:
                    # `repo.eager_options()`, `repo.base_statement()` on `repo = Repository(session)`:
                    # a statement or loader options it builds, as a function's (its summary says).
                    if _is_candidate(receiver_value):
                        return self.called_statement(node, args, keywords, env)
                    return self.handed_back_member(receiver_value, func.attr)
                if _is_candidate(receiver_value):
                    # `repo = OrderRepository(session)`, then `await repo.get(1)`: no model's
                    # method, a project method whose summary says what it returns (and whether
                    # it ends the transaction of the session the object was built over); also
                    # on an object built in place (`await Service(session).delete(order)`).
                    self.expire_through(node, env, built=receiver_value)
                    return self.project_call(node, env, args, keywords)
                # `await worker.save(session)`: an active record's method handed the session
                # may commit it (the method of the object's model, its summary says).
                method = _model_method(receiver_value.source.model or "", func.attr)
                self.expire_through(node, env, method, receiver=receiver_value)
                return None
            self.hand_over_arguments(node, args, keywords, env, awaited)
            if receiver_value is None and self.is_session_call(func, env):
                found = self.session_method(node, func, args, keywords, env, awaited)
                if awaited and func.attr in ("commit", "rollback"):
                    # `await uow.commit()` on `uow = UnitOfWork(session)`: a project method named
                    # like the session's, which may end the transaction of the session it wraps.
                    self.expire_through(node, env)
                if found is None and awaited and func.attr in _QUERY_METHODS:
                    # `await self.repo.get(order_id)`: a project method named like a session's.
                    return self.project_call(node, env, args, keywords)
                return found
            if awaited:
                self.expire_through(node, env)
            if awaited and receiver_value is None:
                return self.project_call(node, env, args, keywords)
            if receiver_value is None:
                return self.called_statement(node, args, keywords, env)
            return None
        args, keywords = self.arguments(node, env)
        if type(func) is ast.Name and func.id in _FORMATTING and self.resolver.table.lookup(func.id) is None:
            for value, arg in zip(args, node.args, strict=True):
                self.formatted(node, arg, value, _FORMATTING[func.id], env)
            return None
        if type(func) is ast.Name and func.id in _ATTRIBUTE_GETTERS and len(node.args) >= 2:
            # (`hasattr` reads the attribute too, and lets only AttributeError through.)
            owner, key = args[0], self.literal_key(node.args[1])
            if isinstance(owner, _Object) and owner.stage is None and key is not None:
                synthetic = ast.Attribute(value=node.args[0], attr=key, ctx=ast.Load())
                ast.copy_location(synthetic, node)
                self.record(synthetic, owner, AccessKind.READ, in_place=False)
                if owner.expired:
                    self.read_through(synthetic, owner, env)  # (it raises as `user.name` does)
            return None
        if type(func) is ast.Name and func.id == "setattr" and len(node.args) >= 2 and type(node.args[0]) is ast.Name:
            # `setattr(member, "key", value)` sets the attribute as `member.key = value` does;
            # with a key that is no literal, on a new object, any column may be given (what a
            # key-less many-to-one is judged by).
            owner, key = env.get(node.args[0].id), self.literal_key(node.args[1])
            if key is not None and key.isidentifier():
                synthetic = ast.copy_location(ast.Attribute(node.args[0], key, ast.Store()), node)
                self.bind(synthetic, args[2] if len(args) > 2 else None, env)
            elif isinstance(owner, _Object) and owner.source.kind is SourceKind.NEW and owner.stage is None:
                env[node.args[0].id] = replace(owner, loaded=owner.loaded | {UNKNOWN_ARGUMENTS})
            return None
        if type(func) is ast.Name and func.id in _CALLING_BACK and func.id not in self.rebound:
            self.called_back(func.id, node, args, env)
        if type(func) is ast.Name and func.id in _ITERATED and args and func.id not in self.rebound:
            return self.iterated(func.id, args)
        qualname = library or (qualify(func, self.resolver.table) if dotted_parts(func) is not None else None)
        if qualname is None or not qualname.startswith(_LOADER_MODULES):
            self.hand_over_arguments(node, args, keywords, env, awaited)
        if qualname is None:
            if awaited:
                self.expire_through(node, env)
                return self.project_call(node, env, args, keywords)
            parameter = self.model_parameter(func)
            if parameter:
                # `orm_class(**data)` in a generic helper: a new object of the class its caller
                # passes (the index names the model at each call).
                return self.new_of_class(node, StatementOrigin(model_parameter=parameter))
            return self.called_statement(node, args, keywords, env)
        leaf = qualname.rsplit(".", 1)[-1]
        if leaf == _SELECT or leaf in _DML:
            statement = self.new_statement(node, qualname, leaf)
            if statement is not None or qualname.startswith(_LOADER_MODULES):
                return statement
            # `await update(db, user, values)`: a project function named like a statement
            # constructor (no model as its arguments): a project call like any other.
        if leaf in LOADER_STRATEGIES or (leaf in _NEUTRAL_OR_LOAD and qualname.startswith(_LOADER_MODULES)):
            return self.loader_option(leaf, node)
        if awaited:
            self.expire_through(node, env)
            return self.project_call(node, env, args, keywords)
        if leaf[:1].isupper():
            loaded = frozenset(kw.arg for kw in node.keywords if kw.arg)
            if node.args or any(kw.arg is None for kw in node.keywords):
                loaded |= {UNKNOWN_ARGUMENTS}  # (`M(**data)`: any column may be given)
            source = ObjectSource(SourceKind.NEW, node.lineno, model=qualname)
            wraps = self.wrapped(node)
            return _Object(source, loaded=loaded, persistent=False, wraps=wraps, fresh=FRESH if wraps else None)
        if qualname.startswith(_LOADER_MODULES):
            return None
        return self.called_statement(node, args, keywords, env)

    def arguments(self, node: ast.Call, env: _Env) -> tuple[list[_Value | None], dict[str | None, _Value | None]]:
        """What each argument of a call is (a starred one: what it spreads), positional then keyword."""
        args = [self.expr(arg.value if type(arg) is ast.Starred else arg, env) for arg in node.args]
        return args, {kw.arg: self.expr(kw.value, env) for kw in node.keywords}

    def literal_key(self, node: ast.expr) -> str | None:
        """The attribute name `getattr`/`setattr` is given: a string literal, or the name of a
        loop over literal keys (`for key in ("name", "email"):`, see `unrolled_keys`)."""
        if type(node) is ast.Constant:
            return node.value if isinstance(node.value, str) else None
        return self.loop_keys.get(node.id) if type(node) is ast.Name else None

    def own_method(self, func: ast.Attribute) -> StatementOrigin | None:
        """`self.name(...)`, `cls.name(...)` or `super().name(...)` in a method of `self.owner`."""
        if self.owner is None:
            return None
        receiver = func.value
        if func.attr in _SESSION_METHODS:
            return None  # a session subclass's own `self.execute(...)`: the session's business
        if type(receiver) is ast.Name and receiver.id in _OWN_RECEIVERS and receiver.id not in self.rebound:
            return StatementOrigin(method=func.attr, owner=self.owner)
        if (
            type(receiver) is ast.Call
            and type(receiver.func) is ast.Name
            and receiver.func.id == "super"
            and not receiver.args
        ):
            return StatementOrigin(method=func.attr, owner=self.owner, via_super=True)
        return None

    def called_statement(
        self, node: ast.Call, args: list[_Value | None], keywords: dict[str | None, _Value | None], env: _Env
    ) -> _Statement | None:
        """What a project function returns without being awaited may be a statement it built
        (`readable_orders(user)`): the index knows from its summary, and runs nothing else."""
        callee = self.callee(node)
        if not callee:
            return None
        passed = self.passed(node, args, keywords)
        origin = StatementOrigin(callee=callee, passed=passed, flags=self.call_flags(node))
        handed = self.handed_objects(node, env, args, keywords)
        gives_back = _given_back(node, callee, handed, passed, self.call_flags(node)) if handed else None
        return _Statement("", "", node.lineno, frozenset(), True, origin=origin, called=True, gives_back=gives_back)

    def passed(
        self, node: ast.Call, args: list[_Value | None], keywords: dict[str | None, _Value | None]
    ) -> tuple[PassedArgument, ...]:
        """What each argument of a call is, for a callee that builds or runs a statement from it."""
        found: list[PassedArgument] = []
        for position, (argument, value) in enumerate(zip(node.args, args, strict=True)):
            key = "*" if type(argument) is ast.Starred else str(position)
            found.append(self.passed_value(key, value, argument))
        for keyword in node.keywords:
            found.append(self.passed_value(keyword.arg or "**", keywords.get(keyword.arg), keyword.value))
        return tuple(found)

    def passed_value(self, key: str, value: _Value | None, argument: ast.expr | None = None) -> PassedArgument:
        if isinstance(value, _Statement):
            return PassedArgument(key, statement=value.source())
        if isinstance(value, _Options):
            return PassedArgument(key, loaders=tuple(sorted(value.loaders, key=repr)), loaders_known=value.known)
        model = self.passed_class(argument)
        if model:
            return PassedArgument(key, model=model)
        forwards = self.model_parameter(argument) if argument is not None else ""
        return PassedArgument(key, forwards=forwards) if forwards else PassedArgument(key)

    def passed_class(self, argument: ast.expr | None) -> str:
        """A dotted name that may be a model class (`Order`, `models.Order`), qualified; no local
        or parameter of this function (the index resolves the rest and keeps models only)."""
        if argument is None or dotted_parts(argument) is None:
            return ""
        root: ast.expr = argument
        while type(root) is ast.Attribute:
            root = root.value
        if type(root) is ast.Name and (root.id in self.parameters or root.id in self.rebound):
            return ""
        return qualify(argument, self.resolver.table) or ""

    @staticmethod
    def new_of_class(node: ast.Call, origin: StatementOrigin) -> _Object:
        """A new object of the class `origin` names where the call runs (`orm_class(**data)`)."""
        loaded = frozenset(kw.arg for kw in node.keywords if kw.arg)
        if node.args or any(kw.arg is None for kw in node.keywords):
            loaded |= {UNKNOWN_ARGUMENTS}  # (`orm_class(**data)`: any column may be given)
        return _Object(ObjectSource(SourceKind.NEW, node.lineno, statement=origin), loaded=loaded, persistent=False)

    def kept_class(self, node: ast.Call) -> str:
        """`model` of `self.model(...)` or `self.model.model_validate(...)` in a method whose class
        keeps `self.model` (set before in its body): a class its construction may be handed. Called
        without arguments it is no such (`self.session_factory()` makes a session)."""
        func = node.func
        if type(func) is ast.Attribute and func.attr == _VALIDATE and type(func.value) is ast.Attribute:
            func = func.value
        elif not (node.args or node.keywords):
            return ""
        if (
            self.owner is not None
            and type(func) is ast.Attribute
            and type(func.value) is ast.Name
            and func.value.id == "self"
            and "self" not in self.rebound
            and func.attr in self.kept_attributes
        ):
            return func.attr
        return ""

    def is_own_class(self, node: ast.expr) -> bool:
        """`cls` of a classmethod, never bound again: the class the call names."""
        return type(node) is ast.Name and node.id == "cls" and "cls" in self.parameters and "cls" not in self.rebound

    def model_parameter(self, node: ast.expr) -> str:
        """`model` when `node` is a parameter of this function never bound again (`select(model)`
        in a helper that selects the class its caller passes); `cls` and `self` are no such.
        (`session.get(model, ...)` is left out: a project's own `get(session, ...)` looks alike.)"""
        if (
            type(node) is ast.Name
            and node.id in self.parameters
            and node.id not in self.rebound
            and node.id != "cls"
            and node.id not in _OWN_RECEIVERS
        ):
            return node.id
        return ""

    def library_name(self, func: ast.expr, env: _Env) -> str | None:
        """`sa.select`, `orm.selectinload`: a SQLAlchemy/SQLModel function reached through a module
        alias, which the statement and loader handling reads like a bare `select`."""
        if type(func) is not ast.Attribute or dotted_parts(func) is None:
            return None
        root: ast.expr = func
        while type(root) is ast.Attribute:
            root = root.value
        if type(root) is ast.Name and root.id in env:
            return None
        qualname = qualify(func, self.resolver.table)
        if qualname is None or not qualname.startswith(_LOADER_MODULES):
            return None
        leaf = qualname.rsplit(".", 1)[-1]
        if leaf == _SELECT or leaf in _DML or leaf in LOADER_STRATEGIES or leaf in _NEUTRAL_OR_LOAD:
            return qualname
        return None

    def module_class(self, func: ast.expr, env: _Env) -> str | None:
        """`models.Order(...)`: a class reached through the module an import bound, called as a
        bare `Order(...)` is (a new object, of a model when the class is one)."""
        if type(func) is not ast.Attribute or type(func.value) is not ast.Name or not func.attr[:1].isupper():
            return None
        head = func.value.id
        if not head[:1].islower() or head in env or head in self.rebound or head in _OWN_RECEIVERS:
            return None
        return qualify(func, self.resolver.table)

    def _options_parameter(self, node: ast.Call) -> str | None:
        """The parameter a `get()` takes its `options=` from, as the caller passed it."""
        given = next((keyword.value for keyword in node.keywords if keyword.arg == "options"), None)
        return self.parameter(given) if given is not None else None

    def get_by_model_attribute(
        self, node: ast.Call, model_node: ast.expr, options: _Options, session: ValueRef, held: str | None = None
    ) -> _Object | None:
        """`await self.session.get(self.model, ident)` in a generic repository: the object of the
        model the receiver's class names, loaded as `select(self.model)` with the `options=`;
        `await session.get(cls, ident)` in a classmethod of an active-record base: the class the
        call names, as `select(cls)`."""
        if self.owner is None:
            return None
        if (
            type(model_node) is ast.Attribute
            and type(model_node.value) is ast.Name
            and model_node.value.id in _OWN_RECEIVERS
        ):
            attribute = model_node.attr
        elif self.is_own_class(model_node):
            attribute = THE_CLASS
        else:
            return None
        origin = StatementOrigin(owner=self.owner, model_attribute=attribute)
        statement = _Statement(
            "",
            _SELECT_QUALNAME,
            node.lineno,
            options.loaders,
            options.known,
            maybe=options.maybe,
            origin=origin,
            loader_parameters=(held,) if held is not None else (),
        )
        return _Object(statement.source(session))

    def new_statement(self, node: ast.Call, qualname: str, leaf: str) -> _Statement | None:
        """`select(Order)`, `select(Order, Customer)`, `update(Order)` (objects only with `returning`)."""
        if node.keywords or not node.args:
            return None
        if (
            len(node.args) == 1
            and type(node.args[0]) is ast.Attribute
            and type(node.args[0].value) is ast.Name
            and node.args[0].value.id in _OWN_RECEIVERS
            and self.owner is not None
        ):
            # `select(self.model)` in a generic repository: the receiver's class names the model.
            origin = StatementOrigin(owner=self.owner, model_attribute=node.args[0].attr)
            return _Statement("", qualname, node.lineno, frozenset(), True, objects=leaf not in _DML, origin=origin)
        if len(node.args) == 1 and self.is_own_class(node.args[0]) and self.owner is not None:
            # `select(cls)` in a classmethod of an active-record base: the class the call names.
            origin = StatementOrigin(owner=self.owner, model_attribute=THE_CLASS)
            return _Statement("", qualname, node.lineno, frozenset(), True, objects=leaf not in _DML, origin=origin)
        parameter = self.model_parameter(node.args[0]) if len(node.args) == 1 else ""
        if parameter:
            # `select(orm_class)` in a generic helper: the class its caller passes.
            origin = StatementOrigin(model_parameter=parameter)
            return _Statement("", qualname, node.lineno, frozenset(), True, objects=leaf not in _DML, origin=origin)
        first = qualify(node.args[0], self.resolver.table) if dotted_parts(node.args[0]) is not None else None
        if first is None:
            return None
        further = self.row_positions(node.args[1:])
        if leaf in _DML:
            if "" in further:
                return None
            return _Statement(first, qualname, node.lineno, frozenset(), True, objects=False)
        return _Statement(first, qualname, node.lineno, frozenset(), True, entities=further)

    def row_positions(self, columns: Sequence[ast.expr]) -> tuple[str, ...]:
        """What each further column of a select puts in its rows: the model or column a dotted
        name qualifies to, "" for any other expression (`creator.id.label("by")`,
        `func.count()`), which holds no object but keeps the positions after it."""
        return tuple(
            (qualify(column, self.resolver.table) if dotted_parts(column) is not None else None) or ""
            for column in columns
        )

    # -- objects handed to callees -------------------------------------------------------

    def hand_over_arguments(
        self,
        node: ast.Call,
        args: list[_Value | None],
        keywords: dict[str | None, _Value | None],
        env: _Env,
        awaited: bool = False,
    ) -> None:
        """Objects passed to a call: a project function, a method, a schema's `model_validate`
        (`awaited`: the call is awaited where it is made, so what it loads is loaded after it)."""
        if not any(value.__class__ is _Object for value in args) and not any(
            value.__class__ is _Object for value in keywords.values()
        ):
            return  # the common case: no object handed, nothing to record
        deferred = _deferred_function(node, self.resolver.table)
        skipped = 1 if deferred is not None else 0
        handed = [
            (str(position - skipped), value, arg)
            for position, (value, arg) in enumerate(zip(args, node.args, strict=True))
            if position >= skipped
        ]
        handed.extend((kw.arg, keywords.get(kw.arg), kw.value) for kw in node.keywords if kw.arg)
        if not any(isinstance(value, _Object) for _, value, _ in handed):
            return
        if deferred is not None:
            # `background_tasks.add_task(notify, user)`: `notify(user)` runs after the response.
            callee = tuple(origin.then(CALL) for origin in self.resolver.origins_of(deferred))
        else:
            callee = self.callee_origins(node)
        if not callee:
            return
        # An ORM object is never None: a callee's `if override is None:` branch is not taken.
        flags = known_arguments(node, {argument for argument, value, _ in handed if isinstance(value, _Object)})
        for argument, value, expression in handed:
            if not (isinstance(value, _Object) and value.stage in (None, "list", "scalars")):
                continue
            if deferred is not None:
                # The function runs once the response is sent: it finds the object as the path
                # that returns leaves it (a later commit expires it).
                key = f"{_DEFERRED}{node.lineno}:{node.col_offset}:{argument}"
                self.deferrals[key] = _Deferral(
                    node, expression, callee, expression_text(node.func) or "", argument, flags
                )
                env[key] = value
            else:
                self.hand_over(
                    node,
                    expression,
                    value,
                    callee,
                    expression_text(node.func) or "",
                    argument,
                    env,
                    flags=flags,
                )
                if awaited and type(expression) is ast.Name and value.stage is None and env.get(expression.id) is value:
                    # What the callee surely loads on it is loaded from here (the index tells); a
                    # coroutine not awaited here (a task, one awaited later) has not run yet.
                    mark = handed_to(node.lineno, node.col_offset, argument)
                    env[expression.id] = replace(value, loaded=value.loaded | {mark})

    def callee_origins(self, node: ast.Call) -> tuple[Origin, ...]:
        """What a call runs; `TypeAdapter(Schema).validate_python(obj)` validates with `Schema`."""
        func = node.func
        if (
            type(func) is ast.Attribute
            and func.attr in ("validate_python", "validate_json")
            and type(func.value) is ast.Call
            and func.value.args
            and (qualify(func.value.func, self.resolver.table) or "").rsplit(".", 1)[-1] == "TypeAdapter"
        ):
            validate = Step(StepKind.METHOD, "model_validate")
            return tuple(origin.then(validate) for origin in self.resolver.origins_of(func.value.args[0]))
        if type(func) is ast.Name and func.id in _BUILTINS:
            return ()
        return self.callee(node)

    def formatted(
        self, node: ast.Call | ast.FormattedValue, expression: ast.expr, value: _Value | None, method: str, env: _Env
    ) -> None:
        """`f"{order}"`, `str(order)`, `repr(order)`, `print(order)`: formatting an object runs
        its model's `__str__` (or `__repr__`), whose reads of it are the index's to tell."""
        if isinstance(value, _Object) and value.stage is None:
            self.hand_over(node, expression, value, (), method, "self", env, method=method)

    def hand_over(
        self,
        node: ast.Call | ast.Return | ast.FormattedValue,
        expression: ast.expr,
        value: _Object,
        callee: tuple[Origin, ...],
        callee_text: str,
        argument: str,
        env: _Env,
        method: str | None = None,
        flags: tuple[KnownArgument, ...] = (),
        after_response: bool = False,
    ) -> None:
        """Records `value` handed to `callee` at `node`. Seen again (a loop's second pass, or,
        `after_response`, each path that returns after a deferred call), what is loaded is what
        every visit loaded; `after_response`, what any such path expired is expired."""
        if len(self.handovers) >= _MAX_ACCESSES or _is_candidate(value):
            return
        target = expression_text(expression) or ast.unparse(expression)
        key = (node.lineno, node.col_offset, target, argument)
        handover = Handover(
            target=target,
            line=node.lineno,
            col=node.col_offset,
            callee=callee,
            callee_text=callee_text,
            argument=argument,
            source=self.with_given_loaders(value.source),
            path=value.path,
            loaded=tuple(sorted(name for name in value.loaded if "." not in name)),
            persistent=value.persistent,
            expired_by=_in_expiry_order(value.expired),
            autoflushed=value.autoflushed,
            is_collection=value.stage is not None,
            method=method,
            flags=flags,
            after_response=after_response,
            reselects=value.reselects,
        )
        seen = self.handovers.get(key)
        if seen is not None and seen != handover:
            handover = replace(
                handover,
                loaded=tuple(sorted(set(seen.loaded) & set(handover.loaded))),
                reselects=tuple(r for r in seen.reselects if r in handover.reselects),
                persistent=seen.persistent or handover.persistent,
                autoflushed=_seen_autoflushed(seen, handover),
                expired_by=_in_expiry_order({*seen.expired_by, *handover.expired_by})
                if after_response
                else handover.expired_by,
            )
        self.handovers[key] = handover

    def expire_through(
        self,
        node: ast.Call,
        env: _Env,
        method: tuple[Origin, ...] = (),
        built: _Object | None = None,
        receiver: _Object | None = None,
    ) -> None:
        """A call that hands over the session of objects in `env` may commit or roll it back:
        the objects carry the call as a possible expiry, which the callee's summary decides
        (`method`: what a call of an ORM object's method runs, from the object's model; `built`:
        the object a method is called on, when the call's receiver builds it in place)."""
        func = node.func
        on_self = type(func) is ast.Attribute and type(func.value) is ast.Name and func.value.id == "self"
        wrapper = self.wrapper(node, env, built)
        if not node.args and not node.keywords and not on_self and not wrapper:
            return  # hands over nothing
        handed = {expression_text(arg) for arg in node.args} | {expression_text(k.value) for k in node.keywords}
        for session in [name for name in self.provided if name in handed]:
            # A provided session handed over: the callee may end the transaction of the
            # request's other provided objects too (its summary decides).
            self.inject(session, env)
        if self.received:
            self.expire_received_through(node, env, on_self)
        self.hand_new_objects(node, env, wrapper)
        sessions = {value.session_text for value in env.values() if isinstance(value, _Object) and value.session_text}
        if not sessions:
            return
        passed: list[tuple[str, str]] = [
            (text, key) for key, arg in _call_arguments(node) if (text := expression_text(arg)) in sessions
        ]
        if on_self:
            # `await self.save(order)` on an object that keeps its session on `self`.
            passed.extend((text, "self." + text.split(".", 1)[1]) for text in sessions if text.startswith("self."))
        # `await svc.fetch(feed)` on `svc = Service(session)`: the method ends the transaction of
        # what the object keeps from its constructor's argument (`self@<key>`), the index says where.
        passed.extend((ref.text, WRAPPED + key) for key, ref in wrapper if ref.text in sessions)
        if not passed:
            return
        callee = method or self.callee(node)
        if not callee:
            return
        called_on = expression_text(func.value) if type(func) is ast.Attribute else None
        self.handed_at.setdefault(node.lineno, set()).update(text for text in (*handed, called_on) if text)
        flags = known_arguments(node)
        fresh = self._fresh_calls.get(id(node))
        if built is not None and type(func) is ast.Attribute and type(func.value) is ast.Call:
            fresh = built.fresh  # `Service(session).delete(order)`: what `__init__` left
        if fresh is not None and wrapper:
            flags = (*flags, KnownArgument(fresh))  # the object's state is what `__init__` left
        # (An object whose model the function does not name: the index resolves it from here.)
        unnamed = receiver if receiver is not None and not receiver.source.model else None
        for session, argument in passed:
            expiry = Expiry(
                session,
                "call",
                node.lineno,
                callee,
                argument,
                in_loop=bool(self.loops),
                flags=flags,
                receiver=unnamed.source if unnamed is not None else None,
                receiver_path=unnamed.path if unnamed is not None else (),
            )
            settling = replace(expiry, settles=True)
            for name, value in list(env.items()):
                if not isinstance(value, _Object) or value.session_text != session:
                    continue
                if value.source.kind is SourceKind.NEW and value.pending_in == session:
                    # Added in this transaction: the callee's commit makes it persistent and
                    # expires it; its rollback expunges it, its attributes intact.
                    env[name] = value.expired_also(settling)
                elif value.persistent:
                    env[name] = value.expired_also(expiry)

    def hand_new_objects(self, node: ast.Call, env: _Env, wrapper: tuple[tuple[str, ValueRef], ...]) -> None:
        """New objects in no session yet, handed to a call with what may be a session (`await
        save(session, user)`, `await repo.save(user)` on `repo = Repository(session)`): the
        callee may add them to it and commit. Each carries the call as an expiry per such
        session, which the index keeps only when the callee adds the object to that session
        (`session.add(obj)`) and then commits. (`async with SessionLocal() as s` binds what reads
        like a new object too: which argument is the session, the callee's `add` tells.)"""
        arguments = _call_arguments(node)
        handed = [(key, arg.id) for key, arg in arguments if type(arg) is ast.Name and _is_unadded(env, arg)]
        # (Built in the call, `await save(s, User(name=n))`: what it is, `handed_objects` tells.)
        built = [key for key, arg in arguments if type(arg) is ast.Call and _constructs(arg)]
        if not handed and not built:
            return
        sessions: list[tuple[str, str, ValueRef]] = []
        for key, handed_as in arguments:
            if type(handed_as) is not ast.Name and type(handed_as) is not ast.Attribute:
                continue
            text = expression_text(handed_as)
            # (A parameter annotated with a name the index resolves, `session: SessionDep`, reads
            # like a received object here: it may be the session too.)
            if text is None or not (_is_candidate(env.get(text)) or _is_injected(env.get(text))):
                continue
            ref = self.resolver.value_ref(handed_as)
            if ref is not None and (text in self.session_receivers or _may_be_session(ref)):
                sessions.append((text, key, ref))
        sessions.extend(("", WRAPPED + key, ref) for key, ref in wrapper if _may_be_session(ref))
        callee = self.callee(node) if sessions and len(sessions) <= _MAX_HANDED_SESSIONS else ()
        if not callee:
            return
        flags = known_arguments(node)

        def adding(key: str, name: str | None) -> Iterator[Expiry]:
            for text, argument, ref in sessions:
                if text != name:
                    yield Expiry(
                        ref.text,
                        "call",
                        node.lineno,
                        callee,
                        argument,
                        in_loop=bool(self.loops),
                        flags=flags,
                        settles=True,
                        adds=key,
                        tied=ref,
                    )

        for key, name in handed:
            value = env[name]
            assert isinstance(value, _Object)
            for expiry in adding(key, name):
                value = value.expired_also(expiry)
            env[name] = value
        for key in built:
            self._built_handed[id(node), key] = tuple(adding(key, None))

    def touch_fresh(self, node: ast.Call, env: _Env) -> None:
        """A call of a method of a fresh object (`uow.commit()`) finds the state `__init__` left
        (the mark is kept for `expire_through`); after it, or once the object is handed to any
        call, what its state is is unknown (every name bound to it)."""
        func = node.func
        touched: list[_Object] = []
        if type(func) is ast.Attribute and type(func.value) is ast.Name:
            receiver = env.get(func.value.id)
            if isinstance(receiver, _Object) and receiver.fresh is not None:
                self._fresh_calls[id(node)] = receiver.fresh
                touched.append(receiver)
        for _, argument in _call_arguments(node):
            value = env.get(argument.id) if type(argument) is ast.Name else None
            if isinstance(value, _Object) and value.fresh is not None:
                touched.append(value)
        for name, value in list(env.items()):
            if (
                isinstance(value, _Object)
                and value.fresh is not None
                and any(value.source == t.source for t in touched)
            ):
                env[name] = replace(value, fresh=None)

    def wrapped(self, node: ast.Call) -> tuple[tuple[str, ValueRef], ...]:
        """The names a `Name(...)` call hands over, each with where it lands (a position or a keyword)."""
        found: list[tuple[str, ValueRef]] = []
        for key, argument in _call_arguments(node):
            if isinstance(argument, (ast.Name, ast.Attribute)):
                ref = self.resolver.value_ref(argument)
                if ref is not None:
                    found.append((key, ValueRef(ref.text, ref.origins)))
        return tuple(found)

    @staticmethod
    def wrapper(
        node: ast.Call, env: _Env, built: _Object | None = None, members: bool = False
    ) -> tuple[tuple[str, ValueRef], ...]:
        """What the object a method is called on was built over (`svc.fetch()` on `svc = Service(s)`,
        `Service(s).fetch()` with `built` the object its receiver builds); with `members`, also
        of one reached through an attribute of it (`repo.subscriptions.recurrent()` on `repo =
        RequestsRepo(s)`, whose property builds `SubscriptionRepo(self.session)`)."""
        func = node.func
        if type(func) is not ast.Attribute:
            return ()
        receiver: _Value | None
        if type(func.value) is ast.Name:
            receiver = env.get(func.value.id)
        elif members and type(func.value) is ast.Attribute and type(func.value.value) is ast.Name:
            receiver = env.get(func.value.value.id)
        elif type(func.value) is ast.Call:
            receiver = built
        else:
            return ()
        return receiver.wraps if isinstance(receiver, _Object) and _is_candidate(receiver) else ()

    def expire_received_through(self, node: ast.Call, env: _Env, on_self: bool) -> None:
        """A call handed what may be a session: the received objects carry it as a possible
        expiry, which the index keeps when the argument is their session and the callee's
        summary commits or rolls it back."""
        passed: list[tuple[str, str, ValueRef]] = []
        # What a received object holds is no session (`user.id`); what `self` holds may be one
        # (`self.session` of a service, whose `self` is received in case its class is a model).
        holders = self.received.keys() - {"self"}
        for key, expression in _call_arguments(node):
            if type(expression) is not ast.Name and type(expression) is not ast.Attribute:
                continue
            text = expression_text(expression)
            if text is None or not _is_candidate(env.get(text)) or text.split(".", 1)[0] in holders:
                continue  # (an object, a statement, loader options: no session either)
            ref = self.resolver.value_ref(expression)
            if ref is not None and _may_be_session(ref):
                passed.append((text, key, ref))
        if on_self:
            passed.extend(
                (text, "self." + text.split(".", 1)[1], ref)
                for text, ref in self.session_refs.items()
                if text.startswith("self.")
            )
        if not passed:
            return
        callee = self.callee(node)
        if not callee:
            return
        self.receive(env)
        flags = known_arguments(node)
        for session, key, ref in passed:
            self.session_refs.setdefault(session, ref)
            expiry = Expiry(session, "call", node.lineno, callee, key, in_loop=bool(self.loops), flags=flags)
            for name, value in list(env.items()):
                if (
                    isinstance(value, _Object)
                    and value.source.kind is SourceKind.RECEIVED
                    and value.stage is None
                    and self.held_by(value, session)
                ):
                    env[name] = value.expired_also(expiry)

    def initialise_collection(self, collection: ast.expr, env: _Env) -> None:
        """`order.items.append(item)` on a new object sets up the collection: no SQL after the flush.

        A plain read of a new object's collection does not (verified: it loads after the flush).
        """
        if not (type(collection) is ast.Attribute and type(collection.value) is ast.Name):
            return
        owner = env.get(collection.value.id)
        if isinstance(owner, _Object) and owner.source.kind is SourceKind.NEW and not owner.persistent:
            env[collection.value.id] = replace(owner, loaded=owner.loaded | {collection.attr})

    def is_session_call(self, func: ast.Attribute, env: _Env) -> bool:
        base = func.value
        if type(base) is ast.Name and not _is_candidate(env.get(base.id)) and not _is_injected(env.get(base.id)):
            return False
        return func.attr in _SESSION_METHODS and expression_text(base) is not None

    def project_call(
        self,
        node: ast.Call,
        env: _Env,
        args: list[_Value | None] | None = None,
        keywords: dict[str | None, _Value | None] | None = None,
    ) -> _Value | None:
        origins = self.callee(node)
        if not origins or next_item_of(node, self.resolver.table) is not None:
            # (`await anext(get_db())` is what the generator yields: a session, as far as the
            # facts go, not an object the function returns.)
            return None
        # The session the objects come from: an argument the function awaits session methods
        # on, whatever it was bound to (`async with Factory() as session` binds a call's result,
        # as `order = await load(...)` does); else the first argument with evidence that is no
        # object this function holds (an ORM object passed along is not the session).
        # (`async with SessionLocal() as db` binds what reads like a new object of a class named
        # `SessionLocal`: such a candidate is taken when no other argument will do.)
        session: ValueRef | None = None
        candidate: ValueRef | None = None
        class_like: ValueRef | None = None
        for argument in (*node.args, *(kw.value for kw in node.keywords)):
            if not isinstance(argument, (ast.Name, ast.Attribute)):
                continue
            bound = env.get(argument.id) if type(argument) is ast.Name else None
            # (`async with AsyncSession(engine) as session` binds a session of the library's.)
            used_as_session = expression_text(argument) in self.session_receivers or _is_library_session(bound)
            held = bound is not None and not _is_candidate(bound)
            if not used_as_session and (session is not None or held):
                continue
            ref = self.resolver.value_ref(argument)
            if ref is None or not ref.origins:
                continue
            if used_as_session:
                session = ref
                break
            if bound is None and not _names_a_class(argument):
                session = ref
            elif bound is None:
                # `create(session, Order, data)`: a class passed (a model for a generic helper)
                # is the session only when nothing else can be.
                class_like = class_like or ref
            elif candidate is None:
                candidate = ref
        session = session or candidate or class_like
        if session is None:
            # `await svc.get_active()` on `svc = Service(session)`: its objects are that session's.
            wrapped = [ref for _, ref in self.wrapper(node, env, members=True) if ref.origins]
            used = [ref for ref in wrapped if ref.text in self.session_receivers]
            session = next(iter(used or wrapped), None)
        # Recorded whenever a statement or loader options are passed, or anything may be: a
        # callee's `options` parameter that the call fills with something unknown is no default.
        passed = self.passed(node, args, keywords or {}) if args is not None and (node.args or node.keywords) else ()
        handed = self.handed_objects(node, env, args, keywords) if args is not None else ()
        if session is None and handed:
            # `order = await repo.update(order)`: what it gives back is in the session of what it
            # was handed (the same object, when its summary says it returns it).
            session = handed[0].source.session
        source = ObjectSource(
            SourceKind.CALL,
            node.lineno,
            session=session,
            callee=origins,
            callee_text=expression_text(node.func) or ast.unparse(node.func),
            receiver_built=self.receiver_built(node.func, env),
            passed=passed,
            handed=handed,
            flags=self.call_flags(node),
            keywords=tuple(keyword.arg for keyword in node.keywords if keyword.arg is not None),
        )
        # As the callee left it: expired if it committed its session after loading the object
        # (its summary says); a `refresh()` here clears that as it clears a commit of this function.
        # (No session here: the callee's own, `async with factory() as s`, which its summary names.)
        returned = Expiry(session.text if session is not None else "", RETURNED_EXPIRED, node.lineno, callee=origins)
        return _Object(source, expired=frozenset({returned}))

    @staticmethod
    def receiver_built(func: ast.expr, env: _Env) -> int:
        """The line where the receiver of a method call was built in this function: a local bound
        to a new object of a class (`repo = Repo(Order)`), or one built in place; 0 otherwise."""
        if type(func) is not ast.Attribute:
            return 0
        if type(func.value) is ast.Call:
            return func.value.lineno
        receiver = env.get(func.value.id) if type(func.value) is ast.Name else None
        if isinstance(receiver, _Object) and receiver.source.kind is SourceKind.NEW and receiver.stage is None:
            return receiver.source.line
        return 0

    def call_flags(self, node: ast.Call) -> tuple[KnownArgument, ...]:
        """What the call's arguments are known to be (`with_items=False`, a parameter handed on),
        for a callee that loads under a test on its parameters."""
        if not (node.args or node.keywords):
            return ()
        return known_arguments(node, is_parameter=lambda name: self.parameter(name) is not None)

    def handed_objects(
        self,
        node: ast.Call,
        env: _Env,
        args: list[_Value | None],
        keywords: dict[str | None, _Value | None] | None,
    ) -> tuple[HandedObject, ...]:
        """The ORM objects a project call is handed, as they are once it runs (a name as the
        call's own commit left it): the call's result is one of them when the callee returns
        what it was handed (`order = await repo.update(order)`)."""
        handed: list[tuple[str, ast.expr, _Value | None]] = [
            (str(position), argument, value)
            for position, (argument, value) in enumerate(zip(node.args, args, strict=True))
        ]
        if keywords:
            handed.extend((kw.arg, kw.value, keywords.get(kw.arg)) for kw in node.keywords if kw.arg)
        found: list[HandedObject] = []
        for argument, expression, value in handed:
            if value.__class__ is not _Object:
                continue
            if type(expression) is ast.Name and env.get(expression.id).__class__ is _Object:
                value = env[expression.id]
            assert isinstance(value, _Object)
            if type(expression) is ast.Call and _is_unadded_object(value):
                # `await save(s, User(name=n))`: built here, handed to a callee that may add it.
                for expiry in self._built_handed.get((id(node), argument), ()):
                    value = value.expired_also(expiry)
            # A list of objects a query returned is handed as one (`self._page(pods, total)`).
            listed = value.stage in ("scalars", "list") and not value.path and not value.row
            if (
                (value.stage is None or listed)
                and ((value.persistent and not _is_candidate(value)) or _maybe_added(value))
                and value.source.kind is not SourceKind.RECEIVED
            ):
                found.append(
                    HandedObject(
                        argument,
                        self.with_given_loaders(value.source),
                        value.path,
                        tuple(sorted(name for name in value.loaded if "." not in name)),
                        value.persistent,
                        _in_expiry_order(value.expired),
                        listed,
                    )
                )
        return tuple(found)

    # -- statements and loaders ------------------------------------------------------

    def statement_method(
        self, statement: _Statement, method: str, node: ast.Call, args: list[_Value | None]
    ) -> _Value | None:
        if method not in STATEMENT_METHODS:
            return None
        statement = replace(statement, called=False) if statement.called else statement
        if method == "add_columns":
            # `select(Episode).add_columns(func.count().over())`: the same rows, each now a Row
            # whose first position is the entity (`row[0]`, `for episode, total in rows`).
            return replace(statement, entities=(*statement.entities, *self.row_positions(node.args)))
        if method not in _SAME_ROWS:
            statement = self.narrowed(statement, method, node)
        if method == "returning":
            # `update(Order).returning(Order)` gives Order objects; `returning(Order.id)` gives rows.
            first = node.args[0] if len(node.args) == 1 else None
            model = qualify(first, self.resolver.table) if first is not None and dotted_parts(first) else None
            return replace(statement, model=model, objects=True) if model else replace(statement, objects=False)
        if method != "options":
            return statement
        # `.options(*options)` of a parameter, or `.options(opt)` of each item of one (`for opt in
        # options:`): the index takes what each caller passes.
        parameters = [self.parameter(argument) or self.parameter_item(argument) for argument in node.args]
        options = self.options_of([value for value, name in zip(args, parameters, strict=True) if name is None], node)
        origin = statement.origin
        if any(parameters):
            origin = replace(
                origin or _BARE,
                option_parameters=tuple(sorted({*(origin or _BARE).option_parameters, *filter(None, parameters)})),
            )
        return replace(
            statement,
            loaders=statement.loaders | options.loaders,
            known=statement.known and options.known,
            maybe=statement.maybe | options.maybe,
            given=statement.given | options.given,
            needs=combined_needs((statement, options)) if statement.needs or options.needs else NO_NEEDS,
            origin=origin,
        )

    def options_of(self, values: list[_Value | None], node: ast.Call | None = None) -> _Options:
        loaders: set[LoaderPath] = set()
        maybe: set[LoaderPath] = set()
        given: set[tuple[LoaderPath, Condition]] = set()
        known = True
        guarded = False
        for value in values:
            if isinstance(value, _Options):
                loaders |= value.loaders
                maybe |= value.maybe
                given |= value.given
                known = known and value.known
                guarded = guarded or bool(value.needs)
            else:
                known = False
        needs = combined_needs(value for value in values if isinstance(value, _Options)) if guarded else NO_NEEDS
        return _Options(frozenset(loaders), known, frozenset(maybe), needs=needs, given=frozenset(given))

    def loader_option(self, leaf: str, node: ast.Call) -> _Options:
        if leaf == "Load":
            root = LoaderPath(())
            return _Options(frozenset({root}), True, tip=root)
        if leaf in NEUTRAL_OPTIONS and leaf not in LOADER_STRATEGIES:
            return _Options(frozenset(), True)
        steps: list[LoaderStep] = []
        for argument in node.args:
            attribute = self.loader_attribute(argument)
            if attribute is None:
                return _Options(frozenset(), False)
            steps.append(LoaderStep(attribute, LoaderStrategy.DEFAULT))
        if not steps:
            return _Options(frozenset(), False)
        steps[-1] = LoaderStep(steps[-1].attribute, _strategy_of(leaf, node))
        path = LoaderPath(tuple(steps))
        levels = _recursion_levels(leaf, node)
        if levels > 1:
            # `selectinload(Node.children, recursion_depth=2)`: the same relationship loaded again
            # on what it loaded, that many levels more; a chain goes on from the first level.
            deeper = LoaderPath((*steps, *(steps[-1],) * (levels - 1)))
            return _Options(frozenset({path, deeper}), True, tip=path)
        return _Options(frozenset({path}), True, tip=path)

    def loader_attribute(self, node: ast.expr) -> str | None:
        if type(node) is ast.Constant and isinstance(node.value, str):
            return node.value.rsplit(".", 1)[-1] if node.value != "*" else "*"
        # `Order.items.of_type(X)` and `Order.items.and_(...)` load `Order.items`.
        if type(node) is ast.Call and type(node.func) is ast.Attribute and node.func.attr in ("of_type", "and_"):
            return self.loader_attribute(node.func.value)
        if dotted_parts(node) is None:
            return None
        return qualify(node, self.resolver.table) or expression_text(node)

    def grown(self, options: _Options, method: str, args: list[_Value | None]) -> _Value:
        added = args[-1:] if method == "insert" else args
        if not options.loaders and options.known and len(added) == 1 and isinstance(added[0], _Object):
            # `found = []` then `found.append(order)`: a list of the objects.
            item = added[0]
            if method == "append" and item.stage is None:
                return replace(item, stage="list")
            if method == "extend" and item.stage in ("list", "scalars"):
                return replace(item, stage="list")
            if method == "extend" and item.stage is None and item.source.kind is SourceKind.CALL and not item.path:
                # `found.extend(await repo.by_league(i))`: the objects of the list the call returned.
                return replace(item, stage="list", path=("[]",), loaded=frozenset())
        if method in ("append", "insert", "extend") and len(added) == 1 and isinstance(added[0], _Options):
            grown = added[0]
            return _Options(
                options.loaders | grown.loaders,
                options.known and grown.known,
                options.maybe | grown.maybe,
                needs=combined_needs((options, grown)) if options.needs or grown.needs else NO_NEEDS,
                given=options.given | grown.given,
            )
        return _Options(options.loaders, False)

    def chained_loader(self, options: _Options, method: str, node: ast.Call, args: list[_Value | None]) -> _Options:
        # A chain goes on from its deepest path: `selectinload(A.b).selectinload(B.c)` holds
        # `A.b` and `A.b -> B.c`, and a third `.selectinload(C.d)` goes on from the second.
        if options.tip is not None and options.tip in options.loaders:
            base = options.tip
        else:
            deepest = max((len(path.steps) for path in options.loaders), default=-1)
            tips = [path for path in options.loaders if len(path.steps) == deepest]
            if len(tips) != 1:
                return _Options(options.loaders, False)
            (base,) = tips
        if method == "options":
            children = self.options_of(args, node)
            extended = {LoaderPath(base.steps + child.steps) for child in children.loaders}
            return _Options(frozenset({*options.loaders, *extended}), options.known and children.known, tip=base)
        if method in LOADER_STRATEGIES or method in NEUTRAL_OPTIONS:
            child = self.loader_option(method, node)
            if not child.known:
                return _Options(options.loaders, False)
            extended = {LoaderPath(base.steps + path.steps) for path in child.loaders}
            tip = LoaderPath(base.steps + child.tip.steps) if child.tip is not None else None
            return _Options(frozenset({*options.loaders, *extended}), options.known, tip=tip)
        return _Options(options.loaders, False)

    # -- sessions --------------------------------------------------------------------

    def session_method(
        self,
        node: ast.Call,
        func: ast.Attribute,
        args: list[_Value | None],
        keywords: dict[str | None, _Value | None],
        env: _Env,
        awaited: bool,
    ) -> _Value | None:
        ref = self.resolver.value_ref(func.value)
        if ref is None or not ref.origins:
            return None
        if self.received:
            self.session_refs.setdefault(ref.text, ref)
        method = func.attr
        if (
            awaited
            and method in _AUTOFLUSHING
            and ref.text not in self.no_autoflush
            and not self.held_get(method, node, ref, env)
        ):
            self.autoflush(ref.text, node.lineno, env)
        if method in ("get", "get_one") and awaited and node.args:
            model_node = node.args[0]
            model = qualify(model_node, self.resolver.table) if dotted_parts(model_node) is not None else None
            option_value = keywords.get("options")
            options = (
                option_value if isinstance(option_value, _Options) else _Options(frozenset(), "options" not in keywords)
            )
            held = self._options_parameter(node) if not options.known else None
            if model is None:
                return self.get_by_model_attribute(node, model_node, options, ref, held)
            source = ObjectSource(
                SourceKind.GET,
                node.lineno,
                model=model,
                session=ref,
                loaders=tuple(sorted(options.loaders, key=repr)),
                loaders_known=options.known,
                maybe_loaders=tuple(sorted(options.maybe, key=repr)),
                loader_guards=tuple(sorted(options.needs, key=repr)),
                loader_parameters=(held,) if held is not None else (),
            )
            self.requeried(ref.text, model, env)
            key = _identity_key(node.args[1]) if len(node.args) > 1 else None
            identity = ("", key) if key is not None else None
            if identity is not None:
                self.key_names.update((_root(identity[1]), _root(ref.text)))
                # (A `get()` the identity map answers runs no SQL: its `options=` load nothing
                # on the object it gives back, run-time checked.)
                self.reselect(ref.text, model, identity, env, None)
            return _Object(source, identities=(identity,) if identity is not None else ())
        if method in _SESSION_RESULT_STAGES or method == "scalar":
            statement = args[0] if args else None
            first = node.args[0] if node.args else None
            held_by = self.parameter(first) if statement is None and type(first) is ast.Name else None
            if held_by is not None:
                # `get_all(self, statement)`: runs whatever statement each caller passes.
                statement = _parameter_statement(held_by, node.lineno)
            if not isinstance(statement, _Statement) or not (awaited or method == "stream_scalars"):
                return None
            if not statement.objects:
                return None
            source = statement.source(ref)
            stage = None if method == "scalar" else _SESSION_RESULT_STAGES[method]
            # (Each row of `execute()` is a Row, also for one entity: `row[0]`, `row.User`.)
            row = (statement.model, *statement.entities) if statement.model and stage == "result" else ()
            identity = statement.identity if statement.model and not statement.entities else None
            if statement.model and awaited:
                self.requeried(ref.text, statement.model, env)
                # (`stream()` fetches no row on the await: its rows populate nothing yet.)
                if _whole_table(statement) and method not in _STREAMS:
                    self.reread(ref.text, statement.model, env)
            if identity is not None:
                self.key_names.add(_root(ref.text))
            if identity is not None and statement.exact and awaited:
                # (An asyncio session buffers the rows: the objects are populated on the await.)
                self.reselect(ref.text, statement.model, identity, env, source)
            identities = (identity,) if identity is not None else ()
            return _Object(source, stage=stage, row=row, identities=identities)
        if method in _CHANGING:
            self.dirty.add(ref.text)
        if method == "merge" and awaited and args and isinstance(args[0], _Object) and args[0].source.model:
            # The merged copy is the session's own persistent object, loaded without loaders.
            merged = ObjectSource(SourceKind.GET, node.lineno, model=args[0].source.model, session=ref)
            return _Object(merged)
        if method in ("add", "add_all") and node.args:
            names = (
                node.args[0].elts
                if method == "add_all" and isinstance(node.args[0], (ast.List, ast.Tuple))
                else [node.args[0]]
            )
            for name in names:
                if type(name) is ast.Name:
                    current = env.get(name.id)
                    if current is None and name.id not in self.rebound:
                        # `hero: Hero` of a route's body: the framework built it from the request,
                        # a new object as `Hero(**body)` is, which `add()` puts in this session.
                        current = self.request_body(name.id, node)
                    if (
                        isinstance(current, _Object)
                        and current.source.kind is SourceKind.NEW
                        and not current.persistent
                    ):
                        env[name.id] = replace(
                            current, pending_in=ref.text, source=replace(current.source, session=ref)
                        )
            return None
        if method in ("commit", "flush", "rollback") and awaited:
            if method != "rollback" and self.flushing and (ref.text in self.dirty or _SOME_SESSION in self.dirty):
                # (Only a flush that writes something can fail and roll back: a failed
                # statement or a failed COMMIT leaves the objects as they were, run-time checked.)
                self.flushing[-1].append((ref.text, method, node.lineno))
            self.dirty.discard(ref.text)
            self.dirty.discard(_SOME_SESSION)
            self.end_of_transaction(ref.text, method, node.lineno, env)
            return None
        if method == "begin_nested":
            # (Awaited, or entered by `async with`: the savepoint begins either way.)
            self.nested_sessions.add(ref.text)
            if self.received:
                self.receive(env)  # what the code changes from here, its rollback expires
            return _Savepoint(ref.text)
        if method == "expire_all" and not node.args:
            self.expires_on_purpose = True
            self.end_of_transaction(ref.text, method, node.lineno, env)
            return None
        if method == "expire" and len(node.args) == 1 and not node.keywords and type(node.args[0]) is ast.Name:
            # `session.expire(user)`: the next read of any of its attributes reloads it (a list
            # of attribute names expires only those: not judged).
            current = env.get(node.args[0].id)
            if isinstance(current, _Object) and current.stage is None and current.session_text == ref.text:
                self.expires_on_purpose = True
                expiry = Expiry(ref.text, method, node.lineno)
                self.expired_here(expiry, current.source, env)
                env[node.args[0].id] = current.expired_also(expiry)
            return None
        if method == "refresh" and awaited and node.args and type(node.args[0]) is ast.Name:
            current = env.get(node.args[0].id)
            if isinstance(current, _Object) and current.stage is None:
                attribute_names = node.args[1] if len(node.args) > 1 else None
                for keyword in node.keywords:
                    if keyword.arg == "attribute_names":
                        attribute_names = keyword.value
                if attribute_names is None and current.source.kind is SourceKind.NEW:
                    # A whole refresh runs the mapper's eager loaders on the object the code built:
                    # its `lazy="selectin"` relationships are loaded from here on.
                    env[node.args[0].id] = replace(
                        current, expired=frozenset(), loaded=current.loaded | {WHOLE_REFRESH}
                    )
                elif attribute_names is None:
                    env[node.args[0].id] = replace(current, expired=frozenset())
                elif isinstance(attribute_names, (ast.List, ast.Tuple, ast.Set)):
                    loaded = {
                        e.value for e in attribute_names.elts if type(e) is ast.Constant and isinstance(e.value, str)
                    }
                    # `refresh(job, ["status"])`: only those names read fresh from here, until the
                    # next commit or rollback expires them again (run-time checked; the primary key
                    # too only for a relationship's name, which the index tells).
                    current = _reloaded(current, loaded)
                    env[node.args[0].id] = replace(current, loaded=current.loaded | loaded)
            return None
        return None

    def reselect(
        self, session: str, model: str, identity: tuple[str, str], env: _Env, query: ObjectSource | None
    ) -> None:
        """A query of `session` that gives the row loaded as `identity` again (`session.get(M, k)`,
        `select(M).where(M.c == k)` alone): it repopulates an expired object of that row in the
        identity map. Its expiries so far are marked with the column that must be the model's
        primary key for that to hold ("" for two `get()`s, which always hold), or, when the object
        was loaded by the same column and key, `SAME_COLUMN` + the column, which may also be a
        unique one; the index tells.

        A statement (`query`, not a `get()`) gives back that very object, with its loaders run
        on it: the object carries the query (`Reselect`), so that its reads from here count what
        it loaded. An object a project call returned, handed no session (`rr = await
        Create(...).execute()`), carries it too: the index tells whether the callee's session is
        this one."""
        column, key = identity
        for name, value in list(env.items()):
            if not isinstance(value, _Object) or value.stage is not None or value.path:
                continue
            # (`where(M.id == obj.id)`: a key read off the object itself in the query names its row.)
            own_key = bool(column) and key == f"{name}.{column}"
            if not (value.identities or own_key):
                continue
            returned = value.source.kind is SourceKind.CALL
            # (The model of what a project call returned is the index's to tell.)
            if value.source.model != model and not (returned and value.source.model is None):
                continue
            handed_none = returned and value.source.session is None and value.pending_in is None
            if value.session_text != session and not handed_none:
                continue
            marks = [
                # (Loaded by the same column with the same key: a unique column will do too.)
                SAME_COLUMN + column if held and held == column else held or column
                for held, held_key in value.identities
                if held_key == key and not (held and column and held != column)
            ]
            if not marks and not own_key:
                continue
            # (Two `get()`s always hold, then the same column, which may also be unique.)
            mark = min(marks, key=lambda m: (m != "", not m.startswith(SAME_COLUMN))) if marks else column
            if value.expired and value.session_text == session and marks:
                value = _answered(value, (model, mark), lambda _: True)
            # (What a commit or rollback left expired, and this query did not answer, stays so:
            # its relationships with it. A callee's own last commit is the index's to tell.)
            if (
                query is not None
                and query.session is not None
                and all(e.reselected is not None or (returned and e.method == RETURNED_EXPIRED) for e in value.expired)
            ):
                value = replace(value, reselects=(*value.reselects, Reselect(mark, query)))
            env[name] = value

    def key_read(self, name: str, source: ast.Attribute, env: _Env) -> None:
        """`team_id = team.id` while the object is loaded (a new one once flushed): `name` holds
        the key of its row in that column until it is bound anew, and a later query of its
        session by that key gives the row again (see `reselect`; the index tells whether the
        column is the primary key, or a unique one)."""
        holder = source.value
        if type(holder) is not ast.Name or holder.id == name:
            return
        value = env.get(holder.id)
        if not (isinstance(value, _Object) and value.persistent and value.stage is None and not value.path):
            return
        session = value.session_text
        call_result = value.source.kind is SourceKind.CALL
        if session is None and not call_result:
            return
        # (A project call returns it as the callee left it, which the index tells: the key
        # names its row all the same.)
        if value.expired and not (call_result and all(e.method == RETURNED_EXPIRED for e in value.expired)):
            return
        read = (source.attr, name)
        if read not in value.identities:
            # (The key it was loaded by, if any, still names the row too.)
            env[holder.id] = replace(value, identities=(*value.identities, read))
        self.key_names.update((name, _root(session)) if session is not None else (name,))

    def requeried(self, session: str, model: str, env: _Env) -> None:
        """A query of `session` for `model` after an explicit `expire(obj)` or `expire_all()`:
        code that expires on purpose reloads, and a query that gives the row again repopulates
        the object, so those expiries of its objects of that model are taken as answered (an
        expiry by a commit or rollback is not: see `reselect`)."""
        if not self.expires_on_purpose:
            return
        for name, value in list(env.items()):
            if not (isinstance(value, _Object) and value.expired) or value.path:
                continue
            # (The model of what a project call returned is the index's to tell: any query may be it.)
            if value.source.model not in (None, model) or value.session_text != session:
                continue
            if any(e.method in EXPLICIT_EXPIRIES and e.reselected is None for e in value.expired):
                env[name] = _answered(value, (model, ""), lambda e: e.method in EXPLICIT_EXPIRIES)

    @staticmethod
    def reread(session: str, model: str, env: _Env) -> None:
        """A query of `session` that selects `model` with no criterion (`select(M)`, ordered at
        most): its rows are the table's, and an asyncio session turns every row it gives into
        its object on the await, so an expired object of that model in the session is
        repopulated, whatever expired it. A limit may skip the object's row, and a stream
        fetches nothing on the await: neither answers, nor does a query of one path only or of
        another session."""
        for name, value in list(env.items()):
            if not isinstance(value, _Object) or not value.expired or value.stage is not None or value.path:
                continue
            if value.source.model != model or value.session_text != session:
                continue
            env[name] = _answered(value, (model, ""), lambda _: True)

    def learn(self, env: _Env, truthy: frozenset[str], falsy: frozenset[str]) -> None:
        """A path on which a test (or a filling call) tells these local names truthy or falsy:
        an expiry that needs a name truthy did not happen on a path where it is falsy."""
        # (Method forms: a frozenset and a dict's keys make a `set`, which typeshed calls a frozenset.)
        truthy = (truthy & self.guards) | truthy.intersection(self.value_facts) | truthy.intersection(self.empty_texts)
        known = _truthy(env)
        if not falsy.isdisjoint(self.truth_names):
            # (Only a name once known truthy can have an expiry hang on it.)
            for name, value in list(env.items()):
                events = _events_of(value)
                if any(not e.when_truthy.isdisjoint(falsy) for e in events):
                    env[name] = _with_events(value, without_falsy(events, falsy))
        updated = (known | truthy) - falsy
        if updated != known:
            self.truth_names |= truthy
            env[_TRUTHY] = _Truthy(updated)

    def bound_collection(self, target: ast.expr, value: ast.expr, env: _Env) -> None:
        """`results["ok"] = []`, `ok = []`: a collection a later test asks the emptiness of is
        empty on this path (`local_truths`, collections emptied on one path)."""
        if not is_empty_collection(value):
            return
        text = collection_text(target)
        if text is None or text not in self.tested:
            return
        key = empty_key(text)
        self.empty_facts.setdefault(text.partition("[")[0], set()).add(key)
        self.empty_texts[key] = text
        self.learn(env, frozenset({key}), frozenset())

    def learn_filled(self, env: _Env, texts: frozenset[str]) -> None:
        """A path on which a test finds these collections not empty: what was made where one
        was empty is not on it."""
        falsy = frozenset(empty_key(text) for text in texts).intersection(self.empty_texts)
        if falsy:
            self.learn(env, frozenset(), falsy)

    def touch_empties(self, node: ast.stmt, env: _Env) -> None:
        """The statement fills, hands on, binds or reads a collection known empty on this path
        other than by testing it: it may no longer be empty."""
        # (A key counts where the path knows it, and where an expiry hangs on it after a join
        # with a path that did not know it.)
        held = set(_truthy(env))
        for value in env.values():
            for event in _events_of(value):
                held |= event.when_truthy
        live = {root for root, keys in self.empty_facts.items() if not keys.isdisjoint(held)}
        if not live:
            return
        whole, items = touched_collections(node, live)
        if not whole and not items:
            return
        forgotten = {key for root in whole for key in self.empty_facts[root]}
        for text in items:
            forgotten |= {empty_key(text), empty_key(text.partition("[")[0])}
        self.drop_truths(forgotten & held, env)

    def learn_values(self, env: _Env, facts: Iterable[ValueFact]) -> None:
        """A path on which a test tells what a local name holds (`fragment == "connect"`): an
        expiry made where it held something else (`fragment == "remove"`) is not on this path."""
        for fact in facts:
            key = fact.key
            self.value_facts.setdefault(key, fact)
            keys = self.fact_keys.setdefault(fact.name, set())
            falsy = frozenset(other for other in keys if contradicts(fact, self.value_facts[other]))
            keys.add(key)
            self.learn(env, frozenset({key}), falsy)

    def forget_truth(self, name: str, env: _Env) -> None:
        """`name` is bound again or emptied: what tests said of it no longer holds, and the
        expiries that hung on it hold whatever it is now."""
        facts = self.fact_keys.get(name)
        emptied = self.empty_facts.get(name)
        if name not in self.truth_names and not facts and not emptied:
            return  # (nearly always: no test or filling call ever made it known truthy)
        self.drop_truths({name, *(facts or ()), *(emptied or ())}, env)

    def drop_truths(self, forgotten: set[str], env: _Env) -> None:
        """What the walk knew under these keys no longer holds: the expiries that hung on them
        hold whatever they are now."""
        known = _truthy(env)
        if not known.isdisjoint(forgotten):
            env[_TRUTHY] = _Truthy(known - forgotten)
        for held, value in list(env.items()):
            events = _events_of(value)
            if any(not e.when_truthy.isdisjoint(forgotten) for e in events):
                for each in forgotten:
                    events = unconditioned(events, each)
                env[held] = _with_events(value, events)

    def forget_keys(self, name: str, env: _Env) -> None:
        """`name` is bound anew: the identity keys read from it no longer name the same row."""
        if name not in self.key_names:
            return
        for held, value in list(env.items()):
            # (A statement keeps the value its criterion was built with, not the name's new one.)
            if isinstance(value, _Object) and value.identities:
                if _root(value.session_text) == name:
                    # (`async with SessionLocal() as session:` again: another session, whose
                    # `get()` gives another object.)
                    env[held] = replace(value, identities=())
                elif any(_keyed_by(identity, name) for identity in value.identities):
                    kept = tuple(i for i in value.identities if not _keyed_by(i, name))
                    env[held] = replace(value, identities=kept)
            elif isinstance(value, _Statement) and _keyed_by(value.identity, name):
                env[held] = replace(value, identity=None, exact=False)

    def narrowed(self, statement: _Statement, method: str, node: ast.Call) -> _Statement:
        """The statement after a method that may change which rows it gives: `where(M.c == k)`
        tells the key of every row (exactly when it is the statement's only criterion)."""
        if method == "limit" and len(node.args) == 1:
            count = node.args[0]
            if type(count) is ast.Constant and type(count.value) is int and count.value > 0:
                return replace(statement, limited=True)
        criteria: list[tuple[str, str] | None] = []
        if method in ("where", "filter") and statement.constructor.rsplit(".", 1)[-1] == _SELECT:
            criteria = [self.criterion(argument, statement.model) for argument in node.args]
        elif method == "filter_by" and statement.model and not node.args:
            for keyword in node.keywords:
                key = _identity_key(keyword.value)
                criteria.append((keyword.arg, key) if keyword.arg and key is not None else None)
        found = next((c for c in criteria if c is not None), None)
        if statement.identity is not None or found is None:
            return replace(statement, exact=False, narrowed=True)
        exact = not statement.narrowed and len(criteria) == 1
        self.key_names.add(_root(found[1]))
        return replace(statement, identity=found, exact=exact, narrowed=True)

    def criterion(self, node: ast.expr, model: str) -> tuple[str, str] | None:
        """`M.c == k` (or `k == M.c`) on the statement's model: the column and the key's text."""
        if not (model and type(node) is ast.Compare and len(node.ops) == 1 and type(node.ops[0]) is ast.Eq):
            return None
        for column, other in ((node.left, node.comparators[0]), (node.comparators[0], node.left)):
            if type(column) is ast.Attribute and qualify(column.value, self.resolver.table) == model:
                key = _identity_key(other)
                return (column.attr, key) if key is not None else None
        return None

    def changed(self, owner: _Object, env: _Env) -> None:
        """The code changed `owner` (an attribute set, a collection of it grown): the savepoints
        of its session begun on this path note it."""
        received = owner.source.kind is SourceKind.RECEIVED
        for name in self.savepoints:
            savepoint = env.get(name)
            if not isinstance(savepoint, _Savepoint):
                continue
            if not (self.held_by(owner, savepoint.session) if received else owner.session_text == savepoint.session):
                continue
            key = (owner.source, owner.path)
            if key not in savepoint.changed:
                env[name] = _Savepoint(savepoint.session, savepoint.changed | {key})

    def failed_flush(self, flushed: list[tuple[str, str, int]], before: _Env, env: _Env) -> None:
        """An `except` handler of a `try` that commits or flushes: the flush may be what failed,
        and its rollback expired what the session held before the `try` (the first commit or
        flush of each session stands for them all). Objects bound inside the `try` are left
        alone: the body may have bound them after that flush succeeded."""
        first: dict[str, tuple[str, int]] = {}
        for session, method, line in flushed:
            if session not in first or line < first[session][1]:
                first[session] = (method, line)
        for session, (method, line) in first.items():
            changed = self._changed_in_savepoint(session, env)
            if changed is None and session in self.nested_sessions:
                continue  # a savepoint this walk cannot see the changes of
            expiry = Expiry(session, FAILED_FLUSH, line, argument=method)
            entered = self.entered_at.get(session, 0)
            for name, value in list(env.items()):
                earlier = before.get(name)
                if not (isinstance(value, _Object) and isinstance(earlier, _Object) and earlier.source == value.source):
                    continue
                if entered and (value.source.kind is SourceKind.RECEIVED or value.source.line < entered):
                    continue  # from a session of the same name closed before this one was opened
                if changed is not None and (value.source, value.path) not in changed:
                    continue
                if self._held_persistent(value, session):
                    env[name] = value.expired_also(expiry)
                    self.expired_here(expiry, value.source, env)

    def expired_here(self, expiry: Expiry, source: ObjectSource, env: _Env) -> None:
        """`expiry` expired an object of `source` on this path: the facts record it, and the path
        carries it on to what the session holds (see `_Reached`)."""
        self.expiries.setdefault(expiry, {})[source] = None
        reached = env.get(_REACHED)
        if not isinstance(reached, _Reached):
            env[_REACHED] = _Reached(frozenset({expiry}))
        elif expiry not in reached.events:
            env[_REACHED] = _Reached(reached.events | {expiry})

    def note_reached(self, line: int, env: _Env) -> None:
        """What expired objects on some path to `line` (noted once any expiry was made: a line
        no visit noted is told by its place, see `_reached_lines`)."""
        reached = env.get(_REACHED)
        since = self.reached_since.setdefault(line, {})
        if isinstance(reached, _Reached):
            # Round a loop's back edge, what the body obtains before `line` was obtained again
            # after the expiry (the body's first pass saw the paths that do not go round).
            entered = min((frame.entered for frame in self.loops if frame.again), default=None)
            for event in reached.events:
                bound = event.line if entered is None else min(event.line, entered)
                if since.get(event.line, 0) < bound:
                    since[event.line] = bound

    def _held_persistent(self, value: _Object, session: str) -> bool:
        """The object sits in `session` as a persistent one (a pending one is only expunged)."""
        if value.source.kind is SourceKind.RECEIVED:
            return self.held_by(value, session) and not self.maybe_new(value)
        if value.session_text != session or value.pending_in is not None:
            return False
        return value.source.kind is not SourceKind.NEW or value.persistent

    def _changed_in_savepoint(self, session: str, env: _Env) -> frozenset[tuple[ObjectSource, tuple[str, ...]]] | None:
        """What the code changed in the savepoints of `session` open on this path, or None when
        none is: a flush that fails in a savepoint rolls back to it, which expires only those
        (verified at run time, as for the savepoint's own `rollback()`)."""
        found: frozenset[tuple[ObjectSource, tuple[str, ...]]] | None = None
        for name in self.savepoints:
            savepoint = env.get(name)
            if isinstance(savepoint, _Savepoint) and savepoint.session == session:
                found = (found or frozenset()) | savepoint.changed
        return found

    def savepoint_rollback(self, name: str, savepoint: _Savepoint, line: int, env: _Env) -> None:
        """`await nested.rollback()`: the objects changed in the savepoint are expired (those it
        added are expunged, their attributes intact); the others keep their state."""
        expiry = Expiry(savepoint.session, "rollback", line, argument=name)
        for held, value in list(env.items()):
            if not (isinstance(value, _Object) and value.stage is None):
                continue
            if (value.source, value.path) not in savepoint.changed:
                continue
            if value.source.kind is SourceKind.RECEIVED:
                if self.maybe_new(value):
                    continue
            elif value.pending_in is not None or not value.persistent:
                continue
            env[held] = value.expired_also(expiry)
            self.expired_here(expiry, value.source, env)
        env[name] = _Savepoint(savepoint.session)

    def end_of_transaction(self, session: str, method: str, line: int, env: _Env, opened_by: str = "") -> None:
        if method in ("commit", "rollback"):
            effects = env.get(_EFFECTS)
            # A commit on one path and a rollback on another (`try: commit / except: rollback`)
            # both end the transaction: that much is done on every path.
            done = frozenset({(session, method), (session, ENDED)})
            if isinstance(effects, _Effects):
                env[_EFFECTS] = _Effects(effects.done | done, ended(effects.cases, done))
            else:
                env[_EFFECTS] = _Effects(done)
        if method == "rollback" and self.handling:
            # The handler may swallow the error: the caller then goes on in a new transaction.
            swallowed = env.get(_SWALLOWED)
            known = swallowed.sessions if isinstance(swallowed, _Swallowed) else frozenset()
            conflicts = swallowed.conflicts if isinstance(swallowed, _Swallowed) else frozenset()
            failures = swallowed.flush_failures if isinstance(swallowed, _Swallowed) else frozenset()
            guard = tuple(sorted(self.holding, key=repr))
            if self.conflict_handlers and self.conflict_handlers[-1]:
                conflicts = conflicts | {(session, guard)}
            if self.flush_handlers and session in self.flush_handlers[-1]:
                failures = failures | {(session, guard)}
            env[_SWALLOWED] = _Swallowed(known | {(session, guard)}, conflicts, failures)
        expiry = Expiry(session, method, line, argument=opened_by)
        if method != "flush" and session in self.provided:
            self.inject(session, env)
        if method != "flush" and self.received:
            self.receive(env)
        for name, value in list(env.items()):
            if (
                isinstance(value, _Object)
                and value.source.kind is SourceKind.RECEIVED
                and method != "flush"
                and self.held_by(value, session)
            ):
                # Which session holds it is the index's call (see `FunctionLoading.sessions`).
                if not (method == "rollback" and self.maybe_new(value)):
                    env[name] = value.expired_also(expiry)
                continue
            if not isinstance(value, _Object):
                continue
            if value.reselects and method != "flush":
                # (What a query loaded on it may expire with it: the index does not follow that.)
                value = replace(value, reselects=_not_of(value.reselects, session))
                env[name] = value
            if value.session_text != session:
                continue
            if value.source.kind is SourceKind.NEW and value.pending_in is not None:
                # Added in this transaction: a flush makes it persistent, a commit settles it,
                # and a rollback expunges it (transient again, its attributes intact);
                # `expire_all()` leaves a pending object alone.
                if value.pending_in != session or method == "expire_all":
                    continue
                if method == "rollback":
                    env[name] = replace(value, pending_in=None, persistent=False)
                    continue
                value = replace(
                    value, persistent=True, pending_in=session if method == "flush" else None, autoflushed=0
                )
            elif value.source.kind is SourceKind.NEW and not value.persistent:
                continue
            elif value.pending_in is not None:
                # Loaded on one path, added on another (see `_loaded_or_added`): a rollback may
                # expunge it; a commit settles it whichever it was.
                if method == "rollback":
                    continue
                if method == "commit":
                    value = replace(value, pending_in=None)
            if method != "flush":
                value = replace(value, expired=value.expired | {expiry})
                self.expired_here(expiry, value.source, env)
            env[name] = value

    def autoflush(self, session: str, line: int, env: _Env) -> None:
        """A query of `session` at `line` flushes it first (autoflush): a new object added to it
        and not flushed yet becomes persistent, as after `flush()`, its relationships never
        loaded; its first read of one is a lazy load (MissingGreenlet, verified at run time on
        SQLAlchemy 2.0 and 2.1). Whether the session autoflushes at all is the index's call."""
        for name, value in list(env.items()):
            if (
                isinstance(value, _Object)
                and value.source.kind is SourceKind.NEW
                and value.pending_in == session
                and not value.persistent
            ):
                env[name] = replace(value, persistent=True, autoflushed=line)

    def held_get(self, method: str, node: ast.Call, session: ValueRef, env: _Env) -> bool:
        """`session.get(M, k)` of a row an earlier `get(M, k)` of the session loaded and nothing
        expired since: the identity map answers it without SQL, so it does not autoflush
        (verified at run time)."""
        if method not in ("get", "get_one") or len(node.args) < 2:
            return False
        key = _identity_key(node.args[1])
        model = qualify(node.args[0], self.resolver.table) if dotted_parts(node.args[0]) is not None else None
        if key is None or model is None:
            return False
        return any(
            isinstance(value, _Object)
            and value.stage is None
            and not value.path
            and not value.expired
            and value.source.kind is SourceKind.GET
            and value.source.model == model
            and value.session_text == session.text
            and ("", key) in value.identities
            for value in env.values()
        )

    def no_autoflush_sessions(self, node: ast.With | ast.AsyncWith) -> list[str]:
        """The sessions a `with session.no_autoflush:` statement keeps from autoflushing in its body."""
        found = []
        for item in node.items:
            expr = item.context_expr
            if type(expr) is ast.Attribute and expr.attr == "no_autoflush":
                ref = self.resolver.value_ref(expr.value)
                if ref is not None:
                    found.append(ref.text)
        return found

    def request_body(self, name: str, node: ast.Call) -> _Object | None:
        """A model parameter a web framework fills with no provider behind it (`hero: Hero`, the
        route's request body): a new object the framework built for the request, in no session."""
        provided = self.provided.get(name)
        if provided is None or any(origin.kind is OriginKind.PROVIDED for origin in provided.origins):
            return None
        model = _object_model(provided)
        return _Object(ObjectSource(SourceKind.NEW, node.lineno, model=model), persistent=False) if model else None

    def inject(self, session: str, env: _Env) -> None:
        """The other provided parameters become objects of the provided `session` when it commits
        or rolls back: FastAPI calls a provider once per request, so an object whose provider
        took the same session provider sits in this session (the index checks that it did)."""
        ref = self.provided[session]
        for name, provided in self.provided.items():
            if name == session or name in env or name in self.rebound:
                continue
            model = _object_model(provided)
            if model is None:
                continue
            # What says which provider filled it (the index follows it); not the parameter's name.
            evidence = tuple(o for o in provided.origins if o.kind is not OriginKind.INJECTED)
            source = ObjectSource(SourceKind.INJECTED, self.line, model=model, session=ref, callee=evidence)
            env[name] = _Object(source)


#: The receivers through which a method calls its own class's methods.
_OWN_RECEIVERS = frozenset({"self", "cls"})
#: What builds an object of a model class from data (SQLModel's, pydantic's).
_VALIDATE = "model_validate"


#: Annotations of provided parameters that name no ORM object (another session, a connection).
_NOT_OBJECTS = ("Session", "Connection", "Engine")


def _object_model(provided: ValueRef) -> str | None:
    """The class a provided parameter's annotation names, when it may be an ORM object's."""
    model = next((o.name for o in provided.origins if o.kind is OriginKind.ANNOTATION), None)
    return None if model is None or model.endswith(_NOT_OBJECTS) else model


_MUTATORS = frozenset({"append", "extend", "add", "insert", "update", "setdefault"})
#: Builtins that take objects without reading their relationships the way a project callee would.
_BUILTINS = frozenset(
    {"print", "len", "str", "repr", "isinstance", "hasattr", "id", "type", "list", "tuple", "set", "dict", "sorted"}
)
#: Builtins that format their arguments, and the method of the object's model that does it.
_FORMATTING = {"str": "__str__", "print": "__str__", "repr": "__repr__"}
#: `FormattedValue.conversion` of `f"{x!r}"`.
_REPR_CONVERSION = ord("r")
_QUERY_METHODS = frozenset({"get", "get_one", "execute", "scalars", "scalar", "exec"})
_LIST_METHODS = frozenset({"append", "extend", "insert", "remove", "pop", "clear"})


def _in_expiry_order(expiries: Collection[Expiry]) -> tuple[Expiry, ...]:
    """The expiries in `_expiry_order`; most objects carry none or one, which need no key (whose
    `repr` of the callee showed in profiles)."""
    if any(expiry.when_truthy for expiry in expiries):
        expiries = plain(expiries)
    if len(expiries) < 2:
        return tuple(expiries)
    ordered = sorted(expiries, key=_line_order)
    if all(_line_order(left) != _line_order(right) for left, right in pairwise(ordered)):
        return tuple(ordered)
    return tuple(sorted(expiries, key=_expiry_order))


#: How many names a literal a loop iterates may hold for the loop to be run once per name.
_MAX_UNROLLED = 8


def _named_items(node: ast.For | ast.AsyncFor) -> list[ast.Name] | None:
    """The names of `for x in (a, b, c):` (a tuple, list or set of plain names, a plain name as the
    target, no `else`, no `break` or `continue` in the body), else None."""
    items = node.iter
    if type(node.target) is not ast.Name or type(items) not in (ast.Tuple, ast.List, ast.Set) or node.orelse:
        return None
    names = items.elts  # type: ignore[attr-defined]
    if not names or len(names) > _MAX_UNROLLED or any(type(name) is not ast.Name for name in names):
        return None
    if any(type(inner) in (ast.Break, ast.Continue) for statement in node.body for inner in ast.walk(statement)):
        return None
    return list(names)


def _literal_keys(node: ast.For | ast.AsyncFor) -> list[str] | None:
    """The keys of `for key in ("name", "email"):` (a tuple, list or set of string literals, a
    plain name as the target, no `else`, no `break` or `continue` in the body), else None."""
    items = node.iter
    if type(node.target) is not ast.Name or type(items) not in (ast.Tuple, ast.List, ast.Set) or node.orelse:
        return None
    keys = [item.value for item in items.elts if type(item) is ast.Constant and isinstance(item.value, str)]  # type: ignore[attr-defined]
    if not keys or len(keys) != len(items.elts) or len(keys) > _MAX_UNROLLED:  # type: ignore[attr-defined]
        return None
    if any(type(inner) in (ast.Break, ast.Continue) for statement in node.body for inner in ast.walk(statement)):
        return None
    return keys


def _expired_sources(expiries: dict[Expiry, dict[ObjectSource, None]]) -> tuple[tuple[ObjectSource, Expiry], ...]:
    """Each expiry with each source of an object it expired, in an order of their own (the walk
    meets them in an order that set iteration may decide, which differs from process to process)."""
    pairs = sorted(
        ((_expiry_order(expiry), source, expiry) for expiry, sources in expiries.items() for source in sources),
        key=itemgetter(0),
    )
    ordered: list[tuple[ObjectSource, Expiry]] = []
    # Sources of one expiry by their text, written out only where an expiry has several (a
    # source's `repr` walks its whole path, and most expiries expire one).
    for _, group in groupby(pairs, key=itemgetter(0)):
        tied = [(source, expiry) for _, source, expiry in group]
        ordered.extend(_in_text_order(tied) if len(tied) > 1 else tied)
    return tuple(ordered)


def _in_text_order(tied: list[tuple[ObjectSource, Expiry]]) -> list[tuple[ObjectSource, Expiry]]:
    """The pairs in the order of their sources' `repr`, read as far as it tells them apart.

    Most sources of one expiry differ in their kind, line or model: the start of their text
    (`_text_start`) orders them as the whole would, unless two starts are equal or one begins
    the other (in sorted order, then, neighbours), where the whole text decides."""
    by_start = sorted(((_text_start(source), (source, expiry)) for source, expiry in tied), key=itemgetter(0))
    if any(later.startswith(earlier) for (earlier, _), (later, _) in pairwise(by_start)):
        return sorted(tied, key=lambda pair: repr(pair[0]))
    return [pair for _, pair in by_start]


def _text_start(source: ObjectSource) -> str:
    """The start of `repr(source)`: its first fields, none of which holds another record."""
    return (
        f"ObjectSource(kind={source.kind!r}, line={source.line!r}, model={source.model!r}, "
        f"constructor={source.constructor!r}, "
    )


def _reached_lines(
    expiries: Collection[Expiry], reached_since: dict[int, dict[int, int]]
) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """`FunctionLoading.reached`: the lines where what expired objects on the paths to them
    is not what their place tells (every expiry on an earlier line)."""
    lines = sorted({expiry.line for expiry in expiries})
    found: list[tuple[int, tuple[int, ...]]] = []
    for line, since in sorted(reached_since.items()):
        events = set(since) - {line}
        if events != {each for each in lines if each < line}:
            found.append((line, tuple(sorted(events))))
    return tuple(found)


def _looped_lines(reached_since: dict[int, dict[int, int]]) -> tuple[tuple[int, tuple[tuple[int, int], ...]], ...]:
    """`FunctionLoading.looped`: the expiries that reach a line only through a loop's back edge."""
    found: list[tuple[int, tuple[tuple[int, int], ...]]] = []
    for line, since in sorted(reached_since.items()):
        looped = tuple(sorted((expiry, bound) for expiry, bound in since.items() if bound != expiry and expiry != line))
        if looped:
            found.append((line, looped))
    return tuple(found)


def _line_order(expiry: Expiry) -> tuple[int, str, str, str]:
    """The leading fields of `_expiry_order`, which most expiries differ in already."""
    return expiry.line, expiry.method, expiry.session, expiry.argument


def _expiry_order(
    expiry: Expiry,
) -> tuple[int, str, str, str, str, bool, bool, bool, str, bool, tuple[str, str], tuple[str, ...], bool, str, str]:
    """The fields that tell expiries apart, so that two hand-overs of one session on one line (one
    whose result a test read, one whose result none did) keep one order: a set of them iterates in
    an order that hashes of None decide, which differ from process to process on Python 3.10 and
    3.11, and the facts (and a cache entry written from them) would differ with it."""
    return (
        expiry.line,
        expiry.method,
        expiry.session,
        expiry.argument,
        repr(expiry.callee),
        expiry.result_checked,
        expiry.in_loop,
        # (None cannot be compared with a string: a mark of whether there is one, then its value.)
        expiry.failed_as is not None,
        expiry.failed_as or "",
        expiry.reselected is not None,
        expiry.reselected or ("", ""),
        expiry.reloaded,
        expiry.settles,
        expiry.adds,
        expiry.tied.text if expiry.tied is not None else "",
    )


def _rows_of(row: _Tuple) -> _Object | None:
    """`[(row[0], row[1]) for row in rows]`: a list of rows rebuilt as tuples, when the objects in
    each are the entities of one query's row (`select(User, Follow.created_at)`), each in place."""
    objects = [item for item in row.items if isinstance(item, _Object)]
    if not objects or any(
        item.stage is not None or item.path or item.source.kind is SourceKind.CALL or not item.source.model
        for item in objects
    ):
        return None
    first = objects[0]
    if any(replace(item.source, model=first.source.model) != first.source for item in objects[1:]):
        return None
    models = tuple(item.source.model or "" if isinstance(item, _Object) else "" for item in row.items)
    return _Object(first.source, stage="list", row=models, expired=first.expired)


def _objectless_tuple(expr: ast.expr | None) -> tuple[int, ...] | None:
    """`return None, error`, a tuple none of whose items is an object the facts know (those
    returns are read before): the positions it fills with no literal, where a caller trusts
    nothing; None for anything but a tuple display (one with a starred item included)."""
    if type(expr) is not ast.Tuple or any(type(item) is ast.Starred for item in expr.elts):
        return None
    return tuple(position for position, item in enumerate(expr.elts) if type(item) is not ast.Constant)


def _holds_nothing(expr: ast.expr, in_tuple: bool = False) -> bool:
    """A returned value that holds no object: None, an empty literal, or a tuple of them and
    constants (`return [], 0`)."""
    if type(expr) is ast.Constant:
        return in_tuple or expr.value is None
    if isinstance(expr, (ast.List, ast.Set)):
        return not expr.elts
    if type(expr) is ast.Dict:
        return not expr.keys
    if type(expr) is ast.Tuple:
        return all(_holds_nothing(item, in_tuple=True) for item in expr.elts)
    return False


def _answered(value: _Object, mark: tuple[str, str], which: Callable[[Expiry], bool]) -> _Object:
    """The object with its expiries that `which` picks, not marked yet, marked as answered by a
    query that gave its row again (`Expiry.reselected`: the model, and the column that must be
    its primary key for that to hold, "" when it always holds)."""
    expired = frozenset(replace(e, reselected=mark) if e.reselected is None and which(e) else e for e in value.expired)
    return replace(value, expired=expired)


def _reloaded(value: _Object, names: Iterable[str]) -> _Object:
    """The object with each expiry it carries marked as answered for `names` (`Expiry.reloaded`):
    a partial refresh loaded them, or the code set them, after the commit or rollback."""
    if not value.expired:
        return value
    given = frozenset(names)
    expired = frozenset(
        e if given <= frozenset(e.reloaded) else replace(e, reloaded=tuple(sorted(given.union(e.reloaded))))
        for e in value.expired
    )
    return replace(value, expired=expired)


def _not_of(reselects: tuple[Reselect, ...], session: str) -> tuple[Reselect, ...]:
    """The queries an object carries but those of `session`, which a commit or rollback of it
    ends: the relationships they loaded may be expired from there on."""
    return tuple(r for r in reselects if r.source.session is None or r.source.session.text != session)


def _keyed_by(identity: tuple[str, str] | None, name: str) -> bool:
    """Whether the key of an identity reads `name` (`user_id`, `payload.user_id`)."""
    return identity is not None and _root(identity[1]) == name


def _root(text: str | None) -> str:
    """The name a dotted text starts with (`self` of `self.session`)."""
    return text.split(".", 1)[0] if text else ""


def _identity_key(node: ast.expr) -> str | None:
    """The text of a key that names one value while the names it reads are not bound anew: a
    name, an attribute of one, or a constant number or string."""
    if type(node) is ast.Constant:
        return repr(node.value) if type(node.value) in (int, str) else None
    parts = dotted_parts(node)
    return ".".join(parts) if parts is not None else None


def _is_refresh(statement: ast.stmt) -> bool:
    """`await session.refresh(obj, ...)` as a statement of its own."""
    return (
        type(statement) is ast.Expr
        and type(statement.value) is ast.Await
        and type(statement.value.value) is ast.Call
        and type(statement.value.value.func) is ast.Attribute
        and statement.value.value.func.attr == "refresh"
    )


def _is_injected(value: _Value | None) -> bool:
    """A parameter a framework provided (or one that received an object), made an object by its
    session's commit or rollback."""
    return isinstance(value, _Object) and value.source.kind in _PARAMETER_KINDS and value.stage is None


_PARAMETER_KINDS = frozenset({SourceKind.INJECTED, SourceKind.RECEIVED})


def _dict_value(node: ast.Dict, key: str) -> ast.expr | None:
    """The value a dict display gives the constant key `key`."""
    for name, value in zip(node.keys, node.values, strict=True):
        if type(name) is ast.Constant and name.value == key:
            return value
    return None


def _validated_expired(value: _Object) -> bool:
    """An expired object, or list of them, that a response model validates item by item."""
    return value.stage in (None, "list", "scalars") and bool(value.expired)


def _bound_by_call(statement: ast.stmt) -> tuple[str, ...]:
    """The names `x = await make()` (or `x = make()`) binds: none when the call raises."""
    if type(statement) is ast.Assign:
        value: ast.expr | None = statement.value
        targets = statement.targets
    elif type(statement) is ast.AnnAssign:
        value, targets = statement.value, [statement.target]
    else:
        return ()
    if type(value) is ast.Await:
        value = value.value
    if type(value) is not ast.Call:
        return ()
    return tuple(target.id for target in targets if type(target) is ast.Name)


def _without_received(value: _Value | None) -> _Value | None:
    """What a `return` gives back, with the received objects as unknown as before they became
    objects (a returned parameter is the summary's `returned_parameters`)."""
    if isinstance(value, _Object) and value.source.kind is SourceKind.RECEIVED:
        return None
    if isinstance(value, _Tuple) and any(
        isinstance(item, _Object) and item.source.kind is SourceKind.RECEIVED for item in value.items
    ):
        return _Tuple(tuple(_without_received(item) for item in value.items))
    return value


def _mark_failed(env: _Env, lines: set[int], key: str | None) -> None:
    """The side of a test where the calls at `lines` said they failed (by `key`), or with None
    succeeded: what they expired carries it (the index asks whether the callee rolled back on
    such a path)."""

    def marked(e: Expiry) -> bool:
        return e.method == "call" and e.line in lines and e.failed_as != key

    for name, value in list(env.items()):
        if isinstance(value, _Object) and any(marked(e) for e in value.expired):
            expired = frozenset(replace(e, failed_as=key) if marked(e) else e for e in value.expired)
            env[name] = replace(value, expired=expired)


def _caught_classes(caught: ast.expr | None, table: NameTable) -> tuple[str, ...]:
    """The classes an `except` clause catches, qualified where the imports say (`Exception` as
    it is written for a builtin); `BaseException` for a bare `except:`."""
    if caught is None:
        return ("BaseException",)
    names: list[str] = []
    for name in caught_names(caught):
        text = qualify(name, table) or expression_text(name)
        if text:
            names.append(text)
    return tuple(names)


def _call_expiries(env: _Env) -> frozenset[tuple[str, int]]:
    """The calls that handed over the session of an object of `env`: (session, line)."""
    return frozenset(
        (expiry.session, expiry.line)
        for value in env.values()
        if isinstance(value, _Object)
        for expiry in value.expired
        if expiry.method == "call"
    )


def _guarded_calls(body: list[ast.stmt], env: _Env) -> frozenset[tuple[str, int]]:
    """The calls (see `_call_expiries`) of `env` made in the body of a `try` with `except`
    handlers inside the statements `body` (outside the functions they define)."""
    spans: list[tuple[int, int]] = []
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, _NESTED_SCOPES):
            continue
        if isinstance(node, ast.Try) and node.handlers and node.body:
            spans.append((node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno))
        pending.extend(ast.iter_child_nodes(node))
    if not spans:
        return frozenset()
    return frozenset(
        (session, line) for session, line in _call_expiries(env) if any(first <= line <= last for first, last in spans)
    )


def _mark_caught(env: _Env, before: frozenset[tuple[str, int]], caught: tuple[str, ...] | None) -> None:
    """An `except` handler's entry: the calls made in its `try` (those not in `before`) may have
    raised what it catches (`caught`), after a rollback the callee made (the index tells); with
    None, the state a handler leaves: no call's error is being handled any more."""

    def marked(e: Expiry) -> bool:
        return e.method == "call" and e.caught != caught and (e.session, e.line) not in before

    for name, value in list(env.items()):
        if isinstance(value, _Object) and any(marked(e) for e in value.expired):
            expired = frozenset(replace(e, caught=caught) if marked(e) else e for e in value.expired)
            env[name] = replace(value, expired=expired)


def _forget_failures(env: _Env) -> None:
    """What a test said of how calls went (`_mark_failed`) no longer holds: an `except` handler."""
    for name, value in list(env.items()):
        if isinstance(value, _Object) and any(e.failed_as is not None for e in value.expired):
            expired = frozenset(replace(e, failed_as=None) for e in value.expired)
            env[name] = replace(value, expired=expired)


#: A call handed more arguments that may be sessions than this is not followed for new objects.
_MAX_HANDED_SESSIONS = 4


def _constructs(call: ast.Call) -> bool:
    """Whether a call may build a new object: `User(...)`, `models.User(...)` (a class's name)."""
    func = call.func
    name = func.id if type(func) is ast.Name else func.attr if type(func) is ast.Attribute else ""
    return name[:1].isupper()


def _is_unadded(env: _Env, argument: ast.Name) -> bool:
    """A name bound to one new object that is in no session yet (`user = User(name=n)`)."""
    return _is_unadded_object(env.get(argument.id))


def _is_unadded_object(value: _Value | None) -> bool:
    """One new object that is in no session yet."""
    return (
        isinstance(value, _Object)
        and value.source.kind is SourceKind.NEW
        and value.stage is None
        and not value.persistent
        and value.pending_in is None
        and value.source.session is None
    )


def _maybe_added(value: _Object) -> bool:
    """A new object handed to a call that may have added it to a session (`hand_new_objects`)."""
    return any(expiry.adds for expiry in value.expired)


def _call_arguments(node: ast.Call) -> list[tuple[str, ast.expr]]:
    """What a call is handed, each with where it lands: its position, or its keyword (what a `**`
    spreads has none; a `*` keeps its position, and no name or attribute is starred)."""
    found: list[tuple[str, ast.expr]] = [(str(position), argument) for position, argument in enumerate(node.args)]
    found.extend((keyword.arg, keyword.value) for keyword in node.keywords if keyword.arg)
    return found


def _may_be_session(ref: ValueRef) -> bool:
    """Some evidence says what the value is, and not only an annotation of a plain class."""
    return any(
        origin.kind is not OriginKind.ANNOTATION or ("." in origin.name and not origin.name.startswith(_PLAIN))
        for origin in ref.origins
    )


#: Modules of annotations that never name a session.
_PLAIN = ("typing.", "collections.", "datetime.", "uuid.", "decimal.", "enum.", "pathlib.")
#: Session methods that take an object into the session (or act on one that is there).
_TYING_METHODS = frozenset({"add", "add_all", "delete", "refresh"})
#: Session methods after which the object they are handed is not the session's.
_RELEASING_METHODS = frozenset({"merge", "expunge"})


def _first_known(*effects: frozenset[tuple[str, str]] | None) -> frozenset[tuple[str, str]]:
    return next((known for known in effects if known is not None), frozenset())


def _is_called(value: _Value | None) -> bool:
    """What a project call returned, not yet known to be a statement (see `_Statement.called`)."""
    return isinstance(value, _Statement) and value.called


def _is_candidate(value: _Value | None) -> bool:
    """Nothing, or a `Name(...)` call result that no session has taken yet (maybe not a model)."""
    if value is None or _is_called(value):
        return True
    return (
        isinstance(value, _Object)
        and value.source.kind is SourceKind.NEW
        and not value.persistent
        and value.pending_in is None
    )


#: Session methods a function may call through a name bound to them (`commit = session.commit`).
_ALIASED_METHODS = frozenset({"commit", "rollback"})


_SESSION_METHODS = frozenset(
    {
        "get",
        "get_one",
        "execute",
        "scalars",
        "scalar",
        "exec",
        "stream",
        "stream_scalars",
        "add",
        "add_all",
        "commit",
        "flush",
        "rollback",
        "refresh",
        "expire",
        "expire_all",
        "begin_nested",
    }
)


def _model_method(model: str, name: str) -> tuple[Origin, ...]:
    """What `obj.<name>(...)` runs on an ORM object of `model`: the model's method (or its base's)."""
    return (Origin(OriginKind.ANNOTATION, model, (Step(StepKind.METHOD, name),)),)


def _is_library_session(value: _Value | None) -> bool:
    """A session SQLAlchemy's or SQLModel's session class built in place (`AsyncSession(engine)`)."""
    if not isinstance(value, _Object) or value.source.kind is not SourceKind.NEW or value.source.model is None:
        return False
    model = value.source.model
    return KNOWN_API.get(model) in SESSION_CLASSES


def _strategy_of(leaf: str, node: ast.Call) -> LoaderStrategy:
    """The strategy a loader option sets: `raiseload(A.b, sql_only=True)` raises only where the
    read would run SQL (any `sql_only=` but a literal False is taken so)."""
    strategy = LOADER_STRATEGIES[leaf]
    if strategy is LoaderStrategy.RAISE and any(
        keyword.arg == "sql_only" and not (type(keyword.value) is ast.Constant and keyword.value.value is False)
        for keyword in node.keywords
    ):
        return LoaderStrategy.RAISE_ON_SQL
    return strategy


def _recursion_levels(leaf: str, node: ast.Call) -> int:
    """How many levels of a self-referential relationship a loader option loads: 1, or
    `recursion_depth + 1` (verified at run time, SQLAlchemy 2.1 with aiosqlite: depth 1 loads
    the children and the grandchildren; -1 loads every level)."""
    if leaf not in _RECURSIVE_LOADERS:
        return 1
    for keyword in node.keywords:
        if keyword.arg != "recursion_depth":
            continue
        try:
            depth = ast.literal_eval(keyword.value)  # `2`, `-1`
        except ValueError:
            return 1
        if type(depth) is not int or depth < -1:
            return 1
        return _UNBOUNDED_LEVELS if depth == -1 else min(depth + 1, _UNBOUNDED_LEVELS)
    return 1
