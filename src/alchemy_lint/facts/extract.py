"""The one `ast` walk that turns a parsed file into `FileFacts`.

Name resolution happens here, per file; what names mean across files is the index's job.
"""

from __future__ import annotations

import ast
import sys
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

from alchemy_lint.facts.concurrency import ConcurrencyRecorder
from alchemy_lint.facts.guards import yield_guard
from alchemy_lint.facts.loading import analyse_function, relationship_is_collection
from alchemy_lint.facts.model import (
    ApiCall,
    BeginBlock,
    ClassFacts,
    ContextEntry,
    FileFacts,
    FunctionFacts,
    Origin,
    OriginKind,
    RelationshipFacts,
    SchemaCreation,
    Scope,
    SessionMethodCall,
    SessionRef,
    YieldGuard,
)
from alchemy_lint.facts.schema import CREATE_ALL, schema_creation
from alchemy_lint.facts.walk import FastNodeVisitor
from alchemy_lint.names import ASYNCIO_MODULES, REEXPORTABLE_LEAVES, Api, known_api
from alchemy_lint.resolve import (
    NameTable,
    annotation_target,
    annotation_targets,
    bind_import,
    dotted_parts,
    expression_text,
    qualify,
    type_alias_target,
    unquoted,
)

#: Methods whose receiver the facts keep, with its evidence of being a session.
SESSION_METHODS = frozenset({"commit", "rollback", "begin", "begin_nested", "close", "flush"})
BEGIN_METHODS = frozenset({"begin", "begin_nested"})
TYPE_ALIAS_MARKERS = frozenset({"typing.TypeAlias", "typing_extensions.TypeAlias"})
TRANSACTION_ENDS = frozenset({"commit", "rollback"})
_MAX_ORIGINS = 8

#: Python 3.12's `type X = ...` statement; an empty tuple matches nothing on older versions.
_TYPE_ALIAS_STATEMENT: Any = getattr(ast, "TypeAlias", ())

#: What `parse_source` can raise on bad input, all reported as ASA001.
PARSE_ERRORS = (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError)


def parse_source(source: bytes | str, filename: str) -> ast.Module:
    """Parse like the interpreter does: bytes honour BOM and coding cookies."""
    with warnings.catch_warnings():
        # The parser warns about the checked code (`1if x`, "\d"): not ours to print.
        warnings.simplefilter("ignore")
        return ast.parse(source, filename=filename)


def extract_facts(tree: ast.Module, path: str, module: str, is_package: bool) -> FileFacts:
    try:
        return _build(tree, path, module, is_package)
    except RecursionError:
        # Python parses expressions far deeper than the default recursion limit lets a
        # visitor walk (a 500-term `a + b + ...` is valid code): walk again with room.
        return _build_deeply_nested(tree, path, module, is_package)


def _build(tree: ast.Module, path: str, module: str, is_package: bool) -> FileFacts:
    builder = _FactsBuilder(path, module, is_package)
    builder.build(tree)
    return builder.result()


#: Enough frames for the deepest tree Python's parser builds (its own limit is a few thousand
#: levels) at a few visitor frames per level, on a stack big enough to hold them.
_DEEP_RECURSION_LIMIT = 50_000
_DEEP_STACK_BYTES = 512 * 1024 * 1024


def _build_deeply_nested(tree: ast.Module, path: str, module: str, is_package: bool) -> FileFacts:
    too_deep = FileFacts(path, module, is_package, parse_error="too deeply nested to analyse")
    built: list[FileFacts] = []

    def walk() -> None:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, _DEEP_RECURSION_LIMIT))
        try:
            built.append(_build(tree, path, module, is_package))
        except RecursionError:
            pass
        finally:
            sys.setrecursionlimit(limit)

    try:
        previous = threading.stack_size(_DEEP_STACK_BYTES)
    except (ValueError, RuntimeError):
        return too_deep
    try:
        worker = threading.Thread(target=walk, name="alchemy-lint-deep-walk")
        worker.start()
        worker.join()
    except RuntimeError:  # no memory for the thread's stack
        return too_deep
    finally:
        threading.stack_size(previous)
    return built[0] if built else too_deep


@dataclass(slots=True)
class _OpenBlock:
    receiver: SessionRef
    method: str
    bound: str | None
    line: int
    col: int
    names: frozenset[str]
    violations: list[SessionMethodCall] = field(default_factory=list)


