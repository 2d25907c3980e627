"""The one LibCST pass per file: every fixer's rewrites batched in one `MetadataWrapper`.

Findings meet their nodes by position; a result is kept only if it parses and left `# noqa` lines alone.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import ClassVar

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from alchemy_lint.facts.model import FileFacts
from alchemy_lint.findings import Finding
from alchemy_lint.fixes.base import FileFix, Fixer, Provider
from alchemy_lint.fixes.guard import libcst_recursion, libcst_refusal
from alchemy_lint.fixes.imports import update_imports
from alchemy_lint.index import ProjectIndex
from alchemy_lint.noqa import is_suppressed
from alchemy_lint.records import record
from alchemy_lint.sourcefile import python_lines


class FixError(Exception):
    """The fixes of a file were dropped: the text says why (a bug to report, never the user's)."""


@record
class SourceFix:
    text: str
    applied: tuple[Finding, ...]


def _char_column(lines: Sequence[str], line: int, byte_col: int) -> int:
    # `ast` counts columns in UTF-8 bytes, LibCST in characters.
    if not 0 < line <= len(lines):
        return byte_col
    return len(lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


_COMMENT = re.compile(r"#[^\r\n]*")
_EMPTY_MODULE = cst.Module([])


def _keeps_comments(before: cst.CSTNode, after: cst.CSTNode) -> bool:
    """Every comment of `before` is still in `after` (a `#` inside a string counts too: conservative)."""
    old = Counter(_COMMENT.findall(_EMPTY_MODULE.code_for_node(before)))
    if not old:
        return True
    return not old - Counter(_COMMENT.findall(_EMPTY_MODULE.code_for_node(after)))


class _FixPassBase(cst.CSTTransformer):
    """The pass; never run itself: LibCST caches a visitor's dependencies on the class it
    first runs, and subclasses would inherit that cache instead of their own declaration."""

    METADATA_DEPENDENCIES: ClassVar[Collection[Provider]] = (PositionProvider,)

    def __init__(self, file: FileFix, findings: Sequence[Finding], fixers: Mapping[str, Fixer]) -> None:
        super().__init__()
        self.file = file
        self.fixers = fixers
        self.applied: list[Finding] = []
        lines = python_lines(file.source)
        self.pending: dict[tuple[int, int], list[Finding]] = {}
        self.ends: dict[Finding, tuple[int, int]] = {}
        for finding in findings:
            key = (finding.line, _char_column(lines, finding.line, finding.col))
            self.pending.setdefault(key, []).append(finding)
            if finding.end_line is not None and finding.end_col is not None:
                self.ends[finding] = (finding.end_line, _char_column(lines, finding.end_line, finding.end_col))
        self.node_types = tuple({fixers[f.code].node_type for f in findings})
        file.lookup = self.get_metadata

    def span(self, node: cst.CSTNode) -> tuple[int, int]:
        position = self.get_metadata(PositionProvider, node)
        return position.start.line, position.end.line

    # A fix may return another node type than it was given (`a.b` -> `(await a.c.b)`), which
    # LibCST accepts at run time but its generic signature does not say.
    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        result = super().on_leave(original_node, updated_node)
        if isinstance(result, cst.CSTNode) and original_node in self.file.enclosing_edits:
            for edit in self.file.enclosing_edits.pop(original_node):
                result = edit(result)
        if not isinstance(original_node, self.node_types) or not isinstance(result, cst.CSTNode):
            return result
        position = self.get_metadata(PositionProvider, original_node)
        waiting = self.pending.get((position.start.line, position.start.column))
        if not waiting:
            return result
        for finding in list(waiting):
            fixer = self.fixers[finding.code]
            if not isinstance(original_node, fixer.node_type):
                continue
            end = self.ends.get(finding)
            if end is not None and end != (position.end.line, position.end.column):
                continue
            if self.file.suppressed(finding.code, position.start.line, position.end.line):
                waiting.remove(finding)
                continue
            rewritten = fixer.rewrite(original_node, result, finding, self.file)
            if rewritten is not None and not _keeps_comments(result, rewritten):
                rewritten = None  # a fix never drops a comment: the finding stays for a person
            if rewritten is not None:
                result = rewritten
                waiting.remove(finding)
                self.applied.append(finding)
        return result

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return update_imports(updated_node, original_node, self.file, self.span)


class _FixPass(_FixPassBase):
    METADATA_DEPENDENCIES = (PositionProvider,)


def fix_source(
    source: str,
    findings: Sequence[Finding],
    facts: FileFacts,
    index: ProjectIndex,
    fixers: Mapping[str, Fixer],
    *,
    unseen: str = "",
) -> SourceFix:
    """Apply the fixes of `findings` (all of them with a fixer) to one file's text.

    `unseen`: the text of the file that `source` leaves out, when `source` is an excerpt.

    Raises FixError for a file LibCST cannot take (too large, too deep) or a result that is
    not safe to write; never lets a native crash or a RecursionError out.
    """
    if not findings:
        return SourceFix(source, ())
    refusal = libcst_refusal(source)
    if refusal is not None:
        raise FixError(refusal)
    try:
        with libcst_recursion():
            return _fix_parsed(source, findings, facts, index, fixers, unseen)
    except RecursionError as error:  # CPython 3.12+ also bounds C recursion, below our limit
        raise FixError("too deeply nested for LibCST (RecursionError)") from error
    except MemoryError as error:
        raise FixError("too large for LibCST (MemoryError)") from error


def _fix_parsed(
    source: str,
    findings: Sequence[Finding],
    facts: FileFacts,
    index: ProjectIndex,
    fixers: Mapping[str, Fixer],
    unseen: str,
) -> SourceFix:
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise FixError(f"LibCST cannot parse the file: {error.message}") from error
    file = FileFix(facts, index, source, unseen)
    providers = {provider for f in findings for provider in fixers[f.code].metadata} - {PositionProvider}
    pass_type: type[_FixPassBase] = _FixPass
    if providers:
        # LibCST reads a visitor's dependencies from its class: one subclass per set of providers.
        class _FixPassWithMetadata(_FixPassBase):
            METADATA_DEPENDENCIES = (PositionProvider, *providers)

        pass_type = _FixPassWithMetadata
    fix_pass = pass_type(file, findings, fixers)
    text = MetadataWrapper(module, unsafe_skip_copy=True).visit(fix_pass).code
    if not fix_pass.applied or text == source:
        return SourceFix(source, ())
    text += _dropped_ending(source, module)
    try:
        ast.parse(text)
    except (SyntaxError, ValueError) as error:
        raise FixError(f"the fixed code would not parse ({error})") from error
    if _compiles(source) and not _compiles(text):
        # `ast.parse` accepts an `await` outside `async def`; the compiler does not.
        raise FixError("the fixed code would not compile (an await outside an async function?)")
    _check_noqa_lines_kept(source, text, facts, {f.code for f in fix_pass.applied})
    return SourceFix(text, tuple(fix_pass.applied))


def _dropped_ending(source: str, module: cst.Module) -> str:
    """What LibCST's code generation leaves off the end of `source`, to put back after fixing:
    LibCST 1.9 reads a file whose last line ends in a lone carriage return as one without a
    final line ending, and drops it.

    Raises FixError when LibCST does not give back the unchanged file otherwise: a fix may
    change only what it rewrites.
    """
    unchanged = module.code
    if not source.startswith(unchanged) or source[len(unchanged) :].strip("\r\n"):
        raise FixError("LibCST does not reproduce the file byte for byte")
    return source[len(unchanged) :]


def _compiles(text: str) -> bool:
    try:
        compile(text, "<alchemy-lint fix>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _check_noqa_lines_kept(before: str, after: str, facts: FileFacts, codes: set[str]) -> None:
    """The last guard: a line whose `# noqa` covers a fixed code comes out unchanged."""
    guarded = {line for line in facts.noqa if line > 0 and any(is_suppressed(facts.noqa, line, code) for code in codes)}
    if not guarded:
        return
    old, new = python_lines(before), python_lines(after)
    kept: set[int] = set()
    for block in difflib.SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks():
        kept.update(range(block.a + 1, block.a + block.size + 1))
    touched = sorted(guarded - kept)
    if touched:
        raise FixError(f"a fix would change line {touched[0]}, which a # noqa comment covers")


def quick_fix(source: str, finding: Finding, facts: FileFacts, index: ProjectIndex, unseen: str = "") -> str | None:
    """The source with one finding fixed, or None: for editors' code actions (the LSP's `QuickFixer`).

    `source` may be an excerpt of the file, with `unseen` the rest of its text.
    """
    from alchemy_lint.fixes.registry import FIXERS

    if finding.code not in FIXERS:
        return None
    try:
        fixed = fix_source(source, [finding], facts, index, FIXERS, unseen=unseen)
    except FixError:
        return None
    return fixed.text if fixed.applied else None
