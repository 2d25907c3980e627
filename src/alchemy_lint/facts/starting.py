"""Parameters a function makes a task of: a project's own `spawn` or timer helper.

`def spawn(coro): task = asyncio.create_task(coro); ...` runs the coroutine it is handed as a
task beside its caller, and so does `async def start(self, delay, callback, *args)` whose task
runs a nested coroutine calling `callback(*args)`. A caller that hands two of them coroutines
(or a callable and its arguments) sharing one session shares it across tasks (ASA201), so the
facts say which parameters a function starts; the index matches them with what callers hand.

Read only for functions that start a task, from what each task-starting call is handed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

#: Stands for the `*args` parameter among the started ones: every position past the named ones.
VARIADIC = "*"


def started_parameters(
    function: ast.FunctionDef | ast.AsyncFunctionDef, started: Iterable[ast.expr]
) -> tuple[str, ...]:
    """The parameters that reach what a task-starting call of `function` runs: the coroutine
    itself (`create_task(coro)`), a call of a parameter or with parameters among its arguments
    (`create_task(callback(*args))`, `create_task(guarded(coro))`), or a call of a nested
    function, which runs with every parameter its body names (`create_task(run())` whose body
    awaits `callback(*args)`). `*args` is also given as `VARIADIC`."""
    arguments = function.args
    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    variadic = arguments.vararg.arg if arguments.vararg is not None else None
    parameters = {*names, *([variadic] if variadic else [])}
    if not parameters:
        return ()
    nested = {
        node.name: node
        for node in ast.walk(function)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not function
    }
    found: set[str] = set()
    for expr in started:
        found |= _reaching(expr, parameters, nested)
    ordered = [name for name in (*names, *([variadic] if variadic else [])) if name in found]
    if variadic is not None and variadic in found:
        ordered.append(VARIADIC)
    return tuple(ordered)


def _reaching(
    expr: ast.expr, parameters: set[str], nested: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
) -> set[str]:
    while isinstance(expr, (ast.Await, ast.Starred)):
        expr = expr.value
    if isinstance(expr, ast.Name):
        return {expr.id} & parameters
    if not isinstance(expr, ast.Call):
        return set()
    found = {name for argument in (*expr.args, *(k.value for k in expr.keywords)) for name in _named(argument)}
    func = expr.func
    if isinstance(func, ast.Name):
        if func.id in parameters:
            found.add(func.id)
        elif func.id in nested:
            # A closure: what its body names of the function's parameters runs in the task.
            found |= {node.id for node in ast.walk(nested[func.id]) if isinstance(node, ast.Name)}
    return found & parameters


def _named(argument: ast.expr) -> set[str]:
    while isinstance(argument, ast.Starred):
        argument = argument.value
    return {argument.id} if isinstance(argument, ast.Name) else set()
