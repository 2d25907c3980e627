"""What a function does with what its callers hand it: the attributes it reads off a parameter,
and what it always does to a session parameter (commit, rollback, refresh).

Composed once per project from each function's own facts (its parameter reads, the parameters
it forwards, the calls on its parameters) through the calls it makes, a few levels deep.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from alchemy_lint.facts.conditions import ANY_KEYWORD, ANY_POSITION, happens
from alchemy_lint.facts.effect_cases import effects_for
from alchemy_lint.facts.fresh_state import STATE
from alchemy_lint.facts.members import ELEMENT
from alchemy_lint.facts.model import (
    RERAISED,
    WHOLE_REFRESH,
    WRAPPED,
    Forward,
    FunctionFacts,
    FunctionLoading,
    HandedBack,
    KnownArgument,
    SourceKind,
)
from alchemy_lint.facts.proxies import PROXY
from alchemy_lint.facts.starting import VARIADIC
from alchemy_lint.facts.values import Origin, OriginKind, StepKind, paths_below, within
from alchemy_lint.index.constructed import kept_paths
from alchemy_lint.index.executing import Executes
from alchemy_lint.index.forwards import handing_on
from alchemy_lint.index.fresh_objects import with_fresh_state
from alchemy_lint.index.maybe_commits import MaybeCommits
from alchemy_lint.index.transactions import own_units
from alchemy_lint.index.values import ValueKind
from alchemy_lint.index.waiting import Waits
from alchemy_lint.records import record

if TYPE_CHECKING:
    from alchemy_lint.index.project import ProjectIndex

_MAX_DEPTH = 4
_MAX_READS = 128
#: Class methods that validate an object into a schema by reading its attributes.
VALIDATORS = frozenset({"model_validate", "from_orm", "parse_obj", "validate", "from_attributes"})
#: Libraries whose base classes define `__str__` without calling the model's `__repr__`.
_OWN_STR_BASES = ("sqlmodel.", "pydantic.")
#: What a callee does to a session it receives that expires the caller's objects.
EXPIRING = frozenset({"commit", "rollback"})
#: Sources of the objects a function returns that its session loaded (not objects it made).
_QUERIED = frozenset({SourceKind.QUERY, SourceKind.GET, SourceKind.CALL})


@record
class SessionEnd:
    """A callee's `commit()` or `rollback()` of the session its caller hands it: in `function`
    at `line`, reached through the calls the caller's callee makes."""

    method: str
    function: str
    line: int


@record
class Read:
    """A callee reads `path` off the object its caller hands over, in `function` at `line`."""

    path: tuple[str, ...]
    function: str
    line: int
    #: What the reader set below the object whose method or property `path` ends in, before it
    #: called it (relative to that object): the method's reads of them return what was set.
    assigned: tuple[tuple[str, ...], ...] = ()
    #: Under a handler that quietly swallows a lazy load's error (see `ParameterRead.guarded`).
    guarded: bool = False
    #: The callee replaces what `path` ends in (see `ParameterRead.replaced`).
    replaced: bool = False


