"""The schema a web framework validates a route's returned value with.

FastAPI's `response_model=X`, else the route's return annotation (`-> UserOut`, `-> list[UserOut]`).
"""

from __future__ import annotations

import ast

from alchemy_lint.facts.values import Origin, StepKind
from alchemy_lint.resolve import NameTable, qualify, unquoted

#: The classes whose instances register routes with a decorator (`@router.get(...)`).
_ROUTERS = frozenset(
    {
        "fastapi.FastAPI",
        "fastapi.applications.FastAPI",
        "fastapi.APIRouter",
        "fastapi.routing.APIRouter",
    }
)
#: Their methods that register a route: each takes `response_model=`, and without it FastAPI
#: takes the return annotation as the response model.
_ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "options", "head", "trace", "api_route"})
#: Collections a response model may be a list of (`response_model=list[TeamOut]`).
_SCHEMA_COLLECTIONS = frozenset(
    {"list", "set", "frozenset", "tuple", "typing.List", "typing.Set", "typing.Sequence", "collections.abc.Sequence"}
)
_OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})


def response_schema(
    node: ast.FunctionDef | ast.AsyncFunctionDef, table: NameTable, module_values: dict[str, tuple[Origin, ...]]
) -> ast.expr | None:
    """The schema each returned object is validated with: a decorator's `response_model=` (None
    for `response_model=None`, which turns validation off), else the return annotation of a
    FastAPI route (a decorator of an application or router the module makes)."""
    annotated = False
    for decorator in node.decorator_list:
        if type(decorator) is not ast.Call:
            continue
        for keyword in decorator.keywords:
            if keyword.arg == "response_model":
                return _element_schema(keyword.value, table)
        annotated = annotated or _is_route(decorator.func, module_values)
    if not annotated or node.returns is None:
        return None
    annotation = _without_none(unquoted(node.returns), table)
    return _element_schema(annotation, table) if annotation is not None else None


def _is_route(func: ast.expr, module_values: dict[str, tuple[Origin, ...]]) -> bool:
    """`router.get` of a `router = APIRouter()` (or `app = FastAPI()`) of the module."""
    if type(func) is not ast.Attribute or func.attr not in _ROUTE_METHODS or type(func.value) is not ast.Name:
        return False
    return any(
        origin.name in _ROUTERS and [step.kind for step in origin.steps] == [StepKind.CALL]
        for origin in module_values.get(func.value.id, ())
    )


def _without_none(annotation: ast.expr | None, table: NameTable) -> ast.expr | None:
    """`X` of `Optional[X]` and `X | None` (FastAPI validates a returned object with X)."""
    if type(annotation) is ast.BinOp and type(annotation.op) is ast.BitOr:
        sides = [side for side in (annotation.left, annotation.right) if not _is_none(side)]
        return sides[0] if len(sides) == 1 else None
    if type(annotation) is ast.Subscript and qualify(annotation.value, table) in _OPTIONAL:
        return annotation.slice
    return annotation


def _is_none(annotation: ast.expr) -> bool:
    return type(annotation) is ast.Constant and annotation.value is None


def _element_schema(model: ast.expr, table: NameTable) -> ast.expr:
    """The schema each element of a `list[X]` response model is validated with (X), else the model."""
    if type(model) is not ast.Subscript:
        return model
    outer = model.value
    builtin = type(outer) is ast.Name and outer.id in _SCHEMA_COLLECTIONS
    if not builtin and qualify(outer, table) not in _SCHEMA_COLLECTIONS:
        return model
    element = model.slice
    if type(element) is ast.Tuple:  # `tuple[X, ...]`
        element = element.elts[0] if element.elts else element
    return element
