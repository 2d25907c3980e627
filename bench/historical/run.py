"""Recall on confirmed historical bugs: does alchemy-lint report each one where it shipped?

Usage: python bench/historical/run.py FOLDER [--bugs FILE] [--linter COMMAND] [--only NAME,...] [--markdown]

FOLDER holds one checkout per bug (the parent of its fix commit), named by the bug's `checkout`
field (default: its `name`); bugs.toml lists them and README.md says how to recreate them. Each
checkout is checked once with `alchemy-lint check --no-cache --exit-zero --format json ROOT`, run
from the checkout. A bug counts as detected when a finding of its rule is on its line, on one of
its `also_lines`, or elsewhere in the same statement (for a compound statement, in its header).
Standard library only, so that it runs with any interpreter that can start the linter.
"""

from __future__ import annotations

import argparse
import ast
import json
import shlex
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
PARSE_FAILURE = "ASA001"


@dataclass(frozen=True)
class Bug:
    name: str
    checkout: str
    repo: str
    rule: str
    root: str
    path: str
    line: int
    also_lines: tuple[int, ...]
    callee: str | None


@dataclass
class Verdict:
    bug: Bug
    status: str  # "detected", "missed", "no checkout", "linter failed"
    detail: str = ""
    same_rule_lines: list[int] = field(default_factory=list)


def load_bugs(path: Path) -> list[Bug]:
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    bugs = []
    for entry in document.get("bug", []):
        callee = None
        if "callee_path" in entry and "callee_line" in entry:
            callee = f"{entry['callee_path']}:{entry['callee_line']}"
        bugs.append(
            Bug(
                name=entry["name"],
                checkout=entry.get("checkout", entry["name"]),
                repo=entry["repo"],
                rule=entry["rule"],
                root=entry.get("root", "."),
                path=entry["path"],
                line=int(entry["line"]),
                also_lines=tuple(int(line) for line in entry.get("also_lines", ())),
                callee=callee,
            )
        )
    return bugs


# -- where a statement starts and ends ----------------------------------------------------


def _own_span(statement: ast.stmt) -> tuple[int, int]:
    """The lines of a statement itself: all of a simple one, the header of a compound one."""
    end = statement.end_lineno or statement.lineno
    children = [
        child
        for name in ("body", "orelse", "finalbody", "handlers", "cases")
        for child in getattr(statement, name, ()) or ()
        if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case))
    ]
    if children:
        first = min(_first_line(child) for child in children)
        end = max(statement.lineno, first - 1)
    return statement.lineno, end


def _first_line(node: ast.AST) -> int:
    if isinstance(node, ast.match_case):
        return node.pattern.lineno
    return int(getattr(node, "lineno", 0))


def statement_lines(source_file: Path, line: int) -> set[int]:
    """The lines of the innermost statement that contains `line` ({line} when it cannot tell)."""
    try:
        tree = ast.parse(source_file.read_text(encoding="utf-8", errors="replace"))
    except (SyntaxError, ValueError, OSError):
        return {line}
    best: tuple[int, int] | None = None
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        start, end = _own_span(node)
        if start <= line <= end and (best is None or end - start < best[1] - best[0]):
            best = (start, end)
    if best is None:
        return {line}
    return set(range(best[0], best[1] + 1))


# -- running the linter -------------------------------------------------------------------


def run_linter(linter: list[str], checkout: Path, root: str) -> tuple[list[dict[str, Any]] | None, str]:
    command = [*linter, "check", "--no-cache", "--exit-zero", "--format", "json", root]
    try:
        result = subprocess.run(command, cwd=checkout, capture_output=True, text=True, check=False)
    except OSError as error:
        return None, f"cannot start {linter[0]}: {error}"
    if result.returncode != 0:
        first = (result.stderr.strip().splitlines() or ["no message"])[0]
        return None, f"exit {result.returncode}: {first}"
    try:
        findings = json.loads(result.stdout or "[]")
    except json.JSONDecodeError as error:
        return None, f"output is not JSON: {error}"
    return findings, ""


