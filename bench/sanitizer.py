"""What the runtime sanitizer costs: real test suites run with and without `--alchemy-sanitize`.

Usage: python bench/sanitizer.py [--repeat N] [--output FILE] [--suite NAME ...]
Each round runs every suite once plain and once sanitized, alternating which goes first; the
figures are the best round of each (noise only ever adds time). Wall seconds are the target
(at most 1.15x); CPU seconds (user + system of pytest and its children) are steadier on a
shared machine. See bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
TARGET = 1.15
#: name -> (what it is, the pytest arguments, from the repository root).
SUITES = {
    "sample-app": (
        "the sample app's own tests: every test drives the app on aiosqlite in the pytest process",
        ["fixtures/sample_app/tests"],
    ),
    "concurrency-runtime": (
        "ASA201's runtime tests alone: in the pytest process, 20 races per test, each one reported",
        ["tests/test_concurrency_runtime.py"],
    ),
    "runtime-verification": (
        "the project's runtime-verification tests: the rules' examples executed against SQLAlchemy + aiosqlite",
        [
            "tests/test_loading_runtime.py",
            "tests/test_concurrency_runtime.py",
            "tests/test_runtime_dynamic_relationship.py",
            "tests/test_runtime_mixed_policy.py",
            "tests/test_runtime_session_helper.py",
        ],
    ),
}


@dataclass
class Timing:
    wall: float
    cpu: float


def run_suite(arguments: list[str], *, sanitized: bool) -> Timing:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore", *arguments]
    if sanitized:
        command.append("--alchemy-sanitize")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(
        command,
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        sys.exit(f"bench/sanitizer.py: {' '.join(command)} failed:\n{completed.stdout[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu)


def measure(names: list[str], repeat: int) -> dict[str, dict[str, object]]:
    plain: dict[str, list[Timing]] = {name: [] for name in names}
    sanitized: dict[str, list[Timing]] = {name: [] for name in names}
    for round_number in range(repeat):
        for name in names:
            arguments = SUITES[name][1]
            order = (False, True) if round_number % 2 == 0 else (True, False)
            for on in order:
                timing = run_suite(arguments, sanitized=on)
                (sanitized if on else plain)[name].append(timing)
                print(
                    f"round {round_number + 1} {name} {'sanitized' if on else 'plain'}: "
                    f"{timing.wall:.2f} s wall, {timing.cpu:.2f} s cpu",
                    file=sys.stderr,
                )
    results: dict[str, dict[str, object]] = {}
    for name in names:
        best_plain = Timing(min(t.wall for t in plain[name]), min(t.cpu for t in plain[name]))
        best_on = Timing(min(t.wall for t in sanitized[name]), min(t.cpu for t in sanitized[name]))
        pairs = sorted(on.wall / off.wall for on, off in zip(sanitized[name], plain[name], strict=True))
        results[name] = {
            "suite": SUITES[name][0],
            "median_pair_wall_ratio": round(pairs[len(pairs) // 2], 3),
            "plain_wall": round(best_plain.wall, 2),
            "sanitized_wall": round(best_on.wall, 2),
            "wall_ratio": round(best_on.wall / best_plain.wall, 3),
            "plain_cpu": round(best_plain.cpu, 2),
            "sanitized_cpu": round(best_on.cpu, 2),
            "cpu_ratio": round(best_on.cpu / best_plain.cpu, 3),
        }
    return results


def render(results: dict[str, dict[str, object]], repeat: int) -> str:
    lines = [
        f"Best of {repeat} interleaved rounds; CPython {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.",
        "",
        "| suite | plain wall (s) | sanitized wall (s) | wall ratio | median of round ratios "
        "| plain cpu (s) | sanitized cpu (s) | cpu ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in results.items():
        lines.append(
            f"| {name} | {row['plain_wall']} | {row['sanitized_wall']} | **{row['wall_ratio']:.2f}x** | "
            f"{row['median_pair_wall_ratio']:.2f}x | {row['plain_cpu']} | {row['sanitized_cpu']} | "
            f"{row['cpu_ratio']:.2f}x |"
        )
    verdict = all(float(str(row["wall_ratio"])) <= TARGET for row in results.values())
    lines.append("")
    lines.append(f"Target: at most {TARGET}x wall time: {'met' if verdict else 'NOT met'}.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--suite", action="append", choices=sorted(SUITES), help="default: every suite")
    parser.add_argument("--output", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    names = args.suite or list(SUITES)
    results = measure(names, args.repeat)
    sys.stdout.write(render(results, args.repeat))
    if args.output:
        args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
