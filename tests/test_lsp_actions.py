"""Code actions and spans of the language server, on buffer text (no editor needed).

The noqa insert must give a line the engine's noqa reader silences; the fixer registry is the
hook the LibCST fixers plug into.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import write_project

from alchemy_lint.config import Settings
from alchemy_lint.engine import facts_for_source
from alchemy_lint.facts import FileFacts
from alchemy_lint.findings import Finding
from alchemy_lint.index import ProjectIndex
from alchemy_lint.lsp.actions import (
    NO_FIXERS,
    Buffer,
    QuickFixer,
    TextChange,
    actions_for,
    library_fixers,
    noqa_change,
)
from alchemy_lint.lsp.excerpt import FindingPlace, find_place
from alchemy_lint.lsp.projects import CheckedWith, ProjectCache
from alchemy_lint.lsp.spans import NodeStarts, Place, buffer_lines, finding_span
from alchemy_lint.noqa import is_suppressed, noqa_lines
from alchemy_lint.rules import RULES_BY_CODE


def _offset(text: str, place: Place) -> int:
    starts = [0] + [match.end() for match in re.finditer(r"\r\n|\r|\n", text)]
    return starts[place.line] + place.character


def apply_change(text: str, change: TextChange) -> str:
    start, end = _offset(text, change.span.start), _offset(text, change.span.end)
    return text[:start] + change.new_text + text[end:]


def apply_changes(text: str, changes: tuple[TextChange, ...]) -> str:
    """As an editor applies one action's edits: each against the original text, last first."""
    for change in sorted(changes, key=lambda change: change.span.start, reverse=True):
        text = apply_change(text, change)
    return text


def _finding(line: int, code: str = "ASA101", col: int = 0) -> Finding:
    return Finding("app/handlers.py", line, col, code, f"{code} message")


def _silenced(text: str, line: int, code: str) -> bool:
    return is_suppressed(noqa_lines(text), line, code)


@pytest.mark.parametrize(
    ("source", "expected_line"),
    [
        pytest.param("s = AsyncSession(engine)\n", "s = AsyncSession(engine)  # noqa: ASA101", id="no-comment"),
        pytest.param("s = AsyncSession(engine)   \n", "s = AsyncSession(engine)  # noqa: ASA101", id="trailing-space"),
        pytest.param(
            "s = AsyncSession(engine)  # type: ignore\n",
            "s = AsyncSession(engine)  # type: ignore  # noqa: ASA101",
            id="other-comment",
        ),
        pytest.param(
            "s = AsyncSession(engine)  # noqa: E501\n",
            "s = AsyncSession(engine)  # noqa: E501, ASA101",
            id="merge-noqa",
        ),
        pytest.param(
            "s = AsyncSession(engine)  # noqa:E501 why\n",
            "s = AsyncSession(engine)  # noqa:E501, ASA101 why",
            id="merge-noqa-with-reason",
        ),
        pytest.param(
            "s = AsyncSession(engine)  #noqa: ASA103\n",
            "s = AsyncSession(engine)  #noqa: ASA103  # noqa: ASA101",
            id="comment-flake8-does-not-read",
        ),
        pytest.param(
            "s = AsyncSession(\n    engine,\n)\n",
            "s = AsyncSession(  # noqa: ASA101",
            id="open-call",
        ),
    ],
)
def test_noqa_edit_gives_a_line_the_noqa_reader_silences(source: str, expected_line: str) -> None:
    change = noqa_change(buffer_lines(source), _finding(1))
    assert change is not None
    fixed = apply_change(source, change)
    assert fixed.splitlines()[0] == expected_line
    assert _silenced(fixed, 1, "ASA101")
    assert not _silenced(fixed, 1, "ASA103")


def test_noqa_edit_keeps_crlf_line_ends_and_other_lines() -> None:
    source = "import x\r\ns = AsyncSession(engine)\r\ny = 2\r\n"
    change = noqa_change(buffer_lines(source), _finding(2))
    assert change is not None
    assert apply_change(source, change) == "import x\r\ns = AsyncSession(engine)  # noqa: ASA101\r\ny = 2\r\n"


