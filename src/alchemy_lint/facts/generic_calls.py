"""A call of a parametrised class, `async_sessionmaker[AsyncSession](bind=engine)` or
`Repository[User](session)`, builds an instance of the class itself: the subscript is a type
argument, not an item of a container. Every consumer of the facts reads such a call as the plain
call of the class, so the tree is given the class as the callee before it is walked.

Which subscripts are type arguments is read from the spelling: the subscripted name is a class by
PEP 8 (`CamelCase`, not a `CONSTANT`) or one of SQLAlchemy's lower-case classes, and the argument
is a type expression (names, dotted names, parametrised types, unions, `None`, a string forward
reference, or a tuple of those). `HANDLERS[kind](event)` and `factories["main"]()` keep their
subscript: they call an item.
"""

from __future__ import annotations

import ast

from alchemy_lint.resolve import dotted_parts

#: SQLAlchemy's generic classes spelled in lower case (their constructors build factories).
_LOWER_CASE_CLASSES = frozenset({"async_sessionmaker", "sessionmaker", "async_scoped_session", "scoped_session"})


def call_generic_origins(
    tree: ast.Module, source: bytes | str | None, rewritten: list[tuple[ast.Call, ast.expr]]
) -> None:
    """Rewrite, in place, every call of a parametrised class to a call of the class; each call
    rewritten goes into `rewritten` with its callee as it was, at once (for
    `restore_generic_origins`, even when a type argument too deep to read stops the rewrite)."""
    if source is not None and ("](" not in source if isinstance(source, str) else b"](" not in source):
        return
    for node in ast.walk(tree):
        if type(node) is ast.Call:
            func = node.func
            if type(func) is ast.Subscript and _names_a_class(func.value) and _is_type_argument(func.slice):
                rewritten.append((node, func))
                node.func = func.value


def restore_generic_origins(rewritten: list[tuple[ast.Call, ast.expr]]) -> None:
    """The calls as they were: the tree may be someone else's (flake8 hands every plugin one)."""
    for call, func in rewritten:
        call.func = func


def _names_a_class(expr: ast.expr) -> bool:
    """A dotted name whose last part is spelled as a class."""
    if type(expr) is ast.Name:
        return _class_spelling(expr.id)
    return type(expr) is ast.Attribute and dotted_parts(expr) is not None and _class_spelling(expr.attr)


def _class_spelling(name: str) -> bool:
    if name in _LOWER_CASE_CLASSES:
        return True
    return name[:1].isupper() and not name.isupper()


def _is_type_argument(expr: ast.expr) -> bool:
    if type(expr) is ast.Tuple:
        return bool(expr.elts) and all(_is_type_argument(item) for item in expr.elts)
    if type(expr) is ast.Name:
        return _class_spelling(expr.id) or expr.id in _BUILTIN_TYPES
    if type(expr) is ast.Attribute:
        return _names_a_class(expr)
    if type(expr) is ast.Subscript:
        return _names_a_class(expr.value) or (type(expr.value) is ast.Name and expr.value.id in _BUILTIN_TYPES)
    if type(expr) is ast.BinOp:
        return type(expr.op) is ast.BitOr and _is_type_argument(expr.left) and _is_type_argument(expr.right)
    if type(expr) is ast.Constant:
        value = expr.value
        return value is None or (isinstance(value, str) and value[:1].isupper() and value.isidentifier())
    return False


#: Builtin types that parametrise a class in lower case (`Repository[dict]`, `Box[list[int]]`).
_BUILTIN_TYPES = frozenset(
    {"int", "str", "bytes", "float", "bool", "dict", "list", "set", "frozenset", "tuple", "type", "object"}
)
