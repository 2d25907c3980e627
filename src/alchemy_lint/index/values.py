"""The one evaluator: what a value with these origins is, for every rule.

A session, a connection, a session factory, an engine, an ORM object of a model, an instance of
a project class...; sync or async; the factory it came from and that factory's
`expire_on_commit`; whether it is handed out inside a unit of work; and how it is known, for
the messages. Rules ask this and keep no session logic of their own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import replace
from enum import Enum
from typing import TYPE_CHECKING, TypeVar

from alchemy_lint.facts.conditions import happens
from alchemy_lint.facts.model import ApiCall, Construction, FunctionFacts, KnownArgument, PassingCall
from alchemy_lint.facts.values import (
    CALL,
    RECEIVER,
    SYNC_ITEM,
    Origin,
    OriginKind,
    Reach,
    ReachKind,
    Step,
    StepKind,
    ValueRef,
)
from alchemy_lint.index.interfaces import Interfaces
from alchemy_lint.records import record
from alchemy_lint.sqlalchemy_api import Api, known_api, library_instance_attribute, library_kept_session

if TYPE_CHECKING:
    from alchemy_lint.index.project import FactorySite, ProjectIndex

_MAX_DEPTH = 8
#: How many methods of one object are read to find the sessions a method call on it uses.
_MAX_METHODS = 8
#: How deep `_used_by_method` follows project objects kept inside project objects.
_MAX_WRAPPER_DEPTH = 2
#: How many different functions a call of a callable parameter is followed into.
_MAX_PASSED_FUNCTIONS = 8
_T = TypeVar("_T")


#: The return annotation of a method that returns an instance of the class it is called on.
_SELF_TYPES = frozenset({"typing.Self", "typing_extensions.Self"})


class ValueKind(str, Enum):
    """What a value is, in order of strength when several origins disagree."""

    SESSION = "session"
    CONNECTION = "connection"
    FACTORY = "session factory"
    SESSION_CLASS = "session class"
    FACTORY_CONSTRUCTOR = "factory constructor"
    #: Something that gives a value when called: a project function, a helper, a provider.
    CALLABLE = "callable"
    TRANSACTION = "transaction"
    ENGINE = "engine"
    ENGINE_CONSTRUCTOR = "engine constructor"
    DECLARATIVE_BASE = "declarative base"
    DECLARATIVE_BASE_CONSTRUCTOR = "declarative base constructor"
    REGISTRY = "registry"
    REGISTRY_CONSTRUCTOR = "registry constructor"
    METADATA = "metadata"
    METADATA_CONSTRUCTOR = "metadata constructor"
    #: advanced-alchemy's `SQLAlchemyAsyncConfig(...)`: it makes the factory and opens sessions.
    CONFIG = "session config"
    CONFIG_CONSTRUCTOR = "session config constructor"
    #: An ORM object of the model in `Value.cls`.
    MODEL_OBJECT = "ORM object"
    #: A project class itself (calling it makes an instance).
    CLASS = "class"
    #: An instance of the project class in `Value.cls`.
    INSTANCE = "instance"
    UNKNOWN = "unknown"


@record
class Evidence:
    """How a value is known, for a message: `from Depends(get_session)` at app/db.py:14."""

    text: str
    path: str = ""
    line: int = 0

    def __str__(self) -> str:
        return f"{self.text} ({self.path}:{self.line})" if self.path else self.text


@record
class Value:
    kind: ValueKind
    #: True for asyncio sessions/factories, False for sync ones, None when unknown.
    is_async: bool | None = None
    #: The factory that makes it (a session) or that it is (a factory), when known.
    factory: FactorySite | None = None
    #: What commit() does to loaded objects: True expires them, False keeps them, None unknown.
    expire_on_commit: bool | None = None
    #: The session is handed out inside a unit of work (`factory.begin()`, `session.begin()`).
    in_unit_of_work: bool = False
    #: The class of an INSTANCE or CLASS, the model of a MODEL_OBJECT, the session class.
    cls: str | None = None
    evidence: Evidence | None = None
    #: What calling a CALLABLE (or a FACTORY) gives.
    result: Value | None = None
    #: For a session a provider hands out inside a unit of work: the provider and where it opens
    #: `begin()` (`get_db()` at app/db.py:21), for messages.
    begun: Evidence | None = None

    @property
    def is_session(self) -> bool:
        return self.kind is ValueKind.SESSION

    @property
    def runs_statements(self) -> bool:
        """A session or a connection: one operation at a time, one transaction."""
        return self.kind in (ValueKind.SESSION, ValueKind.CONNECTION)


UNKNOWN = Value(ValueKind.UNKNOWN)


@record
class EngineRef:
    """Which engine a value is, told apart by where it is kept: a module global
    (`app.db.engine`), a class attribute (`app.db.Database.replica_engine`), application state
    (`app.state.engine`). `fresh` marks an engine constructed right where it is used (a local
    `create_async_engine(...)`): no other code shares it."""

    name: str
    fresh: bool = False
    #: For a message: the short name and the file (`` `engine` (app/db.py) ``).
    label: str = ""


_FRESH_ENGINE = EngineRef("", fresh=True)
_SYNC_ENGINE = Step(StepKind.ATTRIBUTE, "sync_engine")
_DERIVE_ENGINE = "execution_options"
#: The values a method call dispatches on their class: an instance, a class (its classmethods,
#: or an instance method called with the object first), an ORM object (an active record's
#: `await worker.save(session)`).
_HAS_METHODS = frozenset({ValueKind.INSTANCE, ValueKind.CLASS, ValueKind.MODEL_OBJECT})
_GET = Step(StepKind.METHOD, "get")

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
    Api.ASYNC_CONFIG: ValueKind.CONFIG_CONSTRUCTOR,
    Api.SYNC_CONFIG: ValueKind.CONFIG_CONSTRUCTOR,
}
#: Instances of these classes, by annotation.
_INSTANCE_KINDS: dict[Api, ValueKind] = {
    Api.ASYNC_SESSIONMAKER: ValueKind.FACTORY,
    Api.SESSIONMAKER: ValueKind.FACTORY,
    Api.ENGINE_CLASS: ValueKind.ENGINE,
    Api.ASYNC_ENGINE_CLASS: ValueKind.ENGINE,
    Api.CONNECTION_CLASS: ValueKind.CONNECTION,
    Api.ASYNC_CONNECTION_CLASS: ValueKind.CONNECTION,
    Api.METADATA: ValueKind.METADATA,
    Api.ASYNC_CONFIG: ValueKind.CONFIG,
    Api.SYNC_CONFIG: ValueKind.CONFIG,
}
#: What calling a class that takes `expire_on_commit` (itself or in its session config) makes.
_CONSTRUCTED = {ValueKind.SESSION_CLASS: ValueKind.SESSION, ValueKind.CONFIG_CONSTRUCTOR: ValueKind.CONFIG}
#: The methods of advanced-alchemy's configs that give a session factory, and a session (the
#: `get_session()` context manager).
_CONFIG_FACTORY = "create_session_maker"
_CONFIG_SESSION = "get_session"
_SESSION_GETTERS = frozenset({Api.ASYNC_OBJECT_SESSION, Api.OBJECT_SESSION})
#: `lazy=` values that load a relationship when it is first read (None: the default, "select").
_LAZY_LOADERS = frozenset({None, "select", "True"})
_BEGIN = frozenset({"begin", "begin_nested"})
#: What `async with` (then `with`) calls on a context manager, for what it binds.
_ENTER_METHODS = ("__aenter__", "__enter__")
_STATEMENT_CONSTRUCTORS = frozenset(
    {"select", "insert", "update", "delete", "text", "union", "union_all", "except_", "intersect", "exists"}
)
_STATEMENT_MODULES = ("sqlalchemy.", "sqlmodel.")


def _join(values: Iterable[Value]) -> Value:
    """One answer from several origins: the strongest kind; facts that agree, or None."""
    found = [value for value in values if value.kind is not ValueKind.UNKNOWN]
    if not found:
        return UNKNOWN
    strongest = min(found, key=lambda value: _ORDER[value.kind])
    same = [value for value in found if value.kind is strongest.kind]
    if len(same) == 1:
        return strongest
    return Value(
        strongest.kind,
        _agree(value.is_async for value in same),
        _agree_factory(same),
        _agree(value.expire_on_commit for value in same),
        any(value.in_unit_of_work for value in same),
        _agree(value.cls for value in same),
        _best_evidence(same),
        strongest.result,
        next((value.begun for value in same if value.begun is not None), None),
    )


_ORDER = {kind: position for position, kind in enumerate(ValueKind)}
#: What a value kept under a mapping key may be: the database handles.
_HANDLE_KINDS = frozenset(
    {ValueKind.SESSION, ValueKind.CONNECTION, ValueKind.FACTORY, ValueKind.ENGINE, ValueKind.TRANSACTION}
)


def _handle_role(value: Value) -> ValueKind | None:
    """What a value kept under a mapping key is as a database handle, or None: a factory and a
    callable that gives a session play one part."""
    if value.kind is ValueKind.CALLABLE and value.result is not None and value.result.is_session:
        return ValueKind.FACTORY
    return value.kind if value.kind in _HANDLE_KINDS else None


def _returned_item_step(steps: tuple[Step, ...]) -> int | None:
    """Where the steps take a position of a call's returned tuple (`engine, factory = make()`
    binds `factory` as `make()` then item 1), after that call; None when they take none."""
    for where, step in enumerate(steps):
        if step.kind is StepKind.ITEM and step.name.isdigit() and where > 0:
            return where
    return None


def _agree(items: Iterable[_T | None]) -> _T | None:
    known = {item for item in items if item is not None}
    return known.pop() if len(known) == 1 else None


def _agree_factory(values: list[Value]) -> FactorySite | None:
    # Sites hold their call's keywords (a dict): tell them apart by where they are.
    known = {
        (site.path, site.call.line, site.call.col): site for value in values if (site := value.factory) is not None
    }
    return next(iter(known.values())) if len(known) == 1 else None


def _best_evidence(values: list[Value]) -> Evidence | None:
    """The evidence that tells most: a located source (a provider, a factory) over an annotation."""
    located = [value.evidence for value in values if value.evidence is not None and value.evidence.path]
    if located:
        return located[0]
    return next((value.evidence for value in values if value.evidence is not None), None)


class ValueModel:
    """Evaluates origins against the project index; memoised, since the index does not change."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._origins: dict[Origin, Value] = {}
        self._functions: dict[str, Value] = {}
        self._in_progress: set[object] = set()
        self.interfaces = Interfaces(index)
        self._entered_memo: dict[str, Value | None] = {}
        #: The construction sites of each constructor, by the class that defines it (built when
        #: first asked: most runs never ask what a constructor's parameter receives).
        self._constructed: dict[str, list[tuple[Construction, bool]]] | None = None
        self._bound: dict[str, list[Construction]] | None = None
        #: The files whose calls pass something with evidence to a function of each name (built
        #: when first asked, as the construction sites are), and those calls, by name, once read.
        self._passing_files: dict[str, list[str]] | None = None
        self._passing: dict[str, list[tuple[str, PassingCall, bool]]] = {}
        self._callees: dict[Origin, str] = {}
        self._passed_expiry: dict[tuple[str, str], bool | None] = {}
        self._loaded_waits: dict[tuple[str, tuple[str, ...], tuple[KnownArgument, ...]], bool] = {}

    # -- public questions ------------------------------------------------------------

    def of(self, origins: Iterable[Origin]) -> Value:
        """What a value with these origins is."""
        origins = tuple(origins)
        if len(origins) == 1:
            return self.origin(origins[0])
        values = [self.origin(origin) for origin in origins]
        annotated = [
            value
            for origin, value in zip(origins, values, strict=True)
            if origin.kind is OriginKind.ANNOTATION and not origin.steps
        ]
        if len(annotated) > 1 and len({value.kind for value in annotated}) > 1:
            # A union annotation (`AsyncSession | httpx.AsyncClient`) is evidence only when
            # every member agrees.
            values = [value for value in values if all(value is not other for other in annotated)]
        return _join(self._most_specific(values))

    def _most_specific(self, values: list[Value]) -> list[Value]:
        """Instances of a class and of one that implements it (the annotation names a protocol
        or a base, the constructor's callers pass the implementation): the implementation."""
        classes = {value.cls for value in values if value.kind is ValueKind.INSTANCE and value.cls is not None}
        if len(classes) < 2:
            return values
        implements = self.interfaces.implements
        general = {cls for cls in classes if any(implements(other, cls) for other in classes)}
        return [value for value in values if value.kind is not ValueKind.INSTANCE or value.cls not in general]

    def of_ref(self, ref: ValueRef) -> Value:
        return self.of(ref.origins)

    def is_session(self, ref: ValueRef) -> bool:
        return self.of(ref.origins).is_session

    def sessions_reached(self, reach: Reach, scope: str) -> list[tuple[str, ValueRef, Value]]:
        """The sessions and connections a reach brings to some work, each with an identity that
        is the same wherever the one value goes (`s` in `scope`, or `Svc.__init__:session` for
        what `self.users = UserRepository(session)` holds)."""
        found: list[tuple[str, ValueRef, Value]] = []
        if reach.how is ReachKind.LOADED and reach.argument == RECEIVER:
            return self._receiver_sessions(reach, scope)
        if (
            reach.how is ReachKind.LOADED
            and reach.callee
            and not self.index.summaries.returns_query_results(reach.callee, reach.argument)
        ):
            # Objects a project call returned: the session it was handed loaded them only when
            # the callee returns what queries of that parameter gave.
            return found
        value = self.of(reach.ref.origins)
        if value.runs_statements:
            found.append((f"{scope}:{reach.ref.text}", reach.ref, value))
            return found
        for origin in reach.ref.origins:
            for owner, held in self._attribute_holds(origin):
                for inner in held:
                    inner_value = self.of(inner.ref.origins)
                    if inner_value.runs_statements:
                        found.append((f"{owner}:{inner.ref.text}", inner.ref, inner_value))
        if found and self._method_leaves_held(reach, scope):
            return []
        if not found and reach.how is ReachKind.METHOD_CALL and reach.via and not reach.ref.holds:
            # (An object built from a session here, `repo = Repo(s)`, reaches it as a wrapper.)
            found.extend(self._used_by_method(reach, scope))
        if not found and reach.how is ReachKind.ARGUMENT and reach.ref.received and not reach.ref.holds:
            # (What the function binds itself is judged by what it was built from, above.)
            found.extend(self._kept_sessions(reach.ref, value, scope))
        return found

    def _method_leaves_held(self, reach: Reach, scope: str) -> bool:
        """`client.adapter.cancel()`, where `adapter` was built from a session: the method the
        work calls is one of the project's and neither it nor a method it calls waits on a
        session the wrapper keeps (the constructor dropped it, or the method never touches it),
        the test `_held_wrapper_sessions` applies to the wrappers a method calls. A method the
        index cannot find, or whose body says nothing (a protocol's `...`), is not known to leave it."""
        if reach.how is not ReachKind.METHOD_CALL or not reach.via:
            return False
        cls = self._receiver_class(reach.ref, scope)
        methods = self._methods_named(cls, reach.via, "") if cls is not None else []
        functions = self.index.functions
        if not methods or any(functions[method].stub for method in methods):
            return False
        return not self._used_by_method(reach, scope)

    def _receiver_sessions(self, reach: Reach, scope: str) -> list[tuple[str, ValueRef, Value]]:
        """Objects a method of a project object returned (`crates = await self.repo.all()`): the
        session the object keeps where the method's queries run (`self.session` of the
        repository, as the class says it holds it: set in `__init__`, declared, handed in)."""
        if not reach.callee:
            return []
        receiver = self.of(reach.ref.origins)
        if receiver.kind is not ValueKind.INSTANCE or receiver.cls not in self.index.classes:
            return []
        found: list[tuple[str, ValueRef, Value]] = []
        for path in self.index.summaries.receiver_query_paths(reach.callee):
            origins = tuple(
                Origin(origin.kind, origin.name, (*origin.steps, *(Step(StepKind.ATTRIBUTE, name) for name in path)))
                for origin in reach.ref.origins
            )
            value = self.of(origins)
            if value.runs_statements:
                found.append((f"{scope}:{reach.ref.text}", ValueRef(reach.ref.text, origins), value))
        return found

    def _kept_sessions(self, ref: ValueRef, value: Value, scope: str) -> list[tuple[str, ValueRef, Value]]:
        """The sessions an object received whole keeps, by its declared class: `ctx: Context`
        handed to each task, where `Context` declares `session: AsyncSession` (a dataclass field,
        an annotated class attribute, `self.session` set in `__init__`)."""
        if value.kind is not ValueKind.INSTANCE or value.cls is None or value.cls not in self.index.classes:
            return []
        found: list[tuple[str, ValueRef, Value]] = []
        for cls in self.index.class_chain(value.cls):
            for attribute, facts in cls.attributes.items():
                kept = self.of(facts.origins)
                if kept.kind is ValueKind.SESSION:
                    shown = f"{ref.text}.{attribute}"
                    found.append((f"{scope}:{shown}", ValueRef(shown, facts.origins), kept))
        return found

    def _used_by_method(self, reach: Reach, scope: str, depth: int = 0) -> list[tuple[str, ValueRef, Value]]:
        """`self.load(i)`: the sessions the method (or a subclass's override of it, or a method of
        the object it calls in turn) uses off the object (`self.session.execute(...)`), also
        inside a project object it keeps (`await self.users.get(i)`, see `_held_wrapper_sessions`)."""
        cls = self._receiver_class(reach.ref, scope)
        if cls is None or depth > _MAX_WRAPPER_DEPTH:
            return []
        # A subclass that overrides the spawning method itself never runs this spawn.
        spawner = scope[len(cls) + 1 :].split(".", 1)[0] if reach.ref.text == "self" else ""
        found: dict[str, tuple[str, ValueRef, Value]] = {}
        called = self._methods_named(cls, reach.via, spawner)
        pending = list(called)
        seen: set[str] = set()
        while pending and len(seen) < _MAX_METHODS:
            qualname = pending.pop()
            function = self.index.functions.get(qualname)
            if qualname in seen or function is None:
                continue
            seen.add(qualname)
            # In the method called, what runs only under a test the call's arguments settle the
            # other way never runs; in the methods it calls in turn, all may.
            settled = self.index.summaries.flags(function, reach.arguments) if qualname in called else {}
            for call in function.calls:
                text = call.receiver.text
                if (
                    not call.awaited
                    or not text.startswith("self.")
                    or text in found
                    or not happens(call.guard, settled)
                ):
                    continue  # (`self.session.add(x)` alone never waits, so never interleaves)
                value = self.of(call.receiver.origins)
                if value.runs_statements:
                    shown = reach.ref.text + text.removeprefix("self")
                    found[text] = (f"{scope}:{shown}", ValueRef(shown, call.receiver.origins), value)
            for text, origins, value in self._handed_sessions(cls, function, found, settled):
                shown = reach.ref.text + text.removeprefix("self")
                found[text] = (f"{scope}:{shown}", ValueRef(shown, origins), value)
            for text, held in self._held_wrapper_sessions(
                cls, function, found, settled, (scope, reach.ref.text), depth
            ):
                found[text] = held
            owner = qualname.rsplit(".", 1)[0]
            for invocation in function.invocations:
                name = invocation.target
                # `self.other(...)`: a method of the same object
                if name.rsplit(".", 1)[0] == owner and happens(invocation.guard, settled):
                    pending.extend(self._methods_named(cls, name.rsplit(".", 1)[-1], spawner))
        return list(found.values())

    def _held_wrapper_sessions(
        self,
        cls: str,
        function: FunctionFacts,
        found: dict[str, tuple[str, ValueRef, Value]],
        settled: dict[str, KnownArgument],
        where: tuple[str, str],
        depth: int,
    ) -> Iterator[tuple[str, tuple[str, ValueRef, Value]]]:
        """The sessions inside the project objects the object keeps, when a method calls a method
        of such an object that waits on its own session: `await self.users.get(i)` where
        `__init__` set `self.users = UserRepository(session)`. Each is known by the object
        (`where`: the scope and the text of the object the methods are called on), the method that
        built the attribute and the value it was built from, so that `self.users` and
        `self.orders` built from one `session` in `__init__` are one session, and two objects of
        the class (`a.load()`, `b.load()`) two sessions."""
        scope, receiver = where
        for read in function.parameter_reads:
            if read.parameter != "self" or len(read.path) != 2 or read.replaced or not happens(read.guard, settled):
                continue
            name, method = read.path
            text = f"self.{name}"
            if text in found:
                continue
            attribute = self.index.class_attributes(cls).get(name)
            if attribute is None or not attribute.holds:
                continue
            # (Only a project object whose method waits on the session it keeps: a wrapper whose
            # method merely adds objects, or opens a session of its own, shares nothing.)
            wrapper = Reach(ValueRef(text, attribute.origins), ReachKind.METHOD_CALL, method)
            if not self._used_by_method(wrapper, scope, depth + 1):
                continue
            for inner in (reach for held in attribute.holds for reach in held.reaches):
                value = self.of(inner.ref.origins)
                if value.runs_statements:
                    kept = self._kept_as(cls, attribute.function, inner.ref.text)
                    # (Kept on the object too, `self.session = session`: the session a method
                    # uses directly, `self.session.get(...)`, known as such.)
                    identity = (
                        f"{scope}:{receiver}.{kept}"
                        if kept is not None
                        else f"{scope}:{receiver}:{attribute.function}:{inner.ref.text}"
                    )
                    yield text, (identity, inner.ref, value)
                    break

    def _kept_as(self, cls: str, function: str, parameter: str) -> str | None:
        """The attribute of the object that `function` (its constructor) set from its own
        `parameter`, as it is: `session` of `self.session = session`."""
        received = Origin(OriginKind.PARAMETER, f"{function}:{parameter}")
        for name, attribute in self.index.class_attributes(cls).items():
            if attribute.function == function and not attribute.holds and received in attribute.origins:
                return name
        return None

    def _handed_sessions(
        self,
        cls: str,
        function: FunctionFacts,
        found: dict[str, tuple[str, ValueRef, Value]],
        settled: dict[str, KnownArgument],
    ) -> Iterator[tuple[str, tuple[Origin, ...], Value]]:
        """The sessions the object keeps that a method hands to a coroutine which waits on them:
        `return await count_orders(self.session)` (unless under a test `settled` fails)."""
        summaries = self.index.summaries
        for forward in function.forwards:
            if forward.parameter != "self" or len(forward.path) != 1 or not happens(forward.guard, settled):
                continue
            text = f"self.{forward.path[0]}"
            if text in found:
                continue
            attribute = self.index.class_attributes(cls).get(forward.path[0])
            if attribute is None:
                continue
            kept = attribute.origins
            value = self.of(kept)
            if not value.runs_statements:
                continue
            # (Only a coroutine of the project: what a call the index cannot follow does with the
            # session, or a sync helper, says nothing about waiting beside the other work.)
            callees = summaries.callees(forward.callee)
            if any(callee.is_async for callee in callees) and summaries.waits.call(
                summaries, forward.callee, forward.argument
            ):
                yield text, kept, value

    def _receiver_class(self, ref: ValueRef, scope: str) -> str | None:
        """The class of the object a method is called on: `self` in a method, or an instance."""
        if ref.text == "self":
            parts = scope.split(".")
            for end in range(len(parts) - 1, 0, -1):
                owner = ".".join(parts[:end])
                if owner in self.index.classes:
                    return owner
            return None
        value = self.of(ref.origins)
        return value.cls if value.kind is ValueKind.INSTANCE and value.cls in self.index.classes else None

    def _methods_named(self, cls: str, name: str, spawner: str) -> list[str]:
        """The method `name` that `cls` has (its own or inherited), and every override of it in a
        subclass that inherits `spawner` from `cls`: a call on `self` in a base class runs
        whichever the object's class defines."""
        index = self.index
        functions = index.functions
        found = [f"{c.qualname}.{name}" for c in index.class_chain(cls) if f"{c.qualname}.{name}" in functions][:1]
        for subclass in self.interfaces.subclasses(cls):
            method = f"{subclass}.{name}"
            if method not in functions:
                continue
            between = []
            for klass in index.class_chain(subclass):
                if klass.qualname == cls:
                    break
                between.append(klass.qualname)
            if not (spawner and any(f"{klass}.{spawner}" in functions for klass in between)):
                found.append(method)
        return found

    def loaded_objects_wait(
        self, method: str, keywords: tuple[str, ...] = (), arguments: tuple[KnownArgument, ...] = ()
    ) -> bool:
        """Whether calling `method` (with these keywords) on ORM objects may wait on the session
        that loaded them: every mapped class of the project whose method of that name (its own or
        inherited) takes the keywords gets that session with `async_object_session(self)`/
        `object_session(self)` and awaits a call on it, or loads a lazily loaded relationship of
        itself (`await self.awaitable_attrs.items`), in the method or in a method of the same
        object it calls (`self._pending()`). What the method does only under a test of its
        parameters that the call's `arguments` (or the defaults it leaves) settle otherwise
        (`self._pending() if "pending" in include else ...` for `include=[]`) does not count."""
        key = (method, keywords, arguments)
        known = self._loaded_waits.get(key)
        if known is None:
            known = self._loaded_waits[key] = self._compute_loaded_waits(method, keywords, arguments)
        return known

    def _compute_loaded_waits(
        self, method: str, keywords: tuple[str, ...], arguments: tuple[KnownArgument, ...]
    ) -> bool:
        index = self.index
        functions = index.functions
        owners: set[str] = set()
        for model in index.models():
            chain = index.class_chain(model)
            found = next((c.qualname for c in chain if f"{c.qualname}.{method}" in functions), None)
            if found is not None and _takes(functions[f"{found}.{method}"], keywords):
                owners.add(f"{found}.{method}")
        return bool(owners) and all(self._waits_on_own_session(qualname, arguments) for qualname in sorted(owners))

    def _waits_on_own_session(self, qualname: str, arguments: tuple[KnownArgument, ...] = ()) -> bool:
        """The method, or a method of the same class it calls, awaits a call on the session
        `async_object_session(self)` gives. In the method itself, a load or a call under a test
        that `arguments` settle otherwise does not count; in the methods it calls, all do (what
        it hands them is not followed)."""
        functions = self.index.functions
        pending, seen = [qualname], set[str]()
        while pending and len(seen) < _MAX_METHODS:
            name = pending.pop()
            function = functions.get(name)
            if name in seen or function is None:
                continue
            seen.add(name)
            settled = self.index.summaries.flags(function, arguments) if name == qualname else {}
            if any(
                call.awaited and self._from_object_session(call.receiver.origins) and happens(call.guard, settled)
                for call in function.calls
            ):
                return True
            if function.parameters and self._loads_itself(function, function.parameters[0], settled):
                return True
            owner = name.rsplit(".", 1)[0]
            pending.extend(
                i.target
                for i in function.invocations
                if i.target.rsplit(".", 1)[0] == owner and happens(i.guard, settled)
            )
        return False

    def _loads_itself(
        self, function: FunctionFacts, receiver: str, settled: dict[str, KnownArgument] | None = None
    ) -> bool:
        """The method loads a relationship of its own object that is loaded lazily (`await
        self.awaitable_attrs.items` with the default `lazy="select"`): a statement on the
        object's session unless the query loaded it. An eager loader's relationship is loaded
        with the object; a `raise`/`noload` one never runs a statement. A load under a test that
        `settled` (what the call passes) fails is never made."""
        owner = function.qualname.rsplit(".", 1)[0]
        for read in function.parameter_loads:
            if read.parameter != receiver or len(read.path) != 1:
                continue
            if settled and not happens(read.guard, settled):
                continue
            relationship = self.index.relationships(owner).get(read.path[0])
            if relationship is not None and relationship.lazy in _LAZY_LOADERS:
                return True
        return False

    def _from_object_session(self, origins: tuple[Origin, ...]) -> bool:
        """The value is what `async_object_session(...)`/`object_session(...)` returned."""
        return any(
            origin.kind is OriginKind.NAME
            and origin.steps == (CALL,)
            and known_api(self.index.canonical(origin.name)) in _SESSION_GETTERS
            for origin in origins
        )

    def runs_statements_here(self, function: FunctionFacts, text: str) -> bool:
        """Usage evidence: the function calls `execute`/`scalars`/`get`... on `text` with a
        SQLAlchemy statement or a model, so it is a session or a connection."""
        for call in function.calls:
            if call.receiver.text == text and call.argument and self._is_statement_or_model(call.argument):
                return True
        return False

    def opened_from_factory(self, origins: Iterable[Origin]) -> bool:
        """A value made straight from a session factory: `SessionLocal()` or `SessionLocal.begin()`."""
        for origin in origins:
            if not origin.steps:
                continue
            last = origin.steps[-1]
            opens = last.kind is StepKind.CALL or (last.kind is StepKind.METHOD and last.name == "begin")
            if opens and self.origin(origin.base()).kind is ValueKind.FACTORY:
                return True
        return False

    def callee(self, origin: Origin) -> str | None:
        """The project function or method a call runs: `load(...)`, `repo.get(...)`, `self.repo.get(...)`."""
        # Kept once found (what it is made of is kept too); a call found to run nothing is asked
        # again, as its receiver may have been a question in progress then.
        known = self._callees.get(origin)
        if known is None:
            known = self._callee(origin)
            if known is not None:
                self._callees[origin] = known
        return known

    def _callee(self, origin: Origin) -> str | None:
        origin = self._folded(origin)
        if not origin.steps:
            return None
        last = origin.steps[-1]
        base = self.origin(origin.base())
        if last.kind is StepKind.CALL and base.kind is ValueKind.CALLABLE and base.cls in self.index.functions:
            return base.cls
        if last.kind is StepKind.METHOD and base.kind in _HAS_METHODS and base.cls:
            return self.interfaces.method(base.cls, last.name)
        return None

    def union_methods(self, origin: Origin) -> tuple[str, ...]:
        """The methods a call on a parameter annotated with a union alias may run
        (`request: ProvisionRequest`, then `request.apply(order)`): each member class's own."""
        steps = origin.steps
        if origin.kind is not OriginKind.ANNOTATION or len(steps) != 1 or steps[0].kind is not StepKind.METHOD:
            return ()
        index = self.index
        members = index.union_aliases.get(index.canonical(origin.name), ())
        found: dict[str, None] = {}
        for member in members:
            method = self.interfaces.method(index.canonical(member), steps[0].name)
            if method is not None and method in index.functions:
                found[method] = None
        return tuple(found)

    def dispatched(self, origin: Origin) -> tuple[str, ...]:
        """The project functions a call through a dispatch table may run: `HANDLERS[key](...)`,
        `HANDLERS.get(key)(...)`; none unless every entry of the table is one."""
        steps = origin.steps
        if origin.kind is not OriginKind.NAME or len(steps) != 2 or steps[1].kind is not StepKind.CALL:
            return ()
        if steps[0].kind is not StepKind.ITEM and steps[0] != _GET:
            return ()
        entries = self.index.dispatch_tables.get(self.index.canonical(origin.name), ())
        found: dict[str, None] = {}
        for entry in entries:
            value = self.origin(entry)
            qualname = value.cls if value.kind is ValueKind.CALLABLE else None
            if qualname is None or qualname not in self.index.functions:
                return ()
            found[qualname] = None
        return tuple(found)

    def made_by_a_class(self, origins: Iterable[Origin], depth: int = 0) -> bool:
        """`databases.Database(url)`, `Pool.create(...)`, or a module-level name bound to one: an
        instance of a class that no evidence makes a session (a library's pool of connections,
        which tasks may share), so a value its origin says something of, where a library
        function's result (`get_session()`) says nothing. Classes are named in CapWords."""
        for origin in origins:
            if origin.kind is OriginKind.NAME and not origin.steps:
                kept = self.index.module_values.get(self.index.canonical(origin.name))
                if kept and depth < _MAX_NAME_HOPS and self.made_by_a_class(kept, depth + 1):
                    return True
            elif origin.steps:
                # `Database(url)`, `Pool.create(...)`, and `databases.Database(url)`, a module's member.
                first = origin.steps[0]
                called = (origin.name.rsplit(".", 1)[-1], first.name if first.kind is StepKind.METHOD else "")
                if any(name[:1].isupper() for name in called):
                    return True
        return False

    def is_sync_connection(self, origins: Iterable[Origin]) -> bool:
        """A sync `Connection` handed in: a value annotated so (the parameter
        `AsyncConnection.run_sync(fn)` fills), or Alembic's `op.get_bind()` /
        `context.get_bind()`, the connection a migration runs on (sync, also under an async
        `env.py`). Not a connection the code opens itself (`sync_engine.connect()`): a sync
        engine beside the async factory is the drift ASA101 reports."""
        origins = tuple(origins)
        if not origins:
            return False
        if any(_alembic_bind(self.index.canonical(origin.name), origin) for origin in origins):
            return True
        if not all(origin.kind is OriginKind.ANNOTATION and not origin.steps for origin in origins):
            return False
        value = self.of(origins)
        return value.kind is ValueKind.CONNECTION and value.is_async is False

    def engine_of(self, origins: Iterable[Origin]) -> EngineRef | None:
        """The engine a value with these origins is (a factory's bind), or None when the index
        cannot tell which engine it is (a parameter, an annotation, origins that disagree)."""
        found = {self._engine(origin, 0) for origin in origins}
        if len(found) != 1:
            return None
        return found.pop()

    def _engine(self, origin: Origin, depth: int) -> EngineRef | None:
        if depth > _MAX_DEPTH:
            return None
        steps = origin.steps
        while steps and steps[-1] == _SYNC_ENGINE:
            steps = steps[:-1]  # `engine.sync_engine` is the same pool, the same database
        if not steps:
            return self._kept_engine(origin, depth)
        last = steps[-1]
        base = Origin(origin.kind, origin.name, steps[:-1])
        value = self.origin(base)
        if last.kind is StepKind.CALL and value.kind is ValueKind.ENGINE_CONSTRUCTOR:
            return _FRESH_ENGINE
        if last.kind is StepKind.METHOD and last.name == _DERIVE_ENGINE and value.kind is ValueKind.ENGINE:
            # `engine.execution_options(isolation_level="AUTOCOMMIT")`: a copy that shares the pool
            # but runs its own way, the documented bind of a second factory (autocommit beside
            # transactional sessions); kept under a name, it is told apart by that name.
            return _FRESH_ENGINE
        if last.kind is StepKind.ATTRIBUTE and value.kind is ValueKind.INSTANCE and value.cls is not None:
            return self._kept_engine(Origin(OriginKind.ATTRIBUTE, f"{value.cls}.{last.name}"), depth)
        callee = self.callee(Origin(origin.kind, origin.name, steps))
        if callee is None and last.kind is StepKind.CALL and value.kind is ValueKind.CALLABLE:
            callee = value.cls
        function = self.index.functions.get(callee) if callee is not None else None
        if function is None or not function.returned:
            return None
        return self.engine_of(origin for ref in function.returned for origin in ref.origins)

    def _kept_engine(self, origin: Origin, depth: int) -> EngineRef | None:
        """A name or attribute that holds an engine: itself, or the named engine it aliases."""
        index = self.index
        if origin.kind is OriginKind.APP_STATE:
            return EngineRef(f"app.state.{origin.name}", label=f"`app.state.{origin.name}`")
        if origin.kind is OriginKind.MAPPING_KEY:
            return EngineRef(f'["{origin.name}"]', label=f'`["{origin.name}"]`')
        if origin.kind is OriginKind.NAME:
            name = index.canonical(origin.name)
            module, _, short = name.rpartition(".")
            places = [(name, short, index.module_paths.get(module, ""), index.module_values.get(name, ()))]
        elif origin.kind is OriginKind.ATTRIBUTE:
            owner, _, attribute = origin.name.rpartition(".")
            places = [
                (
                    f"{cls.qualname}.{attribute}",
                    f"{cls.name}.{attribute}",
                    index.class_paths.get(cls.qualname, ""),
                    held,
                )
                for cls in index.class_chain(owner)
                if (facts := cls.attributes.get(attribute)) is not None and (held := facts.origins)
            ][:1]
        else:
            return None
        for name, short, path, held in places:
            if not held:
                continue
            inner = {self._engine(inner, depth + 1) for inner in held}
            if len(inner) == 1 and (found := inner.pop()) is not None and not found.fresh:
                return found  # `self.engine = engine`: the module's engine under another name
            if self.of(held).kind is ValueKind.ENGINE:
                where = f" ({index.relative(path)})" if path else ""
                return EngineRef(name, label=f"`{short}`{where}")
        return None

    def of_factory(self, site: FactorySite) -> Value:
        """A factory constructed at `site`, with its flavour and `expire_on_commit`."""
        return self._factory(site)

    def function_result(self, qualname: str) -> Value:
        """What calling a project function gives: what it yields, returns, or is annotated to return."""
        known = self._functions.get(qualname)
        if known is not None:
            return known
        if qualname in self._in_progress:
            return UNKNOWN
        self._in_progress.add(qualname)
        try:
            found = self._compute_function_result(qualname)
        finally:
            self._in_progress.discard(qualname)
        self._functions[qualname] = found
        return found

    # -- origins -----------------------------------------------------------------------

    def origin(self, origin: Origin) -> Value:
        known = self._origins.get(origin)
        if known is not None:
            return known
        # Checked before folding too: folding asks what the name is, and a module-level
        # `text = text.strip()` makes that question this one again.
        if origin in self._in_progress:
            return UNKNOWN
        self._in_progress.add(origin)
        try:
            folded = self._folded(origin)
            kept = self._library_kept(origin) if origin.kind is OriginKind.ATTRIBUTE else None
            item = _returned_item_step(origin.steps)
            if item is not None:
                value = self._returned_item(origin, item)
            elif folded is not origin:
                value = self.origin(folded)
            elif kept is not None:
                value = self._steps(*kept)
            else:
                value = self._steps(self._root(origin), origin.steps)
        finally:
            self._in_progress.discard(origin)
        self._origins[origin] = value
        return value

    def _returned_item(self, origin: Origin, item: int) -> Value:
        """`factory` of `engine, factory = make()`: what the project function the call runs
        returns at that position (`return engine, factory`), then the steps after it."""
        call = Origin(origin.kind, origin.name, origin.steps[:item])
        qualname = self.callee(call)
        function = self.index.functions.get(qualname) if qualname is not None else None
        position = int(origin.steps[item].name)
        if function is None or position >= len(function.returned_items):
            return UNKNOWN
        found = _join(self.of(ref.origins) for ref in function.returned_items[position])
        return self._steps(found, origin.steps[item + 1 :])

    def _steps(self, value: Value, steps: tuple[Step, ...]) -> Value:
        before = value
        for step in steps:
            if value.kind is ValueKind.UNKNOWN:
                break
            if step == SYNC_ITEM:
                # `next(get_db())`: the item of a sync generator; called on an async function's
                # generator (or coroutine) it raises TypeError, and there is no item.
                if self._is_async_function(before):
                    return UNKNOWN
                continue
            before, value = value, self._step(value, step)
        return value

    def _is_async_function(self, value: Value) -> bool:
        function = self.index.functions.get(value.cls) if value.kind is ValueKind.CALLABLE and value.cls else None
        return function is not None and function.is_async

    def _folded(self, origin: Origin) -> Origin:
        """`services.load(...)` through a module: the function `pkg.services.load`, called.

        The facts see a method call on a name; when the name is no value the index knows and
        the name with the member is one (a function, a class, a module-level value), the
        member is what is called or read.
        """
        if origin.kind is not OriginKind.NAME or not origin.steps:
            return origin
        first = origin.steps[0]
        # What the name is, through the memo of origins: one project asked it 4,400 times in one
        # check, of 93 names (every call of `Repository.from_session(session)`).
        if (
            first.kind is StepKind.CALL
            or self.origin(Origin(OriginKind.NAME, origin.name)).kind is not ValueKind.UNKNOWN
        ):
            return origin
        member = f"{origin.name}.{first.name}"
        canonical = self.index.canonical(member)
        index = self.index
        if not (canonical in index.functions or canonical in index.classes or canonical in index.module_values):
            return origin
        rest = origin.steps[1:]
        if first.kind is StepKind.METHOD:
            rest = (Step(StepKind.CALL, "", first.expire_on_commit), *rest)
        return Origin(OriginKind.NAME, member, rest)

    def _root(self, origin: Origin) -> Value:
        index = self.index
        if origin.kind is OriginKind.NAME:
            return self._name(origin.name)
        if origin.kind is OriginKind.ANNOTATION:
            return self._instance_of(origin.name)
        if origin.kind is OriginKind.ATTRIBUTE:
            owner, _, attribute = origin.name.rpartition(".")
            return self._member(owner, attribute)
        if origin.kind is OriginKind.PROVIDED:
            provided = self._called(self._name(origin.name))
            return self._with_evidence(provided, f"from Depends({_short(origin.name)})", origin.name)
        if origin.kind is OriginKind.INJECTED:
            module, _, name = origin.name.partition(":")
            fixture = index.fixture_for(module, name)
            if fixture is not None:
                found = self.function_result(fixture.qualname)
                return self._with_evidence(found, f"from fixture `{name}`", fixture.qualname)
            providers = index.providers.get(name)
            if providers:
                found = _join(self.origin(provider) for provider in providers)
                return (
                    replace(found, evidence=Evidence(f"from dependency `{name}`")) if found.evidence is None else found
                )
            return UNKNOWN
        if origin.kind is OriginKind.PARAMETER:
            return self._passed(origin.name)
        if origin.kind is OriginKind.APP_STATE:
            stored = index.app_state.get(origin.name, ())
            found = _join(self.origin(inner) for inner in stored)
            if found.kind is ValueKind.UNKNOWN:
                return found
            return replace(found, evidence=found.evidence or Evidence(f"from app.state.{origin.name}"))
        if origin.kind is OriginKind.MAPPING_KEY:
            return self._mapping_key(origin.name)
        return UNKNOWN

    def _mapping_key(self, key: str) -> Value:
        """What the project stores under `["key"]` of a mapping, when that is a database handle.

        A string key is weaker evidence than an attribute of application state (`"user"` may key
        an ORM object in one dict and a name in another), so only sessions, connections,
        factories, engines and callables that give a session count, and only when every value
        the project keeps under the key, anywhere, is that one kind of handle.
        """
        kept = [self.origin(inner) for inner in self.index.mapping_keys.get(key, ())]
        roles = {_handle_role(value) for value in kept}
        if len(roles) != 1 or None in roles:
            return UNKNOWN  # the key also keeps something else somewhere: no evidence
        found = _join(kept)
        return replace(found, evidence=found.evidence or Evidence(f'from ["{key}"]'))

    def _name(self, qualname: str) -> Value:
        index = self.index
        canonical = index.canonical(qualname)
        api = known_api(canonical)
        if api is not None:
            if api in _SESSION_GETTERS:
                return Value(
                    ValueKind.CALLABLE, result=Value(ValueKind.SESSION, is_async=api is Api.ASYNC_OBJECT_SESSION)
                )
            kind = _API_KINDS.get(api)
            if kind is not None:
                return Value(kind, is_async=_api_flavour(api), cls=canonical)
        if index.is_session_class(canonical):
            return Value(ValueKind.SESSION_CLASS, is_async=self.class_flavour(canonical), cls=canonical)
        config = index.config_class_api(canonical) if canonical in index.classes else None
        if config is not None:
            # A project subclass of a config keeps its constructor and what it opens.
            return Value(_API_KINDS[config], is_async=_api_flavour(config), cls=canonical)
        site = index.factory_named(canonical)
        if site is not None:
            return self._factory(site)
        origins = index.module_values.get(canonical)
        if origins:
            found = self.of(origins)
            if found.kind is not ValueKind.UNKNOWN:
                return found
        if canonical in index.functions:
            return Value(ValueKind.CALLABLE, cls=canonical)
        if canonical in index.classes:
            if index.is_model(canonical):
                return Value(ValueKind.CLASS, cls=canonical, result=Value(ValueKind.MODEL_OBJECT, cls=canonical))
            return Value(ValueKind.CLASS, cls=canonical)
        return UNKNOWN

    def _instance_of(self, qualname: str) -> Value:
        """An instance of the class an annotation names (through type aliases)."""
        index = self.index
        qualname, provider = index.through_aliases(qualname, _MAX_DEPTH)
        canonical = index.canonical(qualname)
        if index.is_session_class(canonical):
            declared = Value(
                ValueKind.SESSION,
                is_async=self.class_flavour(canonical),
                cls=canonical,
                evidence=Evidence(f"annotated {_short(canonical)}"),
            )
            if provider:
                return _join((self.of(provider), declared))
            return declared
        api = index.api(canonical)
        if api is None and canonical in index.classes:
            api = index.config_class_api(canonical)
        if api is not None and api in _INSTANCE_KINDS:
            return Value(_INSTANCE_KINDS[api], is_async=_api_flavour(api), cls=canonical)
        if canonical in index.classes:
            if index.is_model(canonical):
                return Value(ValueKind.MODEL_OBJECT, cls=canonical)
            return Value(ValueKind.INSTANCE, cls=canonical)
        if provider:
            return self.of(provider)
        return UNKNOWN

    # -- steps -------------------------------------------------------------------------

    def _step(self, value: Value, step: Step) -> Value:
        kind = value.kind
        if step.kind is StepKind.CALL:
            return self._called(value, step)
        if step.kind is StepKind.METHOD:
            name = step.name
            if kind is ValueKind.FACTORY and name == "begin":
                session = self._called(value, step)
                return replace(session, in_unit_of_work=True)
            if kind is ValueKind.SESSION and name in _BEGIN:
                return Value(ValueKind.TRANSACTION, is_async=value.is_async, evidence=value.evidence)
            if kind is ValueKind.SESSION and name == "connection":
                return Value(ValueKind.CONNECTION, is_async=value.is_async)
            if kind is ValueKind.ENGINE and name in ("connect", "begin"):
                return Value(ValueKind.CONNECTION, is_async=value.is_async)
            if kind is ValueKind.ENGINE and name == _DERIVE_ENGINE:
                return Value(ValueKind.ENGINE, is_async=value.is_async)
            if kind is ValueKind.CONFIG and name in (_CONFIG_FACTORY, _CONFIG_SESSION):
                factory = Value(
                    ValueKind.FACTORY,
                    is_async=value.is_async,
                    expire_on_commit=value.expire_on_commit,
                    evidence=value.evidence,
                    result=Value(ValueKind.SESSION, is_async=value.is_async, expire_on_commit=value.expire_on_commit),
                )
                return factory if name == _CONFIG_FACTORY else self._called(factory)
            if kind is ValueKind.REGISTRY and name == "generate_base":
                return Value(ValueKind.DECLARATIVE_BASE)
            if kind in (ValueKind.INSTANCE, ValueKind.CLASS) and value.cls is not None:
                member = self._member(value.cls, name)
                if self._returns_self(member):
                    # `Repo.from_session(s)` annotated `-> Self`: an instance of the class it is
                    # called on, a subclass of the one that defines it.
                    return Value(ValueKind.INSTANCE, cls=value.cls)
                return self._called(member)
            return UNKNOWN
        if step.kind is StepKind.ITEM:
            return UNKNOWN  # (an item of a dispatch table is one of several: `dispatched` answers)
        # An attribute read.
        name = step.name
        if kind is ValueKind.ENGINE and name == "sync_engine":
            return Value(ValueKind.ENGINE, is_async=False)
        if kind in (ValueKind.DECLARATIVE_BASE, ValueKind.REGISTRY) and name == "metadata":
            return Value(ValueKind.METADATA)
        if (
            kind is ValueKind.CLASS
            and value.cls is not None
            and name == "metadata"
            and self.index.is_declarative_class(value.cls)
        ):
            return Value(ValueKind.METADATA)
        if kind in (ValueKind.INSTANCE, ValueKind.CLASS) and value.cls is not None:
            # `db.session` is the method itself: a following call step calls it.
            return self._member(value.cls, name)
        return UNKNOWN

    def _called(self, value: Value, step: Step | None = None) -> Value:
        kind = value.kind
        override = _expiry(step.expire_on_commit) if step is not None and step.expire_on_commit else None
        made = _CONSTRUCTED.get(kind)
        if made is not None:
            # A bare session class call, or advanced-alchemy's config (whose factory gets only the
            # options its session config sets): SQLAlchemy's default expire_on_commit=True unless
            # the call says otherwise.
            expires = _constructed_expiry(step, override)
            if kind is ValueKind.CONFIG_CONSTRUCTOR and value.cls is not None and value.cls in self.index.classes:
                # A derived config that sets its session options itself: its code may replace
                # what the call passes; a `session_config` field only what the call leaves out.
                own = self.index.config_session_options(value.cls)
                if own == "code" or (own == "field" and override is None):
                    expires = None
            return Value(
                made,
                is_async=value.is_async,
                expire_on_commit=expires,
                cls=value.cls,
                evidence=Evidence(f"from {_short(value.cls or made.value)}(...)"),
            )
        if kind is ValueKind.FACTORY_CONSTRUCTOR:
            expires = _constructed_expiry(step, override)
            session = Value(ValueKind.SESSION, is_async=value.is_async, expire_on_commit=expires)
            return Value(ValueKind.FACTORY, is_async=value.is_async, expire_on_commit=expires, result=session)
        if kind is ValueKind.FACTORY:
            session = value.result or Value(ValueKind.SESSION, is_async=value.is_async)
            # A factory known by its annotation and by what its constructor got keeps the
            # constructor's `expire_on_commit` on itself, not on a session it describes.
            expires = next(
                (known for known in (override, session.expire_on_commit, value.expire_on_commit) if known is not None),
                None,
            )
            return replace(
                session,
                factory=value.factory,
                expire_on_commit=expires,
                evidence=value.evidence or session.evidence,
            )
        if kind is ValueKind.CALLABLE:
            if value.result is not None:
                return value.result
            if value.cls is not None and value.cls in self.index.functions:
                return self.function_result(value.cls)
            return UNKNOWN
        if kind is ValueKind.CLASS and value.cls is not None:
            if value.result is not None:
                return value.result
            entered = self._entered(value.cls)
            if entered is not None:
                return entered
            return Value(ValueKind.INSTANCE, cls=value.cls)
        if kind is ValueKind.INSTANCE and value.cls is not None:
            return self._called(self._member(value.cls, "__call__"))
        if kind is ValueKind.ENGINE_CONSTRUCTOR:
            return Value(ValueKind.ENGINE, is_async=value.is_async)
        if kind is ValueKind.DECLARATIVE_BASE_CONSTRUCTOR:
            return Value(ValueKind.DECLARATIVE_BASE)
        if kind is ValueKind.REGISTRY_CONSTRUCTOR:
            return Value(ValueKind.REGISTRY)
        if kind is ValueKind.METADATA_CONSTRUCTOR:
            return Value(ValueKind.METADATA)
        return UNKNOWN

    def _entered(self, cls: str) -> Value | None:
        """What `with cls(...) as x` binds, for a class that is only a context manager over a
        session (`__aenter__` returns `self.db`, set to `SessionLocal()` in `__init__`).

        The facts bind `x` to the call itself, so the instance stands for what entering it gives:
        only for a class with no public method of its own, whose instances exist to be entered.
        """
        known = self._entered_memo.get(cls)
        if known is not None or cls in self._entered_memo:
            return known
        self._entered_memo[cls] = None
        index = self.index
        chain = [klass.qualname for klass in index.class_chain(cls)]
        enter = next(
            (method for name in _ENTER_METHODS for klass in chain if (method := f"{klass}.{name}") in index.functions),
            None,
        )
        if enter is None or self._public_methods(chain):
            return None
        entered = self.function_result(enter)
        found = (
            replace(entered, evidence=Evidence(f"from {_short(cls)}()", *self._where(enter)))
            if entered.runs_statements
            else None
        )
        self._entered_memo[cls] = found
        return found

    def _public_methods(self, classes: list[str]) -> bool:
        prefixes = tuple(f"{cls}." for cls in classes)
        return any(
            qualname.startswith(prefixes) and not qualname.rsplit(".", 1)[-1].startswith("_")
            for qualname in self.index.functions
        )

    def _where(self, qualname: str) -> tuple[str, int]:
        path = self.index.function_paths.get(qualname, "")
        function = self.index.functions.get(qualname)
        return (self.index.relative(path) if path else "", function.line if function else 0)

    def _returns_self(self, member: Value) -> bool:
        function = self.index.functions.get(member.cls) if member.kind is ValueKind.CALLABLE and member.cls else None
        return function is not None and function.returns in _SELF_TYPES

    def _member(self, owner: str, name: str) -> Value:
        """`owner.name` for a project class: an attribute its methods set, or a method."""
        index = self.index
        for cls in index.class_chain(owner):
            attribute = cls.attributes.get(name)
            if attribute is not None and attribute.origins:
                found = self.of(attribute.origins)
                if found.kind is not ValueKind.UNKNOWN:
                    return found
            method = f"{cls.qualname}.{name}"
            if method in index.functions:
                if self.interfaces.declares_only(method):
                    method = self.interfaces.implementation(owner, name) or method
                function = index.functions[method]
                if any(decorator.endswith("property") for decorator in function.decorators):
                    return self.function_result(method)
                return Value(ValueKind.CALLABLE, cls=method)
        return self._library_member(owner, name)

    def _library_member(self, owner: str, name: str) -> Value:
        """`owner.name` that a library base of a project class sets: an instance of the class the
        project class names for it (advanced-alchemy's `repository`, of `repository_type`)."""
        index = self.index
        chain = index.class_chain(owner)
        for base in (index.canonical(base) for cls in chain for base in cls.bases):
            named_by = library_instance_attribute(base, name)
            if named_by is None:
                continue
            for cls in chain:
                attribute = cls.attributes.get(named_by)
                if attribute is not None and attribute.origins:
                    named = self.of(attribute.origins)
                    if named.kind is ValueKind.CLASS and named.cls in index.classes:
                        return Value(ValueKind.INSTANCE, cls=named.cls)
            return UNKNOWN
        return UNKNOWN

    def _attribute_holds(self, origin: Origin) -> list[tuple[str, tuple[Reach, ...]]]:
        """What `self.x` (or `obj.x` of a project class) was built from, per holding method."""
        if origin.kind is OriginKind.ATTRIBUTE and not origin.steps:
            owner, _, attribute = origin.name.rpartition(".")
        elif origin.steps and origin.steps[-1].kind is StepKind.ATTRIBUTE:
            base = self.origin(origin.base())
            if base.kind is not ValueKind.INSTANCE or base.cls is None:
                return []
            owner, attribute = base.cls, origin.steps[-1].name
        else:
            return []
        found: list[tuple[str, tuple[Reach, ...]]] = []
        for cls in self.index.class_chain(owner):
            facts = cls.attributes.get(attribute)
            if facts is not None and facts.holds:
                found.append((facts.function, tuple(r for held in facts.holds for r in held.reaches)))
        return found

    # -- functions -----------------------------------------------------------------------

    def _compute_function_result(self, qualname: str) -> Value:
        index = self.index
        function = index.functions.get(qualname)
        if function is None:
            return UNKNOWN
        where = index.function_paths.get(qualname, "")
        evidence = Evidence(f"from {function.name}()", index.relative(where) if where else "", function.line)
        found: list[Value] = []
        for guard in function.yields:
            value = self.of(guard.value.origins)
            if value.kind is ValueKind.UNKNOWN:
                continue
            if value.is_session and any(
                self.origin(origin).kind is ValueKind.TRANSACTION
                or (
                    origin.steps
                    and origin.steps[-1].name == "begin"
                    and self.origin(origin.base()).kind is ValueKind.FACTORY
                )
                for origin in guard.context_origins
            ):
                begins = [
                    block.line
                    for block in function.blocks
                    if block.method in _BEGIN and block.line <= guard.line <= block.end_line
                ]
                begun = Evidence(f"{function.name}()", evidence.path, max(begins, default=function.line))
                value = replace(value, in_unit_of_work=True, begun=begun)
            found.append(value)
        if not found:
            # What it returns; several returns of other classes (`TursoAdapter(...)` or
            # `SQLAlchemyAdapter(...)`) leave the class to the declared return type.
            returned = _join(self.of(ref.origins) for ref in function.returned)
            if returned.kind is not ValueKind.UNKNOWN:
                found.append(returned)
            if function.returns is not None:
                declared = self._instance_of(function.returns)
                if declared.kind is not ValueKind.UNKNOWN:
                    found.append(declared)
        if not found:
            return UNKNOWN
        result = _join(found)
        if result.is_session:
            return replace(result, evidence=evidence)
        return result

    def _with_evidence(self, value: Value, text: str, qualname: str) -> Value:
        if value.kind is ValueKind.UNKNOWN:
            return value
        return replace(value, evidence=Evidence(text, *self._where(self.index.canonical(qualname))))

    def _factory(self, site: FactorySite) -> Value:
        call = site.call
        is_async = self.index.is_async_factory_call(call)
        expires = _factory_expiry(call)
        evidence = Evidence(
            f"from {_short(call.assigned_to or call.text)}()", self.index.relative(site.path), call.line
        )
        session = Value(ValueKind.SESSION, is_async=is_async, factory=site, expire_on_commit=expires, evidence=evidence)
        return Value(ValueKind.FACTORY, is_async, site, expires, evidence=evidence, result=session)

    # -- constructors ----------------------------------------------------------------------

    def _passed(self, name: str) -> Value:
        """What the construction sites of a class pass for one parameter of its constructor
        (`module.Class.__init__:parameter`): the sites that pass something known must agree on
        what it is; sites that pass nothing known (a test's stub, the default) say nothing.
        The application's sites speak for the class; tests' sites (wrapping it in fixtures of
        their own) only when the application constructs it with nothing known."""
        constructor, _, parameter = name.rpartition(":")
        owner = constructor.removesuffix(".__init__")
        if owner == constructor or owner not in self.index.classes:
            return self._received(constructor, parameter)
        positional, keywords = self.constructor_parameters(owner)
        if parameter not in keywords:
            return UNKNOWN
        position = str(positional.index(parameter)) if parameter in positional else None
        return self._agreed_at(self.construction_sites().get(owner, ()), {parameter, position})

    def _agreed_at(self, sites: Iterable[tuple[Construction, bool]], keys: Collection[str | None]) -> Value:
        """What construction sites pass as one of `keys`, agreed (the application's sites first)."""
        found: tuple[list[Value], list[Value]] = ([], [])
        for site, in_tests in sites:
            for key, origins in site.arguments:
                if key in keys:
                    value = self._known_argument(self.of(origins))
                    if value is not None:
                        found[in_tests].append(value)
                    break
        return _agreed(found[0] or found[1])

    def _library_kept(self, origin: Origin) -> tuple[Value, tuple[Step, ...]] | None:
        """`self.repository.session` of a class whose library base keeps there the session its
        constructor is handed (advanced-alchemy): what the class's construction sites pass it,
        with the steps left to apply."""
        owner, _, attribute = origin.name.rpartition(".")
        index = self.index
        if owner not in index.classes or self.constructor_owner(owner) is not None:
            return None
        names = (attribute, *(step.name for step in origin.steps))
        for base in (index.canonical(base) for cls in index.class_chain(owner) for base in cls.bases):
            keys = [key for key in ("0", "session") if library_kept_session(base, key) is not None]
            path = library_kept_session(base, keys[0]) if keys else None
            if path is None or names[: len(path)] != path:
                continue
            sites = [
                (site, index.is_test_module(where))
                for where, outline in index.outlines.items()
                for site in outline.merged.constructions
                if not site.via_super and index.canonical(site.callee) == owner
            ]
            rest = origin.steps[len(path) - 1 :]
            return self._agreed_at(sites, keys), rest
        return None

    def _received(self, qualname: str, parameter: str) -> Value:
        """What the project's calls of a function pass for a parameter that says nothing of itself.

        Stricter than a constructor's sites: every call that passes the parameter must pass a
        value the model knows, and all must agree on what it is; one call that passes something
        unknown (an HTTP client, a value of no evidence) makes the parameter unknown. Calls that
        leave it to its default, and a recursive call that hands the parameter back, say nothing.
        The application's calls speak for the function; tests' calls only when it has none.
        """
        function = self.index.functions.get(qualname)
        if function is None:
            return UNKNOWN
        itself = (Origin(OriginKind.PARAMETER, f"{qualname}:{parameter}"),)
        found: tuple[list[Value], list[Value]] = ([], [])
        unknown = [False, False]
        for origins, in_tests in self._arguments_for(function, parameter):
            if origins != itself:
                value = self._known_argument(self.of(origins))
                if value is None:
                    unknown[in_tests] = True
                else:
                    found[in_tests].append(value)
        speaking = 0 if found[0] or unknown[0] else 1
        if unknown[speaking]:
            return UNKNOWN
        return _agreed(found[speaking])

    def passed_expiry(self, qualname: str, parameter: str) -> bool | None:
        """What commit() does to the objects of the sessions the application's calls of a
        function pass for a parameter (`sync(AsyncSession(engine))`, `sync(factory())`): known
        only when every such call passes a session whose construction or factory says, and all
        say the same. Calls in tests (their own fixtures' sessions) say nothing; a function only
        tests call has no answer."""
        key = (qualname, parameter)
        if key in self._passed_expiry:
            return self._passed_expiry[key]
        self._passed_expiry[key] = None  # a call chain that comes back here says nothing
        function = self.index.functions.get(qualname)
        found: set[bool | None] = set()
        if function is not None:
            for origins, in_tests, relayed in self._passed_for(function, parameter):
                if not in_tests:
                    value = self.of(origins)
                    expires = value.expire_on_commit if value.is_session else None
                    if expires is None and value.is_session and relayed:
                        # `_init(session)` in `async def _prepare(self, session: AsyncSession)`:
                        # the caller's own callers say what its parameter is.
                        caller, _, received = relayed.rpartition(":")
                        expires = self.passed_expiry(caller, received)
                    found.add(expires)
        answer = found.pop() if len(found) == 1 else None
        self._passed_expiry[key] = answer
        return answer

    def passed_functions(self, origin: Origin) -> tuple[str, ...]:
        """The project functions a call of a callable parameter may run (`await func(**kwargs)` on
        `func`, `module.f:func` with a call step): each function the project's calls of `f` pass
        for it (`in_transaction(session, save_posts)`), application and tests alike."""
        if origin.kind is not OriginKind.PARAMETER or origin.steps != (CALL,):
            return ()
        qualname, _, parameter = origin.name.rpartition(":")
        function = self.index.functions.get(qualname)
        if function is None:
            return ()
        found: dict[str, None] = {}
        for origins, _ in self._arguments_for(function, parameter):
            for passed in origins:
                value = self.origin(passed)
                if value.kind is ValueKind.CALLABLE and value.cls is not None and value.cls in self.index.functions:
                    found[value.cls] = None
        return tuple(found)[:_MAX_PASSED_FUNCTIONS]

    def _arguments_for(self, function: FunctionFacts, parameter: str) -> Iterator[tuple[tuple[Origin, ...], bool]]:
        """What each project call of `function` passes for `parameter` (by position or keyword),
        and whether the call is in a test module."""
        for origins, in_tests, _ in self._passed_for(function, parameter):
            yield origins, in_tests

    def _passed_for(self, function: FunctionFacts, parameter: str) -> Iterator[tuple[tuple[Origin, ...], bool, str]]:
        """As `_arguments_for`, with the caller's parameter the argument is (`module.caller:name`,
        empty when it is none)."""
        position: str | None = None
        if parameter in function.parameters[: function.positional]:
            offset = 1 if self._is_bound_method(function) else 0
            position = str(function.parameters.index(parameter) - offset)
        for _, site, in_tests in self._passing_calls(function.name):
            if not any(self.callee(origin) == function.qualname for origin in site.callee):
                continue
            for key, origins in site.arguments:
                if key in (parameter, position):
                    relayed = next((name for at, name in site.relayed if at == key), "")
                    yield origins, in_tests, relayed
                    break

    def _is_bound_method(self, function: FunctionFacts) -> bool:
        """A method whose first parameter is the object or class it is called on."""
        owner = function.qualname.rpartition(".")[0]
        return owner in self.index.classes and not any(d.endswith("staticmethod") for d in function.decorators)

    def calling_sites(self, function: FunctionFacts) -> Iterator[tuple[str, PassingCall]]:
        """The project calls that run `function` and pass it something with evidence (a session),
        each with the file it is in."""
        for path, call, _ in self._passing_calls(function.name):
            if any(self.callee(o) == function.qualname for o in call.callee):
                yield path, call

    def _passing_calls(self, name: str) -> list[tuple[str, PassingCall, bool]]:
        """The calls of the project that pass a function named `name` something with evidence,
        each with its file and whether that is a test module: read from the files whose outlines
        name it (`ProjectIndex.passing_calls`)."""
        found = self._passing.get(name)
        if found is not None:
            return found
        index = self.index
        if self._passing_files is None:
            self._passing_files = {}
            for path, outline in index.outlines.items():
                for callee in outline.passes_to:
                    self._passing_files.setdefault(callee, []).append(path)
        found = self._passing[name] = [
            (path, call, index.is_test_module(path))
            for path in self._passing_files.get(name, ())
            for call in index.passing_calls(path, name)
        ]
        return found

    def _known_argument(self, value: Value) -> Value | None:
        """A site's argument as evidence: None when it tells nothing (a callable whose result is
        unknown is no more than a name)."""
        if value.kind is ValueKind.UNKNOWN:
            return None
        if value.kind is ValueKind.CALLABLE:
            result = self._called(value)
            if result.kind is ValueKind.UNKNOWN:
                return None
            return Value(ValueKind.CALLABLE, evidence=value.evidence, result=result)
        return value

    def construction_sites(self) -> dict[str, list[tuple[Construction, bool]]]:
        """Every construction site of the project, by the class whose constructor it runs, and
        whether it is in a test module."""
        if self._constructed is None:
            index = self.index
            self._constructed = {}
            # (A project constructs its classes under a few names many times over: each name's
            # owner is worked out once.)
            owners: dict[tuple[str, bool], str | None] = {}
            for path, outline in index.outlines.items():
                constructions = outline.merged.constructions
                if not constructions:
                    continue
                in_tests = index.is_test_module(path)
                for site in constructions:
                    key = (site.callee, site.via_super)
                    if key in owners:
                        owner = owners[key]
                    else:
                        callee = index.canonical(site.callee)
                        owner = owners[key] = (
                            self.constructor_owner(callee, skip_first=site.via_super)
                            if callee in index.classes
                            else None
                        )
                    if owner is not None:
                        self._constructed.setdefault(owner, []).append((site, in_tests))
        return self._constructed

    def bound_constructions(self) -> dict[str, list[Construction]]:
        """The construction sites whose object is kept whole under a name, by that name: a
        module-level name (`module.repo`) or an attribute of `self` (`module.Class.repo`)."""
        if self._bound is None:
            self._bound = {}
            for sites in self.construction_sites().values():
                for site, _ in sites:
                    if site.bound:
                        self._bound.setdefault(site.bound, []).append(site)
        return self._bound

    def constructor_owner(self, cls: str, skip_first: bool = False) -> str | None:
        """The class whose constructor `cls(...)` runs: the nearest in its chain that defines
        `__init__` or has one generated (a dataclass); after `cls` itself for `super().__init__`."""
        chain = self.index.class_chain(cls)
        for klass in chain[1:] if skip_first else chain:
            if f"{klass.qualname}.__init__" in self.index.functions or klass.init_fields is not None:
                return klass.qualname
        return None

    def constructor_parameters(self, owner: str) -> tuple[list[str], set[str]]:
        """The constructor's positional parameters in order, and every parameter a keyword can fill."""
        function = self.index.functions.get(f"{owner}.__init__")
        if function is not None:
            positional = list(function.parameters[1 : function.positional])
            return positional, set(function.parameters[1:])
        # A generated `__init__` takes the fields of the dataclasses in the chain, bases first.
        fields = [name for klass in reversed(self.index.class_chain(owner)) for name in (klass.init_fields or ())]
        return fields, set(fields)

    # -- classes -------------------------------------------------------------------------

    def class_flavour(self, qualname: str) -> bool | None:
        index = self.index
        names = [qualname, *(base for cls in index.class_chain(qualname) for base in cls.bases)]
        apis = {known_api(index.canonical(name)) for name in names}
        if Api.ASYNC_SESSION in apis:
            return True
        if Api.SYNC_SESSION in apis:
            return False
        return None

    def _is_statement_or_model(self, origins: tuple[Origin, ...]) -> bool:
        index = self.index
        for origin in origins:
            if origin.kind is not OriginKind.NAME:
                continue
            canonical = index.canonical(origin.name)
            if not origin.steps and index.is_model(canonical):
                return True
            if (
                origin.steps
                and origin.steps[0].kind is StepKind.CALL
                and canonical.startswith(_STATEMENT_MODULES)
                and canonical.rsplit(".", 1)[-1] in _STATEMENT_CONSTRUCTORS
            ):
                return True
        return False


