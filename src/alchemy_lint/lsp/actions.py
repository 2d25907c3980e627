"""Code actions for findings: a `# noqa: ASA###` insert, and quick fixes from a fixer registry.

Edits are computed on the buffer's text in code points; the server turns them into LSP edits.
The fixer registry maps a rule code to a `QuickFixer`; rules without one get only the noqa action.
`library_fixers()` is the registry of the LibCST fixers that `check --fix` applies.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

from alchemy_lint.facts import FileFacts
from alchemy_lint.findings import Finding
from alchemy_lint.index import ProjectIndex
from alchemy_lint.lsp.spans import Place, Span, buffer_lines
from alchemy_lint.noqa import NOQA_WITH_CODES, is_suppressed, noqa_lines
from alchemy_lint.rules import RULES_BY_CODE, FixSafety

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: Findings no noqa comment can silence: a file that does not parse has no comments to read.
UNSUPPRESSIBLE = frozenset({"ASA001"})


@dataclass(frozen=True, slots=True)
class TextChange:
    """Replace `span` of the buffer with `new_text`."""

    span: Span
    new_text: str


@dataclass(frozen=True, slots=True)
class FindingAction:
    """One code action offered for one finding."""

    title: str
    finding: Finding
    change: TextChange
    #: True for a safe fix of the finding: editors apply a preferred action on "auto fix".
    preferred: bool = False


class QuickFixer(Protocol):
    """Fixes one finding in a file's source: the fixed source, or None when it cannot here.

    `facts` are the facts of that very source and `index` its project's index, as the check
    that made the finding saw them. `alchemy_lint.fixes.apply.quick_fix` is one.
    """

    def __call__(self, source: str, finding: Finding, facts: FileFacts, index: ProjectIndex) -> str | None: ...


FixerRegistry = Mapping[str, QuickFixer]
NO_FIXERS: FixerRegistry = MappingProxyType({})


def library_fixers() -> FixerRegistry:
    """Every fixer `check --fix` has, as quick fixes (this imports LibCST)."""
    from alchemy_lint.fixes.apply import quick_fix
    from alchemy_lint.fixes.registry import FIXERS

    return MappingProxyType(dict.fromkeys(FIXERS, quick_fix))


def noqa_change(text: str, finding: Finding) -> TextChange | None:
    """The edit that adds the finding's code to a `# noqa` comment on its line.

    Merges into an existing `# noqa: X1` comment, appends after another comment, and gives
    None where a comment cannot go (the line ends inside a string or with a backslash) or
    where the code is already silenced.
    """
    if finding.code in UNSUPPRESSIBLE:
        return None
    lines = buffer_lines(text)
    index = finding.line - 1
    if not 0 <= index < len(lines):
        return None
    line = lines[index]
    end_of_line = _end_of_line(text, finding.line)
    if not end_of_line.commentable:
        return None
    comment = end_of_line.comment
    if comment is None:
        if line.rstrip().endswith("\\"):
            return None
        code_end = len(line.rstrip())
        return TextChange(Span(Place(index, code_end), Place(index, len(line))), f"  # noqa: {finding.code}")
    start, end = comment
    text_of_comment = line[start:end]
    listed = noqa_lines(text_of_comment).get(1)
    if listed is not None and is_suppressed({1: listed}, 1, finding.code):
        return None
    match = NOQA_WITH_CODES.search(text_of_comment)
    if match is not None:
        at = start + match.end("codes")
        return TextChange(Span(Place(index, at), Place(index, at)), f", {finding.code}")
    return TextChange(Span(Place(index, end), Place(index, len(line))), f"  # noqa: {finding.code}")


@dataclass(frozen=True, slots=True)
class _LineEnd:
    """Whether a comment can end a line, and the columns of the one it has."""

    commentable: bool
    comment: tuple[int, int] | None = None


def _end_of_line(text: str, line: int) -> _LineEnd:
    """What ends `line`: a comment cannot go where a string (or f-string) continues past it."""
    # newline=None reads \r and \r\n as line ends, as LSP counts lines.
    readline = io.StringIO(text, newline=None).readline
    comment: tuple[int, int] | None = None
    try:
        for token in tokenize.generate_tokens(readline):
            (start_row, start_col), (end_row, end_col) = token.start, token.end
            if start_row > line:
                break
            if start_row <= line < end_row and token.type not in (tokenize.NL, tokenize.NEWLINE):
                return _LineEnd(commentable=False)
            if token.type == tokenize.COMMENT and start_row == line:
                comment = (start_col, end_col)
    except (tokenize.TokenError, SyntaxError):
        return _LineEnd(commentable=False)
    return _LineEnd(commentable=True, comment=comment)


def replacement_change(old: str, new: str) -> TextChange:
    """One edit turning `old` into `new`: the lines between their common head and tail."""
    old_lines = _lines_with_ends(old)
    new_lines = _lines_with_ends(new)
    head = 0
    while head < min(len(old_lines), len(new_lines)) and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while (
        tail < min(len(old_lines), len(new_lines)) - head
        and old_lines[len(old_lines) - 1 - tail] == new_lines[len(new_lines) - 1 - tail]
    ):
        tail += 1
    start = sum(len(part) for part in old_lines[:head])
    end = len(old) - sum(len(part) for part in old_lines[len(old_lines) - tail :])
    middle = "".join(new_lines[head : len(new_lines) - tail])
    return TextChange(Span(place_at(old, start), place_at(old, end)), middle)


def _lines_with_ends(text: str) -> list[str]:
    parts: list[str] = []
    position = 0
    for match in _LINE_BREAK.finditer(text):
        parts.append(text[position : match.end()])
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return parts


def place_at(text: str, offset: int) -> Place:
    """The line and code point of a character offset into `text`."""
    line = 0
    line_start = 0
    for match in _LINE_BREAK.finditer(text, 0, offset):
        line += 1
        line_start = match.end()
    return Place(line, offset - line_start)


def actions_for(
    text: str,
    finding: Finding,
    fixers: FixerRegistry = NO_FIXERS,
    checked_with: tuple[FileFacts, ProjectIndex] | None = None,
) -> Iterator[FindingAction]:
    """The code actions for one finding: its quick fix first (when a fixer can), then the noqa insert.

    `checked_with` holds the facts of `text` and the project index the finding was made with;
    without them no quick fix is offered.
    """
    rule = RULES_BY_CODE.get(finding.code)
    fixer = fixers.get(finding.code)
    if rule is not None and rule.fix is not None and fixer is not None and checked_with is not None:
        fixed = fixer(text, finding, *checked_with)
        if fixed is not None and fixed != text:
            safety = "" if rule.fix is FixSafety.SAFE else " (unsafe: review it)"
            yield FindingAction(
                f"Fix {finding.code}: {rule.name}{safety}",
                finding,
                replacement_change(text, fixed),
                preferred=rule.fix is FixSafety.SAFE,
            )
    change = noqa_change(text, finding)
    if change is not None:
        yield FindingAction(f"Disable {finding.code} for this line (# noqa)", finding, change)
