"""What the sanitizer found at run time, and the JSON report that carries it to `check --runtime-report`.

Plain data with no SQLAlchemy import, so the linter's CLI can read a report without it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alchemy_lint.config import ConfigError
from alchemy_lint.records import record

REPORT_VERSION = 1


class ReportError(ConfigError):
    """A runtime report that cannot be read: one line naming the file and what is wrong, exit 2."""


@record
class Site:
    """A line of the project's own code that took part in a finding."""

    #: Relative to the report's root, with `/` separators.
    path: str
    line: int
    function: str
    #: What the line did: `call` (the operation or read), `caller` (an outer frame), `task` (where
    #: the task's coroutine was created), `expired-by`, `begin`, `opened`.
    role: str = "call"

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.function}"


@record
class RuntimeFinding:
    """One finding of the sanitizer; the first site is where it is reported."""

    code: str
    #: Starts with the code, like the linter's messages.
    message: str
    sites: tuple[Site, ...]
    #: `Model.attribute` for ASA301 and ASA302, so a merge can tell two reads on one line apart.
    subject: str = ""
    #: The pytest node id of the test that ran it ("" outside any test).
    test: str = ""
    #: The phase of that test: setup, call or teardown.
    when: str = "call"

    @property
    def path(self) -> str:
        return self.sites[0].path if self.sites else ""

    @property
    def line(self) -> int:
        return self.sites[0].line if self.sites else 0


@record
class RuntimeReport:
    #: The folder the sites' paths are relative to (pytest's rootdir).
    root: Path
    findings: tuple[RuntimeFinding, ...]
    #: How often each finding happened, in the order of `findings`.
    counts: tuple[int, ...]


def report_json(root: Path, counted: dict[RuntimeFinding, int], versions: dict[str, str]) -> str:
    rows = [
        {
            "code": finding.code,
            "path": finding.path,
            "line": finding.line,
            "message": finding.message,
            "subject": finding.subject,
            "test": finding.test,
            "when": finding.when,
            "count": count,
            "sites": [
                {"path": site.path, "line": site.line, "function": site.function, "role": site.role}
                for site in finding.sites
            ],
        }
        for finding, count in counted.items()
    ]
    document = {"version": REPORT_VERSION, "tool": "alchemy-lint sanitizer", "root": str(root), **versions}
    document["findings"] = rows
    return json.dumps(document, indent=2) + "\n"


def read_report(path: Path) -> RuntimeReport:
    """The report at `path`; a ReportError with a one-line reason when it is not one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"no such runtime report: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReportError(f"cannot read runtime report {path}: {error}") from None
    if not isinstance(document, dict) or document.get("version") != REPORT_VERSION:
        raise ReportError(
            f"{path} is not a runtime report of this version (write one with pytest --alchemy-sanitize-report)"
        )
    try:
        rows = [(_finding(row), int(row.get("count", 1))) for row in document["findings"]]
        root = Path(document["root"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ReportError(f"{path}: malformed runtime report ({type(error).__name__}: {error})") from None
    return RuntimeReport(root, tuple(finding for finding, _ in rows), tuple(count for _, count in rows))


def _finding(row: dict[str, Any]) -> RuntimeFinding:
    sites = tuple(
        Site(str(site["path"]), int(site["line"]), str(site["function"]), str(site.get("role", "call")))
        for site in row["sites"]
    )
    return RuntimeFinding(
        code=str(row["code"]),
        message=str(row["message"]),
        sites=sites,
        subject=str(row.get("subject", "")),
        test=str(row.get("test", "")),
        when=str(row.get("when", "call")),
    )
