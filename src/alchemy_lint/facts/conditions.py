"""Conditions on parameters, and what call sites say about the arguments they pass.

A callee's read of `user.subscriptions` under `if override is None:` never happens for a caller
that passes an object as `override`; the facts keep both sides, the index settles them per call.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection

from alchemy_lint.facts.model import Condition, KnownArgument, Test

#: A guard: the conditions that all hold where a read or a call happens.
Guard = tuple[Condition, ...]
#: What holds in the branch of a constant test that never runs (`if False:`, the `else` of
#: `if True:`): no call settles it true.
NEVER = Condition("", Test.TRUTH, True)
#: Builtins whose result is never None.
_NEVER_NONE_CALLS = frozenset(
    {"len", "str", "int", "float", "bool", "list", "dict", "set", "tuple", "frozenset", "sorted", "repr", "sum"}
)
#: The key of a `**kwargs` argument: any parameter may be passed through it.
ANY_KEYWORD = "**"
#: The key of a `*args` argument: any later positional parameter may be passed through it.
ANY_POSITION = "*"


#: The parameter whose truth a local name tells (`selected = set(include) if include else set()`
#: is empty exactly when `include` is), when it tells one.
TruthOf = Callable[[ast.Name], str | None]


def branch_conditions(
    test: ast.expr, is_parameter: Callable[[ast.Name], bool], on_state: bool = False, truth_of: TruthOf | None = None
) -> tuple[Guard, Guard]:
    """What holds in the body of `if test:` and what holds in its `else`, on parameters only,
    and with `on_state` on the state of `self` as well (`if not self._committed:`, a condition
    on `self._committed`, which a call on a fresh object settles: see `fresh_state`).

    Each side lists necessary conditions: `if a is None and flag:` gives the body both, and its
    `else` nothing (either may have failed). A membership test (`"x" in include`) needs the
    container truthy: nothing is in an empty one, and `in None` raises. `truth_of` names the
    parameter a local copy of one stands for in a test of its truth.
    """
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
        body, orelse = branch_conditions(test.operand, is_parameter, on_state, truth_of)
        return orelse, body
    tested = _truth_tested(test, is_parameter, on_state, truth_of)
    if tested is not None:
        return (Condition(tested, Test.TRUTH, True),), (Condition(tested, Test.TRUTH, False),)
    if type(test) is ast.Compare:
        member = _membership_test(test, is_parameter, on_state, truth_of)
        return member if member is not None else _none_test(test, is_parameter, on_state)
    if type(test) is ast.BoolOp:
        sides = [branch_conditions(value, is_parameter, on_state, truth_of) for value in test.values]
        if type(test.op) is ast.And:
            # Every operand held in the body; which one failed in the `else` is unknown.
            return tuple(c for body, _ in sides for c in body), sides[0][1] if len(sides) == 1 else ()
        return sides[0][0] if len(sides) == 1 else (), tuple(c for _, orelse in sides for c in orelse)
    return (), ()


def _tested(expr: ast.expr, is_parameter: Callable[[ast.Name], bool], on_state: bool) -> str | None:
    """The parameter a test reads (`flag`), or with `on_state` the attribute of `self` (`self.done`)."""
    if type(expr) is ast.Name:
        return expr.id if is_parameter(expr) else None
    if on_state and type(expr) is ast.Attribute and type(expr.value) is ast.Name and expr.value.id == "self":
        return f"self.{expr.attr}"
    return None


def _truth_tested(
    expr: ast.expr, is_parameter: Callable[[ast.Name], bool], on_state: bool, truth_of: TruthOf | None
) -> str | None:
    """The parameter whose truth `expr` is: the parameter itself, a copy of it written in the
    test (`include or []`, `set(include)`), or a local copy of it."""
    copied = truth_copy(expr)
    if copied is not None:
        expr = copied
    tested = _tested(expr, is_parameter, on_state)
    if tested is None and truth_of is not None and type(expr) is ast.Name:
        return truth_of(expr)
    return tested


def _membership_test(
    test: ast.Compare, is_parameter: Callable[[ast.Name], bool], on_state: bool, truth_of: TruthOf | None
) -> tuple[Guard, Guard] | None:
    """`key in include` holds only when `include` is truthy; `key not in include` fails only then."""
    if len(test.ops) != 1 or not isinstance(test.ops[0], (ast.In, ast.NotIn)):
        return None
    tested = _truth_tested(test.comparators[0], is_parameter, on_state, truth_of)
    if tested is None:
        return (), ()
    needs = (Condition(tested, Test.TRUTH, True),)
    return (needs, ()) if type(test.ops[0]) is ast.In else ((), needs)


def _none_test(test: ast.Compare, is_parameter: Callable[[ast.Name], bool], on_state: bool) -> tuple[Guard, Guard]:
    """`x is None`, `x is not None`, `x == None`, `None is x` on a parameter (or `self.x`)."""
    if len(test.ops) != 1:
        return (), ()
    left, right = test.left, test.comparators[0]
    if _is_none(left):
        left, right = right, left
    tested = _tested(left, is_parameter, on_state)
    if tested is None or not _is_none(right):
        return (), ()
    op = test.ops[0]
    if isinstance(op, (ast.Is, ast.Eq)):
        holds = True
    elif isinstance(op, (ast.IsNot, ast.NotEq)):
        holds = False
    else:
        return (), ()
    return (Condition(tested, Test.NONE, holds),), (Condition(tested, Test.NONE, not holds),)


def _is_none(expr: ast.expr) -> bool:
    return type(expr) is ast.Constant and expr.value is None


def leaves(body: list[ast.stmt]) -> bool:
    """The block always leaves the function (`return` or `raise` at its end): what follows its
    `if` runs only when the test failed."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if type(last) is ast.If:
        return leaves(last.body) and leaves(last.orelse)
    return False


