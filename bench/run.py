"""The alchemy-lint benchmark: prepares its corpora and measures ratios taken in one run.

Usage: python bench/run.py [--repeat N] [--jobs N] [--no-flake8] [--output FILE] [EXTRA_DIRS...]
See bench/README.md for what is measured and why as ratios.
"""

from __future__ import annotations

import argparse
import ast
import compileall
import itertools
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
SQLALCHEMY_VERSION = "2.0.36"
TARGETS = {
    "cold": 2.0,
    "warm": 0.05,
    "flake8": 1.15,
    "memory_mb_per_million_lines": 300.0,
    # -j N wall speed-up over -j 1, for corpora of at least `LARGE_CORPUS_LINES`.
    "parallel": 1.6,
    # `check that_file.py` after one file of the project changed, wall seconds.
    "one_file_changed_wall": 0.25,
}
#: The warm and parallel targets hold for corpora of at least this many lines (issue 14).
LARGE_CORPUS_LINES = 100_000
#: What the benchmark appends to the file it changes (and removes again).
#: The edit appended to the changed file, numbered: each edit of a run is new content, so that no
#: repetition finds the findings of an earlier one in the cache.
EDIT = "\n# changed by the alchemy-lint benchmark (edit {number})\n"
_edits = itertools.count(1)


# -- corpora --------------------------------------------------------------------------


@dataclass
class Corpus:
    name: str
    root: Path
    files: list[Path] = field(default_factory=list)
    lines: int = 0


def _copy_python_tree(source: Path, target: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set()
        for name in names:
            path = Path(folder) / name
            if path.is_dir():
                if name in (".git", "node_modules", "__pycache__", "site-packages"):
                    skipped.add(name)
            elif not name.endswith((".py", ".pyi")) and name not in ("pyproject.toml", "setup.cfg"):
                skipped.add(name)
        return skipped

    shutil.copytree(source, target, ignore=ignore, symlinks=False)
    if not any((target / marker).exists() for marker in ("pyproject.toml", "setup.cfg", "setup.py")):
        # Make the copy one project, as its checkout is, rather than one per folder.
        (target / "pyproject.toml").write_text("", encoding="utf-8")


def prepare_corpora(workdir: Path, extra_dirs: Sequence[str]) -> list[Corpus]:
    corpora: list[Corpus] = []
    target = workdir / f"sqlalchemy-{SQLALCHEMY_VERSION}"
    print(f"installing SQLAlchemy {SQLALCHEMY_VERSION} from the package index ...", file=sys.stderr)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-compile",
            "--target",
            str(target),
            f"sqlalchemy=={SQLALCHEMY_VERSION}",
        ],
        check=True,
    )
    (target / "pyproject.toml").write_text("", encoding="utf-8")
    corpora.append(Corpus("sqlalchemy", target))
    print("copying the standard library ...", file=sys.stderr)
    stdlib = workdir / "stdlib"
    _copy_python_tree(Path(sysconfig.get_paths()["stdlib"]), stdlib)
    corpora.append(Corpus("stdlib", stdlib))
    sources = [Path(extra).resolve() for extra in extra_dirs]
    for source, name in zip(sources, _distinct_names(sources), strict=True):
        copy = workdir / "extra" / name
        print(f"copying {name} ...", file=sys.stderr)
        _copy_python_tree(source, copy)
        corpora.append(Corpus(name, copy))
    for corpus in corpora:
        corpus.files = list_checked_files(corpus.root)
        corpus.lines = sum(path.read_bytes().count(b"\n") for path in corpus.files)
    return corpora


def _distinct_names(folders: Sequence[Path]) -> list[str]:
    """`dstack` for a folder of its own name; `polar-server` and `prefect-server` for two `server`s."""
    names = [folder.name for folder in folders]
    for depth in range(2, 8):
        clashing = {name for name in names if names.count(name) > 1}
        if not clashing:
            break
        names = ["-".join(f.parts[-depth:]) if n in clashing else n for f, n in zip(folders, names, strict=True)]
    return names


def list_checked_files(root: Path) -> list[Path]:
    """Exactly the files `alchemy-lint check root` checks (same discovery code)."""
    from alchemy_lint.config import load_settings
    from alchemy_lint.engine import python_files

    settings = load_settings(root)
    return [path.resolve() for path in python_files(root, settings, root)]


# -- measuring ------------------------------------------------------------------------


