"""What the session of a function may already hold: the models of the objects it loaded,
added, was handed or got back from project functions, and of what their loaders brought along.

A lazy many-to-one is a `get()` by foreign key: when an object of the target model is already in
the session's identity map the read runs no SQL. The rules do not judge such reads when the
function holds objects of the target model before the read (a test helper that created the
project, a route that loaded the tariff two hundred lines earlier, a query that joined-loaded
the fleet's project). A callee handed the session shares its callers' identity map: what every
caller holds when it calls it counts too, until the callee's own commit expires it.

The object such a read gives is one of those held: what is read on it is loaded when each held
object of that model had it loaded by its query (`order.user.orders` after the code loaded its
users with `selectinload(User.orders)`), and a lazy load when one had not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field
from typing import TYPE_CHECKING

from alchemy_lint.facts.model import FunctionFacts, LoaderStrategy, ObjectSource, SourceKind
from alchemy_lint.index.loading import (
    ObjectTarget,
    ResolvedSource,
    callee_function,
    loaded_by_source,
    resolve_object,
    resolve_source,
)
from alchemy_lint.records import record

if TYPE_CHECKING:
    from alchemy_lint.index.project import ProjectIndex, RelationshipRef

_MAX_DEPTH = 4


@record
class HeldModels:
    """Models of which a function holds objects: its parameters' from the start, the others
    from each line that obtained one, until the session expires them."""

    parameters: frozenset[str]
    #: (model, a line that obtained an object of it).
    obtained: tuple[tuple[str, int], ...]
    #: Lines of the commits and rollbacks that expire the function's objects. The identity map
    #: answers a many-to-one to an expired object with a refresh of it, which is SQL.
    expiries: tuple[int, ...] = ()
    #: By line, the expiry lines that happen on some path to it, where that is not every
    #: earlier one (`FunctionLoading.reached`): an expiry on no path to a read leaves it fresh.
    reached: Mapping[int, frozenset[int]] = field(default_factory=dict)
    #: By line, the expiries among those that reach it only through a loop's back edge, each with
    #: the line from which the loop's body obtains objects anew (`FunctionLoading.looped`): one
    #: obtained there, before the read, was obtained again after the expiry.
    looped: Mapping[int, Mapping[int, int]] = field(default_factory=dict)

    def at(self, line: int, before: bool = False) -> frozenset[str]:
        """The models held, unexpired, when `line` runs (obtained on the same line counts, but
        `before` it: what a call on that line returns is not held when the callee runs)."""
        held = {model for model, since in self.obtained if self.holds(since, line, before)}
        return frozenset(held | self.parameters) if self.fresh(0, line) else frozenset(held)

    def fresh(self, since: int, line: int) -> bool:
        """No expiry of the function's objects after `since` on a path to `line` (the walk
        tells which reach it; one on the same line, as by place, does not count). One that
        reaches it only round a loop counts for an object obtained before the loop alone."""
        reached = self.reached.get(line)
        looped = self.looped.get(line)
        if looped is None:
            if reached is None:
                return not any(since < expiry < line for expiry in self.expiries)
            return not any(since < expiry != line and expiry in reached for expiry in self.expiries)
        return not any(
            since < looped.get(expiry, expiry)
            and expiry != line
            and (expiry < line if reached is None else expiry in reached)
            for expiry in self.expiries
        )

    def holds(self, since: int, line: int, before: bool = False) -> bool:
        """An object obtained on line `since` is held, unexpired, when `line` runs."""
        return (since < line if before else since <= line) and self.fresh(since, line)


@record
class CallersHeld:
    """Models of which every project caller of a function holds objects when it calls it (its
    session is theirs: the identity map they filled), with each caller's held objects and the
    line of its call."""

    models: frozenset[str]
    sites: tuple[tuple[HeldWhenAsked, int], ...]


class HeldWhenAsked:
    """`HeldModels` worked out the first time a read asks whether the session holds a model.

    Only a lazy many-to-one that nothing loaded asks: working them out up front for every
    function with reads was a third of ASA301's time on a large project, for the one function
    in six whose reads ever asked.
    """

    __slots__ = ("_callers", "_compute", "_compute_callers", "_compute_ways", "_held", "_ways")

    def __init__(
        self,
        compute: Callable[[], HeldModels],
        ways: Callable[[], Mapping[tuple[str, int], tuple[ObjectTarget, ...]]] | None = None,
        callers: Callable[[], CallersHeld | None] | None = None,
    ) -> None:
        self._compute = compute
        self._compute_ways = ways
        self._compute_callers = callers
        self._held: HeldModels | None = None
        self._ways: Mapping[tuple[str, int], tuple[ObjectTarget, ...]] | None = None
        self._callers: CallersHeld | None = None

    def at(self, line: int, before: bool = False) -> _HeldAt:
        """`HeldModels.at(line)`, worked out when first asked."""
        return _HeldAt(self, line, before)

    def models(self) -> HeldModels:
        if self._held is None:
            self._held = self._compute()
        return self._held

    def ways(self) -> Mapping[tuple[str, int], tuple[ObjectTarget, ...]]:
        """The held objects the function reads or hands on, resolved, by (model, line obtained)."""
        if self._ways is None:
            self._ways = self._compute_ways() if self._compute_ways is not None else {}
        return self._ways

    def callers(self) -> CallersHeld | None:
        """What every caller holds when it calls the function (asked only when the function's
        own objects do not answer)."""
        if self._compute_callers is not None:
            self._callers = self._compute_callers()
            self._compute_callers = None
        return self._callers


class _HeldAt:
    __slots__ = ("_before", "_held", "_line", "_models")

    def __init__(self, held: HeldWhenAsked, line: int, before: bool = False) -> None:
        self._held = held
        self._line = line
        self._before = before
        self._models: frozenset[str] | None = None

    def __contains__(self, model: object) -> bool:
        if self._models is None:
            self._models = self._held.models().at(self._line, self._before)
        if model in self._models:
            return True
        callers = self._callers()
        return callers is not None and model in callers.models

    def _callers(self) -> CallersHeld | None:
        """What the callers hold, while the function's own commits have not expired it."""
        return self._held.callers() if self._held.models().fresh(0, self._line) else None

    def loaded_on_held(self, model: str, relationship: RelationshipRef) -> bool | None:
        """Whether `relationship` is loaded on every object of `model` held here (the
        function's own, and what each caller holds when it calls it): the identity map answers
        a many-to-one with one of them. None when some held object's loading is unknown (a
        parameter, an object nothing here reads)."""
        held = self._held.models()
        line = self._line
        if model in held.parameters and held.fresh(0, line):
            return None
        own = {since for m, since in held.obtained if m == model and held.holds(since, line, self._before)}
        callers = self._callers()
        from_callers = callers is not None and model in callers.models
        if not own and not from_callers:
            return None
        states: list[bool | None] = []
        ways = self._held.ways()
        for since in own:
            targets = ways.get((model, since))
            if not targets:
                return None
            states.extend(loaded_by_source(target, relationship) for target in targets)
        if from_callers and callers is not None:
            states.extend(site.at(at, before=True).loaded_on_held(model, relationship) for site, at in callers.sites)
        if any(state is False for state in states):
            return False
        return True if all(states) else None


