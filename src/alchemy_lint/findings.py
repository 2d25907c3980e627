"""What every front end reports: one finding, a path, a position, a code and a message.

Plain data: the CLI, flake8, the language server, the cache and the fixers pass it around.
"""

from __future__ import annotations

from alchemy_lint.records import record


@record
class Finding:
    path: str
    line: int
    col: int
    code: str
    message: str
    #: Where the reported node ends, when a fixer needs to tell nested nodes apart (`a.b.c`).
    end_line: int | None = None
    end_col: int | None = None
    #: False where the rule knows its fix cannot apply (ASA301's `awaitable_attrs` on a model
    #: without `AsyncAttrs`): it is neither counted as fixable nor marked `[*]`.
    fixable: bool = True

    def sort_key(self) -> tuple[str, int, int, str, str]:
        # The message too: two findings of one rule at one place (two relationships read) come
        # out of a set, whose order changes from run to run with the strings' hashes.
        return (self.path, self.line, self.col, self.code, self.message)
