"""Records: frozen, slotted dataclasses built fast and pickled fast.

`@dataclass(frozen=True, slots=True)` compiles every method it writes (`__init__`, `__repr__`,
`__eq__`, `__hash__`, and the `__setattr__` and `__delattr__` guards: six sources per class), and
a class without a docstring gets one from `inspect.signature`. Importing what a one-file check
needs built some 120 such classes, half of the import's time. `record` writes `__init__`,
`__setstate__`, `__eq__`, `__hash__` and `__repr__` as `dataclasses` does, each made on the
class's first call of it (closures over `attrgetter` instead were half again as slow, and these
key the index's dictionaries), and all but `__repr__` from a template compiled once per shape
and renamed for the class: a one-file check compiled 99 methods, 57 now. So is `__replace__`,
which this module's `replace` calls: `dataclasses.replace` walks the fields' definitions on
every call, and the facts pass replaced some 36,000 records on a cold check of a 1,000-file
application.

Pickling goes through a written-out `__reduce_ex__`: `object.__reduce_ex__` looks up
`__getnewargs_ex__`, `__getnewargs__` and `__getstate__` on every object before it calls the
last, and the state it builds is a list copied from a tuple. Handing the pickler the class and
the tuple of field values cut a quarter of the time a worker process spends pickling the facts
it sends back (`-j N`), and of a cache write. `__setstate__` unpacks either (entries written with
the generic list state load too), one slot store per field and no loop: unpickling a project's
facts runs it some 200,000 times, and a loop over `zip` took a third longer.

Frozenness is a promise that mypy checks: the run-time guard of `__setattr__` goes, since with it
in place no store is cheap.
"""

from __future__ import annotations

import copyreg
import dataclasses
import reprlib
from collections.abc import Callable
from operator import attrgetter
from types import CodeType, FunctionType
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # only type checkers read it (and `typing` has it from Python 3.11 only)

    def dataclass_transform(**_: object) -> Callable[[Any], Any]:
        return lambda decorator: decorator


_T = TypeVar("_T")
_Fields = tuple[dataclasses.Field[Any], ...]
_Read = Callable[[object], Any]

#: Stands for "not given" in a written-out `__init__` of a field with a default factory.
_NOT_GIVEN: Any = object()
#: Marks a class built by `record`.
_RECORD = "__alchemy_lint_record__"
#: What `object.__reduce_ex__` hands the pickler for a new object: the pickler writes it as
#: the NEWOBJ opcode, and unpickling calls `cls.__new__(cls)` and then `__setstate__`.
_NEW_OBJECT = copyreg.__newobj__  # type: ignore[attr-defined]
#: The methods `record` writes.
_WRITTEN = (
    "__init__",
    "__setstate__",
    "__eq__",
    "__hash__",
    "__repr__",
    "__replace__",
    "__getstate__",
    "__reduce_ex__",
)
#: Stands for "keep the field's value" in a written-out `__replace__`.
_KEPT: Any = object()


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[_T]) -> type[_T]:
    """`@dataclass(frozen=True, slots=True)`, built and pickled fast (see the module)."""
    if not cls.__doc__:
        # What `dataclasses` would ask `inspect.signature` for, without it.
        cls.__doc__ = f"{cls.__name__}(...)"
    if cls.__bases__ != (object,):
        raise TypeError(f"{cls.__qualname__}: a record has no base class")
    # (Asked before `dataclasses` runs: from Python 3.13 it writes a `__replace__` of its own.)
    writes_its_own = any(name in cls.__dict__ for name in _WRITTEN)
    dataclasses.dataclass(init=False, repr=False, eq=False)(cls)  # (its fields, on the class itself)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if any(not field.init or field.kw_only for field in fields) or hasattr(cls, "__post_init__") or writes_its_own:
        raise TypeError(f"{cls.__qualname__}: a record writes its methods, and takes its fields as plain parameters")
    built: Any = _slotted(cls, tuple(field.name for field in fields))
    state = _reader(tuple(field.name for field in fields))
    methods: dict[str, Callable[..., Any]] = {
        **_written_methods(fields),
        "__getstate__": lambda self: list(state(self)),
        "__reduce_ex__": _reducer(built, state),
    }
    for name, method in methods.items():
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        type.__setattr__(built, name, method)
    type.__setattr__(built, _RECORD, True)
    return cast("type[_T]", built)


class _HashSlot:
    """The base of a record: one slot for its hash, computed on first use and never pickled.

    Records key dictionaries and fill sets as parts of other records (an expiry holds the origins
    of its session, a hand-over its known arguments): a cold check of a 1,000-file application
    hashed 2.4 million of them, most as parts of an object hashed before. A record is immutable,
    so its hash is too; its fields' hashes of strings differ from process to process, which is
    why the slot is never part of the pickled state."""

    __slots__ = ("_hash",)


