"""The resolver's fast paths answer what the plain definitions answer, on any expression shape."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alchemy_lint.resolve import ModuleNames, NameTable, dotted_parts, expression_text, module_name_for, qualify

_NAMES = st.sampled_from(["a", "b", "session", "self", "sa", "unknown"])


def _expressions() -> st.SearchStrategy[ast.expr]:
    leaves = st.one_of(
        _NAMES.map(lambda name: ast.Name(id=name, ctx=ast.Load())),
        st.integers(0, 3).map(ast.Constant),
    )

    def extend(inner: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
        return st.one_of(
            st.tuples(inner, _NAMES).map(lambda pair: ast.Attribute(value=pair[0], attr=pair[1], ctx=ast.Load())),
            st.tuples(inner, inner).map(lambda pair: ast.Subscript(value=pair[0], slice=pair[1], ctx=ast.Load())),
            inner.map(lambda func: ast.Call(func=func, args=[], keywords=[])),
        )

    return st.recursive(leaves, extend, max_leaves=6)


def _reference_parts(expr: ast.expr) -> list[str] | None:
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    return [expr.id, *reversed(parts)]


def _table() -> NameTable:
    module = NameTable()
    module.bind("sa", "sqlalchemy")
    module.bind("a", "app.a")
    module.bind("b", "app.models.b")
    function = module.child()
    function.forget("b")  # a local that hides the import
    function.bind("session", "app.db.session")
    return function


@settings(max_examples=200, deadline=None)
@given(_expressions())
def test_dotted_names_resolve_as_the_plain_definition_says(expr: ast.expr) -> None:
    parts = _reference_parts(expr)
    assert dotted_parts(expr) == parts
    assert expression_text(expr) == (".".join(parts) if parts is not None else None)
    table = _table()
    head = table.lookup(parts[0]) if parts is not None else None
    expected = ".".join([head, *parts[1:]]) if parts is not None and head is not None else None
    assert qualify(expr, table) == expected


def test_module_names_of_a_walk_are_the_plain_definitions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [
        "app/__init__.py",
        "app/db.py",
        "app/api/__init__.py",
        "app/api/v1.handlers.py",
        "app/namespace/models.py",
        "app/namespace/deep/__init__.py",
        "app/namespace/deep/.hidden",
        "app/namespace/deep/trailing.",
        "stubs/pkg/__init__.pyi",
        "stubs/pkg/models.pyi",
        "scripts/seed.py",
        "__init__.py",
        "top.py",
    ]
    for relative in files:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    paths = [tmp_path / relative for relative in files] + [Path(relative) for relative in files]
    modules = ModuleNames()
    assert [modules.module_for(path) for path in paths] == [module_name_for(path) for path in paths]
