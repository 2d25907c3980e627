"""Files in folders without `__init__.py` (PEP 420 namespace packages, src layouts, a forgotten
`__init__.py`) are named as the project imports them, so what a callee does is found."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, reported, run_cli, run_flake8, write_project
from test_loading_rules import EXPIRING_DB

from alchemy_lint.config import settings_for
from alchemy_lint.engine import load_project
from alchemy_lint.resolve import ModuleNames, module_name_for
from alchemy_lint.roots import is_project_root
from alchemy_lint.rules.loading_examples import MODELS

# Two services of one name in two folders without `__init__.py`: one commits the session it is
# handed (expiring what the caller loaded), the other only reads.
_COMMITTING = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def settle(session: AsyncSession) -> None:
    await session.commit()
"""

_READING = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def settle(session: AsyncSession) -> None:
    await session.flush()
"""


def _handler(package: str, service: str) -> str:
    """Calls `settle` of `<package>.<service>.service`; `billing` is the one that commits."""
    return f"""\
from {package}.db import SessionLocal
from {package}.db_models import User
from {package}.{service}.service import settle


async def close_account(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        await settle(session)
        return user.name{"  # ASA302" if service == "billing" else ""}
"""


def _project(root: Path, folder: str, package: str, reading: str, service: str) -> Path:
    """`billing/service.py` commits, `<reading>/service.py` does not; the handler calls `service`'s.

    The reading folder's name sorts before `billing` or after it: a name that two files share
    must not stand for whichever of them comes first or last.
    """
    files = {
        f"{folder}/db_models.py": MODELS,
        f"{folder}/db.py": EXPIRING_DB,
        f"{folder}/billing/service.py": _COMMITTING,
        f"{folder}/{reading}/service.py": _READING,
        f"{folder}/handlers.py": _handler(package, service),
    }
    return write_project(root, files)


def _reported(root: Path, handler: str) -> list[int]:
    return [finding.line for finding in findings_in(root, handler, "ASA302")]


CALLS = [
    pytest.param(reading, called, id=f"{called}-beside-{reading}")
    for reading in ("audit", "reports")
    for called in ("billing", reading)
]


@pytest.mark.parametrize(("reading", "service"), CALLS)
def test_a_callee_in_a_namespace_folder_is_the_one_imported(tmp_path: Path, reading: str, service: str) -> None:
    root = _project(tmp_path / "project", "app", "app", reading, service)
    assert _reported(root, "app/handlers.py") == expected_lines(_handler("app", service), "ASA302")


@pytest.mark.parametrize(("reading", "service"), CALLS)
def test_a_src_layout_is_named_from_src(tmp_path: Path, reading: str, service: str) -> None:
    root = _project(tmp_path / "project", "src/shop", "shop", reading, service)
    assert _reported(root, "src/shop/handlers.py") == expected_lines(_handler("shop", service), "ASA302")


@pytest.mark.parametrize(("reading", "service"), CALLS)
def test_a_namespace_folder_inside_a_package_is_named_within_it(tmp_path: Path, reading: str, service: str) -> None:
    root = _project(tmp_path / "project", "server/app", "app", reading, service)
    (root / "server/app/__init__.py").write_text("", encoding="utf-8")
    assert _reported(root, "server/app/handlers.py") == expected_lines(_handler("app", service), "ASA302")


def test_a_relative_import_in_a_namespace_folder_finds_its_sibling(tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import User

from .service import settle


async def close_account(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        await settle(session)
        return user.name  # ASA302
"""
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": EXPIRING_DB,
        "app/billing/service.py": _COMMITTING,
        "app/billing/handlers.py": handler,
        "app/reports/service.py": _READING,
    }
    root = write_project(tmp_path / "project", files)
    assert _reported(root, "app/billing/handlers.py") == expected_lines(handler, "ASA302")


def _tree(root: Path, files: list[str]) -> None:
    for relative in files:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("", encoding="utf-8")


