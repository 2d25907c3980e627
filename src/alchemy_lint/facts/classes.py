"""What a class body declares: its fields, and the relationships of a model with their strategy.

Read by the facts builder for every class; the index resolves targets and models across files.
"""

from __future__ import annotations

import ast

from alchemy_lint.facts.model import RelationshipFacts
from alchemy_lint.resolve import NameTable, dotted_parts, expression_text, qualify, unquoted
from alchemy_lint.sqlalchemy_api import Api, known_api


def relationship_is_collection(annotation: ast.expr | None, call: ast.Call | None) -> bool | None:
    """Whether a relationship holds a collection: `uselist=`, else `Mapped[list[...]]`/`list[...]`."""
    if call is not None:
        for keyword in call.keywords:
            if keyword.arg == "uselist" and isinstance(keyword.value, ast.Constant):
                return bool(keyword.value.value)
    annotation = unquoted(annotation) if annotation is not None else None
    if isinstance(annotation, ast.Subscript):
        parts = dotted_parts(annotation.value)
        leaf = parts[-1] if parts else None
        if leaf in ("Mapped", "WriteOnlyMapped", "DynamicMapped"):
            return relationship_is_collection(annotation.slice, None)
        if leaf in ("list", "List", "set", "Set", "Sequence", "Collection", "tuple", "Tuple", "dict", "Dict"):
            return True
        if leaf in ("Optional",):
            return False
        return None
    if annotation is None:
        return None
    return False


_DECLARED_ATTR = ("sqlalchemy.orm.declared_attr", "sqlalchemy.ext.declarative.declared_attr")


def declared_attribute(statement: ast.stmt, table: NameTable) -> tuple[str, ast.expr | None, ast.expr | None] | None:
    """`@declared_attr def name(cls) -> Mapped[...]: return relationship(...)` in a mixin or model."""
    if not isinstance(statement, ast.FunctionDef) or not statement.body:
        return None
    if not any(_qualified(decorator_callee(d), table) in _DECLARED_ATTR for d in statement.decorator_list):
        return None
    last = statement.body[-1]
    return statement.name, statement.returns, last.value if isinstance(last, ast.Return) else None


def class_field(statement: ast.stmt) -> tuple[str, ast.expr | None, ast.expr | None] | None:
    """`name: annotation = value` or `name = value` in a class body."""
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.annotation, statement.value
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id, None, statement.value
    return None


_COLLECTION_WRAPPERS = frozenset(
    {
        "list",
        "set",
        "frozenset",
        "tuple",
        "List",
        "Set",
        "FrozenSet",
        "Tuple",
        "Sequence",
        "Iterable",
        "Collection",
        "Optional",
        "Mapped",
        "WriteOnlyMapped",
        "DynamicMapped",
    }
)


def relationship_facts(
    name: str, annotation: ast.expr | None, value: ast.expr | None, table: NameTable, node: ast.stmt
) -> RelationshipFacts | None:
    """A relationship declared as `x = relationship(...)`, `x: Mapped[...] = relationship(...)`,
    SQLModel's `x: list["T"] = Relationship(...)`, or a `WriteOnlyMapped`/`DynamicMapped` annotation."""
    call = (
        value if isinstance(value, ast.Call) and known_api(_qualified(value.func, table)) is Api.RELATIONSHIP else None
    )
    container = _container(annotation, table)
    if call is None and container not in (Api.WRITE_ONLY_MAPPED.value, Api.DYNAMIC_MAPPED.value):
        return None
    target: str | None = None
    lazy: str | None = None
    join_depth: int | None = None
    if call is not None:
        if call.args:
            target = _target_name(call.args[0], table)
        for keyword in call.keywords:
            if keyword.arg == "lazy":
                lazy = _lazy_value(keyword.value)
            elif keyword.arg == "sa_relationship_kwargs" and lazy is None:
                lazy = _lazy_in_mapping(keyword.value)
            elif keyword.arg == "argument" and target is None:
                target = _target_name(keyword.value, table)
            elif (
                keyword.arg == "join_depth"
                and isinstance(keyword.value, ast.Constant)
                and isinstance(keyword.value.value, int)
            ):
                join_depth = keyword.value.value
    if target is None and annotation is not None:
        target = _target_name(annotation, table)
    return RelationshipFacts(
        name,
        target,
        lazy,
        container,
        node.lineno,
        node.col_offset,
        relationship_is_collection(annotation, call),
        join_depth,
    )


def field_type(annotation: ast.expr, table: NameTable) -> str | None:
    """The class a field's annotation names, through containers and optionals (`list[ItemOut]`)."""
    return _target_name(annotation, table)


def _qualified(expr: ast.expr, table: NameTable) -> str | None:
    return qualify(expr, table) if dotted_parts(expr) is not None else None


def _container(annotation: ast.expr | None, table: NameTable) -> str | None:
    annotation = unquoted(annotation) if annotation is not None else None
    if isinstance(annotation, ast.Subscript):
        api = known_api(_qualified(annotation.value, table))
        if api is Api.MAPPED or api is Api.WRITE_ONLY_MAPPED or api is Api.DYNAMIC_MAPPED:
            return str(api.value)
    return None


def _target_name(expr: ast.expr, table: NameTable) -> str | None:
    """The model class an annotation or `relationship()` argument names."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        text = expr.value.strip()
        try:
            parsed = ast.parse(text, mode="eval").body
        except SyntaxError:
            return None
        if isinstance(parsed, (ast.Name, ast.Attribute)):
            return text  # resolved by the index, by name, across files
        return _target_name(parsed, table)
    if isinstance(expr, ast.Subscript):
        wrapper = dotted_parts(expr.value)
        if wrapper and wrapper[-1] in _COLLECTION_WRAPPERS:
            inner = expr.slice
            if isinstance(inner, ast.Tuple) and inner.elts:
                inner = inner.elts[0]
            return _target_name(inner, table)
        return None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
        for side in (expr.left, expr.right):
            if not (isinstance(side, ast.Constant) and side.value is None):
                return _target_name(side, table)
        return None
    if isinstance(expr, ast.Lambda):
        return _target_name(expr.body, table)
    if dotted_parts(expr) is not None:
        return qualify(expr, table) or expression_text(expr)
    return None


def _lazy_value(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Constant):
        if expr.value is True:
            return "select"
        if expr.value is False:
            return "joined"
        if expr.value is None:
            return "noload"
        if isinstance(expr.value, str):
            return expr.value
    return None


def _lazy_in_mapping(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Dict):
        for key, item in zip(expr.keys, expr.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "lazy":
                return _lazy_value(item)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "dict":
        for keyword in expr.keywords:
            if keyword.arg == "lazy":
                return _lazy_value(keyword.value)
    return None


def decorator_callee(decorator: ast.expr) -> ast.expr:
    return decorator.func if isinstance(decorator, ast.Call) else decorator
