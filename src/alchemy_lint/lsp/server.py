"""The pygls language server: diagnostics on open, change and save; code actions per finding.

This module imports pygls; `alchemy_lint.lsp.run` imports it only when the server starts.
"""

from __future__ import annotations

import ast
import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

from alchemy_lint import __version__
from alchemy_lint.config import ConfigError
from alchemy_lint.docs import rule_url
from alchemy_lint.facts import parse_source
from alchemy_lint.facts.extract import PARSE_ERRORS
from alchemy_lint.findings import Finding
from alchemy_lint.lsp.actions import NO_FIXERS, FixerRegistry, TextChange, actions_for
from alchemy_lint.lsp.projects import ProjectCache, is_python_path
from alchemy_lint.lsp.spans import NodeStarts, Place, Span, buffer_lines, finding_span
from alchemy_lint.roots import find_project_root

SOURCE = "alchemy-lint"
#: What the server asks the client to watch on disk.
WATCHED_FILES = ("**/*.py", "**/*.pyi", "**/pyproject.toml")
#: How long a change waits for a newer one before it is checked.
CHANGE_SETTLE_SECONDS = 0.1
_log = logging.getLogger(__name__)


@dataclass(slots=True)
class CheckedBuffer:
    """The last findings published for a document, with their spans, for code actions."""

    text: str
    findings: tuple[tuple[Finding, Span], ...]


@dataclass(slots=True)
class ServerState:
    """What the server keeps between requests."""

    fixers: FixerRegistry
    projects: ProjectCache = field(default_factory=ProjectCache)
    checked: dict[str, CheckedBuffer] = field(default_factory=dict)
    #: The error last shown per project root, so that typing does not repeat it.
    shown_errors: dict[Path, str] = field(default_factory=dict)
    shut_down: bool = False


class AlchemyLintServer(LanguageServer):
    def __init__(self, fixers: FixerRegistry = NO_FIXERS) -> None:
        super().__init__("alchemy-lint", __version__)
        self.state = ServerState(fixers=fixers)


def _path_of(document: TextDocument) -> Path | None:
    if not document.uri.startswith("file:"):
        return None
    path = to_fs_path(document.uri)
    if path is None:
        return None
    candidate = Path(path)
    return candidate if is_python_path(candidate) else None


def _client_range(codec: PositionCodec, lines: Sequence[str], span: Span) -> types.Range:
    # pygls converts code points to the position encoding agreed with the client (UTF-16 by default).
    start = codec.position_to_client_units(lines, types.Position(span.start.line, span.start.character))
    end = codec.position_to_client_units(lines, types.Position(span.end.line, span.end.character))
    return types.Range(start, end)


def _spans(text: str, findings: Sequence[Finding]) -> tuple[tuple[Finding, Span], ...]:
    if not findings:
        return ()
    lines = buffer_lines(text)
    try:
        tree: ast.Module | None = parse_source(text, "<buffer>")
    except PARSE_ERRORS:
        tree = None
    starts = NodeStarts(tree)
    return tuple((finding, finding_span(finding, lines, starts)) for finding in findings)


def _diagnostic(finding: Finding, client_range: types.Range) -> types.Diagnostic:
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


def _show_error_once(server: AlchemyLintServer, root: Path, message: str) -> None:
    if server.state.shown_errors.get(root) == message:
        return
    server.state.shown_errors[root] = message
    server.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))


def _clear(server: AlchemyLintServer, uri: str, version: int | None = None) -> None:
    server.state.checked.pop(uri, None)
    server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[], version=version))


def publish(server: AlchemyLintServer, uri: str) -> None:
    """Lint the document's current text and publish its diagnostics (an empty list clears them)."""
    document = server.workspace.get_text_document(uri)
    path = _path_of(document)
    if path is None:
        return
    text = document.source
    root = find_project_root(path.resolve())
    try:
        findings = server.state.projects.check_buffer(path, text)
    except ConfigError as error:
        _show_error_once(server, root, f"alchemy-lint: configuration error: {error}")
        _clear(server, uri, document.version)
        return
    except Exception as error:
        # A bug in a rule must not take the editor's server down: say so once, keep serving.
        _log.exception("alchemy-lint failed on %s", path)
        _show_error_once(server, root, f"alchemy-lint: internal error on {path.name}: {error!r}")
        _clear(server, uri, document.version)
        return
    server.state.shown_errors.pop(root, None)
    spans = _spans(text, findings)
    server.state.checked[uri] = CheckedBuffer(text, spans)
    lines = buffer_lines(text)
    codec = document.position_codec
    diagnostics = [_diagnostic(finding, _client_range(codec, lines, span)) for finding, span in spans]
    server.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=document.version)
    )


def _republish_project(server: AlchemyLintServer, changed: Path, changed_uri: str | None = None) -> None:
    """Other open documents of the project: their cross-file findings may have changed."""
    root = find_project_root(changed.resolve())
    for uri in list(server.state.checked):
        if uri == changed_uri:
            continue
        other = _path_of(server.workspace.get_text_document(uri))
        if other is not None and find_project_root(other.resolve()) == root:
            publish(server, uri)


