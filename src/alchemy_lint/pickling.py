"""Fast construction and pickling for the frozen, slotted dataclasses of facts and findings.

`dataclasses` gives such a class an `__init__` that stores each field through
`object.__setattr__` (its own `__setattr__` refuses), and a generic `__getstate__`/`__setstate__`
that calls `fields()` and `object.__setattr__` per field of every object: building a project's
facts spent a tenth of its walk in those `__init__`s, and loading cached facts two thirds of its
time in `__setstate__`. The replacements store into the slots directly and keep the same state
(the field values in field order), so entries pickled either way load either way.

Pickling goes through a written-out `__reduce_ex__` as well: `object.__reduce_ex__` looks up
`__getnewargs_ex__`, `__getnewargs__` and `__getstate__` on every object before it calls the
last, and the state it builds is a list copied from a tuple. Handing the pickler the class and
the tuple of field values cut a quarter of the time a worker process spends pickling the facts
it sends back (`-j N`), and of a cache write.

Frozenness stays a promise that mypy checks; the run-time guard of `__setattr__` goes, since with
it in place no store is cheap. The facts classes are declared with `facts_class`, which mypy reads
as `@dataclass(frozen=True, slots=True)` and which builds neither that guard nor the `__init__`
that stores around it: building them was most of the facts package's import.
"""

from __future__ import annotations

import copyreg
import dataclasses
import types
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # only type checkers read it (and `typing` has it from Python 3.11 only)

    def dataclass_transform(**_: object) -> Callable[[Any], Any]:
        return lambda decorator: decorator


_State = list[Any]

#: Stands for "not given" in a written-out `__init__` of a field with a default factory.
_NOT_GIVEN: Any = object()
#: Marks a class built by `facts_class`.
_FACTS_CLASS = "__alchemy_lint_facts_class__"

_T = TypeVar("_T")


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def facts_class(cls: type[_T]) -> type[_T]:
    """`@dataclass(frozen=True, slots=True)` for a class of a module `install_fast_methods` runs
    over, built without what it would take away again: the `__setattr__` and `__delattr__`
    guards and the `__init__` that stores around them (its own is plain slot stores). Three of
    the eight functions `exec` compiles per class: facts/model.py's 29 classes, 20 -> 10 ms.
    Hash and equality are the frozen class's (`unsafe_hash` writes the same `__hash__`)."""
    built = dataclasses.dataclass(slots=True, unsafe_hash=True)(cls)
    type.__setattr__(built, _FACTS_CLASS, True)
    return built


def install_fast_methods(modules: Iterable[types.ModuleType]) -> int:
    """Give every frozen slotted dataclass defined in these modules the fast `__init__` and
    state methods; returns how many classes got them."""
    classes = [
        item
        for module in modules
        for item in vars(module).values()
        if isinstance(item, type) and item.__module__ == module.__name__ and dataclasses.is_dataclass(item)
    ]
    candidates = [cls for cls in classes if _frozen_and_slotted(cls) or _FACTS_CLASS in cls.__dict__]
    # The guards go first, all of them: a class whose base still refuses stores keeps its own
    # `__init__`, which stores around the guard.
    for cls in candidates:
        for name in ("__setattr__", "__delattr__"):
            if name in cls.__dict__:
                type.__delattr__(cls, name)
    return sum(_install(cls) for cls in candidates)


def _frozen_and_slotted(cls: type) -> bool:
    params = getattr(cls, "__dataclass_params__", None)
    # Not frozen and slotted: built and pickled through plain stores and `__dict__` already.
    return params is not None and bool(params.frozen) and "__setstate__" in cls.__dict__


def _install(cls: type) -> bool:
    fields = dataclasses.fields(cls)
    names = tuple(field.name for field in fields)
    slots = [_slot(cls, name) for name in names]
    if not names or any(slot is None for slot in slots):
        return False
    plain_stores = cls.__setattr__ is object.__setattr__  # type: ignore[comparison-overlap]
    # A `facts_class` has plain slot stores in its own `__init__` already.
    if plain_stores and _FACTS_CLASS not in cls.__dict__ and _init_is_writable(cls, fields):
        type.__setattr__(cls, "__init__", _initialiser(cls, fields))
    read = attrgetter(*names)

    def __getstate__(self: object) -> _State:
        values = read(self)
        return list(values) if len(names) > 1 else [values]

    type.__setattr__(cls, "__getstate__", __getstate__)
    type.__setattr__(cls, "__reduce_ex__", _reducer(cls, read, single=len(names) == 1))
    stores = [f"self.{name}" for name in names] if plain_stores else [f"_store_{n}" for n in range(len(names))]
    type.__setattr__(cls, "__setstate__", _state_setter(cls.__qualname__, stores, slots))
    return True


