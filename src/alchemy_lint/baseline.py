"""`alchemy-lint baseline`: a `# noqa: ASA###` marker on every reported line of a legacy codebase.

Markers go where flake8 reads them (after a multi-line string ends) and change nothing but comments.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from alchemy_lint.config import Overrides
from alchemy_lint.engine import check_paths
from alchemy_lint.findings import Finding
from alchemy_lint.noqa import NOQA_WITH_CODES
from alchemy_lint.records import record
from alchemy_lint.sourcefile import python_lines, read_source_text, replace_file

# flake8's spelling (hash, one space, noqa): a comment flake8 would not read is not merged into.
_BARE_NOQA = re.compile(r"# noqa(?!:[\s]?[A-Z]+[0-9])", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@record
class BaselineResult:
    #: Findings now covered by a marker.
    marked: tuple[Finding, ...]
    #: Files rewritten.
    files: tuple[str, ...]
    #: Findings that no marker can cover (a file that does not parse), with the reason.
    skipped: tuple[tuple[Finding, str], ...]


class BaselineError(Exception):
    """A file cannot take markers; the text says why."""


def _tokens(text: str) -> Iterator[tokenize.TokenInfo]:
    """The tokens of `text`, numbered by line as `ast` numbers them.

    A lone carriage return ends a line for Python's parser but not for `io.StringIO.readline`:
    every line ending is read as a newline, so that a marker lands on the finding's line.
    """
    lines = "".join(line.rstrip("\r\n") + "\n" for line in python_lines(text))
    if lines.endswith("\\\n"):
        # A line continuation that ends the file: CPython 3.10 and 3.11 parse it (before `\r\n`),
        # the tokenize module stops at it unless an empty line follows.
        lines += "\n"
    return tokenize.generate_tokens(io.StringIO(lines).readline)


def _code_tokens(text: str) -> list[tuple[int, str]]:
    """Everything but comments and blank lines: what a marker must leave as it is."""
    skipped = (tokenize.COMMENT, tokenize.NL)
    return [(token.type, token.string) for token in _tokens(text) if token.type not in skipped]


def token_line_ranges(text: str) -> list[tuple[int, int]]:
    """The line ranges flake8 reads as one for `noqa` (a multi-line string, a backslash continuation).

    Only ranges of two or more lines; the text is known to tokenize.
    """
    ranges: list[tuple[int, int]] = []
    first, last = 0, -1
    for token in _tokens(text):
        if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        first = token.start[0] if last < 0 else min(first, token.start[0])
        last = max(last, token.end[0])
        if token.type in (tokenize.NL, tokenize.NEWLINE):
            if last > first:
                ranges.append((first, last))
            first, last = 0, -1
    return ranges


def _comment_lines(text: str) -> dict[int, tokenize.TokenInfo]:
    """Line -> the comment token that ends it."""
    comments: dict[int, tokenize.TokenInfo] = {}
    for token in _tokens(text):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token
    return comments


def _with_codes(comment: str, codes: Iterable[str]) -> str | None:
    """The comment with `codes` merged into its noqa, or None when it already silences them all."""
    if _BARE_NOQA.search(comment) and not NOQA_WITH_CODES.search(comment):
        return None
    match = NOQA_WITH_CODES.search(comment)
    if match is None:
        return f"{comment}  # noqa: {', '.join(sorted(codes))}"
    present = [code.upper() for code in _CODE.findall(match.group("codes"))]
    missing = sorted(set(codes) - set(present))
    if not missing:
        return None
    merged = ", ".join([*present, *missing])
    return comment[: match.start("codes")] + merged + comment[match.end("codes") :]


def add_noqa(text: str, codes_by_line: Mapping[int, Iterable[str]]) -> str:
    """`text` with noqa markers for these codes on these lines; raises BaselineError.

    Iterative all through (the tokenizer, not `ast.dump`): a file of any depth that Python
    parses takes markers.
    """
    try:
        ast.parse(text)
        code = _code_tokens(text)
        comments = _comment_lines(text)
        ranges = token_line_ranges(text)
    except (SyntaxError, ValueError, tokenize.TokenError) as error:
        raise BaselineError(f"the file does not parse ({error})") from error
    except (RecursionError, MemoryError) as error:
        raise BaselineError("the file is too deeply nested for Python's parser") from error
    # A line inside a multi-line string (or continued by a backslash) takes its marker
    # on the line where the string ends: no comment can sit inside the string.
    range_end: dict[int, int] = {}
    for first, last in ranges:
        range_end.update(dict.fromkeys(range(first, last + 1), last))
    wanted: dict[int, set[str]] = {}
    for line, codes in codes_by_line.items():
        wanted.setdefault(range_end.get(line, line), set()).update(codes)
    lines = python_lines(text)
    for number, codes in sorted(wanted.items()):
        if not 0 < number <= len(lines):
            continue
        physical = lines[number - 1]
        body = physical.rstrip("\r\n")
        ending = physical[len(body) :]
        comment = comments.get(number)
        if comment is not None:
            start, end = comment.start[1], comment.end[1]
            merged = _with_codes(comment.string, codes)
            if merged is not None:
                lines[number - 1] = body[:start] + merged + body[end:] + ending
        else:
            lines[number - 1] = f"{body.rstrip()}  # noqa: {', '.join(sorted(codes))}{ending}"
    marked = "".join(lines)
    try:
        same = _code_tokens(marked) == code
    except (SyntaxError, tokenize.TokenError):
        same = False
    if not same:  # the markers changed code, not just comments: leave the file alone
        raise BaselineError("a marker would change the code")
    return marked


#: Passes over the files: a marker that silences one rule can let a rule it stood in for report
#: the same construct (a marker for ASA101 on an ad-hoc session lets ASA103 judge it).
_PASSES = 3


def write_baseline(paths: Iterable[str], overrides: Overrides | None = None) -> BaselineResult:
    paths = list(paths)
    marked: list[Finding] = []
    files: dict[str, None] = {}
    skipped: list[tuple[Finding, str]] = []
    for _ in range(_PASSES):
        left = {(f.path, f.line, f.code) for f, _ in skipped}
        findings = [f for f in check_paths(paths, overrides).findings if (f.path, f.line, f.code) not in left]
        if not findings:
            break
        written, done, failed = _mark(findings)
        files.update(dict.fromkeys(written))
        marked.extend(done)
        skipped.extend(failed)
    return BaselineResult(tuple(marked), tuple(files), tuple(skipped))


def _mark(findings: list[Finding]) -> tuple[list[str], list[Finding], list[tuple[Finding, str]]]:
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    marked: list[Finding] = []
    files: list[str] = []
    skipped: list[tuple[Finding, str]] = []
    for path, found in by_path.items():
        codes_by_line: dict[int, set[str]] = {}
        for finding in found:
            codes_by_line.setdefault(finding.line, set()).add(finding.code)
        try:
            source = read_source_text(Path(path))
            text = add_noqa(source.text, codes_by_line)
            if text != source.text:
                replace_file(Path(path), source.encode(text))
                files.append(path)
        except (BaselineError, OSError, SyntaxError, UnicodeError) as error:
            skipped.extend((finding, str(error)) for finding in found)
            continue
        marked.extend(found)
    return files, marked, skipped
