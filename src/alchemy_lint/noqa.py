"""`# noqa` comments, read the way flake8 reads them.

A bare `# noqa` silences every code on its line; `# noqa: ASA101, ASA103` only those.
"""

from __future__ import annotations

import re

_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


def noqa_lines(text: str) -> dict[int, tuple[str, ...]]:
    """Line number -> the codes its noqa comment names (empty: all codes)."""
    if "noqa" not in text.lower():
        return {}
    found: dict[int, tuple[str, ...]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        match = _NOQA.search(line)
        if match is None:
            continue
        codes = match.group("codes")
        found[number] = tuple(code.upper() for code in _CODE.findall(codes)) if codes else ()
    return found


def is_suppressed(noqa: dict[int, tuple[str, ...]], line: int, code: str) -> bool:
    codes = noqa.get(line)
    if codes is None:
        return False
    return not codes or any(code.startswith(listed) for listed in codes)
