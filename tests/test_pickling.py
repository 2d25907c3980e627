"""Facts pickle through fast state methods that keep the dataclasses' own state format."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest

from alchemy_lint import prefilter
from alchemy_lint.facts import extract_facts, loading, model, parse_source, values
from alchemy_lint.facts.model import FileFacts
from alchemy_lint.index import outline
from alchemy_lint.pickling import install_fast_methods

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


def test_every_frozen_slotted_facts_class_has_the_fast_state() -> None:
    checked = 0
    for item in _facts_classes():
        params = item.__dataclass_params__  # type: ignore[attr-defined]
        if (params.frozen or params.unsafe_hash) and hasattr(item, "__slots__"):
            assert item.__setstate__.__module__ == "alchemy_lint.pickling", item
            assert item.__reduce_ex__.__module__ == "alchemy_lint.pickling", item
            checked += 1
    assert checked >= 40


def test_facts_classes_are_built_without_guards_and_hash_and_compare_as_frozen_ones() -> None:
    # `facts_class` builds no `__setattr__` guard (mypy holds the classes frozen) and keeps the
    # frozen dataclass's equality and hash, which the index's sets and dictionaries rely on.
    facts = _facts()
    function = facts.functions[0]
    for item in _facts_classes():
        if item.__dataclass_params__.unsafe_hash:  # type: ignore[attr-defined]
            assert item.__setattr__ is object.__setattr__, item
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
    assert facts.__getstate__() == _generic_state(facts)  # type: ignore[attr-defined]
    function = facts.functions[0]
    assert function.__getstate__() == _generic_state(function)  # type: ignore[attr-defined]


def test_pickling_hands_over_the_class_and_the_field_values() -> None:
    facts = _facts()
    function = facts.functions[0]
    rebuild, arguments, state = function.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
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


def test_a_class_with_one_field_and_a_plain_class_are_handled() -> None:
    import types

    module = types.ModuleType("scratch")

    @dataclasses.dataclass(frozen=True, slots=True)
    class Single:
        name: str

    @dataclasses.dataclass
    class Plain:
        name: str

    Single.__module__ = Plain.__module__ = module.__name__
    module.Single = Single  # type: ignore[attr-defined]
    module.Plain = Plain  # type: ignore[attr-defined]
    assert install_fast_methods([module]) == 1
    assert Single.__getstate__(Single("a")) == ["a"]  # type: ignore[attr-defined]
    rebuild, arguments, state = Single("a").__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    assert state == ("a",)
    rebuilt = rebuild(*arguments)
    rebuilt.__setstate__(state)
    assert rebuilt == Single("a")
    rebuilt = object.__new__(Single)
    rebuilt.__setstate__(["a"])  # type: ignore[attr-defined]
    assert rebuilt == Single("a")


def _scratch_module(*classes: type) -> Any:
    import types

    module = types.ModuleType("scratch")
    for cls in classes:
        cls.__module__ = module.__name__
        setattr(module, cls.__name__, cls)
    return module


def test_the_written_out_init_builds_what_the_dataclass_init_built() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Order:
        number: int
        status: str = "open"
        lines: dict[str, int] = dataclasses.field(default_factory=dict)

    before = [Order(1), Order(2, "paid"), Order(3, lines={"a": 1}), Order(number=4, status="x", lines={})]
    generated_init = Order.__init__
    assert install_fast_methods([_scratch_module(Order)]) == 1
    assert Order.__init__ is not generated_init
    after = [Order(1), Order(2, "paid"), Order(3, lines={"a": 1}), Order(number=4, status="x", lines={})]
    assert after == before
    assert Order(5).lines is not Order(5).lines  # a fresh dict from the factory each time
    assert dataclasses.replace(after[1], status="shipped") == Order(2, "shipped")


def test_a_class_with_a_post_init_keeps_its_own_init() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        number: int

        def __post_init__(self) -> None:
            if self.number < 0:
                raise ValueError(self.number)

    generated_init = Checked.__init__
    install_fast_methods([_scratch_module(Checked)])
    assert Checked.__init__ is generated_init
    assert Checked(1).number == 1
    with pytest.raises(ValueError):
        Checked(-1)
