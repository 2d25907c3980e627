"""The `alchemy-lint` command: check, rules, rule.

Exit codes: 0 clean, 1 findings, 2 usage, configuration or internal error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from alchemy_lint import __version__
from alchemy_lint.config import ConfigError
from alchemy_lint.engine import RunOptions, check_paths
from alchemy_lint.profile import Profile
from alchemy_lint.report import FORMATS, render, render_statistics
from alchemy_lint.rules import ALL_RULES, RULES_BY_CODE, Finding

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"alchemy-lint: error: {message}\n")
        raise SystemExit(EXIT_ERROR)


def _codes(value: str) -> tuple[str, ...]:
    return tuple(code.strip().upper() for code in value.split(",") if code.strip())


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of processes, not {value!r}") from None
    if jobs < 0:
        raise argparse.ArgumentTypeError("expected 0 (every core) or a positive number of processes")
    return jobs


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="alchemy-lint", description="A linter for async SQLAlchemy and SQLModel code.")
    parser.add_argument("--version", action="version", version=f"alchemy-lint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = commands.add_parser("check", help="check files and folders (default: .)")
    check.add_argument("paths", nargs="*", default=["."])
    check.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to enable")
    check.add_argument("--ignore", type=_codes, help="comma-separated codes or prefixes to disable")
    check.add_argument("--extend-select", type=_codes, help="codes or prefixes to enable on top")
    check.add_argument("--format", choices=FORMATS, default="text", dest="output_format")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--statistics", action="store_true", help="print a count per code after the findings")
    check.add_argument(
        "-j", "--jobs", type=_jobs, default=0, metavar="N", help="worker processes for parsing (default: every core)"
    )
    check.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the cache (.alchemy_lint_cache/ at the root)"
    )
    check.add_argument(
        "--profile", action="store_true", help="print the time per phase and per rule, and cache counts, to stderr"
    )

    commands.add_parser("rules", help="list the rules")
    rule = commands.add_parser("rule", help="explain one rule with its examples")
    rule.add_argument("code")
    return parser


def _check(args: argparse.Namespace) -> int:
    profile = Profile() if args.profile else None
    options = RunOptions(cache=not args.no_cache, jobs=args.jobs, profile=profile)
    try:
        result = check_paths(
            args.paths,
            {"select": args.select, "ignore": args.ignore, "extend_select": args.extend_select},
            options,
        )
    except ConfigError as error:
        sys.stderr.write(f"alchemy-lint: error: {error}\n")
        return EXIT_ERROR
    except FileNotFoundError as error:
        sys.stderr.write(f"alchemy-lint: error: no such file or folder: {error.args[0]}\n")
        return EXIT_ERROR
    if profile is None:
        _write(result.findings, args)
    else:
        with profile.phase("output"):
            _write(result.findings, args)
        sys.stderr.write(profile.render(result.stats.as_dict()))
    if result.findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _write(findings: tuple[Finding, ...], args: argparse.Namespace) -> None:
    sys.stdout.write(render(findings, args.output_format))
    if args.statistics:
        sys.stdout.write(render_statistics(findings))


def _rules() -> int:
    for rule in ALL_RULES:
        default = "on" if rule.default_on else "off"
        fix = f", fix ({rule.fix.value})" if rule.fix else ""
        sys.stdout.write(f"{rule.code}  {rule.name:<28} [{default}{fix}]  {rule.summary}\n")
    return EXIT_CLEAN


def _rule(code: str) -> int:
    rule = RULES_BY_CODE.get(code.upper())
    if rule is None:
        sys.stderr.write(f"alchemy-lint: error: unknown rule {code!r}; `alchemy-lint rules` lists them\n")
        return EXIT_ERROR
    from alchemy_lint.docs import explain  # only here: it is not needed to check

    sys.stdout.write(explain(rule))
    return EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "check":
        return _check(args)
    if args.command == "rules":
        return _rules()
    return _rule(args.code)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
