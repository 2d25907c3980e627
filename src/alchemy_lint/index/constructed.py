"""Where an object keeps what its constructor was handed: `self.session` for `Service(session)`,
`self.repository.session` one object deeper, or where a library base documents that it keeps it.

The summaries read it to follow a session into the methods of an object built over it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alchemy_lint.facts.values import Origin, OriginKind
from alchemy_lint.index.values import ValueKind
from alchemy_lint.sqlalchemy_api import library_kept_session

if TYPE_CHECKING:
    from alchemy_lint.index.project import ProjectIndex

#: How many objects deep a constructor's argument is followed (`self.repository.session` is two).
_MAX_DEPTH = 3

Path = tuple[str, ...]


def kept_paths(index: ProjectIndex, cls: str, key: str, depth: int = 0) -> tuple[Path, ...]:
    """The attribute paths below an instance of `cls` where it keeps what its constructor was
    handed as `key` (a position or a keyword): the attributes `__init__` sets to that parameter,
    the attributes of an object `__init__` builds over it, what `super().__init__` keeps of it, or
    where a library base keeps it (advanced-alchemy's `repository.session`)."""
    values = index.values
    owner = values.constructor_owner(cls)
    if owner is None:
        return _library_paths(index, cls, key)
    positional, keywords = values.constructor_parameters(owner)
    if key.isdigit():
        parameter = positional[int(key)] if int(key) < len(positional) else None
    else:
        parameter = key if key in keywords else None
    if parameter is None:
        return ()
    received = Origin(OriginKind.PARAMETER, f"{owner}.__init__:{parameter}")
    found: list[Path] = []
    for klass in index.class_chain(cls):
        for attribute, facts in klass.attributes.items():
            if received in facts.origins:
                found.append((attribute,))
            elif facts.holds and depth < _MAX_DEPTH and facts.function == f"{owner}.__init__":
                # `self.repository = Repository(session=session)`: where that object keeps it.
                inner = values.of(facts.origins)
                if inner.kind is ValueKind.INSTANCE and inner.cls is not None and inner.cls in index.classes:
                    for inner_key in _keys_passed(index, inner.cls, received, via_super=False):
                        found.extend((attribute, *path) for path in kept_paths(index, inner.cls, inner_key, depth + 1))
    if depth < _MAX_DEPTH:
        # `super().__init__(session)`: what the next constructor of the chain keeps of it.
        for inner_key in _keys_passed(index, owner, received, via_super=True):
            parent = values.constructor_owner(owner, skip_first=True)
            if parent is not None:
                found.extend(kept_paths(index, parent, inner_key, depth + 1))
            else:
                found.extend(_library_paths(index, owner, inner_key))
    return tuple(dict.fromkeys(found))


def _keys_passed(index: ProjectIndex, cls: str, received: Origin, *, via_super: bool) -> list[str]:
    """Where the construction sites of `cls` (or its `super().__init__` calls) pass `received`."""
    found: list[str] = []
    for sites in index.values.construction_sites().values():
        for site, _ in sites:
            if site.via_super != via_super or index.canonical(site.callee) != cls:
                continue
            found.extend(key for key, origins in site.arguments if received in origins)
    return found


def _library_paths(index: ProjectIndex, cls: str, key: str) -> tuple[Path, ...]:
    for klass in index.class_chain(cls):
        for base in klass.bases:
            path = library_kept_session(index.canonical(base), key)
            if path is not None:
                return (path,)
    return ()
