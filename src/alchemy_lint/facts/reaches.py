"""Which tracked values an expression reaches, and what a binding holds.

`load(s)` reaches `s` as an argument, `s.execute(...)` by a method call, `repo.load()` through
`repo = Repo(s)`, `work()` through the closure `work` that uses `s`. The value table stores
what a binding holds; task spawns and class attributes read it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from alchemy_lint.facts.conditions import known_arguments
from alchemy_lint.facts.values import RECEIVER, Held, Origin, Queried, Reach, ReachKind, StepKind, ValueRef
from alchemy_lint.records import replace
from alchemy_lint.resolve import bound_names, expression_text

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
#: Builtins whose result iterates over the items of their arguments (`dict(zip(keys, coros))`,
#: `list(gen)`): its items hold what those items hold.
_PASSING_ITEMS = frozenset({"list", "tuple", "set", "frozenset", "dict", "zip", "reversed", "iter", "sorted", "filter"})
#: Methods of a collection whose result iterates over its items (a dict's values).
_ITEM_VIEWS = frozenset({"values", "copy"})
#: Session methods whose work depends on the object they are given: `delete(obj)` runs a
#: statement only when obj's model loads something on the delete cascade (the index decides).
#: Only for them does a reach keep what the first argument is.
_OPERAND_METHODS = frozenset({"delete"})
#: AsyncSession (and SQLModel) methods that return a coroutine bound to the session: what such
#: a call returns still holds the session; what other methods return does not (`get_bind()`).
SESSION_COROUTINES = frozenset(
    {
        "execute",
        "scalar",
        "scalars",
        "exec",
        "get",
        "get_one",
        "refresh",
        "flush",
        "commit",
        "rollback",
        "close",
        "merge",
        "delete",
        "stream",
        "stream_scalars",
        "run_sync",
        "connection",
    }
)
MAX_REACHES = 16
#: Result methods that hand out the same ORM objects (`.scalars().unique().all()`).
_RESULT_PASSING = frozenset({"all", "unique", "fetchall"})
#: Session (or result) methods whose result iterates over the ORM objects a query loaded.
_LOADING = frozenset({"scalars", "exec"})
_EXECUTING = frozenset({"execute", "exec"})
#: How many of the values an awaited call is handed may be the session its objects come from.
_MAX_QUERIED = 8
#: The session whose query loaded the ORM objects a name holds, and, for objects a project call
#: returned, that call and where the session lands in it (the index asks the callee's summary).
_Loader = tuple[ValueRef, tuple[Origin, ...], str]


#: The longest query shown as written in a message (`that loaded ...`).
_MAX_SHOWN = 80


class ReachFinder:
    """Collects the reaches of an expression from the value table (through `value_ref`)."""

    def __init__(
        self,
        value_ref: Callable[[ast.expr], ValueRef | None],
        elements_of: Callable[[ast.expr], tuple[Origin, ...]],
        call_origins: Callable[[ast.Call], tuple[Origin, ...]] | None = None,
        queried_of: Callable[[ast.Name], tuple[Queried, ...]] | None = None,
    ) -> None:
        self._value_ref = value_ref
        self._elements_of = elements_of
        self._call_origins = call_origins
        #: What the call a name was bound to the awaited result of was handed (`Binding.queried`).
        self._queried_of = queried_of
        #: Names bound by the comprehension or lambda being read: one value per item, not shared;
        #: with what each item is when the facts know it (`for order in orders: list[Order]`).
        self._hidden: list[dict[str, ValueRef | None]] = []
        #: For the names above that are ORM objects of one query: the session that loaded them
        #: (several candidates for the objects of a project call: each value it was handed).
        self._loaders: list[dict[str, tuple[_Loader, ...]]] = []

    def reaches(self, expr: ast.expr, how: ReachKind = ReachKind.ARGUMENT) -> tuple[Reach, ...]:
        found: list[Reach] = []
        self._collect(expr, how, found)
        return tuple(found[:MAX_REACHES])

    def work_reaches(self, expr: ast.expr) -> tuple[Reach, ...]:
        """`reaches` of an awaitable handed to a task: the values passed to its own call
        (`use(db=db)`) also say which callee gets them, and as what."""
        call = expr.value if isinstance(expr, (ast.Await, ast.Starred)) else expr
        if type(call) is not ast.Call or self._call_origins is None:
            return self.reaches(expr)
        found: list[Reach] = []
        self._collect_callee(call, found)
        callee: tuple[Origin, ...] | None = None
        for argument, value in _landings(call):
            start = len(found)
            self._collect(value, ReachKind.ARGUMENT, found)
            if argument is None or not isinstance(value, (ast.Name, ast.Attribute)):
                continue  # (what a call inside the argument gets is not what lands here)
            for number in range(start, len(found)):
                if found[number].how is ReachKind.ARGUMENT:
                    if callee is None:
                        callee = self._call_origins(call)
                    found[number] = replace(found[number], callee=callee, argument=argument)
        return tuple(found[:MAX_REACHES])

    def in_comprehension(
        self, expr: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, *, work: bool = False
    ) -> tuple[Reach, ...]:
        # A session bound by the comprehension itself (`for s in sessions`) is one per item.
        own: dict[str, ValueRef | None] = {}
        loaders: dict[str, tuple[_Loader, ...]] = {}
        for generator in expr.generators:
            # (An iterable bound by an earlier `for` of the same comprehension is not the name outside.)
            inner = type(generator.iter) is ast.Name and generator.iter.id in own
            elements = self._elements_of(generator.iter) if type(generator.target) is ast.Name and not inner else ()
            # `[w.run() for w in workers]` over `workers = [Worker(session) for ...]`: each item is
            # its own wrapper, but every one of them holds the one session.
            holds = {} if inner else self.items_held(generator.target, generator.iter)
            for name in bound_names(generator.target):
                held = holds.get(name, ())
                own[name] = ValueRef(name, elements, held) if elements or held else None
            target = generator.target
            loader = self._loader(generator.iter) if type(target) is ast.Name and not inner else ()
            if type(target) is ast.Name and loader:
                loaders[target.id] = loader
        self._hidden.append(own)
        self._loaders.append(loaders)
        try:
            # A dict comprehension's items are its values (`{k: load(s, k) for k in keys}`).
            item = expr.value if isinstance(expr, ast.DictComp) else expr.elt
            return self.work_reaches(item) if work else self.reaches(item)
        finally:
            self._hidden.pop()
            self._loaders.pop()

    def _loader(self, iterable: ast.expr) -> tuple[_Loader, ...]:
        """The session whose query loaded the ORM objects a name holds: `parents` of `parents =
        (await session.execute(q)).scalars().all()` (or `session.scalars(q)`, SQLModel's
        `session.exec(q)`), as origins the index evaluates. For the objects an awaited project
        call returned (`parents = await Parent.list_all(db=session)`, or the call iterated
        itself), each value the call was handed, with the call and where the value lands: the
        index keeps the one whose parameter the callee's summary returns the query results of."""
        if type(iterable) is ast.Await:
            call = iterable.value
            if type(call) is not ast.Call:
                return ()
            text = expression_text(call.func)
            if text is None:
                return ()
            shown = f"{text}()"
            origins = self._call_origins(call) if self._call_origins is not None else ()
            # (A query of the session itself, `await session.scalars(q)`, before what its
            # receiver or arguments may be.)
            own = self._query_loader(call, origins)
            if own:
                return own
            queried = self._queried(call, origins)
            return tuple((ValueRef(shown, ref.origins), callee, argument) for callee, argument, ref in queried)
        if type(iterable) is ast.Call and self._call_origins is not None:
            return self._query_loader(iterable, self._call_origins(iterable))
        if type(iterable) is not ast.Name:
            return ()
        ref = self._value_ref(iterable)
        if ref is None:
            return ()
        found = tuple(base for origin in ref.origins if (base := _query_session(origin)) is not None)
        if found:
            return ((ValueRef(iterable.id, found), (), ""),)
        if self._queried_of is None or any(iterable.id in hidden for hidden in self._hidden):
            return ()
        return tuple(
            (ValueRef(iterable.id, value.origins), callee, argument)
            for callee, argument, value in self._queried_of(iterable)
        )

    def _query_loader(self, call: ast.Call, origins: tuple[Origin, ...]) -> tuple[_Loader, ...]:
        """The session whose query the comprehension iterates itself (`origins`: the call's):
        `result.scalars()` of `result = await session.execute(q)`, `(await session.scalars(q)).all()`."""
        found = tuple(base for origin in origins if (base := _query_session(origin)) is not None)
        if not found:
            return ()
        text = expression_text(call.func)
        # `(await session.scalars(q)).all()`: no dotted name, the call as written (when short).
        shown = f"{text}()" if text is not None else ast.unparse(call)
        return ((ValueRef(shown if len(shown) <= _MAX_SHOWN else "the query", found), (), ""),)

    def queried(self, value: ast.expr) -> tuple[Queried, ...]:
        """What an awaited call is handed that may be the session its result comes from: each
        name or attribute with evidence it gets by position or keyword, with the call's origins
        and where the value lands (`session` as `db` of `await Parent.list_all(db=session)`)."""
        call = value.value if type(value) is ast.Await else None
        if type(call) is not ast.Call or self._call_origins is None:
            return ()
        return self._queried(call, None)

    def _queried(self, call: ast.Call, callee: tuple[Origin, ...] | None) -> tuple[Queried, ...]:
        """`queried` of an awaited call, whose origins `callee` are when already known."""
        if self._call_origins is None:
            return ()
        found: list[tuple[str, ValueRef]] = []
        receiver = self._receiver(call)
        if receiver is not None:
            found.append((RECEIVER, receiver))
        for argument, expr in _landings(call):
            if argument is None or type(expr) not in (ast.Name, ast.Attribute):
                continue
            if type(expr) is ast.Name and any(expr.id in hidden for hidden in self._hidden):
                continue  # (one value per item of a comprehension: no session the objects share)
            ref = self._value_ref(expr)
            if ref is not None and ref.origins:
                found.append((argument, ValueRef(ref.text, ref.origins, received=ref.received)))
        if not found:
            return ()
        if callee is None:
            callee = self._call_origins(call)
        return tuple((callee, argument, ref) for argument, ref in found[:_MAX_QUERIED]) if callee else ()

    def _receiver(self, call: ast.Call) -> ValueRef | None:
        """The object a method call is made on, with its evidence (`self.repo` of
        `self.repo.all()`): one object for the whole call, whatever session it keeps."""
        func = call.func
        if type(func) is not ast.Attribute or type(func.value) not in (ast.Name, ast.Attribute):
            return None
        text = expression_text(func.value)
        if text is None or any(text.split(".", 1)[0] in hidden for hidden in self._hidden):
            return None  # (one object per item of a comprehension)
        ref = self._value_ref(func.value)
        if ref is None or not ref.origins:
            return None
        return ValueRef(ref.text, ref.origins, received=ref.received)

    def items_held(self, target: ast.expr, iterable: ast.expr) -> dict[str, tuple[Held, ...]]:
        """What the names a `for` binds keep of the tracked values, by name: each item of a
        collection a name holds keeps what every item of it was built from (`Worker(session)` of
        `workers = [Worker(session) for _ in range(3)]`), also through `enumerate(workers)` and
        `zip(workers, ...)`. An item built from a value of its own (`for s in sessions`) keeps
        nothing shared: it was never held."""
        found: dict[str, tuple[Held, ...]] = {}
        for name, collection in _item_sources(target, iterable):
            ref = self._value_ref(collection)
            held = tuple(Held(h.reaches) for h in ref.holds if h.many) if ref is not None else ()
            if held:
                found[name] = held
        return found

    def items_of(self, iterable: ast.expr) -> tuple[Held, ...]:
        """What the items of an iterable hold of the tracked values: a comprehension's (one per
        element), a literal's, a dict's values, a name's, and what builtins pass on from their
        arguments (`dict(zip(keys, coros))`, `coros.values()`, `map(fn, ids)`)."""
        if type(iterable) is ast.Starred:
            return self.items_of(iterable.value)
        if isinstance(iterable, _COMPREHENSIONS):
            reaches = self.in_comprehension(iterable)
            return (Held(reaches, many=True),) if reaches else ()
        if isinstance(iterable, (ast.List, ast.Tuple, ast.Set)):
            items = iterable.elts
        elif type(iterable) is ast.Dict:
            # `{**others, "a": load(s)}`: the values, and the items of a dict spread into it.
            items = [
                value if key is not None else ast.Starred(value)
                for key, value in zip(iterable.keys, iterable.values, strict=True)
            ]
        elif isinstance(iterable, (ast.Name, ast.Attribute)):
            ref = self._value_ref(iterable)
            return ref.holds if ref is not None else ()
        elif type(iterable) is ast.Call:
            return self._items_of_call(iterable)
        else:
            return ()
        found: list[Held] = []
        for item in items:
            if type(item) is ast.Starred:
                found.extend(self.items_of(item.value))
            elif reaches := self.reaches(item):
                found.append(Held(reaches))
        return tuple(found)

    def _items_of_call(self, call: ast.Call) -> tuple[Held, ...]:
        func = call.func
        if type(func) is ast.Attribute:
            return self.items_of(func.value) if func.attr in _ITEM_VIEWS and not call.args else ()
        if type(func) is not ast.Name or not self._builtin(func):
            return ()
        if func.id == "map" and len(call.args) >= 2:
            return self._mapped(call.args[0], call.args[1:])
        if func.id in _PASSING_ITEMS:
            return tuple(held for argument in call.args for held in self.items_of(argument))
        return ()

    def _mapped(self, func: ast.expr, iterables: list[ast.expr]) -> tuple[Held, ...]:
        """`map(fn, ids)` calls `fn` once per item, all with what `fn` brings (a lambda's or a
        closure's captures, `partial(load, s)`'s arguments, `s.get`'s session) and each item."""
        reaches = list(self.reaches(ast.Call(func=func, args=[], keywords=[])))
        for iterable in iterables:
            reaches.extend(reach for held in self.items_of(iterable) for reach in held.reaches)
        return (Held(tuple(reaches[:MAX_REACHES]), many=True),) if reaches else ()

    def _builtin(self, name: ast.Name) -> bool:
        """The name is Python's builtin: nothing in the function or the module binds it."""
        if any(name.id in hidden for hidden in self._hidden):
            return False
        ref = self._value_ref(name)
        return ref is not None and not ref.origins and not ref.holds

    def holds_of(self, value: ast.expr) -> tuple[Held, ...]:
        """What a name bound to `value` keeps of the tracked values in it."""
        if type(value) is ast.Await:
            return ()  # the awaited result, not the coroutine that used the values
        if isinstance(value, (*_COMPREHENSIONS, ast.List, ast.Tuple, ast.Set, ast.Dict)):
            return self.items_of(value)
        if type(value) is ast.Call and (items := self._items_of_call(value)):
            return items
        if type(value) is ast.Lambda:
            reaches = self._lambda(value)
            return (Held(reaches),) if reaches else ()
        if isinstance(value, (ast.Name, ast.Attribute)):
            ref = self._value_ref(value)
            return ref.holds if ref is not None else ()
        if type(value) is ast.Call:
            func = value.func
            if type(func) is ast.Attribute and func.attr not in SESSION_COROUTINES:
                # `engine = session.get_bind()` keeps something else, not the session; the
                # arguments still reach the result (`Repo.from_session(session)`).
                value = ast.Call(func=ast.Name("_"), args=value.args, keywords=value.keywords)
            reaches = self.reaches(value)
            return (Held(reaches),) if reaches else ()
        return ()

    def _lambda(self, node: ast.Lambda) -> tuple[Reach, ...]:
        own = dict.fromkeys(a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs))
        self._hidden.append(own)
        self._loaders.append({})
        try:
            return tuple(Reach(r.ref, ReachKind.CLOSURE, "lambda") for r in self.reaches(node.body))
        finally:
            self._hidden.pop()
            self._loaders.pop()

    def _collect(
        self,
        expr: ast.expr,
        how: ReachKind,
        found: list[Reach],
        method: str = "",
        operand: ValueRef | None = None,
        keywords: tuple[str, ...] = (),
        call: ast.Call | None = None,
    ) -> None:
        """`method`: for a receiver (`how` METHOD_CALL), the method called on it: what the method
        uses of the object (`self.session`) reaches the work too, which the index decides;
        `operand`, what its first argument is; `keywords`, the keywords it is called with, and
        `call` the call itself."""
        if type(expr) is ast.Await:
            expr = expr.value
        if type(expr) is ast.Starred:
            expr = expr.value
        if type(expr) is ast.Call:
            self._collect_callee(expr, found)
            for arg in expr.args:
                self._collect(arg, ReachKind.ARGUMENT, found)
            for keyword in expr.keywords:
                self._collect(keyword.value, ReachKind.ARGUMENT, found)
            return
        if type(expr) is ast.Lambda:
            found.extend(self._lambda(expr))
            return
        text = expression_text(expr)
        if text is None:
            return
        root = text.split(".", 1)[0]
        for depth in range(len(self._hidden) - 1, -1, -1):
            hidden = self._hidden[depth]
            if root in hidden:
                # One item per iteration: only what every item holds is shared.
                item = hidden[root]
                if item is not None:
                    _held_reaches(item.holds, text, found)
                loaders = self._loaders[depth].get(root, ()) if how is ReachKind.METHOD_CALL and text == root else ()
                if loaders and method:
                    # Every object of one query belongs to the session that loaded it.
                    arguments = known_arguments(call) if call is not None else ()
                    for loader, callee, argument in loaders:
                        found.append(
                            Reach(
                                loader,
                                ReachKind.LOADED,
                                method,
                                callee=callee,
                                argument=argument,
                                keywords=keywords,
                                arguments=arguments,
                            )
                        )
                return
        ref = self._value_ref(expr)
        if ref is None:
            return
        _held_reaches(ref.holds, text, found)
        if ref.origins or how is ReachKind.METHOD_CALL:
            # A receiver without evidence may still prove itself by what it runs
            # (`conn.execute(select(User))`): the index decides.
            arguments = known_arguments(call) if call is not None else ()
            found.append(Reach(ref, how, method, operand, arguments=arguments))

    def _collect_callee(self, call: ast.Call, found: list[Reach]) -> None:
        """What the called expression brings: the receiver of a method call, a closure, a
        lambda, or what a call made (`partial(load, s)(i)`)."""
        func = call.func
        if type(func) is ast.Attribute:
            operand = self._operand(call) if func.attr in _OPERAND_METHODS else None
            keywords = tuple(keyword.arg for keyword in call.keywords if keyword.arg is not None)
            self._collect(func.value, ReachKind.METHOD_CALL, found, func.attr, operand, keywords, call)
        elif type(func) is ast.Name:
            self._closure(func, found)
        elif type(func) is ast.Lambda:
            found.extend(self._lambda(func))
        elif type(func) is ast.Call:
            # `partial(load, s)(i)`, `make_loader(s)(i)`: calling what a call made with the values.
            self._collect(func, ReachKind.ARGUMENT, found)

    def _operand(self, call: ast.Call) -> ValueRef | None:
        """The first argument of a method call with its evidence: an item of a comprehension over
        a declared collection, or a name the facts know something of."""
        if not call.args or type(call.args[0]) is not ast.Name:
            return None
        name = call.args[0].id
        for hidden in reversed(self._hidden):
            if name in hidden:
                return hidden[name]
        ref = self._value_ref(call.args[0])
        return ValueRef(ref.text, ref.origins) if ref is not None and ref.origins else None

    def _closure(self, func: ast.Name, found: list[Reach]) -> None:
        """Calling a nested function or a lambda held in a name reaches what it captured; calling
        a callable built from the values (`fetch = partial(load, s)`) reaches them too."""
        if any(func.id in hidden for hidden in self._hidden):
            return
        ref = self._value_ref(func)
        if ref is None:
            return
        _held_reaches(tuple(held for held in ref.holds if not held.many), func.id, found)


