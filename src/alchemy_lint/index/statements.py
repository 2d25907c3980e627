"""Statements built in one function and run in another: what they select and what they load.

A repository builds its query in helpers (`self.get_base_statement()`, a generic base's
`select(self.model)`, `.options(*options)` of a parameter) and runs it in others (`get_all(stmt)`);
this module evaluates such a statement at the call that runs it, with what that call passes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alchemy_lint.facts.model import (
    THE_CLASS,
    Construction,
    FunctionFacts,
    KnownArgument,
    LoaderPath,
    ObjectSource,
    PassedArgument,
    ReturnedOptions,
    StatementOrigin,
)
from alchemy_lint.facts.values import CALL, OriginKind, StepKind
from alchemy_lint.index.constructed import kept_paths
from alchemy_lint.index.values import ValueKind
from alchemy_lint.records import record

if TYPE_CHECKING:
    from alchemy_lint.facts.values import Origin
    from alchemy_lint.index.project import ProjectIndex

_MAX_DEPTH = 8


@record
class CallSite:
    """A function as one call runs it: the class of its receiver (`self`) and what the call
    passes, with the call site of its caller for what the caller's own arguments are."""

    function: FunctionFacts
    receiver: str | None
    passed: tuple[PassedArgument, ...]
    caller: CallSite | None = None
    #: What the call's arguments (or the defaults it leaves) are known to be, by parameter.
    settled: tuple[KnownArgument, ...] = ()
    #: The model classes the receiver's construction passed, by position or keyword
    #: (`repo = Repo(Order)`): what `self.<attribute>` its `__init__` keeps of them is.
    constructed: tuple[tuple[str, str], ...] = ()


@record
class StatementValue:
    """What a statement selects and loads; `line`, `path` and `function` say where it was
    built, for a message that asks for a loader there."""

    model: str
    line: int
    path: str
    function: str
    loaders: frozenset[LoaderPath]
    known: bool
    maybe: frozenset[LoaderPath]


def statement_value(
    index: ProjectIndex, source: ObjectSource, site: CallSite | None, depth: int = 0
) -> StatementValue | None:
    """The statement of a QUERY source, evaluated at `site`; None when anything is unknown."""
    if depth > _MAX_DEPTH:
        return None
    origin = source.statement
    here = site.function if site is not None else None
    path = index.function_paths.get(here.qualname, "") if here is not None else ""
    settled = {known.key: known for known in site.settled} if site is not None else {}
    loaders, maybe = _settled_loaders(source, settled)
    own = StatementValue(
        source.model or "",
        source.line,
        path,
        here.name if here is not None else "",
        loaders,
        source.loaders_known,
        maybe,
    )
    if origin is None or not (
        origin.parameter or origin.method or origin.callee or origin.model_attribute or origin.model_parameter
    ):
        # `select(Order)` here, maybe with `.options(*options)` of a parameter.
        if not own.model:
            return None
        value = own
    else:
        built = _built_on(index, origin, own, site, depth)
        if built is None:
            return None
        value = built
    for parameter in origin.option_parameters if origin is not None else ():
        value = _with_passed_options(index, value, parameter, site)
    return value


def _settled_loaders(
    source: ObjectSource, settled: dict[str, KnownArgument]
) -> tuple[frozenset[LoaderPath], frozenset[LoaderPath]]:
    """The loaders the statement surely has, and those it may have, in a call whose arguments are
    `settled`: one added only under tests on parameters (`if include_prompt:`) that the call's
    arguments all pass (`include_prompt=True`) is there; the rest stay as the function left them."""
    loaders, maybe = frozenset(source.loaders), frozenset(source.maybe_loaders)
    if not settled or not source.loader_guards or not maybe:
        return loaders, maybe
    sure = {
        loader
        for loader in maybe
        if (conditions := [c for path, c in source.loader_guards if path == loader])
        and all(
            (known := settled.get(condition.parameter)) is not None and known.settles(condition) is True
            for condition in conditions
        )
    }
    return loaders | sure, maybe - sure


