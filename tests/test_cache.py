"""The on-disk cache: used when nothing changed, invalidated by content (not mtime), rebuilt when corrupt."""

from __future__ import annotations

import importlib.machinery
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ADHOC_HANDLER as HANDLER
from conftest import APP_DB_MODULE as DB
from conftest import working_directory, write_project

from alchemy_lint import cache as cache_module
from alchemy_lint.cache import CACHE_DIR_ENV, CACHE_DIR_NAME, Cache
from alchemy_lint.engine import CheckResult, RunOptions, check_paths
from alchemy_lint.facts import model as model_module

CLEAN_HANDLER = """\
from app.db import SessionLocal


async def load_report() -> None:
    async with SessionLocal() as session:
        await session.close()
"""

UTILITY = "def slug(text: str) -> str:\n    return text.lower().replace(' ', '-')\n"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    monkeypatch.delenv("ALCHEMY_LINT_NO_CACHE", raising=False)
    return write_project(
        tmp_path / "project",
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/handlers.py": HANDLER,
            "app/reports.py": CLEAN_HANDLER,
            "app/text.py": UTILITY,
        },
    )


def check(root: Path, **options: object) -> CheckResult:
    with working_directory(root):
        return check_paths(["."], None, RunOptions(cache=True, **options))  # type: ignore[arg-type]


def entries(root: Path) -> list[Path]:
    return sorted(path for path in (root / CACHE_DIR_NAME).rglob("*.pickle"))


def test_second_run_of_an_unchanged_project_extracts_no_facts_and_reuses_every_finding(app: Path) -> None:
    first = check(app)
    # The empty package file and the plain utility cannot matter: parsed for ASA001 only.
    assert first.stats.facts_extracted == 3
    assert first.stats.syntax_parsed == 2
    assert first.stats.findings_computed == 5
    assert [f.code for f in first.findings] == ["ASA101"]
    second = check(app)
    assert second.findings == first.findings
    assert second.stats.facts_extracted == 0
    assert second.stats.findings_computed == 0
    assert second.stats.findings_cached == 5


