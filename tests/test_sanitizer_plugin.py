"""The runtime sanitizer as users run it: real pytest sessions (pytester), real SQLAlchemy + aiosqlite."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from sanitizer_scenarios import (
    BEGIN_LINE,
    COMMIT_IN_BEGIN_LINE,
    COMMIT_LINE,
    EXPIRED_LINE,
    FREED_ADDRESSES,
    LAZY_LINE,
    LEFT_OPEN_LINE,
    LOADING,
    MODELS,
    RACE,
    RACE_LINES,
    TRANSACTIONS,
    UNGUARDED_LINE,
)

pytest_plugins = ("pytester",)

#: The acceptance: every one of this many runs fails with the sanitizer, whatever the timing.
RUNS = 100


def _project(pytester: pytest.Pytester, **modules: str) -> None:
    pytester.makepyfile(models=MODELS, **modules)


def _failures(pytester: pytest.Pytester, junit: str) -> dict[str, str]:
    """Test name -> failure text of a --junitxml report."""
    tree = ElementTree.parse(pytester.path / junit)
    failures = {}
    for case in tree.iter("testcase"):
        failure = case.find("failure")
        if failure is not None:
            failures[case.attrib["name"]] = f"{failure.attrib.get('message', '')}\n{failure.text or ''}"
    return failures


@pytest.mark.long
def test_gathered_queries_pass_without_the_sanitizer_and_fail_every_run_with_it(pytester: pytest.Pytester) -> None:
    _project(pytester, test_race=RACE.format(runs=RUNS))
    plain = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    # aiosqlite runs one statement at a time on the session's connection: the race stays hidden.
    plain.assert_outcomes(passed=RUNS)

    strict = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--alchemy-sanitize=strict", "--junitxml=out.xml")
    strict.assert_outcomes(failed=RUNS)
    failures = _failures(pytester, "out.xml")
    assert len(failures) == RUNS
    first, second = (f"test_race.py:{line}" for line in RACE_LINES)
    for name, text in failures.items():
        assert "ASA201 session shared by concurrent tasks" in text, name
        assert first in text and second in text, text


def test_sanitizer_off_leaves_sqlalchemy_untouched(pytester: pytest.Pytester) -> None:
    _project(pytester, test_race=RACE.format(runs=1))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=1)
    assert "alchemy-lint sanitizer" not in result.stdout.str()


def test_plugin_module_imports_nothing_while_off() -> None:
    probe = (
        "import sys; before = set(sys.modules); import alchemy_lint.sanitizer.plugin; "
        "print(sorted(set(sys.modules) - before))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "sqlalchemy" not in loaded and "alchemy_lint.sanitizer.instrument" not in loaded, loaded


def test_this_suite_runs_with_the_plugin_installed_and_off(pytestconfig: pytest.Config) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import attributes

    assert pytestconfig.pluginmanager.has_plugin("alchemy-sanitize")
    assert not pytestconfig.pluginmanager.has_plugin("alchemy-sanitizer")
    assert AsyncSession.execute.__module__ == "sqlalchemy.ext.asyncio.session"
    impl = vars(attributes).get("_AttributeImpl") or vars(attributes)["AttributeImpl"]
    assert impl._fire_loader_callables.__module__ == "sqlalchemy.orm.attributes"
    assert sys.get_coroutine_origin_tracking_depth() == 0


def test_lazy_load_and_expired_read_fail_naming_model_attribute_and_line(pytester: pytest.Pytester) -> None:
    _project(pytester, test_loading=LOADING)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--alchemy-sanitize=strict", "-rf")
    # The two bugs raise MissingGreenlet anyway; the same tests without them pass with the sanitizer on.
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_lazy_load _*",
            "*- alchemy-lint sanitizer -*",
            f"test_loading.py:{LAZY_LINE}: ASA301 lazy load of Order.items in async code (raised MissingGreenlet)*",
            "*_ test_expired_read _*",
            "*- alchemy-lint sanitizer -*",
            f"test_loading.py:{EXPIRED_LINE}: ASA302 Order.status read on Order(id=1) after session.commit() at "
            f"test_loading.py:{COMMIT_LINE} expired it (raised MissingGreenlet)*",
        ]
    )
    result.stdout.fnmatch_lines(
        ["FAILED test_loading.py::test_lazy_load - *", "FAILED test_loading.py::test_expired_read - *"]
    )


def test_unit_of_work_commit_and_unclosed_session_are_reported(pytester: pytest.Pytester) -> None:
    _project(pytester, test_transactions=TRANSACTIONS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--alchemy-sanitize", "-W", "ignore")
    result.assert_outcomes(passed=4)
    output = result.stdout.str()
    assert (
        f"test_transactions.py:{COMMIT_IN_BEGIN_LINE}: ASA401 session.commit() inside `async with session.begin()` "
        f"(test_transactions.py:{BEGIN_LINE})"
    ) in output
    assert (
        f"test_transactions.py:{UNGUARDED_LINE}: ASA107 session opened at test_transactions.py:{UNGUARDED_LINE}"
        in output
    )
    assert "2 findings (ASA107 x1, ASA401 x1) in 2 of 4 tests" in output


def test_a_session_made_where_a_leaked_one_was_is_not_blamed_for_its_connection(pytester: pytest.Pytester) -> None:
    _project(pytester, test_freed=FREED_ADDRESSES)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--alchemy-sanitize", "-W", "ignore")
    result.assert_outcomes(passed=2)
    output = result.stdout.str()
    left_open = f"test_freed.py:{LEFT_OPEN_LINE}"
    assert f"{left_open}: ASA107 session opened at {left_open} was not closed when the test ended" in output
    assert "1 finding (ASA107 x1) in 1 of 2 tests" in output


def test_ini_option_turns_it_on_and_a_bad_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    _project(pytester, test_loading=LOADING)
    pytester.makeini("[pytest]\nalchemy_sanitize = strict\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_loading.py::test_eager_load")
    result.assert_outcomes(passed=1)
    assert "alchemy-lint sanitizer: strict" in result.stdout.str()

    pytester.makeini("[pytest]\nalchemy_sanitize = sometimes\n")
    bad = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    assert "alchemy_sanitize must be true, false or strict, not 'sometimes'" in bad.stderr.str()


def test_flag_before_a_path_keeps_the_path(pytester: pytest.Pytester) -> None:
    _project(pytester, test_loading=LOADING)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--alchemy-sanitize", "test_loading.py::test_eager_load"
    )
    result.assert_outcomes(passed=1)
    assert "alchemy-lint sanitizer: no findings in 1 test" in result.stdout.str()


def test_report_file_carries_the_sites(pytester: pytest.Pytester) -> None:
    _project(pytester, test_race=RACE.format(runs=1))
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--alchemy-sanitize-report=runtime.json")
    report = json.loads((pytester.path / "runtime.json").read_text(encoding="utf-8"))
    assert Path(report["root"]) == pytester.path
    [finding] = report["findings"]
    assert (finding["code"], finding["path"], finding["test"]) == (
        "ASA201",
        "test_race.py",
        "test_race.py::test_two_queries_on_one_session[0]",
    )
    assert {(site["line"], site["role"]) for site in finding["sites"]} == {
        (RACE_LINES[1], "task"),
        (RACE_LINES[0], "other-task"),
    }
