"""The findings of one pytest run, each attributed to the test and phase that was running.

The same finding seen twice in one test (ten tasks of one gather) is kept once, with a count.
"""

from __future__ import annotations

from collections.abc import Iterable

from alchemy_lint.sanitizer.findings import RuntimeFinding, Site


class FindingLog:
    def __init__(self) -> None:
        self.counts: dict[RuntimeFinding, int] = {}
        #: The node id of the running test and its phase; "" between tests.
        self.test = ""
        self.when = ""

    def add(
        self, code: str, message: str, sites: Iterable[Site], subject: str = "", *, test: str | None = None
    ) -> RuntimeFinding:
        """Record a finding of the running test, or of `test` when it is found later (collected garbage)."""
        when = self.when if test is None or test == self.test else "teardown"
        finding = RuntimeFinding(code, f"{code} {message}", tuple(sites), subject, test or self.test, when)
        self.counts[finding] = self.counts.get(finding, 0) + 1
        return finding

    def of(self, test: str, when: str) -> list[RuntimeFinding]:
        return [finding for finding in self.counts if finding.test == test and finding.when == when]


def render_finding(finding: RuntimeFinding, count: int = 1) -> str:
    """The finding as the terminal shows it: flake8-style first line, then its sites."""
    location = f"{finding.path}:{finding.line}: " if finding.sites else ""
    times = f" ({count} times)" if count > 1 else ""
    lines = [f"{location}{finding.message}{times}"]
    lines.extend(f"    {site} ({_ROLES.get(site.role, site.role)})" for site in finding.sites)
    return "\n".join(lines)


_ROLES = {
    "call": "here",
    "caller": "called from",
    "task": "task created",
    "other-call": "other task, here",
    "other-caller": "other task, called from",
    "other-task": "other task created",
    "expired-by": "expired by",
    "begin": "block opened",
    "opened": "opened",
}
