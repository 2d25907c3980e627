"""What a check of one document version found, and its diagnostics as the client counts positions.

The linter thread builds a `CheckedBuffer` (it parses the buffer for spans and places); the
message loop turns it into LSP diagnostics with the document's position encoding.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import field
from pathlib import Path

from lsprotocol import types
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

from alchemy_lint.docs import rule_url
from alchemy_lint.facts import parse_source
from alchemy_lint.facts.extract import PARSE_ERRORS
from alchemy_lint.findings import Finding
from alchemy_lint.lsp.actions import Buffer
from alchemy_lint.lsp.excerpt import FindingPlace, find_place
from alchemy_lint.lsp.projects import CheckedWith
from alchemy_lint.lsp.spans import NodeStarts, Span, finding_span
from alchemy_lint.records import record

SOURCE = "alchemy-lint"


@record
class Snapshot:
    """A document's text at one version, as a check takes it."""

    uri: str
    path: Path
    version: int | None
    text: str
    #: Counts the checks asked for this document: a result answers a pull only if it is the last.
    generation: int = 0


@record
class CheckedBuffer:
    """The findings of one version of a document, with what code actions need."""

    version: int | None
    buffer: Buffer
    findings: tuple[tuple[Finding, Span], ...]
    #: Where each finding sits in the buffer's tree (None when it does not parse).
    places: dict[Finding, FindingPlace] = field(compare=False)
    #: The facts and index of the check; None for findings shown from the cache while indexing.
    checked_with: CheckedWith | None = None
    result_id: str = ""
    generation: int = 0


def checked_buffer(snapshot: Snapshot, findings: Sequence[Finding], checked_with: CheckedWith | None) -> CheckedBuffer:
    """Spans and places of the findings, on the buffer's own tree (off the loop: it parses)."""
    buffer = Buffer.of(snapshot.text)
    tree: ast.Module | None = None
    if findings:
        try:
            tree = parse_source(snapshot.text, "<buffer>")
        except PARSE_ERRORS:
            tree = None
    starts = NodeStarts(tree)
    spans = tuple((finding, finding_span(finding, buffer.lines, starts)) for finding in findings)
    places: dict[Finding, FindingPlace] = {}
    if tree is not None:
        for finding in findings:
            place = find_place(tree, buffer.lines, finding.line, finding.col)
            if place is not None:
                places[finding] = place
    return CheckedBuffer(snapshot.version, buffer, spans, places, checked_with, generation=snapshot.generation)


def diagnostics_of(document: TextDocument, checked: CheckedBuffer) -> list[types.Diagnostic]:
    codec = document.position_codec
    lines = checked.buffer.lines
    return [diagnostic(finding, client_range(codec, lines, span)) for finding, span in checked.findings]


def client_range(codec: PositionCodec, lines: Sequence[str], span: Span) -> types.Range:
    # pygls converts code points to the position encoding agreed with the client (UTF-16 by default).
    start = codec.position_to_client_units(lines, types.Position(span.start.line, span.start.character))
    end = codec.position_to_client_units(lines, types.Position(span.end.line, span.end.character))
    return types.Range(start, end)


def diagnostic(finding: Finding, client_range: types.Range) -> types.Diagnostic:
    prefix = f"{finding.code} "
    message = finding.message[len(prefix) :] if finding.message.startswith(prefix) else finding.message
    return types.Diagnostic(
        range=client_range,
        message=message,
        severity=types.DiagnosticSeverity.Error if finding.code == "ASA001" else types.DiagnosticSeverity.Warning,
        code=finding.code,
        code_description=types.CodeDescription(href=rule_url(finding.code)),
        source=SOURCE,
    )
