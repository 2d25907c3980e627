"""The project callables a file calls or hands on, per function and at module level.

Plain edges (`main` called at module level, `lifespan` handed to `FastAPI(lifespan=...)`,
`build` called from `lifespan`): the index follows them to the code that runs once.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from alchemy_lint.facts.model import Invocation, InvocationKind
from alchemy_lint.resolve import NameTable, dotted_parts, qualify
from alchemy_lint.sqlalchemy_api import known_api

#: Methods that append a callback to a framework's list (`app.on_startup.append(f)`).
_APPENDERS = frozenset({"append", "extend", "insert"})
_OWNERS = frozenset({"self", "cls"})
#: Edges kept per function: enough for the run-once question, bounded for huge functions.
_MAX_PER_FUNCTION = 200
#: Calls that run the coroutine they are given as a program: `asyncio.run(main())`.
_RUNNERS = frozenset({"asyncio.run", "asyncio.runners.run", "uvloop.run", "trio.run", "anyio.run"})


@dataclass(slots=True)
class _Scope:
    #: The class whose method this is (`self.x()` calls resolve against it).
    class_qualname: str | None
    #: Nested function name -> its qualified name.
    nested: dict[str, str] = field(default_factory=dict)
    found: dict[Invocation, None] = field(default_factory=dict)


class InvocationRecorder:
    """Fed by the facts builder: every call of a dotted name, and every dotted name handed to a call."""

    def __init__(self) -> None:
        self.module = _Scope(None)
        self.scopes: list[_Scope] = []
        #: Calls made as the argument of a runner (`main()` in `asyncio.run(main())`).
        self._run_by_runner: set[int] = set()

    def enter_function(self, class_qualname: str | None) -> None:
        self.scopes.append(_Scope(class_qualname))

    def leave_function(self, name: str, qualname: str) -> tuple[Invocation, ...]:
        scope = self.scopes.pop()
        if self.scopes:
            self.scopes[-1].nested[name] = qualname
        return tuple(scope.found)

    def module_invocations(self) -> tuple[Invocation, ...]:
        return tuple(self.module.found)

    def on_call(
        self,
        node: ast.Call,
        table: NameTable,
        *,
        in_loop: bool,
        in_lambda: bool,
        published: bool,
        script: bool,
    ) -> None:
        scope = self.scopes[-1] if self.scopes else self.module
        if len(scope.found) >= _MAX_PER_FUNCTION:
            return
        callee = self._target(node.func, table, scope)
        to = qualify(node.func, table) if dotted_parts(node.func) is not None else None
        if node.args and isinstance(node.args[0], ast.Call) and _is_runner(node.func, to):
            self._run_by_runner.add(id(node.args[0]))
        script = script or id(node) in self._run_by_runner
        if callee is not None and known_api(callee) is None:
            # A call in a lambda runs when the lambda is called, not here: it is handed on.
            kind = InvocationKind.HANDED if in_lambda else InvocationKind.CALL
            self._add(scope, Invocation(callee, kind, in_loop, published=published and not in_lambda, script=script))
        via = _event_name(node)
        for argument in node.args:
            self._handed(argument, via, to, scope, table, in_loop, script)
        for keyword in node.keywords:
            self._handed(keyword.value, keyword.arg or via, to, scope, table, in_loop, script)

    def _handed(
        self,
        value: ast.expr,
        via: str,
        to: str | None,
        scope: _Scope,
        table: NameTable,
        in_loop: bool,
        script: bool,
    ) -> None:
        items = value.elts if isinstance(value, (ast.List, ast.Tuple, ast.Set)) else [value]
        for item in items:
            if isinstance(item, ast.Starred):
                item = item.value
            target = self._target(item, table, scope)
            if target is not None:
                self._add(scope, Invocation(target, InvocationKind.HANDED, in_loop, via, to or "", script=script))

    @staticmethod
    def _target(expr: ast.expr, table: NameTable, scope: _Scope) -> str | None:
        parts = dotted_parts(expr)
        if parts is None:
            return None
        if len(parts) == 1 and parts[0] in scope.nested:
            return scope.nested[parts[0]]
        if len(parts) == 2 and parts[0] in _OWNERS and scope.class_qualname is not None:
            return f"{scope.class_qualname}.{parts[1]}"
        return qualify(expr, table)

    @staticmethod
    def _add(scope: _Scope, invocation: Invocation) -> None:
        scope.found.setdefault(invocation, None)


def _is_runner(func: ast.expr, qualname: str | None) -> bool:
    return qualname in _RUNNERS or (isinstance(func, ast.Attribute) and func.attr == "run_until_complete")


def _event_name(node: ast.Call) -> str:
    """How a positional callback is registered: `add_event_handler("startup", f)` gives "startup",
    `app.on_startup.append(f)` gives "on_startup"."""
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in _APPENDERS and isinstance(func.value, ast.Attribute):
        return func.value.attr
    for argument in node.args:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            return argument.value
    return ""


def decorator_arguments(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    """The constant string each decorator call starts with: `@app.on_event("startup")`."""
    found: list[str] = []
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and decorator.args:
            first = decorator.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append(first.value)
    return tuple(found)
