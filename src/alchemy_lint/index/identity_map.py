"""What the session of a function may already hold: the models of the objects it loaded,
added, was handed or got back from project functions, and of what their loaders brought along.

A lazy many-to-one is a `get()` by foreign key: when an object of the target model is already in
the session's identity map the read runs no SQL. The rules do not judge such reads when the
function holds objects of the target model before the read (a test helper that created the
project, a route that loaded the tariff two hundred lines earlier, a query that joined-loaded
the fleet's project).
"""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import TYPE_CHECKING

from alchemy_lint.facts.model import FunctionFacts, LoaderStrategy, ObjectSource, SourceKind
from alchemy_lint.index.loading import ResolvedSource, callee_function, resolve_source
from alchemy_lint.records import record

if TYPE_CHECKING:
    from alchemy_lint.index.project import ProjectIndex

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

    def at(self, line: int) -> frozenset[str]:
        """The models held, unexpired, when `line` runs (obtained on the same line counts)."""

        def fresh(since: int) -> bool:
            return not any(since < expiry < line for expiry in self.expiries)

        held = {model for model, since in self.obtained if since <= line and fresh(since)}
        return frozenset(held | self.parameters) if fresh(0) else frozenset(held)


class HeldWhenAsked:
    """`HeldModels` worked out the first time a read asks whether the session holds a model.

    Only a lazy many-to-one that nothing loaded asks: working them out up front for every
    function with reads was a third of ASA301's time on a large project, for the one function
    in six whose reads ever asked.
    """

    __slots__ = ("_compute", "_held")

    def __init__(self, compute: Callable[[], HeldModels]) -> None:
        self._compute = compute
        self._held: HeldModels | None = None

    def at(self, line: int) -> Container[str]:
        """`HeldModels.at(line)`, worked out when first asked."""
        return _HeldAt(self, line)

    def models(self) -> HeldModels:
        if self._held is None:
            self._held = self._compute()
        return self._held


class _HeldAt:
    __slots__ = ("_held", "_line", "_models")

    def __init__(self, held: HeldWhenAsked, line: int) -> None:
        self._held = held
        self._line = line
        self._models: frozenset[str] | None = None

    def __contains__(self, model: object) -> bool:
        if self._models is None:
            self._models = self._held.models().at(self._line)
        return model in self._models


def held_models(index: ProjectIndex, function: FunctionFacts, path: str, expiries: tuple[int, ...]) -> HeldModels:
    """What `function` holds in its session (see the module's docstring); `expiries` are the
    lines where its objects expire."""
    parameters = {index.resolve_model(cls) for _, cls in function.parameter_types}
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
    )


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
