"""What `check` says about fixes on stderr, in ruff's words: fixed, remaining, fixable, hidden.

Imports no LibCST: a plain `check` uses it for the "fixable with --fix" hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from alchemy_lint.findings import Finding
from alchemy_lint.fixes.pipeline import FixRun, is_fixable


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def fix_hint(findings: Sequence[Finding], *, unsafe: bool, after_fix: bool = False) -> str:
    fixable = sum(1 for finding in findings if is_fixable(finding, unsafe=unsafe))
    hidden = 0 if unsafe else sum(1 for f in findings if is_fixable(f, unsafe=True)) - fixable
    lines = []
    if fixable and not after_fix:
        lines.append(f"[*] {fixable} fixable with the `--fix` option.\n")
    if hidden:
        lines.append(
            f"({_plural(hidden, 'hidden fix', 'hidden fixes')} can be enabled with the `--unsafe-fixes` option.)\n"
        )
    return "".join(lines)


def fix_summary(fixed: int, remaining: Sequence[Finding], *, unsafe: bool) -> str:
    if not fixed and not remaining:
        return ""
    total = fixed + len(remaining)
    head = f"Found {_plural(total, 'error')} ({fixed} fixed, {len(remaining)} remaining).\n"
    return head + fix_hint(remaining, unsafe=unsafe, after_fix=True)


def diff_summary(fixed: int, files: int) -> str:
    if not fixed:
        return "No errors would be fixed.\n"
    return f"Would fix {_plural(fixed, 'error')} in {_plural(files, 'file')}.\n"


def report_fix_errors(run: FixRun, stream: TextIO) -> None:
    for file in run.files:
        if file.error:
            stream.write(f"alchemy-lint: warning: {file.path}: fixes not applied: {file.error}\n")
