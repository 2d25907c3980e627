"""The pytest entry point (`pytest11`): options only, until the sanitizer is asked for.

Off by default. `--alchemy-sanitize` reports findings in the terminal summary,
`--alchemy-sanitize=strict` also fails the test that caused one, and `alchemy_sanitize =
true|strict` in the ini options does the same. When off, nothing else is imported or changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_MODES = {"true": "report", "report": "report", "strict": "strict", "false": None, "off": None, "": None}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("alchemy-sanitize", "alchemy-lint's runtime sanitizer (async SQLAlchemy)")
    group.addoption(
        "--alchemy-sanitize",
        action="store_const",
        const="report",
        dest="alchemy_sanitize",
        help="check SQLAlchemy's asyncio layer while the tests run; list findings (ASA201, ASA301, ...) at the end",
    )
    # Registered as its own option string: argparse matches it exactly before it splits on "=",
    # so `--alchemy-sanitize tests/` keeps `tests/` a path (an optional value would eat it).
    group.addoption(
        "--alchemy-sanitize=strict",
        action="store_const",
        const="strict",
        dest="alchemy_sanitize",
        help="as --alchemy-sanitize, and fail the test that caused a finding",
    )
    group.addoption(
        "--alchemy-sanitize-report",
        metavar="FILE",
        dest="alchemy_sanitize_report",
        help="write the findings as JSON (for alchemy-lint check --runtime-report FILE); turns the sanitizer on",
    )
    parser.addini(
        "alchemy_sanitize", "alchemy-lint's runtime sanitizer: false (default), true or strict", default="false"
    )


def sanitizer_mode(config: pytest.Config) -> str | None:
    """report, strict, or None (off): the command line wins over the ini option."""
    chosen = config.getoption("alchemy_sanitize")
    if chosen is not None:
        return str(chosen)
    value = str(config.getini("alchemy_sanitize")).strip().lower()
    if value not in _MODES:
        raise pytest.UsageError(f"alchemy_sanitize must be true, false or strict, not {value!r}")
    mode = _MODES[value]
    if mode is None and config.getoption("alchemy_sanitize_report"):
        return "report"
    return mode


def pytest_configure(config: pytest.Config) -> None:
    mode = sanitizer_mode(config)
    if mode is None:
        return
    from alchemy_lint.sanitizer.runner import Sanitizer  # imports SQLAlchemy: only when asked for

    report = config.getoption("alchemy_sanitize_report")
    path = Path(config.invocation_params.dir, report) if report else None
    config.pluginmanager.register(Sanitizer(config, strict=mode == "strict", report=path), "alchemy-sanitizer")
