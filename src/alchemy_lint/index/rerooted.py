"""Objects one branch reaches through another query's relationship.

`if by_price: product = price.product` (a price query that loads `ProductPrice.product`) `else:
product = await products.get(...)`: after the branches `product` is a Product either way, but the
first call's source is the price query with the prefix `("product",)`. Taken from the Product it
reaches, that source is a query of Product whose loaders are the price query's below `product`:
the branches' sources then have one shape and are judged together (a relationship counts as
loaded only when every branch loaded it).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from alchemy_lint.facts.model import LoaderPath, LoaderStrategy
from alchemy_lint.index.project import ProjectIndex

if TYPE_CHECKING:
    from alchemy_lint.index.loading import ResolvedSource

#: Wildcard strategies that reach every relationship below the path they end (see `_option_for`).
_REACHING = frozenset({LoaderStrategy.LAZY, LoaderStrategy.RAISE, LoaderStrategy.RAISE_ON_SQL, LoaderStrategy.NOLOAD})


def reached_model(index: ProjectIndex, model: str, prefix: tuple[str, ...]) -> str | None:
    """The model that `prefix` (relationship names) reaches from `model`; None when a step is unknown."""
    for name in prefix:
        relationship = index.relationships(model).get(name)
        if relationship is None or relationship.target is None:
            return None
        model = relationship.target
    return model


def rerooted_loaders(loaders: tuple[LoaderPath, ...], prefix: tuple[str, ...]) -> tuple[LoaderPath, ...]:
    """The loader paths as seen from the object at the end of `prefix`: what each loads below
    it, and a reaching wildcard above it (`raiseload("*")`) as one at its root."""
    found: list[LoaderPath] = []
    for loader in loaders:
        steps = loader.steps
        along = 0
        while along < min(len(steps), len(prefix)) and steps[along].attribute.rsplit(".", 1)[-1] in (
            "*",
            prefix[along],
        ):
            if steps[along].attribute == "*":
                break
            along += 1
        below = along == len(prefix) and len(steps) > along
        # (`raiseload("*")` above the prefix reaches below it.)
        reaching = (
            along < len(prefix)
            and along == len(steps) - 1
            and steps[along].attribute == "*"
            and steps[along].strategy in _REACHING
        )
        if below or reaching:
            found.append(LoaderPath(steps[along:]))
    return tuple(found)


def rerooted(index: ProjectIndex, found: ResolvedSource) -> ResolvedSource | None:
    """`found` (a resolved source with a prefix) as a source of the model its prefix reaches."""
    if not found.prefix:
        return found
    model = reached_model(index, found.model, found.prefix)
    if model is None:
        return None
    return replace(
        found,
        model=model,
        prefix=(),
        loaders=rerooted_loaders(found.loaders, found.prefix),
        maybe_loaders=rerooted_loaders(found.maybe_loaders, found.prefix),
        withheld=tuple(
            (path, condition)
            for loader, condition in found.withheld
            for path in rerooted_loaders((loader,), found.prefix)
        ),
        loaded=(),
    )
