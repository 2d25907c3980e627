"""The byte prefilter: it keeps every file that can matter and never changes the findings."""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path
from typing import TypeVar

import pytest
from conftest import example_project, working_directory, write_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alchemy_lint.cache import Cache
from alchemy_lint.config import Settings
from alchemy_lint.engine import CheckResult, RunOptions, check_paths, read_project
from alchemy_lint.prefilter import _dotted_tails, import_statements
from alchemy_lint.rules import ALL_RULES

REPOSITORY = Path(__file__).resolve().parent.parent
STDLIB = Path(sysconfig.get_paths()["stdlib"])
T = TypeVar("T")

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""


def relevant_names(root: Path) -> set[str]:
    project = read_project(root, Settings(), RunOptions())
    return {project.sources[path].relative for path in project.relevant}


def test_import_statements_include_continuations_and_parenthesised_lists() -> None:
    source = (
        b"x = 1\n"
        b"from app \\\n    import db\n"
        b"import app.models, \\\r\n    app.tasks\n"
        b"from app.services import (  # the (main) ones\n    orders,\n    users,\n)\n"
        b"print(x)\n"
    )
    text = b"\n".join(import_statements(source))
    for name in (b"app", b"db", b"models", b"tasks", b"orders", b"users"):
        assert name in text
    assert b"print" not in text


def test_a_file_that_only_imports_the_project_factory_matters(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/handlers.py": (
                "from app.db import SessionLocal\n\nasync def f():\n    async with SessionLocal() as s:\n        pass\n"
            ),
            "app/deps.py": "from .handlers import f\n",
            "app/via_package.py": "import app\n\nasync def g():\n    return app.db.SessionLocal()\n",
            "app/text.py": "def slug(text):\n    return text.lower()\n",
            "app/settings.py": "import os\n\nDEBUG = os.environ.get('DEBUG')\n",
        },
    )
    # `import app` in a file that matters makes the package's `__init__.py` matter too: what a
    # module that matters imports may read the objects it is handed.
    assert relevant_names(root) == {
        "app/db.py",
        "app/handlers.py",
        "app/deps.py",
        "app/via_package.py",
        "app/__init__.py",
    }


def test_a_subclass_of_a_project_model_matters_without_naming_sqlalchemy(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "app/__init__.py": "",
            "app/base.py": "from sqlalchemy.orm import DeclarativeBase\n\nclass Base(DeclarativeBase):\n    pass\n",
            "app/accounts.py": "from app.base import Base\n\nclass Account(Base):\n    __tablename__ = 'accounts'\n",
            "app/admins.py": "from app.accounts import Account\n\nclass Admin(Account):\n    pass\n",
        },
    )
    assert relevant_names(root) == {"app/base.py", "app/accounts.py", "app/admins.py"}


def test_the_configured_session_helper_and_models_modules_always_matter(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "app/deps.py": "async def get_a_session():\n    yield None\n",
            "app/models.py": "class Plain:\n    pass\n",
            "app/other.py": "def unrelated():\n    return 1\n",
        },
    )
    assert relevant_names(root) == {"app/deps.py", "app/models.py"}


def _same_findings_with_and_without_prefilter(root: Path, jobs: int = 1) -> CheckResult:
    with working_directory(root):
        kept = check_paths(["."], {"select": ("ALL",)}, RunOptions(prefilter=False, jobs=jobs))
        filtered = check_paths(["."], {"select": ("ALL",)}, RunOptions(prefilter=True, jobs=jobs))
    assert filtered.findings == kept.findings
    assert filtered.stats.facts_extracted <= kept.stats.facts_extracted
    return filtered


@pytest.mark.parametrize(
    ("rule", "example"),
    [
        pytest.param(rule, example, id=f"{rule.code}-{kind}-{number}")
        for rule in ALL_RULES
        for kind, examples in (("valid", rule.valid), ("invalid", rule.invalid))
        for number, example in enumerate(examples)
    ],
)
def test_prefilter_does_not_change_the_findings_of_any_rule_example(
    rule: object, example: object, tmp_path: Path
) -> None:
    root = example_project(tmp_path / "project", example)  # type: ignore[arg-type]
    _same_findings_with_and_without_prefilter(root)


