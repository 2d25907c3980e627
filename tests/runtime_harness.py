"""Run one example project against real SQLAlchemy + aiosqlite and report what it raised.

Usage: python runtime_harness.py PROJECT_ROOT MODULE. Builds the example's tables in an
in-memory database, inserts two rows per table, calls the module's first public `async def`
with a session from a factory on that engine (expire_on_commit=False: the example's own
factories decide otherwise), or, for a FastAPI route (parameters filled by `Depends`), sends it
one request through a FastAPI application, and prints JSON: the exception's name and the example line it
was raised on, or nulls when the call ran clean. Runs in its own process so every example
gets fresh modules and a fresh mapper registry.

`python runtime_harness.py --serve` runs examples on request (`serve`), each in a fork of one
process that imported SQLAlchemy once: the suite runs some 1,000 of them per Python.
"""

from __future__ import annotations

import asyncio
import datetime
import gc
import importlib
import inspect
import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Float, Integer, MetaData, String
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool


def _value(column: Column[Any], number: int) -> object:
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return number
    if isinstance(kind, Float):
        return float(number)
    if isinstance(kind, DateTime):
        return datetime.datetime(2024, 1, number)
    if isinstance(kind, String):
        return f"{column.table.name}-{number}"
    return number


def _metadata(root: Path) -> list[MetaData]:
    found: list[MetaData] = []
    # The example's modules were imported from `root` on `sys.path`: their file names start with
    # it. The string test first spares a `resolve` (a system call per folder of the name) for each
    # of the hundreds of SQLAlchemy, FastAPI and pydantic modules already loaded.
    prefix = str(root)
    for module in list(sys.modules.values()):
        location = getattr(module, "__file__", None)
        if not location or not location.startswith(prefix) or not Path(location).resolve().is_relative_to(root):
            continue
        for value in vars(module).values():
            table = getattr(value, "__table__", None)
            metadata = getattr(table, "metadata", None)
            if isinstance(metadata, MetaData) and all(metadata is not seen for seen in found):
                found.append(metadata)
    return found


def _root_cause(error: BaseException) -> str:
    """SQLAlchemy wraps driver-level errors in StatementError; name the error it wraps."""
    wrapped = getattr(error, "orig", None)
    return type(wrapped if isinstance(wrapped, BaseException) else error).__name__


def _engine() -> AsyncEngine:
    try:
        database = importlib.import_module("app.db")
    except ImportError:
        database = None
    engine = getattr(database, "engine", None)
    if isinstance(engine, AsyncEngine):
        return engine
    return create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)


def _entry(module: Any) -> Any:
    functions = [
        value
        for value in vars(module).values()
        if inspect.iscoroutinefunction(value)
        and value.__module__ == module.__name__
        and not value.__name__.startswith("_")
    ]
    return min(functions, key=lambda function: function.__code__.co_firstlineno)


def _arguments(entry: Any, engine: AsyncEngine) -> tuple[dict[str, object], list[AsyncSession]]:
    arguments: dict[str, object] = {}
    sessions: list[AsyncSession] = []
    for name, parameter in inspect.signature(entry, eval_str=True).parameters.items():
        annotation = parameter.annotation
        if inspect.isclass(annotation) and issubclass(annotation, AsyncSession):
            session = async_sessionmaker(engine, class_=annotation, expire_on_commit=False)()
            sessions.append(session)
            arguments[name] = session
        elif annotation is bool:
            arguments[name] = False
        elif annotation is str:
            arguments[name] = "renamed"
        else:
            arguments[name] = 1
    return arguments, sessions


def _takes_dependencies(entry: Any) -> bool:
    """A FastAPI route: some parameter is filled by `Depends(...)`, so FastAPI must call it."""
    try:
        from fastapi import params
    except ImportError:
        return False
    for parameter in inspect.signature(entry, eval_str=True).parameters.values():
        metadata = getattr(parameter.annotation, "__metadata__", ())  # Annotated[X, Depends(p)]
        if any(isinstance(item, params.Depends) for item in (parameter.default, *metadata)):
            return True
    return False


async def _serve(entry: Any) -> None:
    """One request to the route, through a real FastAPI application: FastAPI resolves the
    dependencies (one call of each provider per request) and the route's error propagates."""
    import httpx
    from fastapi import FastAPI

    app = FastAPI()
    app.add_api_route("/", entry, methods=["POST"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://example") as client:
        response = await client.post("/")
        response.raise_for_status()


async def _run(root: Path, module_name: str) -> dict[str, object]:
    module = importlib.import_module(module_name)
    engine = _engine()
    async with engine.begin() as connection:
        for metadata in _metadata(root):
            await connection.run_sync(metadata.create_all)
            for table in metadata.sorted_tables:
                rows = [{column.name: _value(column, number) for column in table.columns} for number in (1, 2)]
                await connection.execute(table.insert(), rows)
    entry = _entry(module)
    served = _takes_dependencies(entry)
    arguments, sessions = ({}, []) if served else _arguments(entry, engine)
    outcome: dict[str, object] = {"error": None, "line": None, "message": None}
    try:
        await (_serve(entry) if served else entry(**arguments))
    except Exception as error:
        source = str(Path(module.__file__ or "").resolve())
        lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == source]
        outcome = {"error": _root_cause(error), "line": lines[-1] if lines else None, "message": str(error)[:300]}
    finally:
        for session in sessions:
            await session.close()
        await engine.dispose()
    return outcome


def main() -> None:
    if sys.argv[1:] == ["--serve"]:
        serve()
        return
    run_one(Path(sys.argv[1]), sys.argv[2])


def run_one(root: Path, module_name: str) -> None:
    root = root.resolve()
    sys.path.insert(0, str(root))
    print(json.dumps(asyncio.run(_run(root, module_name))))


#: What every example imports: loaded once by `serve`, before it forks.
_WARM_MODULES = ("aiosqlite", "sqlalchemy.orm", "sqlalchemy.dialects.sqlite.aiosqlite", "fastapi", "httpx")
#: Seconds an example may run before its process is stopped.
TIMEOUT = 120


def serve() -> None:
    """`--serve`: one example per line of standard input (JSON: root, module, and the files its
    standard output and error go to), each run in a fork of this process, which imported SQLAlchemy
    once; answers each with a line (JSON: the example process's exit code). The fork has fresh
    modules and a fresh mapper registry as a new process has: none of the example's is loaded
    here, and no thread runs here to fork with."""
    for name in _WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    # What was imported stays out of the collector's walks: a fork's collections then leave these
    # objects' pages shared with this process instead of copying them (fewer page faults per fork).
    gc.freeze()
    for line in sys.stdin:
        request = json.loads(line)
        child = os.fork()
        if child == 0:
            _run_forked(request)
        _, status = os.waitpid(child, 0)
        print(json.dumps({"id": request.get("id"), "status": os.waitstatus_to_exitcode(status)}), flush=True)


def _run_forked(request: dict[str, str]) -> None:
    code = 1
    try:
        for descriptor, target in ((1, request["stdout"]), (2, request["stderr"])):
            opened = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(opened, descriptor)
            os.close(opened)
        signal.alarm(TIMEOUT)
        run_one(Path(request["root"]), request["module"])
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    main()
