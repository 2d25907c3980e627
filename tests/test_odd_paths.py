"""Paths that are not plain source files never stop, hang or blow up a run: each one is an ASA001
(or a configuration error for pyproject.toml), and every other file is checked.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, reported, run_cli, write_project

from alchemy_lint.resolve import ModuleNames
from alchemy_lint.sourcefile import MAX_SOURCE_BYTES
from alchemy_lint.sources import read_source_file

#: A subprocess timeout that only a hang reaches (a FIFO read waits for a writer forever).
HANG = 300

ADHOC = """\
from sqlalchemy.ext.asyncio import AsyncSession


def open_one(engine):
    return AsyncSession(engine, expire_on_commit=False)
"""


def codes_by_path(output: str) -> list[tuple[str, str]]:
    return sorted((path, code) for path, _, _, code in reported(output))


def test_fifos_devices_and_link_loops_are_asa001_and_the_run_goes_on(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"good.py": ADHOC})
    os.mkfifo(root / "fifo.py")  # read, it would wait for a writer forever
    (root / "zero.py").symlink_to("/dev/zero")  # read, it would fill the memory
    (root / "x.py").symlink_to(root / "y.py")
    (root / "y.py").symlink_to(root / "x.py")

    result = subprocess.run(
        [Path(sys.executable).parent / "alchemy-lint", "check", "--no-cache", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=HANG,
    )

    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.splitlines() == [
        "fifo.py:1:1: ASA001 cannot parse: cannot read: not a regular file (a FIFO)",
        "good.py:5:12: ASA101 ad-hoc session AsyncSession(...): open sessions from the one configured "
        "factory (none is built yet for this engine: build one async_sessionmaker beside it)",
        "x.py:1:1: ASA001 cannot parse: cannot read: Too many levels of symbolic links",
        "y.py:1:1: ASA001 cannot parse: cannot read: Too many levels of symbolic links",
        "zero.py:1:1: ASA001 cannot parse: cannot read: not a regular file (a character device)",
        "Found 5 errors.",
    ]


def test_a_source_over_the_size_bound_is_not_read(tmp_path: Path) -> None:
    huge = tmp_path / "generated.py"
    with huge.open("wb") as stream:
        stream.truncate(MAX_SOURCE_BYTES + 1)  # sparse: no disk, and never read

    source = read_source_file(huge, "generated.py", "generated.py", ModuleNames())

    assert source.read_error == f"cannot read: larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB"
    assert source.source == b""


def as_normal_user() -> Callable[[], None] | None:
    """A preexec_fn under which root meets file permissions as a normal user does: it drops
    the two capabilities that let root read anything (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH)."""
    if os.geteuid() != 0:
        return None

    def drop_capabilities() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2
        for capability in (cap_dac_override, cap_dac_read_search):
            if libc.prctl(pr_capbset_drop, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return drop_capabilities


def run_as_normal_user(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "alchemy-lint"
    try:
        return subprocess.run(
            [str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=HANG, preexec_fn=as_normal_user()
        )
    except subprocess.SubprocessError as error:
        pytest.skip(f"cannot run as a normal user here: {error}")


def test_an_unreadable_folder_is_asa001_and_the_run_goes_on(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"good.py": ADHOC, "closed/inner.py": ADHOC, "listless/x.py": ""})
    (root / "closed").chmod(0o000)
    (root / "listless").chmod(0o311)  # may be entered, not listed
    try:
        result = run_as_normal_user("check", "--no-cache", ".", cwd=root)
    finally:
        (root / "closed").chmod(0o755)
        (root / "listless").chmod(0o755)

    assert (result.returncode, result.stderr) == (1, "")
    assert codes_by_path(result.stdout) == [("closed", "ASA001"), ("good.py", "ASA101"), ("listless", "ASA001")]
    assert "closed:1:1: ASA001 cannot parse: cannot read: Permission denied" in result.stdout


def test_an_unreadable_pyproject_is_a_configuration_error(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"good.py": ADHOC})
    (root / "pyproject.toml").chmod(0o000)

    result = run_as_normal_user("check", "--no-cache", ".", cwd=root)

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "alchemy-lint: error: pyproject.toml: cannot read: Permission denied\n"


def test_a_deeply_nested_pyproject_is_a_configuration_error(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"good.py": ADHOC})
    (root / "pyproject.toml").write_text("x = " + "[" * 1_000 + "]" * 1_000 + "\n", encoding="utf-8")

    result = run_cli("check", "--no-cache", ".", cwd=root)

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "alchemy-lint: error: pyproject.toml: cannot read TOML: nested too deeply\n"


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file names are UTF-8 by force")
def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {})
    name = os.fsdecode(b"caf\xe9.py")
    (root / name).write_text(ADHOC, encoding="utf-8")
    # A UTF-8 locale that is not C: Python's stdout is then strict about surrogates.
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(REPO / "src")}
    outputs = {}
    for output_format in ("text", "json", "sarif", "github"):
        result = subprocess.run(
            [sys.executable, "-m", "alchemy_lint", "check", "--no-cache", "--format", output_format, "."],
            cwd=root,
            capture_output=True,
            env=environment,
            timeout=HANG,
        )
        assert result.returncode == 1, result.stderr
        assert b"Traceback" not in result.stderr
        outputs[output_format] = result.stdout

    assert outputs["text"].startswith(b"caf\xe9.py:5:12: ASA101 ")  # the name's own bytes, as `ls` prints it
    sarif = json.loads(outputs["sarif"])
    [location] = sarif["runs"][0]["results"][0]["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "caf%E9.py"


def test_a_symlinked_alias_is_checked_and_fixed_once(tmp_path: Path) -> None:
    factory = "from sqlalchemy.ext.asyncio import async_sessionmaker\n\nSessionLocal = async_sessionmaker(engine)\n"
    root = write_project(tmp_path / "project", {"app/db.py": factory})
    (root / "app/alias.py").symlink_to("db.py")

    first = run_cli("check", "--no-cache", ".", cwd=root)
    fixed = run_cli("check", "--no-cache", "--fix", ".", cwd=root)

    # Not twice, and not ASA105 "another session factory" with the file against itself.
    assert codes_by_path(first.stdout) == [("app/db.py", "ASA103")]
    assert (fixed.returncode, fixed.stdout) == (0, "Found 1 error (1 fixed, 0 remaining).\n")
