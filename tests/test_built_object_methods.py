"""ASA301 through a method of an object the function builds (`Presenter().render(user)`, or
`presenter = Presenter()` first) or of a model (`order.describe(user)`), handed an ORM object
whose relationship the method reads: the method's summary says what it reads, as a module
function's or an annotated parameter's method already did. Runtime cases run against real
SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

KEEPING_DB = (
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
    "from sqlalchemy.pool import StaticPool\n"
    'engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)\n'
    "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
)

PRESENTERS = """\
from app.db_models import User


def order_count(user: User) -> int:
    return len(user.orders)


class Presenter:
    def count(self, user: User) -> int:
        return len(user.orders)

    def count_through_a_helper(self, user: User) -> int:
        return order_count(user)

    def name(self, user: User) -> str:
        return user.name
"""


def _handler(body: str) -> str:
    return (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "\n"
        "from app.db_models import User\n"
        "from app.presenters import Presenter\n"
        "\n\n"
        "async def show(session: AsyncSession) -> int:\n"
        "    user = await session.get(User, 1)\n"
        "    assert user is not None\n" + body
    )


#: Each case: the body after the `get`, and the error a run raises (None: it runs clean).
CASES = {
    "method_of_an_object_built_in_place": ("    return Presenter().count(user)  # ASA301\n", "MissingGreenlet"),
    "method_of_an_object_built_first": (
        "    presenter = Presenter()\n    return presenter.count(user)  # ASA301\n",
        "MissingGreenlet",
    ),
    "method_that_hands_it_on": (
        "    presenter = Presenter()\n    return presenter.count_through_a_helper(user)  # ASA301\n",
        "MissingGreenlet",
    ),
    "method_that_reads_a_column_only": ("    return len(Presenter().name(user))\n", None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_method_of_a_built_object_reads_what_it_is_handed(tmp_path: Path, case: str) -> None:
    body, error = CASES[case]
    handler = _handler(body)
    files = {"app/db_models.py": MODELS, "app/db.py": KEEPING_DB, "app/presenters.py": PRESENTERS}
    root = write_project(tmp_path / "project", {**files, "app/handlers.py": handler})
    expected = expected_lines(handler, "ASA301")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == expected
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error
    if error is not None:
        assert outcome["line"] == expected[0]
