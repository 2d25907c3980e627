"""How serious a finding is, the same in every report and in the editor.

A rule's finding is a `warning`; ASA001 (the file could not be read or parsed, so nothing in
it was checked) is an `error`. Both fail `alchemy-lint check` (exit code 1).
"""

from __future__ import annotations

from typing import Literal

Severity = Literal["error", "warning"]

#: The code of "cannot parse": the only finding that is an error.
UNCHECKED_FILE = "ASA001"


def severity(code: str) -> Severity:
    return "error" if code == UNCHECKED_FILE else "warning"
