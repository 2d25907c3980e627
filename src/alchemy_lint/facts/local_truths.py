"""What a function's own tests say of its local collections, and the expiries that hang on them.

Validation code collects its errors and leaves once it has any::

    if custom_errors:
        await nested.rollback()          # expires the object
        errors.extend(custom_errors)     # ... and `errors` is not empty
    if errors:
        raise ValidationError(errors)    # the path of the rollback always leaves here
    product.name                         # never read after that rollback

The walk of the loading facts keeps, on each path, the local names known to be truthy there
(tested so, or filled by `append()`, `add()`, `extend()` of a truthy one, `x[k] = v`). Where two
paths join, an expiry that only one of them made holds only when what was truthy on that path
alone still is (`Expiry.when_truthy`); a later test that finds one of those names falsy drops it.
A name bound again, emptied (`clear()`, `pop()`, `remove()`) or deleted no longer tells anything,
and the expiries that hung on it hold again whatever it is.

Tests of a name against constants are kept the same way (`ValueFact`, carried under a key that
is never a Python name): a route that rolls back under `if fragment == "connect":` and reads
under a later `if fragment == "update":` reads on no path of the rollback, as long as the name is
a parameter or local that only the function's own statements bind and none binds it between.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Container, Iterable

from alchemy_lint.facts.conditions import leaves
from alchemy_lint.facts.model import Expiry
from alchemy_lint.facts.walk import binding_children
from alchemy_lint.parsing.rebuild import BODIES
from alchemy_lint.records import record, replace

#: Methods after whose call the collection holds at least one item.
_FILLING = frozenset({"append", "add", "insert", "appendleft", "setdefault"})
#: Methods that leave the collection holding what their argument holds, at least.
_EXTENDING = frozenset({"extend", "update", "extendleft"})
#: Methods after whose call the collection may be empty.
_EMPTYING = frozenset({"clear", "pop", "popleft", "popitem", "remove", "discard"})


@record
class Truths:
    """What a test says of local names on each side: truthy or falsy where the body runs, and
    where the `else` runs."""

    body_truthy: frozenset[str] = frozenset()
    body_falsy: frozenset[str] = frozenset()
    orelse_truthy: frozenset[str] = frozenset()
    orelse_falsy: frozenset[str] = frozenset()

    def negated(self) -> Truths:
        return Truths(self.orelse_truthy, self.orelse_falsy, self.body_truthy, self.body_falsy)


NO_TRUTHS = Truths()


def truths_of(test: ast.expr, *, keyed: bool = False) -> Truths:
    """`if errors:`, `if not errors:`, `if len(errors) > 0:`, `if a and b:` (both truthy in the
    body), `if a or b:` (both falsy in the `else`). `keyed`: an item of a local under a constant
    key counts as a name too (`if results["ok"]:` tells of `results['ok']`, see `collection_text`)."""
    text = collection_text(test) if keyed else test.id if type(test) is ast.Name else None
    if text is not None:
        return Truths(body_truthy=frozenset({text}), orelse_falsy=frozenset({text}))
    if type(test) is ast.NamedExpr:
        # `if errors := validate(data):` tests what it binds.
        return truths_of(test.target, keyed=keyed)
    counted = _counted(test, keyed)
    if counted is not None:
        return truths_of(counted, keyed=keyed)
    if type(test) is ast.Compare and len(test.ops) == 1:
        compared = _emptiness(test, keyed)
        if compared is not None:
            name, empty_in_body, typed = compared
            found = truths_of(name, keyed=keyed)
            found = found.negated() if empty_in_body else found
            # `errors != {}` holds for an empty list too (a list never equals a dict): such a test
            # tells only the empty side, where it finds the name equal to the empty literal.
            return found if typed else Truths(body_falsy=found.body_falsy, orelse_falsy=found.orelse_falsy)
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
        return truths_of(test.operand, keyed=keyed).negated()
    if type(test) is ast.BoolOp:
        parts = [truths_of(value, keyed=keyed) for value in test.values]
        if type(test.op) is ast.And:
            return Truths(
                body_truthy=frozenset().union(*(part.body_truthy for part in parts)),
                body_falsy=frozenset().union(*(part.body_falsy for part in parts)),
            )
        return Truths(
            orelse_truthy=frozenset().union(*(part.orelse_truthy for part in parts)),
            orelse_falsy=frozenset().union(*(part.orelse_falsy for part in parts)),
        )
    return NO_TRUTHS


def _counted(expr: ast.expr, keyed: bool = False) -> ast.expr | None:
    """`len(errors)`: the name counted, whose truth the count's is."""
    if (
        type(expr) is ast.Call
        and type(expr.func) is ast.Name
        and expr.func.id == "len"
        and len(expr.args) == 1
        and not expr.keywords
        and (type(expr.args[0]) is ast.Name or (keyed and collection_text(expr.args[0]) is not None))
    ):
        return expr.args[0]
    return None


