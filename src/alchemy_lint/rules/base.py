"""What a rule is: one definition that feeds the checker, the docs, the CLI and the tests.

A rule module defines a `check` function and a `Rule` with its examples beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import field

from alchemy_lint.catalogue import FixSafety
from alchemy_lint.config import Settings
from alchemy_lint.facts.model import Expiry, FileFacts, FunctionLoading, ObjectSource
from alchemy_lint.facts.values import ValueRef
from alchemy_lint.findings import Finding
from alchemy_lint.index import ProjectAnalysis, ProjectIndex
from alchemy_lint.records import record


@record
class Example:
    """A snippet, as the file `path` of a small project with `others` beside it.

    In an INVALID example every line the rule must report ends with `# ASA###`. The `title` says
    what the example shows; the rule page lists the titles as what the rule does and does not
    report, and the tests hold each example to it.
    """

    source: str
    path: str = "app/handlers.py"
    others: tuple[tuple[str, str], ...] = ()
    #: Extra `[tool.alchemy-lint]` lines for the example's pyproject.toml.
    config: str = ""
    #: The expected result of `--fix` on `source`, for fixable rules.
    fixed: str | None = None
    #: What the example shows, as a heading: "A factory built in a request dependency".
    title: str = ""
    #: The group the rule page lists the example under, for rules with many examples:
    #: "Objects returned by another function".
    topic: str = ""


@record
class FileContext:
    """What a rule sees: one file's facts, the project index and the settings."""

    facts: FileFacts
    index: ProjectIndex
    settings: Settings
    #: `rules.loading`'s expiring events, by (source, events, id of the loading, depth, scope),
    #: each with the loading it was asked with (which keeps its id from being reused): one
    #: object read ten times after one commit asks ten times.
    expiring: dict[
        tuple[ObjectSource, tuple[Expiry, ...], int, int, str], tuple[FunctionLoading | None, tuple[Expiry, ...]]
    ] = field(default_factory=dict, compare=False, repr=False)
    #: `rules.loading`'s answers per session and per event, asked again for each object read
    #: after the same commit: whether the session's commit expires (by session and scope), and
    #: each event as the callee it hands the session to makes it (a commit, a rollback).
    commit_expiries: dict[tuple[ValueRef, str], bool | None] = field(default_factory=dict, compare=False, repr=False)
    through_callees: dict[tuple[Expiry, bool], Expiry] = field(default_factory=dict, compare=False, repr=False)

    @property
    def path(self) -> str:
        return self.facts.path


@record
class Rule:
    code: str
    name: str
    summary: str
    #: `str.format` template for the message, after the code.
    message: str
    #: Why is this bad? The ruff-style rationale, with the runtime consequence.
    rationale: str
    check: Callable[[Rule, FileContext], Iterator[Finding]]
    valid: tuple[Example, ...]
    invalid: tuple[Example, ...]
    default_on: bool = True
    fix: FixSafety | None = None
    #: What happens at run time: the exception raised, or that the rule is policy.
    runtime: str = "Policy only: nothing raises; the rule keeps the codebase consistent."
    options: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    #: More specific rules that report the same construct for the same root cause: where one of
    #: them reports the same line and column (and no noqa silences it), this rule's finding goes.
    superseded_by: tuple[str, ...] = ()
    #: The whole-project analyses the rule reads: with `-j N` they are computed once before the
    #: rule workers are forked (each would otherwise compute its own). Only speed depends on it.
    analyses: frozenset[ProjectAnalysis] = frozenset()

    def report(
        self,
        context: FileContext,
        line: int,
        col: int,
        *,
        end: tuple[int, int] | None = None,
        fixable: bool = True,
        **fields: object,
    ) -> Finding:
        """A finding at (line, col), 0-based col as `ast` gives it; `end` is the node's (end_lineno,
        end_col_offset); `fixable` False where the rule's fix cannot apply (see `Finding.fixable`)."""
        end_line, end_col = end if end is not None else (None, None)
        message = f"{self.code} {self.message.format(**fields)}"
        return Finding(context.path, line, col, self.code, message, end_line, end_col, fixable)
