"""ASA001: a file that cannot be read, decoded or parsed.

Reported once for the file; the run goes on with the other files.
"""

from __future__ import annotations

from collections.abc import Iterator

from alchemy_lint.findings import Finding
from alchemy_lint.rules.base import Example, FileContext, Rule


def check_cannot_parse(rule: Rule, context: FileContext) -> Iterator[Finding]:
    facts = context.facts
    if facts.parse_error is not None:
        yield rule.report(context, facts.error_line, facts.error_col, error=facts.parse_error)


CANNOT_PARSE = Rule(
    code="ASA001",
    name="cannot-parse",
    summary="The file cannot be read, decoded or parsed, so no other rule can check it.",
    message="cannot parse: {error}",
    rationale=(
        "alchemy-lint reads every file with Python's own parser, and a file in syntax newer than the "
        "Python it runs on (up to 3.15) through LibCST. A file that no parser reads (a syntax error, an "
        "undeclared non-UTF-8 encoding, a NUL byte) is reported once, so that it is not silently skipped, "
        "and the run goes on with the other files. When the rejected line uses syntax newer than the "
        "running Python, the message names it and the Python that reads it."
    ),
    check=check_cannot_parse,
    valid=(
        Example("x = 1\n", title="A file that parses"),
        Example(
            "class Repository[Model]:  # Python 3.12 syntax, read on any Python\n    pass\n",
            title="Syntax newer than the running Python",
        ),
    ),
    invalid=(Example("def broken(:  # ASA001\n    pass\n", title="A file that does not parse"),),
)

RULES = (CANNOT_PARSE,)
