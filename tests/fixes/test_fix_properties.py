"""Generated factory calls in every layout: the fix parses, keeps every comment and is idempotent;
without comments in the call it always completes (a comment it cannot place makes it decline)."""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path

from conftest import working_directory, write_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alchemy_lint.fixes.pipeline import FixSession

HEADER = (
    "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine\n"
    "from sqlalchemy.orm import sessionmaker\n"
    "\n"
    'engine = create_async_engine("sqlite+aiosqlite://")\n'
)
ARGUMENTS = ("engine", "autoflush=False", "class_=AsyncSession", "expire_on_commit=True", "info={'app': 'x'}")


@st.composite
def factory_modules(draw: st.DrawFn) -> str:
    callee = draw(st.sampled_from(["async_sessionmaker", "sessionmaker"]))
    arguments = draw(st.lists(st.sampled_from(ARGUMENTS), unique=True, max_size=4))
    if callee == "sessionmaker" and "class_=AsyncSession" not in arguments:
        arguments.append("class_=AsyncSession")
    arguments.sort(key=lambda argument: "=" in argument)  # positional first
    layout = draw(st.sampled_from(["inline", "hanging", "one-per-line", "one-per-line-trailing"]))
    comments = draw(st.lists(st.booleans(), min_size=len(arguments), max_size=len(arguments)))
    if layout == "inline" or not arguments:
        call = f"{callee}({', '.join(arguments)})"
    elif layout == "hanging":
        call = f"{callee}(\n    {', '.join(arguments)}\n)"
    else:
        lines = []
        for number, (argument, commented) in enumerate(zip(arguments, comments, strict=True)):
            last = number == len(arguments) - 1
            comma = "" if last and layout == "one-per-line" else ","
            lines.append(f"    {argument}{comma}" + (f"  # note {number}" if commented else ""))
        call = f"{callee}(\n" + "\n".join(lines) + "\n)"
    return HEADER + f"SessionLocal = {call}\n"


def _fix(root: Path) -> None:
    with working_directory(root):
        session = FixSession(["app/db.py"])
        session.fix(session.check().findings)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(factory_modules())
def test_fixed_factory_parses_keeps_comments_and_is_clean(source: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = write_project(Path(folder) / "project", {"app/__init__.py": "", "app/db.py": source})
        target = root / "app" / "db.py"
        _fix(root)
        fixed = target.read_text(encoding="utf-8")
        tree = ast.parse(fixed)
        comments = [line.split("#", 1)[1] for line in source.splitlines() if "#" in line]
        assert all(comment in fixed for comment in comments)
        if not comments:
            (call,) = [node.value for node in tree.body if isinstance(node, ast.Assign)][-1:]
            assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            assert call.func.id == "async_sessionmaker"
            assert [ast.unparse(k.value) for k in call.keywords if k.arg == "expire_on_commit"] == ["False"]
            with working_directory(root):
                assert FixSession(["app/db.py"]).check().findings == ()
        _fix(root)
        assert target.read_text(encoding="utf-8") == fixed
