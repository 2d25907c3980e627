"""Parameters whose awaitables a function runs concurrently: a project's own `gather` helper.

`async def bounded_gather(coros, limit=10)` that wraps each coroutine of `coros` in a nested
coroutine awaiting it under a semaphore and hands them all to `asyncio.gather` runs the items of
`coros` at once, as `asyncio.gather(*coros)` does. A caller that hands it coroutines sharing one
session shares it across tasks (ASA201), so the facts say which parameters a function gathers.

Read only for functions that call a gathering function, after the walk: one more walk of them.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

#: Calls that await the awaitable they are handed (first argument) or make a task of it.
_AWAITING = frozenset(
    {"asyncio.wait_for", "asyncio.shield", "asyncio.create_task", "asyncio.ensure_future", "asyncio.tasks.create_task"}
)
_SPREADING = frozenset({"enumerate", "zip", "list", "tuple", "reversed", "iter"})
_ADDING = frozenset({"append", "add", "extend"})
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp)

Qualify = Callable[[ast.expr], "str | None"]


def gathered_parameters(
    function: ast.FunctionDef | ast.AsyncFunctionDef, gathers: Iterable[ast.Call], qualify: Qualify
) -> tuple[str, ...]:
    """The parameters whose items reach one of `gathers` (`asyncio.gather(*tasks)` calls of the
    function, with what each runs at once) as awaitables: the items themselves, or a nested
    coroutine's call that awaits the item it is handed (`bounded(i, coro)` whose body runs
    `await coro`), collected in a list or built by a comprehension on the way."""
    arguments = function.args
    parameters = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    if not parameters:
        return ()
    reader = _ItemFlow(function, set(parameters), qualify)
    found: list[str] = []
    for call in gathers:
        for argument in _run_at_once(call, qualify):
            found.extend(reader.collection_of(argument))
    return tuple(name for name in parameters if name in found)


def _run_at_once(call: ast.Call, qualify: Qualify) -> list[ast.expr]:
    """The collections a gathering call runs the items of: `gather(*a, *b)`, `wait(a)`."""
    if qualify(call.func) in {"asyncio.gather", "asyncio.tasks.gather"}:
        return [arg.value for arg in call.args if type(arg) is ast.Starred]
    return call.args[:1]


class _ItemFlow:
    """Which local names hold a parameter's items (or coroutines awaiting them), by parameter."""

    def __init__(self, function: ast.FunctionDef | ast.AsyncFunctionDef, parameters: set[str], qualify: Qualify):
        self.parameters = parameters
        self.qualify = qualify
        #: Nested coroutine name -> positions of its parameters it awaits.
        self.awaiting: dict[str, set[int]] = {}
        #: Name bound to one item of a parameter (`coro` of `for i, coro in enumerate(coros)`).
        self.items: dict[str, str] = {}
        #: Name of a collection whose items are awaitables of a parameter's items.
        self.collections: dict[str, str] = {}
        nodes = list(ast.walk(function))
        for node in nodes:
            if type(node) is ast.AsyncFunctionDef and node is not function:
                self.awaiting[node.name] = _awaited_positions(node)
        # Two passes: a loop may add to a list bound before it, in any order of the walk.
        for _ in range(2):
            for node in nodes:
                self._read(node)

    def _read(self, node: ast.AST) -> None:
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            source = self._source(node.iter)
            if source is not None:
                for name in _item_names(node.target, node.iter):
                    self.items[name] = source
        elif type(node) is ast.Assign and len(node.targets) == 1 and type(node.targets[0]) is ast.Name:
            held = self.collection_of(node.value)
            if held:
                self.collections[node.targets[0].id] = held[0]
        elif (
            type(node) is ast.Call
            and type(node.func) is ast.Attribute
            and type(node.func.value) is ast.Name
            and node.func.attr in _ADDING
            and len(node.args) == 1
        ):
            added = node.args[0]
            held = self.collection_of(added) if node.func.attr == "extend" else self.awaitable_of(added)
            if held:
                self.collections[node.func.value.id] = held[0]

    def _source(self, iterable: ast.expr) -> str | None:
        """The parameter a loop's iterable hands out the items of."""
        if type(iterable) is ast.Call and type(iterable.func) is ast.Name and iterable.func.id in _SPREADING:
            return next((s for arg in iterable.args if (s := self._source(arg)) is not None), None)
        if type(iterable) is ast.Name:
            if iterable.id in self.parameters:
                return iterable.id
            return self.collections.get(iterable.id)
        return None

    def collection_of(self, expr: ast.expr) -> list[str]:
        """The parameter whose items `expr`'s items await: the parameter, a collection of them,
        a comprehension of such awaitables."""
        if type(expr) is ast.Name:
            if expr.id in self.parameters:
                return [expr.id]
            source = self.collections.get(expr.id)
            return [source] if source is not None else []
        if isinstance(expr, _COMPREHENSIONS):
            return self.awaitable_of(expr.elt)
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            return [s for item in expr.elts for s in self.awaitable_of(item)]
        return []

    def awaitable_of(self, expr: ast.expr) -> list[str]:
        """The parameter an awaitable stands for: one of its items, or a call that awaits one."""
        if type(expr) is ast.Starred:
            return self.collection_of(expr.value)
        if type(expr) is ast.Name:
            source = self.items.get(expr.id)
            return [source] if source is not None else []
        if type(expr) is not ast.Call:
            return []
        func = expr.func
        if type(func) is ast.Name and func.id in self.awaiting:
            positions = self.awaiting[func.id]
            return [s for number, arg in enumerate(expr.args) if number in positions for s in self.awaitable_of(arg)]
        if self.qualify(func) in _AWAITING and expr.args:
            return self.awaitable_of(expr.args[0])
        return []


def _awaited_positions(function: ast.AsyncFunctionDef) -> set[int]:
    """The positions of the parameters a nested coroutine awaits (`await coro`)."""
    names = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
    awaited = {node.value.id for node in ast.walk(function) if type(node) is ast.Await and type(node.value) is ast.Name}
    return {number for number, name in enumerate(names) if name in awaited}


def _item_names(target: ast.expr, iterable: ast.expr) -> list[str]:
    """The names a loop binds to items: `x` of `for x in xs`, the second of `enumerate(xs)`."""
    if type(target) is ast.Name:
        return [target.id]
    if type(target) is not ast.Tuple:
        return []
    if type(iterable) is ast.Call and type(iterable.func) is ast.Name and iterable.func.id == "enumerate":
        elements = target.elts[1:2]
    else:
        elements = target.elts
    return [element.id for element in elements if type(element) is ast.Name]
