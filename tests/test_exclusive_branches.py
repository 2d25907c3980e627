"""ASA302 and exclusive branches: a route that serves several forms rolls back under
`if fragment == "connect":` and reads the object under a later `if fragment == "update":`. The
two tests compare one local name, which nothing binds in between, with distinct constants: no run
takes both, so the read never finds what the rollback expired. A name bound again in between, a
test of an attribute or of a module's name (which a call may change), the same constant, a
comparison with something other than a literal, or a read after the branches join, is reported.
Each case is linted, then run against real SQLAlchemy with aiosqlite (the harness passes
"renamed" for a `str` parameter and 1 for an `int`, so the rollback's branch is the one that runs)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.facts.local_truths import ValueFact, contradicts, unrebindable_names, value_facts_of
from alchemy_lint.rules.loading_examples import MODELS

#: A factory that expires on commit; the rollbacks expire whatever it says.
DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine)
"""

_HEAD = """\
from app.db import SessionLocal
from app.db_models import User

MODE = "renamed"


class Form:
    mode = "renamed"


def switch(form: Form) -> None:
    form.mode = "other"


def switch_mode() -> None:
    global MODE
    MODE = "other"


async def handle(fragment: str, other: str, count: int) -> str:
    form = Form()
    async with SessionLocal() as session:
        user = await session.get(User, 1)
"""


def _handler(tail: str) -> str:
    return _HEAD + "".join(f"        {line}\n" if line else "\n" for line in tail.splitlines())


#: The devpush shape: a conjunction of tests, a rollback in a handler, the read under another value.
CONJUNCTION = _handler(
    """\
if len(fragment) > 0 and fragment == "renamed":
    try:
        await session.commit()
        raise ValueError(fragment)
    except ValueError:
        await session.rollback()
if len(fragment) > 0 and fragment == "other":
    return user.name
return \"\""""
)

#: The read under an `elif` of a later chain of tests of the same name.
ELIF = _handler(
    """\
if fragment == "renamed":
    await session.rollback()
if fragment == "first":
    return \"\"
elif fragment == "other":
    return user.name
return \"\""""
)

#: Membership in disjoint literal sets.
DISJOINT_SETS = _handler(
    """\
if fragment in ("renamed", "again"):
    await session.rollback()
if fragment in ["other", "more"]:
    return user.name
return \"\""""
)

#: The rollback where the name is one constant, the read where it is none of a set holding it.
NOT_IN = _handler(
    """\
if fragment == "renamed":
    await session.rollback()
if fragment not in {"renamed", "again"}:
    return user.name
return \"\""""
)

#: The rollback in the `else` of a test, the read where that test holds.
ELSE_SIDE = _handler(
    """\
if fragment == "other":
    pass
else:
    await session.rollback()
if fragment == "other":
    return user.name
return \"\""""
)

#: `is None` against `is not None`, on a parameter.
NONE_TESTS = _handler(
    """\
if count is None:
    await session.rollback()
if count is not None:
    return user.name
return \"\""""
)

#: Bound again between the tests.
REBOUND = _handler(
    """\
if fragment == "renamed":
    await session.rollback()
    fragment = "other"
if fragment == "other":
    return user.name  # ASA302
return \"\""""
)

#: The same constant.
SAME_CONSTANT = _handler(
    """\
if fragment == "renamed":
    await session.rollback()
if fragment == "renamed":
    return user.name  # ASA302
return \"\""""
)

#: A comparison with a name, not a literal.
NOT_LITERAL = _handler(
    """\
if fragment == "renamed":
    await session.rollback()
if fragment == other:
    return user.name  # ASA302
return \"\""""
)

#: `True == 1`: a boolean tells nothing of exclusion.
BOOLEAN = _handler(
    """\
if count == 1:
    await session.rollback()
if count == True:
    return user.name  # ASA302
return \"\""""
)

#: The read after the branches join.
JOINED = _handler(
    """\
if fragment == "renamed":
    await session.rollback()
elif fragment == "other":
    pass
return user.name  # ASA302"""
)

#: An attribute, which a call changes between the tests.
ATTRIBUTE = _handler(
    """\
if form.mode == "renamed":
    await session.rollback()
    switch(form)
if form.mode == "other":
    return user.name  # ASA302
return \"\""""
)

#: A module's name, which a call binds again between the tests.
MODULE_NAME = _handler(
    """\
if MODE == "renamed":
    await session.rollback()
    switch_mode()
if MODE == "other":
    return user.name  # ASA302
return \"\""""
)

#: A nested function that binds the name (`nonlocal`), called between the tests.
NONLOCAL = _handler(
    """\
def rename() -> None:
    nonlocal fragment
    fragment = "other"

if fragment == "renamed":
    await session.rollback()
    rename()
if fragment == "other":
    return user.name  # ASA302
return \"\""""
)

#: A walrus in the test binds the name after the comparison.
WALRUS = _handler(
    """\
if fragment == "renamed" and (fragment := "other"):
    await session.rollback()
if fragment == "other":
    return user.name  # ASA302
return \"\""""
)

#: A loop binds the name to each item: the second item's test holds after the first's rollback.
LOOP_TARGET = _handler(
    """\
for fragment in [other, "other"]:
    if fragment == "renamed":
        await session.rollback()
    if fragment == "other":
        return user.name  # ASA302
return \"\""""
)


