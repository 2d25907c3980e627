"""GitHub Actions workflow commands: one `::error` annotation per finding.

GitHub shows them on the pull request's diff; values are escaped as the runner expects.
"""

from __future__ import annotations

from collections.abc import Sequence

from alchemy_lint.findings import Finding
from alchemy_lint.report.columns import CharacterColumns


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding]) -> str:
    columns = CharacterColumns()
    lines = []
    for finding in findings:
        col = columns.column(finding.path, finding.line, finding.col) + 1
        properties = f"file={_property(finding.path)},line={finding.line},col={col}"
        if finding.end_line is not None and finding.end_col is not None:
            end_col = columns.column(finding.path, finding.end_line, finding.end_col) + 1
            properties += f",endLine={finding.end_line},endColumn={end_col}"
        lines.append(f"::error {properties},title={_property(finding.code)}::{_data(finding.message)}\n")
    return "".join(lines)