def _agreed(values: list[Value]) -> Value:
    """One answer from what several construction sites pass, or UNKNOWN when they disagree on
    what it is (its kind, its class, what calling it gives)."""
    if not values:
        return UNKNOWN
    if len({value.kind for value in values}) > 1 or len({value.cls for value in values} - {None}) > 1:
        return UNKNOWN
    if values[0].kind is ValueKind.CALLABLE:
        results = [value.result for value in values if value.result is not None]
        result = _agreed(results)
        if result.kind is ValueKind.UNKNOWN:
            return UNKNOWN
        return Value(ValueKind.CALLABLE, evidence=_best_evidence(values), result=result)
    joined = _join(values)
    # In a unit of work when some site's session is, and no site's is known not to be: one opened
    # from a factory outside `begin()` (a session known only by its annotation may be either).
    outside = any(value.factory is not None and not value.in_unit_of_work for value in values)
    return replace(joined, in_unit_of_work=joined.in_unit_of_work and not outside)


def _api_flavour(api: Api) -> bool | None:
    if api in (
        Api.ASYNC_SESSION,
        Api.ASYNC_SESSIONMAKER,
        Api.CREATE_ASYNC_ENGINE,
        Api.ASYNC_ENGINE_CLASS,
        Api.ASYNC_CONFIG,
    ):
        return True
    if api in (Api.SYNC_SESSION, Api.CREATE_ENGINE, Api.ENGINE_CLASS, Api.SYNC_CONFIG):
        return False
    if api is Api.ASYNC_CONNECTION_CLASS:
        return True
    if api is Api.CONNECTION_CLASS:
        return False
    return None


