"""ASA302 on the parameters of a decorated function. A bare decorator of the project
(`@error_handler`, a `functools.wraps` wrapper over `*args, **kwargs`) hands the function what its
callers pass, and so does one called by its name (`@retry(3)`): its model parameters are the
callers' objects, judged as an undecorated function's are. A decorator that may fill parameters
by name (a DI container's `@inject`, a route's `@get("/")`, a registration `@router.message()`)
leaves them what the framework gives. The runtime case runs against real
SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

DB = (
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
    "from sqlalchemy.pool import StaticPool\n"
    'engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)\n'
    "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
)

#: The project's error-handling decorator, in a module of its own.
DECORATORS = """\
import functools


def error_handler(func):
    @functools.wraps(func)
    async def wrapper(*args, **kwargs):
        try:
            return await func(*args, **kwargs)
        except LookupError:
            return None

    return wrapper
"""

#: A handler the caller hands its user to; the handler rolls the session back, then reads it.
HANDLER = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.db_models import User
from app.decorators import error_handler


async def greet(user_id: int) -> str | None:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return await _welcome(session, user)


@error_handler
async def _welcome(db: AsyncSession, user: User) -> str:
    await db.rollback()
    return f"hello {user.name}"  # ASA302
"""


def _project(tmp_path: Path, handler: str, **others: str) -> Path:
    files = {"app/db_models.py": MODELS, "app/db.py": DB, "app/decorators.py": DECORATORS, "app/handlers.py": handler}
    files.update({f"app/{name}.py": source for name, source in others.items()})
    return write_project(tmp_path / "project", files)


def _reported(root: Path) -> list[int]:
    return [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")]


def test_a_parameter_of_a_handler_under_a_project_decorator_is_judged_and_raises(tmp_path: Path) -> None:
    root = _project(tmp_path, HANDLER)
    (line,) = expected_lines(HANDLER, "ASA302")
    assert _reported(root) == [line]
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", line)


def test_a_decorator_defined_in_the_same_module_is_a_wrapper_too(tmp_path: Path) -> None:
    local = HANDLER.replace("from app.decorators import error_handler\n", DECORATORS.replace("import functools\n", ""))
    local = "import functools\n" + local
    root = _project(tmp_path, local)
    assert _reported(root) == expected_lines(local, "ASA302")


def test_a_refresh_after_the_rollback_clears_the_decorated_handler(tmp_path: Path) -> None:
    fixed = HANDLER.replace("    await db.rollback()\n", "    await db.rollback()\n    await db.refresh(user)\n")
    root = _project(tmp_path, fixed.replace("  # ASA302", ""))
    assert _reported(root) == []
    assert run_example(root, "app/handlers.py")["error"] is None


def test_a_dependency_injection_decorator_fills_the_parameters_itself(tmp_path: Path) -> None:
    # dependency-injector's `@inject` calls the function with what the container provides: the
    # user is not the caller's object.
    injected = HANDLER.replace("app.decorators import error_handler", "dependency_injector.wiring import inject")
    injected = injected.replace("@error_handler", "@inject")
    assert _reported(_project(tmp_path, injected)) == []


def test_a_decorator_called_by_its_name_is_a_wrapper_too(tmp_path: Path) -> None:
    # `@retry(3)`, `@db_operation("get")`: a decorator factory of the project.
    factory = DECORATORS + "\n\ndef handled(times):\n    return error_handler\n"
    called = HANDLER.replace("import error_handler", "import handled").replace("@error_handler", "@handled(3)")
    root = _project(tmp_path, called)
    (root / "app/decorators.py").write_text(factory, encoding="utf-8")
    assert _reported(root) == expected_lines(called, "ASA302")


@pytest.mark.parametrize(
    ("imports", "decorator"),
    [
        # A registration on an object (`@router.message(...)`): what it passes is unknown.
        ("from app.decorators import registry", '@registry.handler("welcome")'),
        # A web framework's route by its name: Litestar fills the parameters by name.
        ("from litestar import get", '@get("/welcome")'),
    ],
)
def test_a_framework_registration_may_fill_the_parameters(imports: str, decorator: str, tmp_path: Path) -> None:
    registered = HANDLER.replace("from app.decorators import error_handler", imports)
    registered = registered.replace("@error_handler", decorator)
    root = _project(tmp_path, registered)
    (root / "app/decorators.py").write_text(DECORATORS + "\n\nregistry = object()\n", encoding="utf-8")
    assert _reported(root) == []
