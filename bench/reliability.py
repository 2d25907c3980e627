"""The reliability sweep of issue 16: real code through check, --fix, baseline, damaged caches,
killed workers and Ctrl-C, counted. Results are written up in bench/reliability.md.

    python bench/reliability.py CORPUS_DIR [CORPUS_DIR...] [--trials N]

Every corpus is copied (Python files and pyproject.toml only) to a temporary folder, so a
read-only checkout works and nothing is written into it; the standard library and the
installed packages of the running interpreter are surveyed for depth and size too.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from pathlib import Path

from alchemy_lint.fixes.guard import MAX_LIBCST_DEPTH, libcst_depth

SCRIPT = str(Path(sys.executable).parent / "alchemy-lint")
HANG = 600


def copy_corpus(source: Path, target: Path) -> int:
    count = 0
    for path in source.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        if path.suffix in (".py", ".pyi") or path.name == "pyproject.toml":
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            count += path.suffix != ".toml"
    if not (target / "pyproject.toml").exists():
        (target / "pyproject.toml").write_text("", encoding="utf-8")
    return count


def survey(folders: list[Path]) -> dict[str, object]:
    """LibCST depth (as the guard estimates it) and size of every Python file that parses."""
    depths: list[int] = []
    largest = (0, "")
    unparsable = 0
    for folder in folders:
        for path in folder.rglob("*.py"):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            largest = max(largest, (len(data), path.name))
            try:
                tree = ast.parse(data)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                unparsable += 1
                continue
            depths.append(libcst_depth(tree))
    depths.sort()
    return {
        "files": len(depths) + unparsable,
        "unparsable": unparsable,
        "depth_median": depths[len(depths) // 2],
        "depth_p99": depths[int(len(depths) * 0.99)],
        "depth_max": depths[-1],
        "over_guard": sum(1 for depth in depths if depth > MAX_LIBCST_DEPTH),
        "largest_bytes": largest[0],
        "largest_name": largest[1],
    }


def run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRIPT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=HANG)


def flip_bits(cache: Path, rng: random.Random) -> int:
    entries = list(cache.rglob("*.pickle"))
    for entry in entries:
        data = bytearray(entry.read_bytes())
        bit = rng.randrange(len(data) * 8)
        data[bit // 8] ^= 1 << (bit % 8)
        entry.write_bytes(bytes(data))
    return len(entries)


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(item) for item in text.split()]


def interrupted_run(root: Path, cache: Path, rng: random.Random, action: str) -> dict[str, object]:
    """A cold `-j 2` run (a fresh cache folder) that loses a worker to SIGKILL, or gets
    Ctrl-C, at a random moment while its workers run."""
    env = {**os.environ, "ALCHEMY_LINT_CACHE_DIR": str(cache)}
    process = subprocess.Popen(
        [SCRIPT, "check", "-j", "2", "."],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + HANG
    workers: list[int] = []
    while not workers and process.poll() is None and time.monotonic() < deadline:
        workers = children(process.pid)
        time.sleep(0.005)
    if workers:
        time.sleep(rng.uniform(0.0, 0.5))
        try:
            if action == "kill-worker":
                os.kill(rng.choice(workers), signal.SIGKILL)
            else:
                os.killpg(process.pid, signal.SIGINT)
        except ProcessLookupError:  # the run ended first
            workers = []
    try:
        stdout, stderr = process.communicate(timeout=HANG)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        return {"hang": True, "returncode": None, "stdout": stdout, "stderr": stderr, "workers": workers}
    left = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    return {
        "temporaries": len(list(cache.rglob("*.tmp"))),
        "hang": False,
        "returncode": process.returncode,
        "stdout": stdout,
        "stderr": stderr,
        "hit": bool(workers),
        "workers_left": left,
    }


def sweep_corpus(name: str, source: Path, work: Path, trials: int, rng: random.Random) -> dict[str, object]:
    root = work / name
    files = copy_corpus(source, root)
    cache = work / f"{name}-cache"
    env = {**os.environ, "ALCHEMY_LINT_CACHE_DIR": str(cache)}
    result: dict[str, object] = {"files": files}
    runs = 0

    cold = run("check", "--no-cache", ".", cwd=root, env=env)
    filled = run("check", ".", cwd=root, env=env)
    warm = run("check", ".", cwd=root, env=env)
    runs += 3
    result["findings"] = cold.stdout.count("\n")
    result["cold_exit"] = cold.returncode
    result["warm_identical"] = filled.stdout == warm.stdout == cold.stdout
    tracebacks = sum("Traceback" in r.stderr for r in (cold, filled, warm))

    flipped_ok = 0
    for _ in range(trials):
        flip_bits(cache, rng)
        damaged = run("check", ".", cwd=root, env=env)
        runs += 1
        flipped_ok += damaged.stdout == cold.stdout and damaged.returncode == cold.returncode
        tracebacks += "Traceback" in damaged.stderr
    result["bitflip_trials_identical"] = f"{flipped_ok}/{trials}"

    killed = [interrupted_run(root, work / f"{name}-k{n}", rng, "kill-worker") for n in range(trials)]
    interrupted = [interrupted_run(root, work / f"{name}-i{n}", rng, "interrupt") for n in range(trials)]
    runs += 2 * trials
    result["killed_worker"] = {
        "hit": sum(1 for k in killed if k.get("hit")),
        "hangs": sum(1 for k in killed if k["hang"]),
        "identical_findings": sum(1 for k in killed if k["stdout"] == cold.stdout),
        "exit_2_one_line": sum(1 for k in killed if k["returncode"] == 2 and len(str(k["stderr"]).splitlines()) == 1),
        "tracebacks": sum(1 for k in killed if "Traceback" in str(k["stderr"])),
        "tmp_files_left": sum(int(str(k.get("temporaries", 0))) for k in killed),
    }
    result["ctrl_c"] = {
        "exit_130_one_line": sum(
            1 for k in interrupted if k["returncode"] == 130 and k["stderr"] == "alchemy-lint: interrupted\n"
        ),
        "finished_first": sum(1 for k in interrupted if k["returncode"] in (0, 1)),
        "hangs": sum(1 for k in interrupted if k["hang"]),
        "workers_left": sum(len(k.get("workers_left", [])) for k in interrupted),  # type: ignore[arg-type]
        "tmp_files_left": sum(int(str(k.get("temporaries", 0))) for k in interrupted),
    }

    diff = run("check", "--diff", "--no-cache", ".", cwd=root, env=env)
    fixed = run("check", "--fix", "--no-cache", ".", cwd=root, env=env)
    again = run("check", "--fix", "--no-cache", ".", cwd=root, env=env)
    runs += 3
    changed = [line[6:] for line in diff.stdout.splitlines() if line.startswith("+++ b/")]
    unparsable_after_fix = 0
    for relative in changed:
        try:
            ast.parse((root / relative).read_bytes())
        except SyntaxError:
            unparsable_after_fix += 1
    result["fixes"] = {
        "files_changed": len(changed),
        "applied": fixed.stderr.split("(", 1)[1].split(" fixed")[0] if " fixed" in fixed.stderr else "0",
        "not_applied_lines": sum("fixes not applied" in line for line in fixed.stderr.splitlines()),
        "unparsable_after_fix": unparsable_after_fix,
        "second_fix_changed_nothing": "fixed" not in again.stderr or "(0 fixed" in again.stderr,
    }
    baseline = run("baseline", ".", cwd=root, env=env)
    after = run("check", "--no-cache", ".", cwd=root, env=env)
    runs += 2
    result["baseline"] = {
        "exit": baseline.returncode,
        "not_baselined": baseline.stdout.count("\n"),
        "left_after": Counter(line.split(": ")[1].split()[0] for line in after.stdout.splitlines() if ": " in line),
    }
    tracebacks += sum("Traceback" in r.stderr for r in (diff, fixed, again, baseline, after))
    result["tracebacks"] = tracebacks
    result["runs"] = runs
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--no-survey", action="store_true", help="skip the depth and size survey")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    report: dict[str, object] = {}
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    site = Path(sysconfig.get_paths()["purelib"])
    if not args.no_survey:
        report["survey"] = survey([*args.corpora, stdlib, site])
        print("survey", json.dumps(report["survey"]), flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for corpus in args.corpora:
            report[corpus.name] = sweep_corpus(corpus.name, corpus, Path(folder), args.trials, rng)
            print(corpus.name, json.dumps(report[corpus.name], default=str), flush=True)
    text = json.dumps(report, indent=2, default=str)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