@pytest.mark.parametrize("app", sorted(path.parent.name for path in (REPOSITORY / "fixtures").glob("*/pyproject.toml")))
def test_prefilter_does_not_change_the_findings_on_the_sample_apps(app: str, tmp_path: Path) -> None:
    root = tmp_path / app
    shutil.copytree(REPOSITORY / "fixtures" / app, root)
    _same_findings_with_and_without_prefilter(root)


@pytest.mark.long
def test_prefilter_does_not_change_the_findings_on_the_standard_library_mixed_with_an_app(tmp_path: Path) -> None:
    """Real code: a few hundred standard-library files (up to 3.12, lib2to3's test data has some
    that do not parse) beside an async app."""
    root = tmp_path / "mixed"
    for package in (
        "asyncio",
        "email",
        "json",
        "lib2to3",
        "concurrent",
        "importlib",
        "sqlite3",
        "unittest",
        "xml",
        "http",
        "urllib",
        "multiprocessing",
        "logging",
        "ctypes",
        "idlelib",
        "encodings",
    ):
        if (STDLIB / package).is_dir():  # Python 3.13 has no lib2to3
            shutil.copytree(STDLIB / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    write_project(
        root,
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/handlers.py": (
                "import asyncio\n\nfrom app.db import SessionLocal\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n"
                "async def f(engine):\n    s = AsyncSession(engine)\n    async with SessionLocal() as session:\n"
                "        async with session.begin():\n            await session.commit()\n"
            ),
            "app/jobs.py": "from app.handlers import f\n\nasync def g():\n    await f(None)\n",
            # Unparseable whatever the Python (lib2to3's test data is gone from 3.13).
            "app/legacy.py": "print 'python 2'\n",
        },
    )
    files = len(list(root.rglob("*.py")))
    assert files > 300
    result = _same_findings_with_and_without_prefilter(root, jobs=2)
    # The run exercised both sides: files skipped (and parsed only for ASA001), findings kept. The
    # modules the app's files import (two hops down: asyncio's own) matter since call summaries.
    assert result.stats.syntax_parsed > 10
    codes = {finding.code for finding in result.findings}
    assert "ASA001" in codes
    assert "ASA101" in codes


def test_a_cached_answer_is_reused_and_a_changed_file_decides_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALCHEMY_LINT_CACHE_DIR", str(tmp_path / "cache"))
    root = write_project(
        tmp_path / "project",
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/text.py": "def slug(text):\n    return text.lower()\n",
            "app/words.py": "def title(text):\n    return text.title()\n",
            "app/queries.py": "import sqlalchemy\n",
        },
    )

    def cached_project() -> tuple[set[str], int]:
        project = read_project(root.resolve(), Settings(), RunOptions(cache=True))
        assert project.cache is not None
        # Less the hit of the files' manifest, read first from the second run on.
        return {project.sources[path].relative for path in project.relevant}, project.cache.stats.hits - 1

    assert cached_project() == ({"app/db.py", "app/queries.py"}, -1)
    assert cached_project() == ({"app/db.py", "app/queries.py"}, 1)
    # `text.py` now imports the factory's module: the answer changes with it. The last answer
    # and what each file's bytes said are read (two hits); only `text.py` is read again.
    (root / "app/text.py").write_text("from app.db import SessionLocal\n", encoding="utf-8")
    both = {"app/db.py", "app/queries.py", "app/text.py"}
    assert cached_project() == (both, 2)
    assert cached_project() == (both, 1)
    # A root edited without touching its imports: the last answer stands (one hit, no pack).
    (root / "app/db.py").write_text(DB + "\nTIMEOUT = 5\n", encoding="utf-8")
    assert cached_project() == (both, 1)
    # A root that imports one more module: that module's functions read what it hands them.
    (root / "app/db.py").write_text("from app.words import title\n" + DB, encoding="utf-8")
    assert cached_project() == ({*both, "app/words.py"}, 2)
    # A root that stops being one: nothing names SQLAlchemy any more.
    (root / "app/queries.py").write_text("QUERIES = ()\n", encoding="utf-8")
    assert cached_project() == ({"app/db.py", "app/text.py", "app/words.py"}, 2)