class Summaries:
    """Memoised per (function, parameter) for one project index."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._reads: dict[tuple[str, str, tuple[tuple[str, KnownArgument], ...]], tuple[Read, ...]] = {}
        self._effects: dict[tuple[str, str, tuple[tuple[str, KnownArgument], ...]], frozenset[str]] = {}
        self._schemas: dict[tuple[str, str], tuple[Read, ...]] = {}
        self._returned: dict[str, tuple[str, frozenset[str]] | None] = {}
        self._ends: dict[tuple[str, str, tuple[tuple[str, KnownArgument], ...]], tuple[SessionEnd, ...]] = {}
        self._kept: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {}
        self._refreshes: dict[tuple[str, str], bool] = {}
        self._query_results: dict[tuple[tuple[Origin, ...], str], bool] = {}
        self._receiver_paths: dict[tuple[Origin, ...], tuple[tuple[str, ...], ...]] = {}
        #: The commits a call may make on some path (see `maybe_commits`).
        self.maybe_commits = MaybeCommits()
        #: Whether a coroutine may wait on the session it is handed (see `waiting`).
        self.waits = Waits()
        #: Whether a coroutine runs statements on the value it is handed (see `executing`).
        self.executes = Executes()

    # -- callees -----------------------------------------------------------------------

    def callee(self, origins: tuple[Origin, ...]) -> FunctionFacts | None:
        """The one project function a call runs, when its origins agree on it."""
        found: FunctionFacts | None = None
        for origin in origins:
            qualname = self.index.values.callee(origin)
            function = self.index.functions.get(qualname) if qualname is not None else None
            if function is not None:
                if found is not None and found is not function:
                    return None
                found = function
        return found

    def callees(self, origins: tuple[Origin, ...]) -> tuple[FunctionFacts, ...]:
        """The project functions a call may run: the one it names, the method of each class a
        union names (`request: Approve | Deny`, then `request.apply(order)`), each entry of the
        dispatch table it calls through (`HANDLERS[action](session, user)`), or each function the
        callers pass for the callable parameter it calls (`await func(**kwargs)`)."""
        one = self.callee(origins)
        if one is not None:
            return (one,)
        functions = self.index.functions
        values = self.index.values
        found: dict[str, FunctionFacts] = {}
        for origin in origins:
            named = values.callee(origin)
            if named is not None and named in functions:
                found.setdefault(named, functions[named])
            for qualname in (
                *values.union_methods(origin),
                *values.dispatched(origin),
                *values.passed_functions(origin),
            ):
                found.setdefault(qualname, functions[qualname])
        return tuple(found.values())

    def gathers(self, callee: tuple[Origin, ...], argument: str) -> bool:
        """Whether a call hands a collection, as `argument`, to a project function that runs its
        items at once (`await bounded_gather(coros)` over `asyncio.gather`)."""
        for function in self.callees(callee):
            parameter = self.parameter(function, argument)
            if parameter is not None and parameter in function.gathered_parameters:
                return True
        return False

    def starts(self, callee: tuple[Origin, ...], argument: str) -> bool:
        """Whether a call hands a coroutine, or a callable followed by its arguments, as
        `argument` to a project function that makes a task of it (`spawn(load(s))` over
        `asyncio.create_task`, `timer.start(0.5, load, s)`)."""
        for function in self.callees(callee):
            if not function.started_parameters:
                continue
            parameter = self.parameter(function, argument)
            if parameter is None and argument.isdigit():
                parameter = VARIADIC  # a position past the named ones lands in `*args`
            if parameter in function.started_parameters:
                return True
        return False

    def parameter(self, function: FunctionFacts, argument: str) -> str | None:
        """The parameter of `function` an argument lands in: a position, a keyword, or `self`."""
        bound = self._is_bound_method(function)
        if argument == "self":
            return function.parameters[0] if bound and function.parameters else None
        if argument.isdigit():
            position = int(argument) + (1 if bound else 0)
            return function.parameters[position] if position < function.positional else None
        return argument if argument in function.parameters else None

    def _is_bound_method(self, function: FunctionFacts) -> bool:
        owner = function.qualname.rsplit(".", 1)[0]
        return owner in self.index.classes and not any(d.endswith("staticmethod") for d in function.decorators)

    def called_unbound(self, function: FunctionFacts, callee: tuple[Origin, ...]) -> bool:
        """An instance method called on its class, the object first (`Worker.save(worker, session)`):
        its arguments land one position earlier than a bound call's."""
        if not self._is_bound_method(function) or any(d.endswith("classmethod") for d in function.decorators):
            return False
        values = self.index.values
        return any(
            origin.steps
            and origin.steps[-1].kind is StepKind.METHOD
            and values.origin(origin.base()).kind is ValueKind.CLASS
            for origin in callee
        )

    def as_bound(
        self, function: FunctionFacts, callee: tuple[Origin, ...], flags: tuple[KnownArgument, ...]
    ) -> tuple[KnownArgument, ...]:
        """The arguments of a call as the bound call of `function` would pass them: for one made
        on the class (see `called_unbound`), each position one less, the first one `self`."""
        if not self.called_unbound(function, callee):
            return flags
        return tuple(replace(flag, key=_bound_position(flag.key)) if flag.key.isdigit() else flag for flag in flags)

    def schema(self, origins: tuple[Origin, ...]) -> str | None:
        """The schema class of `Schema.model_validate(obj)` (also `from_orm`, `TypeAdapter`)."""
        for origin in origins:
            if not origin.steps or origin.steps[-1].kind is not StepKind.METHOD:
                continue
            if origin.steps[-1].name not in VALIDATORS:
                continue
            owner = self.index.values.origin(origin.base())
            if owner.cls is not None and owner.cls in self.index.classes and not self.index.is_model(owner.cls):
                if self._defines(owner.cls, origin.steps[-1].name):
                    continue  # the schema's own `from_orm`: a project method, followed as one
                return owner.cls
        return None

    def _defines(self, cls: str, method: str) -> bool:
        """The project's class (or a project base of it) defines `method` itself: a schema that
        overrides `from_orm` to read what it chooses, not each field by name as pydantic does."""
        functions = self.index.functions
        return any(f"{klass.qualname}.{method}" in functions for klass in self.index.class_chain(cls))

    def constructed_schema(self, origins: tuple[Origin, ...]) -> str | None:
        """The schema class a call builds (`CategoryPage(items=categories)`): a pydantic model's
        `__init__` validates each field it is given, as `model_validate` does."""
        for origin in origins:
            if len(origin.steps) != 1 or origin.steps[0].kind is not StepKind.CALL:
                continue
            cls = self.index.values.origin(origin.base()).cls
            if cls is not None and cls in self.index.classes and self.validates(cls):
                return cls
        return None

    def validates(self, cls: str) -> bool:
        """A pydantic model (also SQLModel's without a table): not an ORM model, and one of its
        classes names a pydantic or SQLModel base."""
        index = self.index
        return not index.is_model(cls) and any(
            base.startswith(_OWN_STR_BASES) for ancestor in index.class_chain(cls) for base in ancestor.bases
        )

    def field_reads(self, schema: str, field: str, model: str) -> tuple[Read, ...]:
        """What validating an object of `model` as the field `field` of `schema` reads: the
        nested schema the field names (`items: list[CategoryOut]`); nothing for another type."""
        for cls in self.index.class_chain(schema):
            if field in cls.fields:
                nested = self._schema_class(cls.field_types.get(field), cls.qualname)
                if nested is None or not self.validates(nested):
                    return ()
                return self.schema_reads(nested, model)
        return ()

    # -- reads -------------------------------------------------------------------------

    def reads(
        self,
        function: FunctionFacts,
        parameter: str,
        flags: tuple[KnownArgument, ...] = (),
        depth: int = 0,
    ) -> tuple[Read, ...]:
        """What `function` reads off `parameter`, directly and through the calls it hands it to.

        `flags` are what the caller's arguments are known to be (`include_items=False`, an ORM
        object as `override`): reads under `if include_items:` or `if override is None:` then
        never happen.
        """
        settled = self.flags(function, flags)
        key = (function.qualname, parameter, tuple(sorted(settled.items())))
        known = self._reads.get(key)
        if known is not None:
            return known
        if depth > _MAX_DEPTH:
            return ()
        self._reads[key] = ()  # a recursive call reads nothing more
        found = [
            Read(read.path, function.qualname, read.line, read.assigned, read.guarded, read.replaced)
            for read in function.parameter_reads
            if read.parameter == parameter
            and happens(read.guard, settled)
            and (read.through is None or self._still(read.through, read.path))
        ]
        for forward in function.forwards:
            if forward.parameter == parameter and len(found) < _MAX_READS:
                found.extend(self._forward_reads(forward, settled, depth))
        # What the function loads itself (refresh with names, awaitable_attrs) it and its callees read safely.
        loads = {load.path for load in function.parameter_loads if load.parameter == parameter}
        if loads:
            found = [read for read in found if not any(read.path[: len(load)] == load for load in loads)]
        result = tuple(found[:_MAX_READS])
        self._reads[key] = result
        return result

    def forward_reads(self, forward: Forward) -> list[Read]:
        """What the callees of a call read off what it hands them, as reads of the caller's
        parameter, with nothing known of the caller's parameters (a framework fills them)."""
        return self._forward_reads(forward, {}, 0)

    def _forward_reads(self, forward: Forward, settled: dict[str, KnownArgument], depth: int) -> list[Read]:
        if not happens(forward.guard, settled):
            return []
        if forward.through is not None and not self._still(forward.through, forward.path):
            return []
        passed = tuple(_through(flag, settled) for flag in forward.flags)
        found: list[Read] = []
        for callee in self.callees(forward.callee):
            inner = self.parameter(callee, forward.argument)
            if inner is not None:
                # What the function set before the call, the callee reads back (`change.discount
                # = d; change.apply()`): neither it nor what lies below it is the caller's object.
                found.extend(
                    _handed_on(forward, read)
                    for read in self.reads(callee, inner, passed, depth + 1)
                    if not within(read.path, forward.assigned)
                )
        return found

    def _still(self, through: HandedBack, path: tuple[str, ...]) -> bool:
        """Whether a read or a hand-over of `path` on what a call gave back (`through`) is one on the
        parameter the call was handed: the call returns it, and did not set what `path` starts with."""
        kept = self.gives_back(through)
        return kept is not None and not (path and path[0] in kept)

    # -- what a call gives back ---------------------------------------------------------

    def returns_query_results(self, callee: tuple[Origin, ...], argument: str) -> bool:
        """Whether what a call returns are ORM objects that the session it hands over as
        `argument` loaded: every function it may run returns only objects (no tuple of them),
        each from a query or a `get()` of the parameter the argument lands in (`return (await
        db.execute(q)).scalars().all()`), or from a project call handed that parameter (`return
        await self._page(db, q)`, `return cls._trim(rows)`), as its own summary says."""
        key = (callee, argument)
        known = self._query_results.get(key)
        if known is None:
            known = self._query_results[key] = self._returns_query_results(callee, argument)
        return known

    def _returns_query_results(self, callee: tuple[Origin, ...], argument: str) -> bool:
        functions = self.callees(callee)
        if not functions:
            return False
        for function in functions:
            loading = function.loading
            if loading is None or not loading.only_objects or not loading.returns:
                return False
            received = self.received(function, argument, callee)
            for returned in loading.returns:
                source = returned.source
                if (
                    returned.position is not None
                    or source.kind not in _QUERIED
                    or source.session is None
                    or source.session.text not in received
                ):
                    return False
        return True

    def receiver_query_paths(self, callee: tuple[Origin, ...]) -> tuple[tuple[str, ...], ...]:
        """The attributes of its own object whose session loaded what a method call returns
        (`("session",)` for `return (await self.session.scalars(q)).all()`): every function it may
        run returns only objects, each from a query, a `get()` or a project call of `self.<path>`.
        Empty when some `return` gives anything else, or objects of a session of its own."""
        known = self._receiver_paths.get(callee)
        if known is None:
            known = self._receiver_paths[callee] = self._receiver_query_paths(callee)
        return known

    def _receiver_query_paths(self, callee: tuple[Origin, ...]) -> tuple[tuple[str, ...], ...]:
        functions = self.callees(callee)
        if not functions:
            return ()
        found: dict[tuple[str, ...], None] = {}
        for function in functions:
            loading = function.loading
            if (
                loading is None
                or not loading.only_objects
                or not loading.returns
                or function.parameters[:1] != ("self",)
            ):
                return ()
            for returned in loading.returns:
                source = returned.source
                if returned.position is not None or source.kind not in _QUERIED or source.session is None:
                    return ()
                root, *path = source.session.text.split(".")
                if root != "self" or not path:
                    return ()
                found[tuple(path)] = None
        return tuple(found)

    def gives_back(self, through: HandedBack, depth: int = 0) -> frozenset[str] | None:
        """What a call that is handed an object as `through.argument` sets on it, when every
        function it may run returns that very object (`await repo.update(order, ...)`); None when
        some may return anything else (a new object, a copy, what `session.merge` returns)."""
        functions = self.callees(through.callee)
        if not functions:
            return None
        kept: frozenset[str] = frozenset()
        for function in functions:
            inner = self.parameter(function, through.argument)
            returned = self.returned_parameter(function, depth) if inner is not None else None
            if returned is None or returned[0] != inner:
                return None
            kept |= returned[1]
        return kept

    @staticmethod
    def parameter_under_key(function: FunctionFacts, key: str) -> str | None:
        """The parameter every `return` of `function` holds under `key` of the dict it returns
        (`return {"items": items, ...}`), as it is; None when some return holds anything else."""
        found: set[str] = set()
        for returned in function.keyed_returns:
            if key not in returned.keys:
                return None
            found.add(returned.parameters[returned.keys.index(key)])
        if len(found) != 1 or "" in found:
            return None
        return found.pop()

    def returned_parameter(self, function: FunctionFacts, depth: int = 0) -> tuple[str, frozenset[str]] | None:
        """The parameter every `return` of `function` hands back as it is, and the attributes
        the function set on it on some path: directly (`return obj`) or through a callee that
        gives it back in turn (`return await super().update(obj)`)."""
        qualname = function.qualname
        if qualname in self._returned:
            return self._returned[qualname]
        if depth > _MAX_DEPTH or not function.returned_parameters:
            return None
        self._returned[qualname] = None  # a recursive return hands back nothing known
        by_return: dict[int, list[tuple[str, frozenset[str]]]] = {}
        for returned in function.returned_parameters:
            if returned.element:
                self._returned[qualname] = None
                return None  # (one of its objects: `returned_element`)
            candidates = by_return.setdefault(returned.line, [])
            # What it set on the object, and loaded on it itself (`refresh(obj, ["items"])`; a
            # whole refresh is WHOLE_REFRESH): the caller's reads of them are the callee's doing.
            done = frozenset(returned.assigned) | frozenset(
                load.path[0] for load in function.parameter_loads if load.parameter == returned.parameter
            )
            if returned.through is None:
                candidates.append((returned.parameter, done))
                continue
            kept = self.gives_back(returned.through, depth + 1)
            if kept is not None:
                candidates.append((returned.parameter, kept | done))
        parameters = {candidate[0] for candidates in by_return.values() for candidate in candidates}
        result: tuple[str, frozenset[str]] | None = None
        if len(parameters) == 1 and all(len(candidates) == 1 for candidates in by_return.values()):
            parameter = parameters.pop()
            kept = frozenset().union(*(candidates[0][1] for candidates in by_return.values()))
            result = (parameter, kept)
        self._returned[qualname] = result
        return result

    @staticmethod
    def returned_element(function: FunctionFacts) -> str | None:
        """The parameter, a list, one of whose objects every `return` of `function` hands back
        (`for order in orders: if order.open: return order`, `return None` after the loop)."""
        returned = function.returned_parameters
        if not returned or not all(item.element and item.through is None for item in returned):
            return None
        parameters = {item.parameter for item in returned}
        return parameters.pop() if len(parameters) == 1 else None

    def settled(
        self, function: FunctionFacts, flags: tuple[KnownArgument, ...], caller: dict[str, KnownArgument]
    ) -> dict[str, KnownArgument]:
        """What each parameter of `function` is known to be in a call whose arguments are
        `flags`, made by a function whose own parameters are `caller`."""
        return self.flags(function, tuple(_through(flag, caller) for flag in flags))

    def flags(self, function: FunctionFacts, passed: tuple[KnownArgument, ...]) -> dict[str, KnownArgument]:
        """What each parameter is known to be in this call: what is passed, else its literal default."""
        unknown_rest = any(argument.key in (ANY_POSITION, ANY_KEYWORD) for argument in passed)
        # A `*args` or `**kwargs` may pass any parameter: no default is sure any more.
        settled = {} if unknown_rest else {default.key: default for default in function.flag_defaults}
        for argument in passed:
            name = argument.key if argument.key.startswith(STATE) else self.parameter(function, argument.key)
            if name is None:
                continue
            if argument.truthy is None and argument.is_none is None:
                settled.pop(name, None)
            else:
                settled[name] = KnownArgument(name, argument.truthy, argument.is_none)
        return settled

    def refreshes_last(self, callee: tuple[Origin, ...], argument: str, depth: int = 0) -> bool:
        """The function a call runs refreshes the object it hands over as `argument` whole
        (`await session.refresh(obj)`) after the last commit or rollback it writes, itself or
        in a callee it always hands the object on to after them: a CRUD `update(db, db_obj=obj)`
        that commits, then refreshes what it updated. The object is fresh when the call returns."""
        function = self.callee(callee)
        parameter = self.parameter(function, argument) if function is not None else None
        if function is None or parameter is None:
            return False
        key = (function.qualname, parameter)
        known = self._refreshes.get(key)
        if known is not None:
            return known
        self._refreshes[key] = False  # a recursive call refreshes nothing more
        # (Lines stand for the order: a refresh followed by a commit leaves the object expired.)
        ended = max((call.line for call in function.calls if call.method in EXPIRING), default=0)
        found = any(
            load.parameter == parameter and load.path == (WHOLE_REFRESH,) and load.line > ended
            for load in function.parameter_loads
        )
        if not found and depth < _MAX_DEPTH:
            found = any(
                self.refreshes_last(forward.callee, forward.argument, depth + 1)
                for forward in function.forwards
                if forward.parameter == parameter
                and forward.line > ended
                and not forward.path
                and not forward.conditional
                and forward.through is None
            )
        self._refreshes[key] = found
        return found

    def method_reads(self, model: str, name: str, flags: tuple[KnownArgument, ...] = ()) -> tuple[Read, ...]:
        """What a model's method or property reads off `self` (`order.total()`, `order.item_count`),
        called with the arguments `flags` (`order.to_dict(include=["items"])`).

        `__str__` is `str()`'s: where no class of the model defines it, `object.__str__` calls
        `__repr__`; a pydantic (SQLModel) base defines its own, which reads no attribute."""
        function = next((member for member in self._members(model, name) if member.parameters), None)
        if function is not None:
            return self.reads(function, function.parameters[0], flags)
        chain = self.index.class_chain(model)
        if name == "__str__" and not any(base.startswith(_OWN_STR_BASES) for cls in chain for base in cls.bases):
            return self.method_reads(model, "__repr__")
        return ()

    def member_read(self, model: str, name: str, rest: tuple[str, ...]) -> tuple[str, ...] | None:
        """`rest` read off what the model's method or property `name` hands back, as a path off
        the object itself (`member.owner().members` is `member.team.members` where `owner()`
        returns `self.team`); None where `name` hands back anything else (see
        `facts/members.py`). Elements ("[]") are left out: a relationship says what it holds."""
        function = next(self._members(model, name), None)
        if function is None or not function.returned_members:
            return None
        plain = tuple(step for step in rest if step != ELEMENT)
        for member in function.returned_members:
            taken = tuple(step for step in member.taken if step != ELEMENT)
            if plain[: len(taken)] == taken:
                return (*(step for step in member.reached if step != ELEMENT), *plain[len(taken) :])
        return None

    def _members(self, model: str, name: str) -> Iterator[FunctionFacts]:
        """The functions named `name` that the model's classes define, nearest first."""
        for cls in self.index.class_chain(model):
            function = self.index.functions.get(f"{cls.qualname}.{name}")
            if function is not None:
                yield function

    def schema_reads(self, schema: str, model: str, depth: int = 0) -> tuple[Read, ...]:
        """The attributes of `model` that validating it into `schema` reads: the schema's fields
        named like its columns and relationships (validation from attributes reads each field
        off the object), through nested schemas for relationships (`items: list[ItemOut]`)."""
        key = (schema, model)
        known = self._schemas.get(key)
        if known is not None:
            return known
        if depth > _MAX_DEPTH:
            return ()
        self._schemas[key] = ()
        index = self.index
        relationships = index.relationships(model)
        columns = index.columns(model)
        found: list[Read] = []
        # A pydantic v1 `Config.getter_dict` that gives a field only when its relationship is loaded.
        skipped = self._loaded_only(schema)
        for cls in index.class_chain(schema):
            where = cls.qualname
            for field in cls.fields:
                relationship = relationships.get(field)
                if relationship is not None and field in skipped:
                    continue
                if relationship is None:
                    if field in columns:
                        found.append(Read((field,), where, cls.line))
                    else:
                        # An association proxy of the model reads its relationship.
                        found.extend(self._proxy_reads(model, field))
                    continue
                found.append(Read((field,), where, cls.line))
                nested = self._schema_class(cls.field_types.get(field), cls.qualname)
                if nested is not None and relationship.target is not None:
                    step = (field, "[]") if relationship.is_collection else (field,)
                    found.extend(
                        Read((*step, *read.path), read.function, read.line)
                        for read in self.schema_reads(nested, relationship.target, depth + 1)
                    )
        result = tuple(found)
        self._schemas[key] = result
        return result

    def _proxy_reads(self, model: str, name: str) -> tuple[Read, ...]:
        """What reading the association proxy `name` of `model` reads (nothing for another name)."""
        function = next(self._members(model, name), None)
        return self.reads(function, "self") if function is not None and PROXY in function.decorators else ()

    def _loaded_only(self, schema: str) -> frozenset[str]:
        """The fields a schema's `Config.getter_dict` gives only when their relationship is loaded."""
        index = self.index
        found: set[str] = set()
        for cls in index.class_chain(schema):
            config = index.classes.get(f"{cls.qualname}.Config")
            getter = config.attributes.get("getter_dict") if config is not None else None
            for origin in getter.origins if getter is not None else ():
                if origin.kind is OriginKind.NAME and not origin.steps:
                    for ancestor in index.class_chain(origin.name):
                        found.update(ancestor.loaded_only)
        return frozenset(found)

    def _schema_class(self, name: str | None, near: str) -> str | None:
        if not name:
            return None
        index = self.index
        canonical = index.canonical(name)
        if canonical in index.classes:
            return canonical
        # A plain SQLAlchemy model is no schema (pydantic cannot validate into it): a field whose
        # type names no class the index knows (`custom_field: CustomField`, an `Annotated` union of
        # schemas of that name) is not the model of that name elsewhere.
        candidates = [
            candidate
            for candidate in index.classes_by_name.get(name.rsplit(".", 1)[-1], [])
            if not index.is_model(candidate) or index.is_sqlmodel_class(candidate)
        ]
        if len(candidates) == 1:
            return candidates[0]
        module = near.rsplit(".", 1)[0]
        local = [candidate for candidate in candidates if candidate.rsplit(".", 1)[0] == module]
        return local[0] if len(local) == 1 else None

    # -- effects on a session ------------------------------------------------------------

    def effects(
        self, function: FunctionFacts, received: str, flags: tuple[KnownArgument, ...] = (), depth: int = 0
    ) -> frozenset[str]:
        """What `function` does to the session it receives as `received`: a parameter name, or
        `self.<attribute>` for a method whose object keeps the session; for the arguments
        `flags` (a commit under `if not uow:` is made when `uow` is left at its default None)."""
        settled = self.flags(function, flags)
        key = (function.qualname, received, tuple(sorted(settled.items())))
        known = self._effects.get(key)
        if known is not None:
            return known
        if depth > _MAX_DEPTH:
            return frozenset()
        self._effects[key] = frozenset()
        # What the callee does on every path that returns to its caller. A rollback on some
        # paths only (`if not ok: rollback; return False`) comes with a result the caller
        # checks before it reads on; paths that raise never return, whatever they roll back.
        # (An `except` handler that rolls back and swallows the error: `rolls_back_on_error`.)
        loading = function.loading
        done: Iterable[tuple[str, str]] = loading.effects if loading is not None else ()
        if loading is not None and loading.effect_cases:
            told = effects_for(loading.effect_cases, settled)
            done = done if told is None else told
        found = {method for text, method in done if text == received}
        root, _, rest = received.partition(".")
        path = tuple(rest.split(".")) if rest else ()
        for forward in function.forwards:
            if forward.parameter != root or forward.path != path or forward.conditional or forward.through:
                continue
            passed = tuple(_through(flag, settled) for flag in forward.flags)
            found |= self.call_effects(forward.callee, forward.argument, passed, depth + 1)
        if root == "self":
            # `await self.save()` in a method of the object that keeps the session.
            for forward in self._self_calls(function):
                callee = self.callee(forward.callee)
                if callee is not None and callee is not function:
                    passed = tuple(_through(flag, settled) for flag in forward.flags)
                    found |= self.effects(callee, received, passed, depth + 1)
        result = frozenset(found)
        self._effects[key] = result
        return result

    def ends(
        self, function: FunctionFacts, parameter: str, flags: tuple[KnownArgument, ...] = (), depth: int = 0
    ) -> tuple[SessionEnd, ...]:
        """Where `function` may end the transaction of the session it receives as `parameter`:
        a `commit()` on some path, or a `rollback()` on every path that returns (a rollback in an
        error path that raises on leaves the caller's block with the error, which rolls it back
        anyway), directly or in the callees it hands the session to, for the arguments `flags`
        (a commit under `if commit:` does not happen for `commit=False`).

        Not counted: the ends that break a unit of work the function opens itself (ASA401 reports
        them there), and a session the function opened itself.
        """
        settled = self.flags(function, flags)
        key = (function.qualname, parameter, tuple(sorted(settled.items())))
        known = self._ends.get(key)
        if known is not None:
            return known
        if depth > _MAX_DEPTH:
            return ()
        self._ends[key] = ()  # a recursive call ends nothing more
        found: list[SessionEnd] = []
        own = own_units(self.index, function, parameter)
        loading = function.loading
        always = {method for text, method in (loading.effects if loading is not None else ()) if text == parameter}
        for call in function.calls:
            if (
                call.method in EXPIRING
                and call.awaited
                and (call.receiver.received or parameter.startswith("self."))
                and call.receiver.text == parameter
                and (call.method == "commit" or "rollback" in always)
                and not any(first < call.line <= last for first, last in own)
                and happens(call.guard, settled)
            ):
                found.append(SessionEnd(call.method, function.qualname, call.line))
        for forward, on_self in handing_on(function, parameter):
            if not happens(forward.guard, settled) or any(first < forward.line <= last for first, last in own):
                continue  # a call inside the function's own unit of work is reported there
            passed = tuple(_through(flag, settled) for flag in forward.flags)
            for callee in self.callees(forward.callee):
                inners = (parameter,) if on_self else self.received(callee, forward.argument, forward.callee)
                bound = self.as_bound(callee, forward.callee, passed)
                for inner in inners:
                    found.extend(self.ends(callee, inner, bound, depth + 1))
        result = tuple(dict.fromkeys(found))
        self._ends[key] = result
        return result

    def call_effects(
        self, callee: tuple[Origin, ...], argument: str, flags: tuple[KnownArgument, ...] = (), depth: int = 0
    ) -> frozenset[str]:
        """What a call does to the session it hands over as `argument` (a position, a keyword, or
        `self.<attribute>` the callee's object keeps) with the arguments `flags`: what every
        function it may run does to it (each entry of a dispatch table)."""
        found: frozenset[str] | None = None
        for function in self.callees(callee):
            done: frozenset[str] = frozenset()
            passed = self.as_bound(function, callee, flags)
            if argument.startswith(WRAPPED):
                # `uow.commit()` on a fresh `UnitOfWork(session)`: its state is what `__init__` left.
                passed = with_fresh_state(self.index, self.receiver_class(function, callee), flags)
            for inner in self.received(function, argument, callee):
                done |= self.effects(function, inner, passed, depth)
            found = done if found is None else found & done
        return found or frozenset()

    def adds(self, callee: tuple[Origin, ...], handed: str, argument: str) -> bool:
        """Whether every function a call may run adds what it is handed as `handed` to the session
        it is handed as `argument` (`session.add(obj)`), making a new object that session's."""
        functions = self.callees(callee)
        for function in functions:
            key = _bound_position(handed) if handed.isdigit() and self.called_unbound(function, callee) else handed
            parameter = self.parameter(function, key)
            if function.loading is None or parameter is None:
                return False
            sessions = self.received(function, argument, callee)
            if not any(
                tie.parameter == parameter and tie.session in sessions and tie.method == "add"
                for tie in function.loading.ties
            ):
                return False
        return bool(functions)

    def rolls_back_on_error(
        self, callee: tuple[Origin, ...], argument: str, flags: tuple[KnownArgument, ...]
    ) -> FunctionFacts | None:
        """The function a call runs (one of a dispatch table's) whose `except` handler rolls back
        the session it hands over as `argument` and returns normally, for these arguments (a
        rollback under `if commit:` is not made for `commit=False`). Only the function's own
        handlers count: a helper's helper failing on the side is the helper's error path."""
        for function, loading, inner, settled in self._handing_callees(callee, argument, flags):
            if any(session in inner and happens(guard, settled) for session, guard in loading.rollbacks_on_error):
                return function
        return None

    def rolls_back_on_conflict(
        self, callee: tuple[Origin, ...], argument: str, flags: tuple[KnownArgument, ...]
    ) -> FunctionFacts | None:
        """The function a call runs whose handler of constraint conflicts alone (`except
        IntegrityError:`) rolls back the session it hands over as `argument` and returns
        normally: the caller reads on after a duplicate row as after any other outcome."""
        for function, loading, inner, settled in self._handing_callees(callee, argument, flags):
            if any(session in inner and happens(guard, settled) for session, guard in loading.rollbacks_on_conflict):
                return function
        return None

    def rolls_back_on_failed_flush(
        self, callee: tuple[Origin, ...], argument: str, flags: tuple[KnownArgument, ...]
    ) -> FunctionFacts | None:
        """The function a call runs whose handler rolls back the session it hands over as
        `argument` after its `try` flushed what the function changed in it (`add`, then
        `commit()`), and returns normally: the failure is swallowed, so the caller reads on
        after it as after any other outcome (as after the same `try` written inline)."""
        for function, loading, inner, settled in self._handing_callees(callee, argument, flags):
            if any(
                session in inner and happens(guard, settled) for session, guard in loading.rollbacks_on_failed_flush
            ):
                return function
        return None

    def rolls_back_on_raise(
        self, callee: tuple[Origin, ...], argument: str, flags: tuple[KnownArgument, ...], caught: tuple[str, ...]
    ) -> FunctionFacts | None:
        """The function a call runs that rolls back the session it hands over as `argument` on
        every path to a `raise` of an error the caller's handler catches as `caught` (`except
        SQLAlchemyError: await s.rollback(); raise ServiceError(...)`), for these arguments."""
        for function, loading, inner, settled in self._handing_callees(callee, argument, flags):
            if any(
                session in inner and happens(guard, settled) and catches(caught, raised)
                for session, raised, guard in loading.rollbacks_on_raise
            ):
                return function
        return None

    def _handing_callees(
        self, callee: tuple[Origin, ...], argument: str, flags: tuple[KnownArgument, ...]
    ) -> Iterator[tuple[FunctionFacts, FunctionLoading, tuple[str, ...], dict[str, KnownArgument]]]:
        """The functions a call runs that receive the session it hands over as `argument`, each
        with its loading facts, the names it holds that session by, and the call's arguments as
        its tests read them."""
        for function in self.callees(callee):
            loading = function.loading
            inner = self.received(function, argument, callee)
            if loading is not None and inner:
                yield function, loading, inner, self.flags(function, self.as_bound(function, callee, flags))

    def rolls_back_on_failure(
        self, callee: tuple[Origin, ...], argument: str, flags: tuple[KnownArgument, ...], key: str, depth: int = 0
    ) -> FunctionFacts | None:
        """The function a call runs that rolls back the session it hands over as `argument` on a
        path that returns a failure by `key` (`return {"success": False}` after `rollback()`),
        itself or in a callee whose result it returns as it is, for these arguments."""
        for function, loading, inner, settled in self._handing_callees(callee, argument, flags):
            if any(
                session in inner and found == key and happens(guard, settled)
                for session, found, guard in loading.rollbacks_on_failure
            ):
                return function
            if depth >= _MAX_DEPTH or not loading.returned_calls:
                continue
            for forward in function.forwards:
                if forward.line in loading.returned_calls and forward.parameter in inner and not forward.path:
                    passed = tuple(_through(flag, settled) for flag in forward.flags)
                    found_in = self.rolls_back_on_failure(forward.callee, forward.argument, passed, key, depth + 1)
                    if found_in is not None:
                        return found_in
        return None

    def received(self, function: FunctionFacts, argument: str, callee: tuple[Origin, ...]) -> tuple[str, ...]:
        """What `function` calls the session a call hands it as `argument`: its parameter,
        `self.<attribute>` as it is (the session its object keeps), or for `self@<key>` each
        `self.<path>` where the object the method is called on keeps what its constructor was
        handed as `<key>` (`svc = Service(session)`, then `svc.save()`)."""
        if argument.startswith(WRAPPED):
            cls = self.receiver_class(function, callee)
            if cls is None:
                return ()
            key = argument.removeprefix(WRAPPED)
            memo = (cls, key)
            paths = self._kept.get(memo)
            if paths is None:
                paths = self._kept[memo] = kept_paths(self.index, cls, key)
            return tuple(".".join(("self", *path)) for path in paths)
        if argument.startswith("self."):
            return (argument,)
        if argument.isdigit() and self.called_unbound(function, callee):
            argument = _bound_position(argument)
        inner = self.parameter(function, argument)
        return (inner,) if inner is not None else ()

    def receiver_class(self, function: FunctionFacts, callee: tuple[Origin, ...]) -> str | None:
        """The class of the object a method call is made on: what its receiver is an instance of,
        else the class that defines the method."""
        values = self.index.values
        for origin in callee:
            if origin.steps and origin.steps[-1].kind is StepKind.METHOD:
                receiver = values.origin(origin.base())
                if receiver.kind is ValueKind.INSTANCE and receiver.cls in self.index.classes:
                    return receiver.cls
        owner = function.qualname.rpartition(".")[0]
        return owner if owner in self.index.classes else None

    @staticmethod
    def handed_through(flag: KnownArgument, settled: dict[str, KnownArgument]) -> KnownArgument:
        """An argument that is a parameter handed on: what the caller knew of that parameter."""
        return _through(flag, settled)

    @staticmethod
    def _self_calls(function: FunctionFacts) -> list[Forward]:
        return [
            forward
            for forward in function.forwards
            if forward.argument == "self" and not forward.path and not forward.conditional and not forward.through
        ]


