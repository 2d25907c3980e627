"""Newer syntax on this Python: how many files `ast.parse` rejects (ASA001 before the fallback),
how many no parser reads (ASA001 now), how many the tokenizer's fast path reads without LibCST,
and what the fallback costs.

Usage: python bench/newer_syntax.py [--repeat N] DIRS...   (run it under each Python to compare)
The folders are only read. CPU seconds (`time.process_time`), best of `--repeat`.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from run import list_checked_files


def best_cpu(work: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.process_time()
        work()
        timings.append(time.process_time() - started)
    return min(timings)


def rejected_by_ast(sources: dict[Path, bytes]) -> list[Path]:
    rejected = []
    for path, source in sources.items():
        try:
            ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            rejected.append(path)
    return rejected


def measure(root: Path, repeat: int) -> dict[str, object]:
    from alchemy_lint.parsing import PARSE_ERRORS, parse_source
    from alchemy_lint.parsing.fallback import decoded
    from alchemy_lint.parsing.lowering import lower
    from alchemy_lint.parsing.statements import parse_statement_constructs

    sources = {path: path.read_bytes() for path in list_checked_files(root)}
    floor = best_cpu(lambda: rejected_by_ast(sources), repeat)
    rejected = rejected_by_ast(sources)

    unreadable: list[str] = []

    def fall_back() -> None:
        unreadable.clear()
        for path in rejected:
            try:
                parse_source(sources[path], str(path))
            except PARSE_ERRORS as error:
                unreadable.append(f"{path.relative_to(root)}: {getattr(error, 'msg', error)}")

    fallback = best_cpu(fall_back, repeat)
    constructs: Counter[str] = Counter()
    fast = 0
    for path in rejected:
        text = decoded(sources[path])
        fast += text is not None and parse_statement_constructs(text, str(path)) is not None
        lowering = lower(text) if text is not None else None
        if lowering is not None:
            constructs.update(f"PEP {construct.pep}" for construct in lowering.constructs)
    return {
        "corpus": root.name,
        "files": len(sources),
        "rejected": len(rejected),
        "fast": fast,
        "unreadable": unreadable,
        "floor_cpu": floor,
        "fallback_cpu": fallback,
        "constructs": dict(constructs.most_common()),
    }


def render(rows: Sequence[dict[str, object]]) -> str:
    version = ".".join(map(str, sys.version_info[:3]))
    lines = [
        f"Python {version}: files | ASA001 before (ast.parse) | ASA001 now | ast.parse of all (cpu s) "
        "| fallback for the rejected (cpu s) | per rejected file (ms) | read without LibCST "
        "| constructs lowered (files)",
    ]
    for row in rows:
        rejected = int(str(row["rejected"]))
        fallback = float(str(row["fallback_cpu"]))
        per_file = f"{1000 * fallback / rejected:.0f}" if rejected else "-"
        lines.append(
            f"{row['corpus']}: {row['files']} | {rejected} | {len(row['unreadable'])} "  # type: ignore[arg-type]
            f"| {float(str(row['floor_cpu'])):.2f} | {fallback:.2f} | {per_file} | {row['fast']} | {row['constructs']}"
        )
        lines.extend(f"    unreadable: {entry}" for entry in row["unreadable"])  # type: ignore[attr-defined]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", help="folders to measure, e.g. checkouts of real applications")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per measurement; the fastest counts")
    arguments = parser.parse_args(argv)
    started = time.process_time()
    import libcst  # noqa: F401  (its import is a once-per-run cost, reported apart)

    print(f"LibCST import: {time.process_time() - started:.2f} cpu s")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = [measure(Path(folder).resolve(), arguments.repeat) for folder in arguments.dirs]
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
