"""Output formats for findings: flake8-style text, full (with source), JSON, SARIF, GitHub annotations.

Text columns print 1-based, exactly as flake8 prints the 0-based offsets plugins report; so do
the JSON output's; SARIF and the full format count characters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from alchemy_lint.catalogue import FIXES, RULE_NAMES
from alchemy_lint.findings import Finding
from alchemy_lint.report.columns import ReportedFiles
from alchemy_lint.report.full import render_full
from alchemy_lint.report.severity import severity

#: `text` and `concise` are one format (flake8's lines); the machine formats print no summary.
FORMATS = ("text", "concise", "full", "json", "sarif", "github")
HUMAN_FORMATS = frozenset({"text", "concise", "full"})


def render_text(findings: Sequence[Finding]) -> str:
    return "".join(f"{f.path}:{f.line}:{f.col + 1}: {f.message}\n" for f in findings)


def _json_row(finding: Finding, files: ReportedFiles) -> dict[str, Any]:
    # Imported here: the rule pages' address comes from the package metadata, slow to import.
    from alchemy_lint.docs import rule_url

    fix = FIXES.get(finding.code) if finding.fixable else None
    region = files.region(finding)
    end_line = end_column = None
    if region is not None:
        end_line = region.end_line
        end_column = files.byte_column(finding.path, region.end_line, region.end_column) + 1
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.col + 1,
        "end_line": end_line,
        "end_column": end_column,
        "code": finding.code,
        "name": RULE_NAMES.get(finding.code),
        "message": finding.message,
        "severity": severity(finding.code),
        # The rule's fix and its safety: `check --fix` applies it where it can (safe), and with
        # `--unsafe-fixes` too (unsafe).
        "fix": {"applicability": fix.value} if fix is not None else None,
        "url": rule_url(finding.code) if finding.code in RULE_NAMES else None,
    }


def render_json(findings: Sequence[Finding], files: ReportedFiles | None = None) -> str:
    import json  # only for this format: not at every run's start

    files = files or ReportedFiles()
    return json.dumps([_json_row(finding, files) for finding in findings], indent=2) + "\n"


def render(
    findings: Sequence[Finding], output_format: str, files: ReportedFiles | None = None, *, colour: bool = False
) -> str:
    files = files or ReportedFiles()
    if output_format == "full":
        return render_full(findings, files, colour=colour)
    if output_format == "json":
        return render_json(findings, files)
    # The machine formats are imported when asked for: not on every run's start-up.
    if output_format == "sarif":
        from alchemy_lint.report.sarif import render_sarif

        return render_sarif(findings, files)
    if output_format == "github":
        from alchemy_lint.report.github import render_github

        return render_github(findings, files)
    return render_text(findings)


def render_statistics(findings: Sequence[Finding]) -> str:
    counts = Counter(f.code for f in findings)
    lines = []
    for code, count in sorted(counts.items()):
        lines.append(f"{count:<6}{code}  {RULE_NAMES.get(code, '')}")
    lines.append(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}")
    return "\n".join(lines) + "\n"
