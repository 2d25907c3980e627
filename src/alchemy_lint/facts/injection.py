"""Values that frameworks hand to functions: dependency injection and pytest fixtures.

FastAPI's `Depends(provider)` (as a default or in `Annotated[...]`), Litestar's `Provide(provider)`
registered under a name, and pytest fixtures requested by parameter name.
"""

from __future__ import annotations

import ast

from alchemy_lint.resolve import NameTable, dotted_parts, qualify, unquoted

#: Markers whose first argument (or `dependency=`) is the provider of the parameter's value.
DEPENDS = frozenset(
    {
        "fastapi.Depends",
        "fastapi.params.Depends",
        "fastapi.param_functions.Depends",
        "fastapi.Security",
        "fastapi.params.Security",
        "fastapi.param_functions.Security",
        "fast_depends.Depends",
        "faststream.Depends",
        "litestar.di.Provide",
        "litestar.Provide",
        "dishka.FromDishka",
    }
)
#: Registrations of a provider under a name: `dependencies={"db": Provide(get_db)}`.
PROVIDE = frozenset({"litestar.di.Provide", "litestar.Provide"})
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
_FIXTURES = frozenset({"pytest.fixture", "pytest_asyncio.fixture", "_pytest.fixtures.fixture"})
#: Decorators-as-calls that return the function they wrap, as far as its value goes:
#: `get_session = asynccontextmanager(_session)` is the generator function made a helper.
TRANSPARENT_WRAPPERS = frozenset(
    {
        "contextlib.asynccontextmanager",
        "contextlib.contextmanager",
        "functools.wraps",
    }
)


#: `gen.__anext__()` and `next(gen)`-style calls: the next item a generator yields.
_NEXT_ITEM_METHODS = frozenset({"__anext__", "__next__"})
_NEXT_ITEM_BUILTINS = frozenset({"anext", "next"})


def next_item_of(call: ast.Call, table: NameTable) -> ast.expr | None:
    """The generator whose next item `call` takes (`await anext(get_db())`,
    `get_db().__anext__()`): the item is what it yields, which the index takes for what calling
    its function gives, as it does for `async with helper() as session`."""
    func = call.func
    if type(func) is ast.Attribute and func.attr in _NEXT_ITEM_METHODS and not call.args:
        return func.value
    if type(func) is ast.Name and func.id in _NEXT_ITEM_BUILTINS and call.args and not table.lookup(func.id):
        return call.args[0]
    return None


def takes_sync_item(call: ast.Call) -> bool:
    """`next(gen)` or `gen.__next__()` (given `next_item_of(call)`): a sync iteration, which an
    async generator refuses (`TypeError`), so what it yields is never the value."""
    func = call.func
    return func.attr == "__next__" if type(func) is ast.Attribute else type(func) is ast.Name and func.id == "next"


def _qualified(expr: ast.expr, table: NameTable) -> str | None:
    return qualify(expr, table) if dotted_parts(expr) is not None else None


def provider_of(expr: ast.expr | None, table: NameTable) -> ast.expr | None:
    """The provider in `Depends(provider)` / `Provide(provider)`, if `expr` is such a marker."""
    if type(expr) is not ast.Call or _qualified(expr.func, table) not in DEPENDS:
        return None
    if expr.args:
        return expr.args[0]
    for keyword in expr.keywords:
        if keyword.arg == "dependency":
            return keyword.value
    return None


def annotated_provider(annotation: ast.expr | None, table: NameTable) -> ast.expr | None:
    """The provider in `Annotated[X, Depends(provider)]` (also as a string annotation)."""
    annotation = unquoted(annotation) if annotation is not None else None
    if type(annotation) is not ast.Subscript or _qualified(annotation.value, table) not in _ANNOTATED:
        return None
    inner = annotation.slice
    if type(inner) is not ast.Tuple:
        return None
    for metadata in inner.elts[1:]:
        found = provider_of(metadata, table)
        if found is not None:
            return found
    return None


def fixture_name(function: ast.FunctionDef | ast.AsyncFunctionDef, table: NameTable) -> str | None:
    """The name a pytest fixture is requested by, or None when the function is no fixture."""
    for decorator in function.decorator_list:
        callee = decorator.func if type(decorator) is ast.Call else decorator
        if _qualified(callee, table) not in _FIXTURES:
            continue
        if type(decorator) is ast.Call:
            for keyword in decorator.keywords:
                if keyword.arg == "name" and type(keyword.value) is ast.Constant:
                    return str(keyword.value.value)
        return function.name
    return None


def requests_fixtures(function: ast.FunctionDef | ast.AsyncFunctionDef, is_fixture: bool, in_class: str | None) -> bool:
    """Whether pytest fills this function's parameters with fixtures: a test or a fixture."""
    if is_fixture:
        return True
    if not function.name.startswith("test"):
        return False
    return in_class is None or in_class.rsplit(".", 1)[-1].startswith("Test")


