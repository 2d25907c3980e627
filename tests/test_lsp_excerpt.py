"""Quick fixes on an excerpt of the buffer: the same edits as `check --fix` on the whole file.

LibCST sees the finding's statement, its enclosing headers and the top-level imports, line for
line; the rest of the buffer is placeholders. These tests hold the excerpt to the whole-file fix.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import write_project
from test_lsp_actions import apply_changes

from alchemy_lint.fixes.apply import fix_source
from alchemy_lint.fixes.guard import libcst_refusal
from alchemy_lint.fixes.registry import FIXERS
from alchemy_lint.lsp.actions import Buffer, TextChange, actions_for, library_fixers
from alchemy_lint.lsp.excerpt import build_excerpt, find_place
from alchemy_lint.lsp.projects import ProjectCache
from alchemy_lint.lsp.spans import buffer_lines

HEAD = """\
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker

engine = create_async_engine("sqlite+aiosqlite://")
"""

NESTED = """
class Registry:
    @staticmethod
    def build(flag):
        if flag:
            pass
        elif flag is None:
            try:
                maker = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
            except ValueError:
                maker = None
        with open("x") as stream:
            stream.read()
        return maker
"""


def unrelated(count: int, start: int = 0) -> str:
    return "".join(
        f"\n\ndef unrelated_{number}(value):\n    total = value + {number}\n    return total\n"
        for number in range(start, start + count)
    )


def _fixes(tmp_path: Path, text: str) -> tuple[tuple[TextChange, ...], str]:
    """The ASA104 quick fix's edits, and the whole-file fix that `check --fix` makes."""
    root = write_project(tmp_path / "project", {"app/__init__.py": ""})
    path = root / "app/factories.py"
    cache = ProjectCache()
    (finding,) = [finding for finding in cache.check_buffer(path, text) if finding.code == "ASA104"]
    checked_with = cache.checked_with(path)
    assert checked_with is not None
    place = find_place(ast.parse(text), buffer_lines(text), finding.line, finding.col)
    assert place is not None
    fix, _ = actions_for(Buffer.of(text), finding, library_fixers(), checked_with, place)
    assert fix.title.startswith("Fix ASA104")
    whole = fix_source(text, [finding], checked_with.facts, checked_with.index, FIXERS)
    return fix.changes, whole.text


def test_the_excerpt_fix_is_the_whole_file_fix_with_its_import_edits(tmp_path: Path) -> None:
    text = HEAD + unrelated(300) + NESTED + unrelated(300, 300)
    changes, whole = _fixes(tmp_path, text)
    fixed = apply_changes(text, changes)
    assert fixed == whole
    assert "from sqlalchemy.orm import sessionmaker" not in fixed  # the import the fix left unused went
    assert len(changes) == 2  # the import line and the call: the rest of the buffer is not rewritten


def test_a_name_used_outside_the_excerpt_keeps_its_import(tmp_path: Path) -> None:
    text = HEAD + unrelated(50) + NESTED + "\n\nLEGACY = sessionmaker\n"
    changes, whole = _fixes(tmp_path, text)
    fixed = apply_changes(text, changes)
    assert fixed == whole
    assert "from sqlalchemy.orm import sessionmaker" in fixed


def test_the_excerpt_shows_the_statement_its_headers_and_the_imports_only() -> None:
    text = HEAD + unrelated(2_000) + NESTED + unrelated(2_000, 2_000)
    line = next(number for number, content in enumerate(text.splitlines(), 1) if "maker = sessionmaker" in content)
    lines = buffer_lines(text)
    col = lines[line - 1].index("sessionmaker")
    place = find_place(ast.parse(text), lines, line, col)
    assert place is not None
    excerpt = build_excerpt(Buffer.of(text).with_ends, place)
    assert "unrelated_" not in excerpt.text and "unrelated_" in excerpt.unseen
    shown = [content for content in excerpt.text.splitlines() if content.strip()]
    assert len(shown) < 20  # imports, class and def headers, stand-ins for if/try, the statement
    assert excerpt.text.splitlines()[line - 1] == lines[line - 1]  # line numbers kept
    assert libcst_refusal(excerpt.text) is None


@pytest.mark.parametrize(
    ("source", "safe"),
    [
        pytest.param("x = " + " + ".join(["a"] * 400) + "\n", True, id="400-term-sum"),
        pytest.param("x = " + " and ".join(["a"] * 10_000) + "\n", False, id="10000-term-and"),
        pytest.param("x = " + " + ".join(["a"] * 20) + "\n", True, id="20-term-sum"),
        pytest.param("x = (\n", False, id="does-not-parse"),
    ],
)
def test_deep_or_broken_code_is_not_handed_to_libcst(source: str, safe: bool) -> None:
    # The editor's quick fixes share the fix layer's guard (fixes/guard.py).
    assert (libcst_refusal(source) is None) is safe
