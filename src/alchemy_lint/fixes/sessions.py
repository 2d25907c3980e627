"""Fixes for the session-factory rules: ASA103 expire-on-commit and ASA104 legacy-async-sessionmaker.

Both rewrite the factory (or session) call that the finding points at, and can meet on one call.
"""

from __future__ import annotations

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import ParentNodeProvider

from alchemy_lint.findings import Finding
from alchemy_lint.fixes import commas
from alchemy_lint.fixes.base import FileFix, Fixer
from alchemy_lint.sqlalchemy_api import Api

ASYNCIO_MODULE = "sqlalchemy.ext.asyncio"
#: The class `async_sessionmaker` makes by default: a `class_=` naming it says nothing.
DEFAULT_SESSION_CLASSES = frozenset(
    {"sqlalchemy.ext.asyncio.AsyncSession", "sqlalchemy.ext.asyncio.session.AsyncSession"}
)


def _keyword_index(call: cst.Call, name: str) -> int | None:
    for i, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == name:
            return i
    return None


def _is_literal(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Name):
        return value.value in {"True", "None"}
    return isinstance(value, cst.Integer | cst.Float | cst.SimpleString)


def _matches(original: cst.CSTNode, finding: Finding, file: FileFix) -> bool:
    """The node is the call the facts recorded: same position and the same callee as written."""
    call = file.api_call(finding)
    return isinstance(original, cst.Call) and call is not None and get_full_name_for_node(original.func) == call.text


# -- ASA103 -------------------------------------------------------------------


def rewrite_expire_on_commit(
    original: cst.CSTNode, updated: cst.CSTNode, finding: Finding, file: FileFix
) -> cst.CSTNode | None:
    if not _matches(original, finding, file) or not isinstance(updated, cst.Call):
        return None
    if any(arg.star == "**" for arg in updated.args):
        return None
    false = cst.Name("False")
    at = _keyword_index(updated, "expire_on_commit")
    if at is not None:
        # Only a literal is replaced: an expression (`settings.expire`) is someone's decision to revisit.
        if not _is_literal(updated.args[at].value):
            return None
        args = list(updated.args)
        args[at] = args[at].with_changes(value=false)
        return updated.with_changes(args=args)
    keyword = cst.Arg(
        value=false,
        keyword=cst.Name("expire_on_commit"),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    args = commas.insert(updated.args, len(updated.args), keyword, updated.whitespace_before_args)
    return updated.with_changes(args=args)


EXPIRE_ON_COMMIT = Fixer("ASA103", cst.Call, rewrite_expire_on_commit)


# -- ASA104 -------------------------------------------------------------------


def _async_sessionmaker_spelling(file: FileFix) -> tuple[str, bool] | None:
    """How this file can name `async_sessionmaker`, and whether that needs a new import.

    An existing import (or module alias) is reused; a new import must not shadow anything.
    """
    index = file.index
    modules: list[str] = []
    for name, target in sorted(file.facts.exports.items()):
        if index.api(target) is Api.ASYNC_SESSIONMAKER:
            return name, False
        if index.canonical(target) == ASYNCIO_MODULE:
            modules.append(name)
    if modules:
        return f"{modules[0]}.async_sessionmaker", False
    if file.is_free_name("async_sessionmaker"):
        return "async_sessionmaker", True
    return None


def rewrite_legacy_sessionmaker(
    original: cst.CSTNode, updated: cst.CSTNode, finding: Finding, file: FileFix
) -> cst.CSTNode | None:
    call = file.api_call(finding)
    if call is None or not _matches(original, finding, file) or not isinstance(updated, cst.Call):
        return None
    spelling = _async_sessionmaker_spelling(file)
    if spelling is None:
        return None
    name, needs_import = spelling
    rewritten = updated.with_changes(func=cst.parse_expression(name))
    file.release(call.text.split(".", 1)[0])
    _retype_annotated_target(original, call.text, name, file)
    session_class = call.keyword_targets.get("class_")
    at = _keyword_index(rewritten, "class_")
    if at is not None and session_class is not None and file.index.canonical(session_class) in DEFAULT_SESSION_CLASSES:
        class_expression = get_full_name_for_node(rewritten.args[at].value)
        args, opening = commas.remove(rewritten.args, at, rewritten.whitespace_before_args)
        if not args:  # the brackets close up: `async_sessionmaker()`
            opening = cst.SimpleWhitespace("")
        rewritten = rewritten.with_changes(args=args, whitespace_before_args=opening)
        if class_expression:
            file.release(class_expression.split(".", 1)[0])
    if needs_import:
        file.require_import(ASYNCIO_MODULE, "async_sessionmaker")
    return rewritten


def _retype_annotated_target(call: cst.CSTNode, legacy: str, spelling: str, file: FileFix) -> None:
    """`x: sessionmaker[AsyncSession] = sessionmaker(...)` -> `x: async_sessionmaker[AsyncSession] = ...`,
    so that the fix leaves no type error behind."""
    parent = file.metadata(ParentNodeProvider, call)
    if not isinstance(parent, cst.AnnAssign) or parent.value is not call:
        return
    annotation = parent.annotation.annotation
    base = annotation.value if isinstance(annotation, cst.Subscript) else annotation
    if get_full_name_for_node(base) != legacy:
        return

    def retype(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.AnnAssign)
        new_base = cst.parse_expression(spelling)
        inner = node.annotation.annotation
        typed = inner.with_changes(value=new_base) if isinstance(inner, cst.Subscript) else new_base
        return node.with_changes(annotation=node.annotation.with_changes(annotation=typed))

    file.edit_enclosing(parent, retype)


LEGACY_ASYNC_SESSIONMAKER = Fixer("ASA104", cst.Call, rewrite_legacy_sessionmaker, metadata=(ParentNodeProvider,))