def known_arguments(
    call: ast.Call, objects: Collection[str] = (), is_parameter: Callable[[ast.Name], bool] | None = None
) -> tuple[KnownArgument, ...]:
    """What each argument of `call` is known to be; `objects` are the keys that hold ORM objects
    (never None). A `*args` or `**kwargs` is listed by its key (`ANY_POSITION`, `ANY_KEYWORD`):
    what it passes is unknown."""
    found: list[KnownArgument] = []
    for position, argument in enumerate(call.args):
        if type(argument) is ast.Starred:
            found.append(KnownArgument(ANY_POSITION))
            break
        key = str(position)
        found.append(_passed(key, argument, key in objects, is_parameter))
    for keyword in call.keywords:
        if keyword.arg is None:
            found.append(KnownArgument(ANY_KEYWORD))
        else:
            found.append(_passed(keyword.arg, keyword.value, keyword.arg in objects, is_parameter))
    return tuple(found)


def _passed(
    key: str, expr: ast.expr, is_object: bool, is_parameter: Callable[[ast.Name], bool] | None
) -> KnownArgument:
    if is_object:
        return KnownArgument(key, True, False)
    if type(expr) is ast.Name:
        # (The commonest argument, whose form tells nothing: `known_argument` knows nothing of it.)
        if is_parameter is not None and is_parameter(expr):
            return KnownArgument(key, parameter=expr.id)
        return KnownArgument(key)
    return known_argument(key, expr)


#: Collection displays: truthy when they list an item that is no `*rest`, falsy when empty.
_DISPLAYS = frozenset({ast.List, ast.Tuple, ast.Set, ast.Dict})
#: Forms that are never None, truthy or not.
_NEVER_NONE_FORMS = frozenset(
    {ast.JoinedStr, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Compare, ast.BinOp}
)


