"""Fast pickling for the frozen, slotted dataclasses of facts and findings.

`dataclasses` gives such a class a generic `__getstate__`/`__setstate__` that calls `fields()`
and `object.__setattr__` per field of every object; loading a project's cached facts spent two
thirds of its time there. The replacements keep the same state (the list of field values in
field order), so entries pickled either way load either way.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

_State = list[Any]


def install_fast_state(modules: Iterable[types.ModuleType]) -> int:
    """Give every frozen slotted dataclass defined in these modules the fast state methods;
    returns how many classes got them."""
    installed = 0
    for module in modules:
        for item in vars(module).values():
            if (
                isinstance(item, type)
                and item.__module__ == module.__name__
                and dataclasses.is_dataclass(item)
                and _install(item)
            ):
                installed += 1
    return installed


def _install(cls: type) -> bool:
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__setstate__" not in cls.__dict__:
        return False  # not frozen and slotted: pickled through its __dict__, nothing to speed up
    names = tuple(field.name for field in dataclasses.fields(cls))
    slots = [_slot(cls, name) for name in names]
    if not names or any(slot is None for slot in slots):
        return False
    setters: tuple[Callable[[object, object], None], ...] = tuple(slot.__set__ for slot in slots if slot is not None)
    read = attrgetter(*names)

    def __getstate__(self: object) -> _State:
        values = read(self)
        return list(values) if len(names) > 1 else [values]

    def __setstate__(self: object, state: _State) -> None:
        for setter, value in zip(setters, state, strict=False):
            setter(self, value)

    type.__setattr__(cls, "__getstate__", __getstate__)
    type.__setattr__(cls, "__setstate__", __setstate__)
    return True


def _slot(cls: type, name: str) -> types.MemberDescriptorType | None:
    """The slot descriptor that stores field `name` (on the class or a base)."""
    for klass in cls.__mro__:
        member = klass.__dict__.get(name)
        if isinstance(member, types.MemberDescriptorType):
            return member
    return None
