"""Benchmarks (not timed tests): CLI start-up, and `course check` overhead over bare pytest.

    python benchmarks/bench_cli.py [--runs 10] [--exercise ID]

Targets: `course --help` and `course list` under 0.3 s; `course check` at most
15% slower than `python -m pytest` on the same spec and the same module.
Prints a Markdown table of medians and minimums; a baseline of `python -c pass`
shows what the interpreter alone costs on this machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.manifest import load_course  # noqa: E402


def timeit(cmd: list[str], runs: int, env: dict[str, str], cwd: Path) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--exercise", default=None, help="exercise id for the check benchmark (default: the first)")
    ap.add_argument("--no-bytecode-cache", action="store_true",
                    help="keep PYTHONDONTWRITEBYTECODE if set (by default it is unset: a learner's Python caches bytecode)")
    args = ap.parse_args()

    course = load_course(ROOT)
    ex = course.exercise(args.exercise) if args.exercise else course.exercises[0]
    tmp = Path(tempfile.mkdtemp(prefix="course-bench-"))
    ws = tmp / "ws"
    env = {**os.environ, "COURSE_WORKSPACE": str(ws), "NO_COLOR": "1"}
    if not args.no_bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    exe = shutil.which("course") or "course"
    subprocess.run([exe, "init", str(ws)], env=env, check=True, stdout=subprocess.DEVNULL)
    learner = ws / "exercises" / ex.file
    learner.write_text(ex.solution.read_text())  # grade a passing module: the whole spec runs

    rows = []

    def bench(label: str, cmd: list[str], runs: int, extra_env: dict[str, str] | None = None) -> list[float]:
        e = {**env, **(extra_env or {})}
        timeit(cmd, 1, e, tmp)  # warm the file cache and bytecode
        t = timeit(cmd, runs, e, tmp)
        rows.append((label, statistics.median(t), min(t)))
        return t

    bench("python -c pass (interpreter baseline)", [sys.executable, "-c", "pass"], args.runs)
    bench("course --help", [exe, "--help"], args.runs)
    bench("course --version", [exe, "--version"], args.runs)
    bench("course list", [exe, "list"], args.runs)
    n = max(3, args.runs // 2)
    bare = bench(f"python -m pytest (bare) on {ex.id}",
                 [sys.executable, "-m", "pytest", "-q", "-p", "grader.plugin", "-p", "no:cacheprovider", str(ex.spec),
                  "--course-module", str(learner)], n)
    bench(f"python -m pytest (bare, plugin autoload off) on {ex.id}",
          [sys.executable, "-m", "pytest", "-q", "-p", "grader.plugin", "-p", "no:cacheprovider", str(ex.spec),
           "--course-module", str(learner)], n, extra_env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    check = bench(f"course check {ex.id}", [exe, "check", ex.id], n)

    print("| command | median (s) | min (s) |")
    print("| --- | ---: | ---: |")
    for label, med, mn in rows:
        print(f"| {label} | {med:.3f} | {mn:.3f} |")
    overhead = statistics.median(check) / statistics.median(bare) - 1
    print(f"\n`course check` overhead over bare pytest: {overhead:+.1%} (median), "
          f"{min(check) / min(bare) - 1:+.1%} (min); target at most +15%.")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
