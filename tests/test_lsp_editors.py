"""The language server as VS Code and Neovim drive it: pytest-lsp's clients with their capabilities.

VS Code (1.65) takes pushed diagnostics and watches files for the server; Neovim (0.11) pulls
diagnostics (`textDocument/diagnostic`). Both show work-done progress. Nothing here is timed:
"while the project indexes" is checked by order (the answer came before the diagnostics).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from conftest import ADHOC_HANDLER as HANDLER
from conftest import APP_DB_MODULE as DB_MODULE
from conftest import write_project
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

#: A hang guard, not a performance assertion.
TIMEOUT = 120.0
#: Enough files that a project without a cache takes a while to index.
MODULES = 300
EDITORS = {"vscode": "visual-studio-code@v1.65.2", "neovim": "neovim@v0.11.0"}

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "alchemy_lint", "lsp"])

MODULE = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def count_{number}(session: AsyncSession) -> int:
    await session.commit()
    return {number}
"""


@pytest_lsp.fixture(config=SERVER, params=list(EDITORS))
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    files = {"app/__init__.py": "", "app/db.py": DB_MODULE}
    files.update({f"app/mod_{number}.py": MODULE.format(number=number) for number in range(MODULES)})
    root = write_project(request.getfixturevalue("tmp_path") / "project", files)
    capabilities = client_capabilities(EDITORS[request.param])
    registered: list[types.Registration] = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        registered.extend(params.registrations)

    lsp_client.registered = registered  # type: ignore[attr-defined]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(root.as_uri(), "project")],
        )
    )
    lsp_client.project_root = root  # type: ignore[attr-defined]
    lsp_client.editor = request.param  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def _root(client: LanguageClient) -> Path:
    root: Path = client.project_root  # type: ignore[attr-defined]
    return root


def _pulls(client: LanguageClient) -> bool:
    return bool(client.editor == "neovim")  # type: ignore[attr-defined]


def _open(client: LanguageClient, relative: str, text: str) -> str:
    uri = (_root(client) / relative).as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
    return uri


def _pull(
    client: LanguageClient, uri: str, previous: str | None = None
) -> asyncio.Future[types.DocumentDiagnosticReport]:
    params = types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri), previous_result_id=previous)
    return asyncio.ensure_future(client.text_document_diagnostic_async(params))


async def _diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """The document's diagnostics as the editor gets them: pulled (Neovim) or pushed (VS Code)."""
    if _pulls(client):
        report = await asyncio.wait_for(_pull(client, uri), TIMEOUT)
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        return list(report.items)
    while uri not in client.diagnostics:
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), TIMEOUT)
    return list(client.diagnostics.pop(uri))


async def _republished(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """Diagnostics after a change elsewhere: the next push, or a new pull."""
    if _pulls(client):
        return await _diagnostics(client, uri)
    client.diagnostics.pop(uri, None)
    return await _diagnostics(client, uri)


@pytest.mark.asyncio
async def test_requests_are_answered_while_the_project_indexes_with_progress(client: LanguageClient) -> None:
    uri = _open(client, "app/handlers.py", HANDLER)
    pulled = _pull(client, uri) if _pulls(client) else None
    where = types.Range(types.Position(6, 0), types.Position(6, 10))
    actions = client.text_document_code_action_async(
        types.CodeActionParams(types.TextDocumentIdentifier(uri), where, types.CodeActionContext([]))
    )
    hover = client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 0)))
    assert not await asyncio.wait_for(actions, TIMEOUT)
    assert await asyncio.wait_for(hover, TIMEOUT) is None
    # Both answers came before the document's diagnostics: the index was still loading.
    if pulled is not None:
        assert not pulled.done()
    else:
        assert uri not in client.diagnostics
    if pulled is not None:
        report = await asyncio.wait_for(pulled, TIMEOUT)
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        codes = [item.code for item in report.items]
    else:
        codes = [item.code for item in await _diagnostics(client, uri)]
    assert codes == ["ASA101"]
    reported = [value for values in client.progress_reports.values() for value in values]
    begun = [value for value in reported if isinstance(value, types.WorkDoneProgressBegin)]
    assert begun and begun[0].message is not None
    assert begun[0].message.startswith(f"indexing {MODULES + 2} files")
    assert any(isinstance(value, types.WorkDoneProgressEnd) for value in reported)


@pytest.mark.asyncio
async def test_a_file_changed_on_disk_updates_the_diagnostics_of_open_documents(client: LanguageClient) -> None:
    uri = _open(client, "app/handlers.py", HANDLER)
    assert "SessionLocal()" in (await _diagnostics(client, uri))[0].message
    # The server asks for file events only of a client that takes dynamic registrations (VS Code).
    methods = [registration.method for registration in client.registered]  # type: ignore[attr-defined]
    assert methods == ([] if _pulls(client) else [types.WORKSPACE_DID_CHANGE_WATCHED_FILES])
    db = _root(client) / "app/db.py"
    db.write_text(DB_MODULE.replace("SessionLocal", "make_session"), encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(db.as_uri(), types.FileChangeType.Changed)])
    )
    (diagnostic,) = await _republished(client, uri)
    assert "make_session()" in diagnostic.message


@pytest.mark.asyncio
async def test_a_changed_pyproject_changes_the_rules_without_an_edit(client: LanguageClient) -> None:
    source = HANDLER.replace(", expire_on_commit=False", "")
    uri = _open(client, "app/handlers.py", source)
    # One construct, one finding: the ad-hoc session is ASA101's while ASA101 is on.
    assert [str(d.code) for d in await _diagnostics(client, uri)] == ["ASA101"]
    pyproject = _root(client) / "pyproject.toml"
    pyproject.write_text('[tool.alchemy-lint]\nselect = ["ASA103"]\n', encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(pyproject.as_uri(), types.FileChangeType.Changed)])
    )
    assert [d.code for d in await _republished(client, uri)] == ["ASA103"]


@pytest.mark.asyncio
async def test_a_pull_with_the_last_result_id_is_answered_unchanged(client: LanguageClient) -> None:
    if not _pulls(client):
        pytest.skip("VS Code 1.65 does not pull diagnostics")
    uri = _open(client, "app/handlers.py", HANDLER)
    first = await asyncio.wait_for(_pull(client, uri), TIMEOUT)
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport) and first.result_id
    again = await asyncio.wait_for(_pull(client, uri, first.result_id), TIMEOUT)
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    assert again.result_id == first.result_id
    assert not client.diagnostics  # a client that pulls gets nothing pushed
