"""What `check` says after the findings, in ruff's words: found, fixed, remaining, fixable, unsafe.

Imports no LibCST, and no rule: a plain `check` uses it for the "fixable with --fix" hint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from alchemy_lint.catalogue import RULE_NAMES, is_fixable
from alchemy_lint.findings import Finding

if TYPE_CHECKING:
    from alchemy_lint.fixes.pipeline import FixRun


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def fix_hint(findings: Sequence[Finding], *, unsafe: bool, after_fix: bool = False) -> str:
    """`[*] 2 fixable with `--fix`.` and the unsafe fixes that `--unsafe-fixes` would add, as ruff says it."""
    fixable = sum(1 for finding in findings if is_fixable(finding, unsafe=unsafe))
    hidden = 0 if unsafe else sum(1 for f in findings if is_fixable(f, unsafe=True)) - fixable
    unsafe_note = f"{_plural(hidden, 'unsafe fix', 'unsafe fixes')} available with `--fix --unsafe-fixes`"
    if fixable and not after_fix:
        return f"[*] {fixable} fixable with `--fix`" + (f" ({unsafe_note})" if hidden else "") + ".\n"
    return f"{unsafe_note}.\n" if hidden else ""


def check_summary(findings: Sequence[Finding], *, unsafe: bool, after_fix: bool = False) -> str:
    """The last lines of a check: `Found 11 errors.` and what `--fix` can do, or `All checks passed!`."""
    if not findings:
        return "All checks passed!\n"
    return f"Found {_plural(len(findings), 'error')}.\n" + fix_hint(findings, unsafe=unsafe, after_fix=after_fix)


def fix_summary(fixed: int, remaining: Sequence[Finding], *, unsafe: bool) -> str:
    if not fixed:
        return check_summary(remaining, unsafe=unsafe, after_fix=True)
    total = fixed + len(remaining)
    head = f"Found {_plural(total, 'error')} ({fixed} fixed, {len(remaining)} remaining).\n"
    return head + fix_hint(remaining, unsafe=unsafe, after_fix=True)


def fixed_listing(applied: Sequence[Finding]) -> str:
    """`--show-fixes`: what `--fix` fixed, file by file, as ruff lists it."""
    if not applied:
        return ""
    by_file: dict[str, Counter[str]] = {}
    for finding in applied:
        by_file.setdefault(finding.path, Counter())[finding.code] += 1
    lines = ["", f"Fixed {_plural(len(applied), 'error')}:"]
    for path in sorted(by_file):
        lines.append(f"- {path}:")
        for code, count in sorted(by_file[path].items()):
            name = RULE_NAMES.get(code)
            # The multiplication sign, as ruff lists fixes.
            lines.append(f"    {count} × {code}" + (f" ({name})" if name else ""))  # noqa: RUF001
    return "\n".join(lines) + "\n\n"


def diff_summary(fixed: int, files: int) -> str:
    if not fixed:
        return "No errors would be fixed.\n"
    return f"Would fix {_plural(fixed, 'error')} in {_plural(files, 'file')}.\n"


def report_fix_errors(run: FixRun, stream: TextIO) -> None:
    for file in run.files:
        if file.error:
            stream.write(f"alchemy-lint: warning: {file.path}: fixes not applied: {file.error}\n")
