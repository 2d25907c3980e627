"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

One run: the tool driver lists every rule (id, name, descriptions, helpUri); one result per finding.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from alchemy_lint import __version__
from alchemy_lint.docs import rule_url
from alchemy_lint.findings import Finding
from alchemy_lint.report.columns import CharacterColumns
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
        "defaultConfiguration": {"enabled": rule.default_on, "level": "error"},
        "properties": {"fix": rule.fix.value if rule.fix else "none"},
    }


def _artifact(path: str) -> dict[str, str]:
    posix = PurePath(path).as_posix()
    if PurePath(path).is_absolute():
        return {"uri": "file://" + quote(posix)}
    return {"uri": quote(posix), "uriBaseId": "%SRCROOT%"}


def sarif_log(findings: Sequence[Finding]) -> dict[str, Any]:
    rule_index = {rule.code: number for number, rule in enumerate(ALL_RULES)}
    columns = CharacterColumns()
    results = []
    for finding in findings:
        region: dict[str, int] = {
            "startLine": finding.line,
            "startColumn": columns.column(finding.path, finding.line, finding.col) + 1,
        }
        if finding.end_line is not None and finding.end_col is not None:
            region["endLine"] = finding.end_line
            region["endColumn"] = columns.column(finding.path, finding.end_line, finding.end_col) + 1
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": "error",
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(finding.path), "region": region}}],
        }
        if finding.code in rule_index:
            result["ruleIndex"] = rule_index[finding.code]
        results.append(result)
    driver = {
        "name": "alchemy-lint",
        "version": __version__,
        "informationUri": rule_url("README"),
        "rules": [_rule_descriptor(rule) for rule in ALL_RULES],
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}],
    }


def render_sarif(findings: Sequence[Finding]) -> str:
    return json.dumps(sarif_log(findings), indent=2) + "\n"
