"""The code stays mypy-strict and ruff clean: the README's one test command checks it too."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True, timeout=900)


@pytest.mark.long
def test_mypy_strict_is_clean() -> None:
    result = run("mypy")  # strict, over src/alchemy_lint, as configured in pyproject.toml
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check_is_clean() -> None:
    result = run("ruff", "check", "--no-cache", "src", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = run("ruff", "format", "--check", "--no-cache", "src", "tests")
    assert result.returncode == 0, result.stdout + result.stderr