#: How many module-level names `made_by_a_class` follows (`db = Database(url)`, `database = db`).
_MAX_NAME_HOPS = 3

#: Alembic's modules whose `get_bind()` gives the migration's sync connection.
_ALEMBIC_BIND_OWNERS = frozenset({"alembic.op", "alembic.context"})
_GET_BIND = "get_bind"


def _alembic_bind(name: str, origin: Origin) -> bool:
    """`op.get_bind()` (through any import spelling of `alembic.op`), or `get_bind()` imported
    from it."""
    if origin.kind is not OriginKind.NAME or not origin.steps:
        return False
    first = origin.steps[0]
    if name in _ALEMBIC_BIND_OWNERS:
        return first.kind is StepKind.METHOD and first.name == _GET_BIND and len(origin.steps) == 1
    owner, _, leaf = name.rpartition(".")
    return owner in _ALEMBIC_BIND_OWNERS and leaf == _GET_BIND and origin.steps == (CALL,)


def _constructed_expiry(step: Step | None, override: bool | None) -> bool | None:
    """What a constructor call says of expire_on_commit: its literal, unknown when it passes
    something else (or `**options`), SQLAlchemy's default True when it says nothing."""
    if override is not None:
        return override
    return None if step is not None and step.expire_on_commit else True


def _factory_expiry(call: ApiCall) -> bool | None:
    value = call.keywords.get("expire_on_commit")
    if value is None:
        return None if call.has_star_kwargs else True
    return _expiry(value)


def _expiry(text: str | None) -> bool | None:
    if text == "False":
        return False
    if text == "True":
        return True
    return None


def _short(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1]


__all__ = ["EngineRef", "Evidence", "Value", "ValueKind", "ValueModel"]


def _takes(function: FunctionFacts, keywords: tuple[str, ...]) -> bool:
    """The function accepts these keywords (a `**kwargs` is not in its parameters: unknown)."""
    return all(keyword in function.parameters for keyword in keywords)
