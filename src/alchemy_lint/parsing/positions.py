"""Where the nodes of a LibCST module are, as character offsets, from one pass of code generation.

LibCST's `PositionProvider` does the same through `MetadataWrapper`, and a visitor then walks
the whole tree: together about four times this pass, measured on real files (bench/RESULTS.md).
This leans on LibCST's code generation state (`CodegenState`, the hook its own position
providers use), which is internal to LibCST: hence the upper bound on its version.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState

from alchemy_lint.records import record

#: (start, end) character offsets.
Offsets = tuple[int, int]


@dataclass
class _RecordingState(CodegenState):
    watched_types: frozenset[type[cst.CSTNode]] = frozenset()
    offset: int = 0
    starts: list[int] = field(default_factory=list)
    inclusive: dict[cst.CSTNode, Offsets] = field(default_factory=dict)
    syntactic: dict[cst.CSTNode, Offsets] = field(default_factory=dict)
    watched: list[cst.CSTNode] = field(default_factory=list)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        self.offset += sum(map(len, self.indent_tokens))

    def pop_trailing_newline(self) -> None:
        if self.tokens:
            self.offset -= len(self.tokens.pop())

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts.append(self.offset)
        if type(node) in self.watched_types:
            self.watched.append(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        self.inclusive[node] = (self.starts.pop(), self.offset)

    @contextmanager
    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> Iterator[None]:
        start = self.offset
        yield
        self.syntactic[node] = (start, self.offset)


@record
class NodeSpans:
    """Every node's offsets, and the nodes of the watched types in source order."""

    inclusive: dict[cst.CSTNode, Offsets]
    syntactic: dict[cst.CSTNode, Offsets]
    watched: list[cst.CSTNode]

    def outer(self, node: cst.CSTNode) -> Offsets:
        """The node with its own parentheses and the whitespace it holds."""
        return self.inclusive[node]

    def inner(self, node: cst.CSTNode) -> Offsets:
        """The node without its parentheses, as `ast` places an expression."""
        return self.syntactic.get(node) or self.inclusive[node]


def node_spans(module: cst.Module, text: str, watched_types: frozenset[type[cst.CSTNode]]) -> NodeSpans | None:
    """The spans of `module`'s nodes in `text`, or None if its code is not `text` to the character."""
    state = _RecordingState(
        default_indent=module.default_indent, default_newline=module.default_newline, watched_types=watched_types
    )
    module._codegen(state)
    if "".join(state.tokens) != text:
        return None
    return NodeSpans(state.inclusive, state.syntactic, state.watched)


__all__ = ["NodeSpans", "Offsets", "node_spans"]
