"""What the session of a function may already hold: the models of the objects it loaded,
added, was handed or got back from project functions, and of what their loaders brought along.

A lazy many-to-one is a `get()` by foreign key: when an object of the target model is already in
the session's identity map the read runs no SQL. The rules do not judge such reads when the
function holds objects of the target model before the read (a test helper that created the
project, a route that loaded the tariff two hundred lines earlier, a query that joined-loaded
the fleet's project).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from alchemy_lint.facts.model import FunctionFacts, LoaderStrategy, ObjectSource
from alchemy_lint.index.loading import ResolvedSource, resolve_source

if TYPE_CHECKING:
    from alchemy_lint.index.project import ProjectIndex


@dataclass(frozen=True, slots=True)
class HeldModels:
    """Models of which a function holds objects: its parameters' from the start, the others
    from the line that obtained them."""

    parameters: frozenset[str]
    #: (model, the first line that obtained an object of it).
    obtained: tuple[tuple[str, int], ...]

    def at(self, line: int) -> frozenset[str]:
        """The models held when `line` runs (an object obtained on the same line counts)."""
        return self.parameters | {model for model, since in self.obtained if since <= line}


def held_models(index: ProjectIndex, function: FunctionFacts, path: str) -> HeldModels:
    """What `function` holds in its session (see the module's docstring)."""
    parameters = {index.resolve_model(cls) for _, cls in function.parameter_types}
    loading = function.loading
    first: dict[str, int] = {}
    if loading is not None:
        sources: dict[ObjectSource, None] = dict.fromkeys(loading.held)
        sources.update((access.source, None) for access in loading.accesses)
        sources.update((handover.source, None) for handover in loading.handovers)
        sources.update((returned.source, None) for returned in loading.returns)
        for source in sources:
            resolved = resolve_source(index, source, path)
            if resolved is None:
                continue
            for model in _models(index, resolved):
                first[model] = min(first.get(model, source.line), source.line)
    return HeldModels(
        frozenset(model for model in parameters if model is not None and index.is_model(model)),
        tuple(sorted(first.items())),
    )


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
