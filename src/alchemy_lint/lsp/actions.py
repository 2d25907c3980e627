"""Code actions for findings: a `# noqa: ASA###` insert, and quick fixes from a fixer registry.

Edits are computed on the buffer's text in code points; the server turns them into LSP edits.
The fixer registry maps a rule code to a `QuickFixer`; rules without one get only the noqa action.
A quick fix runs on an excerpt of the buffer (lsp/excerpt.py), so its cost follows the finding's
statement, not the buffer; the noqa action is offered whatever happens to the quick fix.
"""

from __future__ import annotations

import itertools
import logging
import tokenize
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Protocol

from alchemy_lint.facts import FileFacts
from alchemy_lint.findings import Finding
from alchemy_lint.fixes.guard import libcst_refusal
from alchemy_lint.index import ProjectIndex
from alchemy_lint.lsp.excerpt import (
    FindingPlace,
    build_excerpt,
    edits_between,
    line_span,
    lines_with_ends,
)
from alchemy_lint.lsp.projects import CheckedWith
from alchemy_lint.lsp.spans import Place, Span, buffer_lines
from alchemy_lint.noqa import NOQA_WITH_CODES, is_suppressed, noqa_lines
from alchemy_lint.records import record
from alchemy_lint.rules import RULES_BY_CODE, FixSafety

#: Findings no noqa comment can silence: a file that does not parse has no comments to read.
UNSUPPRESSIBLE = frozenset({"ASA001"})
_log = logging.getLogger(__name__)


@record
class Buffer:
    """A buffer's text split once: lines without their ends (as LSP counts them), and with them."""

    text: str
    lines: list[str]
    with_ends: list[str]

    @classmethod
    def of(cls, text: str) -> Buffer:
        return cls(text, buffer_lines(text), lines_with_ends(text))


@record
class TextChange:
    """Replace `span` of the buffer with `new_text`."""

    span: Span
    new_text: str


@record
class FindingAction:
    """One code action offered for one finding: its edits apply together."""

    title: str
    finding: Finding
    changes: tuple[TextChange, ...]
    #: True for a safe fix of the finding: editors apply a preferred action on "auto fix".
    preferred: bool = False


class QuickFixer(Protocol):
    """Fixes one finding in a file's source: the fixed source, or None when it cannot here.

    `facts` are the facts of the whole buffer and `index` its project's index, as the check
    that made the finding saw them; `source` may be an excerpt of the buffer, line for line,
    with `unseen` the text it leaves out. `alchemy_lint.fixes.apply.quick_fix` is one.
    """

    def __call__(
        self, source: str, finding: Finding, facts: FileFacts, index: ProjectIndex, unseen: str = ""
    ) -> str | None: ...


FixerRegistry = Mapping[str, QuickFixer]
NO_FIXERS: FixerRegistry = MappingProxyType({})


def _library_quick_fix(
    source: str, finding: Finding, facts: FileFacts, index: ProjectIndex, unseen: str = ""
) -> str | None:
    from alchemy_lint.fixes.apply import quick_fix  # LibCST: imported at the first quick fix, not at start

    return quick_fix(source, finding, facts, index, unseen)


def library_fixers() -> FixerRegistry:
    """Every fixer `check --fix` has, as quick fixes (LibCST is imported when one first runs)."""
    return MappingProxyType({rule.code: _library_quick_fix for rule in RULES_BY_CODE.values() if rule.fix})


def noqa_change(lines: Sequence[str], finding: Finding, statement_line: int = 1) -> TextChange | None:
    """The edit that adds the finding's code to a `# noqa` comment on its line.

    Merges into an existing `# noqa: X1` comment, appends after another comment, and gives
    None where a comment cannot go (the line ends inside a string or with a backslash) or
    where the code is already silenced. `statement_line` is where the finding's statement
    starts: the line's tokens are read from there, not from the top of the buffer.
    """
    if finding.code in UNSUPPRESSIBLE:
        return None
    index = finding.line - 1
    if not 0 <= index < len(lines):
        return None
    line = lines[index]
    end_of_line = _end_of_line(lines, finding.line, min(statement_line, finding.line))
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


