"""ASA502 beyond its examples: off by default, evidence for MetaData, the sanctioned bootstrap."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, findings_in, reported, run_cli, working_directory, write_project

from alchemy_lint.engine import check_paths

MODELS = "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n"
STARTUP = (
    "from app.db_models import Base\n"
    "\n"
    "\n"
    "async def on_startup(engine):\n"
    "    async with engine.begin() as connection:\n"
    "        await connection.run_sync(Base.metadata.create_all)\n"
)


def codes_with(root: Path, config_select: tuple[str, ...] | None = None) -> list[tuple[str, int]]:
    with working_directory(root):
        result = check_paths(["."], {"select": config_select} if config_select else None)
    return [(f.path, f.line) for f in result.findings if f.code == "ASA502"]


def test_off_by_default_and_not_selected_by_a_prefix(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/db_models.py": MODELS, "app/main.py": STARTUP})
    assert codes_with(root) == []
    assert codes_with(root, ("ASA5",)) == []
    assert codes_with(root, ("ASA502",)) == [("app/main.py", 6)]


def test_extend_select_in_pyproject_turns_it_on(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p", {"app/db_models.py": MODELS, "app/main.py": STARTUP}, 'extend-select = ["ASA502"]'
    )
    (finding,) = [f for f in findings_in(root, ".") if f.code == "ASA502"]
    assert finding.message == (
        "ASA502 Base.metadata.create_all on_startup() in app/main.py changes the schema at run time: apply "
        "schema changes with Alembic migrations (keep create_all, if at all, in init_db() of the database module)"
    )


def test_metadata_reached_through_a_re_exported_name_is_evidence(tmp_path: Path) -> None:
    files = {
        "app/db_models.py": MODELS + "\nmetadata = Base.metadata\n",
        "app/services/bootstrap.py": "from app.db_models import metadata\n\n\ndef setup(engine):\n"
        "    metadata.create_all(engine)\n",
    }
    root = write_project(tmp_path / "p", files)
    assert [f.line for f in findings_in(root, "app/services/bootstrap.py", "ASA502")] == [5]


def test_registry_and_model_metadata_are_evidence(tmp_path: Path) -> None:
    source = (
        "from sqlalchemy.orm import registry\n"
        "from app.db_models import Base\n"
        "\n"
        "mapper_registry = registry()\n"
        "\n"
        "\n"
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "\n"
        "\n"
        "def setup(engine):\n"
        "    mapper_registry.metadata.create_all(engine)\n"
        "    User.metadata.create_all(engine)\n"
    )
    root = write_project(tmp_path / "p", {"app/db_models.py": MODELS, "app/bootstrap.py": source})
    assert [f.line for f in findings_in(root, "app/bootstrap.py", "ASA502")] == [12, 13]


def test_create_all_of_an_unknown_receiver_is_not_judged(tmp_path: Path) -> None:
    source = "def setup(engine, metadata, schema):\n    metadata.create_all(engine)\n    schema.create_all()\n"
    root = write_project(tmp_path / "p", {"app/bootstrap.py": source})
    assert findings_in(root, "app/bootstrap.py", "ASA502") == []


def test_test_modules_may_create_their_schema(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/db_models.py": MODELS, "tests/conftest.py": STARTUP})
    assert findings_in(root, ".", "ASA502") == []


def test_db_module_functions_are_the_bootstrap_but_import_time_is_not(tmp_path: Path) -> None:
    db = (
        "from app.db_models import Base\n"
        "\n"
        "\n"
        "def init_db(engine):\n"
        "    Base.metadata.create_all(engine)\n"
        "\n"
        "\n"
        "Base.metadata.create_all(None)\n"
    )
    root = write_project(tmp_path / "p", {"app/db_models.py": MODELS, "app/db/session.py": db})
    assert [f.line for f in findings_in(root, ".", "ASA502")] == [8]


def test_sample_apps_bootstrap_in_init_db_and_stay_silent() -> None:
    for app in ("sample_app", "clean_app"):
        result = run_cli("check", "--select", "ASA502", f"fixtures/{app}")
        assert (result.returncode, reported(result.stdout)) == (0, []), result.stdout
        assert (FIXTURES / app / "app" / "db_methods.py").read_text(encoding="utf-8").count("create_all") == 1
