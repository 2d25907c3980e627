"""Valid code with deep expression trees is analysed, not reported as unparseable."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project

HEAD = "from sqlalchemy.ext.asyncio import AsyncSession\n\nreport = AsyncSession(engine, expire_on_commit=False)"


@pytest.mark.parametrize(
    "tail",
    [
        pytest.param(" + " + " + ".join(["1"] * 1500), id="1500-term-sum"),
        pytest.param(".total" * 1500, id="1500-attribute-chain"),
        pytest.param("()" * 1500, id="1500-call-chain"),
    ],
)
def test_deep_but_valid_expression_is_analysed(tmp_path: Path, tail: str) -> None:
    source = HEAD + tail + "\n"
    compile(source, "deep.py", "exec")  # Python itself accepts it
    root = write_project(tmp_path / "project", {"app/deep.py": source})
    assert [(f.line, f.code) for f in findings_in(root, "app/deep.py")] == [(3, "ASA101")]
