"""The unsafe fix of ASA301 lazy-relationship-access: `obj.rel` -> `(await obj.awaitable_attrs.rel)`.

Offered only where the model has `AsyncAttrs` and an `await` is legal and keeps the code's shape.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import ExpressionContext, ExpressionContextProvider, ParentNodeProvider

from alchemy_lint.facts.model import AccessKind, ObjectAccess
from alchemy_lint.findings import Finding
from alchemy_lint.fixes.base import FileFix, Fixer
from alchemy_lint.index.loading import RAISING_STRATEGIES, forbidden_by_option, resolve_access


def _accesses_at(finding: Finding, attribute: str, file: FileFix) -> list[ObjectAccess]:
    """The access facts the finding was reported on (one per way the object was reached)."""
    return [
        access
        for function in file.facts.functions
        if function.is_async and function.loading is not None
        for access in function.loading.accesses
        if (access.line, access.col, access.end_line, access.end_col)
        == (finding.line, finding.col, finding.end_line, finding.end_col)
        and access.attribute == attribute
    ]


def _model_has_async_attrs(accesses: list[ObjectAccess], file: FileFix) -> bool:
    """Every reading of the access resolves to a model with `AsyncAttrs` (`awaitable_attrs`
    exists), through a relationship whose lazy loader may run: `awaitable_attrs` runs it, and a
    `lazy="raise"` one (or one a `raiseload()` option forbids) raises there too."""
    if not accesses:
        return False
    for access in accesses:
        target = resolve_access(file.index, access, file.facts.path)
        if target is None or not file.index.has_async_attrs(target.model):
            return False
        relationship = target.relationship
        if relationship is not None and relationship.lazy in RAISING_STRATEGIES:
            return False
        if forbidden_by_option(target, access.attribute):
            return False
    return True


def _await_is_legal(node: cst.CSTNode, file: FileFix) -> bool:
    """An `await` at `node` runs in the enclosing `async def` itself.

    Not in a lambda, a sync function or a class body (a syntax error there), and not in a
    generator expression apart from its outermost iterable: an `await` elsewhere in one would
    turn it into an async generator, which `sum()`, `list()` or `join()` cannot consume.
    """
    path: list[cst.CSTNode] = [node]
    while True:
        child = path[-1]
        parent = file.metadata(ParentNodeProvider, child)
        if not isinstance(parent, cst.CSTNode):
            return False
        if isinstance(parent, cst.FunctionDef):
            return parent.asynchronous is not None and child is parent.body
        if isinstance(parent, (cst.Lambda, cst.ClassDef, cst.Module)):
            return False
        if isinstance(parent, cst.GeneratorExp):
            below = path[-2] if len(path) > 1 else None
            if not (child is parent.for_in and below is parent.for_in.iter):
                return False
        path.append(parent)


def rewrite_lazy_access(
    original: cst.CSTNode, updated: cst.CSTNode, finding: Finding, file: FileFix
) -> cst.CSTNode | None:
    if not isinstance(original, cst.Attribute) or not isinstance(updated, cst.Attribute):
        return None
    if finding.end_line is None:
        return None  # `getattr(obj, "rel")` and other accesses that are no attribute expression
    accesses = _accesses_at(finding, original.attr.value, file)
    if any(access.kind is not AccessKind.READ for access in accesses):
        return None  # `obj.rel = [...]` cannot become an await
    if file.metadata(ExpressionContextProvider, original) is not ExpressionContext.LOAD:
        return None  # `obj.rel += [...]`, `del obj.rel`
    if not _model_has_async_attrs(accesses, file) or not _await_is_legal(original, file):
        return None
    loaded = updated.with_changes(
        value=cst.Attribute(value=updated.value, attr=cst.Name("awaitable_attrs")),
        lpar=(),
        rpar=(),
    )
    return cst.Await(
        expression=loaded,
        lpar=(*updated.lpar, cst.LeftParen()),
        rpar=(cst.RightParen(), *updated.rpar),
    )


LAZY_RELATIONSHIP_ACCESS = Fixer(
    "ASA301",
    cst.Attribute,
    rewrite_lazy_access,
    metadata=(ExpressionContextProvider, ParentNodeProvider),
)
