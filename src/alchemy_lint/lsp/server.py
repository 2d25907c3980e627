"""The pygls language server: diagnostics pushed or pulled, quick fixes, hover on `# noqa` codes.

Handlers run on the message loop and stay short. Checking and indexing run on one linter
thread, quick fixes on another (lsp/worker.py), so requests are answered while a project
indexes. This module imports pygls; `alchemy_lint.lsp.run` imports it only when the server starts.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

from alchemy_lint import __version__
from alchemy_lint.config import ConfigError
from alchemy_lint.docs import rule_url
from alchemy_lint.findings import Finding
from alchemy_lint.lsp.actions import NO_FIXERS, FindingAction, FixerRegistry, TextChange, actions_for
from alchemy_lint.lsp.diagnostics import (
    SOURCE,
    CheckedBuffer,
    Snapshot,
    checked_buffer,
    client_range,
    diagnostic,
    diagnostics_of,
)
from alchemy_lint.lsp.progress import IndexingProgress
from alchemy_lint.lsp.projects import IndexingCancelled, ProjectCache, is_python_path
from alchemy_lint.lsp.spans import Place, Span
from alchemy_lint.lsp.transport import Dispatcher, MessageReader, log_to_stderr, protocol_streams, serve_messages
from alchemy_lint.lsp.worker import Worker, post
from alchemy_lint.roots import find_project_root
from alchemy_lint.rules import RULES_BY_CODE

#: What the server asks the client to watch on disk.
WATCHED_FILES = ("**/*.py", "**/*.pyi", "**/pyproject.toml")
#: How long a running check may go on once the client said `exit` (a cache write finishing).
STOP_TIMEOUT_SECONDS = 2.0
_NOQA_CODE = re.compile(r"#\s*noqa:[\s,A-Z0-9]*?\b(ASA\d{3})\b", re.IGNORECASE)
_CODE = re.compile(r"\bASA\d{3}\b")
_log = logging.getLogger(__name__)


@dataclass(slots=True)
class ServerState:
    """What the server keeps between messages; touched on the loop's thread only, but for `wanted`/`queued`."""

    fixers: FixerRegistry
    projects: ProjectCache = field(default_factory=ProjectCache)
    #: Open documents by the URI the client gave (pygls keys them unquoted).
    documents: dict[str, None] = field(default_factory=dict)
    checked: dict[str, CheckedBuffer] = field(default_factory=dict)
    #: The newest snapshot to check per document, and the documents with a check queued.
    wanted: dict[str, Snapshot] = field(default_factory=dict)
    queued: set[str] = field(default_factory=set)
    generations: dict[str, int] = field(default_factory=dict)
    #: Pull diagnostics waiting for a document's check.
    arrived: dict[str, asyncio.Event] = field(default_factory=dict)
    #: The error last shown per project root, so that typing does not repeat it.
    shown_errors: dict[Path, str] = field(default_factory=dict)
    shut_down: bool = False
    #: The client pulls diagnostics (`textDocument/diagnostic`): none are pushed.
    pull: bool = False
    results: itertools.count[int] = field(default_factory=itertools.count)
    progress_tokens: itertools.count[int] = field(default_factory=itertools.count)


class AlchemyLintProtocol(LanguageServerProtocol):
    """pygls's protocol, quiet about notifications for documents that are not open."""

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        if not _is_open(self.workspace.text_documents, params.text_document.uri):
            return None  # a client that changes what it never opened: nothing to update
        return (yield from super().lsp_text_document__did_change(params))

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        if not _is_open(self.workspace.text_documents, params.text_document.uri):
            return None
        return (yield from super().lsp_text_document__did_close(params))


def _is_open(documents: dict[str, TextDocument], uri: str) -> bool:
    return unquote(uri) in documents


class AlchemyLintServer(LanguageServer):
    def __init__(self, fixers: FixerRegistry = NO_FIXERS) -> None:
        super().__init__("alchemy-lint", __version__, protocol_cls=AlchemyLintProtocol)
        self.state = ServerState(fixers=fixers)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._linter: Worker | None = None
        self._fixer: Worker | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The message loop, where the workers send their results (set by the first handler)."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    @property
    def linter(self) -> Worker:
        """The thread that owns the projects: indexing, checks, files changed on disk."""
        if self._linter is None:
            self._linter = Worker("alchemy-lint-checks", self.loop)
        return self._linter

    @property
    def fixer(self) -> Worker:
        """The thread that computes quick fixes, so that a check does not wait for LibCST."""
        if self._fixer is None:
            self._fixer = Worker("alchemy-lint-fixes", self.loop)
        return self._fixer

    def stop_workers(self) -> None:
        self.state.projects.cancelled.set()
        for worker in (self._linter, self._fixer):
            if worker is not None:
                worker.stop(STOP_TIMEOUT_SECONDS)

    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls would show "Error in server: ..." in the editor; a line in the log is enough.
        _log.warning("%s: %s", type(error).__name__, error)

    def open_document(self, uri: str) -> TextDocument | None:
        if not _is_open(self.workspace.text_documents, uri):
            return None
        return self.workspace.get_text_document(uri)


