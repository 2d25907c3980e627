"""Where a run spends its time: per phase and per rule, for `alchemy-lint check --profile`.

A phase's wall-clock time is this process's; its CPU time counts the worker processes too
(with `-j N` the facts and rules phases include the pools' work). Wall-clock time means
little on a busy machine; CPU time holds up under load. A rule's time is wall-clock, summed
over the processes that ran it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

try:
    import resource
except ImportError:  # pragma: no cover - not on Unix
    resource = None  # type: ignore[assignment]

PHASES = ("discover", "read", "prefilter", "facts", "index", "rules", "output")

#: When a phase started: wall-clock and CPU seconds.
Started = tuple[float, float]


def cpu_seconds() -> float:
    """CPU seconds of this process and of the worker processes it has waited for."""
    if resource is None:  # pragma: no cover - not on Unix
        return time.process_time()
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


@dataclass(slots=True)
class Profile:
    #: Wall-clock seconds per phase.
    phases: dict[str, float] = field(default_factory=dict)
    #: CPU seconds per phase, worker processes included.
    cpu: dict[str, float] = field(default_factory=dict)
    rules: dict[str, float] = field(default_factory=dict)

    @staticmethod
    def start() -> Started:
        return time.perf_counter(), cpu_seconds()

    def add_phase(self, name: str, started: Started) -> None:
        wall, cpu = started
        self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - wall
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu_seconds() - cpu

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = self.start()
        try:
            yield
        finally:
            self.add_phase(name, started)

    def add_rule_time(self, code: str, seconds: float) -> None:
        self.rules[code] = self.rules.get(code, 0.0) + seconds

    def render(self, counters: dict[str, int]) -> str:
        lines = [
            "alchemy-lint profile (seconds: wall-clock, and CPU with the workers')",
            f"{'phase':<14}{'wall':>9}{'cpu':>9}",
        ]
        for name in (*PHASES, *sorted(set(self.phases) - set(PHASES))):
            if name in self.phases:
                lines.append(f"  {name:<12}{self.phases[name]:9.3f}{self.cpu.get(name, 0.0):9.3f}")
        lines.append(f"  {'total':<12}{sum(self.phases.values()):9.3f}{sum(self.cpu.values()):9.3f}")
        if self.rules:
            lines.append("rule")
            for code, seconds in sorted(self.rules.items(), key=lambda item: (-item[1], item[0])):
                lines.append(f"  {code:<12}{seconds:9.3f}")
        lines.append("files")
        for name, count in counters.items():
            lines.append(f"  {name:<22}{count:7d}")
        return "\n".join(lines) + "\n"