@pytest.mark.parametrize(
    ("handler", "raised"),
    [
        (CONJUNCTION, None),
        (ELIF, None),
        (DISJOINT_SETS, None),
        (NOT_IN, None),
        (ELSE_SIDE, None),
        (NONE_TESTS, None),
        (REBOUND, "MissingGreenlet"),
        (SAME_CONSTANT, "MissingGreenlet"),
        (NOT_LITERAL, "MissingGreenlet"),
        (BOOLEAN, "MissingGreenlet"),
        (JOINED, "MissingGreenlet"),
        (ATTRIBUTE, "MissingGreenlet"),
        (MODULE_NAME, "MissingGreenlet"),
        (NONLOCAL, "MissingGreenlet"),
        (LOOP_TARGET, "MissingGreenlet"),
        (WALRUS, "MissingGreenlet"),
    ],
    ids=[
        "conjunction",
        "elif",
        "disjoint-sets",
        "not-in",
        "else-side",
        "none-tests",
        "rebound",
        "same-constant",
        "not-literal",
        "boolean",
        "joined",
        "attribute",
        "module-name",
        "nonlocal",
        "loop-target",
        "walrus",
    ],
)
def test_a_read_under_a_test_that_excludes_the_rollbacks_branch_is_not_reported(
    handler: str, raised: str | None, tmp_path: Path
) -> None:
    root = write_project(tmp_path, {"app/db.py": DB, "app/db_models.py": MODELS, "app/handlers.py": handler})
    expected = expected_lines(handler, "ASA302")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")] == expected
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == raised, outcome
    if expected:
        assert outcome["line"] in expected, outcome


def _facts(test: str, names: tuple[str, ...] = ("x",)) -> tuple[set[str], set[str]]:
    body, orelse = value_facts_of(ast.parse(test, mode="eval").body, names)
    return {fact.key for fact in body}, {fact.key for fact in orelse}


def _key(values: tuple[object, ...], holds: bool = True) -> str:
    return ValueFact("x", frozenset((type(value).__name__, value) for value in values), holds).key  # type: ignore[misc]


@pytest.mark.parametrize(
    ("test", "body", "orelse"),
    [
        ('x == "a"', {_key(("a",))}, {_key(("a",), False)}),
        ('"a" == x', {_key(("a",))}, {_key(("a",), False)}),
        ('x != "a"', {_key(("a",), False)}, {_key(("a",))}),
        ('not x == "a"', {_key(("a",), False)}, {_key(("a",))}),
        ('x in ("a", 2)', {_key(("a", 2))}, {_key(("a", 2), False)}),
        ('x not in ["a"]', {_key(("a",), False)}, {_key(("a",))}),
        ("x is None", {_key((None,))}, {_key((None,), False)}),
        ("x is not None", {_key((None,), False)}, {_key((None,))}),
        ('x == "a" and ok', {_key(("a",))}, set()),
        ('x == "a" or ok', set(), {_key(("a",), False)}),
        ("x == True", set(), set()),
        ("x == 1.0", set(), set()),
        ("x == y", set(), set()),
        ('x in ("a", y)', set(), set()),
        ("x in ()", set(), set()),
        ('x < "a"', set(), set()),
        ('self.x == "a"', set(), set()),
        ('y == "a"', set(), set()),
    ],
)
def test_what_a_test_says_a_name_holds(test: str, body: set[str], orelse: set[str]) -> None:
    assert _facts(test) == (body, orelse)


@pytest.mark.parametrize(
    ("known", "other", "excluded"),
    [
        (("a",), ("b",), True),
        (("a",), ("a", "b"), False),
        ((1,), ("1",), True),
        ((None,), ("a",), True),
    ],
)
def test_two_values_exclude_each_other_when_their_sets_are_disjoint(
    known: tuple[object, ...], other: tuple[object, ...], excluded: bool
) -> None:
    def fact(values: tuple[object, ...], holds: bool) -> ValueFact:
        return ValueFact("x", frozenset((type(v).__name__, v) for v in values), holds)  # type: ignore[misc]

    assert contradicts(fact(known, True), fact(other, True)) is excluded
    # Where `x` is one of `known`, a fact that it is none of a superset fails, and the other way.
    assert contradicts(fact(known, True), fact(known + other, False))
    assert contradicts(fact(known + other, False), fact(known, True))
    assert not contradicts(fact(known, False), fact(other, False))
    assert not contradicts(fact(known, True), ValueFact("y", fact(known, True).values, True))


def test_only_names_the_function_alone_binds_tell_branches_apart() -> None:
    function = ast.parse(
        """\
def f(a, b, c):
    global g
    d = 1
    [e for e in a]
    [(h := 1) for _ in a]
    import os as i
    def inner():
        nonlocal b
        j = 1
    match a:
        case {"k": k, **rest}:
            pass
    for loop in a:
        pass
    if c == "x" and (n := 2):
        pass
    g = 2
    h = 3
"""
    ).body[0]
    assert isinstance(function, ast.FunctionDef)
    names = unrebindable_names(("a", "b", "c"), function.body)
    assert names == {"a", "c", "d", "loop"}
