"""Where findings sit, as reports show them: columns in characters, and where each finding ends.

Findings carry `ast`'s UTF-8 byte offsets and, mostly, no end: the end is the reported
expression's, found again on the file's own tree (as the editor finds it). Each reported file
is read and parsed once; a file that cannot be read keeps byte columns and has no end.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from alchemy_lint.findings import Finding
from alchemy_lint.lsp.spans import NodeStarts, buffer_lines, byte_to_character, finding_span
from alchemy_lint.records import record
from alchemy_lint.sourcefile import read_source_text


@record
class Region:
    """A finding's place, 1-based lines; columns are 0-based code points."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(slots=True)
class _FileText:
    lines: list[str]
    starts: NodeStarts | None = None


class ReportedFiles:
    """The text of each reported file, read once. `texts` stands in for files whose text did not
    come from disk (standard input)."""

    def __init__(self, texts: Mapping[str, str] | None = None) -> None:
        self._texts = dict(texts or {})
        self._files: dict[str, _FileText | None] = {}

    def _file(self, path: str) -> _FileText | None:
        if path not in self._files:
            try:
                text = self._texts[path] if path in self._texts else read_source_text(Path(path)).text
            except (OSError, SyntaxError, UnicodeDecodeError):
                self._files[path] = None
            else:
                self._files[path] = _FileText(buffer_lines(text))
        return self._files[path]

    def line(self, path: str, line: int) -> str | None:
        """The text of a 1-based line, without its line end."""
        file = self._file(path)
        if file is None or not 0 < line <= len(file.lines):
            return None
        return file.lines[line - 1]

    def column(self, path: str, line: int, byte_col: int) -> int:
        """0-based byte column -> 0-based character column."""
        text = self.line(path, line)
        if text is None or text.isascii():
            return byte_col
        return byte_to_character(text, byte_col)

    def region(self, finding: Finding) -> Region | None:
        """Where the finding starts and ends, in characters; None when its file cannot be read."""
        file = self._file(finding.path)
        if file is None:
            return None
        start = self.column(finding.path, finding.line, finding.col)
        if finding.end_line is not None and finding.end_col is not None:
            return Region(
                finding.line,
                start,
                finding.end_line,
                self.column(finding.path, finding.end_line, finding.end_col),
            )
        if file.starts is None:
            # Only for a finding without its end (the formats that show one): not on start-up.
            from alchemy_lint.parsing import PARSE_ERRORS, parse_source

            try:
                tree: ast.Module | None = parse_source("\n".join(file.lines), finding.path)
            except PARSE_ERRORS:
                tree = None
            file.starts = NodeStarts(tree)
        span = finding_span(finding, file.lines, file.starts)
        return Region(finding.line, start, span.end.line + 1, span.end.character)

    def byte_column(self, path: str, line: int, character: int) -> int:
        """0-based character column -> 0-based byte column (flake8's and the JSON output's unit)."""
        text = self.line(path, line)
        if text is None or text.isascii():
            return character
        return len(text[:character].encode("utf-8"))
