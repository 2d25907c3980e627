"""Per-function facts about concurrency: task-spawning calls and the sessions that reach them.

Also the values a module or class creates once and keeps (`session = SessionLocal()` at import).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, TypeGuard

from alchemy_lint.facts.flow import Flow
from alchemy_lint.facts.gathering import gathered_parameters
from alchemy_lint.facts.model import Scope, SessionUse, SpawnedWork, StoredValue, TaskSpawn
from alchemy_lint.facts.reaches import ReachFinder
from alchemy_lint.facts.starting import started_parameters
from alchemy_lint.facts.values import (
    Binding,
    Held,
    Origin,
    OriginKind,
    Reach,
    ReachKind,
    StepKind,
    ValueRef,
    ValueTable,
)
from alchemy_lint.records import replace
from alchemy_lint.resolve import NameTable, dotted_parts, expression_text, qualify
from alchemy_lint.sqlalchemy_api import known_api

#: Modules whose callables are no project's task-starting helpers (asyncio's own starters are
#: read as such before this test).
_STANDARD_LIBRARY = frozenset(sys.stdlib_module_names)

#: Calls that run every awaitable they get at once and wait for them.
GATHERING = {
    "asyncio.gather": "asyncio.gather",
    "asyncio.tasks.gather": "asyncio.gather",
    "asyncio.wait": "asyncio.wait",
    "asyncio.tasks.wait": "asyncio.wait",
    "asyncio.as_completed": "asyncio.as_completed",
    "asyncio.tasks.as_completed": "asyncio.as_completed",
}
#: Calls that start a task beside the code that calls them.
TASK_STARTERS = {
    "asyncio.create_task": "asyncio.create_task",
    "asyncio.tasks.create_task": "asyncio.create_task",
    "asyncio.ensure_future": "asyncio.ensure_future",
    "asyncio.tasks.ensure_future": "asyncio.ensure_future",
}
TASK_GROUPS = {
    "asyncio.TaskGroup": "TaskGroup",
    "asyncio.taskgroups.TaskGroup": "TaskGroup",
    "anyio.create_task_group": "anyio task group",
    "trio.open_nursery": "trio nursery",
}
#: Task group methods; `start_soon(fn, *args)` takes the function and its arguments.
GROUP_METHODS = frozenset({"create_task", "start_soon", "start"})
_EVENT_LOOPS = frozenset({"asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop"})
_APPENDS = frozenset({"append", "add"})
#: Methods that put every item of their argument into the collection.
_EXTENDS = frozenset({"extend", "update"})
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp)
_LITERAL_COLLECTIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.List, ast.Tuple, ast.Set)
#: The gathering entries that run every item of a collection they are handed.
_RUNNING_ALL = frozenset(GATHERING.values())
_MAX_REACHES = 16
_TEXT_LIMIT = 60


class Builder(Protocol):
    """What the recorder reads from the facts builder while it walks."""

    table: NameTable
    reaches: ReachFinder
    module: str

    @property
    def scope(self) -> Scope: ...

    @property
    def values(self) -> ValueTable | None: ...

    def origins_of(self, expr: ast.expr) -> tuple[Origin, ...]: ...

    def binding_line(self, name: str) -> int | None: ...

    def global_names(self) -> set[str]: ...

    def parameters(self) -> set[str]: ...

    def class_name(self) -> str | None: ...

    def in_function(self) -> bool: ...

    def function_qualname(self) -> str | None: ...

    def flow_of(self, function: ast.AST) -> Flow: ...


@dataclass(slots=True, eq=False, repr=False)
class _PendingSpawn:
    entry: str
    node: ast.Call
    work: list[SpawnedWork]
    detached: bool
    group_end: int | None = None
    holder: str | None = None
    awaited: bool = False
    loop_end: int | None = None
    loop_start: int = 0
    outlives_loop: bool = False
    callee: tuple[Origin, ...] = ()
    argument: str = ""
    #: What the task runs, as written (`coro` of `create_task(coro)`), for `started_parameters`.
    started: list[ast.expr] = field(default_factory=list)


@dataclass(slots=True, eq=False, repr=False)
class _FunctionRecord:
    function: ast.AST
    end_line: int
    spawns: list[_PendingSpawn] = field(default_factory=list)
    spawn_nodes: dict[int, _PendingSpawn] = field(default_factory=dict)
    #: (name, line) where a name is awaited or handed to gather/wait: a task kept there is joined.
    joined: list[tuple[str, int]] = field(default_factory=list)
    #: The function's own uses of candidate sessions after its first spawn, with their calls
    #: and the line where the name they use was bound (None: not bound in the function).
    uses: list[tuple[SessionUse, ast.Call, int | None]] = field(default_factory=list)
    loops: list[ast.AST] = field(default_factory=list)
    #: Task group name -> (kind, first line, last line of its `async with` block).
    groups: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    #: Call node id -> the name that keeps the task it starts (`tasks.append(create_task(...))`).
    holders: dict[int, str] = field(default_factory=dict)
    #: Name of a list of tuples -> tuple position -> what the tuples put in it hold there
    #: (`pending.append(("label", load(s)))`), each with its text, for a comprehension that
    #: takes that item out.
    positioned: dict[str, dict[int, list[tuple[str, Held]]]] = field(default_factory=dict)
    #: Names bound to a list, set, dict or tuple display or comprehension: their methods
    #: (`result.extend(...)`) run no statement, whatever the items hold.
    containers: set[str] = field(default_factory=set)


class ConcurrencyRecorder:
    """Fed by the facts builder's walk; keeps what ASA201 and ASA202 need."""

    def __init__(self, builder: Builder) -> None:
        self.builder = builder
        self.records: list[_FunctionRecord] = []
        self.stored: list[StoredValue] = []
        self._script_lines: list[tuple[int, int]] = []
        #: The parameters the function last left gathers (see `facts/gathering.py`).
        self.gathered: tuple[str, ...] = ()
        #: The parameters the function last left makes a task of (see `facts/starting.py`).
        self.started: tuple[str, ...] = ()

    def scan_module(self, tree: ast.Module) -> None:
        """Note `if __name__ == "__main__":` blocks: a script's own run, not state kept for reuse."""
        for statement in tree.body:
            if type(statement) is ast.If and _is_main_guard(statement.test):
                self._script_lines.append((statement.lineno, statement.end_lineno or statement.lineno))

    def in_script(self, line: int) -> bool:
        """The line is in a module-level `if __name__ == "__main__":` block."""
        return any(start <= line <= end for start, end in self._script_lines)

    # -- scopes ----------------------------------------------------------------

    def enter_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.records.append(_FunctionRecord(node, node.end_lineno or node.lineno))

    def leave_function(self) -> tuple[TaskSpawn, ...]:
        record = self.records.pop()
        self.gathered = self._gathered(record)
        self.started = self._started(record)
        finished = [(pending.node, self._finish(record, pending)) for pending in record.spawns]
        if not any(spawn.detached for _, spawn in finished):
            return tuple(spawn for _, spawn in finished)
        flow = self.builder.flow_of(record.function)
        return tuple(self._racing(record, flow, node, spawn, finished) for node, spawn in finished)

    def _racing(
        self,
        record: _FunctionRecord,
        flow: Flow,
        node: ast.Call,
        spawn: TaskSpawn,
        finished: list[tuple[ast.Call, TaskSpawn]],
    ) -> TaskSpawn:
        """A created task with what the spawner does beside it: its own uses and other tasks."""
        if not spawn.detached:
            return spawn
        span = (spawn.line, spawn.col, spawn.end_line, spawn.end_col)
        # (A use of a name bound again since the task started is of another value:
        # `async with factory() as session:` opened anew after it.)
        uses = tuple(
            use
            for use, use_node, bound in record.uses
            if spawn.line < use.line <= spawn.window_end
            and not _inside(use.line, use.col, span)
            and (bound is None or bound <= spawn.line)
            and flow.can_follow(node, use_node)
        )
        others = tuple(
            other.line
            for other_node, other in finished
            if other.detached and spawn.line < other.line <= spawn.window_end and flow.can_follow(node, other_node)
        )
        return replace(spawn, racing_uses=uses, racing_spawns=others)

    def _gathered(self, record: _FunctionRecord) -> tuple[str, ...]:
        gathers = [pending.node for pending in record.spawns if pending.entry in _RUNNING_ALL]
        function = record.function
        if not gathers or not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return ()
        table = self.builder.table
        return gathered_parameters(
            function, gathers, lambda expr: qualify(expr, table) if dotted_parts(expr) is not None else None
        )

    @staticmethod
    def _started(record: _FunctionRecord) -> tuple[str, ...]:
        started = [
            expr for pending in record.spawns if pending.detached and not pending.callee for expr in pending.started
        ]
        function = record.function
        if not started or not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return ()
        return started_parameters(function, started)

    @property
    def record(self) -> _FunctionRecord | None:
        # A class body inside a function is not that function's code.
        return self.records[-1] if self.records and self.builder.in_function() else None

    def enter_loop(self, node: ast.AST) -> None:
        record = self.record
        if record is not None:
            record.loops.append(node)

    def leave_loop(self) -> None:
        record = self.record
        if record is not None:
            record.loops.pop()

    # -- statements ------------------------------------------------------------

    def on_assign(self, target: ast.expr, value: ast.expr | None, line: int, col: int) -> None:
        """Before the builder rebinds `target`: task holders and stored values."""
        if value is not None:
            self._store(target, value, line, col)
        record = self.record
        if record is None or value is None or type(target) is not ast.Name:
            return
        record.positioned.pop(target.id, None)
        if isinstance(value, (*_LITERAL_COLLECTIONS, ast.Dict, ast.DictComp)):
            record.containers.add(target.id)
        else:
            record.containers.discard(target.id)
        if isinstance(value, (ast.List, ast.Tuple)):
            # `pending = [("first", load(s, 1)), ("second", load(s, 2))]`
            for item in value.elts:
                if _plain_tuple(item):
                    self._put_positioned(record, target.id, item.elts)
        inner = value.value if isinstance(value, ast.Await) else value
        for pending in self._spawns_in(inner, record, handed=True):
            pending.holder = target.id

    def keeps_task(self, value: ast.expr) -> bool:
        """Whether `value` is a started task (or a collection of them): a name bound to it holds
        the task, which the spawn already accounts for, not the values the task uses."""
        record = self.record
        if record is None:
            return False
        inner = value.value if type(value) is ast.Await else value
        return bool(self._spawns_in(inner, record))

    def on_with(self, expr: ast.expr, bound: str | None, node: ast.AsyncWith | ast.With) -> None:
        record = self.record
        if record is None or bound is None:
            return
        record.groups.pop(bound, None)
        callee = expr.func if type(expr) is ast.Call else None
        if callee is not None and dotted_parts(callee) is not None:
            kind = TASK_GROUPS.get(qualify(callee, self.builder.table) or "")
            if kind is not None:
                record.groups[bound] = (kind, node.lineno, node.end_lineno or node.lineno)

    def on_await(self, node: ast.Await) -> None:
        record = self.record
        if record is not None and record.spawns:
            record.joined.extend((n.id, node.lineno) for n in ast.walk(node.value) if type(n) is ast.Name)

    def on_call(self, node: ast.Call, qualname: str | None, awaited: bool) -> None:
        """`qualname` is the callee's qualified name when it is a dotted name the table knows."""
        record = self.record
        if record is None:
            return
        func = node.func
        if qualname in GATHERING:
            self._gathering(record, node, GATHERING[qualname])
        elif qualname in TASK_STARTERS or self._is_loop_create_task(func):
            entry = TASK_STARTERS.get(qualname or "", "loop.create_task")
            self._task(record, node, entry, node.args[:1], awaited)
        elif (
            type(func) is ast.Attribute
            and type(func.value) is ast.Name
            and func.attr in GROUP_METHODS
            and func.value.id in record.groups
        ):
            # (`timer.start(...)` on anything else than a task group is asked about below.)
            group = record.groups.get(func.value.id)
            if group is not None:
                kind, start, end = group
                arguments: list[ast.expr] = []
                if node.args:
                    first = node.args[0]
                    arguments = [first] if func.attr == "create_task" else [_as_call(first, node.args[1:])]
                # `await tg.start(...)` returns once the task has started; it keeps running.
                joined = awaited and func.attr == "create_task"
                self._task(record, node, f"{kind}.{func.attr}", arguments, joined, group=(start, end))
        elif type(func) is ast.Attribute and type(func.value) is ast.Name and func.attr in _APPENDS:
            self._append(record, func.value.id, node)
        elif (
            type(func) is ast.Attribute
            and type(func.value) is ast.Name
            and func.attr in _EXTENDS
            and len(node.args) == 1
        ):
            self.extend(func.value.id, node.args[0], node.lineno, node.col_offset)
        else:
            handed = awaited and (node.args or node.keywords) and self._through_helper(record, node)
            if not handed and node.args:
                self._through_starter(record, node, awaited, own=self._own_callee(func))
        if record.spawns:  # a use before the first spawn never runs beside a task
            self._record_uses(record, node)

    # -- spawns ----------------------------------------------------------------

    def _gathering(self, record: _FunctionRecord, node: ast.Call, entry: str) -> None:
        items: list[tuple[ast.expr, bool]] = []
        if entry == "asyncio.gather":
            items = [(arg.value, True) if type(arg) is ast.Starred else (arg, False) for arg in node.args]
        elif node.args:
            items = [(node.args[0], True)]
        work: list[SpawnedWork] = []
        for expr, is_collection in items:
            work.extend(self._work_of(expr, is_collection))
        for expr, _ in items:
            record.joined.extend((n.id, node.lineno) for n in ast.walk(expr) if type(n) is ast.Name)
        pending = _PendingSpawn(entry, node, work, detached=False)
        record.spawns.append(pending)
        record.spawn_nodes[id(node)] = pending

    def _through_helper(self, record: _FunctionRecord, node: ast.Call) -> bool:
        """`await bounded_gather([load(s, i) for i in ids])`: a collection of awaitables that
        reach a session, handed to a callee that may run them at once (the index decides)."""
        for argument, value in _collections(node):
            work = self._work_of(value, is_collection=True)
            if work:
                callee = self.builder.origins_of(node)
                pending = _PendingSpawn(_short(node.func), node, work, detached=False, callee=callee, argument=argument)
                record.spawns.append(pending)
                record.spawn_nodes[id(node)] = pending
                return True
        return False

    def _through_starter(self, record: _FunctionRecord, node: ast.Call, awaited: bool, *, own: bool) -> None:
        """`spawn(load(s))`, `await timer.start(0.5, load, s)`: a coroutine that reaches a
        session, or a callable with the session among the arguments after it, handed to a
        callee that may make a task of it (the index decides, `Summaries.starts`). The task
        runs beside the caller whether or not the call is awaited; a coroutine handed to an
        awaited call is not asked about (`await with_retry(load(s))`: helpers that await what
        they are handed are most of those calls, and reading them all cost a tenth of the
        facts pass). A coroutine is asked about only for a callee of the project's own package
        (`_own_callee`); a callable with its arguments, a rarer shape, for any callee outside the
        standard library and SQLAlchemy too when it is a method of an instance handed a
        function of the file's own package (`timer.start(0.5, on_timeout, session)`): in a flat
        layout the helper's class lives in another top-level package
        (`services.timer_manager.SafeTimer` used from `handlers`), which a file's facts cannot
        tell from a library's."""
        for position, argument in enumerate(node.args):
            if isinstance(argument, ast.Starred):
                return
            if isinstance(argument, ast.Call):
                if awaited or not own:
                    continue
                work = self._work_of(argument, is_collection=False)
            elif self._callable_reference(argument) and position + 1 < len(node.args):
                if not own and not (self._own_callee(argument) and self._maybe_project_callee(node)):
                    return
                rest = node.args[position + 1 :]
                if any(isinstance(item, ast.Starred) for item in rest):
                    return
                work = self._work_of(_as_call(argument, rest), is_collection=False)
                if work:
                    work = [replace(item, text=_short(node)) for item in work]
            else:
                continue
            if work:
                callee = self.builder.origins_of(node)
                if not callee:
                    return  # (a builtin, or a callee the facts cannot name: nothing to ask the index)
                entry = _short(node.func)
                pending = _PendingSpawn(entry, node, work, detached=True, callee=callee, argument=str(position))
                self._add_spawn(record, pending)
                return

    def _own_callee(self, func: ast.expr) -> bool:
        """A callee of the project's own package, the only kind that may be a task-starting
        helper: a name it defines or imports from it (`spawn`, `tasks.spawn`), a method on
        `self` or `cls`, or on a class of it made there (`Timer().start`). Asking of every call
        (`session.add(Order(...))`, `stmt.options(joinedload(...))`) cost a tenth of the facts."""
        if isinstance(func, ast.Attribute):
            base = func.value
            if isinstance(base, ast.Name) and base.id in ("self", "cls"):
                return True
            func = base.func if isinstance(base, ast.Call) else base
        if dotted_parts(func) is None:
            return False
        qualname = qualify(func, self.builder.table)
        own = self.builder.module.partition(".")[0]
        return qualname is not None and qualname.partition(".")[0] == own

    def _maybe_project_callee(self, node: ast.Call) -> bool:
        """A method of an instance of a class that may be the project's (`timer.start(...)` on
        `timer = SafeTimer(...)`, `Timer().start(...)`): every origin the facts know of it is
        such a method of a class outside the standard library and SQLAlchemy's API (the index
        tells the project's from a library's). Only that shape, handed a function of the file's
        own package, is asked about: asking of every callee outside the file's package cost a
        cold check 4% for no finding more."""
        if type(node.func) is not ast.Attribute:
            return False
        callee = self.builder.origins_of(node.func)
        return bool(callee) and all(
            origin.kind is OriginKind.NAME
            and len(origin.steps) == 2
            and origin.steps[0].kind is StepKind.CALL
            and origin.steps[1].kind is StepKind.ATTRIBUTE
            and origin.name.partition(".")[0] not in _STANDARD_LIBRARY
            and known_api(origin.name) is None
            for origin in callee
        )

    def _callable_reference(self, argument: ast.expr) -> bool:
        """A name that may be a function handed on as it is (`load`, `self.load`, `repo.load`):
        not one bound in this function, which holds a value it made."""
        if isinstance(argument, ast.Attribute):
            return dotted_parts(argument) is not None
        values = self.builder.values
        return isinstance(argument, ast.Name) and (values is None or argument.id not in values.bindings)

    def _task(
        self,
        record: _FunctionRecord,
        node: ast.Call,
        entry: str,
        arguments: list[ast.expr],
        awaited: bool,
        group: tuple[int, int] | None = None,
    ) -> None:
        work = [w for arg in arguments for w in self._work_of(arg, is_collection=False)]
        pending = _PendingSpawn(entry, node, work, detached=True, awaited=awaited, holder=record.holders.get(id(node)))
        pending.started = arguments
        if group is not None:
            pending.group_end = group[1]
        self._add_spawn(record, pending)
        if record.loops:
            # A task group opened around the loop joins its tasks after the loop is done.
            pending.outlives_loop = group is not None and group[0] < pending.loop_start

    @staticmethod
    def _add_spawn(record: _FunctionRecord, pending: _PendingSpawn) -> None:
        """A task started here, in the innermost loop it runs in if any."""
        if record.loops:
            loop = record.loops[-1]
            pending.loop_start = getattr(loop, "lineno", 0)
            pending.loop_end = getattr(loop, "end_lineno", None)
        record.spawns.append(pending)
        record.spawn_nodes[id(pending.node)] = pending

    def _starts_task(self, func: ast.expr, record: _FunctionRecord) -> bool:
        if dotted_parts(func) is not None and qualify(func, self.builder.table) in TASK_STARTERS:
            return True
        if type(func) is ast.Attribute and type(func.value) is ast.Name and func.value.id in record.groups:
            return func.attr in GROUP_METHODS
        return self._is_loop_create_task(func)

    def _is_loop_create_task(self, func: ast.expr) -> bool:
        if not (type(func) is ast.Attribute and func.attr == "create_task"):
            return False
        return any(
            (o.name in _EVENT_LOOPS and len(o.steps) == 1 and o.steps[0].kind is StepKind.CALL)
            or (
                o.name == "asyncio"
                and len(o.steps) == 1
                and o.steps[0].kind is StepKind.METHOD
                and f"asyncio.{o.steps[0].name}" in _EVENT_LOOPS
            )
            for o in self.builder.origins_of(func.value)
        )

    def _work_of(self, expr: ast.expr, is_collection: bool) -> list[SpawnedWork]:
        """The awaitables an argument stands for: itself, or the items of a collection."""
        text = _short(expr)
        finder = self.builder.reaches
        taken = self._taken_items(expr)
        if taken is not None:
            # (Named by the item put in the collection, `load(s, 1)`, not by the comprehension.)
            return [SpawnedWork(shown, expr.lineno, expr.col_offset, h.reaches, h.many) for shown, h in taken]
        if isinstance(expr, _COMPREHENSIONS):
            reaches = finder.in_comprehension(expr, work=True)
            return [SpawnedWork(text, expr.lineno, expr.col_offset, reaches, many=True)] if reaches else []
        if is_collection and isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            return [w for item in expr.elts for w in self._work_of(item, is_collection=False)]
        if type(expr) is ast.Name:
            held = self._held(expr)
            if held is not None and (is_collection or len(held) > 1):
                return [SpawnedWork(text, expr.lineno, expr.col_offset, h.reaches, h.many) for h in held if h.reaches]
        elif is_collection and (items := finder.items_of(expr)):
            # `*coros.values()`, `*map(partial(load, s), ids)`, `dict(zip(keys, coros))`.
            return [SpawnedWork(text, expr.lineno, expr.col_offset, h.reaches, h.many) for h in items if h.reaches]
        reaches = finder.work_reaches(expr)
        return [SpawnedWork(text, expr.lineno, expr.col_offset, reaches)] if reaches else []

    def _held(self, name: ast.Name) -> tuple[Held, ...] | None:
        """What a local name holds (its awaitables, or the values it was built from)."""
        values = self.builder.values
        binding = values.latest(name.id) if values is not None else None
        if binding is None or binding.ref is None or not binding.ref.holds:
            return None
        return binding.ref.holds

    def _spawns_in(self, value: ast.expr, record: _FunctionRecord, *, handed: bool = False) -> list[_PendingSpawn]:
        """Task spawns whose result `value` keeps: `t = create_task(...)`, `[create_task(...) for ...]`.
        `handed`: also a call that may start one in a callee (`t = spawn(load(s))`), which the
        index alone can tell."""
        if isinstance(value, _COMPREHENSIONS):
            value = value.elt
        elif type(value) is ast.DictComp:
            # `{create_task(load(s, k)): k for k in keys}`: the tasks are its keys (or values).
            return self._spawns_in(value.key, record, handed=handed) + self._spawns_in(
                value.value, record, handed=handed
            )
        elif isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            return [p for item in value.elts for p in self._spawns_in(item, record, handed=handed)]
        found = record.spawn_nodes.get(id(value)) if isinstance(value, ast.Call) else None
        return [found] if found is not None and found.detached and (handed or not found.callee) else []

    def _taken_items(self, expr: ast.expr) -> list[tuple[str, Held]] | None:
        """The items a comprehension takes out of a list of tuples, at one position:
        `(coro for _, coro in pending)`, `[pair[1] for pair in pending]`; None for any other
        expression, or a collection no tuple was put in."""
        record = self.record
        if record is None or not isinstance(expr, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return None
        if len(expr.generators) != 1:
            return None
        generator = expr.generators[0]
        if generator.is_async or type(generator.iter) is not ast.Name:
            return None
        held = record.positioned.get(generator.iter.id)
        if held is None:
            return None
        position = _unpacked_position(generator.target, expr.elt)
        return None if position is None else held.get(position, [])

    def _put_positioned(self, record: _FunctionRecord, holder: str, elements: list[ast.expr]) -> None:
        """A tuple put in the collection `holder`: what each of its items holds, by position."""
        for position, element in enumerate(elements):
            reaches = self.builder.reaches.work_reaches(element)
            if not reaches:
                continue
            # (One tuple per iteration of a loop, as `_put` says of plain items.)
            in_loop, per_iteration = self._split_by_loop(reaches, record)
            slot = record.positioned.setdefault(holder, {}).setdefault(position, [])
            shown = _short(element)
            slot.extend(
                (shown, Held(group, many)) for group, many in ((in_loop, True), (per_iteration, False)) if group
            )

    def _append(self, record: _FunctionRecord, holder: str, node: ast.Call) -> None:
        if len(node.args) != 1:
            return
        item = node.args[0]
        if _plain_tuple(item):
            self._put_positioned(record, holder, item.elts)
            return
        if type(item) is ast.Call and self._starts_task(item.func, record):
            # The call is visited after this one: tell its spawn where the task is kept.
            record.holders[id(item)] = holder
            return
        reaches = self.builder.reaches.work_reaches(item)
        if reaches:
            self._put(record, holder, (Held(reaches),), node.lineno, node.col_offset)

    def extend(self, holder: str, items: ast.expr, line: int, col: int) -> None:
        """`coros.extend(load(s, i) for i in ids)`, `coros += [load(s, 1)]`: the collection holds
        every item of `items`."""
        record = self.record
        if record is not None:
            self._put(record, holder, self.builder.reaches.items_of(items), line, col)

    def _put(self, record: _FunctionRecord, holder: str, items: tuple[Held, ...], line: int, col: int) -> None:
        """The collection `holder` now holds `items` too (`tasks.append(load(s))`)."""
        values = self.builder.values
        if not items or values is None:
            return
        added: list[Held] = []
        for held in items:
            if held.many:
                added.append(held)
                continue
            # An item put in on every iteration is one per iteration: what it reaches from outside
            # the loop is shared by all of them.
            in_loop, per_iteration = self._split_by_loop(held.reaches, record)
            added.extend(Held(group, many) for group, many in ((in_loop, True), (per_iteration, False)) if group)
        binding = values.latest(holder)
        if binding is None:
            values.bind(holder, Binding(line, col, ValueRef(holder, (), tuple(added))))
        elif binding.ref is None:
            values.revise(binding, ValueRef(holder, (), tuple(added)))
        else:
            values.revise(binding, replace(binding.ref, holds=binding.ref.holds + tuple(added)))

    def _split_by_loop(
        self, reaches: tuple[Reach, ...], record: _FunctionRecord
    ) -> tuple[tuple[Reach, ...], tuple[Reach, ...]]:
        """Reaches of a session from outside the loop (shared by every iteration) and the rest."""
        if not record.loops:
            return (), reaches
        loop = record.loops[-1]
        start, end = getattr(loop, "lineno", 0), getattr(loop, "end_lineno", 0) or 0
        shared: list[Reach] = []
        own: list[Reach] = []
        for reach in reaches:
            bound = self.builder.binding_line(reach.ref.text.split(".", 1)[0])
            (own if bound is not None and start <= bound <= end else shared).append(reach)
        return tuple(shared), tuple(own)

    def _finish(self, record: _FunctionRecord, pending: _PendingSpawn) -> TaskSpawn:
        node = pending.node
        line = node.lineno
        window_end = 0
        work = pending.work
        if pending.detached:
            window_end = pending.group_end or record.end_line
            if pending.awaited:
                window_end = line
            elif pending.holder is not None:
                joins = [at for name, at in record.joined if name == pending.holder and at > line]
                if joins:
                    window_end = min(window_end, min(joins))
            if pending.loop_end is not None and (
                window_end > pending.loop_end or (pending.outlives_loop and not pending.awaited)
            ):
                work = self._many_per_loop(record, pending)
        return TaskSpawn(
            entry=pending.entry,
            line=line,
            col=node.col_offset,
            end_line=node.end_lineno or line,
            end_col=node.end_col_offset or node.col_offset,
            work=tuple(work),
            detached=pending.detached,
            window_end=window_end,
            callee=pending.callee,
            argument=pending.argument,
            holder=pending.holder if pending.callee else None,
        )

    def _many_per_loop(self, record: _FunctionRecord, pending: _PendingSpawn) -> list[SpawnedWork]:
        """A task started in a loop and not joined in it: one task per iteration, all at once."""
        result: list[SpawnedWork] = []
        start, end = pending.loop_start, pending.loop_end or 0
        for work in pending.work:
            shared = tuple(
                r
                for r in work.reaches
                if not (start <= (self.builder.binding_line(r.ref.text.split(".", 1)[0]) or -1) <= end)
            )
            own = tuple(r for r in work.reaches if r not in shared)
            if shared:
                result.append(SpawnedWork(work.text, work.line, work.col, shared, many=True))
            if own:
                result.append(SpawnedWork(work.text, work.line, work.col, own, many=False))
        return result

    # -- the spawner's own uses ---------------------------------------------------

    def _record_uses(self, record: _FunctionRecord, node: ast.Call) -> None:
        finder = self.builder.reaches
        found: list[Reach] = []
        func = node.func
        if isinstance(func, ast.Attribute) and not (
            isinstance(func.value, ast.Name) and func.value.id in record.containers
        ):
            found.extend(finder.reaches(func.value, ReachKind.METHOD_CALL))
        # (A name that keeps what a project helper started, `first = spawn(load(s))`, holds
        # a task: gathering it joins the task, it runs nothing of its own.)
        kept = {pending.holder for pending in record.spawns if pending.callee and pending.holder}
        for arg in node.args:
            if not isinstance(arg, ast.Call) and not (isinstance(arg, ast.Name) and arg.id in kept):
                found.extend(finder.reaches(arg))
        for keyword in node.keywords:
            if type(keyword.value) is not ast.Call:
                found.extend(finder.reaches(keyword.value))
        binding_line = self.builder.binding_line
        record.uses.extend(
            (SessionUse(r.ref, node.lineno, node.col_offset), node, binding_line(r.ref.text.split(".", 1)[0]))
            for r in found[:_MAX_REACHES]
        )

    # -- values kept for reuse (ASA202) -------------------------------------------

    def _store(self, target: ast.expr, value: ast.expr, line: int, col: int) -> None:
        created = value.value if type(value) is ast.Await else value
        if type(created) is not ast.Call:
            return
        builder = self.builder
        where: str | None = None
        name: str | None = None
        scope = builder.scope
        if type(target) is ast.Name:
            name = target.id
            if scope is Scope.MODULE:
                where = "at module level"
            elif scope is Scope.CLASS:
                where = f"on class {builder.class_name() or '?'}"
            elif name in builder.global_names():
                where = "in a module global"
        elif type(target) is ast.Attribute and type(target.value) is ast.Name and target.value.id == "cls":
            name = f"cls.{target.attr}"
            where = f"on class {builder.class_name() or '?'}"
        elif type(target) is ast.Attribute and type(target.value) is ast.Attribute and target.value.attr == "state":
            # `app.state.db = ...`: application state in a lifespan, request state in a middleware;
            # which one it is depends on where the function runs, the index's call.
            name = f"state.{target.attr}"
            where = "on application state"
        if where is None or name is None or self.in_script(line):
            return
        origins = builder.origins_of(created)
        if origins:
            function = builder.function_qualname() if builder.in_function() else None
            self.stored.append(
                StoredValue(name, where, line, col, origins, function, on_state=where == "on application state")
            )


def _collections(call: ast.Call) -> Iterator[tuple[str, ast.expr]]:
    """The arguments that are literal collections or comprehensions, with where they land:
    a position (until a `*args`) or a keyword."""
    for position, arg in enumerate(call.args):
        if type(arg) is ast.Starred:
            return
        if isinstance(arg, _LITERAL_COLLECTIONS):
            yield str(position), arg
    for keyword in call.keywords:
        if keyword.arg is not None and isinstance(keyword.value, _LITERAL_COLLECTIONS):
            yield keyword.arg, keyword.value


def _plain_tuple(expr: ast.expr) -> TypeGuard[ast.Tuple]:
    """A tuple display without starred items: its positions are those written."""
    return type(expr) is ast.Tuple and not any(type(item) is ast.Starred for item in expr.elts)


def _unpacked_position(target: ast.expr, element: ast.expr) -> int | None:
    """The tuple position a comprehension's element is: the name a plain tuple target binds at
    it (`c` of `for _, c in ...`), or a constant subscript of the item (`pair[1]` of `for pair in ...`)."""
    if type(element) is ast.Name and _plain_tuple(target):
        positions = [n for n, item in enumerate(target.elts) if type(item) is ast.Name and item.id == element.id]
        return positions[-1] if positions else None
    if (
        type(target) is ast.Name
        and type(element) is ast.Subscript
        and type(element.value) is ast.Name
        and element.value.id == target.id
        and type(element.slice) is ast.Constant
        and type(element.slice.value) is int
        and element.slice.value >= 0
    ):
        return element.slice.value
    return None


def _is_main_guard(test: ast.expr) -> bool:
    return (
        type(test) is ast.Compare
        and type(test.left) is ast.Name
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and type(test.comparators[0]) is ast.Constant
        and test.comparators[0].value == "__main__"
    )


def _as_call(func: ast.expr, args: list[ast.expr]) -> ast.expr:
    """`start_soon(fn, a, b)` runs `fn(a, b)`."""
    return ast.Call(func=func, args=list(args), keywords=[], lineno=func.lineno, col_offset=func.col_offset)


def _inside(line: int, col: int, span: tuple[int, int, int, int]) -> bool:
    start_line, start_col, end_line, end_col = span
    return (start_line, start_col) <= (line, col) < (end_line, end_col)


def _short(expr: ast.expr) -> str:
    """Source text for a message: a long call keeps its callee (`models.count_runs(...)`)."""
    text = ast.unparse(expr)
    if len(text) > _TEXT_LIMIT and type(expr) is ast.Call and (callee := expression_text(expr.func)):
        return f"{callee}(...)"
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 3] + "..."
