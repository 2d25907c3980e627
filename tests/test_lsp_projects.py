"""The language server's project cache: unsaved buffers over on-disk facts, settings kept fresh."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ADHOC_HANDLER as HANDLER
from conftest import APP_DB_MODULE as DB_MODULE
from conftest import write_project
from test_loading_rules import EXPIRING_DB

from alchemy_lint.config import ConfigError
from alchemy_lint.lsp.projects import ProjectCache
from alchemy_lint.roots import find_project_root
from alchemy_lint.rules.loading_examples import MODELS


def _messages(cache: ProjectCache, path: Path, text: str) -> list[str]:
    return [finding.message for finding in cache.check_buffer(path, text)]


def test_buffer_overlays_survive_a_configuration_error_until_it_is_fixed(project: Path) -> None:
    root = write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})
    cache = ProjectCache()
    cache.check_buffer(root / "app/db.py", DB_MODULE.replace("SessionLocal", "make_session"))
    (root / "pyproject.toml").write_text('[tool.alchemy-lint]\nselect = ["nonsense"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="select"):
        cache.check_buffer(root / "app/handlers.py", HANDLER)
    (root / "pyproject.toml").write_text("[tool.alchemy-lint]\n", encoding="utf-8")
    (message,) = _messages(cache, root / "app/handlers.py", HANDLER)
    assert "make_session()" in message


def test_an_excluded_file_gets_no_findings(project: Path) -> None:
    root = write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE}, config='exclude = ["scripts/"]')
    cache = ProjectCache()
    assert _messages(cache, root / "scripts/oneoff.py", HANDLER) == []
    assert len(_messages(cache, root / "app/handlers.py", HANDLER)) == 1


def test_a_file_changed_in_a_virtualenv_does_not_enter_the_index(project: Path) -> None:
    root = write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})
    cache = ProjectCache()
    cache.check_buffer(root / "app/handlers.py", HANDLER)
    vendored = root / ".venv/lib/db.py"
    vendored.parent.mkdir(parents=True)
    vendored.write_text(DB_MODULE.replace("SessionLocal", "VendoredMaker"), encoding="utf-8")
    assert cache.file_changed_on_disk(vendored) == root.resolve()
    (message,) = _messages(cache, root / "app/handlers.py", HANDLER)
    assert "VendoredMaker" not in message


def test_a_file_outside_any_project_is_checked_with_its_folder_only(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    (scratch / "deeper").mkdir(parents=True)
    if find_project_root(scratch) != scratch.resolve():
        pytest.skip("a folder above the temporary folder is a project root")
    (scratch / "deeper/db.py").write_text(DB_MODULE.replace("SessionLocal", "DeepMaker"), encoding="utf-8")
    cache = ProjectCache()
    (message,) = _messages(cache, scratch / "handlers.py", HANDLER)
    assert "DeepMaker" not in message
    (scratch / "db.py").write_text(DB_MODULE.replace("SessionLocal", "NextDoorMaker"), encoding="utf-8")
    (message,) = _messages(ProjectCache(), scratch / "handlers.py", HANDLER)
    assert "NextDoorMaker()" in message


def _previewed(root: Path, text: str) -> list[tuple[str, ...]]:
    """What a fresh server shows for app/handlers.py before its project's facts are loaded."""
    shown: list[tuple[str, ...]] = []
    ProjectCache().check_buffer(
        root / "app/handlers.py", text, preview=lambda found: shown.append(tuple(f.code for f in found))
    )
    return shown


def test_a_file_unchanged_since_it_was_checked_shows_its_cached_findings_at_once(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALCHEMY_LINT_NO_CACHE", raising=False)
    root = write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE, "app/handlers.py": HANDLER})
    assert _previewed(root, HANDLER) == []  # nothing cached yet: the findings wait for the index
    # The first server checked the buffer, which is the file on disk: the next one has its findings.
    assert _previewed(root, HANDLER) == [("ASA101",)]
    # Unsaved text differs from the file: only a full check can answer.
    assert _previewed(root, HANDLER + "\n# edited\n") == []


def test_a_project_read_again_after_its_settings_changed_keeps_open_buffers(project: Path) -> None:
    root = write_project(project, {"app/__init__.py": "", "app/db.py": DB_MODULE})
    cache = ProjectCache()
    cache.check_buffer(root / "app/db.py", DB_MODULE.replace("SessionLocal", "make_session"))
    (root / "pyproject.toml").write_text('[tool.alchemy-lint]\nselect = ["ASA101"]\n', encoding="utf-8")
    (message,) = _messages(cache, root / "app/handlers.py", HANDLER)
    assert "make_session()" in message


def test_a_folder_outside_any_project_is_named_as_its_files_import_it(tmp_path: Path) -> None:
    """A scratch folder `app/` whose files write `from app.db import ...` (see `imported_root_name`)."""
    app = tmp_path / "app"
    app.mkdir()
    if find_project_root(app) != app.resolve():
        pytest.skip("a folder above the temporary folder is a project root")
    (app / "db_models.py").write_text(MODELS, encoding="utf-8")
    (app / "db.py").write_text(EXPIRING_DB, encoding="utf-8")
    handler = (
        "from app.db import SessionLocal\nfrom app.db_models import User\n\n\n"
        "async def rename(user_id: int) -> str:\n"
        "    async with SessionLocal() as session:\n"
        "        user = await session.get(User, user_id)\n"
        "        await session.commit()\n"
        "        return user.name\n"
    )
    (app / "handlers.py").write_text(handler, encoding="utf-8")
    found = ProjectCache().check_buffer(app / "handlers.py", handler)
    assert [(finding.line, finding.code) for finding in found] == [(9, "ASA302")]
