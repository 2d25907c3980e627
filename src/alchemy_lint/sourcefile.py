"""Reading and rewriting Python source files without touching what nobody asked to change.

Keeps the encoding (PEP 263 cookie, BOM) and the line endings; replaces a file atomically.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import tokenize
from pathlib import Path

from alchemy_lint.records import record


@record
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


#: Far above any real source file: of 23,678 in bench/reliability.md (seven applications, the
#: standard library, site-packages) the largest, a generated table, has 4 MB. A bigger
#: "source" is data, or a link to something endless, and would cost gigabytes to parse.
MAX_SOURCE_BYTES = 32 * 1024 * 1024


class NotASourceFile(OSError):
    """Not something to parse: a FIFO, a device, a folder, or a file over `MAX_SOURCE_BYTES`."""


def read_bounded(path: Path | str) -> bytes:
    """The bytes of a regular file of at most `MAX_SOURCE_BYTES`; raises OSError otherwise.

    Opened without blocking, so a FIFO named `*.py` is reported instead of waiting for a
    writer forever, and never read past the bound, so a link to `/dev/zero` costs nothing.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags)
    with open(descriptor, "rb", closefd=True) as stream:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotASourceFile(f"not a regular file ({_file_kind(status.st_mode)})")
        # The size may change while we read: the bound holds for the bytes read too. Asking
        # for the size (and one byte, to see growth) first, not for the bound: a read
        # allocates what it is asked for, and 32 MB per file cost more than the reading.
        data = b"" if status.st_size > MAX_SOURCE_BYTES else stream.read(status.st_size + 1)
        if len(data) > status.st_size:
            data += stream.read(MAX_SOURCE_BYTES + 1 - len(data))
    if status.st_size > MAX_SOURCE_BYTES or len(data) > MAX_SOURCE_BYTES:
        raise NotASourceFile(f"larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB")
    return data


def _file_kind(mode: int) -> str:
    kinds = {
        stat.S_ISDIR: "a folder",
        stat.S_ISFIFO: "a FIFO",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISSOCK: "a socket",
    }
    return next((name for test, name in kinds.items() if test(mode)), "a special file")


def read_error_text(error: OSError) -> str:
    """`cannot read: ...` for ASA001, in the words of the system (or of `read_bounded`)."""
    if isinstance(error, NotASourceFile):
        return f"cannot read: {error}"
    return f"cannot read: {error.strerror or error}"


def read_source_text(path: Path) -> SourceText:
    return decode_source(read_bounded(path))


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
    import tempfile  # with shutil, bz2 and lzma: only where a fix writes

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