def _bound_position(key: str) -> str:
    """Position `key` of a call made on the class, as the bound call passes it (`0` is `self`)."""
    position = int(key)
    return "self" if position == 0 else str(position - 1)


def _through(flag: KnownArgument, settled: dict[str, KnownArgument]) -> KnownArgument:
    """An argument that is a parameter handed on: what the caller knew of that parameter."""
    known = settled.get(flag.parameter) if flag.parameter is not None else None
    return KnownArgument(flag.key, known.truthy, known.is_none) if known is not None else flag


def _handed_on(forward: Forward, read: Read) -> Read:
    """A callee's read of what a forward hands it, as a read of the caller's parameter; what the
    caller set below the object a method of the read is called on goes along with it."""
    path = (*forward.path, *read.path)
    assigned = read.assigned + paths_below(forward.assigned, read.path[:-1])
    return Read(path, read.function, read.line, assigned, read.guarded, read.replaced)


#: The errors that are no `Exception`, by their last name: `except Exception:` lets them through
#: (`asyncio.CancelledError` since Python 3.8, trio's `Cancelled`, the interpreter's exits).
_BASE_EXCEPTIONS_ONLY = frozenset(
    {"CancelledError", "Cancelled", "KeyboardInterrupt", "SystemExit", "GeneratorExit", "BaseExceptionGroup"}
)
#: SQLAlchemy's base error class, which a handler catches every one of its errors by.
_DATABASE_ERRORS = frozenset({"sqlalchemy.exc.SQLAlchemyError", "sqlalchemy.SQLAlchemyError"})


def catches(caught: tuple[str, ...], raised: tuple[str, ...]) -> bool:
    """Whether a handler of the classes `caught` catches what a callee raises as `raised` (see
    `FunctionLoading.rollbacks_on_raise`): one of every error, the same class (by its last name
    when one side is not qualified), a SQLAlchemy error under `SQLAlchemyError`, or, for a bare
    `raise` in a handler of every error, any SQLAlchemy error (a failed flush may be it). A
    cancellation re-raised (`except asyncio.CancelledError: rollback; raise`) is no `Exception`."""
    if "BaseException" in caught:
        return True
    if "Exception" in caught and any(error.rsplit(".", 1)[-1] not in _BASE_EXCEPTIONS_ONLY for error in raised):
        return True
    if RERAISED in raised:
        return any(name.startswith("sqlalchemy.") for name in caught)
    for name in caught:
        for error in raised:
            if name == error or name.rsplit(".", 1)[-1] == error.rsplit(".", 1)[-1]:
                return True
            if name in _DATABASE_ERRORS and error.startswith("sqlalchemy."):
                return True
    return False