def test_cache_folder_ignores_itself_in_git(app: Path) -> None:
    check(app)
    assert (app / CACHE_DIR_NAME / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


def test_touching_a_file_with_the_same_content_keeps_the_cache(app: Path) -> None:
    check(app)
    handler = app / "app/handlers.py"
    later = handler.stat().st_mtime_ns + 5_000_000_000
    os.utime(handler, ns=(later, later))
    again = check(app)
    assert again.stats.findings_computed == 0
    assert again.stats.facts_extracted == 0


def test_new_content_with_the_same_mtime_is_checked_again(app: Path) -> None:
    first = check(app)
    handler = app / "app/handlers.py"
    stamp = handler.stat()
    handler.write_text(CLEAN_HANDLER, encoding="utf-8")
    os.utime(handler, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert handler.stat().st_mtime_ns == stamp.st_mtime_ns
    again = check(app)
    assert [f.code for f in first.findings] == ["ASA101"]
    assert again.findings == ()
    # Only the changed file is parsed again; the others' facts come from the cache.
    assert again.stats.facts_extracted == 1
    assert again.stats.facts_cached == 2


def test_editing_a_file_the_prefilter_drops_keeps_the_other_files_findings(app: Path) -> None:
    check(app)
    (app / "app/text.py").write_text(UTILITY + "\nSEPARATOR = '-'\n", encoding="utf-8")
    again = check(app)
    assert again.stats.findings_computed == 1
    assert again.stats.findings_cached == 4


def test_changing_the_configuration_misses_the_cache(app: Path) -> None:
    check(app)
    (app / "pyproject.toml").write_text('[tool.alchemy-lint]\nignore = ["ASA101"]\n', encoding="utf-8")
    again = check(app)
    assert again.findings == ()
    assert again.stats.findings_cached == 0


def test_corrupt_entries_are_rebuilt_not_trusted(app: Path) -> None:
    first = check(app)
    stored = entries(app)
    assert stored
    for number, entry in enumerate(stored):
        if number % 3 == 0:
            entry.write_bytes(b"")  # truncated to nothing
        elif number % 3 == 1:
            entry.write_bytes(entry.read_bytes()[:-1])  # a torn write
        else:
            entry.write_bytes(b"\x80\x05garbage that is not a pickle")
    rebuilt = check(app)
    assert rebuilt.findings == first.findings
    # Every entry is read back and found damaged, but the run-once inputs' pack: this run made
    # every file's inputs again (their facts were damaged too), and writes the pack anew.
    assert [entry.parent.parent.name for entry in stored].count("inputs-pack") == 1
    assert rebuilt.stats.cache_rebuilt == len(stored) - 1
    assert rebuilt.stats.facts_extracted == 3
    healed = check(app)
    assert healed.stats.cache_rebuilt == 0
    assert healed.stats.findings_cached == 5


def test_an_entry_stored_under_another_key_is_not_trusted(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    cache.store("findings", "aa" * 20, ("a value",))
    os.replace(cache.entry_path("findings", "aa" * 20), cache.entry_path("findings", "aa" * 19 + "ab"))
    assert cache.load("findings", "aa" * 19 + "ab", tuple) is None
    assert cache.stats.corrupt == 1


def test_an_entry_of_the_wrong_type_is_not_trusted(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    cache.store("facts", "bb" * 20, ["not", "facts"])
    assert cache.load("facts", "bb" * 20, tuple) is None
    assert cache.stats.corrupt == 1


def test_an_unwritable_cache_folder_does_not_fail_the_run(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = app / "blocked"
    blocked.write_text("a file where the cache folder would be\n", encoding="utf-8")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocked / "cache"))
    result = check(app)
    assert [f.code for f in result.findings] == ["ASA101"]
    assert not (app / CACHE_DIR_NAME).exists()


def test_cache_dir_environment_variable_moves_the_cache(
    app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv(CACHE_DIR_ENV, str(elsewhere))
    check(app)
    assert list(elsewhere.rglob("*.pickle"))
    assert not (app / CACHE_DIR_NAME).exists()


def test_library_callers_and_no_cache_write_nothing(app: Path) -> None:
    with working_directory(app):
        check_paths(["."])
    assert not (app / CACHE_DIR_NAME).exists()
    completed = subprocess.run(
        [sys.executable, "-m", "alchemy_lint", "check", "--no-cache", "."],
        cwd=app,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert "ASA101" in completed.stdout
    assert not (app / CACHE_DIR_NAME).exists()


def _hammer(folder: str, worker: int) -> int:
    """Store and load the same keys over and over; count entries that were not whole."""
    cache = Cache(Path(folder))
    for round_number in range(150):
        for key_number in range(8):
            key = f"{key_number:02d}" * 20
            value = tuple(f"worker {worker} round {round_number} " * 50 for _ in range(20))
            cache.store("findings", key, value)
            cache.load("findings", key, tuple)
    return cache.stats.corrupt


@pytest.mark.long
def test_processes_writing_the_same_entries_at_once_never_leave_a_torn_entry(tmp_path: Path) -> None:
    import multiprocessing

    folder = tmp_path / "cache"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        corrupt = pool.starmap(_hammer, [(str(folder), worker) for worker in range(4)])
    assert corrupt == [0, 0, 0, 0]
    cache = Cache(folder)
    for key_number in range(8):
        assert cache.load("findings", f"{key_number:02d}" * 20, tuple) is not None
    assert not list(folder.rglob("*.tmp"))


def test_several_checks_running_at_once_leave_a_valid_cache(app: Path) -> None:
    for number in range(30):
        (app / f"app/service_{number}.py").write_text(
            CLEAN_HANDLER.replace("load_report", f"load_report_{number}"), encoding="utf-8"
        )
    command = [sys.executable, "-m", "alchemy_lint", "check", "-j", "2", "."]
    environment = {k: v for k, v in os.environ.items() if k not in (CACHE_DIR_ENV, "ALCHEMY_LINT_NO_CACHE")}
    running = [
        subprocess.Popen(command, cwd=app, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [process.communicate() for process in running]
    assert [process.returncode for process in running] == [1, 1, 1, 1], outputs
    assert len({stdout for stdout, _ in outputs}) == 1
    after = check(app)
    assert after.stats.cache_rebuilt == 0
    assert after.stats.findings_computed == 0
    assert [f.code for f in after.findings] == ["ASA101"]


def test_a_file_outside_the_project_walk_named_on_the_command_line_is_checked_and_cached(app: Path) -> None:
    # build/ is never walked, so the file is not in the index; named, it is still checked.
    (app / "build").mkdir()
    (app / "build/handlers.py").write_text(HANDLER, encoding="utf-8")
    with working_directory(app):
        first = check_paths(["build/handlers.py"], None, RunOptions(cache=True))
        second = check_paths(["build/handlers.py"], None, RunOptions(cache=True))
    assert [(f.path, f.code) for f in first.findings] == [("build/handlers.py", "ASA101")]
    assert second.findings == first.findings
    assert second.stats.findings_cached == 1
    assert second.stats.findings_computed == 0


@pytest.mark.skipif(
    (model_module.__file__ or "").endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)),
    reason="a module compiled by mypyc keeps evaluated annotations (`tuple`, not `tuple[Origin, ...]`): "
    "the layout is computed from the pure-Python build, which CI checks on the other Pythons",
)
def test_the_written_out_facts_layout_is_the_facts_types_layout() -> None:
    # When this fails, a facts or findings type changed shape: set FACTS_LAYOUT in cache.py to
    # the value computed here, so that no entry of the old shape is read into the new one.
    assert cache_module.facts_layout() == cache_module.FACTS_LAYOUT
    assert cache_module.SCHEMA.endswith(cache_module.FACTS_LAYOUT)


def test_the_layout_digest_changes_with_a_field_of_a_class() -> None:
    @dataclass(frozen=True, slots=True)
    class Before:
        line: int
        path: str

    @dataclass(frozen=True, slots=True)
    class After:
        line: int
        path: str
        col: int = 0

    After.__name__ = Before.__name__
    assert cache_module.layout_digest(Before) != cache_module.layout_digest(After)


#: What a run that finds every finding in the cache must not import: the facts, the index, the
#: rules (the catalogue stands in for them) and the fixers.
NOT_IMPORTED_WHEN_WARM = (
    "alchemy_lint.facts",
    "alchemy_lint.index",
    "alchemy_lint.rules",
    "alchemy_lint.outlines",
    "alchemy_lint.fixes.pipeline",
)

_WARM_RUN = """\
import sys
from alchemy_lint.cli import main
code = main(sys.argv[1:])
print(sorted(name for name in sys.modules if name.startswith({heavy!r})), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize("output_format", ["concise", "full", "github"])
def test_a_run_answered_from_the_cache_imports_no_facts_index_or_rules(app: Path, output_format: str) -> None:
    command = [sys.executable, "-c", _WARM_RUN.format(heavy=NOT_IMPORTED_WHEN_WARM)]
    arguments = ["check", "--statistics", "--output-format", output_format, "."]
    cold = subprocess.run([*command, *arguments], cwd=app, capture_output=True, text=True, check=False)
    assert cold.returncode == 1, cold.stderr
    warm = subprocess.run([*command, *arguments], cwd=app, capture_output=True, text=True, check=False)
    assert warm.returncode == 1, warm.stderr
    assert warm.stdout == cold.stdout
    assert "ASA101" in warm.stdout
    assert warm.stderr.splitlines()[-1] == "[]"
    assert "alchemy_lint.facts" in cold.stderr.splitlines()[-1]


#: What a check of one file imports only where it needs it: the pool machinery (`-j` with files
#: enough to share), a temporary-file module, JSON (its output formats), pathspec (ignore
#: files with patterns) and shutil (with bz2 and lzma: argparse's help formatter imports it for
#: the terminal's width).
NOT_IMPORTED_FOR_ONE_FILE = ("multiprocessing", "concurrent.futures", "tempfile", "json", "pathspec", "shutil")


def test_checking_one_edited_file_imports_no_pool_tempfile_json_or_pathspec(
    app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A repository whose only ignore file is the one `git init` writes: comments, no pattern.
    (app / ".git" / "info").mkdir(parents=True)
    (app / ".git" / "info" / "exclude").write_text("# git ls-files --others --exclude-from=.git/info/exclude\n# *.o\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    command = [sys.executable, "-c", _WARM_RUN.format(heavy=NOT_IMPORTED_FOR_ONE_FILE)]
    assert subprocess.run([*command, "check", "."], cwd=app, capture_output=True, check=False).returncode == 1
    handlers = app / "app" / "handlers.py"
    handlers.write_text(handlers.read_text() + "# edited\n")
    arguments = ["check", "-j", "2", "app/handlers.py"]
    edited = subprocess.run([*command, *arguments], cwd=app, capture_output=True, text=True, check=False)
    assert edited.returncode == 1, edited.stderr
    assert "ASA101" in edited.stdout
    assert edited.stderr.splitlines()[-1] == "[]"
