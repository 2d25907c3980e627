"""The language server, driven by a real LSP client over stdio.

pygls's `LanguageClient` starts `python -m alchemy_lint lsp` as a subprocess and speaks the
protocol over its pipes; every wait is bounded so a broken server fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import shlex
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from conftest import ADHOC_HANDLER as HANDLER
from conftest import APP_DB_MODULE as DB_MODULE
from conftest import write_project
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from alchemy_lint.rules import RULES_BY_CODE

#: A hang guard, not a performance assertion: a healthy server answers in well under a second.
TIMEOUT = 30.0

CLEAN_HANDLER = """\
from app.db import SessionLocal


async def load_report() -> None:
    async with SessionLocal() as session:
        await session.commit()
"""


def _offset(text: str, position: types.Position) -> int:
    """The string index of an LSP position (UTF-16 code units) in `text`."""
    lines = text.splitlines(keepends=True)
    before = sum(len(line) for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for index, character in enumerate(line):
        if units >= position.character:
            return before + index
        units += len(character.encode("utf-16-le")) // 2
    return before + len(line)


def apply_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """Apply edits as an editor does: against the original text, last first."""
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = _offset(text, edit.range.start), _offset(text, edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


class EditorSession:
    """One server process and what it published, per document."""

    def __init__(self, root: Path, capabilities: types.ClientCapabilities | None = None) -> None:
        self.root = root
        self.capabilities = capabilities or types.ClientCapabilities()
        self.client = LanguageClient("alchemy-lint-tests", "0")
        self.published: dict[str, asyncio.Queue[types.PublishDiagnosticsParams]] = {}
        self.messages: asyncio.Queue[types.ShowMessageParams] = asyncio.Queue()
        self.registrations: asyncio.Queue[types.Registration] = asyncio.Queue()
        self.versions: dict[str, int] = {}

        @self.client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def on_register(params: types.RegistrationParams) -> None:
            for registration in params.registrations:
                self.registrations.put_nowait(registration)

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self._queue(params.uri).put_nowait(params)

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def on_message(params: types.ShowMessageParams) -> None:
            self.messages.put_nowait(params)

    def _queue(self, uri: str) -> asyncio.Queue[types.PublishDiagnosticsParams]:
        return self.published.setdefault(uri, asyncio.Queue())

    async def start(self) -> types.InitializeResult:
        await self.client.start_io(sys.executable, "-m", "alchemy_lint", "lsp", cwd=str(self.root))
        result = await asyncio.wait_for(
            self.client.initialize_async(
                types.InitializeParams(
                    capabilities=self.capabilities,
                    root_uri=self.root.as_uri(),
                    workspace_folders=[types.WorkspaceFolder(self.root.as_uri(), "project")],
                )
            ),
            TIMEOUT,
        )
        self.client.initialized(types.InitializedParams())
        return result

    def uri(self, relative: str) -> str:
        return (self.root / relative).as_uri()

    def open(self, relative: str, text: str) -> str:
        uri = self.uri(relative)
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
        )
        return uri

    def replace_text(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                [types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def files_changed(self, *changes: tuple[str, types.FileChangeType]) -> None:
        events = [types.FileEvent(uri=self.uri(relative), type=kind) for relative, kind in changes]
        self.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=events))

    def save(self, uri: str) -> None:
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))

    async def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        """The next diagnostics published for `uri`."""
        params = await asyncio.wait_for(self._queue(uri).get(), TIMEOUT)
        return list(params.diagnostics)

    async def diagnostics_of_version(self, uri: str, version: int) -> list[types.Diagnostic]:
        """The diagnostics published for that version of `uri`, skipping older ones."""
        while True:
            params = await asyncio.wait_for(self._queue(uri).get(), TIMEOUT)
            assert params.version is not None and params.version <= version
            if params.version == version:
                return list(params.diagnostics)

    async def code_actions(
        self, uri: str, diagnostic: types.Diagnostic, only: list[str] | None = None
    ) -> list[types.CodeAction]:
        result = await asyncio.wait_for(
            self.client.text_document_code_action_async(
                types.CodeActionParams(
                    types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext([diagnostic], only)
                )
            ),
            TIMEOUT,
        )
        return [action for action in result or [] if isinstance(action, types.CodeAction)]

    async def stop(self) -> int | None:
        """Shut down and exit as an editor does; the server's exit code."""
        await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT)
        self.client.exit(None)
        server = self.client._server
        assert server is not None
        code = await asyncio.wait_for(server.wait(), TIMEOUT)
        await asyncio.wait_for(self.client.stop(), TIMEOUT)
        return code

    async def kill(self) -> None:
        server = self.client._server
        if server is not None and server.returncode is None:
            server.kill()
            await server.wait()
        await self.client.stop()