def _path_of(uri: str) -> Path | None:
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    if path is None:
        return None
    candidate = Path(path)
    return candidate if is_python_path(candidate) else None


# -- checking -------------------------------------------------------------------------


def request_check(server: AlchemyLintServer, uri: str) -> None:
    """Check the document's current text soon; only its newest text is checked (loop thread)."""
    document = server.open_document(uri)
    path = _path_of(uri)
    if document is None or path is None:
        return
    state = server.state
    generation = state.generations[uri] = state.generations.get(uri, 0) + 1
    state.wanted[uri] = Snapshot(uri, path, document.version, document.source, generation)
    if uri in state.queued:
        return  # the queued check will take this newer text
    state.queued.add(uri)
    server.linter.submit(lambda: _check_newest(server, uri))


def _check_newest(server: AlchemyLintServer, uri: str) -> None:
    """On the linter thread: check the newest text wanted for `uri`, deliver its findings."""
    state = server.state
    # Leave the queue before taking the text: a change that arrives in between queues a new check.
    state.queued.discard(uri)
    snapshot = state.wanted.pop(uri, None)
    if snapshot is None:
        return
    root = find_project_root(snapshot.path.resolve())
    progress = IndexingProgress(server, root)
    loop = server.loop

    def preview(findings: tuple[Finding, ...]) -> None:
        post(loop, _accept, server, snapshot.uri, checked_buffer(snapshot, findings, None))

    try:
        findings = state.projects.check_buffer(snapshot.path, snapshot.text, progress.update, preview)
        checked_with = state.projects.checked_with(snapshot.path)
    except IndexingCancelled:
        return
    except ConfigError as error:
        post(loop, _show_error_once, server, root, f"alchemy-lint: configuration error: {error}")
        findings, checked_with = (), None
    except Exception as error:
        # A bug in a rule must not take the editor's server down: say so once, keep serving.
        message = f"alchemy-lint: internal error on {snapshot.path.name}: {type(error).__name__}: {error}"
        _log.warning("%s", message)
        post(loop, _show_error_once, server, root, message)
        findings, checked_with = (), None
    else:
        post(loop, _forget_error, server, root)
    finally:
        progress.finish()
    post(loop, _accept, server, snapshot.uri, checked_buffer(snapshot, findings, checked_with))


def _accept(server: AlchemyLintServer, uri: str, checked: CheckedBuffer) -> None:
    """On the loop: keep the findings of the document's current version, and show them."""
    document = server.open_document(uri)
    if document is None or document.version != checked.version:
        return  # closed, or a newer text is on its way to the linter
    state = server.state
    checked = replace(checked, result_id=str(next(state.results)))
    state.checked[uri] = checked
    if state.pull:
        _wake(server, uri)
        return
    server.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics_of(document, checked), version=checked.version)
    )


def _wake(server: AlchemyLintServer, uri: str) -> None:
    event = server.state.arrived.pop(uri, None)
    if event is not None:
        event.set()


def _show_error_once(server: AlchemyLintServer, root: Path, message: str) -> None:
    if server.state.shown_errors.get(root) == message:
        return
    server.state.shown_errors[root] = message
    server.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))


def _forget_error(server: AlchemyLintServer, root: Path) -> None:
    server.state.shown_errors.pop(root, None)


def _recheck_projects(server: AlchemyLintServer, roots: set[Path]) -> None:
    """Check the open documents of these projects again: their cross-file facts changed."""
    if not roots:
        return
    for uri in list(server.state.documents):
        path = _path_of(uri)
        if path is not None and find_project_root(path.resolve()) in roots:
            request_check(server, uri)
    if server.state.pull and _client_refreshes_diagnostics(server):
        server.workspace_diagnostic_refresh(None)


def _client_refreshes_diagnostics(server: AlchemyLintServer) -> bool:
    workspace = server.client_capabilities.workspace
    diagnostics = workspace.diagnostics if workspace is not None else None
    return bool(diagnostics is not None and diagnostics.refresh_support)


# -- requests ---------------------------------------------------------------------------


