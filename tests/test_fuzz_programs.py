"""hypothesmith-generated Python programs through `check`, `--fix` and `baseline`, end to end.

Each program sits in a project beside code with fixable findings (and carries some itself);
whatever the program, no command raises, a fix keeps the file parsing and is idempotent, and
after `baseline` the project reports nothing. Bounded: seconds, not minutes, in CI.
"""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path

import hypothesmith
import pytest
from conftest import working_directory, write_project
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from alchemy_lint.baseline import write_baseline
from alchemy_lint.engine import check_paths
from alchemy_lint.fixes.pipeline import FixSession

#: Fixable (ASA103, ASA104) and unfixable (ASA101) findings around the generated program.
PREFIX = """\
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import sessionmaker

Legacy = sessionmaker(engine, class_=AsyncSession)


async def handler(engine):
    return AsyncSession(engine)

"""

#: Built on first use, not at import: the grammar's parser takes seconds to build, and every test
#: process imports this module to collect the suite while one runs the test.
programs = st.deferred(lambda: hypothesmith.from_grammar() | hypothesmith.from_node())


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@pytest.mark.long
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
@given(program=programs, placement=st.sampled_from(["after", "before", "alone"]))
# A line continuation at the end of the file: CPython 3.10 and 3.11 parse it before `\r\n`
# and not before `\n`, so the file must be read back with its line endings as they are.
@example(program="A\\\n#x\n \t\r\n\r\n\t \\\r\n", placement="after")
def test_generated_programs_never_break_check_fix_or_baseline(program: str, placement: str) -> None:
    text = {"after": PREFIX + program, "before": program + "\n" + PREFIX, "alone": program}[placement]
    with tempfile.TemporaryDirectory() as folder:
        root = write_project(Path(folder) / "project", {"app/generated.py": text, "app/handlers.py": PREFIX})
        generated = root / "app/generated.py"
        with working_directory(root):
            check_paths(["."])

            session = FixSession(["."])
            session.fix(session.check().findings)
            # Bytes, not `read_text`: its newline translation would change what parses.
            fixed = generated.read_bytes().decode("utf-8")
            assert parses(fixed) or not parses(text)
            again = FixSession(["."])
            assert again.fix(again.check().findings).changed == ()

            result = write_baseline(["."])
            assert all(finding.code == "ASA001" for finding, _ in result.skipped)
            remaining = check_paths(["."]).findings
            assert {finding.code for finding in remaining} <= {"ASA001"}