def run_session(
    root: Path,
    scenario: Callable[[EditorSession], Awaitable[None]],
    capabilities: types.ClientCapabilities | None = None,
) -> None:
    async def main() -> None:
        session = EditorSession(root, capabilities)
        await session.start()
        try:
            await scenario(session)
        finally:
            await session.kill()

    asyncio.run(main())


def _codes(diagnostics: list[types.Diagnostic]) -> list[object]:
    return [diagnostic.code for diagnostic in diagnostics]


def test_open_publishes_findings_with_code_range_source_and_docs_link(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/handlers.py", HANDLER)
        (diagnostic,) = await editor.diagnostics(uri)
        assert diagnostic.code == "ASA101"
        assert diagnostic.source == "alchemy-lint"
        assert diagnostic.code_description is not None
        assert diagnostic.code_description.href.endswith("/ASA101.md")
        # `AsyncSession(engine, expire_on_commit=False)` on line 7 (0-based 6), columns 14-58.
        assert diagnostic.range == types.Range(types.Position(6, 14), types.Position(6, 58))
        # The factory's name comes from app/db.py on disk: the project index is the whole project's.
        assert "SessionLocal()" in diagnostic.message
        assert not diagnostic.message.startswith("ASA101")

    run_session(project, scenario)


def test_change_to_clean_text_clears_diagnostics(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/handlers.py", HANDLER)
        assert _codes(await editor.diagnostics(uri)) == ["ASA101"]
        editor.replace_text(uri, CLEAN_HANDLER)
        assert await editor.diagnostics(uri) == []

    run_session(project, scenario)


def test_after_a_burst_of_changes_the_last_published_diagnostics_are_the_newest_texts(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/handlers.py", CLEAN_HANDLER)
        assert await editor.diagnostics(uri) == []
        for number in range(6):
            editor.replace_text(uri, HANDLER if number % 2 else CLEAN_HANDLER)
        assert _codes(await editor.diagnostics_of_version(uri, editor.versions[uri])) == ["ASA101"]
        editor.replace_text(uri, CLEAN_HANDLER)
        assert await editor.diagnostics_of_version(uri, editor.versions[uri]) == []

    run_session(project, scenario)


def test_unsaved_text_is_checked_not_the_file_on_disk(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE, "app/handlers.py": CLEAN_HANDLER})

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/handlers.py", HANDLER)
        assert _codes(await editor.diagnostics(uri)) == ["ASA101"]

    run_session(project, scenario)


def test_an_open_buffer_of_another_file_overrides_its_disk_facts(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})

    async def scenario(editor: EditorSession) -> None:
        handler = editor.open("app/handlers.py", HANDLER)
        assert "SessionLocal()" in (await editor.diagnostics(handler))[0].message
        # Rename the factory in the unsaved db.py buffer: the handler's finding follows it.
        db = editor.open("app/db.py", DB_MODULE.replace("SessionLocal", "make_session"))
        assert await editor.diagnostics(db) == []
        editor.replace_text(handler, HANDLER + "\n")
        (diagnostic,) = await editor.diagnostics(handler)
        assert "make_session()" in diagnostic.message

    run_session(project, scenario)


def test_closing_an_unsaved_buffer_brings_back_its_disk_facts_for_the_other_files(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})

    async def scenario(editor: EditorSession) -> None:
        handler = editor.open("app/handlers.py", HANDLER)
        await editor.diagnostics(handler)
        db = editor.open("app/db.py", DB_MODULE.replace("SessionLocal", "make_session"))
        await editor.diagnostics(db)
        editor.replace_text(handler, HANDLER + "\n")
        assert "make_session()" in (await editor.diagnostics(handler))[0].message
        editor.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(db)))
        assert await editor.diagnostics(db) == []
        assert "SessionLocal()" in (await editor.diagnostics(handler))[0].message

    run_session(project, scenario)


