"""The origins of an expression, kept between questions, are what a fresh reading would say.

The facts builder keeps the answer of `origins_of` for each expression while no name table nor
value table of the file has changed; these tests compare the facts it builds with those of a
builder that reads every answer afresh, on every rule example and on code that rebinds names
between two questions about the same expression.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

from alchemy_lint.facts import extract_facts, parse_source
from alchemy_lint.facts.extract import _FactsBuilder
from alchemy_lint.facts.model import FileFacts
from alchemy_lint.facts.values import Binding, ValueRef, ValueTable
from alchemy_lint.resolve import NameTable
from alchemy_lint.rules import ALL_RULES

REBINDING = """\
try:
    from app.db import SessionLocal
except ImportError:
    from app.fallback import SessionLocal
    SessionLocal = SessionLocal.begin

from sqlalchemy.ext.asyncio import AsyncSession


async def load(session: AsyncSession, maker=SessionLocal) -> None:
    session = session.begin_nested()
    async with maker() as other:
        session = other
        await session.execute("SELECT 1")
    for session in (other, maker()):
        await session.commit()
    maker = maker().begin
    async with maker() as maker:
        await maker.flush()

    async def inner() -> None:
        await session.commit()
        from app.other import SessionLocal

        async with SessionLocal() as session2:
            await session2.commit()

    await inner()
"""


def _sources() -> Iterator[tuple[str, str]]:
    yield "app/rebinding.py", REBINDING
    for rule in ALL_RULES:
        for example in (*rule.valid, *rule.invalid):
            yield example.path, example.source
            yield from example.others


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


def _facts(path: str, source: str) -> FileFacts:
    module = path.removesuffix(".py").replace("/", ".")
    return extract_facts(parse_source(source.encode(), path), path, module, False, source.encode())


def test_kept_origins_give_the_facts_a_fresh_reading_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = [(path, source) for path, source in _sources() if path.endswith(".py") and _parses(source)]
    kept = [_facts(path, source) for path, source in sources]
    # Every question read afresh: the reading asks about the parts through `origins_of` as well.
    monkeypatch.setattr(_FactsBuilder, "origins_of", _FactsBuilder._origins_read)
    fresh = [_facts(path, source) for path, source in sources]
    for (path, _), with_kept, without in zip(sources, kept, fresh, strict=True):
        assert with_kept == without, path


def test_every_change_to_a_files_tables_counts() -> None:
    module = NameTable()
    function = module.child()
    values = ValueTable("app.load", revision=module.revision)
    nested = ValueTable("app.load.inner", values, revision=module.revision)
    counts = [module.revision.count]
    module.bind("SessionLocal", "app.db.SessionLocal")
    counts.append(module.revision.count)
    function.forget("SessionLocal")
    counts.append(function.revision.count)
    binding = Binding(3, 4, None)
    values.bind("session", binding)
    counts.append(nested.revision.count)
    values.revise(binding, ValueRef("session", ()))
    counts.append(nested.revision.count)
    nested.bind("other", Binding(5, 4, None))
    counts.append(module.revision.count)
    assert counts == sorted(set(counts))  # each change counted, in one count for all of them
    assert binding.ref == ValueRef("session", ())


def test_an_expression_read_again_after_a_rebinding_is_read_afresh() -> None:
    source = "from app.db import SessionLocal\n\nfactory = SessionLocal\n"
    tree = parse_source(source.encode(), "app/setup.py")
    builder = _FactsBuilder("app/setup.py", "app.setup", False, source)
    value = tree.body[1]
    assert isinstance(value, ast.Assign)
    builder.module_table.bind("SessionLocal", "app.db.SessionLocal")
    before = builder.origins_of(value.value)
    builder.module_table.bind("SessionLocal", "app.other.SessionLocal")
    after = builder.origins_of(value.value)
    assert [origin.name for origin in (*before, *after)] == ["app.db.SessionLocal", "app.other.SessionLocal"]
