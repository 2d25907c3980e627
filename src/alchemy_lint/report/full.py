"""`--output-format full`: each finding with its source lines and a caret under what it reports.

Drawn as ruff draws it (two lines of context, a gutter of line numbers); coloured only when
asked to (`colour`), which the command line decides from the terminal and NO_COLOR/FORCE_COLOR.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TextIO

from alchemy_lint.catalogue import FIXES
from alchemy_lint.findings import Finding
from alchemy_lint.report.columns import ReportedFiles

CONTEXT_LINES = 2
_RESET = "\033[0m"
_STYLES = {"code": "\033[1;31m", "fix": "\033[36m", "arrow": "\033[1;34m", "caret": "\033[1;31m", "bold": "\033[1m"}


def wants_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour on a terminal only; NO_COLOR (no-color.org) turns it off, FORCE_COLOR on, as in CPython."""
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class _Painter:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, style: str, text: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if self.colour and text else text


def _headline(finding: Finding, paint: _Painter) -> str:
    prefix = f"{finding.code} "
    message = finding.message.removeprefix(prefix)
    marker = f" {paint('fix', '[*]')}" if finding.fixable and finding.code in FIXES else ""
    return f"{paint('code', finding.code)}{marker} {paint('bold', message)}"


def _snippet(finding: Finding, files: ReportedFiles, paint: _Painter) -> tuple[int, list[str]]:
    """The width of the line-number gutter, and the lines to show under the headline."""
    region = files.region(finding)
    if region is None:
        return 1, []
    first = max(1, region.line - CONTEXT_LINES)
    last = region.line + CONTEXT_LINES
    shown = [(number, files.line(finding.path, number)) for number in range(first, last + 1)]
    numbered = [(number, text.expandtabs(1)) for number, text in shown if text is not None]
    width = len(str(numbered[-1][0])) if numbered else 1
    gutter = paint("arrow", " " * width + " |")
    lines = [gutter]
    for number, text in numbered:
        lines.append(f"{paint('arrow', f'{number:>{width}} |')} {text}".rstrip())
        if number == region.line:
            end = region.end_column if region.end_line == region.line else len(text.rstrip())
            carets = "^" * max(1, end - region.column)
            lines.append(f"{gutter} {' ' * region.column}{paint('caret', carets)}")
    lines.append(gutter)
    return width, lines


def render_full(findings: Sequence[Finding], files: ReportedFiles | None = None, *, colour: bool = False) -> str:
    files = files or ReportedFiles()
    paint = _Painter(colour)
    blocks = []
    for finding in findings:
        column = files.column(finding.path, finding.line, finding.col) + 1
        width, snippet = _snippet(finding, files, paint)
        where = f"{' ' * width}{paint('arrow', '-->')} {finding.path}:{finding.line}:{column}"
        lines = [_headline(finding, paint), where, *snippet]
        blocks.append("\n".join(lines) + "\n\n")
    return "".join(blocks)
