"""Where a run spends its time: per phase and per rule, for `alchemy-lint check --profile`.

Phases are wall-clock time in this process; with `-j N` the facts phase includes the pool's work.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

PHASES = ("discover", "read", "prefilter", "facts", "index", "rules", "output")


@dataclass(slots=True)
class Profile:
    phases: dict[str, float] = field(default_factory=dict)
    rules: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - start

    def add_rule_time(self, code: str, seconds: float) -> None:
        self.rules[code] = self.rules.get(code, 0.0) + seconds

    def render(self, counters: dict[str, int]) -> str:
        lines = ["alchemy-lint profile (wall-clock seconds)", "phase"]
        total = sum(self.phases.values())
        for name in (*PHASES, *sorted(set(self.phases) - set(PHASES))):
            if name in self.phases:
                lines.append(f"  {name:<12}{self.phases[name]:9.3f}")
        lines.append(f"  {'total':<12}{total:9.3f}")
        if self.rules:
            lines.append("rule")
            for code, seconds in sorted(self.rules.items(), key=lambda item: (-item[1], item[0])):
                lines.append(f"  {code:<12}{seconds:9.3f}")
        lines.append("files")
        for name, count in counters.items():
            lines.append(f"  {name:<22}{count:7d}")
        return "\n".join(lines) + "\n"
