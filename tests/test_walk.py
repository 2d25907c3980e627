"""The fast walker visits exactly what `ast.NodeVisitor` visits, handler for handler."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

import pytest

from alchemy_lint.facts.walk import _INERT_CANDIDATES, FastNodeVisitor, child_nodes, parent_map

STDLIB = Path(sysconfig.get_paths()["stdlib"])
#: A bounded, varied sample: every fourth top-level module of the standard library.
STDLIB_SAMPLE = sorted(STDLIB.glob("*.py"))[::4]


class _Recording:
    """Handlers on common and on leaf node types; the log is the order they ran in."""

    def __init__(self) -> None:
        self.log: list[tuple[str, int]] = []

    def _record(self, node: ast.AST) -> None:
        self.log.append((type(node).__name__, getattr(node, "lineno", 0)))
        self.generic_visit(node)  # type: ignore[attr-defined]

    visit_Call = _record
    visit_FunctionDef = _record
    visit_AsyncFunctionDef = _record
    visit_ClassDef = _record
    visit_Lambda = _record
    visit_Await = _record
    visit_Name = _record
    visit_Load = _record
    visit_Add = _record
    visit_arg = _record


class _Reference(_Recording, ast.NodeVisitor):
    pass


class _Fast(_Recording, FastNodeVisitor):
    pass


class _FastWithoutLeafHandlers(FastNodeVisitor):
    def __init__(self) -> None:
        self.calls: list[int] = []

    def visit_Call(self, node: ast.Call) -> None:
        self.calls.append(node.lineno)
        self.generic_visit(node)


class _ReferenceWithoutLeafHandlers(ast.NodeVisitor):
    def __init__(self) -> None:
        self.calls: list[int] = []

    def visit_Call(self, node: ast.Call) -> None:
        self.calls.append(node.lineno)
        self.generic_visit(node)


def _trees() -> list[ast.Module]:
    trees = []
    for path in STDLIB_SAMPLE:
        try:
            trees.append(ast.parse(path.read_bytes(), str(path)))
        except SyntaxError:
            continue
    return trees


@pytest.fixture(scope="module")
def stdlib_trees() -> list[ast.Module]:
    trees = _trees()
    assert len(trees) > 30  # 38 on Python 3.13, which dropped the modules of PEP 594
    return trees


def test_fast_walker_runs_the_same_handlers_in_the_same_order_as_node_visitor(stdlib_trees: list[ast.Module]) -> None:
    for tree in stdlib_trees:
        reference, fast = _Reference(), _Fast()
        reference.visit(tree)
        fast.visit(tree)
        assert fast.log == reference.log


def test_fast_walker_skipping_leaves_finds_every_call(stdlib_trees: list[ast.Module]) -> None:
    for tree in stdlib_trees:
        reference, fast = _ReferenceWithoutLeafHandlers(), _FastWithoutLeafHandlers()
        reference.visit(tree)
        fast.visit(tree)
        assert fast.calls == reference.calls


def test_a_handler_for_a_leaf_type_is_honoured() -> None:
    fast = _Fast()
    fast.visit(ast.parse("x = y + f(z)\n"))
    names = [entry[0] for entry in fast.log]
    assert names.count("Name") == 4
    assert "Add" in names
    assert "Load" in names


#: Names, constants, operators and the like: never the parent of a statement or a call.
_LEAF_CLASSES = _INERT_CANDIDATES


def test_parent_map_agrees_with_ast_walk_on_every_node_but_leaves(stdlib_trees: list[ast.Module]) -> None:
    for tree in stdlib_trees:
        reference = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
        expected = {child: parent for child, parent in reference.items() if not isinstance(child, _LEAF_CLASSES)}
        assert list(parent_map(tree).items()) == list(expected.items())


def test_child_nodes_are_iter_child_nodes_without_leaves(stdlib_trees: list[ast.Module]) -> None:
    for tree in stdlib_trees:
        for node in ast.walk(tree):
            expected = [child for child in ast.iter_child_nodes(node) if not isinstance(child, _LEAF_CLASSES)]
            assert list(child_nodes(node)) == expected
