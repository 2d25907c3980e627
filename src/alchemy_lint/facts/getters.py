"""What a pydantic v1 `GetterDict` subclass returns only for loaded relationships.

A schema whose `Config.getter_dict` names such a class is validated through its `get(key,
default)`: a branch for `key == "responses"` that tests `obj.is_relationship_loaded("responses")`
(or `"responses" in obj.__dict__`, or `inspect(obj).unloaded`) gives the default instead of
reading an unloaded relationship, so the schema's field does not read the attribute.
"""

from __future__ import annotations

import ast

from alchemy_lint.resolve import NameTable, qualify

#: What `inspect` stands for, however the module imports it (`from sqlalchemy import inspect as
#: sa_inspect`, `sa.inspect`).
INSPECT_FUNCTIONS = frozenset({"sqlalchemy.inspect", "sqlalchemy.inspection.inspect"})

#: Calls and attributes that tell whether a relationship is loaded without loading it.
_LOADED_TESTS = frozenset({"is_relationship_loaded", "unloaded"})
#: What `"items" in X.<attribute>` asks of: the names not loaded (`inspect(obj).unloaded`), or
#: the loaded state (the instance's `__dict__`, `inspect(obj).dict`).
_LOADED_CONTAINERS = frozenset({"unloaded", "__dict__", "dict"})


def loaded_only_keys(node: ast.ClassDef) -> tuple[str, ...]:
    """The keys a `get(self, key, default)` method of the class handles in a branch that tests
    whether the relationship is loaded (empty for a class without such a method)."""
    method = next(
        (item for item in node.body if type(item) is ast.FunctionDef and item.name == "get"),
        None,
    )
    if method is None or len(method.args.args) < 2:
        return ()
    key = method.args.args[1].arg
    found: dict[str, None] = {}
    for statement in ast.walk(method):
        if type(statement) is not ast.If:
            continue
        tested = _key_tested(statement.test, key)
        if tested is not None and _tests_loaded(statement):
            found[tested] = None
    return tuple(found)


def _key_tested(test: ast.expr, key: str) -> str | None:
    """The constant `key == "<name>"` compares with, alone or as an operand of `and`."""
    operands = test.values if type(test) is ast.BoolOp and type(test.op) is ast.And else [test]
    for operand in operands:
        if (
            type(operand) is ast.Compare
            and len(operand.ops) == 1
            and type(operand.ops[0]) is ast.Eq
            and type(operand.left) is ast.Name
            and operand.left.id == key
            and type(operand.comparators[0]) is ast.Constant
            and isinstance(operand.comparators[0].value, str)
        ):
            return operand.comparators[0].value
    return None


def _tests_loaded(branch: ast.If) -> bool:
    """The branch's test, or a test of an `if` directly in its body, asks whether it is loaded."""
    tests = [branch.test, *(item.test for item in branch.body if type(item) is ast.If)]
    return any(_asks_loaded(test) for test in tests)


def _asks_loaded(test: ast.expr) -> bool:
    for node in ast.walk(test):
        if type(node) is ast.Attribute and node.attr in _LOADED_TESTS:
            return True
        if (
            type(node) is ast.Compare
            and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)
            and any(type(c) is ast.Attribute and c.attr in _LOADED_CONTAINERS for c in node.comparators)
        ):
            return True
    return False


def loaded_test(test: ast.expr) -> tuple[bool, str | None] | None:
    """What a test of whether a relationship is loaded says where it holds, and the relationship
    it names (None when no literal says): True loaded (`"items" not in inspect(order).unloaded`,
    `order.is_relationship_loaded("items")`, `"items" in order.__dict__`, `"items" in
    inspect(order).dict`), False not loaded (`"items" in state.unloaded`); None for any other
    test. One such test may stand with tests of a name against None (`state is None or ...`: an
    object that cannot be inspected), and under `not`."""
    found = loaded_probe(test)
    return None if found is None else (found[0], found[1])


def loaded_probe(test: ast.expr) -> tuple[bool, str | None, ast.expr] | None:
    """`loaded_test`, with the expression the test asks about: `order` of
    `order.is_relationship_loaded(...)` and `order.__dict__`, `inspect(order)` (or the name
    bound to it, `state`) of `state.unloaded` and `state.dict`."""
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
        inner = loaded_probe(test.operand)
        return None if inner is None else (not inner[0], inner[1], inner[2])
    if type(test) is ast.BoolOp:
        probes = [operand for operand in test.values if not _none_test(operand)]
        return loaded_probe(probes[0]) if len(probes) == 1 else None
    if type(test) is ast.Call and type(test.func) is ast.Attribute:
        if test.func.attr != "is_relationship_loaded":
            return None
        first = test.args[0] if test.args else None
        return True, _literal(first), test.func.value
    if not (type(test) is ast.Compare and len(test.ops) == 1 and isinstance(test.ops[0], (ast.In, ast.NotIn))):
        return None
    container = test.comparators[0]
    if type(container) is not ast.Attribute or container.attr not in _LOADED_CONTAINERS:
        return None
    inside = type(test.ops[0]) is ast.In
    return (not inside if container.attr == "unloaded" else inside), _literal(test.left), container.value


def inspected(expr: ast.expr, table: NameTable) -> ast.expr | None:
    """The object `inspect(obj)` inspects: SQLAlchemy's `inspect` under any name the module
    gives it (`sa_inspect(obj)`, `sa.inspect(obj)`), or a function called `inspect` that the
    module's names do not resolve."""
    if type(expr) is not ast.Call or len(expr.args) != 1 or expr.keywords:
        return None
    func = expr.func
    qualified = qualify(func, table)
    if qualified is not None:
        return expr.args[0] if qualified in INSPECT_FUNCTIONS else None
    name = func.id if type(func) is ast.Name else func.attr if type(func) is ast.Attribute else ""
    return expr.args[0] if name == "inspect" else None


def _literal(node: ast.expr | None) -> str | None:
    return node.value if type(node) is ast.Constant and isinstance(node.value, str) else None


def _none_test(test: ast.expr) -> bool:
    return (
        type(test) is ast.Compare
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.Is, ast.IsNot))
        and type(test.left) is ast.Name
        and type(test.comparators[0]) is ast.Constant
        and test.comparators[0].value is None
    )
