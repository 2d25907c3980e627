"""What `-j N` computes once for every rule worker, and what a finished run lets go of."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
from conftest import example_project, write_project

from alchemy_lint.config import settings_for
from alchemy_lint.engine import RunOptions, read_project
from alchemy_lint.index import ProjectAnalysis
from alchemy_lint.rules import ALL_RULES, Example, FileContext, Rule

DB_MODULE = "from sqlalchemy.ext.asyncio import async_sessionmaker\n\nSessionLocal = async_sessionmaker()\n"

CASES = [
    pytest.param(rule, example, id=f"{rule.code}-{kind}-{number}")
    for rule in ALL_RULES
    for kind, examples in (("valid", rule.valid), ("invalid", rule.invalid))
    for number, example in enumerate(examples)
]


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_a_rule_declares_the_whole_project_analyses_it_reads(rule: Rule, example: Example, tmp_path: Path) -> None:
    # Undeclared, the analysis is computed again in every rule worker (findings stay the same).
    root = example_project(tmp_path / "project", example).resolve()
    settings = settings_for(root, {"extend_select": (rule.code,)})
    project = read_project(root, settings, RunOptions(prefilter=False))
    index = project.index()
    facts = project.facts_of(project.sources[root / example.path])
    list(rule.check(rule, FileContext(facts, index, settings)))
    assert index.computed_analyses() <= rule.analyses


def test_prepare_computes_the_analyses_the_rules_would_compute_on_first_use(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "app/db.py": DB_MODULE,
            "app/main.py": "import asyncio\n\nfrom app.db import SessionLocal\n\nasync def main() -> None:\n"
            "    async with SessionLocal() as session:\n        await session.commit()\n\nasyncio.run(main())\n",
        },
    ).resolve()
    settings = settings_for(root, None)
    index = read_project(root, settings, RunOptions()).index()
    assert index.computed_analyses() == frozenset()
    index.prepare({ProjectAnalysis.RUN_ONCE})
    assert index.computed_analyses() == {ProjectAnalysis.RUN_ONCE}
    index.prepare(ProjectAnalysis)
    assert index.computed_analyses() == set(ProjectAnalysis)


def test_a_closed_project_is_freed_without_the_cyclic_collector(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {"app/db.py": DB_MODULE},
    ).resolve()
    project = read_project(root, settings_for(root, None), RunOptions())
    project.check(list(project.sources.values()))
    index = project.index()
    index.prepare(ProjectAnalysis)
    gone = weakref.ref(index)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        del index
        project.close()
        # Reference counting alone freed it: the analyses' references back to it were a cycle.
        assert gone() is None
    finally:
        if was_enabled:
            gc.enable()
