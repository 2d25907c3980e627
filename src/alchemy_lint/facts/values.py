"""The value model of the facts: what an expression *is* (its origins) and what it *holds*.

One per-function `ValueTable` answers "what does this name hold here?" for every analysis of
the walk (the facts builder, the task recorder, the loading interpreter); the project index
evaluates the origins to a session, a factory, an engine or an ORM object (`index/values.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

from alchemy_lint.records import record
from alchemy_lint.resolve import Revision

if TYPE_CHECKING:
    from alchemy_lint.facts.model import KnownArgument


class OriginKind(str, Enum):
    """Where the evidence about a value starts."""

    #: A module-level or imported name, by qualified name.
    NAME = "name"
    #: An instance of the class an annotation names (also a type alias, by its qualified name).
    ANNOTATION = "annotation"
    #: `self.<attr>` of a class, named `module.Class.attr`.
    ATTRIBUTE = "attribute"
    #: What a dependency-injection provider gives (`Depends(get_db)`): the provider's qualified name.
    PROVIDED = "provided"
    #: A parameter that a framework fills by its name (a pytest fixture, a Litestar dependency):
    #: `module:parameter`, resolved by the index from where the function lives.
    INJECTED = "injected"
    #: `app.state.<name>` (also `request.app.state.<name>`): the attribute name.
    APP_STATE = "app state"
    #: `<anything>["<key>"]`: what the project stores under that string key of a mapping (an
    #: aiohttp `app["db"]`, an ARQ/SAQ worker `ctx["session_maker"]`): the key.
    MAPPING_KEY = "mapping key"
    #: What a constructor's parameter receives where the class is constructed:
    #: `module.Class.__init__:parameter` (a dataclass's generated `__init__` too); and what a
    #: function's parameter that says nothing of itself receives from the project's calls.
    PARAMETER = "parameter"


class StepKind(str, Enum):
    #: Calling the value: `factory()`.
    CALL = "call"
    #: Calling a method of it: `session.begin()`.
    METHOD = "method"
    #: Reading an attribute of it: `engine.sync_engine`.
    ATTRIBUTE = "attribute"
    #: Taking an item of it: `HANDLERS[action]` (the index knows module-level tables of functions).
    ITEM = "item"


class Step(NamedTuple):
    """One operation applied to a value; a call keeps its `expire_on_commit=` text, if any."""

    kind: StepKind
    name: str = ""
    expire_on_commit: str | None = None


CALL = Step(StepKind.CALL)
#: `next(gen)`: the item a sync iteration of the value takes (an async generator has none).
SYNC_ITEM = Step(StepKind.METHOD, "__next__")


@record
class Origin:
    """Where a value comes from: a base and the steps applied to it.

    `SessionLocal.begin()` is `Origin(NAME, "app.db.SessionLocal", (Step(METHOD, "begin"),))`.
    The project index evaluates an origin to what the value is.
    """

    kind: OriginKind
    name: str
    steps: tuple[Step, ...] = ()

    def then(self, step: Step) -> Origin:
        return Origin(self.kind, self.name, (*self.steps, step))

    def base(self) -> Origin:
        """The origin without its last step."""
        return Origin(self.kind, self.name, self.steps[:-1])


class ReachKind(str, Enum):
    """How a value reaches a piece of work (an awaitable, a call)."""

    #: A method call on it: `session.execute(...)`.
    METHOD_CALL = "method call"
    #: Passed positionally or by keyword: `load(session)`.
    ARGUMENT = "argument"
    #: Through an object built from it: `repo = Repo(session)`, then `repo.load()`.
    WRAPPER = "wrapper"
    #: Through a nested function or lambda that uses it: `async def work(): await session...`.
    CLOSURE = "closure"
    #: Through the ORM objects its query loaded: `p.count()` for each `p` of `parents =
    #: (await session.execute(...)).scalars().all()`, where the method runs statements on the
    #: object's own session (`async_object_session(self)`); `via` names the method.
    LOADED = "loaded object"


@record
class ValueRef:
    """An expression where a tracked value may be, with the evidence of what it is and holds."""

    text: str
    origins: tuple[Origin, ...]
    #: The values it was built from or collects (`Repo(s)` holds `s`).
    holds: tuple[Held, ...] = ()
    #: The value came from outside the function: a parameter, or a value of an enclosing
    #: function that a closure uses. The function does not own it (it neither opened it nor
    #: closes it).
    received: bool = False


@record
class Reach:
    """A value reaching some work, and how; `via` names the wrapper or closure it goes through,
    or the method called on it."""

    ref: ValueRef
    how: ReachKind
    via: str = ""
    #: For a method call on the value, its first argument when the facts know what it is
    #: (`session.delete(order)` with `order: Order`).
    operand: ValueRef | None = None
    #: For an argument of the work's own call (`use(db=db)` of `gather(use(db=db), ...)`): the
    #: call's origins and where the value lands (a position or a keyword), so that the index
    #: can ask whether the callee ever waits on it. For LOADED objects a project call returned
    #: (`rows = await Model.list_all(db=session)`): that call and where the session lands, so
    #: that the index can ask whether the callee returns what queries of it loaded.
    callee: tuple[Origin, ...] = ()
    argument: str = ""
    #: LOADED: the keywords the method is called with: a class whose method takes none of
    #: them by that name is not the class of the objects.
    keywords: tuple[str, ...] = ()
    #: LOADED and METHOD_CALL: what the call's arguments are known to be (`include=[]`): a
    #: statement the method runs only under a test they settle otherwise never runs for this call.
    arguments: tuple[KnownArgument, ...] = ()


@record
class Held:
    """One thing a binding holds: an object built from values, or one item of a collection.

    `many` marks an item that stands for one per element (a comprehension, an append in a loop).
    """

    reaches: tuple[Reach, ...]
    many: bool = False


# -- the per-function table (lives during the walk only) ----------------------------


@dataclass(slots=True)
class Binding:
    """One binding of a name: where it happened and the value bound (None: nothing known)."""

    line: int
    col: int
    ref: ValueRef | None
    #: The binding happened inside a loop starting at this line (0: not in a loop), so it is
    #: one value per iteration.
    loop_line: int = 0
    #: The value is (part of) a parameter: the parameter and the attributes walked from it
    #: (`c = order.customer` is ("order", ("customer",)); "[]" is an element of a collection).
    parameter_path: ParameterPath | None = None
    #: What each element of the value is, when an annotation declares a collection
    #: (`orders: list[Order]`): a loop over it binds its target to that.
    elements: tuple[Origin, ...] = ()
    #: The value is what a call returned that was handed (part of) a parameter
    #: (`order = await repo.update(order)`): each (the call's origins, where the parameter lands
    #: in the callee, the parameter path handed). It is that parameter if the callee returns it.
    handed_back: tuple[tuple[tuple[Origin, ...], str, ParameterPath], ...] = ()
    #: The value is what an awaited call returned that was handed values with evidence
    #: (`rows = await Model.list_all(db=session)`): see `Queried`. Objects the callee returns
    #: from queries of the parameter one of them lands in belong to that value's session.
    queried: tuple[Queried, ...] = ()


#: A value an awaited call is handed (`session` of `await Model.list_all(db=session)`): the
#: call's origins, where the value lands in the callee (a position or a keyword), and the value.
Queried = tuple[tuple[Origin, ...], str, ValueRef]
#: Where the value lands for the object a method is called on (`self.repo` of `await
#: self.repo.all()`): the objects the method returns from queries of a session that object keeps
#: as an attribute (`self.session`) belong to that session (the index follows the attribute).
RECEIVER = "@receiver"


#: A parameter and the attributes walked from it.
ParameterPath = tuple[str, tuple[str, ...]]


def paths_below(paths: Iterable[tuple[str, ...]], prefix: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The attribute paths strictly below `prefix`, relative to it (`order.customer.name` below
    `order.customer` is `name`)."""
    depth = len(prefix)
    return tuple(path[depth:] for path in paths if len(path) > depth and path[:depth] == prefix)


