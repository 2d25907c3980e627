"""The fixer interface: how one rule's autofix plugs into the single LibCST pass over a file.

A `Fixer` rewrites the node a finding points at; `FileFix` is what it may read and ask for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.metadata import BaseMetadataProvider

from alchemy_lint.facts.model import ApiCall, FileFacts
from alchemy_lint.findings import Finding
from alchemy_lint.index import ProjectIndex
from alchemy_lint.noqa import is_suppressed
from alchemy_lint.records import record

#: `rewrite(original, updated, finding, file)`: the node as parsed (to match against the facts),
#: the node with the rewrites of inner nodes and earlier fixers applied (to edit), and the finding.
#: Returns the new node, or None when the fix does not apply after all (the finding stays).
Rewrite = Callable[[cst.CSTNode, cst.CSTNode, Finding, "FileFix"], cst.CSTNode | None]
Provider = type[BaseMetadataProvider[Any]]


@record
class Fixer:
    """The autofix of one rule.

    The finding's (line, col) is the start of the node to rewrite, of type `node_type`; when
    several nodes of that type start there (`a.b.c`), a finding with an end position picks
    one, otherwise the innermost node that `rewrite` accepts wins. The fix's safety is the
    rule's `fix` (`FixSafety`): one definition, read by the CLI, docs and LSP alike.

    `metadata` names LibCST providers the rewrite reads through `FileFix.metadata` (say
    `ExpressionContextProvider`, to leave assignment targets alone); they join the one
    `MetadataWrapper` pass, and only when a finding of this rule is in the file.

    An unsafe fix (ASA301's `obj.rel` -> `(await obj.awaitable_attrs.rel)`) is a Fixer on
    `cst.Attribute` whose rule reports `end=(node.end_lineno, node.end_col_offset)` and
    declares `fix=FixSafety.UNSAFE`; registering it in `fixes.registry.FIXERS` is all.
    """

    code: str
    node_type: type[cst.CSTNode]
    rewrite: Rewrite
    metadata: tuple[Provider, ...] = ()


@record
class ImportRequest:
    """`from <module> import <name>`, which a rewritten node needs."""

    module: str
    name: str


@dataclass(slots=True)
class FileFix:
    """One file's fixing state during the pass: its facts, its project, and the import edits asked for."""

    facts: FileFacts
    index: ProjectIndex
    source: str
    #: Text of the file that `source` leaves out (the language server fixes an excerpt): the
    #: names it mentions count as used.
    unseen: str = ""
    imports: list[ImportRequest] = field(default_factory=list)
    #: Names a rewrite stopped using; their imports go when nothing else in the file uses them.
    released: list[str] = field(default_factory=list)
    #: The pass's metadata lookup, set while the pass runs.
    lookup: Callable[[Provider, cst.CSTNode], object] | None = None
    #: Edits of an enclosing node (by its original), applied when the pass leaves it.
    enclosing_edits: dict[cst.CSTNode, list[Callable[[cst.CSTNode], cst.CSTNode]]] = field(default_factory=dict)

    def metadata(self, provider: Provider, node: cst.CSTNode) -> object:
        """Metadata of an original node, from a provider the fixer declared."""
        assert self.lookup is not None, "metadata is available only during the pass"
        return self.lookup(provider, node)

    def api_call(self, finding: Finding) -> ApiCall | None:
        """The call fact the finding was reported on."""
        for call in self.facts.api_calls:
            if (call.line, call.col) == (finding.line, finding.col):
                return call
        return None

    def edit_enclosing(self, original: cst.CSTNode, edit: Callable[[cst.CSTNode], cst.CSTNode]) -> None:
        """Change an enclosing node too (say, the annotation of `x: T = <fixed call>`); find it
        with `ParentNodeProvider`. The edit gets that node as already rewritten inside."""
        self.enclosing_edits.setdefault(original, []).append(edit)

    def require_import(self, module: str, name: str) -> None:
        request = ImportRequest(module, name)
        if request not in self.imports:
            self.imports.append(request)

    def release(self, name: str) -> None:
        if name not in self.released:
            self.released.append(name)

    def is_free_name(self, name: str) -> bool:
        """True when `name` appears nowhere in the file, so a new import of it shadows nothing."""
        pattern = re.compile(rf"\b{re.escape(name)}\b")
        return pattern.search(self.source) is None and pattern.search(self.unseen) is None

    def suppressed(self, code: str, first_line: int, last_line: int) -> bool:
        return any(is_suppressed(self.facts.noqa, line, code) for line in range(first_line, last_line + 1))
