"""Which code of a function can run after a given node on one path through it.

Shared by the analyses of the walk that ask "can this run after that?" (tasks racing their
spawner, session calls after a transaction ends).
"""

from __future__ import annotations

import ast
from typing import cast

from alchemy_lint.facts.walk import parent_map


class Flow:
    """Which code of a function can run after a given call on one path through it.

    Line order is not enough: the other branch of an `if`, and code after a `return` or
    `raise` that follows the call in its block, never run after it.
    """

    def __init__(self, function: ast.AST) -> None:
        self.function = function
        # Names, constants and operators are never on the way from a statement or call up.
        self.parents = parent_map(function)

    def _chain(self, node: ast.AST) -> list[ast.AST]:
        chain = [node]
        while chain[-1] in self.parents:
            chain.append(self.parents[chain[-1]])
        return chain

    def can_follow(self, first: ast.AST, later: ast.AST) -> bool:
        first_chain = self._chain(first)
        later_chain = self._chain(later)
        later_set = set(later_chain)
        for depth, ancestor in enumerate(first_chain):
            if ancestor not in later_set:
                continue
            first_child = first_chain[depth - 1] if depth else first
            later_child = later_chain[later_chain.index(ancestor) - 1] if ancestor is not later else later
            if isinstance(ancestor, (ast.If, ast.IfExp)) and _branch(ancestor, first_child) != _branch(
                ancestor, later_child
            ):
                return False
            if isinstance(ancestor, _TRIES) and not self._try_can_follow(
                cast("ast.Try", ancestor), first_child, later_child
            ):
                return False
            return not self._exits(first_chain[:depth], later_child, ancestor)
        return True

    def _try_can_follow(self, node: ast.Try, first_child: ast.AST, later_child: ast.AST) -> bool:
        """Whether code of the `try` statement's part `later_child` can run after code of its part
        `first_child`: one handler never runs after another, nor the `else` after a handler, nor
        a handler after the `else` (the `try` does not catch what its `else` raises).

        A handler can run after a call in the body even when the call is the body's last: the
        call itself may raise (a failed `commit()` inside `begin()` closes the block's transaction
        as a successful one does: run against SQLAlchemy).
        """
        if type(first_child) is ast.ExceptHandler:
            return type(later_child) is not ast.ExceptHandler and later_child not in node.orelse
        return not (first_child in node.orelse and type(later_child) is ast.ExceptHandler)

    def _exits(self, below: list[ast.AST], later_child: ast.AST, common: ast.AST) -> bool:
        """A `return`/`raise` after `first`'s statement in a block on the way up to `common`."""
        for node in below:
            parent = self.parents.get(node)
            if not isinstance(node, ast.stmt) or parent is None:
                continue
            for body in _statement_lists(parent):
                if node not in body:
                    continue
                after = body[body.index(node) + 1 :]
                if parent is common and later_child in after:
                    after = after[: after.index(later_child)]
                if any(isinstance(statement, (ast.Return, ast.Raise)) for statement in after):
                    return True
        return False


#: The `try` statements (`try ... except*` is its own class, of the same fields, from Python 3.11).
_TRIES: tuple[type[ast.AST], ...] = (ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))


def _branch(node: ast.If | ast.IfExp, child: ast.AST) -> str:
    if type(node) is ast.If:
        return "body" if child in node.body else "orelse" if child in node.orelse else "test"
    return "body" if child is node.body else "orelse" if child is node.orelse else "test"


def _statement_lists(node: ast.AST) -> list[list[ast.stmt]]:
    found = []
    for name in ("body", "orelse", "finalbody"):
        value = getattr(node, name, None)
        if isinstance(value, list):
            found.append(value)
    return found
