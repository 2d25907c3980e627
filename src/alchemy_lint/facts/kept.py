"""Where the values that API calls make inside a function are kept once it returns.

`self.Session = Wrapper(async_sessionmaker(...))`, `return async_sessionmaker(...)`, a local that a
returned closure captures: the facts builder feeds the walk in, `ApiCall.kept` comes out.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Protocol

from alchemy_lint.facts.model import Keeper

#: The attribute under which ASGI frameworks keep application state (`app.state.db`).
_STATE = "state"
_OWNERS = frozenset({"self", "cls"})


class Walk(Protocol):
    """What the tracker asks of the facts builder about the current function."""

    def parameters(self) -> set[str]: ...

    def global_names(self) -> set[str]: ...

    def binding_line(self, name: str) -> int | None: ...


@dataclass(slots=True, eq=False, repr=False)
class _Frame:
    #: Local name -> the API calls (by index) whose values it carries.
    carriers: dict[str, frozenset[int]] = field(default_factory=dict)
    #: Call node id -> API call index, for the calls made in this function.
    api_nodes: dict[int, int] = field(default_factory=dict)


class KeptTracker:
    """Follows the values of API calls through a function's locals, wrappers and closures to
    where they are kept: a small escape analysis over names, run during the one walk."""

    def __init__(self, walk: Walk) -> None:
        self.walk = walk
        self.frames: list[_Frame] = []
        #: API call index -> where its value is kept (the first place found).
        self.kept: dict[int, Keeper] = {}

    @property
    def frame(self) -> _Frame | None:
        return self.frames[-1] if self.frames else None

    def enter_function(self) -> None:
        self.frames.append(_Frame())

    def leave_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """A nested function keeps what it uses of the enclosing function's values (a closure):
        its name carries them, so returning or storing it keeps them."""
        self.frames.pop()
        outer = self.frame
        if outer is None or not outer.carriers:
            return
        used = {name.id for name in ast.walk(node) if type(name) is ast.Name and name.id in outer.carriers}
        carried = frozenset(index for name in used for index in outer.carriers[name])
        outer.carriers[node.name] = carried

    def on_api_call(self, node: ast.Call, index: int) -> None:
        frame = self.frame
        if frame is not None:
            frame.api_nodes[id(node)] = index

    def carried(self, expr: ast.expr) -> frozenset[int]:
        """The API calls whose values `expr` is or is built from: the call itself, a local that
        carries one, an argument of a wrapper call, an item of a collection, a lambda's capture.
        A name called (`factory()`) or read through (`factory.kw`) gives another value."""
        frame = self.frame
        if frame is None or not frame.api_nodes:
            # Every carrier carries calls of this frame: with none made yet, nothing is carried.
            return frozenset()
        found: set[int] = set()
        pending: list[ast.expr] = [expr]
        while pending:
            current = pending.pop()
            if type(current) is ast.Call:
                index = frame.api_nodes.get(id(current))
                if index is not None:
                    found.add(index)
                pending.extend(current.args)
                pending.extend(keyword.value for keyword in current.keywords)
            elif type(current) is ast.Name:
                found.update(frame.carriers.get(current.id, ()))
            elif isinstance(current, (ast.List, ast.Tuple, ast.Set)):
                pending.extend(current.elts)
            elif type(current) is ast.Dict:
                pending.extend(current.values)
            elif isinstance(current, (ast.Starred, ast.Await, ast.NamedExpr)):
                pending.append(current.value)
            elif type(current) is ast.IfExp:
                pending.extend((current.body, current.orelse))
            elif type(current) is ast.BoolOp:
                pending.extend(current.values)
            elif type(current) is ast.Lambda:
                for name in ast.walk(current.body):
                    if type(name) is ast.Name:
                        found.update(frame.carriers.get(name.id, ()))
        return frozenset(found)

    # -- where values go ---------------------------------------------------------

    def on_assign(self, target: ast.expr, value: ast.expr) -> None:
        frame = self.frame
        if frame is None:
            return
        carried = self.carried(value)
        if type(target) is ast.Name:
            if target.id in self.walk.global_names():
                self._keep(carried, Keeper.GLOBAL)
            else:
                frame.carriers[target.id] = carried
            return
        if not carried or not isinstance(target, (ast.Attribute, ast.Subscript)):
            return
        if type(target) is ast.Attribute and type(target.value) is ast.Attribute and target.value.attr == _STATE:
            self._keep(carried, Keeper.APP_STATE)
            return
        root = _root_name(target)
        if root is None:
            return
        if root in _OWNERS or root in self.walk.parameters() or self.walk.binding_line(root) is None:
            # The object outlives the call: the instance, a received object, a module global.
            self._keep(carried, Keeper.ATTRIBUTE)
        else:
            # A local object now holds the value: what keeps the object keeps the value.
            frame.carriers[root] = frame.carriers.get(root, frozenset()) | carried

    def on_return(self, value: ast.expr) -> None:
        self._keep(self.carried(value), Keeper.RETURNED)

    def on_yield(self, value: ast.expr) -> None:
        self._keep(self.carried(value), Keeper.YIELDED)

    def _keep(self, indices: frozenset[int], keeper: Keeper) -> None:
        for index in indices:
            self.kept.setdefault(index, keeper)


def _root_name(target: ast.expr) -> str | None:
    """`self` of `self._factories[key]`, `holder` of `holder.factory`."""
    current = target
    while isinstance(current, (ast.Attribute, ast.Subscript)):
        current = current.value
    return current.id if type(current) is ast.Name else None
