"""Association proxies: `username = association_proxy("identity", "username")` on a model reads
`self.identity.username` whenever `obj.username` is read, so it is summarised as a property that
reads that path: a lazy `identity` loads there (ASA301), an expired one too (ASA302).
"""

from __future__ import annotations

import ast

from alchemy_lint.facts.model import FunctionFacts, ParameterRead
from alchemy_lint.resolve import NameTable, qualify

#: What the property an association proxy stands for is marked with, as a decorator.
PROXY = "sqlalchemy.ext.associationproxy.association_proxy"
_ASSOCIATION_PROXY = frozenset({PROXY, "sqlalchemy.ext.associationproxy.AssociationProxy"})


def proxied_path(value: ast.expr | None, table: NameTable) -> tuple[str, str] | None:
    """The relationship and the attribute an `association_proxy(...)` reads, when both are
    string literals."""
    if type(value) is not ast.Call or qualify(value.func, table) not in _ASSOCIATION_PROXY:
        return None
    named = {keyword.arg: keyword.value for keyword in value.keywords if keyword.arg}
    target = value.args[0] if value.args else named.get("target_collection")
    attribute = value.args[1] if len(value.args) > 1 else named.get("attr")
    if not (type(target) is ast.Constant and isinstance(target.value, str)):
        return None
    if not (type(attribute) is ast.Constant and isinstance(attribute.value, str)):
        return None
    return target.value, attribute.value


def proxy_property(owner: str, name: str, path: tuple[str, str], statement: ast.stmt) -> FunctionFacts:
    """The property an association proxy stands for: it reads `self.<relationship>.<attribute>`."""
    line, col = statement.lineno, statement.col_offset
    return FunctionFacts(
        qualname=f"{owner}.{name}",
        name=name,
        line=line,
        col=col,
        is_async=False,
        decorators=(PROXY,),
        parameters=("self",),
        calls=(),
        blocks=(),
        end_line=statement.end_lineno or line,
        parameter_reads=(ParameterRead("self", path, line, col),),
        positional=1,
    )