def held_models(index: ProjectIndex, function: FunctionFacts, path: str, expiries: tuple[int, ...]) -> HeldModels:
    """What `function` holds in its session (see the module's docstring); `expiries` are the
    lines where its objects expire."""
    # (A parameter holding a collection of objects, `tuple[Team, Member]` or `list[Team]`, holds
    # objects of each of those models as much as one annotated `Team` does.)
    annotated = (*function.parameter_types, *function.parameter_members)
    parameters = {index.resolve_model(cls) for _, cls in annotated}
    loading = function.loading
    obtained: set[tuple[str, int]] = set()
    if loading is not None:
        sources: dict[ObjectSource, None] = dict.fromkeys(loading.held)
        sources.update((access.source, None) for access in loading.accesses)
        sources.update((handover.source, None) for handover in loading.handovers)
        sources.update((returned.source, None) for returned in loading.returns)
        for source in sources:
            if source.kind is SourceKind.RECEIVED:
                continue  # obtained by the caller, not here
            obtained.update((model, source.line) for model in _source_models(index, source, path, 0))
    return HeldModels(
        frozenset(model for model in parameters if model is not None and index.is_model(model)),
        tuple(sorted(obtained)),
        tuple(sorted(set(expiries))),
        {line: frozenset(lines) for line, lines in loading.reached} if loading is not None else {},
        {line: dict(looped) for line, looped in loading.looped} if loading is not None else {},
    )