def test_module_names_below_the_project_root(tmp_path: Path) -> None:
    names = {
        "app/__init__.py": ("app", True),
        "app/db.py": ("app.db", False),
        "app/plain/service.py": ("app.plain.service", False),
        "app/plain/deep/tool.py": ("app.plain.deep.tool", False),
        "src/shop/orders/service.py": ("shop.orders.service", False),
        "scripts/seed.py": ("scripts.seed", False),
        "my-scripts/seed.py": ("seed", False),
        "my-scripts/tools/seed.py": ("tools.seed", False),
        "class/seed.py": ("seed", False),
        "top.py": ("top", False),
        "lib/vendor/__init__.py": ("vendor", True),
        "lib/vendor/api.py": ("vendor.api", False),
        "lib/vendor/extra/api.py": ("vendor.extra.api", False),
        # A package in a folder without `__init__.py` inside a package is imported through both.
        "app/plain/github/__init__.py": ("app.plain.github", True),
        "app/plain/github/repos.py": ("app.plain.github.repos", False),
        # A package in such a folder on `sys.path` is named as today.
        "backend/api/__init__.py": ("api", True),
        "backend/api/routes.py": ("api.routes", False),
    }
    _tree(tmp_path, list(names))
    modules = ModuleNames(tmp_path)
    for relative, expected in names.items():
        path = tmp_path / relative
        assert modules.module_for(path) == expected, relative
        assert module_name_for(path, tmp_path) == expected, relative


def test_without_a_root_or_outside_it_a_namespace_file_is_named_by_its_stem(tmp_path: Path) -> None:
    _tree(tmp_path, ["outside/tool.py", "project/app/tool.py"])
    assert ModuleNames().module_for(tmp_path / "project/app/tool.py") == ("tool", False)
    assert ModuleNames(tmp_path / "project").module_for(tmp_path / "outside/tool.py") == ("tool", False)
    assert module_name_for(tmp_path / "outside/tool.py", tmp_path / "project") == ("tool", False)


def test_a_regular_package_keeps_its_name_from_a_namespace_folder(tmp_path: Path) -> None:
    """`lib/app/__init__.py` makes `app` a package Python imports before the folder `app/`."""
    root = write_project(
        tmp_path / "project",
        {"lib/app/__init__.py": "", "lib/app/models.py": "", "app/models.py": "", "app/jobs.py": ""},
    )
    project = load_project(root, settings_for(root, None))
    assert {source.relative: source.module for source in project.sources.values()} == {
        "lib/app/__init__.py": "app",
        "lib/app/models.py": "app.models",
        "app/models.py": "models",
        "app/jobs.py": "app.jobs",
    }
    # The package goes: the namespace name is free again.
    (root / "lib/app/models.py").unlink()
    project.update([root / "lib/app/models.py"])
    assert project.module_of(root / "app/models.py") == ("app.models", False)


@pytest.mark.parametrize(("reading", "service"), CALLS[:2])
def test_every_front_end_names_a_namespace_callee_alike(tmp_path: Path, reading: str, service: str) -> None:
    """flake8 and `check --stdin-filename` name an edited buffer as the project names its file."""
    root = _project(tmp_path / "project", "app", "app", reading, service)
    handler = _handler("app", service) + "# edited, not saved\n"
    expected = [("app/handlers.py", line, "ASA302") for line in expected_lines(handler, "ASA302")]
    flake8 = run_flake8("--stdin-display-name", "app/handlers.py", "-", cwd=root, stdin=handler)
    assert [(path, line, code) for path, line, _, code in reported(flake8.stdout) if code == "ASA302"] == expected
    piped = run_cli(
        "check", "--output-format", "concise", "--stdin-filename", "app/handlers.py", "-", cwd=root, stdin=handler
    )
    assert [(path, line, code) for path, line, _, code in reported(piped.stdout) if code == "ASA302"] == expected