def _query_session(origin: Origin) -> Origin | None:
    """The origin of the session a query result comes from, without the query's steps:
    `session.execute(q).scalars().all()`, `session.scalars(q)`, SQLModel's `session.exec(q)`
    (the rows of `execute()` alone are not the objects)."""
    steps = origin.steps
    end = len(steps)
    while end and steps[end - 1].kind is StepKind.METHOD and steps[end - 1].name in _RESULT_PASSING:
        end -= 1
    if not end or steps[end - 1].kind is not StepKind.METHOD or steps[end - 1].name not in _LOADING:
        return None
    end -= 1
    if steps[end].name == "scalars" and end and steps[end - 1].kind is StepKind.METHOD:
        end -= steps[end - 1].name in _EXECUTING
    if end and steps[end - 1].kind is StepKind.METHOD and steps[end - 1].name in _EXECUTING:
        return None  # (`session.execute(q).exec(...)` is no query of the session)
    return Origin(origin.kind, origin.name, steps[:end])


def _item_sources(target: ast.expr, iterable: ast.expr) -> list[tuple[str, ast.Name]]:
    """Each name a `for` binds to an item of a named collection, with that collection:
    `w` of `for w in workers`, of `for i, w in enumerate(workers)`, of `for w, n in zip(workers, ns)`."""
    if type(target) is ast.Name:
        return [(target.id, iterable)] if type(iterable) is ast.Name else []
    if type(target) is not ast.Tuple or type(iterable) is not ast.Call or type(iterable.func) is not ast.Name:
        return []
    spread = iterable.func.id
    if iterable.keywords or any(type(argument) is ast.Starred for argument in iterable.args):
        return []
    if spread == "enumerate" and len(iterable.args) == 1 and len(target.elts) == 2:
        pairs = [(target.elts[1], iterable.args[0])]
    elif spread == "zip" and len(iterable.args) == len(target.elts):
        pairs = list(zip(target.elts, iterable.args, strict=True))
    else:
        return []
    return [(item.id, source) for item, source in pairs if type(item) is ast.Name and type(source) is ast.Name]


def _held_reaches(holds: tuple[Held, ...], text: str, found: list[Reach]) -> None:
    """The values that what `text` holds reaches: through the object it is (`repo` of
    `repo = Repo(s)`), or through the closure it is."""
    for held in holds:
        for reach in held.reaches:
            kind = ReachKind.CLOSURE if reach.how is ReachKind.CLOSURE else ReachKind.WRAPPER
            found.append(Reach(reach.ref, kind, reach.via if kind is ReachKind.CLOSURE else text))


def _landings(call: ast.Call) -> Iterator[tuple[str | None, ast.expr]]:
    """Each argument of a call with where it lands in the callee: its position or keyword;
    None past a `*args` (positions unknown) and for `**kwargs`."""
    positional = True
    for position, arg in enumerate(call.args):
        if type(arg) is ast.Starred:
            positional = False
        yield (str(position) if positional else None), arg
    for keyword in call.keywords:
        yield keyword.arg, keyword.value