#: A count compared with 0 or 1, and whether the test holds for an empty collection.
_EMPTY_WHEN = {
    (ast.Gt, 0): False,
    (ast.NotEq, 0): False,
    (ast.GtE, 1): False,
    (ast.Eq, 0): True,
    (ast.LtE, 0): True,
    (ast.Lt, 1): True,
}


def _emptiness(test: ast.Compare, keyed: bool = False) -> tuple[ast.expr, bool, bool] | None:
    """`len(errors) > 0` -> (errors, False, True): the body runs when it is not empty; `len(errors)
    == 0` -> (errors, True, True). A comparison with an empty literal (`errors == []`) says so of
    a collection of the literal's type only: (errors, True, False)."""
    left, op, right = test.left, test.ops[0], test.comparators[0]
    counted = _counted(left, keyed)
    if counted is not None and type(right) is ast.Constant and type(right.value) is int:
        empty = _EMPTY_WHEN.get((type(op), right.value))
        return None if empty is None else (counted, empty, True)
    named = type(left) is ast.Name or (keyed and collection_text(left) is not None)
    if named and isinstance(op, (ast.Eq, ast.NotEq)) and _empty_literal(right):
        return left, type(op) is ast.Eq, False
    return None


def _empty_literal(expr: ast.expr) -> bool:
    if isinstance(expr, (ast.List, ast.Tuple)):
        return not expr.elts
    return type(expr) is ast.Dict and not expr.keys


#: The statements that hold no block of statements (`x = f()`, `return x`): most of them.
_BODILESS: frozenset[type[ast.stmt]] = frozenset(
    cls for cls in ast.stmt.__subclasses__() if not set(cls._fields) & set(BODIES)
)


def guard_names(body: list[ast.stmt]) -> frozenset[str]:
    """The names a test finds falsy on a path that goes on (`if errors: raise`, then what
    follows; `assert not errors`): only what is known of them can drop an expiry, so the walk
    keeps nothing of other names (a long function tests many, and each would split its
    expiries for nothing). Nested functions are their own."""
    found: set[str] = set()
    #: `errors.extend(found)`: what `found` is tells what `errors` becomes.
    poured: list[tuple[str, str]] = []
    pending = [body]
    while pending:
        for node in pending.pop():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if type(node) is ast.Expr:
                extension = _extension(node.value)
                if extension is not None and type(extension[1]) is ast.Name:
                    poured.append((extension[0], extension[1].id))
            elif type(node) is ast.If:
                truths = truths_of(node.test)
                found |= truths.body_falsy
                if node.orelse or leaves(node.body):
                    found |= truths.orelse_falsy
            elif type(node) is ast.Assert:
                found |= truths_of(node.test).body_falsy
            if node.__class__ in _BODILESS:
                continue
            for field in BODIES:
                block = getattr(node, field, None)
                if block:
                    pending.append(block)
    grown = True
    while grown:
        grown = False
        for into, source in poured:
            if into in found and source not in found:
                found.add(source)
                grown = True
    return frozenset(found)


def _extension(call: ast.expr) -> tuple[str, ast.expr] | None:
    """`errors.extend(found)`: the name extended, and what it is extended with."""
    if (
        type(call) is ast.Call
        and type(call.func) is ast.Attribute
        and call.func.attr in _EXTENDING
        and type(call.func.value) is ast.Name
        and call.args
    ):
        return call.func.value.id, call.args[0]
    return None


