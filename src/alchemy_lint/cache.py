"""The on-disk cache of per-file facts and findings: one pickle file per entry.

Keys are digests of content (never mtimes). Every entry carries a digest of its key and payload,
checked before anything is unpickled: a missing, damaged or foreign entry is a miss and is rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import time
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import TypeVar

from alchemy_lint import __version__
from alchemy_lint.collector import making_kept_objects

#: The folder at the project root; `ALCHEMY_LINT_CACHE_DIR` moves it, `ALCHEMY_LINT_NO_CACHE=1` turns it off.
CACHE_DIR_NAME = ".alchemy_lint_cache"
CACHE_DIR_ENV = "ALCHEMY_LINT_CACHE_DIR"
NO_CACHE_ENV = "ALCHEMY_LINT_NO_CACHE"


def layout_digest(*classes: type) -> str:
    """A digest of the pickled shape of these classes: every field's name and annotation, so that a
    change of shape can never load an old entry into the new fields."""
    parts: list[str] = []
    for cls in classes:
        if is_dataclass(cls):
            names = [f"{item.name}={item.type}" for item in fields(cls)]
        elif issubclass(cls, tuple) and hasattr(cls, "_fields"):  # a named tuple
            names = list(cls._fields)
        else:
            names = [f"{name}={kind}" for name, kind in cls.__annotations__.items()]
        parts.append(cls.__name__ + ":" + ",".join(names))
    return hashlib.blake2b("|".join(parts).encode(), digest_size=6).hexdigest()


def facts_layout() -> str:
    """`layout_digest` of every facts and findings type (their dataclasses and named tuples),
    and of the outlines packed from the facts."""
    from alchemy_lint import findings
    from alchemy_lint.facts import model, values
    from alchemy_lint.index import outline

    classes: list[type] = []
    for module in (model, values, findings, outline):
        for _, item in sorted(vars(module).items()):
            if not isinstance(item, type):
                continue
            if (is_dataclass(item) and item.__module__ == module.__name__) or (
                issubclass(item, tuple) and hasattr(item, "_fields")
            ):
                classes.append(item)
    return layout_digest(*classes)


#: `facts_layout()`, written out: a run answered from the cache then imports no facts types
#: (a tenth of a second of start-up). tests/test_cache.py computes it again and fails, naming
#: the new value, when a facts or findings type changes shape.
FACTS_LAYOUT = "74665cd1de5c"
#: Changes whenever the pickled shape of facts or findings changes, or the entries' format
#: (2: an integrity check before the payload; 3: that check made with sha256).
SCHEMA = "3-" + FACTS_LAYOUT
#: How many entries a pack (the outlines, the prefilter's imports, the manifest of file statuses)
#: may lack or hold stale before it is written again: a few small reads cost less than writing
#: the whole pack after every edit.
STALE_ENTRIES_TOLERATED = 16
#: The integrity check at the head of every entry: sha256 of the key and the payload, truncated.
CHECK_SIZE = 16
#: A temporary file this old is stale even if its writer's process id is alive again (reused).
STALE_TEMPORARY_SECONDS = 3600

T = TypeVar("T")


def digest(*parts: str | bytes) -> str:
    """A short hex digest of the parts, each length-prefixed so that boundaries count."""
    hasher = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


def content_digest(source: bytes) -> str:
    # sha256 runs in hardware on current CPUs: twice blake2b's speed over a warm run's reads.
    return hashlib.sha256(source).hexdigest()[:40]


def cache_disabled_by_environment() -> bool:
    return os.environ.get(NO_CACHE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def cache_folder_for(project_root: Path) -> Path:
    configured = os.environ.get(CACHE_DIR_ENV, "").strip()
    return Path(configured).expanduser() if configured else project_root / CACHE_DIR_NAME


@dataclass(slots=True)
class CacheStats:
    """What the cache did in this process; the engine reports it with `--profile`."""

    hits: int = 0
    misses: int = 0
    corrupt: int = 0
    writes: int = 0
    write_errors: int = 0


def entry_check(key: str, payload: bytes) -> bytes:
    # sha256 runs in hardware on current CPUs: the 4.7 MB outline pack of a 1,762-file project
    # is checked in 2.6 ms, where blake2b took 5.0 ms of every one-file check.
    hasher = hashlib.sha256(b"alchemy-lint\0")
    hasher.update(key.encode("ascii", "replace"))
    hasher.update(payload)
    return hasher.digest()[:CHECK_SIZE]


class Cache:
    """Entries under `folder/v<schema>-<version>-<python>/<kind>/<xx>/<key>.pickle`.

    An entry is `entry_check(key, payload) + payload`, the payload a pickle: a flipped bit
    anywhere fails the check, and the entry is rebuilt instead of read. Every write goes to a
    temporary file `tmp/.<pid>.<random>.tmp` and is renamed over the entry, so processes that
    read and write at once (flake8 -j) only ever see whole entries; the temporary files of a
    process that was killed are removed by `remove_stale_temporaries`.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # The parser is the running Python's: 3.12 parses code 3.11 reports as ASA001.
        interpreter = f"{sys.implementation.name}{sys.version_info[0]}{sys.version_info[1]}"
        self.root = folder / f"v{SCHEMA}-{__version__}-{interpreter}"
        self._root_text = str(self.root)
        self.temporary_folder = self.root / "tmp"
        self.stats = CacheStats()

    @classmethod
    def for_project(cls, project_root: Path) -> Cache:
        return cls(cache_folder_for(project_root))

    def entry_path(self, kind: str, key: str) -> Path:
        return Path(self._entry_text(kind, key))

    def _entry_text(self, kind: str, key: str) -> str:
        # Plain strings: on a warm run this is done once per file, and pathlib costs more than the read.
        return os.path.join(self._root_text, kind, key[:2], f"{key}.pickle")

    def load(self, kind: str, key: str, expected: type[T]) -> T | None:
        try:
            with open(self._entry_text(kind, key), "rb") as stream:
                data = stream.read()
        except OSError:
            self.stats.misses += 1
            return None
        value = _verified_value(key, data)
        if not isinstance(value, expected):
            self.stats.corrupt += 1
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        return value

    def store(self, kind: str, key: str, value: object) -> bytes | None:
        """Write `value` as the entry; returns its pickle (what `pickle.loads` turns back into
        `value`, written or not), or None when it does not pickle."""
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, RecursionError):
            self.stats.write_errors += 1
            return None
        path = self.entry_path(kind, key)
        try:
            self._ensure_folder(path.parent)
            _write_atomically(path, entry_check(key, payload) + payload, self.temporary_folder)
        except OSError:
            # A read-only checkout or a full disk must not fail the run.
            self.stats.write_errors += 1
        else:
            self.stats.writes += 1
        return payload

    def remove_stale_temporaries(self) -> int:
        """Remove the temporary files of writers that died (a killed run, a killed worker).

        A file whose writer still runs is left alone; one older than an hour is stale whatever
        its name says. Returns how many were removed.
        """
        removed = 0
        now = time.time()
        for folder in (self.temporary_folder, self.folder):
            try:
                candidates = [entry for entry in os.scandir(folder) if entry.name.endswith(".tmp")]
            except OSError:
                continue
            for entry in candidates:
                try:
                    old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMPORARY_SECONDS
                except OSError:
                    continue
                if old or not _writer_alive(entry.name):
                    removed += _remove_quietly(entry.path)
        return removed

    def _ensure_folder(self, folder: Path) -> None:
        if folder.is_dir():
            return
        fresh = not self.folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        self.temporary_folder.mkdir(exist_ok=True)
        if fresh:
            _write_quietly(self.folder / ".gitignore", "# Created by alchemy-lint: this folder is a cache.\n*\n")
            _write_quietly(
                self.folder / "CACHEDIR.TAG",
                "Signature: 8a477f597d28d172789f06886806bc55\n# alchemy-lint cache: safe to delete.\n",
            )


