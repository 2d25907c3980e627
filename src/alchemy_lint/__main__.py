"""`python -m alchemy_lint`, the same as the `alchemy-lint` command."""

from alchemy_lint.cli import console

console()
