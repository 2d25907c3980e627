"""The rule registry: every rule alchemy-lint ships, by code.

Selection (`select`, `ignore`, prefixes) is resolved here for the CLI and the plugin.
"""

from __future__ import annotations

from collections.abc import Iterable

from alchemy_lint.catalogue import FixSafety, check_selectors
from alchemy_lint.config import Settings, matches_any
from alchemy_lint.rules import concurrency, layout, loading, parse, relationship_strategies, sessions, transactions
from alchemy_lint.rules.base import Example, FileContext, Rule

ALL_RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            *parse.RULES,
            *sessions.RULES,
            *concurrency.RULES,
            *loading.RULES,
            *relationship_strategies.RULES,
            *transactions.RULES,
            *layout.RULES,
        ),
        key=lambda rule: rule.code,
    )
)
RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL_RULES}


def _matches(code: str, selectors: Iterable[str]) -> bool:
    return any(selector == "ALL" or code.startswith(selector) for selector in selectors)


def enabled_rules(settings: Settings) -> tuple[Rule, ...]:
    """Rules on for these settings.

    A prefix (`ASA`, `ASA5`) selects the rules that are on by default; a rule that is off by
    default is selected only by its full code, as in flake8-async.
    """
    chosen: list[Rule] = []
    for rule in ALL_RULES:
        if settings.select:
            on = (rule.default_on and _matches(rule.code, settings.select)) or rule.code in settings.select
        else:
            on = rule.default_on
        on = (
            on
            or rule.code in settings.extend_select
            or (rule.default_on and _matches(rule.code, settings.extend_select))
        )
        if on and not _matches(rule.code, settings.ignore):
            chosen.append(rule)
    return tuple(chosen)


def ignored_for_path(relative_path: str, settings: Settings) -> tuple[str, ...]:
    found: list[str] = []
    for glob, codes in settings.per_file_ignores:
        if matches_any(relative_path, (glob,)):
            found.extend(codes)
    return tuple(found)


__all__ = [
    "ALL_RULES",
    "RULES_BY_CODE",
    "Example",
    "FileContext",
    "FixSafety",
    "Rule",
    "check_selectors",
    "enabled_rules",
    "ignored_for_path",
]
