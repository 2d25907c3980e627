"""Schema creation sites: every `<expr>.create_all` that the code reads, for ASA502.

Called (`Base.metadata.create_all(engine)`) or handed on (`conn.run_sync(Base.metadata.create_all)`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from alchemy_lint.facts.model import SchemaCreation, Scope
from alchemy_lint.facts.values import Origin
from alchemy_lint.resolve import expression_text

CREATE_ALL = "create_all"


def schema_creation(
    node: ast.Attribute,
    origins_of: Callable[[ast.expr], tuple[Origin, ...]],
    scope: Scope,
    function: str | None,
) -> SchemaCreation | None:
    """The fact for `node` when it reads `create_all` off a value that has origins."""
    if node.attr != CREATE_ALL or type(node.ctx) is not ast.Load:
        return None
    origins = origins_of(node.value)
    if not origins:
        return None
    receiver = expression_text(node.value) or ast.unparse(node.value)
    return SchemaCreation(receiver, origins, node.lineno, node.col_offset, scope, function)
