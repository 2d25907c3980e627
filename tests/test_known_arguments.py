"""What a call site says about each argument it passes, by the argument's form."""

from __future__ import annotations

import ast

import pytest

from alchemy_lint.facts.conditions import ANY_KEYWORD, ANY_POSITION, known_argument, known_arguments
from alchemy_lint.facts.model import KnownArgument


def _call(source: str) -> ast.Call:
    call = ast.parse(source, mode="eval").body
    assert isinstance(call, ast.Call)
    return call


@pytest.mark.parametrize(
    ("argument", "truthy", "is_none"),
    [
        ("None", False, True),
        ("0", False, False),
        ("'text'", True, False),
        ("[]", False, False),
        ("[item]", True, False),
        ("[*rest]", None, False),
        ("{}", False, False),
        ("{**rest}", None, False),
        ("{'key': 1}", True, False),
        ("(a, b)", True, False),
        ("{a}", True, False),
        ("f'{a}'", None, False),
        ("[a for a in b]", None, False),
        ("{a for a in b}", None, False),
        ("{a: 1 for a in b}", None, False),
        ("(a for a in b)", None, False),
        ("a == b", None, False),
        ("a + b", None, False),
        ("len(a)", None, False),
        ("mapping.get(key, 0)", None, False),
        ("mapping.get(key, None)", None, None),
        ("mapping.get(key)", None, None),
        ("make(a)", None, None),
        ("a", None, None),
        ("a.b", None, None),
        ("a[0]", None, None),
        ("not a", None, None),
        ("a if b else c", None, None),
        ("await a", None, None),
    ],
)
def test_the_form_of_an_argument_tells_what_it_tells(argument: str, truthy: bool | None, is_none: bool | None) -> None:
    expr = ast.parse(argument, mode="eval").body
    assert known_argument("0", expr) == KnownArgument("0", truthy, is_none)
    assert known_argument("0", expr, is_object=True) == KnownArgument("0", True, False)


def test_a_call_lists_its_arguments_with_objects_and_parameters_marked() -> None:
    call = _call("load(order, None, user, [x], *rest, flag=True, owner=owner, other=other.id, **options)")
    found = known_arguments(call, {"0", "owner"}, is_parameter=lambda name: name.id in ("user", "other", "owner"))
    assert found == (
        KnownArgument("0", True, False),  # an object: never None
        KnownArgument("1", False, True),
        KnownArgument("2", parameter="user"),
        KnownArgument("3", True, False),
        KnownArgument(ANY_POSITION),  # and nothing after it
        KnownArgument("flag", True, False),
        KnownArgument("owner", True, False),  # an object before a parameter
        KnownArgument("other"),  # an attribute of a parameter is none
        KnownArgument(ANY_KEYWORD),
    )
    assert known_arguments(call)[2] == KnownArgument("2")
