"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

One run: the tool driver lists every rule (id, name, descriptions, helpUri); one result per
finding, at its path from the repository root (`%SRCROOT%`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from alchemy_lint import __version__
from alchemy_lint.docs import rule_url
from alchemy_lint.findings import Finding
from alchemy_lint.metadata import repository_url
from alchemy_lint.report.columns import ReportedFiles
from alchemy_lint.report.paths import RepositoryPaths
from alchemy_lint.report.severity import severity
from alchemy_lint.rules import ALL_RULES, Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale},
        "helpUri": rule_url(rule.code),
        "help": {"text": f"{rule.summary} See {rule_url(rule.code)}"},
        "defaultConfiguration": {"enabled": rule.default_on, "level": severity(rule.code)},
        "properties": {"fix": rule.fix.value if rule.fix else "none"},
    }


def _artifact(path: str) -> dict[str, str]:
    # A URI escapes the bytes of the name: a name that is not UTF-8 (kept by Python as
    # surrogates) is escaped as the bytes it is on disk.
    posix = os.fsencode(PurePath(path).as_posix())
    if PurePath(path).is_absolute():
        return {"uri": "file://" + quote(posix)}
    return {"uri": quote(posix), "uriBaseId": "%SRCROOT%"}


def sarif_log(findings: Sequence[Finding], files: ReportedFiles | None = None) -> dict[str, Any]:
    rule_index = {rule.code: number for number, rule in enumerate(ALL_RULES)}
    files = files or ReportedFiles()
    paths = RepositoryPaths()
    results = []
    for finding in findings:
        found = files.region(finding)
        region: dict[str, int] = {"startLine": finding.line, "startColumn": finding.col + 1}
        if found is not None:
            region = {
                "startLine": found.line,
                "startColumn": found.column + 1,
                "endLine": found.end_line,
                "endColumn": found.end_column + 1,
            }
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": severity(finding.code),
            "message": {"text": finding.message},
            "locations": [
                {"physicalLocation": {"artifactLocation": _artifact(paths.relative(finding.path)), "region": region}}
            ],
        }
        if finding.code in rule_index:
            result["ruleIndex"] = rule_index[finding.code]
        results.append(result)
    driver = {
        "name": "alchemy-lint",
        "version": __version__,
        "informationUri": repository_url(),
        "rules": [_rule_descriptor(rule) for rule in ALL_RULES],
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}],
    }


def render_sarif(findings: Sequence[Finding], files: ReportedFiles | None = None) -> str:
    return json.dumps(sarif_log(findings, files), indent=2) + "\n"