def _slotted(cls: type, names: tuple[str, ...]) -> type:
    """The class made again with a slot per field, on `_HashSlot`: what `dataclass(slots=True)`
    does, which would make it again without that base."""
    namespace = {
        name: value
        for name, value in cls.__dict__.items()
        if name not in names and name not in ("__dict__", "__weakref__")
    }
    namespace["__slots__"] = names
    built = type(cls)(cls.__name__, (_HashSlot,), namespace)
    built.__qualname__ = cls.__qualname__
    return built


def is_record(cls: type) -> bool:
    return _RECORD in cls.__dict__


def replace(obj: _T, /, **changes: Any) -> _T:
    """`dataclasses.replace`: through a record's written-out `__replace__`, which skips the walk
    over the fields' definitions that `dataclasses` makes on every call (any other dataclass
    goes to `dataclasses.replace`)."""
    written = obj.__class__.__dict__.get("__replace__")
    if written is None:
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    return cast("_T", written(obj, **changes))


def _reader(names: tuple[str, ...]) -> _Read:
    """The tuple of these fields' values (`attrgetter` gives a bare value for one name)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda item: (one(item),)
    return lambda _: ()


def _written_methods(fields: _Fields) -> dict[str, Callable[..., Any]]:
    """The methods, written out as `dataclasses` writes them: `__init__` (one plain slot store
    per field), `__setstate__` (one unpacking and one store per field), `__eq__` and `__hash__`
    (over the tuple of the compared fields: closures over `attrgetter` took half again as long,
    and these key the index's dictionaries), `__replace__` and `__repr__`, each made when the
    class first calls it, which many classes never do in a check.

    All but `__repr__` are made from a template compiled once per shape (see `_Template`):
    compiling each method of each class (99 calls of `exec`, two made at import) cost 4.4% of
    the instructions of a one-file check on a 1,762-file project."""
    names = tuple(field.name for field in fields)
    factories = tuple(number for number, field in enumerate(fields) if field.default_factory is not dataclasses.MISSING)
    defaults = _init_defaults(fields)
    compared = tuple(field.name for field in fields if field.compare)
    hashed = tuple(field.name for field in fields if (field.compare if field.hash is None else field.hash))
    shown = ", ".join(f"{field.name}={{self.{field.name}!r}}" for field in fields if field.repr)
    init_globals = {"_NOT_GIVEN": _NOT_GIVEN, **{f"_factory_{n}": fields[n].default_factory for n in factories}}
    return {
        "__init__": _on_first_call(
            "__init__", lambda: _INIT.made((len(names), factories), names, init_globals, defaults=defaults)
        ),
        "__setstate__": _on_first_call("__setstate__", lambda: _SETSTATE.made((len(names),), names)),
        "__eq__": _on_first_call("__eq__", lambda: _EQ.made((len(compared),), compared)),
        "__hash__": _on_first_call("__hash__", lambda: _HASH.made((len(hashed),), hashed)),
        # What `dataclasses.replace` does (the class called with every field, the changed ones
        # as given), without its walk over the fields' definitions on every call; the
        # `copy.replace` protocol of Python 3.13.
        "__replace__": _on_first_call(
            "__replace__",
            lambda: _REPLACE.made((len(names),), names, {"_KEPT": _KEPT}, keyword_defaults=dict.fromkeys(names, _KEPT)),
        ),
        "__repr__": _on_first_call(
            "__repr__",
            lambda: reprlib.recursive_repr()(
                _compiled("__repr__", f'def __repr__(self):\n    return self.__class__.__qualname__ + f"({shown})"\n')
            ),
        ),
    }


def _init_defaults(fields: _Fields) -> tuple[Any, ...]:
    """`__init__`'s defaults: those of the trailing fields that have one (`_NOT_GIVEN` for a
    default factory, which the method calls then)."""
    defaults: list[Any] = []
    for field in fields:
        if field.default is not dataclasses.MISSING:
            defaults.append(field.default)
        elif field.default_factory is not dataclasses.MISSING:
            defaults.append(_NOT_GIVEN)
        elif defaults:
            raise TypeError(f"non-default argument {field.name!r} follows default argument")
    return tuple(defaults)


def _compiled(name: str, source: str, namespace: dict[str, Any] | None = None) -> Callable[..., Any]:
    compiled: dict[str, Any] = {"__name__": __name__, **(namespace or {})}
    exec(source, compiled)
    return cast("Callable[..., Any]", compiled[name])


def _compiled_code(name: str, source: str, namespace: dict[str, Any] | None) -> CodeType:
    """The code of the method `source` writes. The function made on the way is taken out of the
    namespace it was made in, its globals, so that reference counting frees both: a function
    left in its own globals is a cycle only the collector frees."""
    compiled: dict[str, Any] = {"__name__": __name__, **(namespace or {})}
    exec(source, compiled)
    return cast("CodeType", compiled.pop(name).__code__)


class _Template:
    """A method written out for fields named `_a0`, `_a1`, ... (attributes) and parameters named
    `_p0`, `_p1`, ..., compiled once per shape (the number of fields, and for `__init__` which of
    them have a default factory), and made for a class by renaming those in a copy of its code.
    The names are the code's only tie to the class: the same source with the fields' own names
    compiles to the same instructions."""

    def __init__(self, name: str, source: Callable[..., str]) -> None:
        self.name = name
        self._source = source
        self._compiled: dict[tuple[Any, ...], CodeType] = {}

    def made(
        self,
        shape: tuple[Any, ...],
        names: tuple[str, ...],
        namespace: dict[str, Any] | None = None,
        *,
        defaults: tuple[Any, ...] = (),
        keyword_defaults: dict[str, Any] | None = None,
    ) -> Callable[..., Any]:
        code = self._compiled.get(shape)
        if code is None:
            code = self._compiled[shape] = _compiled_code(self.name, self._source(*shape), namespace)
        renamed = {
            **{f"_a{n}": name for n, name in enumerate(names)},
            **{f"_p{n}": name for n, name in enumerate(names)},
        }
        code = code.replace(
            co_names=tuple(renamed.get(name, name) for name in code.co_names),
            co_varnames=tuple(renamed.get(name, name) for name in code.co_varnames),
        )
        method = FunctionType(code, {"__name__": __name__, **(namespace or {})}, self.name, defaults or None)
        if keyword_defaults:
            method.__kwdefaults__ = keyword_defaults
        return method


def _init_source(count: int, factories: tuple[int, ...]) -> str:
    parameters = "".join(f", _p{n}" for n in range(count))
    stores = "".join(
        f"    self._a{n} = _factory_{n}() if _p{n} is _NOT_GIVEN else _p{n}\n"
        if n in factories
        else f"    self._a{n} = _p{n}\n"
        for n in range(count)
    )
    return f"def __init__(self{parameters}):\n{stores or '    pass'}\n"


def _setstate_source(count: int) -> str:
    unpacking = f"    {', '.join(f'_v{n}' for n in range(count))}, = state\n" if count else ""
    stores = "".join(f"    self._a{n} = _v{n}\n" for n in range(count))
    return f"def __setstate__(self, state):\n{unpacking}{stores or '    pass'}\n"


def _fields_tuple(count: int, owner: str) -> str:
    """`(self._a0, self._a1,)`: the tuple `dataclasses` compares and hashes."""
    return "(" + "".join(f"{owner}._a{n}," for n in range(count)) + ")"


def _eq_source(count: int) -> str:
    return (
        "def __eq__(self, other):\n"
        "    if other.__class__ is self.__class__:\n"
        f"        return {_fields_tuple(count, 'self')} == {_fields_tuple(count, 'other')}\n"
        "    return NotImplemented\n"
    )


def _hash_source(count: int) -> str:
    return (
        "def __hash__(self):\n"
        "    try:\n"
        "        return self._hash\n"
        "    except AttributeError:\n"
        f"        found = self._hash = hash({_fields_tuple(count, 'self')})\n"
        "        return found\n"
    )


def _replace_source(count: int) -> str:
    kept = "".join(f", _p{n}=_KEPT" for n in range(count))
    receiver = f"self, /, *{kept}" if count else "self, /"
    replaced = ", ".join(f"self._a{n} if _p{n} is _KEPT else _p{n}" for n in range(count))
    return f"def __replace__({receiver}):\n    return self.__class__({replaced})\n"


_INIT = _Template("__init__", _init_source)
_SETSTATE = _Template("__setstate__", _setstate_source)
_EQ = _Template("__eq__", _eq_source)
_HASH = _Template("__hash__", _hash_source)
_REPLACE = _Template("__replace__", _replace_source)


def _on_first_call(name: str, make: Callable[[], Callable[..., Any]]) -> Callable[..., Any]:
    """A method that makes the written-out method (`make`) on its first call, puts it in its
    own place on the class, and runs it.

    It finds itself through `placeholder`, emptied once it is replaced: naming itself in its own
    body would make a cycle (the function, its closure, the function) that only the cyclic
    collector frees, left behind by the first check of each class."""
    placeholder: list[Callable[..., Any]] = []

    def first_call(self: object, *args: Any, **keywords: Any) -> Any:
        if not placeholder:  # replaced meanwhile (a reference taken before): the written method
            return getattr(type(self), name)(self, *args, **keywords)
        itself = placeholder[0]
        written = make()
        written.__qualname__ = itself.__qualname__
        owner = next(klass for klass in type(self).__mro__ if klass.__dict__.get(name) is itself)
        type.__setattr__(owner, name, written)
        placeholder.clear()
        return written(self, *args, **keywords)

    placeholder.append(first_call)
    return first_call


def _reducer(cls: type, state: _Read) -> Callable[[object, int], object]:
    """`__reduce_ex__`: the new object's class and the tuple of its field values as its state."""
    arguments = (cls,)
    generic = object.__reduce_ex__

    def __reduce_ex__(self: object, protocol: int) -> object:
        if protocol < 2:  # pragma: no cover - nothing of ours pickles below protocol 2
            return generic(self, protocol)
        return (_NEW_OBJECT, arguments, state(self))

    return __reduce_ex__


__all__ = ["is_record", "record", "replace"]