def test_no_noqa_edit_when_the_code_is_already_listed() -> None:
    assert noqa_change(["s = AsyncSession(engine)  # noqa: ASA1", ""], _finding(1)) is None


def test_no_noqa_edit_on_a_line_a_string_continues_past() -> None:
    source = 's = AsyncSession(engine, info="""\nnotes\n""")\n'
    assert noqa_change(buffer_lines(source), _finding(1)) is None


def test_no_noqa_edit_after_a_backslash_continuation() -> None:
    source = "s = AsyncSession(engine) + \\\n    other\n"
    assert noqa_change(buffer_lines(source), _finding(1)) is None


def test_no_noqa_edit_for_a_file_that_does_not_parse() -> None:
    assert noqa_change(["def broken(:", ""], _finding(1, "ASA001")) is None


@pytest.mark.parametrize("lines", [["if x:", "    y = 1", "\0 z = 2", ""], ["if x:", "    y = 1\0", ""]])
def test_no_noqa_edit_on_a_buffer_with_a_nul_near_the_line(lines: list[str]) -> None:
    # Python 3.13.0's tokenizer raised SystemError here (the others a TokenError): a stale
    # finding on a buffer now holding a NUL gets no edit, and the request no error.
    assert noqa_change(lines, _finding(2)) is None


ASA103_EXAMPLE = RULES_BY_CODE["ASA103"].invalid[0]


def _add_expire_on_commit(
    source: str, finding: Finding, facts: FileFacts, index: ProjectIndex, unseen: str = ""
) -> str | None:
    """A stand-in fixer for ASA103 on one-line calls, to exercise the registry hook."""
    lines = source.splitlines(keepends=True)
    line = lines[finding.line - 1]
    if not line.rstrip().endswith(")"):
        return None
    head, _, tail = line.rpartition(")")
    lines[finding.line - 1] = f"{head}, expire_on_commit=False){tail}"
    return "".join(lines)


def _place(text: str, finding: Finding) -> FindingPlace:
    place = find_place(ast.parse(text), buffer_lines(text), finding.line, finding.col)
    assert place is not None
    return place


def _finding_of(tmp_path: Path, code: str) -> tuple[Buffer, Finding, CheckedWith, FindingPlace]:
    root = write_project(tmp_path / "project", {"app/__init__.py": ""})
    text = ASA103_EXAMPLE.source.replace("  # ASA103", "")
    cache = ProjectCache()
    findings = cache.check_buffer(root / ASA103_EXAMPLE.path, text)
    (finding,) = [finding for finding in findings if finding.code == code]
    checked_with = cache.checked_with(root / ASA103_EXAMPLE.path)
    assert checked_with is not None
    return Buffer.of(text), finding, checked_with, _place(text, finding)


def test_a_registered_fixer_comes_first_as_the_preferred_quick_fix(tmp_path: Path) -> None:
    buffer, finding, checked_with, place = _finding_of(tmp_path, "ASA103")
    fix, noqa = actions_for(buffer, finding, {"ASA103": _add_expire_on_commit}, checked_with, place)
    assert fix.title == "Fix ASA103: expire-on-commit"
    assert fix.preferred
    assert apply_changes(buffer.text, fix.changes) == ASA103_EXAMPLE.fixed
    assert noqa.title == "Disable ASA103 for this line (# noqa)"
    assert not noqa.preferred


def test_the_fixed_text_has_no_finding_left(tmp_path: Path) -> None:
    buffer, finding, checked_with, place = _finding_of(tmp_path, "ASA103")
    (fix, _) = actions_for(buffer, finding, {"ASA103": _add_expire_on_commit}, checked_with, place)
    fixed = apply_changes(buffer.text, fix.changes)
    again = ProjectCache().check_buffer(tmp_path / "project" / ASA103_EXAMPLE.path, fixed)
    assert [f.code for f in again] == []