def _verified_value(key: str, data: bytes) -> object:
    """The unpickled payload of an entry whose check holds; None for anything else."""
    payload = data[CHECK_SIZE:]
    if len(data) <= CHECK_SIZE or data[:CHECK_SIZE] != entry_check(key, payload):
        return None
    try:
        with making_kept_objects():
            return pickle.loads(payload)
    except Exception:  # a payload we wrote ourselves that no longer loads (a changed class)
        return None


def _temporary_prefix() -> str:
    return f".{os.getpid()}."


def _writer_alive(name: str) -> bool:
    """Whether the process that named this temporary file (`.<pid>.<random>.tmp`) still runs."""
    try:
        pid = int(name.split(".")[1])
    except (IndexError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, but another user's
        return True
    return True


#: Every folder this process made a temporary file in, for `remove_own_temporaries`.
_temporary_folders: set[Path] = set()


def remove_own_temporaries() -> int:
    """Remove this process's temporary files: on the way out of an interrupted run, where
    Ctrl-C may land after `_new_temporary` made one and before the write that would remove it began.
    Only when no write of this process can still be going on. Returns how many were removed."""
    mine = _temporary_prefix()
    removed = 0
    for folder in _temporary_folders:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if entry.name.startswith(mine) and entry.name.endswith(".tmp"):
                    removed += _remove_quietly(entry.path)
    return removed


def _write_atomically(path: Path, data: bytes, temporary_folder: Path) -> None:
    _temporary_folders.add(temporary_folder)
    handle, temporary = _new_temporary(temporary_folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        _remove_quietly(temporary)
        raise


#: Names to try before giving up on a temporary file (as `tempfile.TMP_MAX`).
TEMPORARY_ATTEMPTS = 10_000
#: Flags of a temporary file: created here and now, written only, never through a link.
_TEMPORARY_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def _new_temporary(folder: Path) -> tuple[int, str]:
    """A new file in `folder`, named `.<pid>.<random>.tmp` and open for writing, as
    `tempfile.mkstemp` makes it; without importing `tempfile`, which brings `random`, `shutil`,
    `bz2` and `lzma` to every run that writes an entry (5 ms of a one-file check's start)."""
    prefix = os.path.join(folder, _temporary_prefix())
    for _ in range(TEMPORARY_ATTEMPTS):
        name = f"{prefix}{os.urandom(6).hex()}.tmp"
        try:
            return os.open(name, _TEMPORARY_FLAGS, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary file name in {folder}")


def _write_quietly(path: Path, text: str) -> None:
    with contextlib.suppress(OSError):
        _write_atomically(path, text.encode("utf-8"), path.parent)


def _remove_quietly(path: str) -> int:
    try:
        os.unlink(path)
    except OSError:
        return 0
    return 1
