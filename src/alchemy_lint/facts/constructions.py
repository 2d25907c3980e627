"""Where project classes are constructed and project functions called, and what they are passed.

The index reads what a parameter receives off these sites (`Store(make_session)` keeps
`make_session` on `self`; `rename(session, 1)` hands `rename` a session), so a value passed in is
known wherever the callee uses it.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterator

from alchemy_lint.facts.classes import decorator_callee
from alchemy_lint.facts.model import Construction, PassingCall
from alchemy_lint.facts.values import CALL, Origin, OriginKind
from alchemy_lint.resolve import NameTable, qualify

#: Decorators that generate an `__init__` taking the annotated fields in order.
_GENERATED_INIT = frozenset(
    {
        "dataclasses.dataclass",
        "pydantic.dataclasses.dataclass",
        "attr.s",
        "attr.attrs",
        "attr.define",
        "attr.frozen",
        "attr.mutable",
        "attrs.define",
        "attrs.frozen",
        "attrs.mutable",
    }
)
_CLASS_VARIABLE = frozenset({"typing.ClassVar", "typing_extensions.ClassVar", "dataclasses.InitVar"})
_FIELD_FUNCTIONS = frozenset({"dataclasses.field", "attr.ib", "attr.attrib", "attr.field", "attrs.field"})
#: Where no project class is defined: SQLAlchemy's own classes (`Column(Integer, ...)`, the most
#: common capitalised call in a project) and the standard library's.
_LIBRARY_PACKAGES = frozenset({"sqlalchemy", "sqlmodel", *sys.stdlib_module_names})
#: Arguments kept per construction (a call with more hands the rest to nobody we follow).
_MAX_ARGUMENTS = 16
#: Origins that name a function a local may hold: a module-level one, a method of `self`.
_NAMED_FUNCTIONS = frozenset({OriginKind.NAME, OriginKind.ATTRIBUTE})


def init_fields(node: ast.ClassDef, table: NameTable) -> tuple[str, ...] | None:
    """The fields a dataclass's (or an attrs class's) generated `__init__` takes, in order;
    None for a class without a generated `__init__`."""
    if not any(qualify(decorator_callee(d), table) in _GENERATED_INIT for d in node.decorator_list):
        return None
    found: list[str] = []
    for statement in node.body:
        if type(statement) is not ast.AnnAssign or type(statement.target) is not ast.Name:
            continue
        annotation = statement.annotation
        wrapper = annotation.value if type(annotation) is ast.Subscript else annotation
        if qualify(wrapper, table) in _CLASS_VARIABLE or _excluded_from_init(statement.value, table):
            continue
        found.append(statement.target.id)
    return tuple(found)


def _excluded_from_init(value: ast.expr | None, table: NameTable) -> bool:
    """`field(init=False)`: the generated `__init__` does not take it."""
    if type(value) is not ast.Call or qualify(value.func, table) not in _FIELD_FUNCTIONS:
        return False
    return any(
        keyword.arg == "init" and type(keyword.value) is ast.Constant and keyword.value.value is False
        for keyword in value.keywords
    )


def construction(
    node: ast.Call,
    qualname: str | None,
    class_qualname: str | None,
    origins_of: Callable[[ast.expr], tuple[Origin, ...]],
    bound: str = "",
) -> Construction | None:
    """The call as a construction site, when it may construct a project class and passes
    something with evidence; None otherwise (most calls). `bound`: where the object is kept."""
    if not node.args and not node.keywords:
        return None
    func = node.func
    via_super = False
    skip_self = False
    callee: str | None = None
    if type(func) is ast.Attribute and func.attr == "__init__":
        owner = func.value
        if type(owner) is ast.Call and type(owner.func) is ast.Name and owner.func.id == "super":
            callee, via_super = class_qualname, True  # `super().__init__(...)`
        elif qualname is not None:
            callee, skip_self = qualname.removesuffix(".__init__"), True  # `Base.__init__(self, ...)`
    elif type(func) is ast.Name and func.id == "cls" and class_qualname is not None:
        callee = class_qualname
    elif qualname is not None and _names_a_class(qualname):
        callee = qualname
    if callee is None:
        return None
    arguments: list[tuple[str, tuple[Origin, ...]]] = []
    for position, argument in enumerate(node.args[1:] if skip_self else node.args):
        if type(argument) is ast.Starred:
            break  # later positions are unknown
        found = origins_of(argument)
        if found:
            arguments.append((str(position), found))
    for keyword in node.keywords:
        if keyword.arg is not None:
            found = origins_of(keyword.value)
            if found:
                arguments.append((keyword.arg, found))
    if not arguments:
        return None
    return Construction(callee, tuple(arguments[:_MAX_ARGUMENTS]), node.lineno, via_super, "" if via_super else bound)


def passing_calls(
    node: ast.Call,
    qualname: str | None,
    origins_of: Callable[[ast.expr], tuple[Origin, ...]],
    handed_on: Callable[[ast.expr], tuple[Origin, ...]],
    named: Callable[[ast.expr], tuple[Origin, ...]] | None = None,
    relayed: Callable[[ast.expr], str | None] | None = None,
) -> tuple[PassingCall, ...]:
    """The call as a site that hands a project function what its arguments are, when some argument
    has evidence; none otherwise (most calls, and calls of the libraries). `handed_on` reads an
    argument; `origins_of` the callee; `named` a module-level name handed over (a function passed
    to be called back), which alone is no evidence; `relayed` the caller's parameter an argument
    is (`module.caller:parameter`). A call of a local name that holds functions (`for step in
    (self.load, self.save): await step(session)`) is a site of each function it may be."""
    func = node.func
    held: tuple[Origin, ...] = ()
    if qualname is not None:
        if qualname.partition(".")[0] in _LIBRARY_PACKAGES:
            return ()
        names: tuple[str, ...] = (qualname.rpartition(".")[2],)
    elif type(func) is ast.Attribute:
        names = (func.attr,)
    elif type(func) is ast.Name:
        # The functions a local name holds (`step` of `for step in steps`); a builtin or any
        # other name nothing is known of is no site (asked first: most calls are such).
        held = _held_functions(origins_of(node))
        if not held:
            return ()
        names = ()
    else:
        return ()
    arguments: list[tuple[str, tuple[Origin, ...]]] = []
    relays: list[tuple[str, str]] = []
    known = False
    for key, argument in _keyed_arguments(node):
        found = handed_on(argument)
        known = known or bool(found)
        arguments.append((key, found or (named(argument) if named is not None else ())))
        parameter = relayed(argument) if relayed is not None and found else None
        if parameter is not None:
            relays.append((key, parameter))
    if not known:
        return ()
    callee = origins_of(node)
    if not callee:
        return ()
    kept = tuple(arguments[:_MAX_ARGUMENTS])
    relay = tuple(pair for pair in relays if any(pair[0] == key for key, _ in kept))
    if names:
        return (PassingCall(names[0], callee, kept, node.lineno, relay),)
    # `step(session)` on a local bound to functions: one site per function, by its own name.
    by_name: dict[str, list[Origin]] = {}
    for origin in held:
        by_name.setdefault(origin.name.rpartition(".")[2], []).append(origin)
    return tuple(PassingCall(name, tuple(found), kept, node.lineno, relay) for name, found in by_name.items())


def _held_functions(callee: tuple[Origin, ...]) -> tuple[Origin, ...]:
    """The origins of a call of a local name that call a named function or method."""
    return tuple(origin for origin in callee if origin.kind in _NAMED_FUNCTIONS and origin.steps == (CALL,))


def _keyed_arguments(node: ast.Call) -> Iterator[tuple[str, ast.expr]]:
    """Each argument by position (`"0"`) or keyword, up to the first `*args`."""
    for position, argument in enumerate(node.args):
        if type(argument) is ast.Starred:
            break  # later positions are unknown
        yield str(position), argument
    for keyword in node.keywords:
        if keyword.arg is not None:
            yield keyword.arg, keyword.value


def _names_a_class(qualname: str) -> bool:
    """A capitalised name, private ones too (`_SessionFactory`), outside the libraries."""
    return qualname.rpartition(".")[2].lstrip("_")[:1].isupper() and qualname.partition(".")[0] not in _LIBRARY_PACKAGES