def fills_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef, table: NameTable) -> bool:
    """Whether a decorator may call the function with arguments of its own choosing, filled by
    name (a Litestar handler, a DI container's `@inject`): then its parameters say what the
    framework gives, not what a caller passed.

    A decorator named bare or called by its name (`@error_handler`, `@admin_only`,
    `@retry(3)`, `@db_operation("get_task")`) is taken for a wrapper that hands the function its
    caller's arguments (`functools.wraps` over `*args, **kwargs`), unless a library that fills
    parameters by name defines it. An attribute (`@router.get("/")`, `@broker.task`) or a name
    this module cannot resolve may fill them.
    """
    for decorator in function.decorator_list:
        named = decorator.func if type(decorator) is ast.Call else decorator
        if type(named) is not ast.Name:
            return True
        if named.id in _PLAIN_DECORATORS:
            continue
        name = qualify(named, table)
        if name is None or name.partition(".")[0] in _FILLING_LIBRARIES:
            return True
    return False


#: Decorators that hand the function the arguments its callers pass, whatever they resolve to.
_PLAIN_DECORATORS = frozenset({"staticmethod", "classmethod"})
#: Libraries whose bare decorators fill a function's parameters by name (dependency injection,
#: task queues, command lines, web frameworks).
_FILLING_LIBRARIES = frozenset(
    {
        "aiogram",
        "aiohttp",
        "arq",
        "blacksheep",
        "celery",
        "click",
        "dependency_injector",
        "dishka",
        "django",
        "dramatiq",
        "esmerald",
        "falcon",
        "fast_depends",
        "fastapi",
        "faststream",
        "flask",
        "huey",
        "injector",
        "kink",
        "lagom",
        "lilya",
        "litestar",
        "ninja",
        "procrastinate",
        "pytest",
        "pytest_asyncio",
        "quart",
        "robyn",
        "saq",
        "sanic",
        "starlette",
        "strawberry",
        "taskiq",
        "that_depends",
        "typer",
        "wireup",
    }
)


def registered_providers(value: ast.expr, table: NameTable) -> dict[str, ast.expr]:
    """`{"db_session": Provide(get_db)}` (a dict display or `dict(db_session=Provide(...))`)."""
    found: dict[str, ast.expr] = {}
    if type(value) is ast.Dict:
        for key, item in zip(value.keys, value.values, strict=True):
            if type(key) is ast.Constant and isinstance(key.value, str):
                provider = _registered(item, table)
                if provider is not None:
                    found[key.value] = provider
    elif type(value) is ast.Call and type(value.func) is ast.Name and value.func.id == "dict":
        for keyword in value.keywords:
            if keyword.arg:
                provider = _registered(keyword.value, table)
                if provider is not None:
                    found[keyword.arg] = provider
    return found


def _registered(item: ast.expr, table: NameTable) -> ast.expr | None:
    if type(item) is ast.Call and _qualified(item.func, table) in PROVIDE and item.args:
        return item.args[0]
    return None


#: advanced-alchemy's Litestar plugins, wherever they are imported from: each injects the
#: session its config opens into handlers, under the config's `session_dependency_key`.
_SQLALCHEMY_PLUGINS = frozenset({"SQLAlchemyPlugin", "SQLAlchemyInitPlugin"})
_PLUGIN_MODULES = ("advanced_alchemy.extensions.litestar", "litestar.plugins.sqlalchemy", "litestar.contrib.sqlalchemy")
_SESSION_KEY = "session_dependency_key"
DEFAULT_SESSION_KEY = "db_session"


def plugin_config(node: ast.Call, qualname: str | None) -> ast.expr | None:
    """The config of `SQLAlchemyPlugin(config=...)` (or `SQLAlchemyInitPlugin`), if this is one."""
    if qualname is None:
        return None
    module, _, leaf = qualname.rpartition(".")
    if leaf not in _SQLALCHEMY_PLUGINS or not module.startswith(_PLUGIN_MODULES):
        return None
    config = next((keyword.value for keyword in node.keywords if keyword.arg == "config"), None)
    return config if config is not None else (node.args[0] if node.args else None)


def session_key(keywords: dict[str, str] | None) -> str | None:
    """The dependency name a config's session is injected under, from its constructor's keywords
    (as source text): the default when it sets none, None when it is not a literal."""
    if keywords is None or _SESSION_KEY not in keywords:
        return DEFAULT_SESSION_KEY
    try:
        key = ast.literal_eval(keywords[_SESSION_KEY])
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        # Not a literal (`{[]: 1}` raises TypeError), or too deep to read: unknown.
        return None
    return key if isinstance(key, str) else None


def inline_keywords(config: ast.expr) -> dict[str, str] | None:
    """The keywords of a config constructed right in the plugin call, as source text."""
    if type(config) is not ast.Call:
        return None
    found = {keyword.arg: ast.unparse(keyword.value) for keyword in config.keywords if keyword.arg}
    if any(keyword.arg is None for keyword in config.keywords):
        found.setdefault(_SESSION_KEY, "**")  # `**options` may name it: unknown
    return found
