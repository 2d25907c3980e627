"""`# noqa` comments, read exactly the way flake8 reads them.

A bare `# noqa` silences every code on its line; `# noqa: ASA101, ASA103` only those.
"""

from __future__ import annotations

import io
import re
import tokenize

from alchemy_lint.sourcefile import python_lines

# flake8's own patterns (flake8/defaults.py), so that the CLI and the plugin agree on
# every comment: one space after the hash, any case, codes compared as written.
_NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
#: A noqa comment with a codes list, the list without trailing separators: where a tool that
#: adds a code (the editor's action, `baseline`) merges it. Same spelling as `_NOQA`.
NOQA_WITH_CODES = re.compile(r"# noqa:[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*)", re.IGNORECASE)
_FILE_NOQA = re.compile(r"\s*# flake8[:=]\s*noqa", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,\s]")

#: The key under which `noqa_lines` records a file-wide flake8 noqa marker.
WHOLE_FILE = 0


def noqa_lines(text: str) -> dict[int, tuple[str, ...]]:
    """Line number -> the codes its noqa comment names (empty: all codes).

    Like flake8, a comment after a multi-line string covers every line of the string,
    and a line that is exactly `# flake8: noqa` silences the file (key `WHOLE_FILE`).
    """
    if "noqa" not in text.lower():
        return {}
    lines = python_lines(text)
    if any(_FILE_NOQA.match(line) for line in lines):
        return {WHOLE_FILE: ()}
    searched = {number: line for number, line in enumerate(lines, start=1)}
    searched.update(_logical_line_text(lines))
    found: dict[int, tuple[str, ...]] = {}
    for number, line in searched.items():
        if "#" not in line:
            continue
        match = _NOQA.search(line)
        if match is None:
            continue
        codes = match.group("codes")
        found[number] = tuple(code for code in _SEPARATORS.split(codes) if code) if codes else ()
    return found


def _logical_line_text(lines: list[str]) -> dict[int, str]:
    """flake8's `_noqa_line_mapping`: each line -> the text of the token run it belongs to."""
    mapping: dict[int, str] = {}
    first, last = len(lines) + 2, -1
    if any("\0" in line for line in lines):
        # No Python reads a NUL (ASA001), and 3.13.0's tokenizer raises SystemError on one after
        # an indented line (found by the generated-sources test): flake8 reads physical lines.
        return {}
    try:
        for token in tokenize.generate_tokens(io.StringIO("".join(lines)).readline):
            if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            first, last = min(first, token.start[0]), max(last, token.end[0])
            if token.type in (tokenize.NL, tokenize.NEWLINE):
                joined = "".join(lines[first - 1 : last])
                mapping.update(dict.fromkeys(range(first, last + 1), joined))
                first, last = len(lines) + 2, -1
    except (tokenize.TokenError, SyntaxError, UnicodeError):
        # (Python 3.12.1's tokenizer raises UnicodeDecodeError on a lone "\r" before a
        # non-ASCII character, found by the generated-sources test.)
        return {}  # flake8 then reads the physical line
    return mapping


def is_suppressed(noqa: dict[int, tuple[str, ...]], line: int, code: str) -> bool:
    if WHOLE_FILE in noqa:
        return True
    codes = noqa.get(line)
    if codes is None:
        return False
    return not codes or code.startswith(codes)
