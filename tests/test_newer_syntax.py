"""Code of every Python version, read on any supported Python: syntax newer than the running
Python is read through LibCST and lowered in place, so findings keep their lines and columns.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import reported, run_cli, write_project

from alchemy_lint.facts import extract_facts
from alchemy_lint.parsing import parse_source
from alchemy_lint.parsing.constructs import RUNNING, TYPE_STATEMENT, UNPARENTHESISED_EXCEPT, hint_for_line
from alchemy_lint.parsing.fallback import parse_lowered

#: A project whose session alias is declared by a `type` statement (3.12), whose repository is
#: generic with a type parameter default (3.13), and one of whose jobs uses `except A, B:` (3.14).
NEWER_SYNTAX_PROJECT = {
    "app/__init__.py": "",
    "app/db.py": """\
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionFactory = async_sessionmaker(engine, expire_on_commit=False)


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionFactory() as session:
        yield session


type SessionDep = Annotated[AsyncSession, Depends(get_session)]
type Rows[T] = list[T]
""",
    "app/models.py": """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
""",
    "app/repository.py": """\
from app.db import SessionDep


class Repository[Model, Key = int]:
    def __init__(self, session: SessionDep, model: type[Model]) -> None:
        self.session = session
        self.model = model

    async def get(self, key: Key) -> Model | None:
        return await self.session.get(self.model, key)
""",
    # Syntax every supported Python reads, so that flake8 hands the plugin its tree.
    "app/handlers.py": """\
import asyncio

from app.db import SessionDep
from app.models import Order
from app.repository import Repository


async def load_pair(session: SessionDep, first: int, second: int) -> list[Order | None]:
    orders = Repository(session, Order)
    return await asyncio.gather(orders.get(first), orders.get(second))
""",
    "app/jobs.py": """\
from app.db import SessionDep


async def close[Item](session: SessionDep, item: Item) -> Item:
    try:
        async with session.begin():
            await session.commit()
    except ValueError, LookupError:
        label = f"{"closed"!r:>{10}}"
        raise RuntimeError(label) from None
    return item
""",
}


def test_a_project_in_newer_syntax_gets_the_findings_of_a_python_that_reads_it(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", NEWER_SYNTAX_PROJECT)

    result = run_cli("check", "--no-cache", ".", cwd=root)

    assert result.stderr == ""
    # What Python 3.13 finds (3.14 for app/jobs.py), on every Python: the shared session through
    # the generic repository, found through the `type` alias, and the commit inside a file that
    # no Python before 3.14 reads.
    assert reported(result.stdout) == [
        ("app/handlers.py", 10, 18, "ASA201"),
        ("app/jobs.py", 7, 19, "ASA401"),
    ]


def test_flake8_finds_through_a_session_alias_declared_in_newer_syntax(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", NEWER_SYNTAX_PROJECT)

    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "ASA", "app/handlers.py"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.stderr == ""
    assert [line.split(" ")[:2] for line in result.stdout.splitlines()] == [["app/handlers.py:10:18:", "ASA201"]]


def test_a_type_statement_is_a_type_alias_in_the_facts() -> None:
    source = """\
from typing import TYPE_CHECKING, Annotated

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

type Db = "AsyncSession"
type SessionDep[T] = Annotated[AsyncSession, T]
"""
    facts = extract_facts(parse_source(source.encode(), "app/deps.py"), "app/deps.py", "app.deps", False)
    assert {name: alias.target for name, alias in facts.type_aliases.items()} == {
        "Db": "sqlalchemy.ext.asyncio.AsyncSession",
        "SessionDep": "sqlalchemy.ext.asyncio.AsyncSession",
    }


# -- positions: every line, and the column of everything outside the lowered spans ------------

LOWERED = """\
class Repo[
    Model: Base,
    Key = int,
](Generic):
    async def get[T](self, key: Key) -> Model:
        return await self.session.get(self.model, key)
type Alias[T] = dict[str, T]
try:
    pass
