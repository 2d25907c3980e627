"""The fixer interface carries more than ASA103/ASA104: an unsafe attribute rewrite in the ASA301 style.

The fixer here is a test fixer driven through the real pass: positions with ends, metadata, the guards.
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import ExpressionContext, ExpressionContextProvider, ParentNodeProvider

from alchemy_lint.config import Settings
from alchemy_lint.engine import facts_for_source
from alchemy_lint.findings import Finding
from alchemy_lint.fixes.apply import FixError, fix_source, quick_fix
from alchemy_lint.fixes.base import FileFix, Fixer
from alchemy_lint.index import ProjectIndex

SOURCE = """\
async def show(user):
    names = ["é", [g.name for g in user.account.groups]]
    user.account.groups = []
    return len(user.account.groups)  # noqa: ASA301
"""


def await_relationship(
    original: cst.CSTNode, updated: cst.CSTNode, finding: Finding, file: FileFix
) -> cst.CSTNode | None:
    if not isinstance(updated, cst.Attribute) or file.metadata(ExpressionContextProvider, original) is not (
        ExpressionContext.LOAD
    ):
        return None
    owner = cst.Module([]).code_for_node(updated.value)
    return cst.parse_expression(f"(await {owner}.awaitable_attrs.{updated.attr.value})")


LAZY_LOAD = Fixer("ASA301", cst.Attribute, await_relationship, metadata=(ExpressionContextProvider,))


def _finding(line: int, text: str) -> Finding:
    source_line = SOURCE.splitlines()[line - 1]
    start = source_line.index("user.account.groups")
    # Findings carry ast's UTF-8 byte columns.
    byte_col = len(source_line[:start].encode("utf-8"))
    end = byte_col + len("user.account.groups")
    return Finding("app/views.py", line, byte_col, "ASA301", text, end_line=line, end_col=end)


@pytest.fixture
def findings() -> list[Finding]:
    return [
        _finding(2, "ASA301 read"),
        _finding(3, "ASA301 assignment"),
        _finding(4, "ASA301 len"),
    ]


def test_attribute_fix_uses_end_positions_and_metadata(findings: list[Finding], tmp_path: Path) -> None:
    facts = facts_for_source("app/views.py", SOURCE.encode("utf-8"), tmp_path / "app" / "views.py")
    index = ProjectIndex(tmp_path, Settings(), [facts])
    fixed = fix_source(SOURCE, findings, facts, index, {"ASA301": LAZY_LOAD})
    assert fixed.text == (
        "async def show(user):\n"
        '    names = ["é", [g.name for g in (await user.account.awaitable_attrs.groups)]]\n'
        "    user.account.groups = []\n"
        "    return len(user.account.groups)  # noqa: ASA301\n"
    )
    assert [f.message for f in fixed.applied] == ["ASA301 read"]


def test_a_line_under_noqa_is_not_rewritten_even_when_asked(findings: list[Finding], tmp_path: Path) -> None:
    facts = facts_for_source("app/views.py", SOURCE.encode("utf-8"), tmp_path / "app" / "views.py")
    index = ProjectIndex(tmp_path, Settings(), [facts])
    fixed = fix_source(SOURCE, findings[2:], facts, index, {"ASA301": LAZY_LOAD})
    assert fixed.text == SOURCE
    assert fixed.applied == ()


def test_quick_fix_gives_an_editor_the_fixed_buffer(tmp_path: Path) -> None:
    buffer = (
        "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n"
        "Factory = async_sessionmaker()\n"
        "session = AsyncSession()\n"
    )
    facts = facts_for_source("app/db.py", buffer.encode("utf-8"), tmp_path / "app" / "db.py")
    index = ProjectIndex(tmp_path, Settings(), [facts])
    expire = Finding("app/db.py", 2, 10, "ASA103", "ASA103 without expire_on_commit=False")
    adhoc = Finding("app/db.py", 3, 10, "ASA101", "ASA101 ad-hoc session")
    assert quick_fix(buffer, expire, facts, index) == buffer.replace(
        "async_sessionmaker()", "async_sessionmaker(expire_on_commit=False)"
    )
    assert quick_fix(buffer, adhoc, facts, index) is None


def test_the_last_guard_refuses_a_fix_that_reaches_a_noqa_line(tmp_path: Path) -> None:
    buffer = "values = [\n    compute(),\n    other(),  # noqa: ASA301\n]\n"

    def rename_enclosing_list(
        original: cst.CSTNode, updated: cst.CSTNode, finding: Finding, file: FileFix
    ) -> cst.CSTNode:
        # A careless fixer: it edits the whole enclosing list, noqa line included.
        parent = file.metadata(ParentNodeProvider, file.metadata(ParentNodeProvider, original))
        assert isinstance(parent, cst.List)
        file.edit_enclosing(parent, lambda node: cst.parse_expression("[compute(), other2()]"))
        return updated

    careless = Fixer("ASA301", cst.Call, rename_enclosing_list, metadata=(ParentNodeProvider,))
    facts = facts_for_source("app/views.py", buffer.encode("utf-8"), tmp_path / "app" / "views.py")
    index = ProjectIndex(tmp_path, Settings(), [facts])
    with pytest.raises(FixError, match="line 3"):
        fix_source(buffer, [Finding("app/views.py", 2, 4, "ASA301", "ASA301 x")], facts, index, {"ASA301": careless})


def test_a_fix_that_parses_but_does_not_compile_is_refused(tmp_path: Path) -> None:
    # `ast.parse` accepts `await` in a sync function; the compiler does not, nor does the pass.
    buffer = "def show(user):\n    return user.account.groups\n"
    facts = facts_for_source("app/views.py", buffer.encode("utf-8"), tmp_path / "app" / "views.py")
    index = ProjectIndex(tmp_path, Settings(), [facts])
    finding = Finding("app/views.py", 2, 11, "ASA301", "ASA301 x", end_line=2, end_col=30)
    with pytest.raises(FixError, match="would not compile"):
        fix_source(buffer, [finding], facts, index, {"ASA301": LAZY_LOAD})
