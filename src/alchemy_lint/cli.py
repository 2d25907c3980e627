"""The `alchemy-lint` command: check, rules, rule, lsp.

Exit codes: 0 clean, 1 findings, 2 usage, configuration or internal error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from alchemy_lint import __version__
from alchemy_lint.baseline import write_baseline
from alchemy_lint.config import ConfigError
from alchemy_lint.engine import CheckResult, RuleCrash, RunOptions, check_paths
from alchemy_lint.fixes.pipeline import FixSession, Overrides
from alchemy_lint.fixes.summary import diff_summary, fix_hint, fix_summary, report_fix_errors
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


def _add_selection(command: argparse.ArgumentParser) -> None:
    command.add_argument("paths", nargs="*", default=["."])
    command.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to enable")
    command.add_argument("--ignore", type=_codes, help="comma-separated codes or prefixes to disable")
    command.add_argument("--extend-select", type=_codes, help="codes or prefixes to enable on top")


def _overrides(args: argparse.Namespace) -> Overrides:
    return {"select": args.select, "ignore": args.ignore, "extend_select": args.extend_select}


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
    _add_selection(check)
    check.add_argument("--format", choices=FORMATS, default="text", dest="output_format")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--statistics", action="store_true", help="print a count per code after the findings")
    check.add_argument("--fix", action="store_true", help="apply safe fixes, then report what remains")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, apply unsafe fixes too")
    check.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; change no file")
    check.add_argument(
        "--runtime-report",
        metavar="FILE",
        help="mark the findings a test confirmed and add what it found that the check missed "
        "(FILE from pytest --alchemy-sanitize-report)",
    )

    baseline = commands.add_parser("baseline", help="add # noqa markers for every current finding")
    _add_selection(baseline)
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

    commands.add_parser("lsp", help="serve editors: a language server over stdin/stdout")
    return parser


def _check(args: argparse.Namespace) -> int:
    overrides = _overrides(args)
    profile = Profile() if args.profile else None
    options = RunOptions(cache=not args.no_cache, jobs=args.jobs, profile=profile)
    summary = runtime_summary = ""
    shown: tuple[Finding, ...] | None = None  # with --runtime-report: the merged findings
    try:
        if args.fix or args.diff:
            session = FixSession(args.paths, overrides, options)
            result = session.check()
            if args.diff:
                return _diff(session, result, unsafe=args.unsafe_fixes)
            result, summary = _fix(session, result, unsafe=args.unsafe_fixes)
        else:
            result = check_paths(args.paths, overrides, options)
        if args.runtime_report:
            from alchemy_lint.sanitizer.merge import merge_runtime_report

            merged = merge_runtime_report(result.findings, args.runtime_report, args.paths, overrides)
            shown, runtime_summary = merged.findings, merged.summary()
    except Exception as error:
        return _report_error(error)
    if shown is None:
        shown = result.findings
    if profile is None:
        _write(shown, args)
    else:
        with profile.phase("output"):
            _write(shown, args)
    # Like --statistics: after the findings, on stderr when the format is for machines.
    (sys.stdout if args.output_format == "text" else sys.stderr).write(runtime_summary)
    sys.stderr.write(summary or fix_hint(result.findings, unsafe=args.unsafe_fixes))
    if profile is not None:
        sys.stderr.write(profile.render(result.stats.as_dict()))
    if shown and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _report_error(error: Exception) -> int:
    """One line on stderr for what ended the run, and exit code 2: never a traceback, and never
    exit 1, which would read as "findings"."""
    if isinstance(error, ConfigError):
        message = f"error: {error}"
    elif isinstance(error, FileNotFoundError):
        message = f"error: no such file or folder: {error.args[0]}"
    else:  # a bug of ours
        message = f"internal error: {_one_line(error)}; please report it with the file"
    sys.stderr.write(f"alchemy-lint: {message}\n")
    return EXIT_ERROR


def _one_line(error: Exception) -> str:
    if isinstance(error, RuleCrash):
        return str(error).replace("\n", " ")
    return f"{type(error).__name__}: {error}".replace("\n", " ")


def _fix(session: FixSession, result: CheckResult, *, unsafe: bool) -> tuple[CheckResult, str]:
    """Fix, then check again: what is reported is what remains."""
    run = session.fix(result.findings, unsafe=unsafe)
    report_fix_errors(run, sys.stderr)
    if run.changed:
        result = session.check()
    return result, fix_summary(len(run.applied), result.findings, unsafe=unsafe)


def _diff(session: FixSession, result: CheckResult, *, unsafe: bool) -> int:
    run = session.fix(result.findings, unsafe=unsafe, write=False)
    report_fix_errors(run, sys.stderr)
    sys.stdout.write(run.diff())
    sys.stderr.write(diff_summary(len(run.applied), len(run.changed)))
    return EXIT_FINDINGS if run.changed else EXIT_CLEAN


def _baseline(args: argparse.Namespace) -> int:
    try:
        result = write_baseline(args.paths, _overrides(args))
    except Exception as error:
        return _report_error(error)
    for finding, reason in result.skipped:
        sys.stdout.write(
            f"{finding.path}:{finding.line}:{finding.col + 1}: {finding.message} (not baselined: {reason})\n"
        )
    files = len(result.files)
    sys.stderr.write(
        f"Added noqa markers for {len(result.marked)} finding{'s' if len(result.marked) != 1 else ''} "
        f"in {files} file{'s' if files != 1 else ''}.\n"
    )
    return EXIT_FINDINGS if result.skipped else EXIT_CLEAN


def _write(findings: tuple[Finding, ...], args: argparse.Namespace) -> None:
    sys.stdout.write(render(findings, args.output_format))
    if args.statistics:
        # Machine formats stay parseable: their statistics go to stderr.
        stream = sys.stdout if args.output_format == "text" else sys.stderr
        stream.write(render_statistics(findings))


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
    if args.command == "baseline":
        return _baseline(args)
    if args.command == "rules":
        return _rules()
    if args.command == "lsp":
        from alchemy_lint.lsp import run  # pygls is optional: import it only to serve

        return run()
    return _rule(args.code)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
