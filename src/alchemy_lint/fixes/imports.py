"""Module-level import edits that fixes ask for: add a name, drop an import a fix left unused.

Only top-level `from X import ...` statements are edited, and never one that carries a `# noqa`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.helpers import get_full_name_for_node

from alchemy_lint.fixes import commas
from alchemy_lint.fixes.base import FileFix

#: (first line, last line) of a statement as parsed.
LineSpan = Callable[[cst.CSTNode], tuple[int, int]]


def _import_from(statement: cst.BaseStatement | None) -> cst.ImportFrom | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    node = statement.body[0]
    if isinstance(node, cst.ImportFrom) and node.module is not None and not node.relative:
        return node
    return None


def _bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return get_full_name_for_node(alias.name) or ""


class _ModuleLevelReads(cst.CSTVisitor):
    """Counts the places that may read the module-level binding of `name`.

    Not a use: a comment, an import, an attribute or keyword named so (`x.name`, `f(name=1)`),
    a parameter and what a function with that parameter reads, a def or class named so. A
    string that mentions the name counts (an `__all__` entry, a string annotation): when in
    doubt the import stays.
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.reads = 0
        self._mention = re.compile(rf"\b{re.escape(name)}\b")
        self._not_reads: set[int] = set()
        self._shadowing: list[bool] = []

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._not_reads.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._not_reads.add(id(node.keyword))

    def visit_Param(self, node: cst.Param) -> None:
        self._not_reads.add(id(node.name))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._not_reads.add(id(node.name))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._not_reads.add(id(node.name))
        self._shadowing.append(self._has_parameter(node.params))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._shadowing.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._shadowing.append(self._has_parameter(node.params))

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._shadowing.pop()

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name and id(node) not in self._not_reads and not any(self._shadowing):
            self.reads += 1

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if self._mention.search(node.value):
            self.reads += 1

    def _has_parameter(self, params: cst.Parameters) -> bool:
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        every.extend(param for param in (params.star_arg, params.star_kwarg) if isinstance(param, cst.Param))
        return any(param.name.value == self.name for param in every)


def _is_read(module: cst.Module, name: str) -> bool:
    reads = _ModuleLevelReads(name)
    module.visit(reads)
    return reads.reads > 0


def _order(name: str) -> tuple[int, str, str]:
    # isort's and ruff's order-by-type: CONSTANTS, then Classes, then functions and modules.
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return (kind, name.lower(), name)


def _position(names: Sequence[str], new: str) -> int:
    """Where `new` goes: in order if the list is ordered (by type, or plainly), else at the end."""
    by_type = [_order(name) for name in names]
    if by_type == sorted(by_type):
        return sum(1 for existing in by_type if existing < _order(new))
    if list(names) == sorted(names):
        return sum(1 for existing in names if existing < new)
    return len(names)


def _with_alias(statement: cst.SimpleStatementLine, node: cst.ImportFrom, name: str) -> cst.SimpleStatementLine:
    assert not isinstance(node.names, cst.ImportStar)
    index = _position([_bound_name(alias) for alias in node.names], name)
    opening = node.lpar.whitespace_after if node.lpar else None
    names = commas.insert(node.names, index, cst.ImportAlias(name=cst.Name(name)), opening)
    return statement.with_changes(body=[node.with_changes(names=names)])


def _without_alias(
    statement: cst.SimpleStatementLine, node: cst.ImportFrom, name: str
) -> cst.SimpleStatementLine | None:
    assert not isinstance(node.names, cst.ImportStar)
    index = next(i for i, alias in enumerate(node.names) if _bound_name(alias) == name)
    opening = node.lpar.whitespace_after if node.lpar else None
    names, opening = commas.remove(node.names, index, opening)
    if not names:
        return None
    lpar = node.lpar.with_changes(whitespace_after=opening) if node.lpar and opening is not None else node.lpar
    return statement.with_changes(body=[node.with_changes(names=names, lpar=lpar)])


@dataclass(slots=True)
class _Slot:
    """A top-level statement while imports are edited; `statement` None once a fix emptied it."""

    statement: cst.BaseStatement | None
    editable: bool
    leading_lines: Sequence[cst.EmptyLine] = ()