def judge(bug: Bug, checkout: Path, findings: list[dict[str, Any]]) -> Verdict:
    target = (checkout / bug.path).resolve()
    expected: set[int] = set()
    for line in (bug.line, *bug.also_lines):
        expected |= statement_lines(target, line)
    in_file = [f for f in findings if (checkout / str(f.get("path", ""))).resolve() == target]
    same_rule = sorted({int(f["line"]) for f in in_file if f.get("code") == bug.rule})
    if any(line in expected for line in same_rule):
        return Verdict(bug, "detected", same_rule_lines=same_rule)
    notes = []
    if any(f.get("code") == PARSE_FAILURE for f in in_file):
        notes.append("the file does not parse")
    others = sorted({str(f.get("code")) for f in in_file if int(f.get("line", 0)) in expected})
    if others:
        notes.append("other codes on the line: " + ", ".join(others))
    if same_rule:
        notes.append(f"{bug.rule} elsewhere in the file at " + ", ".join(map(str, same_rule)))
    return Verdict(bug, "missed", "; ".join(notes), same_rule)


def evaluate(folder: Path, bugs: list[Bug], linter: list[str]) -> list[Verdict]:
    runs: dict[tuple[str, str], tuple[list[dict[str, Any]] | None, str]] = {}
    verdicts = []
    for bug in bugs:
        checkout = folder / bug.checkout
        if not (checkout / bug.path).is_file():
            verdicts.append(Verdict(bug, "no checkout", f"{checkout / bug.path} is missing"))
            continue
        key = (bug.checkout, bug.root)
        if key not in runs:
            print(f"checking {bug.checkout} ({bug.root}) ...", file=sys.stderr)
            runs[key] = run_linter(linter, checkout, bug.root)
        findings, error = runs[key]
        if findings is None:
            verdicts.append(Verdict(bug, "linter failed", error))
        else:
            verdicts.append(judge(bug, checkout, findings))
    return verdicts


# -- reporting ----------------------------------------------------------------------------


def report_text(verdicts: list[Verdict]) -> str:
    lines = []
    for verdict in verdicts:
        bug = verdict.bug
        where = f"{bug.path}:{bug.line}"
        detail = f"  ({verdict.detail})" if verdict.detail else ""
        lines.append(f"{verdict.status:13} {bug.rule} {bug.name:20} {where}{detail}")
    lines.append("")
    lines.extend(totals(verdicts))
    return "\n".join(lines)


def report_markdown(verdicts: list[Verdict]) -> str:
    lines = ["| bug | rule | where | callee | result | note |", "|---|---|---|---|---|---|"]
    for verdict in verdicts:
        bug = verdict.bug
        callee = f"`{bug.callee}`" if bug.callee else ""
        lines.append(
            f"| {bug.name} | {bug.rule} | `{bug.path}:{bug.line}` | {callee} | {verdict.status} | {verdict.detail} |"
        )
    lines.append("")
    lines.extend(f"- {line}" for line in totals(verdicts))
    return "\n".join(lines)


def totals(verdicts: list[Verdict]) -> list[str]:
    judged = [v for v in verdicts if v.status in ("detected", "missed")]
    found = Counter(v.bug.rule for v in judged if v.status == "detected")
    seen = Counter(v.bug.rule for v in judged)
    lines = [f"detected {sum(found.values())} / {len(judged)}"]
    lines.extend(f"{rule}: {found[rule]} / {seen[rule]}" for rule in sorted(seen))
    skipped = len(verdicts) - len(judged)
    if skipped:
        lines.append(f"not judged (no checkout or linter failure): {skipped}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the folder holding one checkout per bug")
    parser.add_argument("--bugs", type=Path, default=HERE / "bugs.toml", help="the list of bugs (default: bugs.toml)")
    parser.add_argument("--linter", default="alchemy-lint", help="the command that starts the linter")
    parser.add_argument("--only", default="", help="comma-separated bug names to judge")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"run.py: {args.folder} is not a folder", file=sys.stderr)
        return 2
    try:
        bugs = load_bugs(args.bugs)
    except (OSError, tomllib.TOMLDecodeError, KeyError, ValueError) as error:
        print(f"run.py: cannot read {args.bugs}: {error}", file=sys.stderr)
        return 2
    wanted = {name for name in args.only.split(",") if name}
    if wanted:
        bugs = [bug for bug in bugs if bug.name in wanted]
    verdicts = evaluate(args.folder, bugs, shlex.split(args.linter))
    print(report_markdown(verdicts) if args.markdown else report_text(verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
