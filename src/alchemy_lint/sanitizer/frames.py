"""Which frames are the project's own code, and the project's lines in a task's stack.

Frames of the standard library, of installed packages (SQLAlchemy, asyncio, pytest) and of
this plugin are skipped: a finding names the lines a team can change.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from alchemy_lint.sanitizer.findings import Site

#: How many project frames a stack keeps, innermost first: enough to see the call chain.
STACK_DEPTH = 6
_PACKAGE_DIRS = frozenset({"site-packages", "dist-packages"})


class ProjectCode:
    """Tells the project's files from everything else, by path, with a memo per file name."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        plugin = Path(__file__).resolve().parent
        outside = {Path(prefix).resolve() for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix)} | {plugin}
        self._outside = tuple(f"{folder}{os.sep}" for folder in outside)
        self._paths: dict[str, str | None] = {}

    def relative(self, filename: str) -> str | None:
        """The file's path relative to the root when it is project code, else None."""
        try:
            return self._paths[filename]
        except KeyError:
            pass
        shown = self._classify(filename)
        self._paths[filename] = shown
        return shown

    def _classify(self, filename: str) -> str | None:
        if not filename or filename.startswith("<"):
            return None
        path = Path(filename)
        try:
            resolved = path.resolve()
            relative = resolved.relative_to(self.root)
        except (OSError, ValueError):
            return None
        if str(resolved).startswith(self._outside) or _PACKAGE_DIRS.intersection(relative.parts):
            return None
        return relative.as_posix()

    def site(self, frame: FrameType, role: str) -> Site | None:
        shown = self.relative(frame.f_code.co_filename)
        if shown is None:
            return None
        return Site(shown, frame.f_lineno, frame.f_code.co_name, role)

    def innermost(self, frame: FrameType | None, role: str = "call") -> Site | None:
        """The innermost project line of a running stack (the caller of a hook)."""
        while frame is not None:
            found = self.site(frame, role)
            if found is not None:
                return found
            frame = frame.f_back
        return None

    def running_stack(self, frame: FrameType | None, task: asyncio.Task[Any] | None) -> list[Site]:
        """Project lines of the running task, innermost first, stopping at the task's own coroutine
        (further out are the event loop and whatever started it, not this task)."""
        boundary = _coroutine_frame(task.get_coro()) if task is not None else None
        return _stack(self, _walk_back(frame, boundary))

    def suspended_stack(self, task: asyncio.Task[Any]) -> list[Site]:
        """Project lines of a task that waits, innermost first: down its chain of awaits."""
        return _stack(self, reversed(_awaiting_frames(task)))

    def creation(self, task: asyncio.Task[Any]) -> Site | None:
        """Where the task's coroutine was created (gather's argument, create_task's call), when
        coroutine origin tracking was on: the first project line of its origin."""
        origin = getattr(task.get_coro(), "cr_origin", None) or ()
        for filename, line, function in origin:
            shown = self.relative(filename)
            if shown is not None:
                return Site(shown, line, function, "task")
        return None


def current_task() -> asyncio.Task[Any] | None:
    """The running task, or None outside one (no loop, or a loop callback)."""
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None


def _awaiting_frames(task: asyncio.Task[Any]) -> list[FrameType]:
    """The frames of a suspended task, outermost first, down its chain of awaits."""
    frames: list[FrameType] = []
    awaited: object = task.get_coro()
    while awaited is not None:
        frame = _coroutine_frame(awaited)
        if frame is not None:
            frames.append(frame)
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return frames


def _coroutine_frame(awaitable: object) -> FrameType | None:
    frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "gi_frame", None)
    return frame if isinstance(frame, FrameType) else None


def _walk_back(frame: FrameType | None, boundary: FrameType | None) -> Iterator[FrameType]:
    while frame is not None:
        yield frame
        if frame is boundary:
            return
        frame = frame.f_back


def _stack(code: ProjectCode, frames: Iterator[FrameType] | reversed[FrameType]) -> list[Site]:
    sites: list[Site] = []
    for frame in frames:
        site = code.site(frame, "call" if not sites else "caller")
        # A comprehension is a frame of its own on the same line: one line is enough.
        if site is not None and not (sites and (sites[-1].path, sites[-1].line) == (site.path, site.line)):
            sites.append(site)
            if len(sites) == STACK_DEPTH:
                break
    return sites