def filled(call: ast.expr, truthy: Collection[str]) -> str | None:
    """`errors.append(e)`: the name now holds something; `errors.extend(found)` fills it when
    `found` is known truthy (or a literal with items), else says nothing. (What empties a
    name, wherever the call stands, is `empties`.)"""
    if (
        type(call) is ast.Call
        and type(call.func) is ast.Attribute
        and call.func.attr in _FILLING
        and type(call.func.value) is ast.Name
    ):
        return call.func.value.id
    extension = _extension(call)
    if extension is not None and is_truthy(extension[1], truthy):
        return extension[0]
    return None


def is_truthy(expr: ast.expr, truthy: Collection[str]) -> bool:
    """A name known truthy here, or a literal collection with an item."""
    if type(expr) is ast.Name:
        return expr.id in truthy
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return any(type(item) is not ast.Starred for item in expr.elts)
    if type(expr) is ast.Dict:
        return any(key is not None for key in expr.keys)
    return False


def joined_expiries(
    left: frozenset[Expiry], right: frozenset[Expiry], left_only: frozenset[str], right_only: frozenset[str]
) -> frozenset[Expiry]:
    """The expiries after two paths join: one made on one path only holds when the names truthy
    on that path alone (`left_only`, `right_only`) still are."""
    shared = left & right
    return simplest(
        (
            *shared,
            *(_needing(expiry, left_only) for expiry in left - shared),
            *(_needing(expiry, right_only) for expiry in right - shared),
        )
    )


#: The most conditioned copies of one event an object keeps: past it, the event holds whatever
#: the names are (it is reported as before), so that a long function's joins cannot multiply them.
MAX_CONDITIONED = 4


def simplest(expired: Iterable[Expiry]) -> frozenset[Expiry]:
    """One event made on several paths holds when any of their conditions does: a copy with no
    condition, or with fewer, makes those with more say nothing new."""
    by_event: dict[Expiry, list[Expiry]] = {}
    for expiry in expired:
        by_event.setdefault(replace(expiry, when_truthy=frozenset()) if expiry.when_truthy else expiry, []).append(
            expiry
        )
    kept: list[Expiry] = []
    for event, copies in by_event.items():
        if len(copies) == 1:
            kept.append(copies[0])
        elif any(not copy.when_truthy for copy in copies) or len(copies) > MAX_CONDITIONED:
            kept.append(event)
        else:
            kept.extend(
                copy
                for copy in copies
                if not any(other.when_truthy < copy.when_truthy for other in copies if other is not copy)
            )
    return frozenset(kept)


def empties(call: ast.Call) -> str | None:
    """`errors.pop()`, `errors.clear()`, wherever the call stands: the name it may leave empty."""
    func = call.func
    if type(func) is ast.Attribute and func.attr in _EMPTYING and type(func.value) is ast.Name:
        return func.value.id
    return None


def _needing(expiry: Expiry, names: frozenset[str]) -> Expiry:
    if not names or names <= expiry.when_truthy:
        return expiry
    return replace(expiry, when_truthy=expiry.when_truthy | names)


def without_falsy(expired: frozenset[Expiry], falsy: Collection[str]) -> frozenset[Expiry]:
    """The expiries that can still hold where the `falsy` names are falsy."""
    return frozenset(expiry for expiry in expired if expiry.when_truthy.isdisjoint(falsy))


def unconditioned(expired: Iterable[Expiry], name: str) -> frozenset[Expiry]:
    """`name` no longer tells anything: the expiries that hung on it hold whatever it is."""
    return frozenset(
        replace(expiry, when_truthy=expiry.when_truthy - {name}) if name in expiry.when_truthy else expiry
        for expiry in expired
    )


def plain(expired: Iterable[Expiry]) -> set[Expiry]:
    """The expiries as the facts record them: what the walk knew of local names is its own."""
    return {replace(expiry, when_truthy=frozenset()) if expiry.when_truthy else expiry for expiry in expired}