#: What `object.__reduce_ex__` hands the pickler for a new object: the pickler writes it as
#: the NEWOBJ opcode, and unpickling calls `cls.__new__(cls)` and then `__setstate__`.
_NEW_OBJECT = copyreg.__newobj__  # type: ignore[attr-defined]


def _reducer(cls: type, read: attrgetter[Any], *, single: bool) -> Callable[[object, int], object]:
    """`__reduce_ex__`: the new object's class and the tuple of its field values as its state,
    which `__setstate__` unpacks as it unpacks the list that `__getstate__` returns."""
    arguments = (cls,)
    generic = object.__reduce_ex__

    def __reduce_ex__(self: object, protocol: int) -> object:
        if protocol < 2:  # pragma: no cover - nothing of ours pickles below protocol 2
            return generic(self, protocol)
        return (_NEW_OBJECT, arguments, (read(self),) if single else read(self))

    __reduce_ex__.__qualname__ = f"{cls.__qualname__}.__reduce_ex__"
    return __reduce_ex__


def _init_is_writable(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> bool:
    """Whether the written-out `__init__` covers what the class asks of one: every field an
    ordinary parameter, nothing to run after."""
    return not hasattr(cls, "__post_init__") and all(field.init and not field.kw_only for field in fields)


def _initialiser(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    """`__init__` as `dataclasses` writes it for an unfrozen class: one plain slot store per field."""
    namespace: dict[str, Any] = {"__name__": __name__, "_NOT_GIVEN": _NOT_GIVEN}
    parameters: list[str] = []
    body: list[str] = []
    for field in fields:
        name = field.name
        if field.default is not dataclasses.MISSING:
            namespace[f"_default_{name}"] = field.default
            parameters.append(f"{name}=_default_{name}")
            body.append(f"    self.{name} = {name}\n")
        elif field.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{name}"] = field.default_factory
            parameters.append(f"{name}=_NOT_GIVEN")
            body.append(f"    self.{name} = _factory_{name}() if {name} is _NOT_GIVEN else {name}\n")
        else:
            parameters.append(name)
            body.append(f"    self.{name} = {name}\n")
    exec(f"def __init__(self, {', '.join(parameters)}):\n{''.join(body)}", namespace)
    initialiser: Callable[..., None] = namespace["__init__"]
    initialiser.__qualname__ = f"{cls.__qualname__}.__init__"
    return initialiser


def _state_setter(
    qualname: str, stores: list[str], slots: list[types.MemberDescriptorType | None]
) -> Callable[[object, _State], None]:
    """`__setstate__` written out for these slots, as `dataclasses` writes `__init__`: one
    unpacking and one slot store per field, no loop. Unpickling a project's facts runs it
    some 200,000 times, and the loop over `zip` took a third longer. `stores` are plain
    attribute targets (`self.name`) or slot setters (`_store_0`) where a guard refuses them."""
    values = [f"value_{number}" for number in range(len(stores))]
    lines = "".join(
        f"    {store} = {value}\n" if store.startswith("self.") else f"    {store}(self, {value})\n"
        for store, value in zip(stores, values, strict=True)
    )
    code = f"def __setstate__(self, state):\n    {', '.join(values)}, = state\n{lines}"
    namespace: dict[str, Any] = {"__name__": __name__}
    namespace.update({f"_store_{number}": slot.__set__ for number, slot in enumerate(slots) if slot is not None})
    exec(code, namespace)
    setter: Callable[[object, _State], None] = namespace["__setstate__"]
    setter.__qualname__ = f"{qualname}.__setstate__"
    return setter


def _slot(cls: type, name: str) -> types.MemberDescriptorType | None:
    """The slot descriptor that stores field `name` (on the class or a base)."""
    for klass in cls.__mro__:
        member = klass.__dict__.get(name)
        if isinstance(member, types.MemberDescriptorType):
            return member
    return None
