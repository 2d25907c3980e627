"""Which tracked values an expression reaches, and what a binding holds.

`load(s)` reaches `s` as an argument, `s.execute(...)` by a method call, `repo.load()` through
`repo = Repo(s)`, `work()` through the closure `work` that uses `s`. The value table stores
what a binding holds; task spawns and class attributes read it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from alchemy_lint.facts.values import Held, Origin, Reach, ReachKind, ValueRef
from alchemy_lint.resolve import expression_text

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp)
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


class ReachFinder:
    """Collects the reaches of an expression from the value table (through `value_ref`)."""

    def __init__(
        self,
        value_ref: Callable[[ast.expr], ValueRef | None],
        elements_of: Callable[[ast.expr], tuple[Origin, ...]],
    ) -> None:
        self._value_ref = value_ref
        self._elements_of = elements_of
        #: Names bound by the comprehension or lambda being read: one value per item, not shared;
        #: with what each item is when the facts know it (`for order in orders: list[Order]`).
        self._hidden: list[dict[str, ValueRef | None]] = []

    def reaches(self, expr: ast.expr, how: ReachKind = ReachKind.ARGUMENT) -> tuple[Reach, ...]:
        found: list[Reach] = []
        self._collect(expr, how, found)
        return tuple(found[:MAX_REACHES])

    def in_comprehension(self, expr: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> tuple[Reach, ...]:
        # A session bound by the comprehension itself (`for s in sessions`) is one per item.
        own: dict[str, ValueRef | None] = {}
        for generator in expr.generators:
            # (An iterable bound by an earlier `for` of the same comprehension is not the name outside.)
            inner = isinstance(generator.iter, ast.Name) and generator.iter.id in own
            elements = self._elements_of(generator.iter) if isinstance(generator.target, ast.Name) and not inner else ()
            for name in _names(generator.target):
                own[name] = ValueRef(name, elements) if elements else None
        self._hidden.append(own)
        try:
            return self.reaches(expr.elt)
        finally:
            self._hidden.pop()

    def holds_of(self, value: ast.expr) -> tuple[Held, ...]:
        """What a name bound to `value` keeps of the tracked values in it."""
        if isinstance(value, ast.Await):
            return ()  # the awaited result, not the coroutine that used the values
        if isinstance(value, _COMPREHENSIONS):
            reaches = self.in_comprehension(value)
            return (Held(reaches, many=True),) if reaches else ()
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            return tuple(Held(r) for r in (self.reaches(item) for item in value.elts) if r)
        if isinstance(value, ast.Lambda):
            reaches = self._lambda(value)
            return (Held(reaches),) if reaches else ()
        if isinstance(value, (ast.Name, ast.Attribute)):
            ref = self._value_ref(value)
            return ref.holds if ref is not None else ()
        if isinstance(value, ast.Call):
            func = value.func
            if isinstance(func, ast.Attribute) and func.attr not in SESSION_COROUTINES:
                # `engine = session.get_bind()` keeps something else, not the session; the
                # arguments still reach the result (`Repo.from_session(session)`).
                value = ast.Call(func=ast.Name("_"), args=value.args, keywords=value.keywords)
            reaches = self.reaches(value)
            return (Held(reaches),) if reaches else ()
        return ()

    def _lambda(self, node: ast.Lambda) -> tuple[Reach, ...]:
        own = dict.fromkeys(a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs))
        self._hidden.append(own)
        try:
            return tuple(Reach(r.ref, ReachKind.CLOSURE, "lambda") for r in self.reaches(node.body))
        finally:
            self._hidden.pop()

    def _collect(
        self, expr: ast.expr, how: ReachKind, found: list[Reach], method: str = "", operand: ValueRef | None = None
    ) -> None:
        """`method`: for a receiver (`how` METHOD_CALL), the method called on it: what the method
        uses of the object (`self.session`) reaches the work too, which the index decides; and
        `operand`, what its first argument is."""
        if isinstance(expr, ast.Await):
            expr = expr.value
        if isinstance(expr, ast.Starred):
            expr = expr.value
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Attribute):
                operand = self._operand(expr) if func.attr in _OPERAND_METHODS else None
                self._collect(func.value, ReachKind.METHOD_CALL, found, func.attr, operand)
            elif isinstance(func, ast.Name):
                self._closure(func, found)
            for arg in expr.args:
                self._collect(arg, ReachKind.ARGUMENT, found)
            for keyword in expr.keywords:
                self._collect(keyword.value, ReachKind.ARGUMENT, found)
            return
        if isinstance(expr, ast.Lambda):
            found.extend(self._lambda(expr))
            return
        text = expression_text(expr)
        if text is None:
            return
        root = text.split(".", 1)[0]
        if any(root in hidden for hidden in self._hidden):
            return
        ref = self._value_ref(expr)
        if ref is None:
            return
        for held in ref.holds:
            for reach in held.reaches:
                kind = ReachKind.CLOSURE if reach.how is ReachKind.CLOSURE else ReachKind.WRAPPER
                found.append(Reach(reach.ref, kind, reach.via if kind is ReachKind.CLOSURE else text))
        if ref.origins or how is ReachKind.METHOD_CALL:
            # A receiver without evidence may still prove itself by what it runs
            # (`conn.execute(select(User))`): the index decides.
            found.append(Reach(ref, how, method, operand))

    def _operand(self, call: ast.Call) -> ValueRef | None:
        """The first argument of a method call with its evidence: an item of a comprehension over
        a declared collection, or a name the facts know something of."""
        if not call.args or not isinstance(call.args[0], ast.Name):
            return None
        name = call.args[0].id
        for hidden in reversed(self._hidden):
            if name in hidden:
                return hidden[name]
        ref = self._value_ref(call.args[0])
        return ValueRef(ref.text, ref.origins) if ref is not None and ref.origins else None

    def _closure(self, func: ast.Name, found: list[Reach]) -> None:
        """Calling a nested function or a lambda held in a name reaches what it captured."""
        if any(func.id in hidden for hidden in self._hidden):
            return
        ref = self._value_ref(func)
        if ref is None:
            return
        for held in ref.holds:
            found.extend(reach for reach in held.reaches if reach.how is ReachKind.CLOSURE)


def _names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for item in target.elts for name in _names(item)]
    if isinstance(target, ast.Starred):
        return _names(target.value)
    return []
