"""Columns as editors count them: findings carry `ast`'s UTF-8 byte offsets, SARIF wants characters.

Reads each reported file once; a file that cannot be read keeps the byte offset.
"""

from __future__ import annotations

from pathlib import Path

from alchemy_lint.sourcefile import python_lines, read_source


class CharacterColumns:
    """0-based byte column -> 0-based character column, per file and line."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str] | None] = {}

    def _file_lines(self, path: str) -> list[str] | None:
        if path not in self._lines:
            try:
                self._lines[path] = python_lines(read_source(Path(path)).text)
            except (OSError, SyntaxError, UnicodeDecodeError):
                self._lines[path] = None
        return self._lines[path]

    def column(self, path: str, line: int, byte_col: int) -> int:
        lines = self._file_lines(path)
        if lines is None or not 0 < line <= len(lines):
            return byte_col
        text = lines[line - 1]
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))
