"""`alchemy-lint check` takes ruff's options and prints ruff's summary, as a ruff user expects."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import reported, run_cli, working_directory, write_project

from alchemy_lint.cli import main

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine)
"""
FIXED_DB = DB.replace("async_sessionmaker(engine)", "async_sessionmaker(engine, expire_on_commit=False)")
# A second factory: ASA105 needs the first one, in app/db.py, to be found.
REPORTS = """\
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.db import engine

ReportSession = async_sessionmaker(engine, expire_on_commit=False)
"""
MODELS = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
"""
# A session of unknown origin: judged by the project's only factory only with `preview`.
#: A session nothing says is an asyncio one (no annotation, no caller): judged only in preview.
RENAME = """\
from app.db_models import User


async def rename(session, user_id: int, name: str) -> str:
    user = await session.get(User, user_id)
    user.name = name
    await session.commit()
    return user.name
"""
SUMMARY = "Found 2 errors.\n[*] 1 fixable with `--fix`.\n"


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project", {"app/__init__.py": "", "app/db.py": DB, "app/reports.py": REPORTS})


def check(app: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with working_directory(app):
        code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


# -- the summary ----------------------------------------------------------------


def test_a_plain_run_ends_with_rufs_summary(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(app, capsys, ".")
    assert code == 1 and err == ""
    assert [found[3] for found in reported(out)] == ["ASA103", "ASA105"]
    assert out.endswith("\n" + SUMMARY)


def test_a_clean_run_says_all_checks_passed(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(app, capsys, "--select", "ASA401", ".") == (0, "All checks passed!\n", "")


def test_machine_formats_have_no_summary(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(app, capsys, "--output-format", "json", ".")
    assert code == 1 and len(json.loads(out)) == 2


def test_a_folder_without_python_files_warns_on_stderr_and_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_project(tmp_path / "project", {"docs/index.md": "# docs\n"})
    code, out, err = check(root, capsys, "docs")
    assert (code, out) == (0, "All checks passed!\n")
    assert err == "alchemy-lint: warning: No Python files found under the given paths\n"


def test_quiet_prints_the_findings_and_nothing_else(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/db.py": DB, "empty/notes.txt": "x"})
    (root / "pyproject.toml").write_text("[tool.alchemy_lint]\n", encoding="utf-8")  # a warning, silenced too
    code, out, err = check(root, capsys, "-q", ".")
    assert (code, err) == (1, "")
    assert [found[3] for found in reported(out)] == ["ASA103"] and "Found" not in out
    assert check(root, capsys, "--quiet", "empty") == (0, "", "")


# -- output formats and destinations -------------------------------------------


def test_concise_is_text_and_format_is_an_alias(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = check(app, capsys, ".")
    assert check(app, capsys, "--output-format", "concise", ".") == text
    assert check(app, capsys, "--format", "concise", ".") == text


def test_full_format_shows_the_line_and_a_caret_under_the_call(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(app, capsys, "--output-format", "full", "app/db.py")
    assert code == 1
    block = out.split("\n\n")[0].splitlines()
    assert block[0].startswith("ASA103 [*] async_sessionmaker(...) without expire_on_commit=False")
    assert block[1] == " --> app/db.py:4:16"
    source, caret = block[block.index("4 | SessionLocal = async_sessionmaker(engine)") :][:2]
    assert caret.startswith("  | ") and caret.index("^") == source.index("async_sessionmaker")
    assert caret.strip(" |") == "^" * len("async_sessionmaker(engine)")
    assert "\033[" not in out  # not a terminal: no colour
    assert out.endswith("Found 1 error.\n[*] 1 fixable with `--fix`.\n")


@pytest.mark.parametrize(
    ("environment", "coloured"),
    [({"FORCE_COLOR": "1"}, True), ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False), ({}, False)],
    ids=["force-color", "no-color-wins", "pipe"],
)
def test_full_format_colour_follows_force_color_and_no_color(
    app: Path, environment: dict[str, str], coloured: bool
) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "NO_COLOR")}
    script = Path(sys.executable).parent / "alchemy-lint"
    done = subprocess.run(
        [str(script), "check", "--output-format", "full", "app/db.py"],
        cwd=app,
        capture_output=True,
        text=True,
        env={**env, **environment},
        timeout=600,
    )
    assert done.returncode == 1
    assert ("\033[" in done.stdout) is coloured


def test_full_format_is_coloured_on_a_terminal(app: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "NO_COLOR", "TERM")}
    primary, secondary = pty.openpty()
    script = Path(sys.executable).parent / "alchemy-lint"
    with subprocess.Popen(
        [str(script), "check", "--output-format", "full", "app/db.py"],
        cwd=app,
        stdout=secondary,
        stderr=subprocess.PIPE,
        env=env,
    ) as process:
        os.close(secondary)
        shown = _read_all(primary)
        assert process.wait(timeout=600) == 1
    assert b"\033[" in shown and b"async_sessionmaker" in shown


def _read_all(descriptor: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(descriptor, 65536)
        except OSError:  # the terminal's other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(descriptor)
    return b"".join(chunks)


def test_output_file_holds_the_report_and_its_summary(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(app, capsys, "-o", "report.txt", ".")
    assert (code, out, err) == (1, "", "")
    written = (app / "report.txt").read_text(encoding="utf-8")
    assert [found[3] for found in reported(written)] == ["ASA103", "ASA105"]
    assert written.endswith(SUMMARY)


def test_an_output_file_that_cannot_be_written_is_one_line_and_exit_2(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = check(app, capsys, "--output-file", "no/such/folder/report.txt", ".")
    assert (code, out) == (2, "")
    assert err.startswith("alchemy-lint: error: cannot write no/such/folder/report.txt: ") and err.count("\n") == 1


# -- fixing ------------------------------------------------------------------------


def test_show_fixes_lists_what_was_fixed_before_the_summary(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check(app, capsys, "--fix", "--show-fixes", ".")
    assert code == 1
    assert (app / "app" / "db.py").read_text(encoding="utf-8") == FIXED_DB
    assert out.endswith(
        "\nFixed 1 error:\n- app/db.py:\n    1 × ASA103 (expire-on-commit)\n\n"  # noqa: RUF001 - ruff's sign
        "Found 2 errors (1 fixed, 1 remaining).\n"
    )


# -- which files ---------------------------------------------------------------------


def test_exclude_replaces_the_configured_globs_and_extend_exclude_adds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"app/db.py": DB, "legacy/db.py": DB, "generated/db.py": DB}
    root = write_project(tmp_path / "project", files, 'exclude = ["legacy/"]')

    def paths(*args: str) -> list[str]:
        return sorted({found[0] for found in reported(check(root, capsys, "--select", "ASA103", *args)[1])})

    assert paths(".") == ["app/db.py", "generated/db.py"]
    assert paths("--extend-exclude", "generated/", ".") == ["app/db.py"]
    assert paths("--exclude", "generated/", ".") == ["app/db.py", "legacy/db.py"]
    assert paths("--exclude", "generated/,app/", "--exclude", "legacy/", ".") == []


def test_extend_exclude_in_the_configuration_adds_to_exclude(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"app/db.py": DB, "legacy/db.py": DB, "generated/db.py": DB}
    root = write_project(tmp_path / "project", files, 'exclude = ["legacy/"]\nextend-exclude = ["generated/"]')
    assert [found[0] for found in reported(check(root, capsys, "--select", "ASA103", ".")[1])] == ["app/db.py"]


# -- configuration -------------------------------------------------------------------


def test_preview_on_the_command_line_turns_on_the_preview_heuristics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"app/__init__.py": "", "app/db.py": DB, "app/db_models.py": MODELS, "app/users.py": RENAME}
    root = write_project(tmp_path / "project", files)
    assert check(root, capsys, "--select", "ASA302", ".")[0] == 0
    code, out, _ = check(root, capsys, "--select", "ASA302", "--preview", ".")
    assert code == 1 and [found[:2] for found in reported(out)] == [("app/users.py", 8)]
    (root / "pyproject.toml").write_text("[tool.alchemy-lint]\npreview = true\n", encoding="utf-8")
    assert check(root, capsys, "--select", "ASA302", "--no-preview", ".")[0] == 0


def test_config_file_replaces_the_projects_own(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/db.py": DB, "app/reports.py": REPORTS})
    shared = tmp_path / "alchemy-lint.toml"
    shared.write_text('ignore = ["ASA105"]\n', encoding="utf-8")
    code, out, _ = check(root, capsys, "--config", str(shared), ".")
    assert (code, [found[3] for found in reported(out)]) == (1, ["ASA103"])
    other = tmp_path / "pyproject.toml"
    other.write_text('[project]\nname = "x"\n[tool.alchemy-lint]\nselect = ["ASA105"]\n', encoding="utf-8")
    code, out, _ = check(root, capsys, "--config", str(other), ".")
    assert (code, [found[3] for found in reported(out)]) == (1, ["ASA105"])


def test_config_key_value_pairs_win_over_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(
        tmp_path / "project", {"app/__init__.py": "", "app/db.py": DB, "app/reports.py": REPORTS}, 'ignore = ["ASA1"]'
    )
    code, out, _ = check(root, capsys, "--config", 'ignore = ["ASA105"]', ".")
    assert (code, [found[3] for found in reported(out)]) == (1, ["ASA103"])


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (["--config", "missing.toml"], "alchemy-lint: error: --config: no such file: missing.toml\n"),
        (["--config", "a.toml", "--config", "b.toml"], "alchemy-lint: error: --config names more than one file"),
        (["--config", "colour = 'red'"], "alchemy-lint: error: --config: unknown key 'colour'"),
    ],
    ids=["missing-file", "two-files", "unknown-key"],
)
def test_a_bad_config_option_is_one_line_and_exit_2(
    app: Path, capsys: pytest.CaptureFixture[str], given: list[str], message: str
) -> None:
    code, out, err = check(app, capsys, *given, ".")
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1


@pytest.mark.parametrize(
    "table", ["[tool.alchemy_lint]", "[tool.alchemylint]", "[tool.alchemy-linter]", "[tools.alchemy-lint]"]
)
def test_a_misspelled_table_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str) -> None:
    root = write_project(tmp_path / "project", {"app/db.py": DB})
    (root / "pyproject.toml").write_text(f'{table}\nignore = ["ASA103"]\n', encoding="utf-8")
    code, out, err = check(root, capsys, ".")
    assert (code, reported(out)[0][3]) == (1, "ASA103")  # the table is not read
    assert err == (
        f"alchemy-lint: warning: pyproject.toml: {table} is not read (misspelled?); "
        "alchemy-lint reads [tool.alchemy-lint]\n"
    )


def test_a_correct_table_beside_other_tools_is_not_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_project(tmp_path / "project", {"app/db.py": DB}, 'ignore = ["ASA103"]')
    with (root / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write("[tool.ruff]\nline-length = 100\n[tool.alchemy]\nx = 1\n")
    assert check(root, capsys, ".") == (0, "All checks passed!\n", "")


def test_a_misspelled_key_names_the_key_it_resembles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path / "project", {"app/db.py": DB}, 'per_file_ignores = {"a.py" = ["ASA103"]}')
    code, _, err = check(root, capsys, ".")
    assert code == 2
    assert "unknown key 'per_file_ignores' in [tool.alchemy-lint]; did you mean 'per-file-ignores'?" in err


# -- standard input --------------------------------------------------------------------


def run_stdin(root: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "alchemy-lint"
    return subprocess.run(
        [str(script), "check", *args], cwd=root, input=text, capture_output=True, text=True, timeout=600
    )


def test_stdin_is_checked_as_the_named_file_of_its_project(app: Path) -> None:
    # The piped text, not the file on disk, and against the other files of the project.
    done = run_stdin(app, REPORTS.replace("ReportSession", "Other"), "--stdin-filename", "app/reports.py", "-")
    assert done.returncode == 1, done.stderr
    assert [(found[0], found[3]) for found in reported(done.stdout)] == [("app/reports.py", "ASA105")]
    assert run_stdin(app, "x = 1\n", "--stdin-filename", "app/reports.py").stdout == "All checks passed!\n"


def test_stdin_text_replaces_the_file_for_the_rest_of_the_project(app: Path) -> None:
    # With app/db.py's factory gone from the piped text, app/reports.py's is the first one.
    done = run_stdin(app, "from app.reports import ReportSession\n", "--stdin-filename", "app/db.py", "-")
    assert (done.returncode, done.stdout) == (0, "All checks passed!\n")


def test_stdin_without_a_name_is_shown_as_a_dash(app: Path) -> None:
    done = run_stdin(app, DB, "-")
    assert [(found[0], found[3]) for found in reported(done.stdout)] == [("-", "ASA103")]


def test_stdin_fix_prints_the_fixed_text_and_the_report_on_stderr(app: Path) -> None:
    # As app/reports.py: ASA103 is fixed, ASA105 (a second factory) has no fix.
    done = run_stdin(
        app, REPORTS.replace(", expire_on_commit=False", ""), "--fix", "--stdin-filename", "app/reports.py"
    )
    assert (done.returncode, done.stdout) == (1, REPORTS)
    assert [found[3] for found in reported(done.stderr)] == ["ASA105"]
    assert done.stderr.endswith("Found 2 errors (1 fixed, 1 remaining).\n")
    assert (app / "app" / "reports.py").read_text(encoding="utf-8") == REPORTS  # the file is not touched
    done = run_stdin(app, DB, "--fix", "--stdin-filename", "app/db.py", "-")
    assert (done.returncode, done.stdout, done.stderr) == (0, FIXED_DB, "Found 1 error (1 fixed, 0 remaining).\n")
    assert (app / "app" / "db.py").read_text(encoding="utf-8") == DB


def test_stdin_fix_echoes_clean_text_byte_for_byte(app: Path) -> None:
    script = Path(sys.executable).parent / "alchemy-lint"
    done = subprocess.run(
        [str(script), "check", "--fix", "--stdin-filename", "app/other.py", "-"],
        cwd=app,
        input="# é\r\nx = 1\r\n".encode(),
        capture_output=True,
        timeout=600,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "# é\r\nx = 1\r\n".encode(), b"All checks passed!\n")


def test_stdin_diff_shows_the_fix(app: Path) -> None:
    done = run_stdin(app, DB, "--diff", "--stdin-filename", "app/db.py", "-")
    assert done.returncode == 1
    assert "+SessionLocal = async_sessionmaker(engine, expire_on_commit=False)" in done.stdout.splitlines()
    assert done.stderr == "Would fix 1 error in 1 file.\n"


def test_stdin_named_as_an_excluded_file_reports_nothing(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/db.py": DB}, 'exclude = ["legacy/"]')
    done = run_stdin(root, DB, "--stdin-filename", "legacy/db.py", "-")
    assert (done.returncode, done.stdout, done.stderr) == (0, "All checks passed!\n", "")


@pytest.mark.parametrize(
    "given", [["-", "app"], ["--stdin-filename", "app/db.py", "app"]], ids=["dash-and-path", "name-and-path"]
)
def test_stdin_with_other_paths_is_a_usage_error(
    app: Path, capsys: pytest.CaptureFixture[str], given: list[str]
) -> None:
    code, out, err = check(app, capsys, *given)
    assert (code, out) == (2, "")
    assert err.startswith("alchemy-lint: error: ") and err.count("\n") == 1


# -- rule pages --------------------------------------------------------------------------


def test_rule_pages_through_the_pager_on_a_terminal(tmp_path: Path) -> None:
    paged = tmp_path / "paged.md"
    primary, secondary = pty.openpty()
    script = Path(sys.executable).parent / "alchemy-lint"
    done = subprocess.run(
        [str(script), "rule", "ASA401"],
        stdin=secondary,
        stdout=secondary,
        stderr=subprocess.PIPE,
        env={**os.environ, "PAGER": f"cat > {paged}"},
        timeout=600,
    )
    os.close(secondary)
    shown = _read_all(primary)
    assert (done.returncode, done.stderr) == (0, b"")
    assert paged.read_text(encoding="utf-8").startswith("# ASA401 (commit-in-unit-of-work)")
    assert b"ASA401" not in shown  # the page went through the pager, not straight to the terminal


def test_rule_prints_the_page_when_piped() -> None:
    done = run_cli("rule", "ASA401")
    assert done.returncode == 0 and done.stdout.startswith("# ASA401 (commit-in-unit-of-work)")