@dataclass
class Sample:
    wall: float
    cpu: float
    peak_mb: float = 0.0


def _tree_memory_mb(pid: int) -> float:
    """Proportional set size of a process and its descendants (shared pages split, not doubled)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stream:
                    parent = int(stream.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total_kb = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        pending.extend(children.get(current, []))
        try:
            with open(f"/proc/{current}/smaps_rollup", encoding="ascii") as stream:
                for line in stream:
                    if line.startswith("Pss:"):
                        total_kb += int(line.split()[1])
                        break
        except OSError:
            continue
    return total_kb / 1024


def run(command: Sequence[str], env: dict[str, str], *, memory: bool = False) -> Sample:
    """Wall and CPU time (user + system, children included) of one command; with `memory`,
    the peak memory of its process tree, sampled every 20 ms (costs CPU: not for timing)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_memory_mb(process.pid))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True) if memory else None
    if sampler is not None:
        sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - started
    stop.set()
    if sampler is not None:
        sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode not in (0, 1):
        raise SystemExit(f"benchmark command failed ({process.returncode}): {' '.join(command)}\n{stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(wall, cpu, peak)


def pick_changed_file(files: Sequence[Path]) -> Path:
    """The file a developer edits: the middle one (in path order) of those that use SQLAlchemy
    in async code, else the middle file."""
    chosen = [path for path in files if _uses_async_sqlalchemy(path)] or list(files)
    return sorted(chosen)[len(chosen) // 2]


def _uses_async_sqlalchemy(path: Path) -> bool:
    try:
        source = path.read_bytes()
    except OSError:
        return False
    return b"sqlalchemy" in source and b"async def" in source


def run_after_edit(path: Path, command: Sequence[str], env: dict[str, str]) -> Sample:
    """`command` right after `path` changed (a comment appended); the file is put back after."""
    original = path.read_bytes()
    try:
        path.write_bytes(original + EDIT.format(number=next(_edits)).encode())
        return run(command, env)
    finally:
        path.write_bytes(original)
        # Checked once as it was, so that the cache holds the original's facts again.
        run(command, env)


def best(samples: list[Sample]) -> Sample:
    """The least disturbed of the repetitions: noise only ever adds time."""
    return Sample(min(s.wall for s in samples), min(s.cpu for s in samples), max(s.peak_mb for s in samples))


def floor_main(list_file: str) -> None:
    """`ast.parse` of every file listed, in one process: the floor a Python linter cannot beat."""
    for line in Path(list_file).read_text(encoding="utf-8").splitlines():
        try:
            ast.parse(Path(line).read_bytes(), line)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue


# -- the benchmark --------------------------------------------------------------------


@dataclass
class Environment:
    workdir: Path
    python: str
    lint: list[str]
    env: dict[str, str]
    cache_dir: Path

    def fresh_cache(self) -> None:
        shutil.rmtree(self.cache_dir, ignore_errors=True)


def compile_linter() -> None:
    """Write the bytecode of the linter's modules, as `pip install` does."""
    import alchemy_lint

    compileall.compile_dir(str(Path(alchemy_lint.__file__).parent), quiet=1)


def measure_corpus(corpus: Corpus, environment: Environment, repeat: int, jobs: int) -> dict[str, object]:
    list_file = environment.workdir / f"{corpus.name}.files"
    list_file.write_text("\n".join(str(path) for path in corpus.files) + "\n", encoding="utf-8")
    floor_command = [environment.python, str(Path(__file__).resolve()), "--floor", str(list_file)]
    target = str(corpus.root)
    cold_command = [*environment.lint, "check", "--exit-zero", "--no-cache", "-j", "1", target]
    parallel_command = [*environment.lint, "check", "--exit-zero", "--no-cache", "-j", str(jobs), target]
    cached_command = [*environment.lint, "check", "--exit-zero", "-j", "1", target]
    changed_file = pick_changed_file(corpus.files)
    one_file_command = [*environment.lint, "check", "--exit-zero", "-j", "1", str(changed_file)]
    floor: list[Sample] = []
    cold: list[Sample] = []
    parallel: list[Sample] = []
    warm: list[Sample] = []
    one_file: list[Sample] = []
    for round_number in range(repeat):
        print(f"  {corpus.name}: round {round_number + 1}/{repeat}", file=sys.stderr)
        # Interleaved, so a slow minute of the machine hits every measurement alike.
        floor.append(run(floor_command, environment.env))
        cold.append(run(cold_command, environment.env))
        parallel.append(run(parallel_command, environment.env))
        environment.fresh_cache()
        run(cached_command, environment.env)  # fills the cache
        warm.append(run(cached_command, environment.env))
        one_file.append(run_after_edit(changed_file, one_file_command, environment.env))
    memory_one = run(cold_command, environment.env, memory=True)
    memory_many = run(parallel_command, environment.env, memory=True)
    profile = subprocess.run(
        [*environment.lint, "check", "--exit-zero", "--no-cache", "-j", "1", "--profile", target],
        env=environment.env,
        capture_output=True,
        text=True,
        check=False,
    ).stderr
    f, c, p, w, o = best(floor), best(cold), best(parallel), best(warm), best(one_file)
    return {
        "corpus": corpus.name,
        "files": len(corpus.files),
        "lines": corpus.lines,
        "floor_ast_parse": vars(f),
        "cold_j1": vars(c),
        f"cold_j{jobs}": vars(p),
        "warm_j1": vars(w),
        "one_file_changed": vars(o),
        "changed_file": str(changed_file.relative_to(corpus.root)),
        "ratio_cold_vs_floor_cpu": c.cpu / f.cpu,
        "ratio_cold_vs_floor_wall": c.wall / f.wall,
        "ratio_warm_vs_cold_cpu": w.cpu / c.cpu,
        "ratio_warm_vs_cold_wall": w.wall / c.wall,
        "speedup_jN_wall": c.wall / p.wall,
        "peak_mb_j1": memory_one.peak_mb,
        f"peak_mb_j{jobs}": memory_many.peak_mb,
        "profile": profile,
    }


def make_flake8_venvs(workdir: Path) -> tuple[Path, Path]:
    """Two virtual environments that differ only by the plugin: flake8 runs every installed
    plugin whatever --select says, so 'without' must not have it installed."""
    from importlib.metadata import version

    # The same flake8 in both, the one this environment has.
    flake8 = f"flake8=={version('flake8')}"
    venvs = []
    for name, extra in (("flake8-without", []), ("flake8-with", [str(REPOSITORY)])):
        folder = workdir / name
        print(f"creating {name} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run(
            [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", flake8, *extra],
            check=True,
        )
        venvs.append(folder)
    return venvs[0], venvs[1]


def measure_flake8(
    corpus: Corpus, environment: Environment, venvs: tuple[Path, Path], repeat: int
) -> dict[str, object]:
    without, with_plugin = venvs
    target = str(corpus.root)
    # Same files, same other plugins; -j 1 so CPU time compares like with like.
    base = ["--exit-zero", "-j", "1", target]
    samples_without: list[Sample] = []
    samples_cold: list[Sample] = []
    samples_warm: list[Sample] = []
    for round_number in range(repeat):
        print(f"  flake8 on {corpus.name}: round {round_number + 1}/{repeat}", file=sys.stderr)
        samples_without.append(run([str(without / "bin" / "flake8"), *base], environment.env))
        environment.fresh_cache()
        samples_cold.append(run([str(with_plugin / "bin" / "flake8"), *base], environment.env))
        samples_warm.append(run([str(with_plugin / "bin" / "flake8"), *base], environment.env))
    n, c, w = best(samples_without), best(samples_cold), best(samples_warm)
    return {
        "corpus": corpus.name,
        "without": vars(n),
        "with_cold_cache": vars(c),
        "with_warm_cache": vars(w),
        "ratio_cold_cache_cpu": c.cpu / n.cpu,
        "ratio_warm_cache_cpu": w.cpu / n.cpu,
        "ratio_cold_cache_wall": c.wall / n.wall,
        "ratio_warm_cache_wall": w.wall / n.wall,
    }


# -- scaling: time against lines of code over slices of the extra corpora combined -----------

#: The slices, as fractions of `--scaling-lines`.
SLICES = (0.125, 0.25, 0.5, 0.75, 1.0)


def make_slices(corpora: Sequence[Corpus], workdir: Path, total_lines: int) -> list[Corpus]:
    """Folders of growing size made of the corpora's Python files in order (hard links, each
    corpus in a folder of its own), the last one `total_lines` long. Each slice is one project,
    as a monorepo is: one index over all of its files."""
    ordered: list[tuple[Corpus, Path, int]] = []
    for corpus in corpora:
        for path in sorted(corpus.files):
            ordered.append((corpus, path, path.read_bytes().count(b"\n")))
    slices: list[Corpus] = []
    for fraction in SLICES:
        budget = int(total_lines * fraction)
        root = workdir / "slices" / f"{budget}"
        root.mkdir(parents=True)
        (root / "pyproject.toml").write_text("", encoding="utf-8")
        lines = 0
        files: list[Path] = []
        for corpus, path, count in ordered:
            if lines + count > budget and files:
                break
            target = root / corpus.name / path.relative_to(corpus.root)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)
            files.append(target)
            lines += count
        slices.append(Corpus(f"slice-{lines}", root, list_checked_files(root), lines))
    return slices


def measure_scaling(slices: Sequence[Corpus], environment: Environment, jobs: int) -> list[dict[str, object]]:
    """For each slice, in CPU seconds: ast.parse, cold, warm, and one file changed (also wall)."""
    rows: list[dict[str, object]] = []
    for corpus in slices:
        print(f"  scaling: {corpus.name} ({len(corpus.files)} files)", file=sys.stderr)
        list_file = environment.workdir / f"{corpus.name}.files"
        list_file.write_text("\n".join(str(path) for path in corpus.files) + "\n", encoding="utf-8")
        target = str(corpus.root)
        floor = run([environment.python, str(Path(__file__).resolve()), "--floor", str(list_file)], environment.env)
        cold = run([*environment.lint, "check", "--exit-zero", "--no-cache", "-j", "1", target], environment.env)
        environment.fresh_cache()
        run([*environment.lint, "check", "--exit-zero", "-j", str(jobs), target], environment.env)  # fills the cache
        warm = run([*environment.lint, "check", "--exit-zero", "-j", "1", target], environment.env)
        changed = pick_changed_file(corpus.files)
        one_file = run_after_edit(
            changed, [*environment.lint, "check", "--exit-zero", "-j", "1", str(changed)], environment.env
        )
        rows.append(
            {
                "lines": corpus.lines,
                "files": len(corpus.files),
                "floor_ast_parse": vars(floor),
                "cold_j1": vars(cold),
                "warm_j1": vars(warm),
                "one_file_changed": vars(one_file),
            }
        )
    return rows


def plot_scaling(rows: Sequence[dict[str, Any]], output: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = [row["lines"] / 1_000_000 for row in rows]
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=120)
    for key, label, marker in (
        ("cold_j1", "check, cold (-j 1, no cache)", "o"),
        ("floor_ast_parse", "ast.parse of every file (floor)", "s"),
        ("warm_j1", "check, warm (nothing changed)", "^"),
        ("one_file_changed", "check one file after it changed", "D"),
    ):
        axes.plot(lines, [row[key]["cpu"] for row in rows], marker=marker, label=label)
    axes.set_xlabel("lines of code (millions)")
    axes.set_ylabel("CPU seconds (user + system)")
    axes.set_title(title, fontsize=10)
    axes.set_xlim(left=0)
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(output)
    plt.close(figure)


def machine() -> dict[str, object]:
    memory_kb = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("MemTotal:"):
                    memory_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "system": platform.system(),
        "load_average_at_start": os.getloadavg(),
    }


def _version() -> str:
    from alchemy_lint import __version__

    return __version__


def render_scaling(rows: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| lines | files | ast.parse s | cold s | cold/floor | warm s | one file changed s (cpu / wall) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['lines']:,} | {row['files']:,} | {row['floor_ast_parse']['cpu']:.2f} | "
            f"{row['cold_j1']['cpu']:.2f} | "
            f"{row['cold_j1']['cpu'] / row['floor_ast_parse']['cpu']:.2f}x | {row['warm_j1']['cpu']:.2f} | "
            f"{row['one_file_changed']['cpu']:.2f} / {row['one_file_changed']['wall']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def render(report: dict[str, object]) -> str:
    columns = (
        "corpus",
        "files",
        "lines",
        "ast.parse s (cpu)",
        "check -j1 s (cpu)",
        "cold/floor",
        "warm/cold",
        "-jN speed-up",
        "one file changed s (wall / cpu)",
        "peak MB -j1 / -jN",
    )
    lines = ["| " + " | ".join(columns) + " |"]
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    jobs = report["jobs"]
    for row in report["corpora"]:  # type: ignore[attr-defined]
        lines.append(
            f"| {row['corpus']} | {row['files']} | {row['lines']} | {row['floor_ast_parse']['cpu']:.2f} | "
            f"{row['cold_j1']['cpu']:.2f} | {row['ratio_cold_vs_floor_cpu']:.2f}x | "
            f"{row['ratio_warm_vs_cold_cpu']:.1%} | {row['speedup_jN_wall']:.2f}x | "
            f"{row['one_file_changed']['wall']:.2f} / {row['one_file_changed']['cpu']:.2f} | "
            f"{row['peak_mb_j1']:.0f} / {row[f'peak_mb_j{jobs}']:.0f} |"
        )
    for row in report.get("flake8", []):  # type: ignore[attr-defined]
        lines.append("")
        lines.append(
            f"flake8 on {row['corpus']}: without {row['without']['cpu']:.1f} s cpu; with the plugin "
            f"{row['with_cold_cache']['cpu']:.1f} s (cold cache, {row['ratio_cold_cache_cpu']:.2f}x), "
            f"{row['with_warm_cache']['cpu']:.1f} s (warm cache, {row['ratio_warm_cache_cpu']:.2f}x)"
        )
    return "\n".join(lines) + "\n"


def verdicts(report: dict[str, Any]) -> list[str]:
    """Each measured ratio against its target, one line each: met, or by how much it is not."""
    jobs = report["jobs"]
    lines = []

    def verdict(name: str, value: float, target: float, shown: str, *, at_most: bool = True) -> None:
        met = value <= target if at_most else value >= target
        if met:
            outcome = "met"
        else:
            outcome = f"NOT MET by {value / target - 1:.0%}" if at_most else f"NOT MET ({value / target:.0%} of it)"
        sign = "<=" if at_most else ">="
        lines.append(f"{name}: {shown} (target {sign} {_shown(target, shown)}): {outcome}")

    for row in report["corpora"]:
        name = f"{row['corpus']} ({row['lines']:,} lines)"
        verdict(
            f"{name} cold/floor cpu",
            row["ratio_cold_vs_floor_cpu"],
            TARGETS["cold"],
            f"{row['ratio_cold_vs_floor_cpu']:.2f}x",
        )
        if row["lines"] >= LARGE_CORPUS_LINES:
            verdict(
                f"{name} warm/cold cpu",
                row["ratio_warm_vs_cold_cpu"],
                TARGETS["warm"],
                f"{row['ratio_warm_vs_cold_cpu']:.1%}",
            )
            verdict(
                f"{name} -j{jobs} wall speed-up",
                row["speedup_jN_wall"],
                TARGETS["parallel"],
                f"{row['speedup_jN_wall']:.2f}x",
                at_most=False,
            )
        wall = row["one_file_changed"]["wall"]
        verdict(f"{name} one file changed, wall", wall, TARGETS["one_file_changed_wall"], f"{wall:.2f} s")
    whole = report.get("all_corpora")
    if whole:
        per_million = whole["mb_per_million_lines"]
        verdict(
            "all corpora, peak memory",
            per_million,
            TARGETS["memory_mb_per_million_lines"],
            f"{per_million:.0f} MB per 1M lines",
        )
    for row in report.get("flake8", []):
        verdict(
            f"flake8 on {row['corpus']}, cold cache",
            row["ratio_cold_cache_cpu"],
            TARGETS["flake8"],
            f"{row['ratio_cold_cache_cpu']:.2f}x",
        )
    return lines


def _shown(target: float, like: str) -> str:
    if like.endswith("%"):
        return f"{target:.0%}"
    if like.endswith(" s"):
        return f"{target:.2f} s"
    if like.endswith("lines"):
        return f"{target:.0f} MB per 1M lines"
    return f"{target:.1f}x"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extra_dirs", nargs="*", help="more folders to measure, e.g. checkouts of real applications")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per measurement; the fastest counts")
    parser.add_argument("--jobs", type=int, default=0, help="N for the -j N measurement (default: every core)")
    parser.add_argument("--no-flake8", action="store_true", help="skip the flake8 with/without comparison")
    parser.add_argument("--flake8-corpora", default="sqlalchemy", help="comma-separated corpus names for flake8")
    parser.add_argument("--output", help="also write the JSON report here")
    parser.add_argument(
        "--scaling",
        metavar="PNG",
        help="also measure slices of the EXTRA_DIRS combined and plot time against lines of code here",
    )
    parser.add_argument("--scaling-lines", type=int, default=2_000_000, help="lines of the largest slice")
    parser.add_argument("--no-corpora", action="store_true", help="only the scaling slices, no per-corpus table")
    parser.add_argument("--floor", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor:
        floor_main(args.floor)
        return 0
    jobs = args.jobs or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    report: dict[str, object] = {"machine": machine(), "jobs": jobs, "sqlalchemy_version": SQLALCHEMY_VERSION}
    with tempfile.TemporaryDirectory(prefix="alchemy-lint-bench-") as folder:
        workdir = Path(folder)
        corpora = prepare_corpora(workdir, args.extra_dirs)
        cache_dir = workdir / "cache"
        env = {key: value for key, value in os.environ.items() if not key.startswith("ALCHEMY_LINT_")}
        env["ALCHEMY_LINT_CACHE_DIR"] = str(cache_dir)
        # As installed by pip, which compiles the bytecode: on a machine that sets
        # PYTHONDONTWRITEBYTECODE (this one does) an editable install would otherwise compile
        # its hundred modules on every run, 0.3 CPU s of each warm or one-file run.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        compile_linter()
        environment = Environment(workdir, sys.executable, [sys.executable, "-m", "alchemy_lint"], env, cache_dir)
        if args.scaling:
            extra = [corpus for corpus in corpora if corpus.name not in ("sqlalchemy", "stdlib")]
            slices = make_slices(extra, workdir, args.scaling_lines)
            report["scaling"] = measure_scaling(slices, environment, jobs)
            load = os.getloadavg()
            plot_scaling(
                report["scaling"],  # type: ignore[arg-type]
                Path(args.scaling),
                f"alchemy-lint {_version()} on CPython {platform.python_version()}, {jobs} cores, "
                f"load {load[0]:.1f} at the end",
            )
        report["corpora"] = (
            [] if args.no_corpora else [measure_corpus(corpus, environment, args.repeat, jobs) for corpus in corpora]
        )
        if len(corpora) > 1 and not args.no_corpora:
            everything = [str(corpus.root) for corpus in corpora]
            print("  all corpora in one run", file=sys.stderr)
            sample = run(
                [*environment.lint, "check", "--exit-zero", "--no-cache", "-j", "1", *everything], env, memory=True
            )
            cold = run([*environment.lint, "check", "--exit-zero", "--no-cache", "-j", "1", *everything], env)
            environment.fresh_cache()
            run([*environment.lint, "check", "--exit-zero", "-j", "1", *everything], env)
            warm = run([*environment.lint, "check", "--exit-zero", "-j", "1", *everything], env)
            total_lines = sum(corpus.lines for corpus in corpora)
            report["all_corpora"] = {
                "lines": total_lines,
                "peak_mb_j1": sample.peak_mb,
                "mb_per_million_lines": sample.peak_mb / (total_lines / 1_000_000),
                "cold_j1": vars(cold),
                "warm_j1": vars(warm),
                "ratio_warm_vs_cold_cpu": warm.cpu / cold.cpu,
                "ratio_warm_vs_cold_wall": warm.wall / cold.wall,
            }
        if not args.no_flake8:
            venvs = make_flake8_venvs(workdir)
            chosen = set(args.flake8_corpora.split(","))
            report["flake8"] = [
                measure_flake8(corpus, environment, venvs, max(1, args.repeat // 2))
                for corpus in corpora
                if corpus.name in chosen
            ]
    report["targets"] = TARGETS
    report["machine"]["load_average_at_end"] = os.getloadavg()  # type: ignore[index]
    if args.output:
        Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(render(report))
    if "scaling" in report:
        sys.stdout.write("\nscaling (CPU seconds):\n" + render_scaling(report["scaling"]))  # type: ignore[arg-type]
    if "all_corpora" in report:
        whole = report["all_corpora"]
        sys.stdout.write(
            f"\nall corpora in one run: {whole['lines']} lines, peak {whole['peak_mb_j1']:.0f} MB "  # type: ignore[index]
            f"({whole['mb_per_million_lines']:.0f} MB per million lines); warm/cold "  # type: ignore[index]
            f"{whole['ratio_warm_vs_cold_cpu']:.1%} cpu, {whole['ratio_warm_vs_cold_wall']:.1%} wall\n"  # type: ignore[index]
        )
    sys.stdout.write("\nagainst the targets:\n" + "".join(f"  {line}\n" for line in verdicts(report)))
    for row in report["corpora"]:  # type: ignore[attr-defined]
        sys.stdout.write(f"\n--profile on {row['corpus']}:\n{row['profile']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