def held_ways(
    index: ProjectIndex, function: FunctionFacts, path: str
) -> dict[tuple[str, int], tuple[ObjectTarget, ...]]:
    """The objects `function` reads or hands on, resolved to how their source loaded them, by
    (model, line of the source): what a held object of that model has loaded."""
    loading = function.loading
    if loading is None:
        return {}
    walked: dict[tuple[ObjectSource, tuple[str, ...]], None] = {}
    # (What it holds and never reads: the objects themselves, or the elements of a list of them.)
    for source in loading.held:
        walked[source, ()] = None
        if source.kind is SourceKind.CALL:
            walked[source, ("[]",)] = None
    walked.update(((access.source, access.path), None) for access in loading.accesses)
    walked.update(((handover.source, handover.path), None) for handover in loading.handovers)
    found: dict[tuple[str, int], tuple[ObjectTarget, ...]] = {}
    for source, steps in walked:
        if source.kind is SourceKind.RECEIVED:
            continue
        target = resolve_object(index, source, steps, path)
        if target is not None:
            key = (target.model, source.line)
            found[key] = (*found.get(key, ()), target)
    return found


def _source_models(index: ProjectIndex, source: ObjectSource, path: str, depth: int) -> set[str]:
    """The models of what a source brings; for a project function's result, what each of its
    returns brings, whatever session it used (a test helper that creates and commits a row)."""
    if source.kind is not SourceKind.CALL:
        resolved = resolve_source(index, source, path)
        return _models(index, resolved) if resolved is not None else set()
    function = callee_function(index, source.callee)
    if function is None or function.loading is None or depth >= _MAX_DEPTH:
        return set()
    inner = index.function_paths.get(function.qualname, "")
    created = (index.resolve_model(model) for model in function.loading.returns_created)
    found = {model for model in created if model is not None and index.is_model(model)}
    if depth == 0:
        # The query the call runs, with the loaders its arguments pass on (`options=
        # repository.eager_options()` two calls down): what they load is in the session too.
        resolved = resolve_source(index, source, path)
        if resolved is not None:
            found |= _models(index, resolved)
    for returned in function.loading.returns:
        if returned.path and not _ends_on_object(index, returned.source, returned.path, inner):
            continue  # a column of an object the callee loaded (`agent.name`): the object stays there
        found |= _source_models(index, returned.source, inner, depth + 1)
    return found


def _ends_on_object(index: ProjectIndex, source: ObjectSource, walked: tuple[str, ...], path: str) -> bool:
    """Whether what a callee returns, `walked` off an object of `source`, is an object (a
    relationship at each step), not a column value; True when the source's model is unknown."""
    resolved = resolve_source(index, source, path) if source.kind is not SourceKind.CALL else None
    model = resolved.model if resolved is not None else None
    for name in walked:
        if model is None:
            return True
        if name.startswith("["):  # an element: `[]`, `[0]`, `['chat']`
            continue
        relationship = index.relationships(model).get(name)
        if relationship is None:
            return False
        model = relationship.target
    return True


def _models(index: ProjectIndex, source: ResolvedSource) -> set[str]:
    """The models of the objects a source brings into the session: the queried entity, the
    relationships walked to the objects handed back, and what its loader options load."""
    found = {source.model}
    model: str | None = source.model
    for name in source.prefix:
        relationship = index.relationships(model).get(name) if model is not None else None
        model = relationship.target if relationship is not None else None
        if model is not None:
            found.add(model)
    for loader in source.loaders:
        model = source.model
        for step in loader.steps:
            if not (step.strategy.loads or step.strategy is LoaderStrategy.DEFAULT):
                break
            relationship = index.relationships(model).get(step.attribute.rsplit(".", 1)[-1])
            if relationship is None or relationship.target is None:
                break
            model = relationship.target
            if step.strategy.loads:
                found.add(model)
    return found
