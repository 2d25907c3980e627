"""Output formats for findings: flake8-style text, JSON, SARIF, GitHub annotations, statistics.

Columns print 1-based, exactly as flake8 prints the 0-based offsets plugins report.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from alchemy_lint.findings import Finding
from alchemy_lint.report.github import render_github
from alchemy_lint.report.sarif import render_sarif
from alchemy_lint.rules import RULES_BY_CODE

FORMATS = ("text", "json", "sarif", "github")


def render_text(findings: Sequence[Finding]) -> str:
    return "".join(f"{f.path}:{f.line}:{f.col + 1}: {f.message}\n" for f in findings)


def render_json(findings: Sequence[Finding]) -> str:
    rows = [
        {
            "path": f.path,
            "line": f.line,
            "column": f.col + 1,
            "code": f.code,
            "name": RULES_BY_CODE[f.code].name if f.code in RULES_BY_CODE else None,
            "message": f.message,
        }
        for f in findings
    ]
    return json.dumps(rows, indent=2) + "\n"


def render(findings: Sequence[Finding], output_format: str) -> str:
    renderers = {"json": render_json, "sarif": render_sarif, "github": render_github}
    return renderers.get(output_format, render_text)(findings)


def render_statistics(findings: Sequence[Finding]) -> str:
    counts = Counter(f.code for f in findings)
    lines = []
    for code, count in sorted(counts.items()):
        rule = RULES_BY_CODE.get(code)
        lines.append(f"{count:<6}{code}  {rule.name if rule else ''}")
    lines.append(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}")
    return "\n".join(lines) + "\n"
