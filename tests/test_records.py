"""Records: built without compiling a method per class, equal, hashed, shown and pickled as the
frozen dataclasses they stand for."""

from __future__ import annotations

import dataclasses
import gc
import pickle
from typing import Any, cast

import pytest

from alchemy_lint import prefilter
from alchemy_lint.facts import extract_facts, loading, model, parse_source, values
from alchemy_lint.facts.model import FileFacts
from alchemy_lint.index import outline
from alchemy_lint.records import is_record, record, replace

SOURCE = b"""\
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

Factory = async_sessionmaker(expire_on_commit=False)


async def load(session: AsyncSession, order_id: int) -> None:
    order = await session.get(Order, order_id, options=[selectinload(Order.lines)])
    for line in order.lines:
        print(line.product.name)
    await session.commit()
"""


def _facts() -> FileFacts:
    return extract_facts(parse_source(SOURCE, "app/orders.py"), "app/orders.py", "app.orders", False)


def _generic_state(item: object) -> list[Any]:
    """What `dataclasses` itself returns as the state of a frozen slotted object."""
    return [getattr(item, field.name) for field in dataclasses.fields(item)]  # type: ignore[arg-type]


def _facts_classes() -> list[type]:
    return [
        item
        for module in (model, values, loading, outline, prefilter)
        for item in vars(module).values()
        if isinstance(item, type) and dataclasses.is_dataclass(item) and item.__module__ == module.__name__
    ]


def test_every_facts_class_is_a_record_with_the_fast_state() -> None:
    checked = 0
    for item in _facts_classes():
        if is_record(item):
            assert hasattr(item, "__slots__"), item
            assert vars(item)["__setstate__"].__module__ == "alchemy_lint.records", item
            assert vars(item)["__reduce_ex__"].__module__ == "alchemy_lint.records", item
            checked += 1
    assert checked >= 50


def test_records_are_built_without_guards_and_hash_and_compare_as_frozen_ones() -> None:
    # `record` builds no `__setattr__` guard (mypy holds the classes frozen) and keeps the frozen
    # dataclass's equality and hash, which the index's sets and dictionaries rely on.
    facts = _facts()
    function = facts.functions[0]
    for item in _facts_classes():
        if is_record(item):
            assert "__setattr__" not in vars(item) and "__delattr__" not in vars(item), item
            assert item.__hash__ is not None, item
    origins = [origin for origins in facts.module_values.values() for origin in origins]
    assert origins
    twin = pickle.loads(pickle.dumps(origins))
    assert twin == origins
    assert [hash(origin) for origin in twin] == [hash(origin) for origin in origins]
    assert dataclasses.replace(function, name="other") != function
    assert dataclasses.replace(function, name=function.name) == function


def test_facts_round_trip_through_pickle() -> None:
    facts = _facts()
    assert facts.functions and facts.functions[0].loading is not None
    assert pickle.loads(pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)) == facts


def test_the_state_is_the_one_dataclasses_would_give() -> None:
    facts = _facts()
    assert facts.__getstate__() == _generic_state(facts)
    function = facts.functions[0]
    assert function.__getstate__() == _generic_state(function)


def test_pickling_hands_over_the_class_and_the_field_values() -> None:
    facts = _facts()
    function = facts.functions[0]
    rebuild, arguments, state = cast("tuple[Any, ...]", function.__reduce_ex__(pickle.HIGHEST_PROTOCOL))
    assert arguments == (type(function),)
    assert state == tuple(_generic_state(function))
    rebuilt = rebuild(*arguments)
    rebuilt.__setstate__(state)
    assert rebuilt == function


def test_an_entry_pickled_with_the_generic_state_loads() -> None:
    """Cache entries written before the fast reduction (a list as each object's state) load."""
    facts = _facts()
    fast = pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)
    classes = {type(item) for item in _dataclass_objects(facts)}
    for cls in classes:
        type.__setattr__(cls, "__fast_reduce_ex__", cls.__dict__["__reduce_ex__"])
        type.__delattr__(cls, "__reduce_ex__")
    try:
        generic = pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        for cls in classes:
            type.__setattr__(cls, "__reduce_ex__", cls.__dict__["__fast_reduce_ex__"])
            type.__delattr__(cls, "__fast_reduce_ex__")
    assert generic != fast
    assert pickle.loads(generic) == pickle.loads(fast) == facts