def within(path: tuple[str, ...], roots: Iterable[tuple[str, ...]]) -> bool:
    """`path` is one of `roots` or lies below one (`discount.code` within `discount`)."""
    return any(path[: len(root)] == root for root in roots)


@dataclass(slots=True)
class ValueTable:
    """Name -> its bindings in source order, for one function (or the module).

    Lookups during the walk see the latest binding; the loading interpreter, which runs over a
    function after the walk, asks for the binding in force at a position.
    """

    owner: str
    parent: ValueTable | None = None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    #: Names of enclosing functions' bindings that this function reads (a closure's captures).
    captured: dict[str, ValueRef] = field(default_factory=dict)
    #: Names with a binding that is (part of) a parameter: any other name is none, wherever read.
    on_parameters: set[str] = field(default_factory=set)
    #: Counts every binding made (shared with the file's other tables, see `Revision`).
    revision: Revision = field(default_factory=Revision)

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)
        self.revision.count += 1
        if binding.parameter_path is not None or binding.handed_back:
            self.on_parameters.add(name)

    def revise(self, binding: Binding, ref: ValueRef) -> None:
        """`binding`, one of this table's, holds `ref` from now on."""
        binding.ref = ref
        self.revision.count += 1

    def latest(self, name: str) -> Binding | None:
        found = self.bindings.get(name)
        return found[-1] if found else None

    def at(self, name: str, line: int, col: int) -> Binding | None:
        """The binding in force at (line, col): the last one before it in source order."""
        found = self.bindings.get(name)
        if not found:
            return None
        if len(found) == 1:
            only = found[0]
            return only if only.line < line or (only.line == line and only.col < col) else None
        best: Binding | None = None
        for binding in found:
            if binding.line < line or (binding.line == line and binding.col < col):
                best = binding
        return best

    def enclosing(self, name: str) -> ValueRef | None:
        """The value of `name` in an enclosing function (a closure reads it), recorded as captured."""
        table = self.parent
        while table is not None:
            binding = table.latest(name)
            if binding is not None:
                if binding.ref is not None:
                    self.captured.setdefault(name, binding.ref)
                return binding.ref
            table = table.parent
        return None