# -- collections emptied on one path ------------------------------------------------
#
# The other way round: a handler that rolls back empties the result it would report, and a later
# test of that result reads only where the commit went through::
#
#     try:
#         await session.commit()
#     except Exception:
#         await session.rollback()
#         results["ok"] = []
#     if results["ok"]:
#         await notify(team.id)        # on no path of that rollback
#
# The walk carries "`results['ok']` is empty" as a truthy key (`empty_key`) from the binding to an
# empty literal on; the expiries made where it held hang on it at a join, and a test that finds
# the collection non-empty drops them. Anything else the statements do with the collection (fill
# it, hand it on, bind it, iterate it) forgets the key: the expiries hold again whatever it is.


def collection_text(expr: ast.expr) -> str | None:
    """`errors` for a name; `results['ok']` for an item of a local name under a constant key (a
    text that is never a Python name)."""
    if type(expr) is ast.Name:
        return expr.id
    if type(expr) is ast.Subscript and type(expr.value) is ast.Name and type(expr.slice) is ast.Constant:
        key = expr.slice.value
        if isinstance(key, (str, int)) and not isinstance(key, bool):
            return f"{expr.value.id}[{key!r}]"
    return None


def empty_key(text: str) -> str:
    """The fact "`text` holds an empty collection" as the walk's truthy names carry it."""
    return f"{text}\0empty"


#: Calls that make an empty collection when given nothing.
_EMPTY_BUILDERS = frozenset({"list", "dict", "set", "tuple", "frozenset"})


def is_empty_collection(expr: ast.expr) -> bool:
    """`[]`, `{}`, `()`, `set()`, `list()`."""
    if _empty_literal(expr):
        return True
    return (
        type(expr) is ast.Call
        and type(expr.func) is ast.Name
        and expr.func.id in _EMPTY_BUILDERS
        and not expr.args
        and not expr.keywords
    )


def tested_collections(body: list[ast.stmt]) -> frozenset[str]:
    """What the function's `if`, `while` and `assert` tests find empty or not (names, and items
    under constant keys): only these are worth an emptiness fact. Nested functions are their own."""
    found: set[str] = set()
    pending = [body]
    while pending:
        for node in pending.pop():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(node, (ast.If, ast.While, ast.Assert)):
                truths = truths_of(node.test, keyed=True)
                found |= truths.body_truthy | truths.orelse_truthy
            if node.__class__ in _BODILESS:
                continue
            for field in BODIES:
                block = getattr(node, field, None)
                if block:
                    pending.append(block)
    return frozenset(found)


class TestedCollections(Container[str]):
    """`tested_collections` of a function, walked out the first time the function binds a name
    to an empty collection."""

    __slots__ = ("_body", "_found")

    def __init__(self, body: list[ast.stmt]) -> None:
        self._body = body
        self._found: frozenset[str] | None = None

    def __contains__(self, text: object) -> bool:
        if self._found is None:
            self._found = tested_collections(self._body)
        return text in self._found


#: The expressions a compound statement evaluates itself (its blocks are statements of their own).
_HEADERS: dict[type[ast.stmt], tuple[str, ...]] = {
    ast.If: ("test",),
    ast.While: ("test",),
    ast.For: ("target", "iter"),
    ast.AsyncFor: ("target", "iter"),
    ast.With: ("items",),
    ast.AsyncWith: ("items",),
    ast.Match: ("subject",),
    ast.Try: (),
}