async def pull_diagnostics(
    server: AlchemyLintServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    """The document's diagnostics for its current text, once its check is done."""
    uri = params.text_document.uri
    while True:
        document = server.open_document(uri)
        if document is None or _path_of(uri) is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        checked = server.state.checked.get(uri)
        current = server.state.generations.get(uri)
        if checked is not None and checked.version == document.version and checked.generation == current:
            break
        event = server.state.arrived.setdefault(uri, asyncio.Event())
        if current is None:
            request_check(server, uri)  # never asked for (the server was not told the document changed)
        await event.wait()
    if params.previous_result_id == checked.result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=checked.result_id)
    return types.RelatedFullDocumentDiagnosticReport(
        items=diagnostics_of(document, checked), result_id=checked.result_id
    )


def _overlaps(span: Span, requested: Span) -> bool:
    return span.start <= requested.end and requested.start <= span.end


async def code_actions(server: AlchemyLintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    checked = server.state.checked.get(uri)
    document = server.open_document(uri)
    if document is None or checked is None or checked.buffer.text != document.source:
        return []  # not checked yet, or a change is settling: edits for an old text would land wrong
    wanted = params.context.only
    if wanted and not any(types.CodeActionKind.QuickFix.value.startswith(kind) for kind in wanted):
        return []
    lines = checked.buffer.lines
    codec = document.position_codec
    start = codec.position_from_client_units(lines, params.range.start)
    end = codec.position_from_client_units(lines, params.range.end)
    requested = Span(Place(start.line, start.character), Place(end.line, end.character))
    chosen = [(finding, span) for finding, span in checked.findings if _overlaps(span, requested)]
    if not chosen:
        return []
    fixers = server.state.fixers
    computed = await server.fixer.submit(lambda: _finding_actions(checked, chosen, fixers))
    found: list[types.CodeAction] = []
    for span, action in computed:
        found.append(
            types.CodeAction(
                title=action.title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic(action.finding, client_range(codec, lines, span))],
                is_preferred=action.preferred or None,
                edit=_workspace_edit(uri, codec, lines, action.changes),
            )
        )
    return found


def _finding_actions(
    checked: CheckedBuffer, chosen: Sequence[tuple[Finding, Span]], fixers: FixerRegistry
) -> list[tuple[Span, FindingAction]]:
    """On the fixer thread: the actions of each chosen finding (LibCST runs here)."""
    return [
        (span, action)
        for finding, span in chosen
        for action in actions_for(checked.buffer, finding, fixers, checked.checked_with, checked.places.get(finding))
    ]


def _workspace_edit(
    uri: str, codec: PositionCodec, lines: Sequence[str], changes: Sequence[TextChange]
) -> types.WorkspaceEdit:
    edits = [
        types.TextEdit(range=client_range(codec, lines, change.span), new_text=change.new_text) for change in changes
    ]
    return types.WorkspaceEdit(changes={uri: edits})


def hover(server: AlchemyLintServer, params: types.HoverParams) -> types.Hover | None:
    """A rule's summary and link, over its code in a `# noqa` comment (as ruff's server does)."""
    document = server.open_document(params.text_document.uri)
    if document is None or params.position.line >= len(document.lines):
        return None
    line = document.lines[params.position.line]
    character = document.position_codec.position_from_client_units(document.lines, params.position).character
    comment = line.find("#")
    if comment < 0 or not _NOQA_CODE.search(line, comment):
        return None
    for match in _CODE.finditer(line, comment):
        rule = RULES_BY_CODE.get(match.group())
        if rule is not None and match.start() <= character <= match.end():
            text = f"**{rule.code}** {rule.name}\n\n{rule.summary}\n\n[Documentation]({rule_url(rule.code)})"
            return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))
    return None


# -- the server ---------------------------------------------------------------------------


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


