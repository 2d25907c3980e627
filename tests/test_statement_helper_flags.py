"""A plain `def` that builds a statement and adds a loader only under a test on its parameter
(`if include_prompt: stmt = stmt.options(...)`, or appended to a list of options), judged per call
from what the caller passes: a literal that passes the test gives the loader, anything else leaves
it maybe there (reported). Each case runs against SQLAlchemy with aiosqlite (two rows per table):
a reported read raises MissingGreenlet, a silent one runs clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, expected_lines, findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Prompt(Base):
    __tablename__ = "prompts"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str]


class Experiment(Base):
    __tablename__ = "experiments"
    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id"))
    prompt: Mapped[Prompt] = relationship()
"""

QUERIES = """\
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db_models import Experiment


def reassigned(include_prompt: bool = False):
    stmt = select(Experiment)
    if include_prompt:
        stmt = stmt.options(selectinload(Experiment.prompt))
    return stmt


def listed(include_prompt: bool = False):
    options = []
    if include_prompt:
        options.append(selectinload(Experiment.prompt))
    return select(Experiment).options(*options)


class Queries:
    def base(self, include_prompt: bool = False):
        stmt = select(Experiment)
        if include_prompt:
            stmt = stmt.options(selectinload(Experiment.prompt))
        return stmt

    async def text(self, session, experiment_id: int) -> str:
        statement = self.base(include_prompt=True).where(Experiment.id == experiment_id)
        experiment = (await session.execute(statement)).scalar_one()
        return experiment.prompt.text
"""

HEADER = """\
from app.db import SessionLocal
from app.db_models import Experiment
from app.queries import Queries, listed, reassigned


async def run(experiment_id: int) -> str:
    async with SessionLocal() as session:
"""

#: Each case: the body, and the error a run raises (None: it runs clean).
CASES = {
    "keyword_true": (
        "        statement = reassigned(include_prompt=True).where(Experiment.id == experiment_id)\n"
        "        experiment = (await session.execute(statement)).scalar_one()\n"
        "        return experiment.prompt.text\n",
        None,
    ),
    "positional_true_in_a_list_of_options": (
        "        experiment = (await session.scalars(listed(True))).first()\n        return experiment.prompt.text\n",
        None,
    ),
    "a_method_of_the_class": ("        return await Queries().text(session, experiment_id)\n", None),
    "keyword_false": (
        "        statement = reassigned(include_prompt=False).where(Experiment.id == experiment_id)\n"
        "        experiment = (await session.execute(statement)).scalar_one()\n"
        "        return experiment.prompt.text  # ASA301\n",
        "MissingGreenlet",
    ),
    "default_left": (
        "        experiment = (await session.scalars(listed())).first()\n"
        "        return experiment.prompt.text  # ASA301\n",
        "MissingGreenlet",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_statement_helper_s_flag_is_judged_at_each_call(tmp_path: Path, case: str) -> None:
    body, error = CASES[case]
    handler = HEADER + body
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": async_database(expire_on_commit=False),
        "app/queries.py": QUERIES,
        "app/handlers.py": handler,
    }
    root = write_project(tmp_path / "project", files)
    expected = expected_lines(handler, "ASA301")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == expected
    assert findings_in(root, "app/queries.py", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error, outcome
    if error is not None:
        assert outcome["line"] == expected[0]