def update_imports(module: cst.Module, original: cst.Module, file: FileFix, span: LineSpan) -> cst.Module:
    if not (file.imports or file.released) or len(module.body) != len(original.body):
        return module
    slots = [
        _Slot(
            statement, _import_from(statement) is not None and not _has_noqa(file, span(old)), statement.leading_lines
        )
        for statement, old in zip(module.body, original.body, strict=True)
    ]
    if not file.facts.path.endswith("__init__.py"):  # a package's imports may be its API
        for name in file.released:
            _drop_unused(slots, module, name, file.unseen)
    for request in file.imports:
        _add_import(slots, request.module, request.name)
    return module.with_changes(body=_statements(slots))


def _has_noqa(file: FileFix, lines: tuple[int, int]) -> bool:
    return any(line in file.facts.noqa for line in range(lines[0], lines[1] + 1))


def _editable_import(slot: _Slot) -> tuple[cst.SimpleStatementLine, cst.ImportFrom] | None:
    node = _import_from(slot.statement)
    if node is None or not slot.editable or isinstance(node.names, cst.ImportStar):
        return None
    assert isinstance(slot.statement, cst.SimpleStatementLine)
    return slot.statement, node


def _drop_unused(slots: list[_Slot], module: cst.Module, name: str, unseen: str) -> None:
    for slot in slots:
        found = _editable_import(slot)
        if found is None:
            continue
        statement, node = found
        assert not isinstance(node.names, cst.ImportStar)
        if name not in {_bound_name(alias) for alias in node.names}:
            continue
        # The text outside an excerpt (an editor's quick fix) has no tree here: any mention counts.
        if not _is_read(module, name) and not re.search(rf"\b{re.escape(name)}\b", unseen):
            slot.statement = _without_alias(statement, node, name)
        return


def _add_import(slots: list[_Slot], module_name: str, name: str) -> None:
    for slot in slots:
        found = _editable_import(slot)
        if found is not None and found[1].module is not None and get_full_name_for_node(found[1].module) == module_name:
            slot.statement = _with_alias(*found, name)
            return
    new = cst.parse_statement(f"from {module_name} import {name}\n")
    for slot in slots:
        if slot.statement is None:
            # In the place of the import the fix emptied, under its comments.
            slot.statement = new.with_changes(leading_lines=slot.leading_lines)
            slot.editable = True
            return
    slots.insert(_after_leading_imports(slots, module_name.split(".", 1)[0]), _Slot(new, True))


def _after_leading_imports(slots: Sequence[_Slot], package: str) -> int:
    """After the same package's imports in the file's leading imports, else after them all."""
    last_import = last_same_package = -1
    for i, slot in enumerate(slots):
        statement = slot.statement
        if statement is None:
            continue
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        first = statement.body[0]
        if isinstance(first, cst.Import | cst.ImportFrom):
            last_import = i
            node = _import_from(statement)
            module = get_full_name_for_node(node.module) if node is not None and node.module is not None else None
            if (module or "").split(".", 1)[0] == package:
                last_same_package = i
        elif (
            i == 0
            and isinstance(first, cst.Expr)
            and isinstance(first.value, cst.SimpleString | cst.ConcatenatedString)
        ):
            last_import = 0  # the module docstring
        else:
            break
    return (last_same_package if last_same_package >= 0 else last_import) + 1


def _statements(slots: Sequence[_Slot]) -> list[cst.BaseStatement]:
    kept: list[cst.BaseStatement] = []
    carried: tuple[cst.EmptyLine, ...] = ()
    for slot in slots:
        if slot.statement is None:
            # The comments above a removed import stay, above the next statement.
            carried = (*carried, *slot.leading_lines)
            continue
        statement = slot.statement
        leading = getattr(statement, "leading_lines", ())
        if carried and (any(line.comment for line in carried) or not leading):
            statement = statement.with_changes(leading_lines=(*carried, *leading))
            carried = ()
        kept.append(statement)
    return kept