except ValueError, KeyError: handle(error)
label = f"{"closed"!r:>{width}} {rows["id"]}"
query = t"select {column} from {table}"
lazy import os.path
flat = [*row for row in rows]
"""


def _position(tree: ast.AST, kind: type[ast.AST], text: str) -> tuple[int, int, int, int]:
    """Where the one node of `kind` whose source is `text` sits."""
    found = [
        (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
        for node in ast.walk(tree)
        if isinstance(node, kind) and ast.unparse(node) == text
    ]
    assert len(found) == 1, (kind, text, found)
    line, column, end_line, end_column = found[0]
    assert end_line is not None and end_column is not None
    return line, column, end_line, end_column


@pytest.mark.parametrize(
    ("kind", "text", "position"),
    [
        (ast.Name, "Generic", (4, 2, 4, 9)),
        (ast.Call, "self.session.get(self.model, key)", (6, 21, 6, 54)),
        (ast.Name, "Key", (5, 32, 5, 35)),
        (ast.Name, "Alias", (7, 5, 7, 10)),
        (ast.Subscript, "dict[str, T]", (7, 16, 7, 28)),
        (ast.Name, "ValueError", (10, 7, 10, 17)),
        (ast.Name, "KeyError", (10, 19, 10, 27)),
        # After the `)` that `except (ValueError, KeyError):` needed: moved back.
        (ast.Call, "handle(error)", (10, 29, 10, 42)),
        (ast.Name, "width", (11, 24, 11, 29)),
        (ast.Subscript, "rows['id']", (11, 33, 11, 43)),
        (ast.Name, "column", (12, 18, 12, 24)),
        (ast.Name, "table", (12, 32, 12, 37)),
        (ast.alias, "os.path", (13, 12, 13, 19)),
        (ast.Starred, "*row", (14, 8, 14, 12)),
    ],
)
def test_lowering_keeps_lines_and_columns(kind: type[ast.AST], text: str, position: tuple[int, int, int, int]) -> None:
    tree = parse_lowered(LOWERED, "lowered.py", (3, 10))
    assert _position(tree, kind, text) == position


#: What `LOWERED` says in the syntax of Python 3.10, but for its last line (no 3.10 spelling).
OLDER_EQUIVALENT = """\
class Repo(Generic):
    async def get(self, key: Key) -> Model:
        return await self.session.get(self.model, key)
Alias: typing.TypeAlias = dict[str, T]
try:
    pass
except (ValueError, KeyError): handle(error)
label = f"{'closed'!r:>{width}} {rows['id']}"
query = f"select {column} from {table}"
import os.path
"""


def test_lowered_nodes_read_as_their_older_equivalents() -> None:
    tree = parse_lowered(LOWERED, "lowered.py", (3, 10))
    *older, flat = tree.body
    assert _dump(ast.Module(older, [])) == _dump(ast.parse(OLDER_EQUIVALENT))
    assert ast.unparse(flat) == "flat = [*row for row in rows]"


def test_a_decorator_is_restored_though_it_stands_before_its_function() -> None:
    # The rebuild leaves alone every statement that spans no lowered line; a decorator's lines come
    # before its function's `lineno`, and must still count as the function's.
    tree = parse_lowered('@route(f"{"/orders"}")\nasync def handler():\n    pass\n', "routes.py", (3, 10))
    handler = tree.body[0]
    assert isinstance(handler, ast.AsyncFunctionDef)
    decorator = handler.decorator_list[0]
    assert isinstance(decorator, ast.Call)
    assert isinstance(decorator.args[0], ast.JoinedStr)


def _dump(tree: ast.AST) -> str:
    # Python 3.12.1 ends a format spec with an empty literal, which later versions do not.
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            node.values = [part for part in node.values if not (isinstance(part, ast.Constant) and part.value == "")]
    return ast.dump(tree)


def _positions(tree: ast.AST, skip: set[int]) -> list[tuple[str, int, int, int | None, int | None]]:
    return sorted(
        (type(node).__name__, node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
        for node in ast.walk(tree)
        if isinstance(node, (ast.expr, ast.stmt)) and id(node) not in skip
    )


def _lowered_away(tree: ast.AST) -> set[int]:
    """Nodes the lowering changes by design: type parameters, a `type` statement's own node, the
    literal parts of f-strings (their fields stay), and `except*` (a plain `try` before 3.11)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        for parameter in getattr(node, "type_params", ()):
            skip.update(id(inner) for inner in ast.walk(parameter))
        if type(node).__name__ in ("TypeAlias", "AnnAssign", "TryStar", "Try"):
            skip.add(id(node))
        if isinstance(node, ast.AnnAssign):
            skip.update(id(inner) for inner in ast.walk(node.annotation))
        if isinstance(node, ast.JoinedStr):
            skip.add(id(node))
            skip.update(id(part) for part in node.values if isinstance(part, ast.Constant))
            for part in node.values:
                if isinstance(part, ast.FormattedValue) and part.format_spec is not None:
                    skip.update(id(inner) for inner in ast.walk(part.format_spec) if not isinstance(inner, ast.Name))
    return skip


#: Constructs of Python 3.11 to 3.13, read natively by 3.12 or 3.13 and lowered for 3.10.
NATIVE_ON_312 = """\
from typing import Generic


class Repository[Model: Base, *Shape, **Params](Generic):
    async def get[T](self, key: T, *rows: *Shape) -> Model | None:
        item = await self.session.get(self.model, key)
        return f"{item.name!r:>{width}} {rows[0]["id"]} {"\\n".join(names)}"


type SessionDep[T] = Annotated[AsyncSession, Depends(get_session)]


class Tagged[Label: "étiquette"](Generic):
    title = f"« {Label} » {(yield)!s:{'é'}>{10}}"


def combine[K, V](
    left: dict[K, V],
    right: dict[K, V],
) -> dict[K, V]:
    try:
        return left | right
    except* (TypeError, ValueError) as group:
        log(group, f"{
            len(left)
        } and {len(right)}")
        raise
"""


@pytest.mark.skipif(sys.version_info < (3, 12), reason="compares with the tree of a Python that reads it natively")
def test_lowered_tree_has_every_position_of_the_native_tree() -> None:
    native = ast.parse(NATIVE_ON_312)
    lowered = parse_lowered(NATIVE_ON_312, "native.py", (3, 10))

    assert _positions(lowered, _lowered_away(lowered)) == _positions(native, _lowered_away(native))


