"""A damaged cache entry is rebuilt, never read: the bit-flip experiment of issue 16 as a test."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, working_directory

from alchemy_lint.cache import CACHE_DIR_ENV, CACHE_DIR_NAME, NO_CACHE_ENV
from alchemy_lint.engine import CheckResult, RunOptions, check_paths


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    monkeypatch.delenv(NO_CACHE_ENV, raising=False)
    copy = tmp_path / "sample_app"
    # Without the cache other tests' runs may have left in the fixture.
    shutil.copytree(FIXTURES / "sample_app", copy, ignore=shutil.ignore_patterns(CACHE_DIR_NAME))
    return copy


def check(root: Path, *, cache: bool) -> CheckResult:
    with working_directory(root):
        return check_paths(["."], None, RunOptions(cache=cache))


def flip_one_bit_in_every_entry(root: Path, seed: int) -> int:
    rng = random.Random(seed)
    entries = sorted((root / CACHE_DIR_NAME).rglob("*.pickle"))
    for entry in entries:
        data = bytearray(entry.read_bytes())
        bit = rng.randrange(len(data) * 8)
        data[bit // 8] ^= 1 << (bit % 8)
        entry.write_bytes(bytes(data))
    return len(entries)


@pytest.mark.parametrize("seed", range(10))
def test_a_flipped_bit_in_every_entry_changes_no_finding(app: Path, seed: int) -> None:
    cold = check(app, cache=False)
    assert len(cold.findings) > 10
    assert check(app, cache=True).findings == cold.findings

    buckets = len(list((app / CACHE_DIR_NAME).rglob("passing-bucket/*/*.pickle")))
    damaged = flip_one_bit_in_every_entry(app, seed)
    after_damage = check(app, cache=True)

    assert after_damage.findings == cold.findings
    # Every damaged entry is found so, but the run-once inputs' pack and the passing calls'
    # buckets: every file's facts were damaged too, so this run made every file's inputs and
    # passing calls again, and writes them anew (the buckets of the damaged outlines pack, whose
    # generation it cannot read, are never asked for).
    assert buckets > 0
    assert after_damage.stats.cache_rebuilt == damaged - 1 - buckets
    # What was rebuilt was written back right: the next run reads every entry, and trusts them.
    healed = check(app, cache=True)
    assert healed.findings == cold.findings
    assert healed.stats.cache_rebuilt == 0
    assert healed.stats.findings_computed == 0
