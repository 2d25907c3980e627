"""The language server under input an editor should not send, spoken to byte by byte over stdio.

A client library would refuse to send most of these, so the messages are framed here by hand.
Every request gets a response, bad framing ends the server with one line on stderr, and
nothing ever shows a traceback.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import ADHOC_HANDLER as HANDLER
from conftest import APP_DB_MODULE as DB_MODULE
from conftest import write_project

#: A hang guard, not a performance assertion.
TIMEOUT = 60.0


def frame(message: dict[str, Any] | bytes) -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class RawServer:
    """`alchemy-lint lsp` as a subprocess, its messages read on a thread."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.process = subprocess.Popen(
            [sys.executable, "-m", "alchemy_lint", "lsp"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.received: list[dict[str, Any]] = []
        self._arrived = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if not line.strip():
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None
            message = json.loads(stream.read(length))
            with self._arrived:
                self.received.append(message)
                self._arrived.notify_all()

    def send(self, data: dict[str, Any] | bytes, *, framed: bool = True) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(frame(data) if framed and isinstance(data, dict) else data if isinstance(data, bytes) else b"")
        stdin.flush()

    def request(self, identifier: int, method: str, params: Any = None) -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": identifier, "method": method, "params": params})
        return self.wait(lambda message: message.get("id") == identifier and "method" not in message)

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, wanted: Any) -> dict[str, Any]:
        with self._arrived:
            found = self._arrived.wait_for(lambda: any(wanted(message) for message in self.received), TIMEOUT)
            assert found, f"no such message in {self.received}"
            return next(message for message in self.received if wanted(message))

    def initialize(self) -> None:
        self.request(0, "initialize", {"processId": None, "rootUri": self.root.as_uri(), "capabilities": {}})
        self.notify("initialized", {})

    def open(self, relative: str, text: str) -> str:
        uri = (self.root / relative).as_uri()
        document = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": document})
        return uri

    def diagnostics(self, uri: str) -> list[dict[str, Any]]:
        message = self.wait(
            lambda message: (
                message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri
            )
        )
        diagnostics: list[dict[str, Any]] = message["params"]["diagnostics"]
        return diagnostics

    def exit_cleanly(self) -> str:
        """Shut down and exit as an editor does; stderr, once the server ended with code 0."""
        self.request(99, "shutdown")
        self.notify("exit", None)
        code, stderr = self.finish()
        assert code == 0
        assert "Traceback" not in stderr
        return stderr

    def finish(self) -> tuple[int, str]:
        """Close stdin; the exit code and stderr."""
        stdin = self.process.stdin
        assert stdin is not None
        if not stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                stdin.close()
        code = self.process.wait(TIMEOUT)
        stderr = self.process.stderr.read().decode("utf-8", errors="replace") if self.process.stderr else ""
        return code, stderr


@pytest.fixture
def server(project: Path) -> Any:
    write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})
    running = RawServer(project)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait(TIMEOUT)


@pytest.mark.parametrize(
    ("header", "said"),
    [
        pytest.param(
            b'Content-Length: twelve\r\n\r\n{"jsonrpc": "2.0"}', "malformed Content-Length", id="not-a-number"
        ),
        pytest.param(b"Content-Type: application/vscode-jsonrpc\r\n\r\n{}", "without a Content-Length", id="missing"),
    ],
)
def test_bad_framing_ends_the_server_with_one_line(server: RawServer, header: bytes, said: str) -> None:
    server.initialize()
    server.send(header)
    code, stderr = server.finish()
    assert code == 1
    assert said in stderr
    assert "Traceback" not in stderr


def test_a_request_with_invalid_params_gets_an_invalid_params_error(server: RawServer) -> None:
    server.initialize()
    response = server.request(7, "textDocument/codeAction", {"textDocument": 42})
    assert response["error"]["code"] == -32602
    assert "Traceback" not in json.dumps(response)
    # The server goes on answering.
    assert "result" in server.request(8, "shutdown")


def test_a_body_that_is_not_json_gets_a_parse_error_and_the_server_goes_on(server: RawServer) -> None:
    server.initialize()
    server.send(frame(b"{not json"), framed=False)
    error = server.wait(lambda message: message.get("error", {}).get("code") == -32700)
    assert error["id"] is None
    assert "result" in server.request(3, "shutdown")


def test_requests_after_shutdown_get_invalid_request(server: RawServer) -> None:
    server.initialize()
    assert server.request(1, "shutdown")["result"] is None
    response = server.request(
        2, "textDocument/hover", {"textDocument": {"uri": "file:///x.py"}, "position": {"line": 0, "character": 0}}
    )
    assert response["error"]["code"] == -32600
    server.notify("exit", None)
    code, stderr = server.finish()
    assert code == 0
    assert "Traceback" not in stderr


def test_a_change_to_a_document_never_opened_is_ignored_quietly(server: RawServer, project: Path) -> None:
    server.initialize()
    never_opened = (project / "app/ghost.py").as_uri()
    server.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": never_opened, "version": 2}, "contentChanges": [{"text": "x = 1\n"}]},
    )
    server.notify("textDocument/didClose", {"textDocument": {"uri": never_opened}})
    uri = server.open("app/handlers.py", HANDLER)
    assert [diagnostic["code"] for diagnostic in server.diagnostics(uri)] == ["ASA101"]
    assert not [message for message in server.received if message.get("method") == "window/showMessage"]
    assert "KeyError" not in server.exit_cleanly()


FIXABLE = "from sqlalchemy.ext.asyncio import async_sessionmaker\n\nmaker = async_sessionmaker(engine)\n"


def _asa103_action_titles(server: RawServer, source: str) -> list[str]:
    """Open app/deep.py with `source`; the titles of the code actions for its ASA103 finding."""
    server.initialize()
    uri = server.open("app/deep.py", source)
    # app/db.py has the project's factory: this one is also ASA105, which has no fix.
    (diagnostic,) = [found for found in server.diagnostics(uri) if found["code"] == "ASA103"]
    response = server.request(
        5,
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}},
    )
    return [action["title"] for action in response["result"] if "ASA103" in action["title"]]


_NOQA_ONLY = ["Disable ASA103 for this line (# noqa)"]
_FIX_AND_NOQA = ["Fix ASA103: expire-on-commit", "Disable ASA103 for this line (# noqa)"]


@pytest.mark.parametrize(
    ("expression", "terms", "titles"),
    [
        # Within the fix layer's guard (fixes/guard.py), as `check --fix` fixes it.
        pytest.param(" + ", 400, _FIX_AND_NOQA, id="400-term-sum"),
        # Past it (LibCST's native parser crashes on such input): only the noqa action.
        pytest.param(" and ", 10_000, _NOQA_ONLY, id="10000-term-and"),
    ],
)
def test_a_deep_expression_in_the_fixed_statement_still_gets_the_noqa_action(
    server: RawServer, expression: str, terms: int, titles: list[str]
) -> None:
    # The deep expression is an argument of the very call the quick fix rewrites.
    deep = expression.join(["a"] * terms)
    source = FIXABLE.replace("async_sessionmaker(engine)", f"async_sessionmaker(engine, info={deep})")
    assert _asa103_action_titles(server, source) == titles
    server.exit_cleanly()  # LibCST did not take the server down


def test_a_deep_expression_elsewhere_in_the_buffer_leaves_the_quick_fix(server: RawServer) -> None:
    source = f"{FIXABLE}\n\ndef elsewhere():\n    return {' + '.join(['a'] * 400)}\n"
    assert _asa103_action_titles(server, source) == [
        "Fix ASA103: expire-on-commit",
        "Disable ASA103 for this line (# noqa)",
    ]