def touched_collections(node: ast.stmt, roots: Container[str]) -> tuple[set[str], set[str]]:
    """What a statement does with the local names in `roots` other than test them for emptiness:
    (the names touched as a whole, the `name[key]` texts touched). A nested function's body
    counts: it may run at any later call."""
    whole: set[str] = set()
    items: set[str] = set()
    fields = _HEADERS.get(type(node))
    if fields is None and type(node).__name__ == "TryStar":
        fields = ()
    pending: list[ast.AST] = [node] if fields is None else [getattr(node, f) for f in fields if hasattr(node, f)]
    skipped: set[int] = set()
    if isinstance(node, (ast.If, ast.While, ast.Assert)):
        skipped = {id(operand) for operand in _truth_operands(node.test)}
    while pending:
        current = pending.pop()
        if isinstance(current, list):
            pending.extend(current)
            continue
        if id(current) in skipped:
            continue
        if type(current) is ast.Name:
            if current.id in roots and type(current.ctx) is not ast.Store:
                whole.add(current.id)
            continue
        if type(current) is ast.Subscript and type(current.value) is ast.Name and current.value.id in roots:
            text = collection_text(current)
            if text is not None:
                items.add(text)
                continue
        pending.extend(ast.iter_child_nodes(current))
    return whole, items


def _truth_operands(test: ast.expr) -> list[ast.expr]:
    """The collections a test only asks the emptiness of (`if ok:`, `if not results["ok"]:`,
    `if len(ok) > 0:`): reading them so changes nothing."""
    if collection_text(test) is not None:
        return [test]
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
        return _truth_operands(test.operand)
    if type(test) is ast.BoolOp:
        return [operand for value in test.values for operand in _truth_operands(value)]
    counted = _counted(test, keyed=True)
    if counted is not None:
        return [counted]
    if type(test) is ast.Compare and len(test.ops) == 1:
        compared = _emptiness(test, keyed=True)
        if compared is not None:
            return [compared[0]]
    return []


# -- tests of a name against constants ----------------------------------------------

#: A literal a tested name is compared with, by its type and value. Only types whose values
#: never equal one another across types are taken (`str`, `bytes`, `int`, None): `True == 1`
#: and `1 == 1.0`, so booleans and floats tell nothing of exclusion.
Constant = tuple[str, str | bytes | int | None]


@record
class ValueFact:
    """What a test says a local name holds: one of `values` (`holds`), or none of them.
    `if fragment == "connect": ...` knows `fragment` is "connect" in its body, and that it is
    not in its `else`; a later `if fragment == "remove":` then runs on no path of the first body."""

    name: str
    values: frozenset[Constant]
    holds: bool

    @property
    def key(self) -> str:
        """The fact as the walk's truthy names carry it (never a Python name: it holds a NUL)."""
        shown = ",".join(sorted(repr(value) for value in self.values))
        return f"{self.name}\0{'in' if self.holds else 'not in'}\0{shown}"


def contradicts(known: ValueFact, other: ValueFact) -> bool:
    """Whether `other` cannot hold where `known` does (both of one name)."""
    if known.name != other.name:
        return False
    if known.holds and other.holds:
        return known.values.isdisjoint(other.values)
    if known.holds:
        return known.values <= other.values
    if other.holds:
        return other.values <= known.values
    return False


def value_facts_of(test: ast.expr, names: Container[str]) -> tuple[tuple[ValueFact, ...], tuple[ValueFact, ...]]:
    """What `test` says of the `names` (locals and parameters no call can rebind) where its body
    runs and where its `else` runs: `x == "a"`, `x != "a"`, `x in ("a", "b")`, `x not in {...}`,
    `x is None`, `x is not None`, negated, and in a conjunction (each operand held in the body) or
    a disjunction (each failed in the `else`)."""
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
        body, orelse = value_facts_of(test.operand, names)
        return orelse, body
    if type(test) is ast.BoolOp:
        parts = [value_facts_of(value, names) for value in test.values]
        if type(test.op) is ast.And:
            return tuple(fact for body, _ in parts for fact in body), ()
        return (), tuple(fact for _, orelse in parts for fact in orelse)
    if not (type(test) is ast.Compare and len(test.ops) == 1):
        return (), ()
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if type(left) is not ast.Name and isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
        left, right = right, left
    if type(left) is not ast.Name:
        return (), ()
    values: frozenset[Constant] | None = None
    if isinstance(op, (ast.Eq, ast.NotEq)):
        value = _constant(right)
        values = None if value is None else frozenset({value})
    elif isinstance(op, (ast.Is, ast.IsNot)):
        values = frozenset({_NONE}) if type(right) is ast.Constant and right.value is None else None
    elif isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List, ast.Set)) and right.elts:
        items = [_constant(item) for item in right.elts]
        values = frozenset(item for item in items if item is not None) if None not in items else None
    # (The names last: asking them may walk the function's body, `UnrebindableNames`.)
    if values is None or left.id not in names:
        return (), ()
    holds = isinstance(op, (ast.Eq, ast.Is, ast.In))
    return (ValueFact(left.id, values, holds),), (ValueFact(left.id, values, not holds),)


