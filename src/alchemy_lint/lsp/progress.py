"""Work-done progress ("indexing N files") while a check waits for its project to load.

`update` and `finish` are called on the linter thread; the messages go from the loop's thread,
after the client created the token, and only to clients that show progress.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from alchemy_lint.lsp.worker import post

if TYPE_CHECKING:
    from alchemy_lint.lsp.server import AlchemyLintServer

#: How often indexing progress goes to the editor, at most.
PROGRESS_INTERVAL_SECONDS = 0.25


class IndexingProgress:
    """Work-done progress ("indexing N files") for the loading a check waits for.

    `update` and `finish` are called on the linter thread; the messages go from the loop's
    thread, after the client created the token, and only to clients that show progress.
    """

    def __init__(self, server: AlchemyLintServer, root: Path) -> None:
        self._server = server
        self._root = root
        self._loop = server.loop
        self._last = 0.0
        self._token: str | None = None
        self._begun = False
        self._ended = False
        self._latest = (0, 0)

    def update(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self._token is not None and now - self._last < PROGRESS_INTERVAL_SECONDS:
            return
        self._last = now
        if self._token is None:
            self._token = f"alchemy-lint-indexing-{next(self._server.state.progress_tokens)}"
        post(self._loop, self._show, done, total)

    def finish(self) -> None:
        if self._token is not None:
            post(self._loop, self._end)

    # -- on the loop's thread ---------------------------------------------------------

    def _show(self, done: int, total: int) -> None:
        self._latest = (done, total)
        if not _client_shows_progress(self._server) or self._token is None:
            return
        if not self._begun:
            if not self._ended:
                self._begun = True
                created = self._server.protocol.send_request(
                    types.WINDOW_WORK_DONE_PROGRESS_CREATE, types.WorkDoneProgressCreateParams(token=self._token)
                )
                created.add_done_callback(self._created)
            return
        self._server.work_done_progress.report(
            self._token, types.WorkDoneProgressReport(message=self._message(), percentage=self._percentage())
        )

    def _created(self, request: Future[Any]) -> None:
        # Not through pygls's Progress.create: its callback raises when the request is cancelled.
        if not request.cancelled() and request.exception() is None:
            self._begin()

    def _begin(self) -> None:
        assert self._token is not None
        self._server.work_done_progress.begin(
            self._token,
            types.WorkDoneProgressBegin(
                title="alchemy-lint", message=self._message(), percentage=self._percentage(), cancellable=False
            ),
        )
        if self._ended:
            self._send_end()

    def _end(self) -> None:
        if self._begun and not self._ended:
            self._ended = True
            if self._token is not None and self._token in self._server.work_done_progress.tokens:
                self._send_end()
        self._ended = True

    def _send_end(self) -> None:
        assert self._token is not None
        self._server.work_done_progress.end(self._token, types.WorkDoneProgressEnd(message="indexed"))

    def _message(self) -> str:
        return f"indexing {self._latest[1]} files ({self._root.name})"

    def _percentage(self) -> int:
        done, total = self._latest
        return min(100, done * 100 // total) if total else 0


def _client_shows_progress(server: AlchemyLintServer) -> bool:
    window = server.client_capabilities.window
    return bool(window is not None and window.work_done_progress)