def test_an_edit_that_keeps_what_a_file_gives_the_prefilter_keeps_the_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALCHEMY_LINT_CACHE_DIR", str(tmp_path / "cache"))
    root = write_project(
        tmp_path / "project",
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/text.py": "from app.db import SessionLocal\n\ndef open_one():\n    return SessionLocal()\n",
            # Imports the package only: whether it matters is read off its whole text.
            "app/jobs.py": "import app\n\ndef run():\n    return app.text\n",
            "app/words.py": "def title(text):\n    return text.title()\n",
        },
    )

    def cached_project() -> tuple[set[str], list[str]]:
        loaded: list[str] = []
        load = Cache.load

        def recording(cache: Cache, kind: str, key: str, expected: type[T]) -> T | None:
            loaded.append(kind)
            return load(cache, kind, key, expected)

        with monkeypatch.context() as patched:
            patched.setattr(Cache, "load", recording)
            project = read_project(root.resolve(), Settings(), RunOptions(cache=True))
        return {project.sources[path].relative for path in project.relevant}, loaded

    # (`import app` makes the package matter: its module is what `jobs.py` imports.)
    first = {"app/__init__.py", "app/db.py", "app/text.py", "app/jobs.py"}
    assert cached_project()[0] == first
    # A file that matters by its imports, edited below them: the answer stands, and the files'
    # imports are not read (neither is the fixpoint run).
    (root / "app/text.py").write_text(
        "from app.db import SessionLocal\n\ndef open_one():\n    # one more\n    return SessionLocal()\n",
        encoding="utf-8",
    )
    relevant, loaded = cached_project()
    assert relevant == first
    assert "imports" not in loaded
    # A file whose text was read: a comment naming nothing the fixpoint looks for changes nothing.
    (root / "app/jobs.py").write_text(
        "import app\n\ndef run():\n    # the text module\n    return app.text\n", encoding="utf-8"
    )
    relevant, loaded = cached_project()
    assert relevant == first
    assert "imports" not in loaded
    # It stops naming the module that made it matter: decided again, and it no longer matters.
    (root / "app/jobs.py").write_text("import app\n\ndef run():\n    return app.__name__\n", encoding="utf-8")
    relevant, loaded = cached_project()
    assert relevant == {"app/db.py", "app/text.py"}
    assert "imports" in loaded
    # A file that did not matter, edited to import one that does.
    (root / "app/words.py").write_text(
        "from app import text\n\ndef title(value):\n    return value.title()\n", encoding="utf-8"
    )
    assert cached_project()[0] == {"app/__init__.py", "app/db.py", "app/text.py", "app/words.py"}


_BODIES = st.sampled_from(
    [
        "",
        "# db\n",
        "import app\n",
        "import app\nX = app.db\n",
        "import app\n# text\n",
        "from app import text\n",
        "from app.db import SessionLocal\n",
        "import sqlalchemy\n",
        "from app import words\n",
        "def db():\n    return 1\n",
    ]
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(["app/text.py", "app/jobs.py", "app/words.py"]), _BODIES), max_size=6))
def test_the_cached_answer_after_any_edits_is_the_answer_computed_afresh(
    edits: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("edits")
    root = write_project(
        folder / "project",
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/text.py": "from app.db import SessionLocal\n",
            "app/jobs.py": "import app\n",
            "app/words.py": "",
        },
    )
    with pytest.MonkeyPatch.context() as patched:
        patched.setenv("ALCHEMY_LINT_CACHE_DIR", str(folder / "cache"))
        read_project(root.resolve(), Settings(), RunOptions(cache=True))
        for relative, body in edits:
            (root / relative).write_text(body, encoding="utf-8")
            cached = read_project(root.resolve(), Settings(), RunOptions(cache=True))
            fresh = read_project(root.resolve(), Settings(), RunOptions(cache=False))
            assert {cached.sources[p].relative for p in cached.relevant} == {
                fresh.sources[p].relative for p in fresh.relevant
            }


_MODULE_NAMES = st.lists(st.sampled_from(["app", "db", "b", "app_db", ""]), min_size=1, max_size=4).map(".".join)


@given(wanted=st.sets(_MODULE_NAMES, max_size=5), module=_MODULE_NAMES)
def test_dotted_tails_find_the_modules_the_pairwise_comparison_finds(wanted: set[str], module: str) -> None:
    pairwise = any(name == module or name.endswith("." + module) or module.endswith("." + name) for name in wanted)
    tails = {tail for name in wanted for tail in _dotted_tails(name)}
    assert (module in wanted or module in tails or not wanted.isdisjoint(_dotted_tails(module))) == pairwise
