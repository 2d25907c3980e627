"""Reading and rewriting Python source files without touching what nobody asked to change.

Keeps the encoding (PEP 263 cookie, BOM) and the line endings; replaces a file atomically.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SourceText:
    """A file's text as Python reads it, with what it takes to write it back byte for byte."""

    text: str
    #: The codec `tokenize.detect_encoding` found; "utf-8-sig" carries the BOM both ways.
    encoding: str

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


def decode_source(data: bytes) -> SourceText:
    """Decode as Python does; raises SyntaxError for a bad cookie, UnicodeDecodeError for bad bytes."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    # bytes.decode keeps "\r\n" and "\r", unlike text-mode reading: the line endings survive.
    return SourceText(data.decode(encoding), encoding)


def read_source(path: Path) -> SourceText:
    return decode_source(path.read_bytes())


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path` and rename it over `path`.

    A crash leaves either the old or the new file, never half of one; a symlink keeps
    pointing at its target, and the target keeps its permission bits and its owner (a fix
    run as root must not hand a user's file to root). A file with other hard links is
    rewritten in place instead: a rename would part it from its other names.
    """
    target = path.resolve()
    status = target.stat()
    if status.st_nlink > 1:
        with open(target, "r+b") as stream:
            stream.write(data)
            stream.truncate()
            stream.flush()
            os.fsync(stream.fileno())
        return
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        _keep_owner(temporary, status)  # first: a change of owner clears the set-id bits
        os.chmod(temporary, stat.S_IMODE(status.st_mode))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _keep_owner(temporary: str, status: os.stat_result) -> None:
    if not hasattr(os, "chown") or (status.st_uid, status.st_gid) == (os.geteuid(), os.getegid()):
        return
    # Only root may give a file away; anyone else rewrites what they may write as theirs.
    with contextlib.suppress(PermissionError):
        os.chown(temporary, status.st_uid, status.st_gid)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def python_lines(text: str) -> list[str]:
    """The lines of `text` with their endings, as Python numbers them.

    `str.splitlines` also breaks at form feeds and other separators that Python's tokenizer
    reads as whitespace; line numbers from `ast` and `tokenize` count only CR, LF and CRLF.
    """
    return _LINE.findall(text)
