"""The sample apps: the dashboard service shares sessions across tasks; the clean one does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DASHBOARD = "app/services/dashboard.py"


def _app(name: str) -> Path:
    root = FIXTURES / name
    if not (root / "app" / "db_methods.py").is_file():
        pytest.skip(f"fixtures/{name} has no app/db_methods.py (the sample app's database module) yet")
    return root


@pytest.mark.parametrize("code", ["ASA201", "ASA202"])
def test_sample_app_dashboard_reports_every_marked_line(code: str) -> None:
    root = _app("sample_app")
    expected = expected_lines((root / DASHBOARD).read_text(encoding="utf-8"), code)
    assert expected
    assert [finding.line for finding in findings_in(root, DASHBOARD, code)] == expected


@pytest.mark.parametrize("code", ["ASA201", "ASA202"])
def test_clean_app_has_no_shared_or_module_level_sessions(code: str) -> None:
    root = _app("clean_app")
    assert findings_in(root, ".", code) == []
