"""Relationships a function sets itself on an object it received.

`if change.product_id is not None: change.product = await products.get(change.product_id)`:
the function does not trust the caller's object to carry `Change.product`, so on a path that
did not set it the object holds whatever the caller's query loaded, which the function's own
setting of it says is nothing. ASA301 judges a read of such a relationship on that path.
"""

from __future__ import annotations

from dataclasses import replace

from alchemy_lint.facts.model import AccessKind, ObjectAccess, SourceKind
from alchemy_lint.index.loading import ObjectTarget
from alchemy_lint.index.project import RelationshipRef

#: For each received object (its parameter and the relationships walked from it), the
#: relationships the function sets on it, each with the first line that sets it.
Reloads = dict[tuple[str, tuple[str, ...]], dict[str, int]]


def reloaded_relationships(accesses: tuple[ObjectAccess, ...]) -> Reloads:
    """What the function sets on the objects it received (see `Reloads`)."""
    reloads: Reloads = {}
    for access in accesses:
        if access.kind is not AccessKind.ASSIGN or access.source.kind is not SourceKind.RECEIVED:
            continue
        names = reloads.setdefault((access.source.parameter, access.path), {})
        names[access.attribute] = min(access.line, names.get(access.attribute, access.line))
    return reloads


def raises_unloaded(relationship: RelationshipRef | None) -> bool:
    """Whether reading the relationship unloaded fails whatever the object's foreign key holds:
    `lazy="raise"` raises before it looks at the key (a many-to-one whose key is None, the path
    that skipped the load, included); a lazily loaded collection always runs SQL."""
    if relationship is None or relationship.is_write_only or relationship.is_dynamic:
        return False
    if relationship.lazy == "raise":
        return True
    return relationship.is_collection is True and not relationship.is_eager and relationship.lazy != "noload"


def as_unloaded(found: ObjectTarget) -> ObjectTarget:
    """The received object as loading nothing beyond its mapper's eager `lazy=`: the state the
    function's own setting of a relationship presumes."""
    source = replace(found.source, loaders=(), loaders_known=True, maybe_loaders=(), withheld=())
    return replace(found, source=source)
