"""The fast path for newer syntax (`parsing/statements.py`): type parameter lists, `type` statements
and `except A, B:` rewritten from tokens give the very tree that LibCST's lowering gives, positions
included; whatever it does not vouch for goes to LibCST.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alchemy_lint.parsing import parse_source
from alchemy_lint.parsing.fallback import parse_lowered
from alchemy_lint.parsing.rebuild import _Rebuild, rebuild
from alchemy_lint.parsing.statements import _parse_lowered_lines, lower_statement_constructs, parse_statement_constructs

#: The Pythons whose lowering is compared (3.10 lacks `except*` as well), as far as this one reads
#: what is left.
TARGETS = [target for target in [(3, 10), (3, 11)] if target <= sys.version_info[:2]]

_NAMES = st.sampled_from(["T", "Model", "K", "V", "type", "match", "Ä", "_T1"])
_BOUNDS = st.sampled_from(
    ["int", "(int, str)", "Base", '"Model"', "dict[\n        str, int]", "a.b | None", "lambda: 1"]
)
_EXCEPTIONS = st.sampled_from(["ValueError", "KeyError", "errors.Missing", "a.b.C", "LookupError"])
_VALUES = st.sampled_from(["int", "list[T]", "dict[str, T] | None", "Annotated[\n    S, Depends(get)]", "(int, str)"])
_GAPS = st.sampled_from([" ", "  ", "\t", " \\\n    "])
_COMMENTS = st.sampled_from(["", "  # the model", "  # é"])


@st.composite
def _type_parameters(draw: st.DrawFn) -> str:
    parameters = []
    for name in draw(st.lists(_NAMES, min_size=1, max_size=3, unique=True)):
        kind = draw(st.sampled_from(["plain", "bound", "star", "stars"]))
        parameter = {"plain": name, "bound": f"{name}: {draw(_BOUNDS)}", "star": f"*{name}", "stars": f"**{name}"}[kind]
        parameters.append(parameter)
    trailing = draw(st.sampled_from(["", ","]))
    if draw(st.booleans()):
        lines = "".join(f"\n    {parameter},{draw(_COMMENTS)}" for parameter in parameters)
        return f"[{lines}\n]"
    return f"[{', '.join(parameters)}{trailing}]"


@st.composite
def _statements(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["class", "def", "async def", "type", "except", "except*", "plain"]))
    if kind in ("class", "def", "async def"):
        parameters = draw(_type_parameters())
        header = f"class Repo{parameters}(Base):" if kind == "class" else f"{kind} load{parameters}(x: T) -> T:"
        return f"{header}{draw(_COMMENTS)}\n    return x.y\n"
    if kind == "type":
        parameters = draw(st.one_of(st.just(""), _type_parameters()))
        return f"type Alias{parameters} = {draw(_VALUES)}{draw(_COMMENTS)}\n"
    if kind.startswith("except"):
        types = draw(st.lists(_EXCEPTIONS, min_size=2, max_size=3))
        separator = draw(st.sampled_from([", ", ",", " , "]))
        before_colon = draw(st.sampled_from(["", " "]))
        gap = draw(_GAPS)
        return f"try:\n    run()\n{kind}{gap}{separator.join(types)}{before_colon}:\n    raise\n"
    return draw(
        st.sampled_from(
            [
                "x = f(1)  # plain\n",
                "if x: pass\n",
                "type = 3\n",
                "print(type(x))\n",
                # What starts a line inside a string is no statement, and one after `;` is.
                'doc = """\nclass Doc[T]:\n    type Alias = int\nexcept A, B:\n"""\n',
                "x = 1; type Pair = tuple[int, int]\n",
            ]
        )
    )


@st.composite
def _sources(draw: st.DrawFn) -> str:
    statements = draw(st.lists(_statements(), min_size=1, max_size=5))
    return "".join(statements)


def _dump(tree: ast.AST) -> str:
    return ast.dump(tree, include_attributes=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=_sources(), target=st.sampled_from(TARGETS))
def test_the_fast_path_gives_the_tree_of_the_libcst_lowering(source: str, target: tuple[int, int]) -> None:
    try:
        expected = parse_lowered(source, "m.py", target)
    except SyntaxError:
        # LibCST does not read `except* A, B :` (the space before the colon does not come back
        # from its code generation): the fast path reads it, as Python 3.14 does.
        assert " :" in source
        assert parse_statement_constructs(source, "m.py", target) is not None
        return

    tree = parse_statement_constructs(source, "m.py", target)

    lowering = lower_statement_constructs(source, target)
    if lowering is None:
        return  # nothing for these Pythons to lower (only `type = 3` and the like)
    assert tree is not None
    assert _dump(tree) == _dump(expected)
    # Both paths take the rebuild's walk over statements only when only `type` statements need
    # it: the walk over every node gives the same tree.
    assert _dump(tree) == _dump(_Rebuild(lowering).visit(ast.parse(lowering.text)))


def _lowered_from_every_token(source: str) -> ast.Module | None:
    lowering = lower_statement_constructs(source)
    if lowering is None:
        return None
    try:
        return rebuild(ast.parse(lowering.text), lowering)
    except SyntaxError:
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=_sources())
def test_the_lines_that_can_hold_a_construct_give_the_tree_of_every_token(source: str) -> None:
    from_lines = _parse_lowered_lines(source, "m.py")

    if from_lines is not None:
        expected = _lowered_from_every_token(source)
        assert expected is not None
        assert _dump(from_lines) == _dump(expected)


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="reads `except A, B:` natively")
@pytest.mark.parametrize(
    ("source", "from_lines"),
    [
        ("try:\n    pass\nexcept A, B:\n    pass\n", True),
        # Rewritten inside the string, the text parses but holds no handler there.
        ('doc = """\nexcept A, B:\n"""\ntry:\n    pass\nexcept A, B:\n    pass\n', False),
        # Missed after `;`: the text left does not parse.
        ("x = 1; type Pair = int\ntry:\n    pass\nexcept A, B:\n    pass\n", sys.version_info >= (3, 12)),
    ],
)
def test_what_the_lines_do_not_vouch_for_is_read_from_every_token(source: str, from_lines: bool) -> None:
    assert (_parse_lowered_lines(source, "m.py") is not None) is from_lines
    tree = parse_statement_constructs(source, "m.py")
    assert tree is not None
    assert _dump(tree) == _dump(parse_lowered(source, "m.py", sys.version_info[:2]))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    "source",
    [
        "class Repo[\n    T,  # the model\n    K: (int, str),\n]:\n    pass\n",
        "type Rows[T] = list[T]\nx = 1; type Pair = tuple[\n    int, int]\n",
        "try:\n    pass\nexcept* ValueError, errors.Missing:\n    pass\n",
        "try:\n    pass\nexcept  é.Error, KeyError:  # ünïcode\n    pass\n",
        "async def load[T](x: T) -> T:\r\n    return x\r\n",
    ],
)
def test_hand_written_constructs_read_as_through_libcst(source: str, target: tuple[int, int]) -> None:
    tree = parse_statement_constructs(source, "m.py", target)

    assert tree is not None
    assert _dump(tree) == _dump(parse_lowered(source, "m.py", target))


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="reads type parameters natively")
def test_a_file_in_bytes_is_decoded_as_the_interpreter_does() -> None:
    text = "class Dépôt[T]:\n    pass\n"
    cookie = "# -*- coding: latin-1 -*-\n"

    with_bom = parse_source(b"\xef\xbb\xbf" + text.encode("utf-8"), "m.py")
    latin = parse_source((cookie + text).encode("latin-1"), "m.py")

    assert _dump(with_bom) == _dump(parse_lowered(text, "m.py", sys.version_info[:2]))
    assert _dump(latin) == _dump(parse_lowered(cookie + text, "m.py", sys.version_info[:2]))


@pytest.mark.parametrize(
    "source",
    [
        "class Repo[]:\n    pass\n",  # an empty list
        "class Repo[T: 1 2]:\n    pass\n",  # a bound that is no expression
        "class Repo[T = int]:\n    pass\n",  # PEP 696 defaults: LibCST's
        "class Repo[*Ts: int]:\n    pass\n",
        "type X = a = b\n",  # `type` takes one expression, an assignment more
        "type X = int, str\n",
        "type X = *Ts\n",
        "def f():\n    type X = yield\n",
        "try:\n    pass\nexcept A, B as error:\n    pass\n",  # PEP 758 forbids `as` without parentheses
        "try:\n    pass\nexcept A, B,:\n    pass\n",
        "try:\n    pass\nexcept A, f(x):\n    pass\n",
        "class Repo[T]:\n    x = 'a\rb'\n",  # a lone carriage return: Python's lines, not the tokenizer's
    ],
)
def test_what_the_fast_path_does_not_vouch_for_is_left_to_libcst(source: str) -> None:
    assert lower_statement_constructs(source, (3, 11)) is None


def test_other_newer_syntax_in_the_file_leaves_it_to_libcst() -> None:
    # A star in a subscript (3.11) after a `type` statement: the rewrite does not parse on 3.10.
    source = "type Shape = int\nx: tuple[*Ts]\n"

    assert lower_statement_constructs(source, (3, 10)) is not None
    if sys.version_info < (3, 11):
        assert parse_statement_constructs(source, "m.py", (3, 10)) is None
        assert isinstance(parse_source(source, "m.py").body[1].annotation.slice, ast.Starred)  # type: ignore[attr-defined]


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="reads `except A, B:` natively")
def test_a_file_with_only_these_constructs_is_read_without_libcst() -> None:
    program = (
        "import sys\n"
        "from alchemy_lint.parsing import parse_source\n"
        "tree = parse_source(b'class Repo[T]:\\n    pass\\ntry:\\n    pass\\nexcept A, B:\\n    pass\\n', 'm.py')\n"
        "print(type(tree.body[1].handlers[0].type).__name__, 'libcst' in sys.modules)\n"
    )

    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=120)

    assert result.stdout.split() == ["Tuple", "False"]


def test_a_file_with_a_nul_byte_is_left_to_the_parsers_error() -> None:
    assert lower_statement_constructs("class Repository[T]:\n    x = '\0'\n") is None