def _markerless(folder: Path, files: dict[str, str]) -> Path:
    """`files` in `folder`, with no project marker (pyproject.toml, .git, ...) at or above it."""
    if any(is_project_root(above) for above in folder.parents):
        pytest.skip("a project marker above the temporary folder")
    for relative, source in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(source, encoding="utf-8")
    return folder


def _app_files(service: str) -> dict[str, str]:
    return {
        "db_models.py": MODELS,
        "db.py": EXPIRING_DB,
        "billing/service.py": _COMMITTING,
        "reports/service.py": _READING,
        "handlers.py": _handler("app", service),
    }


@pytest.mark.parametrize("service", ["billing", "reports"])
def test_a_folder_with_no_marker_is_named_as_its_files_import_it(tmp_path: Path, service: str) -> None:
    """`check app` on a folder `app/` with no marker and no `__init__.py`, whose files write
    `from app.db import ...`: it runs with its parent on `sys.path`, so its files are `app.*`."""
    app = _markerless(tmp_path / "app", _app_files(service))
    expected = [("app/handlers.py", line, "ASA302") for line in expected_lines(_handler("app", service), "ASA302")]
    result = run_cli("check", "--output-format", "concise", "app", cwd=tmp_path)
    assert [(path, line, code) for path, line, _, code in reported(result.stdout) if code == "ASA302"] == expected
    # From inside the folder, the same files and the same names (paths shown from there).
    inside = run_cli("check", "--output-format", "concise", ".", cwd=app)
    assert [(line, code) for _, line, _, code in reported(inside.stdout) if code == "ASA302"] == [
        (line, code) for _, line, code in expected
    ]


def test_a_folder_with_no_marker_keeps_stem_names_without_that_evidence(tmp_path: Path) -> None:
    """Files that import each other by stem (`from db import ...`), or a module of the folder that
    has the folder's name (`app/app.py`), keep the folder on `sys.path`."""
    by_stem = {name: source.replace("from app.", "from ") for name, source in _app_files("billing").items()}
    project = load_project(_markerless(tmp_path / "app", by_stem), settings_for(tmp_path / "app", None))
    assert project.module_of(tmp_path / "app/billing/service.py") == ("billing.service", False)
    shadowing = _markerless(tmp_path / "other" / "app", {**_app_files("billing"), "app.py": ""})
    project = load_project(shadowing, settings_for(shadowing, None))
    assert project.module_of(shadowing / "db.py") == ("db", False)


def test_module_names_with_the_root_imported_by_name(tmp_path: Path) -> None:
    _tree(tmp_path, ["app/db.py", "app/jobs/run.py", "app/pkg/__init__.py", "app/pkg/tasks.py"])
    names = ModuleNames(tmp_path / "app", "app")
    assert names.module_for(tmp_path / "app/db.py") == ("app.db", False)
    assert names.module_for(tmp_path / "app/jobs/run.py") == ("app.jobs.run", False)
    assert names.module_for(tmp_path / "app/pkg/__init__.py") == ("app.pkg", True)
    assert names.module_for(tmp_path / "app/pkg/tasks.py") == ("app.pkg.tasks", False)


def test_loose_files_of_a_folder_with_no_marker_are_named_as_they_import_it(tmp_path: Path) -> None:
    """Files named on the command line outside any project are their own project; its names too."""
    handler = """\
from app.db import SessionLocal
from app.db_models import User


async def rename(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        await session.commit()
        return user.name  # ASA302
"""
    _markerless(tmp_path / "app", {"db_models.py": MODELS, "db.py": EXPIRING_DB, "handlers.py": handler})
    given = ["app/handlers.py", "app/db.py", "app/db_models.py"]
    result = run_cli("check", "--output-format", "concise", *given, cwd=tmp_path)
    assert [(path, line) for path, line, _, code in reported(result.stdout) if code == "ASA302"] == [
        ("app/handlers.py", line) for line in expected_lines(handler, "ASA302")
    ]
