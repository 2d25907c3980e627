"""`# noqa` comments, read the way flake8 reads them.

A bare `# noqa` silences every code on its line; `# noqa: ASA101, ASA103` only those.
"""

from __future__ import annotations

import io
import re
import tokenize

_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
#: Only these let one token span several lines; without them every range is one line.
_SPANNING = ('"""', "'''", "\\\n", "\\\r")


def noqa_lines(text: str) -> dict[int, tuple[str, ...]]:
    """Line number -> the codes its noqa comment names (empty: all codes).

    As in flake8, a comment after a multi-line string (or a backslash continuation) covers
    every line of it, since no comment can sit inside the string.
    """
    if "noqa" not in text.lower():
        return {}
    found: dict[int, tuple[str, ...]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        codes = _codes_in(line)
        if codes is not None:
            found[number] = codes
    if found and any(marker in text for marker in _SPANNING):
        for first, last in token_line_ranges(text):
            marked = [found[number] for number in range(first, last + 1) if number in found]
            if marked:
                found.update(dict.fromkeys(range(first, last + 1), marked[0]))
    return found


def _codes_in(line: str) -> tuple[str, ...] | None:
    match = _NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    return tuple(code.upper() for code in _CODE.findall(codes)) if codes else ()


def token_line_ranges(text: str) -> list[tuple[int, int]]:
    """The line ranges that flake8 reads as one for `noqa`: lines joined by a token that spans them.

    Only ranges of two or more lines are returned; an untokenizable file gives none.
    """
    ranges: list[tuple[int, int]] = []
    first, last = 0, -1
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            first = token.start[0] if last < 0 else min(first, token.start[0])
            last = max(last, token.end[0])
            if token.type in (tokenize.NL, tokenize.NEWLINE):
                if last > first:
                    ranges.append((first, last))
                first, last = 0, -1
    except (tokenize.TokenError, SyntaxError):
        return []
    return ranges


def is_suppressed(noqa: dict[int, tuple[str, ...]], line: int, code: str) -> bool:
    codes = noqa.get(line)
    if codes is None:
        return False
    return not codes or any(code.startswith(listed) for listed in codes)
