"""The state an object has when it is fresh from its constructor.

A unit of work that commits under `if not self._committed:` commits on its first `commit()`:
`__init__` set `self._committed = False`. The facts keep the constant attributes `__init__` leaves
(`fresh_state`) and whether `__aenter__` hands back the object untouched (`enters_itself`), so that
a call on `UnitOfWork(session)`, or on what `async with UnitOfWork(session) as uow` binds, before
anything else touched the object, settles the tests on that state (`conditions.happens`).
"""

from __future__ import annotations

import ast

from alchemy_lint.facts.conditions import known_argument
from alchemy_lint.facts.model import KnownArgument

#: The markers among a call's known arguments (`Expiry.flags`) of a call on a fresh object: built
#: by a constructor call, or bound by `async with` to what that call built.
FRESH = "self@fresh"
ENTERED = "self@entered"
#: What marks a condition on the object's state rather than on a parameter (`self._committed`).
STATE = "self."


def fresh_state(node: ast.ClassDef) -> tuple[KnownArgument, ...] | None:
    """The constant attributes the class's `__init__` sets, as a fresh object has them (`self.done
    = False`); None when the class defines no `__init__`. A statement other than an assignment
    (a call, a branch) may change what came before it: only what is set after the last such
    statement counts."""
    init = _method(node, "__init__")
    if init is None:
        return None
    found: dict[str, KnownArgument] = {}
    for statement in init.body:
        if type(statement) is ast.Assign:
            targets, value = statement.targets, statement.value
        elif type(statement) is ast.AnnAssign and statement.value is not None:
            targets, value = [statement.target], statement.value
        elif _is_docstring(statement) or type(statement) is ast.Pass:
            continue
        else:
            found.clear()
            continue
        for target in targets:
            attribute = _own_attribute(target)
            if attribute is None:
                continue
            known = known_argument(attribute, value) if type(value) is ast.Constant else None
            if known is None:
                found.pop(attribute, None)
            else:
                found[attribute] = known
    return tuple(found[key] for key in sorted(found))


def enters_itself(node: ast.ClassDef) -> bool | None:
    """Whether the class's `__aenter__` only returns the object itself; None when it has none."""
    enter = _method(node, "__aenter__")
    if enter is None:
        return None
    body = [statement for statement in enter.body if not _is_docstring(statement)]
    if len(body) != 1 or type(body[0]) is not ast.Return:
        return False
    value = body[0].value
    return type(value) is ast.Name and value.id == "self"


def _method(node: ast.ClassDef, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    found = None
    for statement in node.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == name:
            found = statement
    return found


def _own_attribute(target: ast.expr) -> str | None:
    if type(target) is ast.Attribute and type(target.value) is ast.Name and target.value.id == "self":
        return STATE + target.attr
    return None


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        type(statement) is ast.Expr and type(statement.value) is ast.Constant and isinstance(statement.value.value, str)
    )