def _dataclass_objects(item: object) -> list[object]:
    """`item` and every dataclass object inside it."""
    found: list[object] = []
    pending = [item]
    while pending:
        current = pending.pop()
        if dataclasses.is_dataclass(current):
            found.append(current)
            pending.extend(getattr(current, field.name) for field in dataclasses.fields(current))
        elif isinstance(current, (tuple, list, frozenset)):
            pending.extend(current)
        elif isinstance(current, dict):
            pending.extend(current.values())
    return found


def test_a_state_written_by_the_generic_method_loads() -> None:
    facts = _facts()
    rebuilt = object.__new__(FileFacts)
    rebuilt.__setstate__(_generic_state(facts))  # type: ignore[attr-defined]
    assert rebuilt == facts


@record
class _Order:
    number: int
    status: str = "open"
    lines: dict[str, int] = dataclasses.field(default_factory=dict)
    note: str = dataclasses.field(default="", compare=False, repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class _FrozenOrder:
    number: int
    status: str = "open"
    lines: dict[str, int] = dataclasses.field(default_factory=dict)
    note: str = dataclasses.field(default="", compare=False, repr=False)


@record
class _Single:
    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class _FrozenSingle:
    name: str


@record
class _Empty:
    pass


@record
class _Tree:
    label: str
    children: list[_Tree]


def test_a_record_builds_compares_and_shows_as_the_frozen_dataclass() -> None:
    calls: list[dict[str, Any]] = [
        {"number": 1},
        {"number": 2, "status": "paid"},
        {"number": 3, "lines": {"a": 1}},
        {"number": 4, "status": "x", "lines": {}, "note": "n"},
    ]
    records = [_Order(**call) for call in calls]
    frozen = [_FrozenOrder(**call) for call in calls]
    assert [repr(item) for item in records] == [repr(item).replace("_FrozenOrder", "_Order") for item in frozen]
    assert [dataclasses.astuple(item) for item in records] == [dataclasses.astuple(item) for item in frozen]
    assert _Order(1, note="a") == _Order(1, note="b")  # `compare=False`, as in the dataclass
    assert _FrozenOrder(1, note="a") == _FrozenOrder(1, note="b")
    assert _Order(1) != _Order(1, "paid")
    assert _Order(5).lines is not _Order(5).lines  # a fresh dict from the factory each time
    assert _Order(1).__eq__(_FrozenOrder(1)) is NotImplemented
    assert dataclasses.replace(records[1], status="shipped") == _Order(2, "shipped")
    assert _Order.__match_args__ == _FrozenOrder.__match_args__
    assert [field.name for field in dataclasses.fields(_Order)] == ["number", "status", "lines", "note"]


def test_a_record_is_replaced_as_dataclasses_replaces_the_frozen_dataclass() -> None:
    item, frozen = _Order(4, "x", {"a": 1}, "n"), _FrozenOrder(4, "x", {"a": 1}, "n")
    for changes in ({}, {"status": "paid"}, {"number": 5, "note": "m"}, {"lines": {}}):
        replaced = replace(item, **changes)
        assert replaced.__class__ is _Order and replaced is not item
        assert dataclasses.astuple(replaced) == dataclasses.astuple(dataclasses.replace(frozen, **changes))
        assert replaced.note == dataclasses.replace(frozen, **changes).note  # (not compared)
    assert replace(item).lines is item.lines  # the values themselves, as `dataclasses` hands them
    with pytest.raises(TypeError):
        replace(item, colour="red")
    assert replace(_Empty()) == _Empty()
    assert replace(frozen, status="paid") == dataclasses.replace(frozen, status="paid")  # any dataclass


def test_a_record_hashes_as_the_frozen_dataclass() -> None:
    assert hash(_Single("a")) == hash(_FrozenSingle("a"))
    assert hash(_Order(1, "paid", note="x").__class__) is not None
    assert {_Single("a"), _Single("a"), _Single("b")} == {_Single("a"), _Single("b")}
    assert hash(_Empty()) == hash(()) and _Empty() == _Empty()
    with pytest.raises(TypeError):
        hash(_Order(1))  # a dict field: unhashable, as in the frozen dataclass
    with pytest.raises(TypeError):
        hash(_FrozenOrder(1))


def test_a_recursive_record_shows_an_ellipsis() -> None:
    tree = _Tree("root", [])
    tree.children.append(tree)
    assert repr(tree) == "_Tree(label='root', children=[...])"


def test_records_of_one_field_and_of_none_pickle() -> None:
    for item in (_Single("a"), _Empty(), _Order(3, lines={"a": 1}, note="n")):
        assert pickle.loads(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)) == item
    rebuilt = object.__new__(_Single)
    rebuilt.__setstate__(["a"])  # type: ignore[attr-defined]
    assert rebuilt == _Single("a")
    assert _Single("a").__getstate__() == ["a"]


