"""Static and runtime side by side: `alchemy-lint check --runtime-report FILE`.

A static finding is confirmed when a runtime finding of the same code has a site in the same
statement (in the same function for ASA107, whose static finding sits on the helper's `yield`),
naming the same `Model.attribute` where it names one. Runtime findings that confirm nothing are
what the static analysis missed.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from alchemy_lint.config import Overrides, Settings, settings_for
from alchemy_lint.findings import Finding
from alchemy_lint.noqa import is_suppressed, noqa_lines
from alchemy_lint.records import record
from alchemy_lint.roots import find_project_root
from alchemy_lint.rules import enabled_rules, ignored_for_path
from alchemy_lint.sanitizer.findings import RuntimeFinding, RuntimeReport, read_report

#: The rules the sanitizer checks at run time; the others can only be confirmed statically.
RUNTIME_CODES = ("ASA107", "ASA201", "ASA301", "ASA302", "ASA401")
#: Rules whose runtime site is elsewhere in the function than the static finding.
_FUNCTION_SCOPED = frozenset({"ASA107"})

Span = tuple[int, int]
_SUBJECTS = {
    "ASA301": re.compile(r"lazy load of ([\w.]+)"),
    "ASA302": re.compile(r"^ASA302 ([\w.]+) read on"),
}
_NO_SUBJECT = re.compile(r"(?!)")


@record
class Merged:
    #: The static findings (confirmed ones say so) and the runtime-only ones, in report order.
    findings: tuple[Finding, ...]
    confirmed: int
    static_only: int
    runtime_only: int
    #: Static findings of rules the sanitizer does not check.
    not_checked: int

    def summary(self) -> str:
        codes = ", ".join(RUNTIME_CODES)
        return (
            f"runtime report: {self.confirmed} confirmed, {self.static_only} static-only, "
            f"{self.runtime_only} runtime-only (rules checked at run time: {codes}); "
            f"{self.not_checked} finding{'s' if self.not_checked != 1 else ''} of rules checked only statically\n"
        )


def merge_runtime_report(
    findings: Sequence[Finding],
    report_path: str,
    paths: Sequence[str],
    overrides: Overrides | None = None,
) -> Merged:
    """The static `findings` of a check of `paths` (with the CLI's rule `overrides`), merged with
    the runtime report at `report_path`."""
    report = read_report(Path(report_path))
    scopes = _Scopes()
    checked = [Path(path).resolve() for path in paths]
    selection = _Selection(overrides or {})
    runtime = _distinct(
        finding
        for finding in report.findings
        if _within(report, finding, checked) and selection.reports(report, finding, checked)
    )
    used: set[int] = set()
    merged: list[Finding] = []
    confirmed = static_only = not_checked = 0
    for finding in findings:
        if finding.code not in RUNTIME_CODES:
            not_checked += 1
            merged.append(finding)
            continue
        tests = []
        for number, candidate in enumerate(runtime):
            if _confirms(report, candidate, finding, scopes):
                used.add(number)
                tests.append(candidate.test)
        if tests:
            confirmed += 1
            merged.append(replace(finding, message=f"{finding.message} [confirmed at run time by {_tests(tests)}]"))
        else:
            static_only += 1
            merged.append(finding)
    missed = [_runtime_only(report, finding, checked) for number, finding in enumerate(runtime) if number not in used]
    ordered = tuple(sorted([*merged, *missed], key=Finding.sort_key))
    return Merged(ordered, confirmed, static_only, len(missed), not_checked)


def _confirms(report: RuntimeReport, runtime: RuntimeFinding, static: Finding, scopes: _Scopes) -> bool:
    if runtime.code != static.code:
        return False
    if runtime.subject and runtime.subject != _subject(static):
        return False
    path = Path(static.path).resolve()
    function_scoped = static.code in _FUNCTION_SCOPED
    for site in runtime.sites:
        if (report.root / site.path).resolve() != path:
            continue
        if site.line == static.line or scopes.same(path, site.line, static.line, function=function_scoped):
            return True
    return False


def _subject(static: Finding) -> str | None:
    """The `Model.attribute` a static ASA301/ASA302 message names first (its fix may name others)."""
    match = _SUBJECTS.get(static.code, _NO_SUBJECT).search(static.message)
    return match.group(1) if match else None


def _within(report: RuntimeReport, finding: RuntimeFinding, checked: list[Path]) -> bool:
    return any(_under((report.root / site.path).resolve(), checked) for site in finding.sites)


def _under(path: Path, folders: list[Path]) -> bool:
    return any(path == folder or folder in path.parents for folder in folders)


def _distinct(findings: Iterable[RuntimeFinding]) -> list[RuntimeFinding]:
    """One runtime finding per bug: the same sites seen by several tests count once."""
    seen: dict[tuple[object, ...], RuntimeFinding] = {}
    tests: dict[tuple[object, ...], list[str]] = {}
    for finding in findings:
        key = (finding.code, finding.subject, tuple((site.path, site.line) for site in finding.sites))
        seen.setdefault(key, finding)
        tests.setdefault(key, []).append(finding.test)
    return [replace(finding, test=_tests(tests[key])) for key, finding in seen.items()]


def _tests(tests: list[str]) -> str:
    distinct = list(dict.fromkeys(test for test in tests if test)) or ["(outside any test)"]
    more = f" and {len(distinct) - 1} more" if len(distinct) > 1 else ""
    return f"{distinct[0]}{more}"


def _runtime_only(report: RuntimeReport, finding: RuntimeFinding, checked: list[Path]) -> Finding:
    site = next(site for site in finding.sites if _under((report.root / site.path).resolve(), checked))
    shown = _shown((report.root / site.path).resolve())
    message = f"{finding.message} [runtime only: seen in {finding.test}; the static analysis did not report it]"
    return Finding(shown, site.line, 0, finding.code, message)


def _shown(path: Path) -> str:
    """As the static findings show paths: relative to the working directory when below it."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return os.fspath(path)


class _Selection:
    """Whether the check would report a runtime finding where it happened: the rule is enabled for
    that file (select, ignore, per-file-ignores of its project) and the line has no `# noqa` for it."""

    def __init__(self, overrides: Overrides) -> None:
        self._overrides = overrides
        self._settings: dict[Path, Settings] = {}
        self._noqa: dict[Path, dict[int, tuple[str, ...]]] = {}

    def reports(self, report: RuntimeReport, finding: RuntimeFinding, checked: list[Path]) -> bool:
        site = next(site for site in finding.sites if _under((report.root / site.path).resolve(), checked))
        path = (report.root / site.path).resolve()
        root = find_project_root(path)
        if root not in self._settings:
            self._settings[root] = settings_for(root, self._overrides)
        settings = self._settings[root]
        codes = {rule.code for rule in enabled_rules(settings)}
        codes -= set(ignored_for_path(path.relative_to(root).as_posix(), settings))
        return finding.code in codes and not is_suppressed(self._noqa_of(path), site.line, finding.code)

    def _noqa_of(self, path: Path) -> dict[int, tuple[str, ...]]:
        if path not in self._noqa:
            try:
                self._noqa[path] = noqa_lines(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                self._noqa[path] = {}
        return self._noqa[path]


class _Scopes:
    """Statement and function spans of the files involved, parsed once each."""

    def __init__(self) -> None:
        self._trees: dict[Path, ast.Module | None] = {}

    def same(self, path: Path, first: int, second: int, *, function: bool) -> bool:
        tree = self._tree(path)
        if tree is None:
            return False
        span = _function_span if function else _statement_span
        found = span(tree, first)
        return found is not None and found == span(tree, second)

    def _tree(self, path: Path) -> ast.Module | None:
        if path not in self._trees:
            try:
                self._trees[path] = ast.parse(path.read_bytes())
            except (OSError, SyntaxError, ValueError):
                self._trees[path] = None
        return self._trees[path]


def _statement_span(tree: ast.Module, line: int) -> Span | None:
    """The innermost statement on `line`: a simple statement whole, a compound one by its header."""
    best: Span | None = None
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or node.end_lineno is None:
            continue
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            span = (node.lineno, max(node.lineno, body[0].lineno - 1))
        else:
            span = (node.lineno, node.end_lineno)
        if span[0] <= line <= span[1] and (best is None or span[1] - span[0] < best[1] - best[0]):
            best = span
    return best


def _function_span(tree: ast.Module, line: int) -> Span | None:
    best: Span | None = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None:
            span = (node.lineno, node.end_lineno)
            if span[0] <= line <= span[1] and (best is None or span[0] > best[0]):
                best = span
    return best