@dataclass(slots=True)
class _FunctionState:
    qualname: str
    class_qualname: str | None
    table: NameTable
    parameters: set[str]
    bindings: dict[str, tuple[Origin, ...]] = field(default_factory=dict)
    global_names: set[str] = field(default_factory=set)
    open_blocks: list[_OpenBlock] = field(default_factory=list)
    begin_blocks: list[BeginBlock] = field(default_factory=list)
    session_calls: list[SessionMethodCall] = field(default_factory=list)
    context_entries: list[ContextEntry] = field(default_factory=list)
    yields: list[SessionRef] = field(default_factory=list)
    yield_guards: list[YieldGuard] = field(default_factory=list)
    #: The `with` and `try` statements around the current point (for yield guards).
    enclosing: list[ast.stmt] = field(default_factory=list)
    #: Whether the body awaits anything: without an await no ORM object is loaded.
    awaits: bool = False


@dataclass(slots=True)
class _ClassState:
    qualname: str
    attributes: dict[str, tuple[Origin, ...]] = field(default_factory=dict)


class _FactsBuilder(FastNodeVisitor):
    def __init__(self, path: str, module: str, is_package: bool) -> None:
        self.path = path
        self.module = module
        self.is_package = is_package
        self.module_table = NameTable()
        self.table = self.module_table
        self.functions: list[_FunctionState] = []
        self.classes: list[_ClassState] = []
        self.loop_depth = 0
        self.lambda_depth = 0
        self.uses_asyncio = False
        self.api_calls: list[ApiCall] = []
        self.function_facts: list[FunctionFacts] = []
        self.class_facts: list[ClassFacts] = []
        self.module_calls: list[SessionMethodCall] = []
        self.module_values: dict[str, tuple[Origin, ...]] = {}
        self._assign_target: str | None = None
        self._awaited: ast.expr | None = None
        self._returned: ast.expr | None = None
        self.concurrency = ConcurrencyRecorder(self)
        self.type_aliases: dict[str, str] = {}
        self.schema_creations: list[SchemaCreation] = []

    # -- driving ---------------------------------------------------------------

    def build(self, tree: ast.Module) -> None:
        self._prescan(tree.body)
        self.concurrency.scan_module(tree)
        for statement in tree.body:
            self.visit(statement)

    def result(self) -> FileFacts:
        return FileFacts(
            path=self.path,
            module=self.module,
            is_package=self.is_package,
            exports=dict(self.module_table.items()),
            uses_asyncio=self.uses_asyncio,
            api_calls=tuple(self.api_calls),
            functions=tuple(self.function_facts),
            classes=tuple(self.class_facts),
            module_calls=tuple(self.module_calls),
            module_values=self.module_values,
            stored_values=tuple(self.concurrency.stored),
            type_aliases=self.type_aliases,
            schema_creations=tuple(self.schema_creations),
        )

    def _prescan(self, body: list[ast.stmt]) -> None:
        """Bind module-level names first, so functions resolve names defined below them."""
        for statement in body:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                self._bind_import(statement)
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.module_table.bind(statement.name, f"{self.module}.{statement.name}")
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        self._bind_module_name(target.id, statement.value)
            elif isinstance(statement, _TYPE_ALIAS_STATEMENT) and isinstance(statement.name, ast.Name):
                self._bind_module_name(statement.name.id, statement.value)  # `type SessionDep = ...`
            elif isinstance(statement, ast.If):
                self._prescan(statement.body)
                self._prescan(statement.orelse)
            elif isinstance(statement, ast.Try):
                self._prescan(statement.body)
                for handler in statement.handlers:
                    self._prescan(handler.body)
                self._prescan(statement.orelse)
                self._prescan(statement.finalbody)

    def _bind_module_name(self, name: str, value: ast.expr | None) -> None:
        alias = None
        if value is not None:
            alias = qualify(value, self.module_table) or type_alias_target(value, self.module_table)
        self.module_table.bind(name, alias or f"{self.module}.{name}")

    def _bind_import(self, node: ast.Import | ast.ImportFrom) -> None:
        bind_import(self.table, node, self.module, self.is_package)
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [alias.name for alias in node.names]
        if any(name.startswith(ASYNCIO_MODULES) for name in names):
            self.uses_asyncio = True

    # -- scopes ----------------------------------------------------------------

    def in_function(self) -> bool:
        return self.function is not None

    def global_names(self) -> set[str]:
        return self.function.global_names if self.function else set()

    def parameters(self) -> set[str]:
        return self.function.parameters if self.function else set()

    def class_name(self) -> str | None:
        return self.classes[-1].qualname.rsplit(".", 1)[-1] if self.classes else None

    @property
    def function(self) -> _FunctionState | None:
        return self.functions[-1] if self.functions else None

    @property
    def scope(self) -> Scope:
        if self.functions or self.lambda_depth:
            return Scope.FUNCTION
        if self.classes:
            return Scope.CLASS
        return Scope.MODULE

    def visit_Import(self, node: ast.Import) -> None:
        self._bind_import(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._bind_import(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        bases = tuple(base for base in (qualify(b, self.table) for b in node.bases) if base)
        keywords = {kw.arg: ast.unparse(kw.value) for kw in node.keywords if kw.arg}
        outer = self.function
        qualname = f"{outer.qualname if outer else self.module}.{node.name}"
        if self.classes and not outer:
            qualname = f"{self.classes[-1].qualname}.{node.name}"
        state = _ClassState(qualname)
        self.classes.append(state)
        saved_functions, self.functions = self.functions, []
        saved_loops, self.loop_depth = self.loop_depth, 0
        relationships: list[RelationshipFacts] = []
        fields: list[str] = []
        for statement in node.body:
            declared = _class_field(statement) or _declared_attribute(statement, self.table)
            if declared is not None:
                name, annotation, value = declared
                fields.append(name)
                target = annotation_target(annotation, self.table)
                if target:
                    state.attributes[name] = (Origin(OriginKind.ANNOTATION, target),)
                relationship = relationship_facts(name, annotation, value, self.table, statement)
                if relationship is not None:
                    relationships.append(relationship)
            self.visit(statement)
        self.functions, self.loop_depth = saved_functions, saved_loops
        self.classes.pop()
        self.class_facts.append(
            ClassFacts(
                qualname,
                node.name,
                node.lineno,
                node.col_offset,
                bases,
                keywords,
                state.attributes,
                tuple(relationships),
                tuple(fields),
            )
        )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_function(node, is_async=False)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._visit_function(node, is_async=True)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, is_async: bool) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in (*node.args.defaults, *node.args.kw_defaults):
            if default is not None:
                self.visit(default)
        decorators = tuple(
            name for name in (qualify(_decorator_callee(d), self.table) for d in node.decorator_list) if name
        )
        outer = self.function
        method_of = self.classes[-1].qualname if self.classes and not outer else None
        prefix = outer.qualname if outer else (method_of or self.module)
        table = (outer.table if outer else self.module_table).child()
        arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        for extra in (node.args.vararg, node.args.kwarg):
            if extra is not None:
                arguments.append(extra)
        state = _FunctionState(f"{prefix}.{node.name}", method_of, table, {a.arg for a in arguments})
        for argument in arguments:
            table.forget(argument.arg)
            targets = annotation_targets(argument.annotation, self.table)
            if targets:
                state.bindings[argument.arg] = tuple(Origin(OriginKind.ANNOTATION, t) for t in targets)
        saved_table, self.table = self.table, table
        saved_loops, self.loop_depth = self.loop_depth, 0
        self.functions.append(state)
        self.concurrency.enter_function(node)
        for statement in node.body:
            self.visit(statement)
        task_spawns = self.concurrency.leave_function()
        loading = analyse_function(node, self) if isinstance(node, ast.AsyncFunctionDef) and state.awaits else None
        self.functions.pop()
        self.table, self.loop_depth = saved_table, saved_loops
        self.function_facts.append(
            FunctionFacts(
                qualname=state.qualname,
                name=node.name,
                line=node.lineno,
                col=node.col_offset,
                is_async=is_async,
                decorators=decorators,
                parameters=tuple(a.arg for a in arguments),
                begin_blocks=tuple(state.begin_blocks),
                session_calls=tuple(state.session_calls),
                context_entries=tuple(state.context_entries),
                yields=tuple(state.yields),
                yield_guards=tuple(state.yield_guards),
                task_spawns=task_spawns,
                returns=annotation_target(node.returns, table),
                loading=loading,
            )
        )

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.lambda_depth += 1
        self.generic_visit(node)
        self.lambda_depth -= 1

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == CREATE_ALL:
            function = self.function
            found = schema_creation(node, self.origins_of, self.scope, function.qualname if function else None)
            if found is not None:
                self.schema_creations.append(found)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        if self.function is not None:
            self.function.global_names.update(node.names)

    # -- loops -----------------------------------------------------------------

    def _visit_loop(self, node: ast.AST) -> None:
        self.loop_depth += 1
        self.concurrency.enter_loop(node)
        self.generic_visit(node)
        self.concurrency.leave_loop()
        self.loop_depth -= 1

    visit_For = _visit_loop
    visit_AsyncFor = _visit_loop
    visit_While = _visit_loop
    visit_ListComp = _visit_loop
    visit_SetComp = _visit_loop
    visit_DictComp = _visit_loop
    visit_GeneratorExp = _visit_loop

    # -- bindings --------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        single = node.targets[0] if len(node.targets) == 1 else None
        self._visit_value(node.value, single)
        self._record_type_alias(single, node.value, explicit=False)
        for target in node.targets:
            self.concurrency.on_assign(target, node.value, node.lineno, node.col_offset)
            self._bind_target(target, node.value, None)
            if not isinstance(target, ast.Name):
                self.visit(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._visit_value(node.value, node.target)
        explicit = qualify(node.annotation, self.table) in TYPE_ALIAS_MARKERS
        self._record_type_alias(node.target, node.value, explicit)
        self.concurrency.on_assign(node.target, node.value, node.lineno, node.col_offset)
        self._bind_target(node.target, node.value, node.annotation)
        if not isinstance(node.target, ast.Name):
            self.visit(node.target)

    def visit_TypeAlias(self, node: ast.AST) -> None:  # `type X = ...`, Python 3.12+
        self._record_type_alias(getattr(node, "name", None), getattr(node, "value", None), explicit=True)
        self.generic_visit(node)

    def _record_type_alias(self, target: ast.expr | None, value: ast.expr | None, explicit: bool) -> None:
        if self.scope is Scope.MODULE and isinstance(target, ast.Name):
            found = type_alias_target(value, self.table, explicit)
            if found:
                self.type_aliases[target.id] = found

    def _visit_value(self, value: ast.expr, target: ast.expr | None) -> None:
        self._assign_target = (
            (self._published_name(target) or self._stored_attribute(target)) if isinstance(value, ast.Call) else None
        )
        self.visit(value)
        self._assign_target = None

    def _published_name(self, target: ast.expr | None) -> str | None:
        if not isinstance(target, ast.Name):
            return None
        if self.scope is Scope.MODULE:
            return f"{self.module}.{target.id}"
        function = self.function
        if function is not None and target.id in function.global_names:
            return f"{self.module}.{target.id}"
        return None

    def _stored_attribute(self, target: ast.expr | None) -> str | None:
        """`self.x = call()` in a method: the value lives on the object, built once per instance."""
        function = self.function
        if (
            function is None
            or function.class_qualname is None
            or not isinstance(target, ast.Attribute)
            or not isinstance(target.value, ast.Name)
            or target.value.id != "self"
        ):
            return None
        return f"{function.class_qualname}.{target.attr}"

    def _bind_target(self, target: ast.expr, value: ast.expr | None, annotation: ast.expr | None) -> None:
        function = self.function
        published = self._published_name(target)
        if published is not None and isinstance(value, (ast.Call, ast.Await)):
            name = published.rsplit(".", 1)[1]
            found = self.module_values.get(name, ()) + self.origins_of(value)
            self.module_values[name] = found[:_MAX_ORIGINS]
        if isinstance(target, ast.Name):
            if function is None:
                if self.scope is Scope.MODULE:
                    self._bind_module_name(target.id, value)
                return
            origins: tuple[Origin, ...] = ()
            declared = annotation_target(annotation, self.table)
            if declared:
                origins = (Origin(OriginKind.ANNOTATION, declared),)
            elif value is not None:
                origins = self.origins_of(value)
            alias = qualify(value, self.table) if value is not None and not declared else None
            if alias:
                self.table.bind(target.id, alias)
            else:
                self.table.forget(target.id)
            if origins:
                function.bindings[target.id] = origins
            else:
                function.bindings.pop(target.id, None)
            return
        if (
            function is not None
            and function.class_qualname is not None
            and isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
        ):
            found = (
                (Origin(OriginKind.ANNOTATION, declared),)
                if (declared := annotation_target(annotation, self.table))
                else (self.origins_of(value) if value is not None else ())
            )
            if found:
                owner = self._class_state(function.class_qualname)
                if owner is not None:
                    merged = owner.attributes.get(target.attr, ()) + found
                    owner.attributes[target.attr] = merged[:_MAX_ORIGINS]

    def _class_state(self, qualname: str) -> _ClassState | None:
        for state in reversed(self.classes):
            if state.qualname == qualname:
                return state
        return None

    def origins_of(self, expr: ast.expr) -> tuple[Origin, ...]:
        """What the facts can say about where the value of `expr` comes from."""
        if isinstance(expr, ast.Await):
            return self.origins_of(expr.value)
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Attribute):
                base = self.origins_of(func.value)
                if base:
                    return tuple(origin.then(func.attr) for origin in base)
            return tuple(origin.then("()") for origin in self.origins_of(func))
        if isinstance(expr, ast.Name):
            function = self.function
            if function is not None and expr.id in function.bindings:
                return function.bindings[expr.id]
            qualname = self.table.lookup(expr.id)
            return (Origin(OriginKind.NAME, qualname),) if qualname else ()
        if isinstance(expr, ast.Attribute):
            function = self.function
            if (
                function is not None
                and function.class_qualname is not None
                and isinstance(expr.value, ast.Name)
                and expr.value.id == "self"
            ):
                return (Origin(OriginKind.ATTRIBUTE, f"{function.class_qualname}.{expr.attr}"),)
            # `engine.sync_engine` is an attribute of a value; `sqlalchemy.orm.Session` a
            # module path: keep both readings and let the index evaluate them.
            found = tuple(origin.then(f".{expr.attr}") for origin in self.origins_of(expr.value))
            qualname = qualify(expr, self.table)
            if qualname:
                found = (Origin(OriginKind.NAME, qualname), *found)
            return found[:_MAX_ORIGINS]
        return ()

    def session_ref(self, expr: ast.expr) -> SessionRef | None:
        text = expression_text(expr)
        if text is None:
            return None
        function = self.function
        is_parameter = function is not None and isinstance(expr, ast.Name) and expr.id in function.parameters
        return SessionRef(text, self.origins_of(expr), is_parameter)

    # -- calls -----------------------------------------------------------------

    def visit_Return(self, node: ast.Return) -> None:
        self._returned = node.value
        self.generic_visit(node)

    def visit_Await(self, node: ast.Await) -> None:
        if self.function is not None:
            self.function.awaits = True
        self._awaited = node.value
        self.concurrency.on_await(node)
        self.visit(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        target, self._assign_target = self._assign_target, None
        awaited = self._awaited is node
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in SESSION_METHODS:
            self._record_session_method(node, func, awaited)
        qualname = qualify(func, self.table) if dotted_parts(func) is not None else None
        self.concurrency.on_call(node, qualname, awaited)
        if qualname is not None:
            api = known_api(qualname)
            leaf = qualname.rsplit(".", 1)[-1]
            # Project subclasses of a session class (`AppSession(...)`) are recorded by a name hint
            # that keeps the facts small; whether they are session classes is the index's call.
            if api is not None or leaf in REEXPORTABLE_LEAVES or leaf.endswith("Session"):
                self.api_calls.append(self._api_call(node, qualname, target))
        self.generic_visit(node)

    def _api_call(self, node: ast.Call, qualname: str, target: str | None) -> ApiCall:
        keywords: dict[str, str] = {}
        keyword_targets: dict[str, str] = {}
        has_star = False
        for keyword in node.keywords:
            if keyword.arg is None:
                has_star = True
                continue
            keywords[keyword.arg] = ast.unparse(keyword.value)
            resolved = qualify(keyword.value, self.table)
            if resolved:
                keyword_targets[keyword.arg] = resolved
        first = node.args[0] if node.args else None
        function = self.function
        return ApiCall(
            callee=qualname,
            api=known_api(qualname),
            text=expression_text(node.func) or qualname,
            line=node.lineno,
            col=node.col_offset,
            scope=self.scope,
            in_loop=self.loop_depth > 0,
            function=function.qualname if function else None,
            assigned_to=target,
            keywords=keywords,
            keyword_targets=keyword_targets,
            has_star_kwargs=has_star,
            first_arg=qualify(first, self.table) if first is not None else None,
            first_arg_origins=self.origins_of(first) if first is not None else (),
            returned=self._returned is node,
            positional=len(node.args),
        )

    def _record_session_method(self, node: ast.Call, func: ast.Attribute, awaited: bool) -> None:
        receiver = self.session_ref(func.value)
        if receiver is None:
            return
        call = SessionMethodCall(receiver, func.attr, node.lineno, node.col_offset, awaited)
        function = self.function
        if function is None:
            self.module_calls.append(call)
            return
        function.session_calls.append(call)
        if func.attr in TRANSACTION_ENDS:
            for block in reversed(function.open_blocks):
                if receiver.text in block.names:
                    block.violations.append(call)
                    break

    # -- context managers ------------------------------------------------------

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self._visit_with(node, is_async=True)

    def visit_With(self, node: ast.With) -> None:
        self._visit_with(node, is_async=False)

    def _visit_with(self, node: ast.AsyncWith | ast.With, is_async: bool) -> None:
        function = self.function
        opened: list[_OpenBlock] = []
        for item in node.items:
            self.visit(item.context_expr)
            bound = item.optional_vars.id if isinstance(item.optional_vars, ast.Name) else None
            expr = item.context_expr
            self.concurrency.on_with(expr, bound, node)
            if function is not None:
                origins = self.origins_of(expr)
                text = ast.unparse(expr)
                if origins:
                    function.context_entries.append(
                        ContextEntry(origins, text, bound, is_async, expr.lineno, expr.col_offset)
                    )
                if (
                    is_async
                    and isinstance(expr, ast.Call)
                    and isinstance(expr.func, ast.Attribute)
                    and expr.func.attr in BEGIN_METHODS
                ):
                    receiver = self.session_ref(expr.func.value)
                    if receiver is not None:
                        names = {receiver.text} | ({bound} if bound else set())
                        block = _OpenBlock(
                            receiver, expr.func.attr, bound, expr.lineno, expr.col_offset, frozenset(names)
                        )
                        function.open_blocks.append(block)
                        opened.append(block)
                if bound is not None:
                    self.table.forget(bound)
                    if origins:
                        function.bindings[bound] = origins
                    else:
                        function.bindings.pop(bound, None)
            elif item.optional_vars is not None:
                self.visit(item.optional_vars)
        if function is not None:
            function.enclosing.append(node)
        for statement in node.body:
            self.visit(statement)
        if function is not None:
            function.enclosing.pop()
            for block in reversed(opened):
                function.open_blocks.remove(block)
                function.begin_blocks.append(
                    BeginBlock(
                        block.receiver,
                        block.method,
                        block.bound,
                        block.line,
                        block.col,
                        tuple(block.violations),
                    )
                )

    # -- generators ------------------------------------------------------------

    def visit_Yield(self, node: ast.Yield) -> None:
        function = self.function
        if function is not None and node.value is not None:
            ref = self.session_ref(node.value)
            if ref is not None:
                function.yields.append(ref)
                function.yield_guards.append(yield_guard(ref, node, function.enclosing, self.origins_of))
        self.generic_visit(node)

    def visit_Try(self, node: ast.Try) -> None:
        self._visit_try(node)

    def visit_TryStar(self, node: ast.TryStar) -> None:
        self._visit_try(node)

    def _visit_try(self, node: ast.Try | ast.TryStar) -> None:
        function = self.function
        if function is None:
            self.generic_visit(node)
            return
        # Only the `try:` body is protected by the handlers and the `finally`.
        function.enclosing.append(node)
        for statement in node.body:
            self.visit(statement)
        function.enclosing.pop()
        for part in (*node.handlers, *node.orelse, *node.finalbody):
            self.visit(part)


_DECLARED_ATTR = ("sqlalchemy.orm.declared_attr", "sqlalchemy.ext.declarative.declared_attr")


def _declared_attribute(statement: ast.stmt, table: NameTable) -> tuple[str, ast.expr | None, ast.expr | None] | None:
    """`@declared_attr def name(cls) -> Mapped[...]: return relationship(...)` in a mixin or model."""
    if not isinstance(statement, ast.FunctionDef) or not statement.body:
        return None
    if not any(_qualified(_decorator_callee(d), table) in _DECLARED_ATTR for d in statement.decorator_list):
        return None
    last = statement.body[-1]
    return statement.name, statement.returns, last.value if isinstance(last, ast.Return) else None


def _class_field(statement: ast.stmt) -> tuple[str, ast.expr | None, ast.expr | None] | None:
    """`name: annotation = value` or `name = value` in a class body."""
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.annotation, statement.value
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id, None, statement.value
    return None


_COLLECTION_WRAPPERS = frozenset(
    {
        "list",
        "set",
        "frozenset",
        "tuple",
        "List",
        "Set",
        "FrozenSet",
        "Tuple",
        "Sequence",
        "Iterable",
        "Collection",
        "Optional",
        "Mapped",
        "WriteOnlyMapped",
        "DynamicMapped",
    }
)


def relationship_facts(
    name: str, annotation: ast.expr | None, value: ast.expr | None, table: NameTable, node: ast.stmt
) -> RelationshipFacts | None:
    """A relationship declared as `x = relationship(...)`, `x: Mapped[...] = relationship(...)`,
    SQLModel's `x: list["T"] = Relationship(...)`, or a `WriteOnlyMapped`/`DynamicMapped` annotation."""
    call = (
        value if isinstance(value, ast.Call) and known_api(_qualified(value.func, table)) is Api.RELATIONSHIP else None
    )
    container = _container(annotation, table)
    if call is None and container not in (Api.WRITE_ONLY_MAPPED.value, Api.DYNAMIC_MAPPED.value):
        return None
    target: str | None = None
    lazy: str | None = None
    if call is not None:
        if call.args:
            target = _target_name(call.args[0], table)
        for keyword in call.keywords:
            if keyword.arg == "lazy":
                lazy = _lazy_value(keyword.value)
            elif keyword.arg == "sa_relationship_kwargs" and lazy is None:
                lazy = _lazy_in_mapping(keyword.value)
            elif keyword.arg == "argument" and target is None:
                target = _target_name(keyword.value, table)
    if target is None and annotation is not None:
        target = _target_name(annotation, table)
    return RelationshipFacts(
        name, target, lazy, container, node.lineno, node.col_offset, relationship_is_collection(annotation, call)
    )


def _qualified(expr: ast.expr, table: NameTable) -> str | None:
    return qualify(expr, table) if dotted_parts(expr) is not None else None


def _container(annotation: ast.expr | None, table: NameTable) -> str | None:
    annotation = unquoted(annotation) if annotation is not None else None
    if isinstance(annotation, ast.Subscript):
        api = known_api(_qualified(annotation.value, table))
        if api is Api.MAPPED or api is Api.WRITE_ONLY_MAPPED or api is Api.DYNAMIC_MAPPED:
            return str(api.value)
    return None


def _target_name(expr: ast.expr, table: NameTable) -> str | None:
    """The model class an annotation or `relationship()` argument names."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        text = expr.value.strip()
        try:
            parsed = ast.parse(text, mode="eval").body
        except SyntaxError:
            return None
        if isinstance(parsed, (ast.Name, ast.Attribute)):
            return text  # resolved by the index, by name, across files
        return _target_name(parsed, table)
    if isinstance(expr, ast.Subscript):
        wrapper = dotted_parts(expr.value)
        if wrapper and wrapper[-1] in _COLLECTION_WRAPPERS:
            inner = expr.slice
            if isinstance(inner, ast.Tuple) and inner.elts:
                inner = inner.elts[0]
            return _target_name(inner, table)
        return None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
        for side in (expr.left, expr.right):
            if not (isinstance(side, ast.Constant) and side.value is None):
                return _target_name(side, table)
        return None
    if isinstance(expr, ast.Lambda):
        return _target_name(expr.body, table)
    if dotted_parts(expr) is not None:
        return qualify(expr, table) or expression_text(expr)
    return None


def _lazy_value(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Constant):
        if expr.value is True:
            return "select"
        if expr.value is False:
            return "joined"
        if expr.value is None:
            return "noload"
        if isinstance(expr.value, str):
            return expr.value
    return None


def _lazy_in_mapping(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Dict):
        for key, item in zip(expr.keys, expr.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "lazy":
                return _lazy_value(item)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "dict":
        for keyword in expr.keywords:
            if keyword.arg == "lazy":
                return _lazy_value(keyword.value)
    return None


def _decorator_callee(decorator: ast.expr) -> ast.expr:
    return decorator.func if isinstance(decorator, ast.Call) else decorator