def test_saving_a_file_refreshes_the_other_open_files_of_its_project(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})

    async def scenario(editor: EditorSession) -> None:
        handler = editor.open("app/handlers.py", HANDLER)
        await editor.diagnostics(handler)
        db = editor.open("app/db.py", DB_MODULE)
        await editor.diagnostics(db)
        renamed = DB_MODULE.replace("SessionLocal", "make_session")
        (project / "app/db.py").write_text(renamed, encoding="utf-8")
        editor.replace_text(db, renamed)
        await editor.diagnostics(db)
        editor.save(db)
        assert await editor.diagnostics(db) == []
        (diagnostic,) = await editor.diagnostics(handler)
        assert "make_session()" in diagnostic.message

    run_session(project, scenario)


def test_a_file_changed_on_disk_outside_the_editor_updates_open_documents(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})

    async def scenario(editor: EditorSession) -> None:
        handler = editor.open("app/handlers.py", HANDLER)
        assert "SessionLocal()" in (await editor.diagnostics(handler))[0].message
        (project / "app/db.py").write_text(DB_MODULE.replace("SessionLocal", "make_session"), encoding="utf-8")
        editor.files_changed(("app/db.py", types.FileChangeType.Changed))
        assert "make_session()" in (await editor.diagnostics(handler))[0].message
        (project / "app/db.py").unlink()
        editor.files_changed(("app/db.py", types.FileChangeType.Deleted))
        assert "none is built yet for this engine" in (await editor.diagnostics(handler))[0].message

    run_session(project, scenario)


def test_the_server_asks_a_capable_client_to_watch_python_files_and_pyproject(project: Path) -> None:
    write_project(project, {"app/__init__.py": ""})
    capabilities = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True)
        )
    )

    async def scenario(editor: EditorSession) -> None:
        registration = await asyncio.wait_for(editor.registrations.get(), TIMEOUT)
        assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        # Registration options arrive as the JSON the server sent (LSPAny).
        options = registration.register_options
        assert isinstance(options, dict)
        patterns = {watcher["globPattern"] for watcher in options["watchers"]}
        assert patterns == {"**/*.py", "**/*.pyi", "**/pyproject.toml"}

    run_session(project, scenario, capabilities)


