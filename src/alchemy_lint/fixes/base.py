"""The fixer interface: how one rule's autofix plugs into the single LibCST pass over a file.

A `Fixer` rewrites the node a finding points at; `FileFix` is what it may read and ask for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from alchemy_lint.facts.model import ApiCall, FileFacts
from alchemy_lint.noqa import is_suppressed
from alchemy_lint.project import ProjectIndex
from alchemy_lint.rules import Finding

#: `rewrite(original, updated, finding, file)`: the node as parsed (to match against the facts),
#: the node with the rewrites of inner nodes and earlier fixers applied (to edit), and the finding.
#: Returns the new node, or None when the fix does not apply after all (the finding stays).
Rewrite = Callable[[cst.CSTNode, cst.CSTNode, Finding, "FileFix"], cst.CSTNode | None]


@dataclass(frozen=True, slots=True)
class Fixer:
    """The autofix of one rule.

    The finding's (line, col) is the start of the node to rewrite, of type `node_type`; when
    several nodes of that type start there (`a.b.c`), a finding with an end position picks
    one, otherwise the innermost node that `rewrite` accepts wins. The fix's safety is the
    rule's `fix` (`FixSafety`): one definition, read by the CLI, docs and LSP alike.
    """

    code: str
    node_type: type[cst.CSTNode]
    rewrite: Rewrite


@dataclass(frozen=True, slots=True)
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
    imports: list[ImportRequest] = field(default_factory=list)
    #: Names a rewrite stopped using; their imports go when nothing else in the file uses them.
    released: list[str] = field(default_factory=list)

    def api_call(self, finding: Finding) -> ApiCall | None:
        """The call fact the finding was reported on."""
        for call in self.facts.api_calls:
            if (call.line, call.col) == (finding.line, finding.col):
                return call
        return None

    def require_import(self, module: str, name: str) -> None:
        request = ImportRequest(module, name)
        if request not in self.imports:
            self.imports.append(request)

    def release(self, name: str) -> None:
        if name not in self.released:
            self.released.append(name)

    def is_free_name(self, name: str) -> bool:
        """True when `name` appears nowhere in the file, so a new import of it shadows nothing."""
        return re.search(rf"\b{re.escape(name)}\b", self.source) is None

    def suppressed(self, code: str, first_line: int, last_line: int) -> bool:
        return any(is_suppressed(self.facts.noqa, line, code) for line in range(first_line, last_line + 1))
