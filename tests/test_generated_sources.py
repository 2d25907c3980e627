"""Hypothesis-generated sources, valid and broken, never crash the facts pass or a rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from alchemy_lint.config import Settings
from alchemy_lint.engine import check_file, facts_for_source
from alchemy_lint.index import ProjectIndex
from alchemy_lint.rules import RULES_BY_CODE

#: Pieces of async SQLAlchemy code (and some that are not code), shuffled and indented at random.
FRAGMENTS = (
    "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine",
    "from sqlalchemy.ext.asyncio import AsyncSession as S",
    "from sqlalchemy.orm import sessionmaker, relationship, DeclarativeBase, Mapped",
    "from sqlmodel.ext.asyncio.session import AsyncSession",
    "from contextlib import asynccontextmanager",
    "import sqlalchemy.ext.asyncio as sa_async",
    "from . import db",
    "from .. import models as m",
    "from app.db import SessionLocal, get_a_session",
    "engine = create_async_engine(url)",
    "SessionLocal = async_sessionmaker(engine)",
    "SessionLocal = async_sessionmaker(engine, expire_on_commit=False, **options)",
    "Factory = sessionmaker(engine, class_=AsyncSession)",
    "Factory = sessionmaker(engine, class_=sa_async.AsyncSession, expire_on_commit=True)",
    "S2 = S",
    "session = S(engine)",
    "session = sa_async.AsyncSession(bind=engine)",
    "global SessionLocal",
    "@asynccontextmanager",
    "@event.listens_for(engine.sync_engine, 'connect')",
    "async def get_a_session():",
    "def init_db(url):",
    "async def handler(session: AsyncSession, user_id: int) -> None:",
    "async def handler(session: 'AsyncSession | None' = None):",
    "class User(Base):",
    "class Base(AsyncAttrs, DeclarativeBase):",
    "class Repo:",
    "def __init__(self, session: AsyncSession):",
    "self.session = session",
    "groups: Mapped[list['Group']] = relationship(back_populates='users', lazy='selectin')",
    "orders = relationship('Order', lazy=lazy_mode)",
    "__tablename__ = 'users'",
    "async with session.begin():",
    "async with SessionLocal.begin() as session:",
    "async with self.session.begin_nested() as tx:",
    "async with SessionLocal() as session, other() as (a, b):",
    "async with get_a_session() as session:",
    "with Factory() as s:",
    "await session.commit()",
    "await tx.rollback()",
    "await self.session.commit()",
    "session.commit()",
    "yield session",
    "yield",
    "return await session.get(User, user_id)",
    "for item in items:",
    "while True:",
    "async for row in await session.stream(q):",
    "if flag:",
    "else:",
    "try:",
    "except Exception:",
    "finally:",
    "lambda: async_sessionmaker(engine)",
    "[async_sessionmaker(e) for e in engines]",
    "x = (await session.execute(q)).scalars().all()",
    "print(f'{session!r:>{width}}')",
    "match x:",
    "case [a, *rest] if a:",
    "del session",
    "pass",
    "raise",
    "(",
    ")",
    "def",
    ":",
    "'''",
    "\\",
    "# noqa: ASA101",
    "x = 1  # noqa",
)

HEADERS = tuple(fragment for fragment in FRAGMENTS if fragment.endswith(":") and len(fragment) > 1)
SIMPLE = tuple(fragment for fragment in FRAGMENTS if not fragment.endswith(":") and not fragment.startswith("@"))


def _indent(block: list[str]) -> list[str]:
    return ["    " + line for line in block]


# Mostly valid programs: every block header gets an indented body, so that the facts pass
# (not only the parser) sees deep and odd combinations.
blocks = st.recursive(
    st.lists(st.sampled_from(SIMPLE), min_size=1, max_size=3),
    lambda inner: st.tuples(st.sampled_from(HEADERS), inner, inner).map(
        lambda parts: [parts[0], *_indent(parts[1]), *parts[2]]
    ),
    max_leaves=25,
)
programs = blocks.map(lambda block: "".join(line + "\n" for line in block))

lines = st.tuples(st.integers(min_value=0, max_value=3), st.sampled_from(FRAGMENTS) | st.text(max_size=12))
sources = st.lists(lines, max_size=20).map(
    lambda picked: "".join("    " * depth + text + "\n" for depth, text in picked)
)


@pytest.mark.long
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(main=programs | sources, other=programs | sources, newline=st.sampled_from(["\n", "\r\n"]))
# Found by a newer Hypothesis: a lone carriage return ends a line for Python, so the parse error
# is on line 5 of what has four "\n".
@example(main="\r0\n\r0\nasync with session.begin():\n", other="", newline="\n")
# Found by a newer Hypothesis: a NUL after an indented line under a noqa comment, where Python
# 3.13.0's tokenizer raised SystemError instead of its TokenError.
@example(main="", other="# noqa: ASA101\n    import sqlalchemy\n\x00\n", newline="\n")
def test_generated_sources_never_crash(main: str, other: str, newline: str) -> None:
    root = Path("/nonexistent-project")
    encoded = main.replace("\n", newline).encode("utf-8", errors="surrogatepass")
    files = [
        facts_for_source("app/handlers.py", encoded, root / "app" / "handlers.py"),
        facts_for_source("app/db.py", other.encode("utf-8", errors="surrogatepass"), root / "app" / "db.py"),
    ]
    index = ProjectIndex(root, Settings(), files)
    # Python ends a line at "\r\n", "\n" and a lone "\r" (a generated fragment may hold one).
    line_count = len(re.split(r"\r\n|\r|\n", main))
    for finding in check_file(files[0], index, Settings()):
        assert finding.code in RULES_BY_CODE
        assert finding.message.startswith(finding.code + " ")
        assert "\n" not in finding.message
        assert 1 <= finding.line <= line_count
        assert finding.col >= 0