def test_noqa_action_edit_silences_the_diagnostic(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/handlers.py", HANDLER)
        (diagnostic,) = await editor.diagnostics(uri)
        actions = await editor.code_actions(uri, diagnostic)
        (noqa,) = [action for action in actions if "noqa" in action.title]
        assert noqa.kind == types.CodeActionKind.QuickFix
        assert noqa.edit is not None and noqa.edit.changes is not None
        fixed = apply_edits(HANDLER, noqa.edit.changes[uri])
        assert fixed.splitlines()[6].endswith("  # noqa: ASA101")
        editor.replace_text(uri, fixed)
        assert await editor.diagnostics(uri) == []

    run_session(project, scenario)


def test_code_actions_of_other_kinds_are_not_answered_with_quick_fixes(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/handlers.py", HANDLER)
        (diagnostic,) = await editor.diagnostics(uri)
        assert await editor.code_actions(uri, diagnostic, only=["source.organizeImports"]) == []
        assert len(await editor.code_actions(uri, diagnostic, only=["quickfix"])) == 1

    run_session(project, scenario)


def test_noqa_action_merges_into_an_existing_noqa_comment(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})
    source = HANDLER.replace("expire_on_commit=False)", "expire_on_commit=False)  # noqa: E501")

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/handlers.py", source)
        (diagnostic,) = await editor.diagnostics(uri)
        (noqa,) = [action for action in await editor.code_actions(uri, diagnostic) if "noqa" in action.title]
        assert noqa.edit is not None and noqa.edit.changes is not None
        fixed = apply_edits(source, noqa.edit.changes[uri])
        assert fixed.splitlines()[6].endswith("  # noqa: E501, ASA101")
        editor.replace_text(uri, fixed)
        assert await editor.diagnostics(uri) == []

    run_session(project, scenario)


def test_asa103_quick_fix_is_preferred_and_clears_the_diagnostic(project: Path) -> None:
    without = DB_MODULE.replace(", expire_on_commit=False", "")
    write_project(project, {"app/__init__.py": "", "app/db.py": without})

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/db.py", without)
        (diagnostic,) = await editor.diagnostics(uri)
        assert diagnostic.code == "ASA103"
        fix, noqa = await editor.code_actions(uri, diagnostic)
        assert (fix.title, fix.is_preferred) == ("Fix ASA103: expire-on-commit", True)
        assert noqa.title == "Disable ASA103 for this line (# noqa)"
        assert fix.edit is not None and fix.edit.changes is not None
        fixed = apply_edits(without, fix.edit.changes[uri])
        assert fixed == DB_MODULE
        editor.replace_text(uri, fixed)
        assert await editor.diagnostics(uri) == []

    run_session(project, scenario)


def test_asa301_quick_fix_is_offered_as_unsafe_and_not_preferred(project: Path) -> None:
    example = RULES_BY_CODE["ASA301"].invalid[0]
    source = example.source.replace("  # ASA301", "")
    write_project(project, {"app/__init__.py": "", **dict(example.others)})

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/handlers.py", source)
        (diagnostic,) = await editor.diagnostics(uri)
        assert diagnostic.code == "ASA301"
        fix, _ = await editor.code_actions(uri, diagnostic)
        assert fix.title == "Fix ASA301: lazy-relationship-access (unsafe: review it)"
        assert not fix.is_preferred
        assert fix.edit is not None and fix.edit.changes is not None
        fixed = apply_edits(source, fix.edit.changes[uri])
        assert fixed == example.fixed
        editor.replace_text(uri, fixed)
        assert await editor.diagnostics(uri) == []

    run_session(project, scenario)


def test_ranges_count_utf16_code_units(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})
    # The snake is 4 UTF-8 bytes, 2 UTF-16 code units, 1 code point: the range must count 2.
    source = HANDLER.replace("    session = AsyncSession(", '    label, session = "\N{SNAKE}", AsyncSession(')

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/handlers.py", source)
        (diagnostic,) = await editor.diagnostics(uri)
        line = source.splitlines()[6]
        start = len(line[: line.index("AsyncSession(")].encode("utf-16-le")) // 2
        end = len(line.encode("utf-16-le")) // 2
        assert diagnostic.range == types.Range(types.Position(6, start), types.Position(6, end))

    run_session(project, scenario)


def test_project_ignore_and_per_file_ignores_are_honoured(project: Path) -> None:
    files = {"app/__init__.py": "", "app/db.py": DB_MODULE}
    write_project(project, files, config='per-file-ignores = { "app/legacy/**" = ["ASA101"] }')

    async def scenario(editor: EditorSession) -> None:
        legacy = editor.open("app/legacy/handlers.py", HANDLER)
        assert await editor.diagnostics(legacy) == []
        current = editor.open("app/handlers.py", HANDLER)
        assert _codes(await editor.diagnostics(current)) == ["ASA101"]

    run_session(project, scenario)


def test_select_in_pyproject_limits_the_rules(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE}, config='select = ["ASA103"]')
    source = HANDLER.replace(", expire_on_commit=False", "")

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/handlers.py", source)
        assert _codes(await editor.diagnostics(uri)) == ["ASA103"]

    run_session(project, scenario)


