"""Interfaces: `typing.Protocol` classes and abstract methods, and the project classes that
implement them, so that a call through an attribute typed by an interface runs an implementation.

A service keeps `self._periods: PeriodRepositoryProtocol` and calls `self._periods.close(db, p)`:
the protocol's method body is `...`. The project's one class that implements it (a subclass, or
for a protocol the class its constructor's callers pass) is what the call runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alchemy_lint.index.project import ProjectIndex

#: Bases that make a class a structural interface.
_PROTOCOL_BASES = frozenset({"typing.Protocol", "typing_extensions.Protocol"})


class Interfaces:
    """Memoised per project index."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._declared: dict[str, frozenset[str]] = {}
        self._declares_only: dict[str, bool] = {}
        self._implementations: dict[tuple[str, str], str | None] = {}
        self._subclasses: dict[str, tuple[str, ...]] = {}

    def is_protocol(self, cls: str) -> bool:
        found = self.index.classes.get(cls)
        return found is not None and any(self.index.canonical(base) in _PROTOCOL_BASES for base in found.bases)

    def declares_only(self, method: str) -> bool:
        """The method only declares what implementations do: a protocol's method, or one
        decorated `@abstractmethod`."""
        known = self._declares_only.get(method)
        if known is None:
            function = self.index.functions.get(method)
            known = self._declares_only[method] = self.is_protocol(method.rpartition(".")[0]) or (
                function is not None
                and any(decorator.rpartition(".")[2] == "abstractmethod" for decorator in function.decorators)
            )
        return known

    def method(self, cls: str, name: str) -> str | None:
        """The method `name` a call on an instance of `cls` runs: the nearest definition in its
        chain, or when that only declares it, the one implementation among its subclasses."""
        index = self.index
        for klass in index.class_chain(cls):
            method = f"{klass.qualname}.{name}"
            if method in index.functions:
                if not self.declares_only(method):
                    return method
                return self.implementation(cls, name) or method
        return None

    def implementation(self, cls: str, name: str) -> str | None:
        """The one method `name` that the project's subclasses of `cls` define and do not only
        declare; the application's classes speak for it, tests' (fakes) only when it has none."""
        key = (cls, name)
        if key in self._implementations:
            return self._implementations[key]
        index = self.index
        found: tuple[dict[str, None], dict[str, None]] = ({}, {})
        for subclass in self.subclasses(cls):
            method = f"{subclass}.{name}"
            if method in index.functions and not self.declares_only(method):
                found[index.is_test_module(index.class_paths.get(subclass, ""))][method] = None
        methods = found[0] or found[1]
        result = next(iter(methods)) if len(methods) == 1 else None
        self._implementations[key] = result
        return result

    def implements(self, concrete: str, interface: str) -> bool:
        """`concrete` is a subclass of `interface`, or `interface` is a protocol whose every
        method `concrete` defines."""
        index = self.index
        if concrete == interface:
            return False
        if any(klass.qualname == interface for klass in index.class_chain(concrete)[1:]):
            return True
        if not self.is_protocol(interface):
            return False
        defined = {
            name
            for klass in index.class_chain(concrete)
            for name in self.declared(klass.qualname)
            if not self.declares_only(f"{klass.qualname}.{name}")
        }
        return self.declared(interface) <= defined

    def declared(self, cls: str) -> frozenset[str]:
        """The names of the methods a class body defines."""
        known = self._declared.get(cls)
        if known is None:
            prefix = f"{cls}."
            known = self._declared[cls] = frozenset(
                qualname[len(prefix) :]
                for qualname in self.index.functions
                if qualname.startswith(prefix) and "." not in qualname[len(prefix) :]
            )
        return known

    def subclasses(self, cls: str) -> tuple[str, ...]:
        known = self._subclasses.get(cls)
        if known is None:
            index = self.index
            known = self._subclasses[cls] = tuple(
                other
                for other in index.classes
                if other != cls and any(klass.qualname == cls for klass in index.class_chain(other))
            )
        return known