def test_a_class_that_writes_its_own_methods_or_checks_its_fields_is_refused() -> None:
    with pytest.raises(TypeError):

        @record
        class _Shown:
            name: str

            def __repr__(self) -> str:
                return self.name

    with pytest.raises(TypeError):

        @record
        class _Checked:
            number: int

            def __post_init__(self) -> None:
                assert self.number >= 0


def test_the_first_call_of_a_written_method_leaves_nothing_for_the_collector() -> None:
    # The methods are compiled on their first call: the stand-in they replace must be freed by
    # reference counting, or each class's first comparison leaves a cycle behind.
    @record
    class Point:
        x: int
        y: int

    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        first, second = Point(1, 2), Point(1, 2)
        assert first == second and hash(first) == hash(second) and repr(first).endswith("Point(x=1, y=2)")
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


def test_a_stand_in_taken_before_the_first_call_still_runs_the_written_method() -> None:
    @record
    class Pair:
        left: str
        right: str

    stand_in = Pair.__dict__["__eq__"]
    assert stand_in(Pair("a", "b"), Pair("a", "b")) is True  # compiles and replaces itself
    assert Pair.__dict__["__eq__"] is not stand_in
    assert stand_in(Pair("a", "b"), Pair("a", "c")) is False  # the written method answers


class _CountedKey:
    """A field value that counts how often it is hashed."""

    hashed = 0

    def __hash__(self) -> int:
        _CountedKey.hashed += 1
        return 7

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _CountedKey)


@record
class _Keyed:
    key: object
    name: str = "a"


def test_a_record_is_hashed_once_and_its_hash_never_pickled() -> None:
    item = _Keyed(_CountedKey())
    before = pickle.dumps(item)
    _CountedKey.hashed = 0
    assert hash(item) == hash(item) == hash(_Keyed(_CountedKey()))
    assert _CountedKey.hashed == 2  # `item` once, the other record once
    # What the hash is made of differs from process to process: the pickle never holds it.
    assert pickle.dumps(item) == before
    again = pickle.loads(before)
    assert again == item and hash(again) == hash(item)
    assert _Keyed.__mro__[1].__name__ == "_HashSlot" and not hasattr(again, "__dict__")


def test_records_of_one_shape_compile_each_method_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import alchemy_lint.records as records

    for template in (records._INIT, records._SETSTATE, records._EQ, records._HASH, records._REPLACE):
        monkeypatch.setattr(template, "_compiled", {})  # nothing compiled before this test
    compiled: list[str] = []

    def counted_exec(source: str, namespace: dict[str, Any]) -> None:
        compiled.append(source.split("(", 1)[0])
        exec(source, namespace)

    monkeypatch.setattr(records, "exec", counted_exec, raising=False)

    @record
    class First:
        a: int
        b: int
        c: list[int] = dataclasses.field(default_factory=list, hash=False)
        d: int = 1
        e: int = 2
        f: int = 3
        g: int = 4

    @record
    class Second:
        one: str
        two: str
        three: list[str] = dataclasses.field(default_factory=list, hash=False)
        four: str = "4"
        five: str = "5"
        six: str = "6"
        seven: str = "7"

    first, second = First(1, 2, d=9), Second("1", "2", seven="x")
    assert (first.a, first.b, first.c, first.d, first.g) == (1, 2, [], 9, 4)
    assert (second.one, second.three, second.four, second.seven) == ("1", [], "4", "x")
    assert First(1, 2).c is not First(1, 2).c  # a new list per object, as `default_factory` says
    assert replace(second, two="b") == Second("1", "b", seven="x") != second
    assert hash(replace(first, d=1)) == hash(First(1, 2)) and hash(second) == hash(Second("1", "2", seven="x"))
    rebuilt = object.__new__(Second)
    rebuilt.__setstate__(second.__getstate__())  # type: ignore[attr-defined]
    assert rebuilt == second
    methods = ("def __init__", "def __setstate__", "def __eq__", "def __hash__", "def __replace__")
    assert [compiled.count(method) for method in methods] == [1, 1, 1, 1, 1]


def test_a_record_whose_field_without_default_follows_one_with_a_default_is_refused() -> None:
    with pytest.raises(TypeError, match="'late' follows default argument"):

        @record
        class _Unordered:
            early: int = 0
            late: int  # type: ignore[misc]
