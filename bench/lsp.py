"""The language server's benchmark: first diagnostics, a change to diagnostics, responses while indexing.

Usage: python bench/lsp.py PROJECT [--files N] [--edits N] [--output FILE]

PROJECT is read only: the cache goes to a temporary `ALCHEMY_LINT_CACHE_DIR`. The server runs
as an editor runs it (`python -m alchemy_lint lsp` over stdio, driven by pygls's client). See
bench/README.md for what each figure means; the results are in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

TIMEOUT = 300.0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and of its children it has waited for; 0 off Linux.

    On a shared machine wall-clock latency swings with the load; CPU time does not.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


class Session:
    """One server process; the time each document's diagnostics arrived, by version."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        self.client = LanguageClient("alchemy-lint-bench", "0")
        self.arrived: dict[str, dict[int | None, float]] = {}
        self.events: dict[str, asyncio.Event] = {}
        self.versions: dict[str, int] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.arrived.setdefault(params.uri, {})[params.version] = time.perf_counter()
            self.events.setdefault(params.uri, asyncio.Event()).set()

        @self.client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def on_progress_create(params: types.WorkDoneProgressCreateParams) -> None:
            return None

        @self.client.feature(types.PROGRESS)
        def on_progress(params: types.ProgressParams) -> None:
            return None

    async def start(self) -> float:
        started = time.perf_counter()
        await self.client.start_io(sys.executable, "-m", "alchemy_lint", "lsp", cwd=str(self.root), env=self.env)
        capabilities = types.ClientCapabilities(window=types.WindowClientCapabilities(work_done_progress=True))
        await asyncio.wait_for(
            self.client.initialize_async(
                types.InitializeParams(capabilities=capabilities, root_uri=self.root.as_uri())
            ),
            TIMEOUT,
        )
        self.client.initialized(types.InitializedParams())
        return started

    def open(self, path: Path, text: str) -> str:
        uri = path.as_uri()
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
        )
        return uri

    def change(self, uri: str, text: str) -> int:
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                [types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        return self.versions[uri]

    async def published(self, uri: str, version: int) -> float:
        """When the diagnostics of that version arrived."""
        while version not in self.arrived.get(uri, {}):
            event = self.events.setdefault(uri, asyncio.Event())
            event.clear()
            await asyncio.wait_for(event.wait(), TIMEOUT)
        return self.arrived[uri][version]

    async def timed_request(self, request: object) -> float:
        started = time.perf_counter()
        await asyncio.wait_for(request, TIMEOUT)  # type: ignore[arg-type]
        return time.perf_counter() - started

    def code_action(self, uri: str, line: int) -> object:
        where = types.Range(types.Position(line, 0), types.Position(line, 200))
        return self.client.text_document_code_action_async(
            types.CodeActionParams(types.TextDocumentIdentifier(uri), where, types.CodeActionContext([]))
        )

    def cpu(self) -> float:
        server = self.client._server
        return cpu_seconds(server.pid) if server is not None else 0.0

    async def stop(self) -> None:
        await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT)
        self.client.exit(None)
        await asyncio.wait_for(self.client.stop(), TIMEOUT)


def sample_files(root: Path, count: int) -> list[Path]:
    """Files that use SQLAlchemy, spread over the project (every k-th in path order)."""
    candidates = []
    for path in sorted(root.rglob("*.py")):
        if any(part.startswith(".") or part in ("node_modules", "__pycache__") for part in path.parts):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "sqlalchemy" in text and "async def" in text:
            candidates.append(path)
    step = max(1, len(candidates) // count)
    return candidates[::step][:count]


def edits(text: str, count: int) -> Iterator[str]:
    """Edits as typing makes them: a line added near the top (every position below moves), then
    a word added to a line in the middle, alternately."""
    lines = text.splitlines(keepends=True)
    middle = len(lines) // 2
    for number in range(count):
        changed = list(lines)
        if number % 2 == 0:
            changed.insert(min(3, len(changed)), f"_bench_{number} = {number}\n")
        else:
            changed[middle] = changed[middle].rstrip("\r\n") + f"  # edit {number}\n"
        yield "".join(changed)


async def first_diagnostics(root: Path, env: dict[str, str], path: Path, probe: bool) -> dict[str, float]:
    """Spawn, open one file; with `probe`, send a code action and a shutdown-free hover 0.2 s after didOpen."""
    session = Session(root, env)
    spawned = await session.start()
    opened = time.perf_counter()
    uri = session.open(path, path.read_text(encoding="utf-8"))
    figures: dict[str, float] = {}
    if probe:
        await asyncio.sleep(0.2)
        figures["code action answered in"] = await session.timed_request(session.code_action(uri, 0))
        hover = session.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 0))
        )
        figures["hover answered in"] = await session.timed_request(hover)
    arrived = await session.published(uri, 1)
    figures["spawn to first diagnostics"] = arrived - spawned
    figures["didOpen to first diagnostics"] = arrived - opened
    figures["server CPU until first diagnostics"] = session.cpu()
    started = time.perf_counter()
    await session.stop()
    figures["shutdown and exit"] = time.perf_counter() - started
    return figures


