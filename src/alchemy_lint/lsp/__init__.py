"""`alchemy-lint lsp`: the language server, over stdio.

pygls is an optional dependency (the `lsp` extra), imported only when the server starts.
"""

from __future__ import annotations

import sys

#: The distributions the server needs; a missing one is a clear message, exit code 2.
SERVER_DEPENDENCIES = ("pygls", "lsprotocol")


def run() -> int:
    """Serve the editor on stdin/stdout; 2 when pygls is not installed."""
    try:
        from alchemy_lint.lsp.actions import library_fixers
        from alchemy_lint.lsp.server import serve
    except ImportError as error:
        missing = getattr(error, "name", None) or ""
        if missing.split(".")[0] not in SERVER_DEPENDENCIES:
            raise
        from alchemy_lint.metadata import install_command

        sys.stderr.write(
            f"alchemy-lint: error: the language server needs {missing.split('.')[0]}, which is not installed; "
            f"install it with: {install_command('lsp', SERVER_DEPENDENCIES)}\n"
        )
        return 2
    return serve(library_fixers())
