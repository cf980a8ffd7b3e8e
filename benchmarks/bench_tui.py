"""Benchmarks (not timed tests): the dashboard's first paint, key latency while a check runs,
and warm re-checks against cold ones.

    python benchmarks/bench_tui.py [--runs 10]

Targets: first paint under 1 s; keys answered within 100 ms while a check runs; a warm re-check
of a numpy exercise at most 0.25 s and of a torch exercise at most 0.4 s (p50).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def first_paint(runs: int) -> list[float]:
    """Fresh interpreter: import the app, build the session, mount, first refresh."""
    code = textwrap.dedent(f"""
        import time, asyncio, os, sys
        t0 = time.perf_counter()
        sys.path.insert(0, {str(ROOT)!r})
        from grader.session import Session
        from grader.tui.app import CourseApp
        async def main():
            s, _ = Session.open()
            app = CourseApp(s)
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                print(time.perf_counter() - t0)
        asyncio.run(main())
    """)
    tmp = Path(tempfile.mkdtemp())
    env = {"COURSE_HOME": str(tmp / "ws"), "PATH": "/usr/bin:/bin", "HOME": str(tmp)}
    import os

    env = {**os.environ, **env}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = []
    for _ in range(runs + 1):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        out.append(float(r.stdout.strip().splitlines()[-1]))
    shutil.rmtree(tmp, ignore_errors=True)
    return out[1:]


async def key_latency(presses: int) -> list[float]:
    from grader.session import Session
    from grader.tui.app import CourseApp
    from textual.widgets import Tree

    tmp = Path(tempfile.mkdtemp())
    import os

    os.environ["COURSE_HOME"] = str(tmp / "ws")
    s, _ = Session.open()
    app = CourseApp(s)
    lat = []
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("c")  # a cold check runs in a worker thread and a child process
        tree = app.query_one("#curriculum", Tree)
        for i in range(presses):
            if not app.checking:
                await pilot.press("c")
            key = "down" if i % 2 == 0 else "up"
            before = tree.cursor_line
            t = time.perf_counter()
            await pilot.press(key)
            while tree.cursor_line == before:
                await asyncio.sleep(0.001)
            lat.append(time.perf_counter() - t)
            if not app.checking:
                await pilot.press("c")  # keep a check running for every measurement
        await app.workers.wait_for_complete()
    shutil.rmtree(tmp, ignore_errors=True)
    return lat


def warm_vs_cold(runs: int) -> list[tuple[str, float, float]]:
    from grader.manifest import load_course
    from grader.runner import check_exercise
    from grader.worker import WarmChecker

    course = load_course(ROOT)
    rows = []
    tmp = Path(tempfile.mkdtemp())
    torch_spec = tmp / "test_torch_add.py"
    torch_spec.write_text("import torch\n\ndef test_add(learner):\n    assert torch.equal(learner.add(torch.ones(2), torch.ones(2)), torch.full((2,), 2.0))\n")
    torch_mod = tmp / "torch_add.py"
    torch_mod.write_text("import torch\n\ndef add(a, b):\n    return a + b\n")
    from dataclasses import replace

    numpy_ex = course.exercises[0]
    torch_ex = replace(numpy_ex, id="torch-add", spec=torch_spec, mutants=())
    w = WarmChecker()
    for ex, module in [(numpy_ex, numpy_ex.solution), (torch_ex, torch_mod)]:
        w.check(ex, module)
        warm = []
        for _ in range(runs):
            t = time.perf_counter()
            assert w.check(ex, module).passed
            warm.append(time.perf_counter() - t)
        cold = []
        for _ in range(max(3, runs // 3)):
            t = time.perf_counter()
            check_exercise(ex, module)
            cold.append(time.perf_counter() - t)
        test_time = sum(t.duration for t in check_exercise(ex, module).tests)
        rows.append((f"{ex.id} (tests alone {test_time:.2f} s)", statistics.median(warm), statistics.median(cold)))
    w.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    fp = first_paint(max(3, args.runs // 2))
    print(f"first paint (fresh interpreter, import to mounted screen): p50 {statistics.median(fp):.3f} s, "
          f"max {max(fp):.3f} s (target < 1 s)")
    lat = asyncio.run(key_latency(20))
    print(f"key latency while a check runs: p50 {statistics.median(lat) * 1000:.1f} ms, "
          f"max {max(lat) * 1000:.1f} ms (target < 100 ms)")
    print("\n| exercise | warm re-check p50 (s) | cold check p50 (s) |\n| --- | ---: | ---: |")
    for label, warm, cold in warm_vs_cold(args.runs):
        print(f"| {label} | {warm:.3f} | {cold:.3f} |")


if __name__ == "__main__":
    main()