def create_server(fixers: FixerRegistry = NO_FIXERS) -> AlchemyLintServer:
    """A server with its features registered; `fixers` supplies quick fixes by rule code."""
    server = AlchemyLintServer(fixers)

    def initialized(ls: AlchemyLintServer, params: types.InitializedParams) -> None:
        capabilities = ls.client_capabilities.text_document
        ls.state.pull = capabilities is not None and capabilities.diagnostic is not None
        watch_files(ls)

    def did_open(ls: AlchemyLintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.state.documents[params.text_document.uri] = None
        request_check(ls, params.text_document.uri)

    def did_change(ls: AlchemyLintServer, params: types.DidChangeTextDocumentParams) -> None:
        request_check(ls, params.text_document.uri)

    def did_save(ls: AlchemyLintServer, params: types.DidSaveTextDocumentParams) -> None:
        path = _path_of(params.text_document.uri)
        if path is None or ls.open_document(params.text_document.uri) is None:
            return
        # The linter takes the file in first, then checks the project's documents (in that order).
        ls.linter.submit(lambda: ls.state.projects.buffer_saved(path))
        _recheck_projects(ls, {find_project_root(path.resolve())})

    def did_close(ls: AlchemyLintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.state.documents.pop(uri, None)
        ls.state.wanted.pop(uri, None)
        ls.state.generations.pop(uri, None)
        ls.state.checked.pop(uri, None)
        _wake(ls, uri)
        if not ls.state.pull:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        path = _path_of(uri)
        if path is not None:
            # Unsaved text is gone: the file counts as it is on disk again, for the other files too.
            ls.linter.submit(lambda: ls.state.projects.buffer_closed(path))
            _recheck_projects(ls, {find_project_root(path.resolve())})

    def watched_files(ls: AlchemyLintServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [Path(fs) for event in params.changes if event.uri.startswith("file:") if (fs := to_fs_path(event.uri))]
        ls.linter.submit(lambda: ls.state.projects.files_changed_on_disk(paths))
        _recheck_projects(ls, {find_project_root(path.resolve()) for path in paths})

    def shutdown(ls: AlchemyLintServer, params: Any) -> None:
        ls.state.shut_down = True
        ls.state.projects.cancelled.set()  # an indexing project stops: nothing will ask for it

    async def diagnostic(
        ls: AlchemyLintServer, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        return await pull_diagnostics(ls, params)

    async def code_action(ls: AlchemyLintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return await code_actions(ls, params)

    def on_hover(ls: AlchemyLintServer, params: types.HoverParams) -> types.Hover | None:
        return hover(ls, params)

    _register(server, types.INITIALIZED, initialized)
    _register(server, types.TEXT_DOCUMENT_DID_OPEN, did_open)
    _register(server, types.TEXT_DOCUMENT_DID_CHANGE, did_change)
    _register(server, types.TEXT_DOCUMENT_DID_SAVE, did_save, types.SaveOptions(include_text=False))
    _register(server, types.TEXT_DOCUMENT_DID_CLOSE, did_close)
    _register(server, types.WORKSPACE_DID_CHANGE_WATCHED_FILES, watched_files)
    _register(server, types.SHUTDOWN, shutdown)
    _register(
        server,
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        diagnostic,
        types.DiagnosticOptions(identifier=SOURCE, inter_file_dependencies=True, workspace_diagnostics=False),
    )
    _register(
        server,
        types.TEXT_DOCUMENT_CODE_ACTION,
        code_action,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    _register(server, types.TEXT_DOCUMENT_HOVER, on_hover)
    return server


def _register(server: AlchemyLintServer, method: str, handler: Callable[..., Any], options: Any = None) -> None:
    # pygls's decorator is untyped; registering through it keeps the handlers typed. Every
    # request is answered: an unexpected error becomes a JSON-RPC error of one line.
    server.feature(method, options)(_answering(handler))


def _answering(handler: Callable[..., Any]) -> Callable[..., Any]:
    from pygls.exceptions import JsonRpcInternalError

    def failed(error: Exception) -> JsonRpcInternalError:
        _log.warning("%s failed: %s: %s", handler.__name__, type(error).__name__, error)
        return JsonRpcInternalError(message=f"alchemy-lint: internal error: {type(error).__name__}: {error}")

    if asyncio.iscoroutinefunction(handler):

        async def run_async(ls: AlchemyLintServer, params: Any) -> Any:
            try:
                return await handler(ls, params)
            except Exception as error:
                raise failed(error) from None

        return run_async

    def run(ls: AlchemyLintServer, params: Any) -> Any:
        try:
            return handler(ls, params)
        except Exception as error:
            raise failed(error) from None

    return run


def serve(fixers: FixerRegistry = NO_FIXERS) -> NoReturn:
    """Serve over stdin/stdout until the client exits, then exit: 0 after a shutdown request, else 1 (LSP)."""
    log_to_stderr()
    stdin, stdout = protocol_streams()
    server = create_server(fixers)
    server.protocol.set_writer(_Writer(stdout))

    async def main() -> int:
        reader = MessageReader(stdin, server.loop)
        return await serve_messages(reader, Dispatcher(server.protocol, lambda: server.state.shut_down))

    try:
        code = asyncio.run(main())
    except KeyboardInterrupt:
        code = 1
    server.stop_workers()
    # Tearing down a large project's facts at interpreter exit took most of a second, and the
    # editor waits for the process to end: everything is written, so leave without it.
    logging.shutdown()
    sys.stderr.flush()
    os._exit(code)


class _Writer:
    """Messages to the client: whole, flushed, from the loop's thread only."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, data: bytes) -> None:
        self._stream.write(data)
        self._stream.flush()

    def close(self) -> None:
        self._stream.close()
