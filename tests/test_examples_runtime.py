"""Rule examples whose claims are runtime claims, executed: real SQLAlchemy 2 with aiosqlite, and a
real FastAPI application driven through the ASGI protocol as a server drives it."""

from __future__ import annotations

import asyncio
import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import example_project, expected_lines, findings_in
from test_loading_runtime import run_example

from alchemy_lint.rules import RULES_BY_CODE, Example


def _example(code: str, kind: str, title: str) -> Example:
    examples = RULES_BY_CODE[code].valid if kind == "valid" else RULES_BY_CODE[code].invalid
    (found,) = [example for example in examples if example.title.startswith(title)]
    return found


def test_savepoint_rollback_example_runs_clean(tmp_path: Path) -> None:
    example = _example("ASA401", "valid", "`savepoint.rollback()` after an `IntegrityError`")
    root = example_project(tmp_path / "project", example)
    assert run_example(root, example.path) == {"error": None, "line": None, "message": None}


def test_session_used_after_savepoint_rollback_raises_where_the_message_says(tmp_path: Path) -> None:
    example = _example("ASA401", "invalid", "The session used inside a savepoint block")
    root = example_project(tmp_path / "project", example)
    outcome = run_example(root, example.path)
    (finding,) = findings_in(root, example.path, "ASA401")
    assert finding.line in expected_lines(example.source, "ASA401")
    named = re.search(r"at line (\d+) then runs inside the closed block", finding.message)
    assert named is not None, finding.message
    assert (outcome["error"], outcome["line"]) == ("InvalidRequestError", int(named.group(1)))


def test_helper_commit_inside_begin_ends_the_block_where_the_example_says(tmp_path: Path) -> None:
    invalid = _example("ASA401", "invalid", "A helper that commits the session it is handed")
    root = example_project(tmp_path / "invalid", invalid)
    outcome = run_example(root, invalid.path)
    (finding,) = findings_in(root, invalid.path, "ASA401")
    assert finding.line in expected_lines(invalid.source, "ASA401")
    # The session call after the helper's commit runs inside the closed block and raises.
    assert (outcome["error"], outcome["line"]) == ("InvalidRequestError", finding.line + 1)
    fixed = _example("ASA401", "valid", "A helper called inside `begin()` with `commit=False`")
    root = example_project(tmp_path / "fixed", fixed)
    assert run_example(root, fixed.path) == {"error": None, "line": None, "message": None}
    assert findings_in(root, fixed.path, "ASA401") == []


@pytest.fixture
def example_modules(tmp_path: Path) -> Iterator[Path]:
    """Import an example project's modules for the test, and forget them afterwards."""
    sys.path.insert(0, str(tmp_path))
    before = set(sys.modules)
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in set(sys.modules) - before:
            if name == "app" or name.startswith("app."):
                del sys.modules[name]


async def _serve_one_request(app: Any, path: str) -> tuple[int, bytes]:
    """Start the application's lifespan, send one GET request, shut down: as an ASGI server does."""
    lifespan_events: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    lifespan_sent: list[dict[str, Any]] = []

    async def lifespan_send(message: dict[str, Any]) -> None:
        lifespan_sent.append(message)

    await lifespan_events.put({"type": "lifespan.startup"})
    lifespan = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, lifespan_events.get, lifespan_send)
    )
    while not lifespan_sent:
        await asyncio.sleep(0)
    assert lifespan_sent[0]["type"] == "lifespan.startup.complete", lifespan_sent
    response: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        response.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [],
        "client": ("test", 1),
        "server": ("test", 80),
        "app": app,
    }
    await app(scope, receive, send)
    await lifespan_events.put({"type": "lifespan.shutdown"})
    await lifespan
    status = next(message["status"] for message in response if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in response if message["type"] == "http.response.body")
    return status, body


def test_lifespan_factory_example_serves_a_request(example_modules: Path) -> None:
    example = _example("ASA102", "valid", "A factory built in a FastAPI lifespan")
    root = example_project(example_modules, example)
    assert findings_in(root, example.path, "ASA102") == []
    app = importlib.import_module(example.path.removesuffix(".py").replace("/", ".")).app
    assert asyncio.run(_serve_one_request(app, "/ready")) == (200, b'{"ready":1}')
