"""Fixes and baseline degrade per file: a file LibCST or Python cannot take is left alone with one
line saying why, every other file is fixed or marked, and no native crash reaches the user.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import run_cli, write_project

from alchemy_lint.baseline import add_noqa
from alchemy_lint.fixes.guard import MAX_LIBCST_DEPTH, libcst_depth, libcst_recursion, libcst_refusal

#: One ASA103 (safe fix) on line 4 and one ASA101 (no fix) on line 8.
ADHOC = """\
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
Session = async_sessionmaker(engine)


def open_one():
    return AsyncSession(engine)
"""
FIXED_CALL = "async_sessionmaker(engine, expire_on_commit=False)"


def chain(operator: str, terms: int) -> str:
    return "x = " + f" {operator} ".join(["a"] * terms) + "\n"


@pytest.fixture
def deep_project(tmp_path: Path) -> Path:
    return write_project(
        tmp_path / "project",
        {
            "good.py": ADHOC,
            # Crashed LibCST's native parser (SIGSEGV, exit 139): the guard refuses it.
            "long_and.py": ADHOC + chain("and", 10_000),
            # Raised RecursionError in LibCST's visitor and stopped every fix: fixed now.
            "long_sum.py": ADHOC + chain("+", 400),
        },
    )


def test_fix_leaves_a_file_too_deep_for_libcst_and_fixes_the_others(deep_project: Path) -> None:
    before = (deep_project / "long_and.py").read_bytes()

    result = run_cli("check", "--fix", "--no-cache", ".", cwd=deep_project)

    assert result.returncode == 1, result.stderr  # the ASA101s remain
    assert "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warnings == [
        "alchemy-lint: warning: long_and.py: fixes not applied: too deeply nested for LibCST "
        f"(about 10,004 levels; at most {MAX_LIBCST_DEPTH})"
    ]
    assert (deep_project / "long_and.py").read_bytes() == before
    assert FIXED_CALL in (deep_project / "good.py").read_text(encoding="utf-8")
    assert FIXED_CALL in (deep_project / "long_sum.py").read_text(encoding="utf-8")


def test_diff_shows_the_fixes_of_every_file_libcst_can_take(deep_project: Path) -> None:
    result = run_cli("check", "--diff", "--no-cache", ".", cwd=deep_project)

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert [line for line in result.stdout.splitlines() if line.startswith("+++")] == [
        "+++ b/good.py",
        "+++ b/long_sum.py",
    ]
    assert "long_and.py: fixes not applied: too deeply nested for LibCST" in result.stderr


def test_baseline_marks_deep_files_and_names_the_one_python_cannot_parse(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "good.py": ADHOC,
            # `ast.dump` of this raised RecursionError and stopped the whole baseline.
            "long_sum.py": ADHOC + chain("+", 1_000),
            # Python's own parser gives up (ASA001): no marker can go in, the run goes on.
            "too_deep.py": ADHOC + chain("+", 5_000),
        },
    )

    result = run_cli("baseline", ".", cwd=root)

    assert "Traceback" not in result.stderr
    marked = ["good.py", "long_sum.py"]
    if python_parses(chain("+", 5_000)):
        # Python 3.10's parser takes any length of `a + a + ...`: every file is marked.
        assert (result.returncode, result.stdout) == (0, "")
        marked.append("too_deep.py")
    else:
        assert result.returncode == 1  # one finding could not be baselined
        assert result.stdout.splitlines() == [
            "too_deep.py:1:1: ASA001 cannot parse: too deeply nested for Python's parser (RecursionError) "
            "(not baselined: the file is too deeply nested for Python's parser)"
        ]
    for name in marked:
        assert "# noqa: ASA101, ASA103" in (root / name).read_text(encoding="utf-8")
    assert run_cli("check", "--no-cache", "good.py", "long_sum.py", cwd=root).returncode == 0


def python_parses(source: str) -> bool:
    import ast

    try:
        ast.parse(source)
    except (RecursionError, MemoryError, SyntaxError):
        return False
    return True


def depth(source: str) -> int:
    import ast

    return libcst_depth(ast.parse(source))


def test_each_boolean_operator_is_a_level_as_in_libcst() -> None:
    # `ast` has one BoolOp of 1,000 values; LibCST nests 999 BooleanOperations.
    assert depth(chain("and", 1_000)) - depth(chain("and", 10)) == 990
    assert depth(chain("+", 1_000)) - depth(chain("+", 10)) == 990


def test_a_nested_block_weighs_ten_levels() -> None:
    assert depth("if a:\n    if b:\n        pass\n") - depth("if a:\n    pass\n") == 10


def test_refusal_names_size_depth_and_parse_errors() -> None:
    assert libcst_refusal(ADHOC) is None
    assert libcst_refusal(chain("and", MAX_LIBCST_DEPTH)) is not None
    assert libcst_refusal("def broken(:\n") == "the file does not parse"
    assert libcst_refusal("x = " + "-" * 100_000 + "1\n") == "too deeply nested for Python's parser"


def test_libcst_recursion_restores_the_limit() -> None:
    before = sys.getrecursionlimit()
    with libcst_recursion():
        assert sys.getrecursionlimit() > MAX_LIBCST_DEPTH * 10
    assert sys.getrecursionlimit() == before


def test_baseline_reads_a_lone_carriage_return_as_python_does() -> None:
    # Line 1 ends in a lone CR: Python counts it as a line, and so must the markers.
    text = 'import a\rx = 1  # one\nSession = f()\ny = """\na\n"""\nOther = f()\n'
    assert add_noqa(text, {3: {"ASA103"}, 7: {"ASA103"}}) == (
        'import a\rx = 1  # one\nSession = f()  # noqa: ASA103\ny = """\na\n"""\nOther = f()  # noqa: ASA103\n'
    )


def test_an_elif_weighs_one_level_and_an_if_inside_else_a_block() -> None:
    single = "if a:\n    pass\n"
    assert depth(single + "elif b:\n    pass\n") - depth(single) == 1
    assert depth(single + "else:\n    if b:\n        pass\n") - depth(single) == 10
