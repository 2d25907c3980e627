"""What guards a `yield` in a function: the `async with` and `try` statements around it.

The builder keeps the statements enclosing the current point; this module reads them for ASA107.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence

from alchemy_lint.facts.model import YieldGuard
from alchemy_lint.facts.values import Origin, ValueRef
from alchemy_lint.resolve import expression_text


def yield_guard(
    value: ValueRef,
    node: ast.Yield,
    enclosing: Sequence[ast.stmt],
    origins_of: Callable[[ast.expr], tuple[Origin, ...]],
) -> YieldGuard:
    """The guards of `yield <value>` among the statements around it, innermost last.

    `enclosing` holds `with` statements whose body, and `try` statements whose `try:` body,
    contain the yield; a yield in an `except` or `finally` clause is not protected by it.
    """
    name = value.text
    context: list[Origin] = []
    rolls_back = closes = kept = False
    for statement in enclosing:
        if isinstance(statement, (ast.AsyncWith, ast.With)):
            for item in statement.items:
                if _binds(item, name) or _acts_on(item.context_expr, name):
                    context.extend(origins_of(item.context_expr))
                kept = kept or _keeps(item, name)
        else:
            # `try` or `try/except*` (Python 3.11+): the builder pushes nothing else.
            handlers: list[ast.ExceptHandler] = getattr(statement, "handlers", [])
            finalbody: list[ast.stmt] = getattr(statement, "finalbody", [])
            rolls_back = rolls_back or any(
                _calls(handler.body, name, "rollback") and _raises(handler.body) for handler in handlers
            )
            closes = closes or _calls(finalbody, name, "close")
    return YieldGuard(value, node.lineno, node.col_offset, tuple(context), rolls_back, closes, kept)


def _binds(item: ast.withitem, name: str) -> bool:
    bound = item.optional_vars
    return bound is not None and expression_text(bound) == name


def _keeps(item: ast.withitem, name: str) -> bool:
    """`async with store.unit_of_work() as uow:` around `yield uow.session`."""
    bound = expression_text(item.optional_vars) if item.optional_vars is not None else None
    return bound is not None and name.startswith(f"{bound}.")


def _acts_on(expr: ast.expr, name: str) -> bool:
    """`async with s:` or `async with s.begin():` on the yielded session itself."""
    if type(expr) is ast.Call and type(expr.func) is ast.Attribute:
        expr = expr.func.value
    return expression_text(expr) == name


def _calls(body: Sequence[ast.stmt], name: str, method: str) -> bool:
    for statement in body:
        for node in ast.walk(statement):
            if (
                type(node) is ast.Call
                and type(node.func) is ast.Attribute
                and node.func.attr == method
                and expression_text(node.func.value) == name
            ):
                return True
    return False


def _raises(body: Sequence[ast.stmt]) -> bool:
    # A handler that swallows the error would let the caller carry on as if it committed.
    return any(type(node) is ast.Raise for statement in body for node in ast.walk(statement))