_NONE: Constant = ("NoneType", None)


def _constant(expr: ast.expr) -> Constant | None:
    if type(expr) is not ast.Constant:
        return None
    value = expr.value
    if value is None:
        return _NONE
    if isinstance(value, (str, bytes)) or (isinstance(value, int) and not isinstance(value, bool)):
        return (type(value).__name__, value)
    return None


class UnrebindableNames(Container[str]):
    """`unrebindable_names` of a function, walked out the first time a test compares a name with
    a constant: a walk of every function's whole body up front cost a tenth of a cold check, for
    the few functions whose tests ever ask."""

    __slots__ = ("_body", "_names", "_parameters")

    def __init__(self, parameters: Collection[str], body: list[ast.stmt]) -> None:
        self._parameters = parameters
        self._body = body
        self._names: frozenset[str] | None = None

    def __contains__(self, name: object) -> bool:
        if self._names is None:
            self._names = unrebindable_names(self._parameters, self._body)
        return name in self._names


#: `global` and `nonlocal`: the names they list are bound elsewhere too.
_SHARING_STATEMENTS: frozenset[type[ast.AST]] = frozenset({ast.Global, ast.Nonlocal})
#: Nodes that bind their `name` (a definition; a capture pattern).
_NAMING_NODES: frozenset[type[ast.AST]] = frozenset(
    {ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.MatchAs, ast.MatchStar}
)
#: Nodes whose inside is a scope of its own.
_OWN_SCOPES: frozenset[type[ast.AST]] = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef})
#: Comprehensions: their targets are bound in a scope of their own.
_COMPREHENSIONS: frozenset[type[ast.AST]] = frozenset({ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp})


def unrebindable_names(parameters: Collection[str], body: list[ast.stmt]) -> frozenset[str]:
    """The parameters and local names of a function that only its own statements bind: not
    declared `global` or `nonlocal` in it, nor `nonlocal` in a function nested in it (a call of
    which could bind them between two tests). A module's name is not one: any call may bind it."""
    bound = set(parameters)
    shared: set[str] = set()
    #: (node, whether it is in the function's own scope, whether in a comprehension)
    pending: list[tuple[ast.AST, bool, bool]] = [(node, True, False) for node in body]
    while pending:
        node, own, comprehended = pending.pop()
        if type(node) is ast.Name:
            # (The commonest node, and a leaf: its context is all it holds.)
            if own and type(node.ctx) is ast.Store:
                bound.add(node.id)
            continue
        # Exact classes, not isinstance: no `ast` class has subclasses, and this runs for every node.
        kind = type(node)
        if kind in _SHARING_STATEMENTS and isinstance(node, (ast.Global, ast.Nonlocal)):
            shared.update(node.names)
        elif type(node) is ast.NamedExpr and type(node.target) is ast.Name:
            # (A walrus may bind the name inside the very test that compares it, after the
            # comparison, or from a comprehension's scope: kept out rather than followed.)
            shared.add(node.target.id)
        elif type(node) is ast.alias:
            shared.add((node.asname or node.name).split(".")[0])  # (the walk does not follow these)
        elif kind in _NAMING_NODES and isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.MatchAs, ast.MatchStar)
        ):
            if node.name:  # (a capture pattern binds it too)
                shared.add(node.name)
        elif type(node) is ast.MatchMapping and node.rest:
            shared.add(node.rest)
        inner = own and kind not in _OWN_SCOPES
        within = comprehended or kind in _COMPREHENSIONS
        pending.extend((child, inner and not within, within) for child in binding_children(node))
    return frozenset(bound - shared)
