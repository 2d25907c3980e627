"""The data types of per-file facts.

All frozen dataclasses with slots: they pickle into the cache and cross processes.
"""

from __future__ import annotations

from dataclasses import field
from enum import Enum

from alchemy_lint.facts.values import Held, Origin, Reach, ValueRef
from alchemy_lint.records import record
from alchemy_lint.sqlalchemy_api import Api


class Scope(str, Enum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"


@record
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
    #: Origins of what the call is bound to: its `bind=` keyword, else its first positional argument.
    bind: tuple[Origin, ...] = ()
    #: What the call is bound to as written, when it is a plain name (`engine`).
    bind_name: str | None = None
    #: Inside a function: how the value the call makes outlives the call of that function
    #: (stored on `self`, on application state, in a global; returned; yielded), directly or
    #: through local names, wrappers built from it and closures over it; None when it does not.
    kept: Keeper | None = None


class Keeper(str, Enum):
    """Where a value made inside a function is kept once the function returns."""

    #: `self.x = ...`, `cls.x = ...`, an attribute or item of an object the function received.
    ATTRIBUTE = "attribute"
    #: `app.state.x = ...`: ASGI application state.
    APP_STATE = "app state"
    #: A module global assigned through `global`.
    GLOBAL = "global"
    RETURNED = "returned"
    YIELDED = "yielded"


class InvocationKind(str, Enum):
    #: `f(...)`, `Class(...)`, `self.method(...)`.
    CALL = "call"
    #: Handed to a call as a value: `Depends(f)`, `FastAPI(lifespan=f)`, `anyio.run(f)`.
    HANDED = "handed"
    #: A nested function the function returns (`return start_app`): what a call of it hands on.
    RETURNED = "returned"


@record
class Invocation:
    """A callable named in code, called or handed on: the edges the index follows to find the
    code that runs once (a script's main, a lifespan, a builder called only at start-up)."""

    #: The qualified name (`app.db.build`, `app.db.Database`, `app.db.Database.setup` for `self.setup()`).
    target: str
    kind: InvocationKind
    in_loop: bool = False
    #: HANDED: how: the keyword (`lifespan`, `on_startup`), the event name of
    #: `add_event_handler("startup", f)`, or the list appended to (`app.on_startup.append(f)`);
    #: `@` and the decorator's first string argument for a decorator applied by a call
    #: (`cli.command(name="fill")(fill)`, `app.on_event("startup")(connect)`), `to` naming it.
    via: str = ""
    #: HANDED: the call it is handed to (`anyio.run`, `fastapi.FastAPI`), qualified when dotted.
    to: str = ""
    #: CALL: the value the call makes is kept in a module global (`_db = Database()` after `global _db`).
    published: bool = False
    #: At module level, under `if __name__ == "__main__":`.
    script: bool = False
    #: CALL: what the call returns is called at once (`self._session_factory()()`): nothing keeps it.
    result_called: bool = False
    #: HANDED: what a call of `target` returns is handed on, not `target` itself
    #: (`add_event_handler("startup", startup_app(app))` hands the closure `startup_app` returns).
    result_handed: bool = False
    #: CALL: what the call returns is held by a local name and called (`pool = make(url)`, then
    #: `pool()`), as `result_called` says of a call given no argument, but the call passes some: the
    #: builder may make the factory for an engine its caller chose (see `RunOnce.callers`).
    result_argued: bool = False
    #: CALL: what the call needs of the parameters (see `ParameterRead.guard`): `self._pending()`
    #: under `if "pending" in include:` never runs for a caller that passes `include=[]`.
    guard: tuple[Condition, ...] = ()


@record
class MethodCall:
    """`receiver.method(...)` for a method that sessions, connections or factories have.

    `argument` holds the origins of the first argument, the evidence that the receiver executes
    SQLAlchemy statements (`conn.execute(select(User))`) when nothing else says what it is.
    """

    receiver: ValueRef
    method: str
    line: int
    col: int
    awaited: bool
    argument: tuple[Origin, ...] = ()
    #: For `commit()`/`rollback()`: (line, col) of the function's later tracked calls that can run
    #: after this one on some path (a session used again after its transaction ended).
    followed_by: tuple[tuple[int, int], ...] = ()
    #: What the call needs of the parameters (see `ParameterRead.guard`): a commit under
    #: `if commit:` never runs for a caller that passes `commit=False`, nor a statement under
    #: `if "count" in include:` for one that passes `include=[]`.
    guard: tuple[Condition, ...] = ()


@record
class ContextBlock:
    """`[async] with <expr> [as name]:` for an expression with evidence (`SessionLocal()`,
    `session.begin()`), with the lines its body spans.

    `receiver` and `method` are set when the expression is a method call (`session.begin()`).
    """

    value: ValueRef
    bound: str | None
    is_async: bool
    line: int
    col: int
    end_line: int
    receiver: ValueRef | None = None
    method: str | None = None


class Test(str, Enum):
    """What a condition on a parameter tests."""

    #: `if include_items:` / `if not include_items:`.
    TRUTH = "truth"
    #: `if override is None:` / `if override is not None:`.
    NONE = "none"


@record
class Condition:
    """A parameter's state that a read or a call needs: `if override is None:` guards what it
    holds with `Condition("override", Test.NONE, True)`. A caller whose argument settles the
    test the other way never gets there."""

    parameter: str
    test: Test
    holds: bool


@record
class KnownArgument:
    """What a call site (or a default) says about one argument: whether it is truthy and
    whether it is None, each None when the expression does not tell (`include_items=False`:
    falsy and not None; `sub_override=sub` for an ORM object: not None)."""

    #: A position ("0"), a keyword, or for a default the parameter's name.
    key: str
    truthy: bool | None = None
    is_none: bool | None = None
    #: The argument is a parameter of the calling function, handed on as it came: what the
    #: caller's own caller passed for it tells (`_resolve(user, override)`).
    parameter: str | None = None

    def settles(self, condition: Condition) -> bool | None:
        """Whether the argument meets `condition`: True, False, or None when it cannot tell."""
        if condition.test is Test.TRUTH:
            known = False if self.is_none else self.truthy
        else:
            known = False if self.truthy else self.is_none
        return None if known is None else known == condition.holds


def assigned(name: str) -> str:
    """The mark, among the relationships loaded on an object, of one the code set itself
    (`record.license_key = license_key`): what the value holds further down is not the query's."""
    return f"={name}"


def maybe_given(name: str) -> str:
    """The mark, among the attributes of a new object, of a column the code set on some path
    (`order.user_id = uid` in a loop's body, or under an `if`): unlike the others, a join of
    paths keeps it when one path has it, as it keeps `UNKNOWN_ARGUMENTS` (see `MAYBE_GIVEN`)."""
    return f"{MAYBE_GIVEN}{name}"


#: The start of a `maybe_given` mark.
MAYBE_GIVEN = "?"

#: The start of a `handed_to` mark.
HANDED_TO = "@"


def handed_to(line: int, col: int, argument: str) -> str:
    """The mark, among the relationships loaded on an object, of the call at `line`:`col` it was
    handed to as `argument` (see `Handover`): what that callee loads on it on every path that
    finds it unloaded (`ParameterRead.sure`) is loaded after the call; the index tells what."""
    return f"{HANDED_TO}{line}:{col}:{argument}"


#: The mark, among the attributes a new object was built with (`ObjectAccess.loaded`), of a
#: `**` spread or a positional argument: any column may have been given.
UNKNOWN_ARGUMENTS = "**"


def partly_refreshed(expiry: Expiry) -> bool:
    """Whether a partial `refresh(obj, [...])` answered the event for some names since (not only
    attributes the code set): a relationship's name among them may have loaded more columns."""
    return any(not name.startswith("=") for name in expiry.reloaded)


#: The last step of a `ParameterRead` in `parameter_loads` for `refresh(obj)` without names.
WHOLE_REFRESH = "*"


@record
class ParameterRead:
    """The function reads `path` off one of its parameters (`order.customer.name` is ("customer",
    "name") of `order`; "[]" stands for an element of a collection): what a caller's object must
    have loaded."""

    parameter: str
    path: tuple[str, ...]
    line: int
    col: int
    #: What the read needs of the parameters (`if include_items:`, or after `if override is not
    #: None: return`): a caller whose arguments settle one of them otherwise never makes it.
    guard: tuple[Condition, ...] = ()
    #: What the function set before the read below the object whose method or property the path
    #: ends in (`change.discount = d; change.apply()` has ("discount",)), relative to that object.
    assigned: tuple[tuple[str, ...], ...] = ()
    #: The read is on what a call gave back for the parameter (`order = await repo.update(order)`):
    #: it reads the parameter only if that call returns what it was handed (the index decides).
    through: HandedBack | None = None
    #: Inside `try:` whose handler quietly swallows the error a lazy load raises (`except
    #: Exception: pass`, a fallback value, no call and no raise): the code's own guard against a
    #: lazy load, not one that escapes (ASA301). An expired column read there still fails (ASA302).
    guarded: bool = False
    #: Of `parameter_loads`: the load runs on every path that finds the relationship unloaded,
    #: under no test but tests of whether it is loaded (`if "items" in inspect(order).unloaded:`,
    #: or after `if "items" not in state.unloaded: return`), in no loop.
    sure: bool = False
    #: The function replaces what the path ends in (`member.tags = tags`) rather than reading it:
    #: replacing a collection of a persistent object loads the old one first (for its history);
    #: replacing a column or a scalar relationship loads nothing.
    replaced: bool = False


@record
class HandedBack:
    """A name bound to what a call returned, when the call was handed a parameter:
    `order = await repo.update(order, ...)` is `order` if `update` returns its `order`."""

    callee: tuple[Origin, ...]
    #: Where the parameter lands in the callee: a position ("0"), a keyword, or "self".
    argument: str


@record
class KeyedReturn:
    """A `return` of a dict written with constant string keys (`return {"items": items, ...}`):
    the parameter each key holds as it is ("" for anything else), so that a caller's
    `page["items"]` is what it handed that parameter."""

    line: int
    keys: tuple[str, ...]
    parameters: tuple[str, ...]


@record
class ReturnedParameter:
    """A `return` that hands back a parameter itself (the same object, not a copy): directly
    (`return obj`), or through what a call returns that it handed the parameter to
    (`return await super().update(obj)`, `through` says which)."""

    parameter: str
    through: HandedBack | None = None
    #: The parameter's attributes the function set before it returned it (`obj.customer = c`).
    assigned: tuple[str, ...] = ()
    #: The `return` (a call may be handed several parameters: one entry for each, one holds).
    line: int = 0
    #: It hands back one of the objects of the parameter, a list (`for o in orders: return o`).
    element: bool = False


@record
class ReturnedMember:
    """What a method or property hands back of its own object, when every `return` hands back
    what `self` reaches (`return self.team`): `reached` is the path off `self` ("[]" an element of
    a collection, a method's or property's name a call of it), `taken` the steps into the returned
    value that give it (`[(e, e.node) for e in self.items]` gives ("[]", "[1]") -> ("items", "[]",
    "node")). A caller's read of `obj.owner().members` is then one of `obj.team.members`."""

    taken: tuple[str, ...]
    reached: tuple[str, ...]


@record
class Forward:
    """A parameter (or a part of it) handed to a callee: `render(order.customer)`.

    `argument` is the callee's parameter it lands in: a position ("0"), a keyword, or "self"
    for the receiver of a method call.
    """

    callee: tuple[Origin, ...]
    argument: str
    parameter: str
    path: tuple[str, ...]
    line: int
    #: The call runs only on some paths (under an `if`, in a loop or an `except` clause).
    conditional: bool = False
    #: What the call needs of the parameters (see `ParameterRead.guard`).
    guard: tuple[Condition, ...] = ()
    #: What the call's arguments are known to be: `include_items=False`, `override=obj`.
    flags: tuple[KnownArgument, ...] = ()
    #: Paths below the handed-on value that the function set before the call
    #: (`change.discount = d; change.apply()` has ("discount",)): the callee's reads of them
    #: return what was set, nothing the caller loaded.
    assigned: tuple[tuple[str, ...], ...] = ()
    #: Handed on after a call gave it back (see `ParameterRead.through`).
    through: HandedBack | None = None
    #: The column of the call.
    col: int = 0


@record
class YieldGuard:
    """A `yield <value>` and what around it guarantees rollback on error and close."""

    value: ValueRef
    line: int
    col: int
    #: Origins of the `with` items around the yield that bind the name or act on it
    #: (`async with factory() as s`, `async with s:`, `async with s.begin():`).
    context_origins: tuple[Origin, ...] = ()
    #: An `except` around the yield calls `<name>.rollback()` and re-raises.
    rolls_back_on_error: bool = False
    #: A `finally` around the yield calls `<name>.close()`.
    closes_finally: bool = False
    #: The value is kept by the object a `with` around the yield entered (`async with
    #: store.unit_of_work() as uow: yield uow.session`): that context manager's exit ends it.
    kept_by_context: bool = False


@record
class FunctionFacts:
    qualname: str
    name: str
    line: int
    col: int
    is_async: bool
    decorators: tuple[str, ...]
    parameters: tuple[str, ...]
    calls: tuple[MethodCall, ...]
    blocks: tuple[ContextBlock, ...]
    #: The yields of a value with evidence, with the statements around them.
    yields: tuple[YieldGuard, ...] = ()
    #: The returned values with evidence (`return self._factory()`).
    returned: tuple[ValueRef, ...] = ()
    #: What `return engine, factory` gives at each position, with evidence, over its returns of
    #: a tuple: what a caller's `engine, factory = make()` binds.
    returned_items: tuple[tuple[ValueRef, ...], ...] = ()
    #: Calls that run awaitables concurrently, with the values that reach them.
    task_spawns: tuple[TaskSpawn, ...] = ()
    #: The class the return annotation names (`-> AsyncSession`), qualified.
    returns: str | None = None
    #: The class whose items the return annotation hands out (`-> list[Organization]`).
    returns_items: str | None = None
    #: What the function does with ORM objects (async functions only), see `facts/loading.py`.
    loading: FunctionLoading | None = None
    #: The name a pytest fixture is requested by (`@pytest.fixture` or `name=`), None otherwise.
    fixture: str | None = None
    #: Values of enclosing functions that this nested function uses (a closure).
    captures: tuple[ValueRef, ...] = ()
    #: The last line of the function.
    end_line: int = 0
    #: The project callables it calls or hands on.
    invocations: tuple[Invocation, ...] = ()
    #: The constant string each decorator call starts with (`@app.on_event("startup")`).
    decorator_arguments: tuple[str, ...] = ()
    #: The function takes `**kwargs`: a call binds any keyword (see `ObjectSource.keywords`).
    open_keywords: bool = False
    #: What the function reads off its parameters, and the parameters it hands to callees:
    #: the index composes them into what a callee reads off an object its caller passes.
    parameter_reads: tuple[ParameterRead, ...] = ()
    forwards: tuple[Forward, ...] = ()
    #: Local names bound or opened on by an enclosing `with` that a call is handed
    #: (`async with factory.begin() as session: await save(session)`): ASA401 judges the call.
    block_forwards: tuple[Forward, ...] = ()
    #: Relationships the function loads itself on a parameter (`await session.refresh(order,
    #: ["items"])`, `await order.awaitable_attrs.items`): its reads of them need nothing of the caller.
    parameter_loads: tuple[ParameterRead, ...] = ()
    #: Every `return` of the function hands back a parameter (empty: some return does not, or
    #: none does): a caller's object bound from the call is the object it passed.
    returned_parameters: tuple[ReturnedParameter, ...] = ()
    #: For a plain method or property: what every `return` hands back of `self` (empty: some
    #: return hands back anything else, or none does), see `ReturnedMember`.
    returned_members: tuple[ReturnedMember, ...] = ()
    #: Every `return` of the function is a dict with constant string keys (empty: some return
    #: is anything else): which parameters it holds under which keys.
    keyed_returns: tuple[KeyedReturn, ...] = ()
    #: The response model a web framework validates the returned value with
    #: (`@router.get(..., response_model=OrderOut)`).
    response_model: tuple[Origin, ...] = ()
    #: How many of `parameters` can be passed by position.
    positional: int = 0
    #: Parameters whose default is a constant, what it is (`include_items: bool = True`).
    flag_defaults: tuple[KnownArgument, ...] = ()
    #: Parameters annotated with a class: (name, the class's qualified name).
    parameter_types: tuple[tuple[str, str], ...] = ()
    #: Parameters annotated with a collection of objects: (name, a class its members are), for
    #: each class of a `tuple[Team, Member]` and the element class of `list[Team]`.
    parameter_members: tuple[tuple[str, str], ...] = ()
    #: What says which provider fills each parameter: (name, its `Depends(...)` and annotation
    #: origins); an annotation may be an alias of `Annotated[X, Depends(p)]`.
    provided: tuple[tuple[str, tuple[Origin, ...]], ...] = ()
    #: Parameters it never waits on itself: used only through session methods that run no
    #: statement and by handing them on (see `facts/quiet.py`).
    quiet_parameters: tuple[str, ...] = ()
    #: The body says nothing of what the function does: only a docstring, `...`, `pass` or
    #: `raise NotImplementedError` (a protocol's or an abstract base's method, a placeholder).
    stub: bool = False
    #: Parameters whose items the function runs at once as awaitables (a project's own
    #: `gather` helper over a list of coroutines, see `facts/gathering.py`).
    gathered_parameters: tuple[str, ...] = ()
    #: Parameters that reach what the function makes a task of (a project's own `spawn` or
    #: timer helper, see `facts/starting.py`); `*` for its `*args`.
    started_parameters: tuple[str, ...] = ()


@record
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
    #: `join_depth=`: how often an eager loader may revisit the target's mapper on one path.
    join_depth: int | None = None
    #: Whether the delete cascade follows it (`cascade=` naming `delete` or `all`, SQLModel's
    #: `cascade_delete=True`); None when the option is no literal.
    delete_cascade: bool | None = False
    #: `passive_deletes=` set (True or "all"): the delete cascade leaves it unloaded; None when
    #: the option is no literal.
    passive_deletes: bool | None = False
    #: A `backref=backref(..., cascade=...)` whose delete cascade loads this model's objects
    #: from the target (True), may (None: not literal), or does not (False).
    backref_delete_loads: bool | None = False
    #: The columns `foreign_keys=` names, as written (`owner_id`, `"Pod.owner_id"`); None when
    #: the option is absent or no literal.
    foreign_keys: tuple[str, ...] | None = None
    #: How the join is given besides the foreign keys: "secondary" (an association table), or
    #: "primaryjoin" (a condition that may run either way); None for neither.
    join: str | None = None
    #: The columns a `primaryjoin=` condition compares, as written (`Node.id`,
    #: `NodeRevision.node_id`): those that carry a foreign key say which way it runs. None when
    #: there is no such condition, it is no literal, or it annotates `foreign()`/`remote()`.
    join_columns: tuple[str, ...] | None = None
    #: `back_populates=` as written: the relationship of the target that holds the other side
    #: (a literal string; None when absent or no literal).
    back_populates: str | None = None
    #: `backref="x"` or `backref=backref("x", ...)`: the relationship this declaration adds to
    #: the target (None when absent, no literal, or its `lazy=`/`uselist=` are no literals).
    backref: str | None = None
    #: The `lazy=` of a `backref("x", lazy=...)`, None for the default.
    backref_lazy: str | None = None
    #: The `uselist=` of a `backref("x", uselist=...)`, None when not given.
    backref_uselist: bool | None = None
    #: The columns `remote_side=` names, as written (`id`, `Node.id`): on a self-referential
    #: relationship, the side that is not the foreign key's. Empty when absent, None when no
    #: literal.
    remote_side: tuple[str, ...] | None = ()
    #: The same of a `backref("x", remote_side=...)`.
    backref_remote_side: tuple[str, ...] | None = ()

    @property
    def loads_on_delete(self) -> bool:
        """Whether `session.delete(owner)` may load it: SQLAlchemy's delete cascade loads an
        unloaded relationship unless `passive_deletes` is set (unknown options count as loading)."""
        return self.delete_cascade is not False and self.passive_deletes is not True


@record
class AttributeFacts:
    """What an attribute of a class's instances is, over every assignment and annotation.

    `holds` are the values it was built from, as they were in the method that built it
    (`self.users = UserRepository(session)` in `__init__` holds `__init__`'s `session`);
    `function` is that method, so that two attributes built from one value are known as such.
    """

    origins: tuple[Origin, ...] = ()
    holds: tuple[Held, ...] = ()
    function: str = ""


@record
class ClassFacts:
    qualname: str
    name: str
    line: int
    col: int
    bases: tuple[str, ...]
    #: Class keywords as source text (`table="True"` for SQLModel tables).
    keywords: dict[str, str]
    #: `self.attr = ...` in methods and class-level annotations: what each attribute is and holds.
    attributes: dict[str, AttributeFacts]
    relationships: tuple[RelationshipFacts, ...] = ()
    #: Names assigned or annotated in the class body (columns, among others).
    fields: tuple[str, ...] = ()
    #: Annotated field -> the class its annotation names, through `list[...]`, `Optional[...]`
    #: and `X | None` (a schema's nested schema: `items: list[ItemOut]`).
    field_types: dict[str, str] = field(default_factory=dict)
    #: A dataclass or attrs class: the fields its generated `__init__` takes, in order.
    init_fields: tuple[str, ...] | None = None
    #: The fields declared `primary_key=True` (`mapped_column(...)`, `Column(...)`, `Field(...)`).
    primary_key: tuple[str, ...] = ()
    #: For a pydantic v1 `GetterDict` subclass: the keys its `get()` gives only when the
    #: relationship of that name is loaded (see `facts.getters`).
    loaded_only: tuple[str, ...] = ()
    #: The columns declared unique one by one (`unique=True`, a one-column `UniqueConstraint` or
    #: unique `Index` in `__table_args__`): a query by one of them gives one row.
    unique: tuple[str, ...] = ()
    #: The constant attributes `__init__` sets (`self._committed = False`, keyed `self._committed`):
    #: the state a fresh object has; None when the class defines no `__init__` (`fresh_state`).
    fresh_state: tuple[KnownArgument, ...] | None = None
    #: Whether `__aenter__` only returns the object itself; None when the class defines none.
    enters_itself: bool | None = None
    #: The literal `__tablename__`.
    table_name: str | None = None
    #: The columns declared with a foreign key: (field, the table or class it references, as
    #: written: `users` of `ForeignKey("users.id")`, `User` of `ForeignKey(User.id)`).
    references: tuple[tuple[str, str], ...] = ()
    #: `roles = synonym("positions")`: (the synonym, the attribute it stands for).
    synonyms: tuple[tuple[str, str], ...] = ()


@record
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
    #: Module-level names bound to a computed value (`engine = create_async_engine(...)`),
    #: also through `global` in a function, with the value's origins.
    module_values: dict[str, tuple[Origin, ...]] = field(default_factory=dict)
    #: Module-level dict literals whose values are all names (`HANDLERS = {"a": load_a, ...}`), a
    #: dispatch table: name -> the origins of its values, one per entry.
    dispatch_tables: dict[str, tuple[Origin, ...]] = field(default_factory=dict)
    #: Line -> codes its noqa comment names; an empty tuple is a bare noqa (every code).
    noqa: dict[int, tuple[str, ...]] = field(default_factory=dict)
    #: Values created at module level, on a class, or through `global`, kept for reuse.
    stored_values: tuple[StoredValue, ...] = ()
    #: Module-level type alias -> what it stands for (`SessionDep = Annotated[AsyncSession,
    #: Depends(get_session)]`, `NewType("S", AsyncSession)`, `X: TypeAlias = ...`, `type X = ...`).
    type_aliases: dict[str, TypeAlias] = field(default_factory=dict)
    #: Module-level alias of a union of classes -> each class (`Request = Union[Approve, Deny]`,
    #: `Annotated[Approve | Deny, Field(discriminator="method")]`): a parameter annotated with it
    #: holds an instance of any of them.
    union_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: `<anything>.state.<name> = value` (`app.state.db = async_sessionmaker(...)`): name -> origins.
    app_state: dict[str, tuple[Origin, ...]] = field(default_factory=dict)
    #: `<anything>["<key>"] = value` (`ctx["session_maker"] = async_sessionmaker(...)`): key -> origins.
    mapping_keys: dict[str, tuple[Origin, ...]] = field(default_factory=dict)
    #: Dependency-injection providers registered by name (Litestar `dependencies={"db": Provide(f)}`):
    #: name -> the provider's origins.
    providers: dict[str, tuple[Origin, ...]] = field(default_factory=dict)
    #: Every `<expr>.create_all` read (called, or handed to `run_sync`), for ASA502.
    schema_creations: tuple[SchemaCreation, ...] = ()
    #: The project callables called or handed on at module level (and in class bodies).
    invocations: tuple[Invocation, ...] = ()
    #: Calls that may construct a project class and pass it something with evidence.
    constructions: tuple[Construction, ...] = ()
    #: Calls in functions that may run a project function and pass it something with evidence.
    passing_calls: tuple[PassingCall, ...] = ()


@record
class Construction:
    """`Store(async_session_maker)`: a call that may construct a project class (a capitalised
    callee, `cls(...)`, `super().__init__(...)`), with the origins of each argument that has any,
    keyed by position (`"0"`) or keyword name. The index reads what a constructor's parameters
    receive off these (`OriginKind.PARAMETER`)."""

    callee: str
    arguments: tuple[tuple[str, tuple[Origin, ...]], ...]
    line: int
    #: `super().__init__(...)` in a method of `callee`: the arguments go to the constructor the
    #: next class of `callee`'s chain defines.
    via_super: bool = False
    #: Where the object it builds is kept, when that is the whole value assigned: a module-level
    #: name (`module.repo` of `repo = Repo(Order)`) or an attribute of `self` (`module.Class.repo`).
    bound: str = ""


@record
class PassingCall:
    """`rename(session, 1)`, `self.load(db=session)`: a call that may run a project function, with
    the origins of each argument by position (`"0"`) or keyword name; an argument the facts know
    nothing of has none. The index reads what a parameter without evidence of its own receives
    off these (`OriginKind.PARAMETER`)."""

    #: The callee's own name (`rename`, `load`): the index reads only the calls of that name.
    name: str
    callee: tuple[Origin, ...]
    arguments: tuple[tuple[str, tuple[Origin, ...]], ...]
    line: int
    #: The arguments that are a parameter of the calling function as it received it: each (the
    #: argument's position or keyword, `module.caller:parameter`). What that parameter is, the
    #: caller's own callers say (`_init(session)` inside `async def _prepare(self, session)`).
    relayed: tuple[tuple[str, str], ...] = ()


@record
class TypeAlias:
    """A type alias: the class it names and, for `Annotated[X, Depends(p)]`, the provider `p`."""

    target: str
    provider: tuple[Origin, ...] = ()


@record
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


@record
class SpawnedWork:
    """One awaitable handed to a task-spawning call; `many` for a comprehension or a loop."""

    text: str
    line: int
    col: int
    reaches: tuple[Reach, ...]
    many: bool = False


@record
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
    #: A collection of awaitables handed to a project function (`await bounded_gather([...])`):
    #: the callee and where the collection lands; it runs them at once only if the callee
    #: gathers that parameter (the index decides).
    callee: tuple[Origin, ...] = ()
    argument: str = ""
    #: The name that keeps the task (`first = spawn(load(s))`): through a project helper that
    #: starts one, the name holds the task, not work of its own.
    holder: str | None = None


@record
class SessionUse:
    """The function's own use of a candidate session: a method call on it or passing it on."""

    ref: ValueRef
    line: int
    col: int


@record
class StoredValue:
    """A value created once and kept for reuse: at module level, on a class, via `global`, or on
    application state (`app.state.x = ...`)."""

    name: str
    where: str
    line: int
    col: int
    origins: tuple[Origin, ...]
    #: The function that stores it; None at module or class level.
    function: str | None = None
    #: Stored on `<x>.state`: application state in a lifespan, request state in a middleware.
    on_state: bool = False


# -- loading: ORM objects, their loaders and the attributes read on them --------------


class LoaderStrategy(str, Enum):
    """What a loader option does to the relationship at the end of its path."""

    SELECTIN = "selectin"
    JOINED = "joined"
    SUBQUERY = "subquery"
    IMMEDIATE = "immediate"
    CONTAINS_EAGER = "contains_eager"
    #: `defaultload`: only a path to options further down.
    DEFAULT = "default"
    LAZY = "lazy"
    NOLOAD = "noload"
    #: `raiseload`: reading it unloaded raises InvalidRequestError (it forbids the lazy load).
    RAISE = "raise"
    #: `raiseload(..., sql_only=True)`: raises only where the read would run SQL (a many-to-one
    #: the identity map answers reads clean).
    RAISE_ON_SQL = "raise_on_sql"

    @property
    def loads(self) -> bool:
        return self in _LOADING

    @property
    def emits_no_sql(self) -> bool:
        """Reading the relationship then raises or returns nothing instead of loading."""
        return self in (LoaderStrategy.NOLOAD, LoaderStrategy.RAISE, LoaderStrategy.RAISE_ON_SQL)


_LOADING = frozenset(
    {
        LoaderStrategy.SELECTIN,
        LoaderStrategy.JOINED,
        LoaderStrategy.SUBQUERY,
        LoaderStrategy.IMMEDIATE,
        LoaderStrategy.CONTAINS_EAGER,
    }
)


@record
class LoaderStep:
    """One step of a loader option: `selectinload(Order.items)` is ("app.models.Order.items", "selectin").

    `attribute` is the qualified class attribute, a bare name for string forms, or "*".
    """

    attribute: str
    strategy: LoaderStrategy


@record
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
    #: A parameter a web framework fills from a provider (`user: User = Depends(current_user)`):
    #: an object of the request's session when the provider takes the same session provider.
    INJECTED = "injected"
    #: A parameter annotated with a model class, or `self` of a model's method: an object of the
    #: caller's session, which the function's own session is when it holds only one (or hands
    #: the object to one of its methods).
    RECEIVED = "received"


#: `StatementOrigin.model_attribute` of `select(cls)`: the receiver's class itself is the model
#: (as `self.__class__` is).
THE_CLASS = "__class__"


@record
class StatementOrigin:
    """Where a statement comes from when the function did not build it whole from `select(M)`.

    The index evaluates it with what the call that runs the function passes and the class of
    its receiver: `self.get_base_statement()` dispatches on the receiver's class, `select(self.model)`
    selects the model that class names, a `statement` parameter is the caller's statement.
    """

    #: A project function returned it (`build_query(...)`, `queries.readable(...)`).
    callee: tuple[Origin, ...] = ()
    #: A method of the receiver's own class returned it (`self.base()`, `super().base()`):
    #: its name, the class that makes the call, and whether it goes through `super()`.
    method: str = ""
    owner: str = ""
    via_super: bool = False
    #: What that call passes (to a callee that builds the statement from its own parameters).
    passed: tuple[PassedArgument, ...] = ()
    #: What that call's arguments are known to be (`base_query(include_prompt=True)`): a loader
    #: the callee adds under a test on its parameter is there when they settle the test.
    flags: tuple[KnownArgument, ...] = ()
    #: The function's parameter that holds the statement (`get_all(self, statement)`).
    parameter: str = ""
    #: `select(self.model)`: the attribute of the receiver's class that names the model;
    #: `THE_CLASS` for `select(cls)`.
    model_attribute: str = ""
    #: Parameters whose loader options the statement carries: `.options(*options)`.
    option_parameters: tuple[str, ...] = ()
    #: `select(model)` of a parameter: the model is the class the caller passes there
    #: (`get_model(session, Order, 1)`).
    model_parameter: str = ""


@record
class PassedArgument:
    """What a call passes where a callee's statement may use it: `argument` is a position ("0")
    or a keyword; `statement` a statement passed, else `loaders` (known or not) of what it is."""

    argument: str
    statement: ObjectSource | None = None
    loaders: tuple[LoaderPath, ...] = ()
    loaders_known: bool = False
    #: A dotted name passed (`Order`, `models.Order`), qualified: a model class when the index
    #: resolves it to one, for a callee that selects the class it is given.
    model: str = ""
    #: The caller's own parameter passed on whole (`update_where(session, orm_class, ...)` in
    #: `update(session, orm_class, ...)`): what the caller's caller passed there.
    forwards: str = ""


@record
class ObjectSource:
    """Where ORM objects come from in a function, with the loaders of that query."""

    kind: SourceKind
    line: int
    #: The model expression as a qualified name (`select(M)`, `session.get(M, ...)`, `M(...)`).
    model: str | None = None
    #: The qualified name of the statement constructor (`sqlalchemy.select`).
    constructor: str | None = None
    session: ValueRef | None = None
    loaders: tuple[LoaderPath, ...] = ()
    #: False when an option could not be read (a variable, a helper call): then nothing is judged.
    loaders_known: bool = True
    #: For CALL: the origins of the callee and its display text.
    callee: tuple[Origin, ...] = ()
    callee_text: str = ""
    #: For CALL of a method: the line where this function built its receiver (`repo =
    #: Repo(Order)`, `Repo(Order).get(...)`), whose construction site says what it was handed.
    receiver_built: int = 0
    #: Loaders that some paths to the query added and others did not.
    maybe_loaders: tuple[LoaderPath, ...] = ()
    #: Of those, the ones added under a test (`if is_shared:`): a read under the same test has them.
    given_loaders: tuple[tuple[LoaderPath, Condition], ...] = ()
    #: Of those, each with a condition on a parameter that held on every path that added it
    #: (`if with_items:`): a call whose arguments fail the condition never gets the loader.
    loader_guards: tuple[tuple[LoaderPath, Condition], ...] = ()
    #: For QUERY: the statement's origin when the function did not build it whole (then
    #: `model` may be None and `loaders` are the ones the function added itself).
    statement: StatementOrigin | None = None
    #: For CALL: what the call passes that the callee's statement may use.
    passed: tuple[PassedArgument, ...] = ()
    #: For CALL: the ORM objects the call was handed, any of which it may give back.
    handed: tuple[HandedObject, ...] = ()
    #: For CALL: what the call's arguments are known to be (see `Forward.flags`).
    flags: tuple[KnownArgument, ...] = ()
    #: For CALL: the keywords the call passes by name. A callee that has none of that name (and
    #: no `**kwargs`, nor a decorator that may take it) raises `TypeError`: the call gives nothing.
    keywords: tuple[str, ...] = ()
    #: For RECEIVED: the parameter that holds the object.
    parameter: str = ""
    #: Parameters that hold the query's loader options (`session.get(M, key, options=options)`):
    #: its loaders are unknown here, and known empty for a call that leaves them None.
    loader_parameters: tuple[str, ...] = ()
    #: For CALL: the other calls the object may come from, one per branch that bound it
    #: (`if price: product = await by_price(...) else: product = await by_id(...)`): a read after
    #: the branches is made on every path, so each callee's objects are judged.
    alternatives: tuple[ObjectSource, ...] = ()
    #: For an object read back off a project object the function built with it
    #: (`ctx = OrderContext(order=order)`, then `ctx.order`): the holder's class, where its
    #: constructor was handed the object (a keyword or a position) and the attribute read
    #: (`("app.OrderContext", "order", "order")`). The index follows the read only where that
    #: class keeps what it was handed there under that attribute as it is (no schema, which
    #: validates a copy).
    held_as: tuple[str, ...] = ()


class AccessKind(str, Enum):
    READ = "read"
    #: `obj.rel = [...]`: replacing a collection loads the old one.
    ASSIGN = "assign"


#: Where a call hands a session over when the object it calls a method of keeps it: what its
#: constructor was handed as a position or keyword (`svc = Service(session=s)`, then `svc.save()`
#: hands `s` over as `self@session`); the index finds the attribute the object keeps it under.
WRAPPED = "self@"


@record
class Expiry:
    """A commit or rollback of the object's session between its loading and an access.

    `method` is commit, rollback, or begin for the end of an `async with session.begin():` block;
    "call" for a call that hands the session to a callee (`callee`, as its parameter `argument`),
    which expires the object if the callee commits or rolls back (its summary in the index says).
    """

    session: str
    method: str
    line: int
    callee: tuple[Origin, ...] = ()
    argument: str = ""
    #: A "call" whose result an `if` tested, leaving the function (or the loop's iteration) on
    #: one side: the side that goes on is where the callee reported success.
    result_checked: bool = False
    #: A "call" made inside a loop: the loop goes on to its next item, and past its end, whatever
    #: the callee did on an error it swallowed.
    in_loop: bool = False
    #: What the call's arguments are known to be (see `Forward.flags`).
    flags: tuple[KnownArgument, ...] = ()
    #: A query of the same session run after this event that selects the object's own row again
    #: (model, column): `session.get(M, k)` for an object loaded by the same key (column ""), or
    #: `select(M).where(M.c == k)` alone, which repopulates the expired object in the identity map.
    #: It voids the event when the column is the model's primary key (the index tells) or "",
    #: or for `=<column>` (loaded by that same column and key) a column declared unique too.
    reselected: tuple[str, str] | None = None
    #: The attributes the object was given again since this event on every path that carries
    #: this copy of it: the names a partial `refresh(obj, ["status"])` loaded, and those the
    #: code set (`obj.status = ...`, marked as `assigned` marks them). Those read fresh; whether
    #: a refresh of a relationship loaded the primary key (or, for a many-to-one, the whole row)
    #: is the index's to tell. A later commit or rollback is another event, which carries none.
    reloaded: tuple[str, ...] = ()
    #: A "call" read on the side of a test of its result where the result says it failed: the
    #: key the test read ("" for the result itself, `"success"` for `result["success"]`).
    failed_as: str | None = None
    #: A "call" of a method of an ORM object whose model the function does not name
    #: (`await worker.save(session)` on what a project call returned): where the object came
    #: from and the relationships it was reached by; the index resolves its model, whose
    #: method `callee` names (with no model: `Origin(ANNOTATION, "", (METHOD name,))`).
    receiver: ObjectSource | None = None
    receiver_path: tuple[str, ...] = ()
    #: A "call" that handed the session of a new object added in this transaction: the callee's
    #: commit makes it persistent and expires it, its rollback expunges it (attributes intact).
    settles: bool = False
    #: Of those, one that handed the new object itself, not yet in any session, where it lands
    #: (a position or a keyword): it expires only when the callee adds it to that session.
    adds: str = ""
    #: With `adds`: the session it is handed, as the call's argument refers to it.
    tied: ValueRef | None = None
    #: A "call" made in the body of a `try` whose `except` handler reads here: the classes that
    #: handler catches, qualified where the module's imports say (`BaseException` for a bare
    #: `except:`). A rollback the callee makes before it raises one of them has run.
    caught: tuple[str, ...] | None = None
    #: Within the walk only (the facts never carry it): the local names that were truthy on the
    #: only path that made this event; a test that finds one falsy shows the event did not
    #: happen on its path (`facts/local_truths.py`).
    when_truthy: frozenset[str] = frozenset()


@record
class HandedObject:
    """An ORM object handed to a project call, with its state there: what the call's result is
    when the callee returns the parameter it lands in (`order = await repo.update(order)`)."""

    argument: str
    source: ObjectSource
    path: tuple[str, ...]
    loaded: tuple[str, ...]
    persistent: bool
    expired_by: tuple[Expiry, ...]
    #: A list of such objects (`pods = result.scalars().all()`), not one of them.
    collection: bool = False


@record
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
    #: A new object in the database only through the autoflush of a later query of its
    #: session: that query's line (0 otherwise); it holds where the session autoflushes.
    autoflushed: int = 0
    #: The queries that gave its row again on every path to the access, loading as they did.
    reselects: tuple[Reselect, ...] = ()


@record
class ReturnedObject:
    """What a function returns when it returns ORM objects: the per-function summary.

    `position` is the element of a returned tuple (`return user, account`), or the key of a
    returned dict (`return {"chat": chat}`), None for the value.
    """

    source: ObjectSource
    path: tuple[str, ...]
    loaded: tuple[str, ...]
    is_collection: bool
    line: int = 0
    position: int | str | None = None
    col: int = 0
    #: The commits and rollbacks that expired it before it was returned (the caller gets it so).
    expired_by: tuple[Expiry, ...] = ()
    #: A new object still pending in the transaction that added it (added or flushed, on some
    #: path not committed): a rollback turns it transient, its attributes intact.
    pending: bool = False


#: `Expiry.method` of an object a project call returned: expired as the callee left it, which
#: the callee's summary says (`ReturnedObject.expired_by`).
RETURNED_EXPIRED = "returned"
#: Where a route's returned object lands: its response model (`Handover.argument`).
RETURNED_TO_RESPONSE = "return"


def response_key(argument: str) -> str | None:
    """The key of a returned dict an object was under (`return:items`), None for another
    hand-over; "" for the returned object itself."""
    if argument == RETURNED_TO_RESPONSE:
        return ""
    head, _, key = argument.partition(":")
    return key if head == RETURNED_TO_RESPONSE and key else None


#: `Expiry.method`s the code asks for by name, whatever `expire_on_commit` says:
#: `session.expire(obj)` (that object only) and `session.expire_all()`.
EXPLICIT_EXPIRIES = frozenset({"expire", "expire_all"})
#: The mark before the column of `Expiry.reselected` when the object was loaded by that same
#: column with the same key (`=email`): the index voids it for a primary key or a unique column.
SAME_COLUMN = "="


@record
class Reselect:
    """A query of the object's session, run before a read, that selected the object's own row
    again by a key it was loaded by or that was read off it (`k = obj.id`, then
    `select(M).options(selectinload(M.items)).where(M.id == k)`): where `column` names the row
    (as in `Expiry.reselected`: "" for two `get()`s, `=<column>` for the column it was loaded by,
    else the model's primary key, which the index tells), the identity map gives back this very
    object, and the query's loaders load its relationships (`source`, the query's own)."""

    column: str
    source: ObjectSource


@record
class Handover:
    """An ORM object handed to a callee that may read it, with the object's state there.

    `argument` is where it lands: a position ("0"), a keyword, "self" for the receiver of a
    method call (`order.total()`, `method` names it), or "return" for the value a route returns
    to its response model. `callee` is empty for a method of the object's own model.
    """

    target: str
    line: int
    col: int
    callee: tuple[Origin, ...]
    callee_text: str
    argument: str
    source: ObjectSource
    path: tuple[str, ...]
    loaded: tuple[str, ...]
    persistent: bool
    expired_by: tuple[Expiry, ...]
    is_collection: bool = False
    method: str | None = None
    #: What the call's arguments are known to be (see `Forward.flags`).
    flags: tuple[KnownArgument, ...] = ()
    #: The callee runs once the response is sent (`background_tasks.add_task(notify, user)`):
    #: the state is the one the function leaves the object in, past its later commits.
    after_response: bool = False
    #: As `ObjectAccess.autoflushed`.
    autoflushed: int = 0
    #: As `ObjectAccess.reselects`.
    reselects: tuple[Reselect, ...] = ()


@record
class SessionTie:
    """A received object handed to a session's method (`session.delete(self)`): it is that
    session's object, whatever other sessions the function holds."""

    parameter: str
    session: str
    method: str


#: Among `FunctionLoading.effects`: the session is committed or rolled back on every path that
#: returns, not always the same (`try: commit / except: rollback`).
ENDED = "commit or rollback"
#: The method of an `Expiry` a call stands for when its callee rolls back in an `except` handler
#: and returns normally (`except Exception: await s.rollback(); return None`).
ROLLED_BACK_ON_ERROR = "rollback on error"
#: The same for a callee that rolls back on a path that returns what says it failed (`return
#: {"success": False}`, `return False`), read on the side of the caller's test of that result
#: where it failed.
ROLLED_BACK_ON_FAILURE = "rollback on failure"
#: The same for a callee that rolls back before it raises an error, read in the caller's
#: `except` handler that catches it.
ROLLED_BACK_ON_RAISE = "rollback on raise"
#: Among the classes of `FunctionLoading.rollbacks_on_raise`: a bare `raise` in a handler of
#: every error, which raises whatever the `try` raised (a failed flush among the rest).
RERAISED = "*"
#: The method of an `Expiry` for an `except` handler of a `try` whose `commit()` or `flush()`
#: (`Expiry.argument`) may have failed: a failed flush rolls the transaction back, which expires
#: every object the session holds, whatever `expire_on_commit` says, and leaves the session
#: unusable until `rollback()` (a read that loads raises `PendingRollbackError`).
FAILED_FLUSH = "failed flush"


@record
class ReturnedOptions:
    """The loader options a function returns (`get_eager_options()` returning `(joinedload(...),)`),
    when every `return` returns known ones: those on every `return`, and those on some only."""

    loaders: tuple[LoaderPath, ...]
    maybe: tuple[LoaderPath, ...] = ()


@record
class FunctionLoading:
    accesses: tuple[ObjectAccess, ...] = ()
    #: One entry per `return` of ORM objects; `returns_only_objects` is False when some
    #: other `return` exists (then callers do not trust the summary), but for the returns of
    #: `objectless_tuples`.
    returns: tuple[ReturnedObject, ...] = ()
    returns_only_objects: bool = False
    handovers: tuple[Handover, ...] = ()
    #: `return None, error`: each `return` of a tuple that holds no object, as the positions it
    #: fills with something other than a literal (a value the facts may not know to be no
    #: object). A caller taking another position gets no object from it; one taking such a
    #: position trusts nothing.
    objectless_tuples: tuple[tuple[int, ...], ...] = ()
    #: What the function does to sessions on every path that returns normally (a path that
    #: raises never gets back to its caller): (session text, commit or rollback).
    effects: tuple[tuple[str, str], ...] = ()
    #: The same, told apart by what tests on parameters said on the way, when that changes it
    #: (`if not uow: commit`): (the conditions that held, what those paths did) per kind of
    #: path; a call whose arguments rule some out gets what the rest do (`effect_cases`).
    effect_cases: tuple[tuple[tuple[Condition, ...], tuple[tuple[str, str], ...]], ...] = ()
    #: The sessions an `except` handler rolls back on some path that then returns normally, the
    #: error swallowed, each with what the enclosing tests say there (`if commit:`).
    rollbacks_on_error: tuple[tuple[str, tuple[Condition, ...]], ...] = ()
    #: Those of them a handler of constraint conflicts alone made (`except IntegrityError:`): an
    #: outcome the function expects (a duplicate row), after which its callers read on.
    rollbacks_on_conflict: tuple[tuple[str, tuple[Condition, ...]], ...] = ()
    #: Those of them a handler made after its `try` flushed what the function changed in the
    #: session (`add`, then `commit()`): the failed flush is swallowed, and callers read on.
    rollbacks_on_failed_flush: tuple[tuple[str, tuple[Condition, ...]], ...] = ()
    #: The sessions rolled back on some path that returns a failure: a falsy constant (key "")
    #: or a dict whose constant key holds one (`{"success": False}`: key "success"), each with the
    #: key and what the enclosing tests say there; and the lines of the calls whose result the
    #: function returns as it is (`return result`, `return await f(db)`): theirs count too.
    rollbacks_on_failure: tuple[tuple[str, str, tuple[Condition, ...]], ...] = ()
    #: The sessions rolled back on every path to a `raise` that leaves the function (`except
    #: SQLAlchemyError: await s.rollback(); raise`), each with the classes it may raise (their
    #: qualified names, the handler's for a bare `raise`; `RERAISED` when that handler catches
    #: every error) and what the enclosing tests say there.
    rollbacks_on_raise: tuple[tuple[str, tuple[str, ...], tuple[Condition, ...]], ...] = ()
    returned_calls: tuple[int, ...] = ()
    #: Where the objects the function binds come from (the models its session holds).
    held: tuple[ObjectSource, ...] = ()
    #: The models of new objects the function adds and returns (`create_project(session)`).
    returns_created: tuple[str, ...] = ()
    #: The commits and rollbacks that expired objects the function holds, each with the source
    #: of each of them (its session says whether a commit expires), one pair per source.
    expiries: tuple[tuple[ObjectSource, Expiry], ...] = ()
    #: By line of a read, a call or a `return`, the lines of those expiries that happen on some
    #: path to it, where that is not every one on an earlier line (a rollback under `if form ==
    #: "a":` reaches no read under a later `if form == "b":`; one later in a loop's body reaches
    #: the next iteration's reads). A line not listed is reached by every earlier one.
    reached: tuple[tuple[int, tuple[int, ...]], ...] = ()
    #: By line, those of the expiries reaching it that do so only through a loop's back edge,
    #: each with the first line of the loop's body that runs again each iteration: an object
    #: obtained from there on (before the read) was obtained again after the expiry.
    looped: tuple[tuple[int, tuple[tuple[int, int], ...]], ...] = ()
    #: The statements the function returns (each a QUERY source without a session), when every
    #: `return` returns one: a helper that builds a query for its callers to run.
    statements: tuple[ObjectSource, ...] = ()
    #: The loader options it returns, for a caller that passes them on (`options=repo.eager()`).
    options: ReturnedOptions | None = None
    #: For the objects it received (RECEIVED): what may be a session among the names it commits,
    #: rolls back, calls session methods on or hands to calls (the index says which are), and
    #: the parameters it hands to a session's `add`/`delete`/`merge`/`refresh`/`expunge`, with
    #: that session and the method.
    sessions: tuple[ValueRef, ...] = ()
    ties: tuple[SessionTie, ...] = ()

    @property
    def only_objects(self) -> bool:
        """Every `return` gives ORM objects (a tuple of no object at all counts as none)."""
        return self.returns_only_objects and not self.objectless_tuples
