"""ASA301 and the identity map, judged by path: a lazy many-to-one whose target the session holds
runs no SQL, unless a rollback (or an expiring commit) expired the held target on a path that
then reads. A rollback under `if fragment == "other":` never expires what a read under a later
`if fragment == "renamed":` finds, nor does one on a path that returns before the read, or in the
other side of an `if`; one later in a loop's body expires what the next iteration reads, when it
was obtained before the loop (not when the body obtains it again before the read). Each
case is linted, then run against real SQLAlchemy with aiosqlite (the harness passes "renamed" for
the `str` parameter, so the read's branch is the one that runs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_held_collections import MODELS
from test_loading_runtime import run_example
from test_reselected_rows import DB

from alchemy_lint.facts import extract_facts, parse_source

_HEAD = """\
from app.db import SessionLocal
from app.models import Project, Team


def describe(project: Project) -> str:
    return project.team.name


async def handle(fragment: str) -> str:
    async with SessionLocal() as session:
        team = await session.get(Team, 1)
        project = await session.get(Project, 1)
        names = [team.name if team else ""]
"""


def _handler(tail: str) -> str:
    return _HEAD + "".join(f"        {line}\n" if line else "\n" for line in tail.splitlines())


#: The devpush shape: the rollback under one value of a parameter, the read under another.
EXCLUSIVE_TESTS = _handler(
    """\
if fragment == "other":
    await session.rollback()
if fragment == "renamed":
    names.append(describe(project))
return ",".join(names)"""
)

#: The rollback on one side of an `if`, the read on the other.
OTHER_SIDE = _handler(
    """\
if len(fragment) > 10:
    await session.rollback()
else:
    names.append(describe(project))
return ",".join(names)"""
)

#: The path of the rollback returns before the read.
EARLY_RETURN = _handler(
    """\
if len(fragment) > 10:
    await session.rollback()
    return ""
names.append(describe(project))
return ",".join(names)"""
)

#: In a loop, the path of the rollback leaves the function.
RETURN_IN_LOOP = _handler(
    """\
for _ in range(2):
    if len(fragment) > 10:
        await session.rollback()
        return ""
    names.append(describe(project))
return ",".join(names)"""
)

#: The same test on both: the read's path ran the rollback.
SAME_TEST = _handler(
    """\
if fragment == "renamed":
    await session.rollback()
if fragment == "renamed":
    names.append(describe(project))  # ASA301
return ",".join(names)"""
)

#: The read after the branches join.
JOINED = _handler(
    """\
if fragment == "renamed":
    await session.rollback()
elif fragment == "other":
    pass
names.append(describe(project))  # ASA301
return ",".join(names)"""
)

#: The rollback later in the loop's body expires the team the next iteration's read finds (the
#: project is got again, fresh, each time): by place, main took the read as before the rollback.
NEXT_ITERATION = _handler(
    """\
for number in (1, 1):
    again = await session.get(Project, number)
    names.append(describe(again))  # ASA301
    await session.rollback()
return ",".join(names)"""
)


_LOOP_HEAD = """\
from sqlalchemy import select

from app.db import SessionLocal
from app.models import Project, Team


async def handle(fragment: str) -> str:
    names = [fragment]
    async with SessionLocal() as session:
"""

#: The target is obtained again in the loop's body before the read, after the commit later in
#: the body ran on the previous iteration: the commit reaches the read through the loop's back
#: edge, but what it expired was obtained again since.
OBTAINED_IN_LOOP = (
    _LOOP_HEAD
    + """\
        for number in (1, 1):
            team = await session.get(Team, number)
            project = (await session.scalars(select(Project).where(Project.team_id == team.id))).first()
            names.append(project.team.name)
            await session.commit()
    return ",".join(names)
"""
)

#: The commit, on an earlier line than the read, reaches it only through a `continue` and the
#: back edge: the next iteration gets the target again before it reads.
OBTAINED_AFTER_CONTINUE = (
    _LOOP_HEAD
    + """\
        for first in (True, False):
            team = await session.get(Team, 1)
            if first:
                await session.commit()
                continue
            project = (await session.scalars(select(Project).where(Project.team_id == team.id))).first()
            names.append(project.team.name)
    return ",".join(names)
"""
)


@pytest.mark.parametrize(
    ("handler", "raised"),
    [
        (EXCLUSIVE_TESTS, None),
        (OTHER_SIDE, None),
        (EARLY_RETURN, None),
        (RETURN_IN_LOOP, None),
        (SAME_TEST, "MissingGreenlet"),
        (JOINED, "MissingGreenlet"),
        (NEXT_ITERATION, "MissingGreenlet"),
        (OBTAINED_IN_LOOP, None),
        (OBTAINED_AFTER_CONTINUE, None),
    ],
    ids=[
        "exclusive-tests",
        "other-side",
        "early-return",
        "return-in-loop",
        "same-test",
        "joined",
        "next-iteration",
        "obtained-in-loop",
        "obtained-after-continue",
    ],
)
def test_a_held_target_is_expired_only_on_the_paths_of_its_rollback(
    handler: str, raised: str | None, tmp_path: Path
) -> None:
    root = write_project(tmp_path, {"app/db.py": DB, "app/models.py": MODELS, "app/routes.py": handler})
    expected = expected_lines(handler, "ASA301")
    assert [finding.line for finding in findings_in(root, "app/routes.py", "ASA301")] == expected
    outcome = run_example(root, "app/routes.py")
    assert outcome["error"] == raised, outcome
    if raised:
        assert outcome["line"] == 6, outcome  # `describe()`'s read of `project.team`


def _reached(handler: str) -> dict[int, tuple[int, ...]]:
    facts = extract_facts(parse_source(handler, "app/routes.py"), "app/routes.py", "app.routes", False)
    (loading,) = [function.loading for function in facts.functions if function.name == "handle"]
    assert loading is not None
    return dict(loading.reached)


def test_the_facts_list_the_reads_an_earlier_rollback_does_not_reach() -> None:
    # Line 15 rolls back: the read at 17 is on no path of it, the `return` at 18 on one.
    assert _reached(EXCLUSIVE_TESTS) == {17: ()}
    assert _reached(EARLY_RETURN) == {17: (), 18: ()}


def test_the_facts_list_the_reads_a_later_rollback_reaches_through_the_loop() -> None:
    # The rollback at 17 reaches the next iteration's `get()` (15) and read (16).
    assert _reached(NEXT_ITERATION) == {15: (17,), 16: (17,)}


def test_straight_line_code_lists_nothing() -> None:
    assert _reached(JOINED) == {}


def _looped(handler: str) -> dict[int, tuple[tuple[int, int], ...]]:
    facts = extract_facts(parse_source(handler, "app/routes.py"), "app/routes.py", "app.routes", False)
    (loading,) = [function.loading for function in facts.functions if function.name == "handle"]
    assert loading is not None
    return dict(loading.looped)


def test_the_facts_tell_the_expiries_that_reach_a_read_only_round_the_loop() -> None:
    # The rollback at 17 reaches 15 and 16 only round the loop, whose body starts at 15: the
    # team got at 12 counts as expired there, the project got again at 15 does not.
    assert _looped(NEXT_ITERATION) == {15: ((17, 15),), 16: ((17, 15),)}
    # The commit at 13 reaches the read at 16 only through the `continue` and round the loop.
    assert _looped(OBTAINED_AFTER_CONTINUE)[16] == ((13, 11),)
