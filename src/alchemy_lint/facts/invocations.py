"""The project callables a file calls or hands on, per function and at module level.

Plain edges (`main` called at module level, `lifespan` handed to `FastAPI(lifespan=...)`,
`build` called from `lifespan`): the index follows them to the code that runs once.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field

from alchemy_lint.facts.conditions import Guard, weakest
from alchemy_lint.facts.model import Invocation, InvocationKind
from alchemy_lint.resolve import NameTable, qualify
from alchemy_lint.sqlalchemy_api import known_api

#: Methods that append a callback to a framework's list (`app.on_startup.append(f)`).
_APPENDERS = frozenset({"append", "extend", "insert"})
_OWNERS = frozenset({"self", "cls"})
#: Edges kept per function: enough for the run-once question, bounded for huge functions.
_MAX_PER_FUNCTION = 200
#: Modules whose callables never call back into the project at a later time (runners aside,
#: which the walk reads before this filter).
_STANDARD_LIBRARY = frozenset(sys.stdlib_module_names) - {"asyncio", "functools", "contextlib", "threading"}
#: Arguments that can hand a callable on: a dotted name, or a collection of them.
_HANDED_SHAPES = frozenset({ast.Name, ast.Attribute, ast.List, ast.Tuple, ast.Set, ast.Starred})
#: Calls that run the coroutine they are given as a program: `asyncio.run(main())`.
_RUNNERS = frozenset({"asyncio.run", "asyncio.runners.run", "uvloop.run", "trio.run", "anyio.run"})
#: How frameworks are handed lifespan and startup hooks: keywords, event names, hook lists.
LIFESPAN_HOOKS = frozenset(
    {
        "lifespan",
        "on_startup",
        "startup",
        "cleanup_ctx",
        "before_serving",
        "before_server_start",
        "after_server_start",
        "after_startup",
        "lifespan_context",
    }
)
#: `via` of a decorator applied by a call (`cli.command(name="fill")(fill)`).
APPLIED = "@"


#: An edge while the walk runs: the fields of `Invocation`, as a tuple (cheap to hash).
_Edge = tuple[str, InvocationKind, bool, str, str, bool, bool, bool, bool, bool]


@dataclass(slots=True, eq=False, repr=False)
class _Scope:
    #: The class whose method this is (`self.x()` calls resolve against it).
    class_qualname: str | None
    #: Nested function name -> its qualified name.
    nested: dict[str, str] = field(default_factory=dict)
    found: dict[_Edge, None] = field(default_factory=dict)
    #: The conditions on parameters a call needs, by edge, where it needs some: what every call
    #: of the edge needed (a callee called once under `if include:` and once without, needs none).
    guards: dict[_Edge, Guard] = field(default_factory=dict)

    def add(self, edge: _Edge, guard: Guard = ()) -> None:
        if edge in self.found:
            known = self.guards.get(edge)
            if known is not None:
                self.guards[edge] = weakest(known, guard)
            return
        self.found[edge] = None
        if guard:
            self.guards[edge] = guard

    def invocations(self) -> tuple[Invocation, ...]:
        guards = self.guards
        return tuple(Invocation(*edge, guard=guards.get(edge, ())) for edge in self.found)


class InvocationRecorder:
    """Fed by the facts builder: every call of a dotted name, and every dotted name handed to a call."""

    def __init__(self) -> None:
        #: Calls whose result the enclosing call calls at once (`make()()`), by node id.
        self._results_called: set[int] = set()
        self.module = _Scope(None)
        self.scopes: list[_Scope] = []
        #: Calls made as the argument of a runner (`main()` in `asyncio.run(main())`).
        self._run_by_runner: set[int] = set()
        #: Callee -> whether it is outside the project: a file calls the same names again and again.
        self._outside: dict[str, bool] = {}

    def _outside_project(self, qualname: str) -> bool:
        found = self._outside.get(qualname)
        if found is None:
            found = self._outside[qualname] = _outside_project(qualname)
        return found

    def enter_function(self, class_qualname: str | None) -> None:
        self.scopes.append(_Scope(class_qualname))

    def leave_function(self, name: str, qualname: str) -> tuple[Invocation, ...]:
        scope = self.scopes.pop()
        if self.scopes:
            self.scopes[-1].nested[name] = qualname
        return scope.invocations()

    def module_invocations(self) -> tuple[Invocation, ...]:
        return self.module.invocations()

    def on_call(
        self,
        node: ast.Call,
        table: NameTable,
        qualname: str | None,
        *,
        in_loop: bool,
        in_lambda: bool,
        published: bool,
        script: bool,
        guard: Guard = (),
    ) -> None:
        """`qualname`: the callee as the builder resolved it (None when it is no dotted name);
        `guard`: what the call needs of the parameters of the function it is in."""
        scope = self.scopes[-1] if self.scopes else self.module
        found = scope.found
        if len(found) >= _MAX_PER_FUNCTION:
            return
        args = node.args
        if type(node.func) is ast.Call:
            self._results_called.add(id(node.func))  # `make()()`: the inner call's result runs here
        result_called = id(node) in self._results_called
        if args and type(args[0]) is ast.Call and _is_runner(node.func, qualname):
            self._run_by_runner.add(id(args[0]))
        script = script or (bool(self._run_by_runner) and id(node) in self._run_by_runner)
        callee = _target(node.func, table, scope, qualname)
        callee_outside = callee is not None and self._outside_project(callee)
        if callee is not None and not callee_outside:
            # A call in a lambda runs when the lambda is called, not here: it is handed on.
            kind = InvocationKind.HANDED if in_lambda else InvocationKind.CALL
            scope.add(
                (callee, kind, in_loop, "", "", published and not in_lambda, script, result_called, False, False), guard
            )
        if qualname is not None and (callee_outside if qualname is callee else self._outside_project(qualname)):
            return  # `select(User)`, `logging.getLogger(name)`: nothing of the project is called later
        keywords = node.keywords
        for hook in keywords:
            if type(hook.value) is ast.Call and hook.arg in LIFESPAN_HOOKS:
                self._hand_result(node, hook.value, hook.arg, table, scope, qualname, in_loop=in_loop, script=script)
        if args and type(args[-1]) is ast.Call:
            # (`add_event_handler("startup", builder(app))`, `app.on_startup.append(builder())`.)
            self._hand_result(node, args[-1], None, table, scope, qualname, in_loop=in_loop, script=script)
        if not _hands_on(args, keywords):
            return
        to, via = _receiver(node, table, qualname)
        for position, value in enumerate((*args, *(keyword.value for keyword in keywords))):
            for target in _handed_targets(value, table, scope):
                if via is None:
                    via = _event_name(node)
                keyword = keywords[position - len(args)].arg if position >= len(args) else None
                scope.add(
                    (target, InvocationKind.HANDED, in_loop, keyword or via, to, False, script, False, False, False)
                )

    def _hand_result(
        self,
        node: ast.Call,
        handed: ast.Call,
        keyword: str | None,
        table: NameTable,
        scope: _Scope,
        qualname: str | None,
        *,
        in_loop: bool,
        script: bool,
    ) -> None:
        """`add_event_handler("startup", startup_app(app))`: the hook is what the project call
        returns. Only hooks that make code run once are worth the edge: any other keyword or
        argument that is a call (nearly every call has one) tells the run-once question nothing."""
        via = keyword or _event_name(node)
        if via not in LIFESPAN_HOOKS:
            return
        builder = _target(handed.func, table, scope, None)
        if builder is None or self._outside_project(builder):
            return
        to = qualname or (node.func.id if type(node.func) is ast.Name else "")
        scope.add((builder, InvocationKind.HANDED, in_loop, via, to, False, script, False, True, False))

    def on_return(self, value: ast.expr | None) -> None:
        """`return start_app`, a function nested in this one: a caller that hands the call's
        result on hands that function."""
        if not self.scopes or type(value) is not ast.Name:
            return
        scope = self.scopes[-1]
        nested = scope.nested.get(value.id)
        if nested is not None and len(scope.found) < _MAX_PER_FUNCTION:
            scope.add((nested, InvocationKind.RETURNED, False, "", "", False, False, False, False, False))

    def on_local_result_called(self, callee: str, *, in_loop: bool, argued: bool = False) -> None:
        """`factory = make()`, then `factory()` in the same function: the result of `make()` is
        called here and is held by a local name that dies with the call, as in `make()()`. With
        `argued`, the call passed arguments (`pool = make(url)`): recorded apart."""
        if not self.scopes or self._outside_project(callee):
            return
        found = self.scopes[-1].found
        if len(found) < _MAX_PER_FUNCTION:
            self.scopes[-1].add((callee, InvocationKind.CALL, in_loop, "", "", False, False, not argued, False, argued))


def _hands_on(args: list[ast.expr], keywords: list[ast.keyword]) -> bool:
    """Whether some argument has the shape of a callable handed on (most calls pass none)."""
    for value in args:
        if type(value) in _HANDED_SHAPES:
            return True
    return any(type(keyword.value) in _HANDED_SHAPES for keyword in keywords)


def _outside_project(qualname: str) -> bool:
    """A known SQLAlchemy API or a standard-library callable: it never calls back into the project."""
    return known_api(qualname) is not None or qualname.partition(".")[0] in _STANDARD_LIBRARY


def _handed_targets(value: ast.expr, table: NameTable, scope: _Scope) -> list[str]:
    """The callables an argument hands on: a dotted name, or the names in a list of them."""
    if isinstance(value, (ast.Name, ast.Attribute)):
        items: list[ast.expr] = [value]
    elif isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        items = [item.value if type(item) is ast.Starred else item for item in value.elts]
    elif type(value) is ast.Starred:
        items = [value.value]
    else:
        return []
    return [
        target
        for item in items
        if isinstance(item, (ast.Name, ast.Attribute)) and (target := _target(item, table, scope, None)) is not None
    ]


def _target(expr: ast.expr, table: NameTable, scope: _Scope, known: str | None) -> str | None:
    if type(expr) is ast.Name and expr.id in scope.nested:
        return scope.nested[expr.id]
    if (
        type(expr) is ast.Attribute
        and type(expr.value) is ast.Name
        and expr.value.id in _OWNERS
        and scope.class_qualname is not None
    ):
        return f"{scope.class_qualname}.{expr.attr}"
    if known is not None:
        return known
    return qualify(expr, table)


def _receiver(node: ast.Call, table: NameTable, qualname: str | None) -> tuple[str, str | None]:
    """What a callable handed to `node` is handed to (`to`), and how when that is already known
    (`via`): a decorator applied by a call (`cli.command(name="fill")(fill)`) is the decorator,
    with its first string argument, as `@cli.command(name="fill")` above `fill` would be."""
    func = node.func
    if type(func) is ast.Call:
        decorator = qualify(func.func, table)
        if decorator is not None:
            first = func.args[0] if func.args else None
            argument = first.value if type(first) is ast.Constant and isinstance(first.value, str) else ""
            return decorator, APPLIED + argument
    return qualname or (func.id if type(func) is ast.Name else ""), None


def _is_runner(func: ast.expr, qualname: str | None) -> bool:
    return qualname in _RUNNERS or (type(func) is ast.Attribute and func.attr == "run_until_complete")


def _event_name(node: ast.Call) -> str:
    """How a positional callback is registered: `add_event_handler("startup", f)` gives "startup",
    `app.on_startup.append(f)` gives "on_startup"."""
    func = node.func
    if type(func) is ast.Attribute and func.attr in _APPENDERS and type(func.value) is ast.Attribute:
        return func.value.attr
    for argument in node.args:
        if type(argument) is ast.Constant and isinstance(argument.value, str):
            return argument.value
    return ""


def decorator_arguments(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    """The constant string each decorator call starts with: `@app.on_event("startup")`."""
    found: list[str] = []
    for decorator in node.decorator_list:
        if type(decorator) is ast.Call and decorator.args:
            first = decorator.args[0]
            if type(first) is ast.Constant and isinstance(first.value, str):
                found.append(first.value)
    return tuple(found)