def _built_on(
    index: ProjectIndex, origin: StatementOrigin, own: StatementValue, site: CallSite | None, depth: int
) -> StatementValue | None:
    """The statement built on what `origin` names, with the loaders this function added."""
    base = _base(index, origin, site, depth)
    if base is None:
        return None
    if origin.parameter:
        # The caller built it: that is where a loader goes.
        return _added(base, own.loaders, own.known, own.maybe)
    return StatementValue(
        base.model,
        own.line,
        own.path,
        own.function,
        base.loaders | own.loaders,
        base.known and own.known,
        base.maybe | own.maybe,
    )


def _added(
    value: StatementValue, loaders: frozenset[LoaderPath], known: bool, maybe: frozenset[LoaderPath]
) -> StatementValue:
    return StatementValue(
        value.model,
        value.line,
        value.path,
        value.function,
        value.loaders | loaders,
        value.known and known,
        value.maybe | maybe,
    )


def _base(index: ProjectIndex, origin: StatementOrigin, site: CallSite | None, depth: int) -> StatementValue | None:
    """What the statement was built on: a caller's statement, a helper's, or `select(self.model)`."""
    if origin.parameter:
        if site is None:
            return None
        passed = passed_for(index, site, origin.parameter)
        if passed is None or passed.statement is None:
            return None
        return statement_value(index, passed.statement, site.caller, depth + 1)
    if origin.model_parameter:
        # `select(orm_class)`: the class the call passes (a model the index knows), else unknown.
        if site is None:
            return None
        model = passed_model(index, site, origin.model_parameter)
        if model is None:
            return None
        return StatementValue(model, 0, "", "", frozenset(), True, frozenset())
    if origin.model_attribute:
        receiver = site.receiver if site is not None and site.receiver else origin.owner
        if origin.model_attribute == THE_CLASS:
            model = index.resolve_model(receiver)
            model = model if model is not None and index.is_model(model) else None
        else:
            model = attribute_model(index, receiver, origin.model_attribute, site)
        if model is None:
            return None
        return StatementValue(model, 0, "", "", frozenset(), True, frozenset())
    found = _helper(index, origin, site)
    if found is None:
        return None
    helper, helper_receiver = found
    if helper.loading is None or not helper.loading.statements:
        return None
    caller = {known.key: known for known in site.settled} if site is not None else {}
    settled = index.summaries.settled(helper, origin.flags, caller)
    constructed = site.constructed if origin.method and site is not None else ()
    if origin.callee:
        constructed = constructed_models(index, origin.callee, site)
    inner = CallSite(helper, helper_receiver, origin.passed, site, tuple(settled.values()), constructed)
    values = [statement_value(index, statement, inner, depth + 1) for statement in helper.loading.statements]
    joined: StatementValue | None = None
    for value in values:
        if value is None or (joined is not None and joined.model != value.model):
            return None
        joined = value if joined is None else _joined(joined, value)
    return joined


def _joined(left: StatementValue, right: StatementValue) -> StatementValue:
    """A helper that returns either statement: loaders both add, and the rest only maybe."""
    return StatementValue(
        left.model,
        left.line,
        left.path,
        left.function,
        left.loaders & right.loaders,
        left.known and right.known,
        left.maybe | right.maybe | (left.loaders ^ right.loaders),
    )


def _helper(
    index: ProjectIndex, origin: StatementOrigin, site: CallSite | None
) -> tuple[FunctionFacts, str | None] | None:
    """The function that builds the statement, and the class of its receiver."""
    if origin.method:
        return own_method(index, origin.owner, origin.method, site, via_super=origin.via_super)
    callee = index.summaries.callee(origin.callee)
    if callee is None:
        return None
    return callee, receiver_class(index, origin.callee, site)


def own_method(
    index: ProjectIndex, owner: str, name: str, site: CallSite | None, *, via_super: bool = False
) -> tuple[FunctionFacts, str | None] | None:
    """`self.name()` (`super().name()`) in a method of `owner`, dispatched on the receiver's class."""
    receiver = site.receiver if site is not None and site.receiver else owner
    chain = index.class_chain(receiver)
    names = [cls.qualname for cls in chain]
    if owner not in names:
        # The receiver is not known to be an `owner`: its own class is all that can be said.
        receiver, chain = owner, index.class_chain(owner)
        names = [cls.qualname for cls in chain]
    if via_super:
        chain = chain[names.index(owner) + 1 :] if owner in names else ()
    for cls in chain:
        function = index.functions.get(f"{cls.qualname}.{name}")
        if function is not None:
            return function, receiver
    return None


