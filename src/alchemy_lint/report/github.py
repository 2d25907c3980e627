"""GitHub Actions workflow commands: one annotation per finding, at its path from the repository root.

GitHub shows them on the pull request's diff; values are escaped as the runner expects.
"""

from __future__ import annotations

from collections.abc import Sequence

from alchemy_lint.findings import Finding
from alchemy_lint.report.columns import ReportedFiles
from alchemy_lint.report.paths import RepositoryPaths
from alchemy_lint.report.severity import severity


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding], files: ReportedFiles | None = None) -> str:
    files = files or ReportedFiles()
    paths = RepositoryPaths()
    lines = []
    for finding in findings:
        place = f"file={_property(paths.relative(finding.path))},line={finding.line}"
        region = files.region(finding)
        if region is None:
            place += f",col={finding.col + 1}"
        else:
            place += f",col={region.column + 1},endLine={region.end_line},endColumn={region.end_column + 1}"
        command = severity(finding.code)
        lines.append(f"::{command} {place},title={_property(finding.code)}::{_data(finding.message)}\n")
    return "".join(lines)
