"""The server's end of stdio: LSP framing read strictly, every request answered, one-line logs.

pygls's own loop answers nothing to a request whose params it cannot read, nothing after
`shutdown`, and loses its place for good after a malformed header. Here a malformed header ends
the server (nothing after it can be trusted to start a message), a body that is no JSON-RPC
gets the JSON-RPC error, and the protocol's stdout is kept for messages only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
import threading
from typing import Any, BinaryIO, Protocol

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import JsonRPCProtocol

from alchemy_lint.lsp.worker import post

#: Larger than any buffer an editor sends (a 200,000-line file is about 8 MB), small enough to allocate.
MAX_CONTENT_LENGTH = 256 * 1024 * 1024
MAX_HEADER_LINE = 4096
_CONTENT_LENGTH = re.compile(rb"\s*(\d{1,12})\s*")
_END_OF_INPUT = None

_log = logging.getLogger("alchemy_lint.lsp")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602


class FramingError(Exception):
    """The input is not LSP's `Content-Length` framing: where the next message starts is lost."""


class FdReader:
    """Lines and blocks from a file descriptor, through `os.read` only.

    The reading thread is a daemon; blocked in a buffered reader it would hold that reader's
    lock when the interpreter exits, which aborts the process ("could not acquire lock").
    """

    CHUNK = 65536

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = bytearray()
        self._ended = False

    def _fill(self) -> bool:
        if self._ended:
            return False
        data = os.read(self._fd, self.CHUNK)
        if not data:
            self._ended = True
            return False
        self._buffer += data
        return True

    def readline(self, limit: int) -> bytes:
        while True:
            end = self._buffer.find(b"\n", 0, limit)
            if end >= 0:
                return self._take(end + 1)
            if len(self._buffer) >= limit or not self._fill():
                return self._take(min(limit, len(self._buffer)))

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size and self._fill():
            pass
        return self._take(min(size, len(self._buffer)))

    def _take(self, size: int) -> bytes:
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


class LineSource(Protocol):
    def readline(self, limit: int, /) -> bytes: ...

    def read(self, size: int, /) -> bytes: ...


def read_body(stream: LineSource) -> bytes | None:
    """The body of the next message; None at the end of the input. Raises FramingError."""
    length: int | None = None
    in_header = False
    while True:
        line = stream.readline(MAX_HEADER_LINE)
        if not line:
            if in_header:
                raise FramingError("the input ended inside a message header")
            return None
        if not line.endswith(b"\n"):
            raise FramingError(f"a header line longer than {MAX_HEADER_LINE} bytes")
        if not line.strip():
            if not in_header:
                continue  # stray line ends between messages
            if length is None:
                raise FramingError("a message without a Content-Length header")
            break
        in_header = True
        name, colon, value = line.partition(b":")
        if not colon:
            raise FramingError(f"a malformed header line {_shown(line)}")
        if name.strip().lower() == b"content-length":
            match = _CONTENT_LENGTH.fullmatch(value)
            if match is None:
                raise FramingError(f"a malformed Content-Length {_shown(value)}")
            length = int(match.group(1))
            if length > MAX_CONTENT_LENGTH:
                raise FramingError(f"a Content-Length of {length} bytes, over the limit of {MAX_CONTENT_LENGTH}")
    body = stream.read(length)
    if len(body) < length:
        raise FramingError("the input ended inside a message")
    return body


def _shown(data: bytes) -> str:
    return repr(data.strip()[:60].decode("ascii", errors="replace"))


class MessageReader:
    """Reads message bodies on a daemon thread (a blocked read must not keep the process alive)."""

    def __init__(self, stream: LineSource, loop: asyncio.AbstractEventLoop) -> None:
        self._queue: asyncio.Queue[bytes | FramingError | None] = asyncio.Queue()
        self._stream = stream
        self._loop = loop
        threading.Thread(target=self._run, name="alchemy-lint-stdin", daemon=True).start()

    async def next(self) -> bytes | None:
        """The next body; None at the end of the input. Raises FramingError."""
        item = await self._queue.get()
        if isinstance(item, FramingError):
            raise item
        return item

    def _run(self) -> None:
        while True:
            try:
                body = read_body(self._stream)
            except FramingError as error:
                post(self._loop, self._queue.put_nowait, error)
                return
            except (OSError, ValueError) as error:  # stdin closed under us
                post(self._loop, self._queue.put_nowait, FramingError(f"cannot read stdin: {error}"))
                return
            post(self._loop, self._queue.put_nowait, body)
            if body is None:
                return


class Dispatcher:
    """Hands each message to pygls, and answers what pygls would leave unanswered."""

    def __init__(self, protocol: JsonRPCProtocol, is_shut_down: Any) -> None:
        self.protocol = protocol
        self._is_shut_down = is_shut_down

    def dispatch(self, body: bytes) -> int | None:
        """Handle one message; the exit code once the client sent `exit`."""
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            self.answer_error(None, PARSE_ERROR, f"the message is not JSON: {error}")
            return None
        if not isinstance(data, dict) or data.get("jsonrpc") != "2.0":
            self.answer_error(_request_id(data), INVALID_REQUEST, "the message is not a JSON-RPC 2.0 object")
            return None
        method = data.get("method")
        is_request = "id" in data and isinstance(method, str)
        if self._is_shut_down() and method != types.EXIT:
            if is_request:
                self.answer_error(data["id"], INVALID_REQUEST, f"{method}: the server is shut down")
            return None
        try:
            message = self.protocol.structure_message(data)
        except JsonRpcException as error:
            if is_request:
                self.answer_error(data["id"], INVALID_PARAMS, f"invalid params for {method}: {error.message}")
            else:
                _log.warning("ignored %s: its params are invalid", method or "a message")
            return None
        try:
            self.protocol.handle_message(message)
        except SystemExit as exit_request:
            return exit_request.code if isinstance(exit_request.code, int) else 1
        return None

    def answer_error(self, request_id: Any, code: int, message: str) -> None:
        _log.warning("%s", message)
        if request_id is None and code != PARSE_ERROR and code != INVALID_REQUEST:
            return
        # As a plain object: pygls's converter would drop an `"id": null`, which JSON-RPC requires here.
        response = {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
        self.protocol._send_data(response)


def _request_id(data: Any) -> Any:
    if isinstance(data, dict):
        identifier = data.get("id")
        if isinstance(identifier, int | str):
            return identifier
    return None


async def serve_messages(reader: MessageReader, dispatcher: Dispatcher) -> int:
    """Dispatch messages until `exit` (its code) or the end of the input (1, as LSP asks)."""
    while True:
        try:
            body = await reader.next()
        except FramingError as error:
            _log.error("stopping: %s", error)
            return 1
        if body is _END_OF_INPUT:
            return 1
        code = dispatcher.dispatch(body)
        if code is not None:
            return code


def protocol_streams() -> tuple[LineSource, BinaryIO]:
    """stdin, and a private copy of stdout for messages; fd 1 then points at stderr.

    A stray print (ours, a library's, a worker process's) would corrupt the protocol; now it
    lands in the editor's log instead.
    """
    stdin = FdReader(sys.stdin.fileno())
    sys.stdout.flush()
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return stdin, out


class OneLineFormatter(logging.Formatter):
    """`alchemy-lint: message`: the first line only, an exception as its type and text, no traceback."""

    def format(self, record: logging.LogRecord) -> str:
        lines = record.getMessage().splitlines()
        text = lines[0] if lines else ""
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            detail = str(error).splitlines()
            text = f"{text}: {type(error).__name__}" + (f": {detail[0]}" if detail else "")
        return f"alchemy-lint: {text}"


def log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
