"""The rules' codes, names and fixes, written out: what a run answered from the cache needs of them.

`alchemy_lint.rules` defines the rules, and importing it imports the facts and index types their
checks read, a tenth of a second of every start-up; a run that finds every finding in the cache
checks the selectors, counts what `--fix` can fix and prints the findings from this table alone.
tests/test_catalogue.py holds it to the rules.
"""

from __future__ import annotations

from enum import Enum

from alchemy_lint.config import ConfigError, Settings
from alchemy_lint.findings import Finding


class FixSafety(str, Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


#: Every rule's code and name, in code order, as `alchemy_lint.rules.ALL_RULES` has them.
RULE_NAMES: dict[str, str] = {
    "ASA001": "cannot-parse",
    "ASA101": "adhoc-session",
    "ASA102": "factory-not-global",
    "ASA103": "expire-on-commit",
    "ASA104": "legacy-async-sessionmaker",
    "ASA105": "multiple-factories",
    "ASA106": "factory-outside-helper",
    "ASA107": "unsafe-session-helper",
    "ASA201": "session-shared-across-tasks",
    "ASA202": "module-level-session",
    "ASA301": "lazy-relationship-access",
    "ASA302": "expired-attribute-access",
    "ASA303": "dynamic-relationship",
    "ASA401": "commit-in-unit-of-work",
    "ASA402": "mixed-transaction-policy",
    "ASA501": "engine-in-models-module",
    "ASA502": "create-all-at-runtime",
}

#: The rules that have a fix, and its safety.
FIXES: dict[str, FixSafety] = {
    "ASA103": FixSafety.SAFE,
    "ASA104": FixSafety.SAFE,
    "ASA301": FixSafety.UNSAFE,
}


def fix_allowed(safety: FixSafety | None, *, unsafe: bool) -> bool:
    """Safe fixes run with --fix; unsafe ones (they change evaluation) only with --unsafe-fixes too."""
    return safety is FixSafety.SAFE or (safety is FixSafety.UNSAFE and unsafe)


def is_fixable(finding: Finding, *, unsafe: bool) -> bool:
    return finding.fixable and fix_allowed(FIXES.get(finding.code), unsafe=unsafe)


def check_selectors(settings: Settings) -> None:
    """Raise ConfigError for a selector that names no rule: a typo must not turn a rule off silently."""
    for option, selectors in (
        ("select", settings.select),
        ("extend-select", settings.extend_select),
        ("ignore", settings.ignore),
        *((f"per-file-ignores.{glob}", codes) for glob, codes in settings.per_file_ignores),
    ):
        for selector in selectors:
            if selector != "ALL" and not any(code.startswith(selector) for code in RULE_NAMES):
                raise ConfigError(
                    f"{option}: {selector!r} matches no rule; `alchemy-lint rules` lists the codes "
                    f"({', '.join(RULE_NAMES)})"
                )