async def changes(root: Path, env: dict[str, str], files: list[Path], count: int) -> tuple[list[float], list[float]]:
    """Wall seconds and server CPU seconds from each didChange to its diagnostics."""
    session = Session(root, env)
    await session.start()
    latencies = []
    cpu = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        uri = session.open(path, text)
        await session.published(uri, 1)
        for edited in edits(text, count):
            await asyncio.sleep(0.05)  # as typing pauses: the server is idle when the change comes
            before = session.cpu()
            sent = time.perf_counter()
            version = session.change(uri, edited)
            latencies.append(await session.published(uri, version) - sent)
            cpu.append(session.cpu() - before)
    await session.stop()
    return latencies, cpu


LARGE_BUFFER_FINDING = """
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")


def make_sessions():
    return async_sessionmaker(engine)
"""


def large_buffer(lines: int) -> str:
    body = []
    for number in range(lines // 4):
        body.append(f"def helper_{number}(value):\n    total = value + {number}\n    return total * 2\n\n")
    return LARGE_BUFFER_FINDING + "".join(body) + LARGE_BUFFER_FINDING.replace("make_sessions", "make_more")


async def large_code_action(root: Path, env: dict[str, str], lines: int) -> float:
    """A code action for a finding at the end of a buffer of `lines` lines (not saved to disk)."""
    session = Session(root, env)
    await session.start()
    text = large_buffer(lines)
    uri = session.open(root / "_alchemy_lint_bench_large.py", text)
    await session.published(uri, 1)
    line = text.splitlines().index("    return async_sessionmaker(engine)", len(text.splitlines()) - 10)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        actions = await asyncio.wait_for(session.code_action(uri, line), TIMEOUT)  # type: ignore[arg-type]
        timings.append(time.perf_counter() - started)
    titles = [action.title for action in actions or [] if isinstance(action, types.CodeAction)]
    assert any(title.startswith("Fix ASA103") for title in titles), titles  # the quick fix, not only noqa
    await session.stop()
    return min(timings)


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": statistics.median(ordered),
        "p90": ordered[int(len(ordered) * 0.9) - 1] if len(ordered) >= 10 else ordered[-1],
        "count": len(ordered),
    }


async def main(arguments: argparse.Namespace) -> dict[str, object]:
    root = Path(arguments.project).resolve()
    report: dict[str, object] = {"project": str(root)}
    with tempfile.TemporaryDirectory(prefix="alchemy-lint-lsp-bench-") as cache:
        env = {**os.environ, "ALCHEMY_LINT_CACHE_DIR": cache}
        files = sample_files(root, arguments.files)
        report["files checked"] = len(list(root.rglob("*.py")))
        report["opened"] = [str(path.relative_to(root)) for path in files[:3]]
        report["cold cache"] = await first_diagnostics(root, env, files[0], probe=True)
        # An earlier editor session cached every file's facts, and the findings of the file it showed.
        report["warm cache, the file an earlier editor session showed"] = await first_diagnostics(
            root, env, files[0], probe=False
        )
        report["warm facts, a file no session showed"] = await first_diagnostics(root, env, files[1], probe=False)
        subprocess.run(
            [sys.executable, "-m", "alchemy_lint", "check", "--exit-zero", "."], cwd=root, env=env, capture_output=True
        )
        report["warm cache, after alchemy-lint check"] = await first_diagnostics(root, env, files[2], probe=False)
        latencies, cpu = await changes(root, env, files, arguments.edits)
        report["change to diagnostics (s)"] = summary(latencies)
        report["change to diagnostics, server CPU (s)"] = summary(cpu)
        report["code action, 10,000-line buffer (s)"] = await large_code_action(root, env, 10_000)
        report["code action, 50,000-line buffer (s)"] = await large_code_action(root, env, 50_000)
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project")
    parser.add_argument("--files", type=int, default=10, help="files to edit (default 10)")
    parser.add_argument("--edits", type=int, default=10, help="edits per file (default 10)")
    parser.add_argument("--output", help="write the figures as JSON here too")
    args = parser.parse_args()
    result = asyncio.run(main(args))
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