def test_without_a_fixer_only_the_noqa_action_is_offered(tmp_path: Path) -> None:
    buffer, finding, checked_with, place = _finding_of(tmp_path, "ASA103")
    titles = [action.title for action in actions_for(buffer, finding, NO_FIXERS, checked_with, place)]
    assert titles == ["Disable ASA103 for this line (# noqa)"]


def test_a_fixer_that_cannot_fix_offers_nothing(tmp_path: Path) -> None:
    buffer, finding, checked_with, place = _finding_of(tmp_path, "ASA103")
    cannot: dict[str, QuickFixer] = {"ASA103": lambda source, finding, facts, index, unseen="": None}
    titles = [action.title for action in actions_for(buffer, finding, cannot, checked_with, place)]
    assert titles == ["Disable ASA103 for this line (# noqa)"]


def test_a_fixer_registered_for_a_rule_without_a_fix_is_not_used() -> None:
    source = "s = AsyncSession(engine)\n"
    facts = facts_for_source("app/handlers.py", source.encode("utf-8"), Path("app/handlers.py"))
    index = ProjectIndex(Path.cwd(), Settings(), [facts])
    rename: dict[str, QuickFixer] = {"ASA101": lambda text, finding, facts, index, unseen="": text.replace("s", "t")}
    place = _place(source, _finding(1))
    actions = list(actions_for(Buffer.of(source), _finding(1), rename, CheckedWith(facts, index), place))
    assert [action.title for action in actions] == ["Disable ASA101 for this line (# noqa)"]


def _span_text(source: str, finding: Finding) -> str:
    lines = buffer_lines(source)
    span = finding_span(finding, lines, NodeStarts(ast.parse(source)))
    return _text_between(source, span.start, span.end)


def _text_between(source: str, start: Place, end: Place) -> str:
    return source[_offset(source, start) : _offset(source, end)]


def test_span_is_the_innermost_call_starting_at_the_finding() -> None:
    source = "rows = AsyncSession(engine).execute(query).scalars()\n"
    assert _span_text(source, _finding(1, col=7)) == "AsyncSession(engine)"


def test_span_of_a_statement_is_its_header() -> None:
    source = "async def f():\n    async with factory.begin() as session:\n        await session.commit()\n"
    assert _span_text(source, _finding(2, col=4)) == "async with factory.begin() as session"


def test_span_spans_lines_for_a_call_over_several_lines() -> None:
    source = "maker = async_sessionmaker(\n    engine,\n)\n"
    assert _span_text(source, _finding(1, col=8)) == "async_sessionmaker(\n    engine,\n)"


def test_span_columns_are_code_points_not_utf8_bytes() -> None:
    source = 'label, s = "\N{SNAKE}", AsyncSession(engine)\n'
    col = len(source[: source.index("AsyncSession")].encode("utf-8"))
    assert _span_text(source, _finding(1, col=col)) == "AsyncSession(engine)"


def test_span_without_a_tree_is_the_word_at_the_finding() -> None:
    source = "def broken(:\n"
    span = finding_span(_finding(1, "ASA001", col=11), buffer_lines(source), NodeStarts(None))
    assert _text_between(source, span.start, span.end) == ":"


def test_the_library_fixers_fix_asa103_as_check_fix_does(tmp_path: Path) -> None:
    buffer, finding, checked_with, place = _finding_of(tmp_path, "ASA103")
    fix, _ = actions_for(buffer, finding, library_fixers(), checked_with, place)
    assert fix.preferred
    assert apply_changes(buffer.text, fix.changes) == ASA103_EXAMPLE.fixed


def test_without_the_checked_facts_no_quick_fix_is_offered(tmp_path: Path) -> None:
    buffer, finding, _, place = _finding_of(tmp_path, "ASA103")
    titles = [action.title for action in actions_for(buffer, finding, library_fixers(), None, place)]
    assert titles == ["Disable ASA103 for this line (# noqa)"]
