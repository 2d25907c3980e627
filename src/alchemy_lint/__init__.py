"""alchemy-lint: a linter for async SQLAlchemy and SQLModel code.

The package detects with the stdlib ``ast`` and fixes with LibCST.
"""

__version__ = "0.1.0"