def test_configuration_error_is_one_message_not_a_crash(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE}, config='transaction-policy = "sometimes"')

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/handlers.py", HANDLER)
        assert await editor.diagnostics(uri) == []
        message = await asyncio.wait_for(editor.messages.get(), TIMEOUT)
        assert message.type == types.MessageType.Error
        assert "transaction-policy" in message.message
        editor.replace_text(uri, HANDLER + "\n")
        assert await editor.diagnostics(uri) == []
        assert editor.messages.empty()
        # Fixing pyproject.toml is picked up without restarting the server.
        (project / "pyproject.toml").write_text("[tool.alchemy-lint]\n", encoding="utf-8")
        editor.replace_text(uri, HANDLER)
        assert _codes(await editor.diagnostics(uri)) == ["ASA101"]

    run_session(project, scenario)


def test_a_file_that_does_not_parse_gets_one_error_diagnostic(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/handlers.py", "def broken(:\n    pass\n")
        (diagnostic,) = await editor.diagnostics(uri)
        assert diagnostic.code == "ASA001"
        assert diagnostic.severity == types.DiagnosticSeverity.Error
        assert diagnostic.range.start.line == 0
        titles = [action.title for action in await editor.code_actions(uri, diagnostic)]
        assert titles == []  # a noqa comment cannot silence a file that does not parse

    run_session(project, scenario)


def test_closing_a_document_clears_its_diagnostics(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/handlers.py", HANDLER)
        assert await editor.diagnostics(uri) != []
        editor.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
        assert await editor.diagnostics(uri) == []

    run_session(project, scenario)


def test_shutdown_then_exit_ends_the_server_with_code_zero(project: Path) -> None:
    write_project(project, {"app/__init__.py": ""})

    async def scenario() -> int | None:
        editor = EditorSession(project)
        result = await editor.start()
        assert result.server_info is not None and result.server_info.name == "alchemy-lint"
        try:
            return await editor.stop()
        finally:
            await editor.kill()

    assert asyncio.run(scenario()) == 0


def test_lsp_without_pygls_says_how_to_install_it_and_exits_2(tmp_path: Path) -> None:
    # `None` in sys.modules makes `import pygls` fail as it does when pygls is not installed.
    program = (
        "import sys; sys.modules['pygls'] = None; from alchemy_lint.cli import main; raise SystemExit(main(['lsp']))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    # The suggested command installs the extra's requirements into this very Python, wherever
    # alchemy-lint was installed from (a checkout has no 'alchemy-lint[lsp]' on the index).
    command = completed.stderr.split("install it with: ", 1)[1].strip()
    assert shlex.split(command)[:4] == [sys.executable, "-m", "pip", "install"]
    assert {"pygls>=2.0", "lsprotocol>=2024.0.0"} <= set(shlex.split(command))
    dry_run = subprocess.run(
        [*shlex.split(command), "--dry-run", "--quiet"], capture_output=True, text=True, timeout=600
    )
    assert dry_run.returncode == 0, dry_run.stderr


def test_hovering_a_code_in_a_noqa_comment_shows_the_rule(project: Path) -> None:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})
    source = HANDLER.replace("expire_on_commit=False)", "expire_on_commit=False)  # noqa: E501, ASA101")
    line = source.splitlines()[6]

    async def scenario(editor: EditorSession) -> None:
        uri = editor.open("app/handlers.py", source)
        assert await editor.diagnostics(uri) == []

        async def hover(character: int) -> types.Hover | None:
            params = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(6, character))
            return await asyncio.wait_for(editor.client.text_document_hover_async(params), TIMEOUT)

        shown = await hover(line.index("ASA101") + 2)
        assert shown is not None and isinstance(shown.contents, types.MarkupContent)
        rule = RULES_BY_CODE["ASA101"]
        assert f"**ASA101** {rule.name}" in shown.contents.value
        assert rule.summary in shown.contents.value
        assert await hover(line.index("E501") + 1) is None  # not ours
        assert await hover(line.index("AsyncSession")) is None  # code, not a noqa comment

    run_session(project, scenario)