def receiver_class(index: ProjectIndex, callee: tuple[Origin, ...], site: CallSite | None) -> str | None:
    """The class of the receiver of a method call: `repo.get_all(...)` with `repo` an instance of
    a project class; `self.get_all(...)` keeps the receiver of the method it is made in."""
    found: str | None = None
    for origin in callee:
        if not origin.steps:
            continue
        last = origin.steps[-1]
        cls: str | None = None
        if origin.kind is OriginKind.ATTRIBUTE and origin.steps == (last,) and last.kind is StepKind.CALL:
            owner = origin.name.rsplit(".", 1)[0]
            receiver = site.receiver if site is not None else None
            cls = receiver if receiver and any(c.qualname == owner for c in index.class_chain(receiver)) else owner
        elif last.kind is StepKind.METHOD:
            value = index.values.origin(origin.base())
            if value.kind in (ValueKind.INSTANCE, ValueKind.CLASS):
                cls = value.cls
        if cls is not None:
            if found is not None and found != cls:
                return None
            found = cls
    return found


def attribute_model(index: ProjectIndex, cls: str, attribute: str, site: CallSite | None) -> str | None:
    """The model `self.<attribute>` names in a method of `cls` as the call at `site` runs it: one
    the class names itself, else one the receiver's construction passed where `__init__` keeps it."""
    model = class_model(index, cls, attribute)
    if model is not None or site is None:
        return model
    for key, passed in site.constructed:
        if (attribute,) in kept_paths(index, cls, key):
            return passed
    return None


def constructed_models(
    index: ProjectIndex, callee: tuple[Origin, ...], site: CallSite | None, built: tuple[str, int] = ("", 0)
) -> tuple[tuple[str, str], ...]:
    """The model classes the construction of a method call's receiver passed, by key: `repo` of
    `repo.get(...)` kept under a module-level name or an attribute of `self` that one
    construction site (or several that agree) built, or built by the calling function at
    `built` (its file and line); `self.get(...)` keeps its caller's."""
    found: set[tuple[tuple[str, str], ...]] = set()
    for origin in callee:
        if not origin.steps:
            continue
        last = origin.steps[-1]
        if origin.kind is OriginKind.ATTRIBUTE and origin.steps == (last,) and last.kind is StepKind.CALL:
            found.add(site.constructed if site is not None else ())
            continue
        base = origin.base()
        if last.kind is StepKind.METHOD and base.kind is OriginKind.NAME and base.steps == (CALL,) and built[1]:
            found.add(_built_here(index, index.canonical(base.name), built))
            continue
        if last.kind is not StepKind.METHOD or base.steps or base.kind not in _KEPT_UNDER:
            continue  # (another reading of the same receiver, `crud` with `.quest_crud` a step)
        name = index.canonical(base.name) if base.kind is OriginKind.NAME else base.name
        sites = index.values.bound_constructions().get(name, [])
        found.update(_passed_models(index, construction) for construction in sites)
        if not sites:
            found.add(())
    return found.pop() if len(found) == 1 else ()


#: Where a construction's object is kept under a name: a module-level name, `self.<attribute>`.
_KEPT_UNDER = frozenset({OriginKind.NAME, OriginKind.ATTRIBUTE})


def _built_here(index: ProjectIndex, cls: str, built: tuple[str, int]) -> tuple[tuple[str, str], ...]:
    """What the construction of `cls` at `built` (a file and a line) passed that is a model."""
    path, line = built
    outline = index.outlines.get(path)
    if outline is None:
        return ()
    sites = [
        site
        for site in outline.merged.constructions
        if site.line == line and not site.via_super and index.canonical(site.callee) == cls
    ]
    return _passed_models(index, sites[0]) if len(sites) == 1 else ()


def _passed_models(index: ProjectIndex, construction: Construction) -> tuple[tuple[str, str], ...]:
    """The arguments of a construction that name a model class, by key."""
    found: list[tuple[str, str]] = []
    for key, origins in construction.arguments:
        if len(origins) != 1 or origins[0].kind is not OriginKind.NAME or origins[0].steps:
            continue
        model = index.resolve_model(origins[0].name)
        if model is not None and index.is_model(model):
            found.append((key, model))
    return tuple(found)


