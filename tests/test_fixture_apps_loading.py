"""The sample app shows ASA301/ASA302 where its comments say; the clean app stays silent."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ORDERS = "app/services/orders.py"


def test_sample_app_orders_service_reports_lazy_loads_and_expired_reads() -> None:
    root = FIXTURES / "sample_app"
    source = (root / ORDERS).read_text(encoding="utf-8")
    for code in ("ASA301", "ASA302"):
        assert [f.line for f in findings_in(root, ORDERS, code)] == expected_lines(source, code), code


def test_clean_app_orders_service_is_silent() -> None:
    assert findings_in(FIXTURES / "clean_app", ORDERS) == []


def test_clean_app_is_silent_for_loading_rules() -> None:
    root = FIXTURES / "clean_app"
    assert [f for f in findings_in(root, "app") if f.code.startswith("ASA3")] == []
