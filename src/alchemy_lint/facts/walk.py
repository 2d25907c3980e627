"""A faster `ast.NodeVisitor`: a per-class dispatch table and a walk that skips inert leaves.

Same contract as `ast.NodeVisitor` (`visit_<Class>` methods, `visit`, `generic_visit`), so the
facts builder reads the same; only the cost of walking the parts of a tree it ignores drops.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Callable, Iterator
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

_Class = TypeVar("_Class")

try:  # mypyc reads the decorator when it compiles (mypy brings the package); nothing else does
    from mypy_extensions import mypyc_attr
except ImportError:  # pragma: no cover (a pure-Python install without mypy)

    def mypyc_attr(**_: object) -> Callable[[_Class], _Class]:  # type: ignore[misc]
        return lambda cls: cls


#: Fields that never hold a node, in any node class: not worth a `getattr` per node.
_SCALAR_FIELDS = frozenset(
    {"id", "attr", "name", "arg", "module", "level", "kind", "conversion", "is_async", "type_comment", "asname"}
)

#: Node classes with no child that is a node, once their context/operator children are
#: themselves skipped: walking into one of them does nothing unless a visitor handles it.
_INERT_CANDIDATES: tuple[type[ast.AST], ...] = (
    ast.Name,
    ast.Constant,
    ast.expr_context,
    ast.operator,
    ast.unaryop,
    ast.cmpop,
    ast.boolop,
    ast.Pass,
    ast.Break,
    ast.Continue,
    ast.Global,
    ast.Nonlocal,
    ast.alias,
)


def _node_classes(root: type[ast.AST] = ast.AST) -> Iterator[type[ast.AST]]:
    for subclass in root.__subclasses__():
        yield subclass
        yield from _node_classes(subclass)


_ALL_NODE_CLASSES: tuple[type[ast.AST], ...] = tuple(dict.fromkeys(_node_classes()))

#: Classes whose `name` is a node, not a string: `type X = ...` (Python 3.12+).
_NAME_NODE_CLASSES = frozenset(cls for cls in _ALL_NODE_CLASSES if cls.__name__ == "TypeAlias")

#: Node class -> the fields `generic_visit` looks into, in `_fields` order.
_CHILD_FIELDS: MappingProxyType[type[ast.AST], tuple[str, ...]] = MappingProxyType(
    {
        cls: tuple(f for f in cls._fields if f not in _SCALAR_FIELDS or (f == "name" and cls in _NAME_NODE_CLASSES))
        for cls in _ALL_NODE_CLASSES
    }
)

Handler = Callable[[Any, Any], None]

#: Nodes that are never the parent of a statement or a call, nor one themselves.
_LEAVES: frozenset[type[Any]] = frozenset(
    {str, int, type(None)}
    | {node_class for candidate in _INERT_CANDIDATES for node_class in (candidate, *_node_classes(candidate))}
)


#: Leaves that bind no name (constants, operators, contexts): what a walk for bindings skips.
INERT_FOR_BINDINGS: frozenset[type[Any]] = frozenset(
    cls for cls in _LEAVES if not issubclass(cls, (ast.Name, ast.Global, ast.Nonlocal, ast.alias))
)


def binding_children(node: ast.AST) -> list[ast.AST]:
    """The children of `node` in `ast.iter_child_nodes` order, less the leaves that bind no name:
    names, `global`/`nonlocal` statements and import aliases are kept."""
    inert = INERT_FOR_BINDINGS
    found: list[ast.AST] = []
    for field in _CHILD_FIELDS.get(node.__class__, node._fields):
        value = getattr(node, field, None)
        if value.__class__ is list:
            found.extend(item for item in value if item.__class__ not in inert and isinstance(item, ast.AST))
        elif value.__class__ not in inert and isinstance(value, ast.AST):
            found.append(value)
    return found


def child_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """The children of `node` in `ast.iter_child_nodes` order, leaves left out (names,
    constants, operators): for the analyses that only ever look past them."""
    leaves = _LEAVES
    for field in _CHILD_FIELDS.get(node.__class__, node._fields):
        value = getattr(node, field, None)
        if value.__class__ is list:
            for item in value:
                if item.__class__ not in leaves and isinstance(item, ast.AST):
                    yield item
        elif value.__class__ not in leaves and isinstance(value, ast.AST):
            yield value


def parent_map(root: ast.AST) -> dict[ast.AST, ast.AST]:
    """Each node under `root` -> its parent, leaves left out (names, constants, operators).

    The same answers as `{child: parent for parent in ast.walk(root) for child in
    ast.iter_child_nodes(parent)}` for every node that is not such a leaf, visited in the same
    breadth-first order, at a fraction of the cost.
    """
    parents: dict[ast.AST, ast.AST] = {}
    pending = deque([root])
    leaves = _LEAVES
    while pending:
        node = pending.popleft()
        for field in _CHILD_FIELDS.get(node.__class__, node._fields):
            value = getattr(node, field, None)
            if value.__class__ is list:
                for item in value:
                    if item.__class__ not in leaves and isinstance(item, ast.AST):
                        parents[item] = node
                        pending.append(item)
            elif value.__class__ not in leaves and isinstance(value, ast.AST):
                parents[value] = node
                pending.append(value)
    return parents


@mypyc_attr(allow_interpreted_subclasses=True)  # (the tests compare it with `ast.NodeVisitor`)
class FastNodeVisitor:
    """Visits like `ast.NodeVisitor`, minus the cost of nodes that cannot reach a handler.

    A node class is skipped only when the visitor has no `visit_` method for it and it has
    no node children a handler could see, so every handler runs exactly as it would under
    `ast.NodeVisitor`.
    """

    _handlers: ClassVar[MappingProxyType[type[Any], Handler]] = MappingProxyType({})
    _inert: ClassVar[frozenset[type[Any]]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[type[Any], Handler] = {}
        for node_class in _ALL_NODE_CLASSES:
            method = getattr(cls, f"visit_{node_class.__name__}", None)
            if method is not None:
                handlers[node_class] = method
        cls._handlers = MappingProxyType(handlers)
        inert: set[type[Any]] = {str, int, type(None)}
        for candidate in _INERT_CANDIDATES:
            family = [candidate, *_node_classes(candidate)]
            inert.update(node_class for node_class in family if node_class not in handlers)
        cls._inert = frozenset(inert)

    def visit(self, node: ast.AST) -> None:
        handler = self._handlers.get(node.__class__)
        if handler is None:
            self.generic_visit(node)
        else:
            handler(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        # `visit` inlined: one Python frame less for every node of the tree.
        inert = self._inert
        handlers = self._handlers
        generic_visit = self.generic_visit
        for field in _CHILD_FIELDS.get(node.__class__, node._fields):
            value = getattr(node, field, None)
            if value.__class__ is list:
                for item in value:
                    if item.__class__ in inert:
                        continue
                    handler = handlers.get(item.__class__)
                    if handler is not None:
                        handler(self, item)
                    elif isinstance(item, ast.AST):
                        generic_visit(item)
            elif value.__class__ not in inert:
                handler = handlers.get(value.__class__)
                if handler is not None:
                    handler(self, value)
                elif isinstance(value, ast.AST):
                    generic_visit(value)
