"""Run-once contexts: the functions of a project that run once per process, and why.

A script's `main()` under `asyncio.run`, an ASGI lifespan or startup handler, an application
factory, a CLI command, a pytest fixture, an Alembic migration step, a memoised builder, and
whatever is called only from those (or at import). Where code runs is asked by every rule that
cares (ASA102, ASA105, ASA202, ASA502): they share this one answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

from alchemy_lint.facts.invocations import APPLIED, LIFESPAN_HOOKS
from alchemy_lint.facts.model import FileFacts, Invocation, InvocationKind
from alchemy_lint.facts.values import Origin, StepKind
from alchemy_lint.records import record

if TYPE_CHECKING:
    from alchemy_lint.index.project import ProjectIndex


class RunContext(str, Enum):
    """Why a function runs once."""

    #: Called while the module is imported.
    IMPORT = "called at import"
    #: Run by a script: under `if __name__ == "__main__":`, or handed to `asyncio.run`/`anyio.run`.
    SCRIPT = "run by a script"
    #: An ASGI lifespan or startup handler (FastAPI, Starlette, Litestar, aiohttp, Quart, Sanic).
    LIFESPAN = "a lifespan or startup handler"
    #: Builds the ASGI/WSGI application (`FastAPI(...)` inside `create_app()`).
    APP_FACTORY = "an application factory"
    #: A click or typer command.
    CLI = "a command-line command"
    #: `@lru_cache` / `@cache`: runs once per set of arguments.
    MEMOISED = "a memoised builder"
    #: A pytest fixture.
    FIXTURE = "a pytest fixture"
    #: `upgrade()` / `downgrade()` of an Alembic migration.
    MIGRATION = "an Alembic migration step"


#: Contexts in which a process serves requests afterwards: what is kept there is shared by them.
SERVING = frozenset({RunContext.IMPORT, RunContext.LIFESPAN, RunContext.APP_FACTORY, RunContext.MEMOISED})

#: Calls that run the callable handed to them once, as a program (`anyio.run(main)`).
_RUNNERS = frozenset({"asyncio.run", "anyio.run", "trio.run", "uvloop.run", "typer.run", "asyncio.runners.run"})
#: Decorators that register a startup hook by their own name (`@app.before_serving`).
_HOOK_DECORATORS = frozenset({"on_startup", "before_serving", "before_server_start", "after_startup", "lifespan"})
#: Decorators that register one by an event name (`@app.on_event("startup")`, Sanic's `@app.listener(...)`).
_EVENT_DECORATORS = frozenset({"on_event", "listener"})
_MEMOISERS = frozenset(
    {
        "functools.lru_cache",
        "functools.cache",
        "async_lru.alru_cache",
        "cachetools.func.lru_cache",
        "cachetools.func.ttl_cache",
        "aiocache.cached",
    }
)
_CLI_LIBRARIES = ("click.", "asyncclick.", "typer.", "cyclopts.", "rich_click.")
_CLI_DECORATORS = frozenset({"command", "group", "callback"})
#: Classes whose construction makes a web application: the function that builds one is its factory.
_APPLICATIONS = frozenset(
    {
        "fastapi.FastAPI",
        "fastapi.applications.FastAPI",
        "starlette.applications.Starlette",
        "litestar.Litestar",
        "litestar.app.Litestar",
        "quart.Quart",
        "flask.Flask",
        "aiohttp.web.Application",
        "aiohttp.web_app.Application",
        "sanic.Sanic",
        "faststream.FastStream",
    }
)
#: Handing a class to these inspects it; it does not make instances.
_INSPECTORS = frozenset({"isinstance", "issubclass", "typing.cast", "typing.get_type_hints", "dataclasses.fields"})
_MIGRATION_STEPS = frozenset({"upgrade", "downgrade"})
_MIGRATION_MARKERS = ("revision", "down_revision")


class RunOnceFunction(NamedTuple):
    """What the run-once analysis reads of a function (the outline of a file keeps these, so
    that the analysis runs without the files' full facts)."""

    qualname: str
    name: str
    decorators: tuple[str, ...]
    decorator_arguments: tuple[str, ...]
    fixture: str | None
    invocations: tuple[Invocation, ...]


#: What the run-once analysis reads of a file: its module-level invocations and its functions.
RunOnceInputs = tuple[tuple[Invocation, ...], tuple[RunOnceFunction, ...]]


def run_once_inputs(facts: FileFacts) -> RunOnceInputs:
    functions = tuple(
        RunOnceFunction(f.qualname, f.name, f.decorators, f.decorator_arguments, f.fixture, f.invocations)
        for f in facts.functions
    )
    return facts.invocations, functions


@record
class _Site:
    """Where a function is called from: a caller function, or the module itself (None)."""

    caller: str | None
    contexts: frozenset[RunContext] = frozenset()


class RunOnce:
    """The run-once functions of a project, computed once per index as a least fixpoint: a
    function runs once when it is an entry of its own, or when every call of it is made (outside
    loops) at import or from a function that runs once, and it is handed nowhere as a callback."""

    def __init__(self, index: ProjectIndex, known: dict[str, frozenset[RunContext]] | None = None) -> None:
        """`known`: the contexts computed before over the same inputs (the engine's cache)."""
        self.index = index
        self._contexts: dict[str, frozenset[RunContext]] = {}
        self._callers: dict[str, tuple[str, ...]] | None = None
        self._argued_callers: dict[str, tuple[str, ...]] = {}
        #: Coroutine functions some call hands to a runner (`asyncio.run(job(url))`): each run has
        #: an event loop of its own, and an engine made there serves that loop only.
        self._own_loops: set[str] = set()
        if known is not None:
            self._contexts = known
        else:
            self._compute()

    @property
    def by_function(self) -> dict[str, frozenset[RunContext]]:
        """Every function that runs once, with why: what the engine caches."""
        return self._contexts

    def contexts(self, qualname: str | None) -> frozenset[RunContext]:
        """Why the function runs once; empty when nothing shows that it does."""
        if qualname is None:
            return frozenset()
        return self._contexts.get(qualname, frozenset())

    def runs_once(self, qualname: str | None) -> bool:
        return bool(self.contexts(qualname))

    def callers(self, qualname: str, *, argued: bool = False) -> tuple[str, ...]:
        """The project functions that call `qualname` and call what it returns at once
        (`self._session_factory()()`: nothing keeps it), in path order: read off every file's
        run-once inputs the first time it is asked (a rare question: only a builder that returns
        a session factory asks it). With `argued`, also those that hold what a call given
        arguments returns in a local name and call that (`pool = make(url)`, then `pool()`),
        unless a runner runs them in an event loop of their own."""
        if self._callers is None:
            index = self.index
            found: dict[str, dict[str, None]] = {}
            argued_found: dict[str, dict[str, None]] = {}
            for path in sorted(index.outlines):
                for function in index.run_once_inputs(path)[1]:
                    for invocation in function.invocations:
                        if invocation.kind is not InvocationKind.CALL:
                            continue
                        if invocation.script:
                            self._own_loops.update(self._callees(invocation))
                        if invocation.result_called or invocation.result_argued:
                            into = found if invocation.result_called else argued_found
                            for callee in self._callees(invocation):
                                into.setdefault(callee, {})[function.qualname] = None
            self._callers = {callee: tuple(names) for callee, names in found.items()}
            self._argued_callers = {callee: tuple(names) for callee, names in argued_found.items()}
        plain = self._callers.get(qualname, ())
        if not argued:
            return plain
        # (Not a coroutine run in a loop of its own: its engine cannot outlive the loop, so each
        # run must make one; `asyncio.run(job(url))` in a worker's task is how that is done.)
        argued_only = [caller for caller in self._argued_callers.get(qualname, ()) if caller not in self._own_loops]
        return tuple(dict.fromkeys((*plain, *argued_only)))

    # -- the fixpoint --------------------------------------------------------------

    def _compute(self) -> None:
        index = self.index
        sites: dict[str, list[_Site]] = {}
        callback: set[str] = set()
        entries: dict[str, set[RunContext]] = {}
        #: The nested functions each function returns, and the results of calls handed on.
        returned: dict[str, list[str]] = {}
        results_handed: list[Invocation] = []
        #: The calls and callbacks test code makes (see `_tests_call`).
        test_sites: dict[str, list[_Site]] = {}
        test_callback: set[str] = set()
        for path in sorted(index.outlines):
            facts = index.outlines[path].merged
            invocations, functions = index.run_once_inputs(path)
            in_tests = index.is_test_module(path)
            calls, callbacks = (test_sites, test_callback) if in_tests else (sites, callback)
            for invocation in invocations:
                if invocation.kind is InvocationKind.HANDED and invocation.result_handed:
                    results_handed.append(invocation)
                else:
                    self._edge(invocation, None, calls, callbacks, entries)
            migration = all(marker in facts.exports for marker in _MIGRATION_MARKERS)
            for function in functions:
                entry = set(self._entry_contexts(function))
                if (
                    migration
                    and function.name in _MIGRATION_STEPS
                    and function.qualname == f"{facts.module}.{function.name}"
                ):
                    entry.add(RunContext.MIGRATION)
                if entry:
                    entries.setdefault(function.qualname, set()).update(entry)
                for invocation in function.invocations:
                    if invocation.kind is InvocationKind.RETURNED:
                        returned.setdefault(function.qualname, []).append(invocation.target)
                    elif invocation.kind is InvocationKind.HANDED and invocation.result_handed:
                        results_handed.append(invocation)
                    else:
                        self._edge(invocation, function.qualname, calls, callbacks, entries)
        for invocation in results_handed:
            # `add_event_handler("startup", startup_app(app))`: the hook is the closure returned.
            context = self._handed_context(invocation)
            for builder in self._callees(invocation):
                for closure in returned.get(builder, ()):
                    if context is not None:
                        entries.setdefault(closure, set()).add(context)
                    else:
                        callback.add(closure)
        self._tests_call(sites, callback, test_sites, test_callback)
        self._contexts = _derive({name: frozenset(found) for name, found in entries.items()}, sites, callback)

    def _tests_call(
        self,
        sites: dict[str, list[_Site]],
        callback: set[str],
        test_sites: dict[str, list[_Site]],
        test_callback: set[str],
    ) -> None:
        """Tests call the application's functions on their own (`await auto_install()` in a
        test, a mock handed on): how often the application runs a function of its own that the
        application calls too is what its own code says. Test code's calls count for test code,
        and for what only tests call."""
        index = self.index
        applied = set(sites)

        def counted(callee: str) -> bool:
            return callee not in applied or index.is_test_module(index.function_paths.get(callee, ""))

        for callee, found in test_sites.items():
            if counted(callee):
                sites.setdefault(callee, []).extend(found)
        callback.update(callee for callee in test_callback if counted(callee))

    def _edge(
        self,
        invocation: Invocation,
        caller: str | None,
        sites: dict[str, list[_Site]],
        callback: set[str],
        entries: dict[str, set[RunContext]],
    ) -> None:
        for callee in self._callees(invocation):
            if invocation.kind is InvocationKind.HANDED:
                context = self._handed_context(invocation)
                if context is not None:
                    entries.setdefault(callee, set()).add(context)
                else:
                    callback.add(callee)  # a callback: who knows how often it is called
                continue
            if invocation.in_loop and not invocation.published:
                callback.add(callee)  # called many times by one caller
                continue
            contexts: frozenset[RunContext] = frozenset()
            if caller is None:
                contexts = frozenset({RunContext.SCRIPT if invocation.script else RunContext.IMPORT})
            elif invocation.published:
                # `_db = Database()` after `global _db`: a lazy singleton, built once.
                entries.setdefault(callee, set()).add(RunContext.MEMOISED)
                continue
            sites.setdefault(callee, []).append(_Site(caller, contexts))

    def _callees(self, invocation: Invocation) -> Iterator[str]:
        """The project functions an invocation runs: a function, a method, or a class's `__init__`."""
        index = self.index
        target = index.canonical(invocation.target)
        if target in index.functions:
            yield target
            return
        if target in index.classes:
            if invocation.kind is InvocationKind.HANDED and invocation.to in _INSPECTORS:
                return
            for cls in index.class_chain(target):
                initialiser = f"{cls.qualname}.__init__"
                if initialiser in index.functions:
                    yield initialiser
                    return
            return
        owner, _, name = target.rpartition(".")
        if owner in index.classes:
            for cls in index.class_chain(owner):
                method = f"{cls.qualname}.{name}"
                if method in index.functions:
                    yield method
                    return

    def _entry_contexts(self, function: RunOnceFunction) -> Iterator[RunContext]:
        index = self.index
        if function.fixture is not None:
            yield RunContext.FIXTURE
        for decorator in function.decorators:
            context = self._decorated_context(decorator, function.decorator_arguments)
            if context is not None:
                yield context
        if any(
            invocation.kind is InvocationKind.CALL and index.canonical(invocation.target) in _APPLICATIONS
            for invocation in function.invocations
        ):
            yield RunContext.APP_FACTORY

    def _handed_context(self, invocation: Invocation) -> RunContext | None:
        if invocation.via.startswith(APPLIED):
            # `cli.command(name="fill")(fill)`: as the decorator above the function would be, when
            # it registers the function itself (`lru_cache()(build)` memoises a wrapper, which
            # is what the code calls then; `build` is still called as it is elsewhere).
            argument = invocation.via.removeprefix(APPLIED)
            context = self._decorated_context(invocation.to, (argument,) if argument else ())
            return None if context is RunContext.MEMOISED else context
        if invocation.via in LIFESPAN_HOOKS:
            return RunContext.LIFESPAN
        if invocation.to in _RUNNERS:
            return RunContext.SCRIPT
        return None

    def _decorated_context(self, decorator: str, arguments: tuple[str, ...]) -> RunContext | None:
        """Why a function under `decorator` runs once, if it does (`arguments`: the constant
        string each decorator call of the function starts with)."""
        canonical = self.index.canonical(decorator)
        leaf = canonical.rsplit(".", 1)[-1]
        if canonical in _MEMOISERS:
            return RunContext.MEMOISED
        if leaf in _HOOK_DECORATORS or (leaf in _EVENT_DECORATORS and LIFESPAN_HOOKS.intersection(arguments)):
            return RunContext.LIFESPAN
        if leaf in _CLI_DECORATORS and self._is_cli(canonical):
            return RunContext.CLI
        return None

    def _is_cli(self, decorator: str) -> bool:
        """`@click.command()`, or `@cli.command()` on a click group or a typer application."""
        if decorator.startswith(_CLI_LIBRARIES):
            return True
        index = self.index
        receiver = decorator.rsplit(".", 1)[0]
        group = index.functions.get(receiver)
        if group is not None:
            return any(index.canonical(d).startswith(_CLI_LIBRARIES) for d in group.decorators)
        return any(f"{_dotted(origin)}.".startswith(_CLI_LIBRARIES) for origin in index.module_values.get(receiver, ()))


def _derive(
    contexts: dict[str, frozenset[RunContext]], sites: dict[str, list[_Site]], callback: set[str]
) -> dict[str, frozenset[RunContext]]:
    """The least fixpoint: a callee runs once when each of its callers does (or it is called at
    import), with the contexts of those callers."""
    waiting: dict[str, set[str]] = {}
    callers_of: dict[str, set[str]] = {}
    for callee, called_from in sites.items():
        if callee in contexts or callee in callback:
            continue
        callers = {site.caller for site in called_from if site.caller is not None}
        waiting[callee] = callers
        for caller in callers:
            callers_of.setdefault(caller, set()).add(callee)
    ready = [callee for callee, callers in waiting.items() if not callers]
    finished = list(contexts)
    while ready or finished:
        if ready:
            callee = ready.pop()
            reached = frozenset(
                context
                for site in sites[callee]
                for context in (site.contexts if site.caller is None else contexts.get(site.caller, frozenset()))
            )
            contexts[callee] = reached or frozenset({RunContext.IMPORT})
            finished.append(callee)
            continue
        caller = finished.pop()
        for callee in callers_of.get(caller, ()):
            pending = waiting.get(callee)
            if pending is None or callee in contexts:
                continue
            pending.discard(caller)
            if not pending:
                ready.append(callee)
    return contexts


def _dotted(origin: Origin) -> str:
    """`typer.Typer` for `typer.Typer()`: the name with the attribute steps before the first call."""
    parts = [origin.name]
    for step in origin.steps:
        if step.kind is StepKind.CALL:
            break
        parts.append(step.name)
    return ".".join(parts)


__all__ = ["SERVING", "RunContext", "RunOnce", "RunOnceFunction", "RunOnceInputs", "run_once_inputs"]
