"""The syntax that some supported Python lacks: what each construct is called and which Python reads it.

Names the construct in ASA001 when a file stays unreadable, and tells the lowering what to rewrite.
"""

from __future__ import annotations

import re
import sys

from alchemy_lint.records import record

#: The Python this process parses with.
RUNNING = sys.version_info[:2]


@record
class Construct:
    #: What a user calls it, as it reads in a message: "a `type` statement".
    name: str
    pep: int
    #: The first Python whose `ast` reads it.
    since: tuple[int, int]

    def needs(self) -> str:
        """ "a `type` statement needs Python 3.12 or newer (PEP 695)"."""
        return f"{self.name} needs Python {_version(self.since)} or newer (PEP {self.pep})"


EXCEPT_STAR = Construct("`except*`", 654, (3, 11))
STARRED_SUBSCRIPT = Construct("a star in a subscript or annotation `tuple[*Ts]`", 646, (3, 11))
TYPE_PARAMETERS = Construct("a type parameter list `class Repo[T]:`", 695, (3, 12))
TYPE_STATEMENT = Construct("a `type` statement", 695, (3, 12))
NESTED_FSTRING = Construct("an f-string with quotes, backslashes, comments or line breaks inside `{}`", 701, (3, 12))
TYPE_PARAMETER_DEFAULT = Construct("a type parameter default `[T = int]`", 696, (3, 13))
UNPARENTHESISED_EXCEPT = Construct("`except A, B:` without parentheses", 758, (3, 14))
TEMPLATE_STRING = Construct('a template string `t"..."`', 750, (3, 14))
LAZY_IMPORT = Construct("`lazy import`", 810, (3, 15))
UNPACKING_COMPREHENSION = Construct("unpacking in a comprehension `[*xs for xs in rows]`", 798, (3, 15))

#: What a line that this Python rejects may be using, for the message of a file no parser reads:
#: a hint only, since the line is all there is to go on.
_LINE_HINTS: tuple[tuple[re.Pattern[str], Construct], ...] = (
    (re.compile(r"^\s*type\s+\w+\s*(\[.*\])?\s*="), TYPE_STATEMENT),
    (re.compile(r"^\s*(async\s+def|def|class)\s+\w+\s*\["), TYPE_PARAMETERS),
    (re.compile(r"^\s*except\s*\*"), EXCEPT_STAR),
    (re.compile(r"^\s*except\b\*?\s*[^\s(:][^:]*,"), UNPARENTHESISED_EXCEPT),
    (re.compile(r"""(?<![\w'"])(t|tr|rt)('|")""", re.IGNORECASE), TEMPLATE_STRING),
    (re.compile(r"^\s*lazy\s+(import|from)\s"), LAZY_IMPORT),
)


def hint_for_line(line: str, running: tuple[int, int] = RUNNING) -> Construct | None:
    """The newer construct a rejected line seems to use, if any that this Python lacks."""
    for pattern, construct in _LINE_HINTS:
        if construct.since > running and pattern.search(line):
            return construct
    return None


def _version(version: tuple[int, int]) -> str:
    return ".".join(map(str, version))


def running_version(running: tuple[int, int] = RUNNING) -> str:
    return _version(running)