def known_argument(key: str, expr: ast.expr, is_object: bool = False) -> KnownArgument:
    """Whether `expr` is truthy and whether it is None, where its form tells."""
    if is_object:
        return KnownArgument(key, True, False)
    # Exact classes, not isinstance: no `ast` class has subclasses, and this runs for every argument.
    if type(expr) is ast.Constant:
        return KnownArgument(key, bool(expr.value), expr.value is None)
    kind = type(expr)
    if kind in _DISPLAYS and isinstance(expr, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
        items: list[ast.expr | None] = list(expr.keys) if isinstance(expr, ast.Dict) else list(expr.elts)
        # `[*rest]` and `{**rest}` may be empty.
        plain = [item for item in items if item is not None and type(item) is not ast.Starred]
        return KnownArgument(key, True if plain else (None if items else False), False)
    if kind in _NEVER_NONE_FORMS or (type(expr) is ast.Call and _never_none_call(expr)):
        return KnownArgument(key, None, False)
    return KnownArgument(key)


def _never_none_call(call: ast.Call) -> bool:
    """`len(x)`, `str(x)`, or `mapping.get(key, 0)` with a default that is not None."""
    func = call.func
    if type(func) is ast.Name:
        return func.id in _NEVER_NONE_CALLS
    if type(func) is ast.Attribute and func.attr == "get" and len(call.args) == 2:
        default = call.args[1]
        return known_argument("", default).is_none is False
    return False


def constant_defaults(args: ast.arguments) -> tuple[KnownArgument, ...]:
    """Parameters whose default is a literal, with what it is (`include_items: bool = True`)."""
    positional = [*args.posonlyargs, *args.args]
    pairs = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True))
    pairs.extend((arg, default) for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True) if default)
    found: list[KnownArgument] = []
    for arg, default in pairs:
        if default is None:
            continue
        known = known_argument(arg.arg, default)
        if known.truthy is not None or known.is_none is not None:
            found.append(known)
    return tuple(found)


def happens(guard: Guard, settled: dict[str, KnownArgument]) -> bool:
    """Whether a read under `guard` can happen for a call whose arguments are `settled`."""
    for condition in guard:
        known = settled.get(condition.parameter)
        if known is not None and known.settles(condition) is False:
            return False
    return True


def weakest(left: Guard, right: Guard) -> Guard:
    """What holds wherever either guard holds: the conditions they share."""
    return tuple(condition for condition in left if condition in right)


def nested_test(test: ast.expr, orelse: list[ast.stmt], on_state: bool) -> tuple[ast.expr, ast.expr] | None:
    """`a and b` of an `if` without `else`, each operand a test on a name (or on `self`): `a`, and
    the rest (`b`), to be walked as `if a: if b: ...`. (Its operands call nothing: they are read
    again when the inner `if` is.)"""
    if orelse or not (type(test) is ast.BoolOp and type(test.op) is ast.And) or len(test.values) < 2:
        return None
    if not all(branch_conditions(value, lambda name: True, on_state)[0] for value in test.values):
        return None
    rest = test.values[1:]
    inner = rest[0] if len(rest) == 1 else ast.copy_location(ast.BoolOp(ast.And(), rest), rest[0])
    return test.values[0], inner


#: Builtins whose result from one iterable is empty exactly when the iterable is.
_COPIES = frozenset({"set", "frozenset", "list", "tuple", "sorted"})


def truth_copy(value: ast.expr) -> ast.Name | None:
    """The name whose truth `value` has, when its form tells: `set(include)`, `include or []`,
    `set(include) if include else set()`. A local bound to one is empty exactly when that name
    is, so a test of the local is a test of the name (`"x" in selected`)."""
    if type(value) is ast.Call:
        return _copied(value)
    if type(value) is ast.BoolOp and type(value.op) is ast.Or and len(value.values) == 2:
        first, rest = value.values
        return first if type(first) is ast.Name and _empty(rest) else None
    if type(value) is ast.IfExp:
        test, chosen, other = value.test, value.body, value.orelse
        if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
            test, chosen, other = test.operand, other, chosen
        if type(test) is not ast.Name or not _empty(other):
            return None
        copied = chosen if type(chosen) is ast.Name else _copied(chosen)
        return test if copied is not None and copied.id == test.id else None
    return None


def _copied(value: ast.expr) -> ast.Name | None:
    """`set(include)`: the name copied by a builtin whose result is empty exactly when it is
    (`set(include or ())` too)."""
    if not (type(value) is ast.Call and type(value.func) is ast.Name and value.func.id in _COPIES):
        return None
    if value.keywords or len(value.args) != 1:
        return None
    copied = value.args[0]
    return copied if isinstance(copied, ast.Name) else truth_copy(copied)


def _empty(value: ast.expr) -> bool:
    """A literal that is always falsy: `None`, `[]`, `()`, `{}`, `set()`, `list()`."""
    if type(value) is ast.Call:
        return (
            type(value.func) is ast.Name
            and value.func.id in _COPIES | {"dict"}
            and not value.args
            and not value.keywords
        )
    return known_argument("", value).truthy is False
