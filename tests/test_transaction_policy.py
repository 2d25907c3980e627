"""ASA402 across a project: the three policy settings, the counts in the message, the parameter rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project

DB = (
    "from sqlalchemy.ext.asyncio import async_sessionmaker\nSessionLocal = async_sessionmaker(expire_on_commit=False)\n"
)
EXPLICIT = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def rename(session: AsyncSession, user, name: str) -> None:
    user.name = name
    await session.commit()


async def archive(session: AsyncSession, user) -> None:
    await session.delete(user)
    await session.commit()


async def activate(session: AsyncSession, user) -> None:
    user.active = True
    await session.commit()
"""
UNIT_OF_WORK = """\
from app.db import SessionLocal


async def close_order(order_id: int) -> None:
    async with SessionLocal.begin() as session:
        await session.execute(close_statement(order_id))
"""


def policy_project(root: Path, policy: str | None) -> Path:
    config = f'transaction-policy = "{policy}"' if policy else ""
    files = {"app/db.py": DB, "app/users.py": EXPLICIT, "app/orders.py": UNIT_OF_WORK}
    return write_project(root, files, config)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (None, [("app/orders.py", 5)]),
        ("auto", [("app/orders.py", 5)]),
        ("explicit", [("app/orders.py", 5)]),
        ("unit-of-work", [("app/users.py", 6), ("app/users.py", 11), ("app/users.py", 16)]),
    ],
)
def test_policy_setting_decides_which_sites_are_flagged(
    tmp_path: Path, policy: str | None, expected: list[tuple[str, int]]
) -> None:
    root = policy_project(tmp_path / "p", policy)
    found = findings_in(root, ".", "ASA402")
    assert [(f.path, f.line) for f in found] == expected


def test_auto_names_the_counts_that_decided(tmp_path: Path) -> None:
    root = policy_project(tmp_path / "p", None)
    (finding,) = findings_in(root, ".", "ASA402")
    assert "explicit (auto: 3 commit() sites vs 1 begin() block, a two-thirds majority)" in finding.message
    assert "async with SessionLocal.begin()" in finding.message


def test_auto_lets_unit_of_work_win_a_majority(tmp_path: Path) -> None:
    block = UNIT_OF_WORK.split("\n\n\n", 1)[1]
    more_blocks = UNIT_OF_WORK + block.replace("close_order", "ship_order") + block.replace("close_order", "bill")
    root = write_project(
        tmp_path / "p",
        {
            "app/db.py": DB,
            "app/users.py": EXPLICIT.split("\n\n\nasync def archive")[0] + "\n",
            "app/orders.py": more_blocks,
        },
    )
    (finding,) = findings_in(root, ".", "ASA402")
    assert (finding.path, finding.line) == ("app/users.py", 6)
    assert "unit-of-work (auto: 1 commit() site vs 3 begin() blocks, a two-thirds majority)" in finding.message


@pytest.mark.parametrize(
    ("commits", "blocks"),
    [
        pytest.param(1, 1, id="one-of-each"),
        pytest.param(2, 1, id="a-majority-of-two"),
        pytest.param(3, 3, id="a-tie"),
        pytest.param(5, 3, id="no-two-thirds-majority"),
    ],
)
def test_auto_has_no_policy_on_a_tie_or_too_few_sites(tmp_path: Path, commits: int, blocks: int) -> None:
    commit = "\n\nasync def c{n}(session: AsyncSession) -> None:\n    await session.commit()\n"
    begin = "\n\nasync def b{n}(session: AsyncSession) -> None:\n    async with session.begin():\n        pass\n"
    source = "from sqlalchemy.ext.asyncio import AsyncSession\n" + "".join(
        [commit.format(n=n) for n in range(commits)] + [begin.format(n=n) for n in range(blocks)]
    )
    root = write_project(tmp_path / "p", {"app/script.py": source})
    assert findings_in(root, ".", "ASA402") == []


def test_one_policy_is_clean_whatever_the_setting(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/db.py": DB, "app/users.py": EXPLICIT}, 'transaction-policy = "auto"')
    assert findings_in(root, ".", "ASA402") == []


def test_commit_and_begin_on_a_received_session_is_flagged_under_any_policy(tmp_path: Path) -> None:
    source = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def transfer(session: AsyncSession, source, target) -> None:
    source.balance -= 10
    await session.commit()
    async with session.begin():
        target.balance += 10
"""
    for policy in ("auto", "explicit", "unit-of-work"):
        root = write_project(tmp_path / policy, {"app/bank.py": source}, f'transaction-policy = "{policy}"')
        commits = [f for f in findings_in(root, ".", "ASA402") if f.line == 6]
        assert len(commits) == 1, policy
        assert "transfer() both calls session.commit() and opens session.begin()" in commits[0].message


def test_sessions_without_evidence_do_not_count(tmp_path: Path) -> None:
    source = """\
async def sync(session, client) -> None:
    await session.commit()
    async with client.begin():
        await client.flush()
"""
    root = write_project(tmp_path / "p", {"app/db.py": DB, "app/orders.py": UNIT_OF_WORK, "app/http.py": source})
    assert findings_in(root, ".", "ASA402") == []


def test_extra_session_types_give_evidence_for_project_wrappers(tmp_path: Path) -> None:
    wrapper = "class UnitOfWork:\n    async def commit(self) -> None: ...\n"
    service = (
        "from app.uow import UnitOfWork\n"
        "async def rename(uow: UnitOfWork, user, name: str) -> None:\n"
        "    user.name = name\n"
        "    await uow.commit()\n"
    )
    files = {"app/db.py": DB, "app/uow.py": wrapper, "app/users.py": service, "app/orders.py": UNIT_OF_WORK}
    plain = write_project(tmp_path / "plain", files, 'transaction-policy = "unit-of-work"')
    assert findings_in(plain, ".", "ASA402") == []
    configured = write_project(
        tmp_path / "configured",
        files,
        'transaction-policy = "unit-of-work"\nextra-session-types = ["app.uow.UnitOfWork"]',
    )
    assert [(f.path, f.line) for f in findings_in(configured, ".", "ASA402")] == [("app/users.py", 4)]
