"""One construct, one finding: the more specific rule wins where two report the same node.

Applied after `# noqa` is read, so a finding silenced on purpose (`# noqa: ASA101` on a
sanctioned ad-hoc session) lets the rule it stood in for report again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from alchemy_lint.findings import Finding
from alchemy_lint.noqa import is_suppressed
from alchemy_lint.rules import RULES_BY_CODE


def one_finding_per_construct(
    findings: Iterable[Finding], noqa: Mapping[int, tuple[str, ...]] | None = None
) -> list[Finding]:
    """`findings` without those superseded by a standing finding of a more specific rule.

    `noqa`: the file's noqa comments, for callers that hand findings on before noqa is applied
    (flake8 applies it itself); a finding it silences does not stand.
    """
    found = list(findings)
    silenced = dict(noqa or {})
    standing = {(f.line, f.col, f.code) for f in found if not is_suppressed(silenced, f.line, f.code)}
    return [
        finding
        for finding in found
        if not any(
            (finding.line, finding.col, code) in standing
            for code in (RULES_BY_CODE[finding.code].superseded_by if finding.code in RULES_BY_CODE else ())
        )
    ]
