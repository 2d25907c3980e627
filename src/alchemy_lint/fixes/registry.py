"""The fixers alchemy-lint ships, by rule code.

A rule whose definition says it fixes (`Rule.fix`) has exactly one fixer here; a test holds both ends.
"""

from __future__ import annotations

from alchemy_lint.fixes import loading, sessions
from alchemy_lint.fixes.base import Fixer

FIXERS: dict[str, Fixer] = {
    fixer.code: fixer
    for fixer in (sessions.EXPIRE_ON_COMMIT, sessions.LEGACY_ASYNC_SESSIONMAKER, loading.LAZY_RELATIONSHIP_ACCESS)
}
