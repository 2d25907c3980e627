"""What a model's method or property hands back of its own object.

`def owner(self): return self.team` and `@property def squad(self): return self.team` give the
object `self.team` holds: a caller's `member.owner().members` reads `Team.members` on the team
its query loaded (or did not) under `member`, as `member.team.members` does. So do the objects of
a list built from `self` (`[line.product for line in self.lines if line.active]`, `sorted(...)`),
an element of a tuple in such a list (`[(e, e.node) for e in self.elements]`), and what another
method of the same object hands back (`for e, node in self.pairs()`), which the index follows
through that method's own summary. A `return` of anything else (a new object, a query's result,
a parameter) leaves the method without a summary: its callers' reads are not judged.
"""

from __future__ import annotations

import ast

from alchemy_lint.facts.model import ReturnedMember

#: Builtins that give back the objects they are handed, some or all and in some order.
_SAME_OBJECTS = frozenset({"list", "tuple", "sorted", "reversed"})
#: The longest path off `self` kept: deeper ones are not followed.
_MAX_STEPS = 8
#: The element of a collection, as parameter paths write it.
ELEMENT = "[]"

_Names = dict[str, tuple[str, ...]]


def returned_members(value: ast.expr) -> tuple[ReturnedMember, ...] | None:
    """What a `return value` of a method hands back of `self`; None when it is anything else."""
    found = _members(value, {"self": ()})
    return tuple(ReturnedMember(taken, reached) for taken, reached in found) if found else None


def _members(expr: ast.expr, names: _Names) -> list[tuple[tuple[str, ...], tuple[str, ...]]] | None:
    while (type(expr) is ast.Call and _same_objects(expr)) or (
        type(expr) is ast.Subscript and type(expr.slice) is ast.Slice
    ):
        expr = expr.args[0] if isinstance(expr, ast.Call) else expr.value  # `sorted([...], key=...)`
    if type(expr) is ast.Tuple and expr.elts:
        # `return self.order, self.customer`: each position is what `self` reaches.
        found = [
            ((f"[{position}]", *taken), reached)
            for position, item in enumerate(expr.elts)
            for taken, reached in (_members(item, names) or ())
        ]
        return found or None
    if isinstance(expr, (ast.ListComp, ast.GeneratorExp)):
        bound = _bound_by(expr, names)
        if bound is None:
            return None
        inner = _members(expr.elt, {**names, **bound})
        return [((ELEMENT, *taken), reached) for taken, reached in inner] if inner else None
    path = member_path(expr, names)
    return [((), path)] if path is not None else None


def _bound_by(comprehension: ast.ListComp | ast.GeneratorExp, names: _Names) -> _Names | None:
    """The names a one-`for` comprehension over what `self` reaches binds, each with its path:
    `for e in self.elements` binds `e` to an element; `for e, node in self.pairs()` binds each
    name to its position in an element."""
    if len(comprehension.generators) != 1 or comprehension.generators[0].is_async:
        return None
    generator = comprehension.generators[0]
    iterated = member_path(generator.iter, names)
    if iterated is None or len(iterated) >= _MAX_STEPS - 1:
        return None
    target = generator.target
    if type(target) is ast.Name:
        return {target.id: (*iterated, ELEMENT)}
    if type(target) is ast.Tuple and all(type(item) is ast.Name for item in target.elts):
        return {
            item.id: (*iterated, ELEMENT, f"[{position}]")
            for position, item in enumerate(target.elts)
            if type(item) is ast.Name
        }
    return None


def member_path(expr: ast.expr, names: _Names) -> tuple[str, ...] | None:
    """The path off `self` that `expr` reaches: attributes, calls of methods (by name), elements
    (`[]`), and the builtins that hand back the same objects; None for anything else."""
    steps: list[str] = []
    while len(steps) <= _MAX_STEPS:
        if type(expr) is ast.Name:
            start = names.get(expr.id)
            return (*start, *reversed(steps)) if start is not None else None
        if type(expr) is ast.Attribute:
            steps.append(expr.attr)
            expr = expr.value
        elif type(expr) is ast.Subscript:
            if type(expr.slice) is not ast.Slice:
                steps.append(ELEMENT)
            expr = expr.value
        elif type(expr) is ast.Call and _same_objects(expr):
            expr = expr.args[0]
        elif type(expr) is ast.Call and type(expr.func) is ast.Attribute:
            steps.append(expr.func.attr)
            expr = expr.func.value
        else:
            return None
    return None


def _same_objects(call: ast.Call) -> bool:
    """`sorted(items, key=...)`, `list(items)`: the objects handed in, as they are."""
    return (
        type(call.func) is ast.Name
        and call.func.id in _SAME_OBJECTS
        and len(call.args) == 1
        and type(call.args[0]) is not ast.Starred
    )