def class_model(index: ProjectIndex, cls: str, attribute: str) -> str | None:
    """The model a class attribute names (`model = Order` on a repository), through its bases;
    also one a base's `__init__` stores from its parameter (`self.model = model`) that a subclass
    passes up (`super().__init__(Order, session)`)."""
    chain = index.class_chain(cls)
    for position, klass in enumerate(chain):
        facts = klass.attributes.get(attribute)
        if facts is None:
            continue
        for origin in facts.origins:
            if origin.kind is OriginKind.NAME and not origin.steps:
                model = index.resolve_model(origin.name)
                if model is not None and index.is_model(model):
                    return model
            elif origin.kind is OriginKind.PARAMETER and not origin.steps:
                model = _passed_up(index, [below.qualname for below in chain[:position]], origin.name)
                if model is not None:
                    return model
        return None
    return None


def _passed_up(index: ProjectIndex, subclasses: list[str], parameter: str) -> str | None:
    """The model the nearest of `subclasses` passes to the constructor parameter `parameter`
    (`Base.__init__:model`) through `super().__init__(...)`."""
    owner, _, name = parameter.rpartition(":")
    owner = owner.removesuffix(".__init__")
    values = index.values
    positional, _ = values.constructor_parameters(owner)
    keys = {name} | ({str(positional.index(name))} if name in positional else set())
    sites = values.construction_sites().get(owner, [])
    for subclass in subclasses:
        for site, _ in sites:
            if not site.via_super or index.canonical(site.callee) != subclass:
                continue
            for key, origins in site.arguments:
                if key not in keys:
                    continue
                for origin in origins:
                    if origin.kind is OriginKind.NAME and not origin.steps:
                        model = index.resolve_model(origin.name)
                        if model is not None and index.is_model(model):
                            return model
    return None


def passed_model(index: ProjectIndex, site: CallSite, parameter: str, depth: int = 0) -> str | None:
    """The model class the call at `site` passes as `parameter`: a class it names, or one its
    caller passed to the parameter it hands on whole; None when it is no model or unknown."""
    passed = passed_for(index, site, parameter)
    if passed is None:
        return None
    if passed.forwards and not passed.model:
        if site.caller is None or depth >= _MAX_DEPTH:
            return None
        return passed_model(index, site.caller, passed.forwards, depth + 1)
    model = index.resolve_model(passed.model) if passed.model else None
    return model if model is not None and index.is_model(model) else None


def passed_for(index: ProjectIndex, site: CallSite, parameter: str) -> PassedArgument | None:
    """What the call at `site` passes as `parameter`, if it names it."""
    for passed in site.passed:
        if index.summaries.parameter(site.function, passed.argument) == parameter:
            return passed
    return None


def _with_passed_options(
    index: ProjectIndex, value: StatementValue, parameter: str, site: CallSite | None
) -> StatementValue:
    """`.options(*options)`: what the caller passes as `options`; its default when it passes
    nothing (`()` and None add no loader); unknown otherwise."""
    if site is None:
        return _added(value, frozenset(), False, frozenset())
    passed = passed_for(index, site, parameter)
    if passed is None:
        spread = any(argument.argument in ("*", "**") for argument in site.passed)
        empty = any(
            default.key == parameter and (default.truthy is False or default.is_none is True)
            for default in site.function.flag_defaults
        )
        return value if empty and not spread else _added(value, frozenset(), False, frozenset())
    if passed.statement is not None:
        returned = _returned_options(index, passed.statement, site.caller)
        if returned is not None:
            # `options=repo.eager_options()`: the loader options the callee returns.
            return _added(value, frozenset(returned.loaders), True, frozenset(returned.maybe))
        return _added(value, frozenset(), False, frozenset())
    return _added(value, frozenset(passed.loaders), passed.loaders_known, frozenset())


def _returned_options(index: ProjectIndex, source: ObjectSource, site: CallSite | None) -> ReturnedOptions | None:
    """The loader options a project call returns, when what is passed is such a call's value
    (`get_eager_options()`, `repo.get_eager_options()`, `self.eager_options()`) and the function
    it runs returns known ones on every `return`."""
    origin = source.statement
    if origin is None or not (origin.callee or origin.method) or source.model or source.loaders:
        return None
    found = _helper(index, origin, site)
    if found is None or found[0].loading is None:
        return None
    return found[0].loading.options