@record
class _LineEnd:
    """Whether a comment can end a line, and the columns of the one it has."""

    commentable: bool
    comment: tuple[int, int] | None = None


def _end_of_line(lines: Sequence[str], line: int, first: int) -> _LineEnd:
    """What ends `line`: a comment cannot go where a string (or f-string) continues past it.

    Tokens are read from line `first` (a statement's start) until the one that ends `line`.
    """
    if any("\0" in text for text in itertools.islice(lines, first - 1, line + 1)):
        # No Python reads a NUL (ASA001), and 3.13.0's tokenizer raises SystemError on one after
        # an indented line, where the others raise TokenError: no comment is placed there.
        return _LineEnd(commentable=False)
    pending = (f"{text}\n" for text in itertools.islice(lines, first - 1, None))
    comment: tuple[int, int] | None = None
    try:
        for token in tokenize.generate_tokens(lambda: next(pending, "")):
            (start_row, start_col), (end_row, end_col) = token.start, token.end
            start_row, end_row = start_row + first - 1, end_row + first - 1
            if start_row > line:
                break
            if token.type in (tokenize.NL, tokenize.NEWLINE):
                if start_row == line:
                    break  # the line is over: nothing after this token can change the answer
                continue
            if start_row <= line < end_row:
                return _LineEnd(commentable=False)
            if token.type == tokenize.COMMENT and start_row == line:
                comment = (start_col, end_col)
    except (tokenize.TokenError, SyntaxError):
        return _LineEnd(commentable=False)
    return _LineEnd(commentable=True, comment=comment)


def quick_fix_changes(
    buffer: Buffer, finding: Finding, fixer: QuickFixer, checked_with: CheckedWith, place: FindingPlace
) -> tuple[TextChange, ...] | None:
    """The edits of the finding's quick fix, made on an excerpt of the buffer; None when there is none."""
    excerpt = build_excerpt(buffer.with_ends, place)
    if libcst_refusal(excerpt.text) is not None:
        return None
    fixed = fixer(excerpt.text, finding, checked_with.facts, checked_with.index, excerpt.unseen)
    if fixed is None or fixed == excerpt.text:
        return None
    edits = edits_between(excerpt, fixed)
    if not edits:
        return None
    return tuple(TextChange(line_span(edit, buffer.with_ends), edit.text) for edit in edits)


def actions_for(
    buffer: Buffer,
    finding: Finding,
    fixers: FixerRegistry = NO_FIXERS,
    checked_with: CheckedWith | None = None,
    place: FindingPlace | None = None,
) -> Iterator[FindingAction]:
    """The code actions for one finding: its quick fix first (when a fixer can), then the noqa insert.

    `checked_with` holds the facts of the buffer and the project index the finding was made
    with, `place` where the finding sits in the buffer's tree; without both no quick fix is offered.
    """
    rule = RULES_BY_CODE.get(finding.code)
    fixer = fixers.get(finding.code)
    if rule is not None and rule.fix is not None and fixer is not None and checked_with is not None and place:
        try:
            changes = quick_fix_changes(buffer, finding, fixer, checked_with, place)
        except Exception as error:  # a bug in a fixer costs its quick fix, never the noqa action
            _log.warning(
                "no quick fix for %s on line %d: %s: %s", finding.code, finding.line, type(error).__name__, error
            )
            changes = None
        if changes:
            safety = "" if rule.fix is FixSafety.SAFE else " (unsafe: review it)"
            yield FindingAction(
                f"Fix {finding.code}: {rule.name}{safety}", finding, changes, preferred=rule.fix is FixSafety.SAFE
            )
    change = noqa_change(buffer.lines, finding, place.statement_line if place is not None else 1)
    if change is not None:
        yield FindingAction(f"Disable {finding.code} for this line (# noqa)", finding, (change,))


def _described(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