# -- the fallback as the engine uses it ---------------------------------------------------------


def test_a_file_in_syntax_no_python_before_3_14_reads_parses_on_every_python() -> None:
    source = b"try:\n    pass\nexcept KeyError, ValueError:\n    session.rollback()\n"
    tree = parse_source(source, "job.py")
    statement = tree.body[0]
    assert isinstance(statement, ast.Try)
    caught = statement.handlers[0].type
    assert caught is not None and ast.unparse(caught) == "(KeyError, ValueError)"
    assert _position(tree, ast.Call, "session.rollback()") == (4, 4, 4, 22)


def test_a_coding_cookie_and_a_bom_are_honoured_by_the_fallback() -> None:
    latin = "# -*- coding: latin-1 -*-\nname = 'café'\ntry:\n    pass\nexcept A, B:\n    pass\n".encode("latin-1")
    assert _position(parse_source(latin, "latin.py"), ast.Constant, "'café'") == (2, 7, 2, 14)
    bom = b"\xef\xbb\xbftry:\n    pass\nexcept A, B:\n    pass\n"
    assert _position(parse_source(bom, "bom.py"), ast.Name, "B") == (3, 10, 3, 11)


@pytest.mark.parametrize("line_end", ["\r\n", "\r"])
def test_line_endings_keep_lines_and_columns(line_end: str) -> None:
    source = 'class Repo[T](Base):\n    label = f"{row["id"]}"\ntry:\n    pass\nexcept A, B: retry(label)\n'
    expected = parse_source(source.encode(), "lf.py")
    ended = parse_source(source.replace("\n", line_end).encode(), "ended.py")
    assert ast.dump(ended, include_attributes=True) == ast.dump(expected, include_attributes=True)
    assert _position(ended, ast.Call, "retry(label)") == (5, 13, 5, 25)


def test_an_error_a_newer_python_reports_is_reported_where_it_is() -> None:
    # LibCST reads the bytes literal; Python rejects it, with or without the `except A, B:`.
    source = b'try:\n    pass\nexcept A, B:\n    pass\nx = b"\xc3\xa9"\n'
    with pytest.raises(SyntaxError) as raised:
        parse_source(source, "bad.py")
    assert (raised.value.msg, raised.value.lineno) == ("bytes can only contain ASCII literal characters", 5)


def test_a_file_no_parser_reads_names_the_newer_construct_on_its_line() -> None:
    # Never closed: no parser reads the file, so the message names what the rejected line uses.
    source = b"try:\n    pass\nexcept A, B:\n    pass\nx = (\n"
    with pytest.raises(SyntaxError) as raised:
        parse_source(source, "bad.py")
    if UNPARENTHESISED_EXCEPT.since > RUNNING:
        assert raised.value.lineno == 3
        assert raised.value.msg.endswith(
            "; `except A, B:` without parentheses needs Python 3.14 or newer (PEP 758), "
            f"this is Python {RUNNING[0]}.{RUNNING[1]}"
        )
    else:
        assert raised.value.lineno == 5


def test_a_line_hint_names_only_what_the_running_python_lacks() -> None:
    assert hint_for_line("type SessionDep = AsyncSession", running=(3, 11)) is TYPE_STATEMENT
    assert hint_for_line("type SessionDep = AsyncSession", running=(3, 12)) is None
    assert hint_for_line("except KeyError, ValueError:", running=(3, 13)) is UNPARENTHESISED_EXCEPT
    assert hint_for_line("kind = type(value)", running=(3, 11)) is None


def test_asa001_names_the_construct_when_no_parser_reads_the_file(tmp_path: Path) -> None:
    source = "lazy import json\nvalue = (\n"
    root = write_project(tmp_path / "project", {"app/broken.py": source})

    result = run_cli("check", "--no-cache", "--select", "ASA001", ".", cwd=root)

    assert result.stderr == ""
    assert [(path, line) for path, line, _, _ in reported(result.stdout)] == [("app/broken.py", 1)]
    assert "`lazy import` needs Python 3.15 or newer (PEP 810)" in result.stdout


def test_nesting_deeper_than_any_python_reads_is_not_handed_to_libcst(tmp_path: Path) -> None:
    deep = 5_000
    source = "type Alias = int\nx = " + "(" * deep + "1" + ")" * deep + "\n"
    root = write_project(tmp_path / "project", {"app/deep.py": source, "app/shallow.py": _nested(150)})

    result = run_cli("check", "--no-cache", "--select", "ASA001", ".", cwd=root)

    assert result.stderr == ""
    assert [(path, code) for path, _, _, code in reported(result.stdout)] == [("app/deep.py", "ASA001")]


def _nested(depth: int) -> str:
    """Newer syntax, and nesting that every Python reads: LibCST must read it without a crash."""
    return "type Alias = int\nx = " + "(" * depth + "1" + ")" * depth + "\n" + "y = " + "-" * 2_000 + "1\n"