def files_changed_on_disk(server: AlchemyLintServer, params: types.DidChangeWatchedFilesParams) -> None:
    roots: dict[Path, Path] = {}
    for event in params.changes:
        fs_path = to_fs_path(event.uri) if event.uri.startswith("file:") else None
        if fs_path is None:
            continue
        root = server.state.projects.file_changed_on_disk(Path(fs_path))
        if root is not None:
            roots.setdefault(root, Path(fs_path))
    for changed in roots.values():
        _republish_project(server, changed)


def watch_files(server: AlchemyLintServer) -> None:
    """Ask the client to report Python files and pyproject.toml changed on disk, when it can."""
    workspace = server.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace is not None else None
    if watched is None or not watched.dynamic_registration:
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED_FILES]
    )
    registration = types.Registration(
        id="alchemy-lint-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
    )
    server.client_register_capability(types.RegistrationParams(registrations=[registration]))


def _overlaps(span: Span, requested: Span) -> bool:
    return span.start <= requested.end and requested.start <= span.end


def code_actions(server: AlchemyLintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    checked = server.state.checked.get(uri)
    document = server.workspace.get_text_document(uri)
    if checked is None or checked.text != document.source:
        return []  # a change is still settling: edits for the old text would land in the wrong place
    wanted = params.context.only
    if wanted and not any(types.CodeActionKind.QuickFix.value.startswith(kind) for kind in wanted):
        return []
    lines = buffer_lines(checked.text)
    codec = document.position_codec
    start = codec.position_from_client_units(lines, params.range.start)
    end = codec.position_from_client_units(lines, params.range.end)
    requested = Span(Place(start.line, start.character), Place(end.line, end.character))
    path = _path_of(document)
    checked_with = server.state.projects.checked_with(path) if path is not None else None
    found: list[types.CodeAction] = []
    for finding, span in checked.findings:
        if not _overlaps(span, requested):
            continue
        diagnostic = _diagnostic(finding, _client_range(codec, lines, span))
        for action in actions_for(checked.text, finding, server.state.fixers, checked_with):
            found.append(
                types.CodeAction(
                    title=action.title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=action.preferred or None,
                    edit=_workspace_edit(uri, codec, lines, action.change),
                )
            )
    return found


def _workspace_edit(uri: str, codec: PositionCodec, lines: Sequence[str], change: TextChange) -> types.WorkspaceEdit:
    edit = types.TextEdit(range=_client_range(codec, lines, change.span), new_text=change.new_text)
    return types.WorkspaceEdit(changes={uri: [edit]})


def create_server(fixers: FixerRegistry = NO_FIXERS) -> AlchemyLintServer:
    """A server with its features registered; `fixers` supplies quick fixes by rule code."""
    server = AlchemyLintServer(fixers)

    def did_open(ls: AlchemyLintServer, params: types.DidOpenTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    async def did_change(ls: AlchemyLintServer, params: types.DidChangeTextDocumentParams) -> None:
        # Checking a large project's buffer takes a noticeable time; while typing, only the
        # newest version is worth it, so a change that a newer one followed is skipped.
        await asyncio.sleep(CHANGE_SETTLE_SECONDS)
        uri = params.text_document.uri
        if ls.workspace.get_text_document(uri).version == params.text_document.version:
            publish(ls, uri)

    def did_save(ls: AlchemyLintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        publish(ls, uri)
        path = _path_of(ls.workspace.get_text_document(uri))
        if path is not None:
            ls.state.projects.buffer_saved(path)
            _republish_project(ls, path, uri)

    def did_close(ls: AlchemyLintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        _clear(ls, uri)
        fs_path = to_fs_path(uri) if uri.startswith("file:") else None
        path = Path(fs_path) if fs_path is not None else None
        if path is not None and is_python_path(path):
            # Unsaved text is gone: the file counts as it is on disk again, for the other files too.
            ls.state.projects.buffer_closed(path)
            _republish_project(ls, path, uri)

    def code_action(ls: AlchemyLintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return code_actions(ls, params)

    def initialized(ls: AlchemyLintServer, params: types.InitializedParams) -> None:
        watch_files(ls)

    def watched_files(ls: AlchemyLintServer, params: types.DidChangeWatchedFilesParams) -> None:
        files_changed_on_disk(ls, params)

    def shutdown(ls: AlchemyLintServer, params: Any) -> None:
        ls.state.shut_down = True

    _register(server, types.TEXT_DOCUMENT_DID_OPEN, did_open)
    _register(server, types.TEXT_DOCUMENT_DID_CHANGE, did_change)
    _register(server, types.TEXT_DOCUMENT_DID_SAVE, did_save, types.SaveOptions(include_text=False))
    _register(server, types.TEXT_DOCUMENT_DID_CLOSE, did_close)
    _register(
        server,
        types.TEXT_DOCUMENT_CODE_ACTION,
        code_action,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    _register(server, types.INITIALIZED, initialized)
    _register(server, types.WORKSPACE_DID_CHANGE_WATCHED_FILES, watched_files)
    _register(server, types.SHUTDOWN, shutdown)
    return server


def _register(server: AlchemyLintServer, method: str, handler: Any, options: Any = None) -> None:
    # pygls's decorator is untyped; registering through it keeps the handlers typed.
    server.feature(method, options)(handler)


def serve(fixers: FixerRegistry = NO_FIXERS) -> int:
    """Serve over stdin/stdout until the client exits; 0 after a shutdown request, else 1 (LSP)."""
    server = create_server(fixers)
    server.start_io()
    return 0 if server.state.shut_down else 1
