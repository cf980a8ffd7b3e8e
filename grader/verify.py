"""The author tool behind `course verify`: prove every spec is neither vacuous nor wrong.

For each exercise: the stub imports and fails its spec, the reference solution
passes (under every seed asked for) within the timeout, every registered
mutant fails, and the exercise meets the quality bar's countable parts (5+
tests, 2+ hints, 2+ mutants, an exercise text, a spec that never imports the
solution). Every violation names the exercise, what is wrong and what to change.
"""

from __future__ import annotations

import ast
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from grader.manifest import Course, Exercise
from grader.results import ERROR, CheckResult
from grader.runner import check_exercise, time_limit
from grader.worker import WarmChecker

MIN_TESTS, MIN_HINTS, MIN_MUTANTS = 5, 2, 2


@dataclass
class Run:
    exercise: Exercise
    kind: str  # stub | solution | mutant
    label: str
    path: Path
    seed: int = 0
    result: CheckResult | None = None


@dataclass
class Verdict:
    exercise: Exercise
    runs: list[Run] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def solution_time(self) -> float:
        times = [r.result.duration for r in self.runs if r.kind == "solution" and r.result]
        return max(times, default=0.0)

    @property
    def n_tests(self) -> int:
        sol = [r.result for r in self.runs if r.kind == "solution" and r.result and r.result.tests]
        return len(sol[0].tests) if sol else 0


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def verify(course: Course, ids: list[str] | None = None, *, jobs: int | None = None, seeds: int = 1,
           on_done: Callable[[Run], None] | None = None, cuda: bool | None = None, warm: bool = True,
           full: bool = False, checker: WarmChecker | None = None) -> list[Verdict]:
    """Verify exercises; ``warm`` grades through warm workers (one per job), which the test suite
    proves identical to the cold path, and which saves the interpreter and import start-up of every run.
    The first solution run stays cold, so the time checked against the timeout is a learner's.
    A mutant only has to fail once, so its run stops at its first failing test:
    specs put cheap unit tests before the expensive end-to-end ones, and verify stays fast.
    ``checker``: one warm worker, kept open by the caller, for every run (the first solution run
    included): a test suite that verifies exercise after exercise imports each library once."""
    exercises = [course.exercise(i) for i in ids] if ids else list(course.exercises)
    verdicts = [Verdict(ex) for ex in exercises]
    runs: list[Run] = []
    for v in verdicts:
        ex = v.exercise
        v.problems.extend(static_problems(course, ex))
        if ex.tier == "gpu":
            if cuda is None:
                from grader.session import cuda_available

                cuda = cuda_available()
            if not cuda:
                v.skipped = "needs a CUDA GPU"
                continue
        v.runs.append(Run(ex, "stub", "stub", ex.stub))
        v.runs.extend(Run(ex, "solution", f"solution (seed {s})", ex.solution, seed=s) for s in range(max(1, seeds)))
        v.runs.extend(Run(ex, "mutant", f"mutant {m.name}", m.path) for m in ex.mutants)
        runs.extend(v.runs)

    local = threading.local()
    workers: list[WarmChecker] = []
    lock = threading.Lock()

    def work(run: Run) -> Run:
        maxfail = 1 if run.kind == "mutant" else 0
        # The first solution run is cold (unless the caller lends a worker): its time is what
        # `course check` costs a learner.
        if checker is not None:
            run.result = checker.check(run.exercise, run.path, seed=run.seed, full=full, maxfail=maxfail)
        elif warm and not (run.kind == "solution" and run.seed == 0):
            mine = getattr(local, "checker", None)
            if mine is None:
                mine = local.checker = WarmChecker()
                with lock:
                    workers.append(mine)
            run.result = mine.check(run.exercise, run.path, seed=run.seed, full=full, maxfail=maxfail)
        else:
            run.result = check_exercise(run.exercise, run.path, seed=run.seed, full=full, maxfail=maxfail)
        if on_done is not None:
            on_done(run)
        return run

    # Longest-running kinds first would be ideal; solutions first is a cheap proxy.
    order = sorted(runs, key=lambda r: r.kind != "solution")
    n_jobs = 1 if checker is not None else jobs or default_jobs()
    if n_jobs > 1:
        # Parallel checks share the cores: a torch or BLAS thread pool per check sized to the whole
        # machine oversubscribes it, and small ops then run tens of times slower.
        threads = str(max(1, default_jobs() // n_jobs))
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ.setdefault(var, threads)
    try:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            list(pool.map(work, order))
    finally:
        for w in workers:
            w.close()
    for v in verdicts:
        v.problems.extend(run_problems(v))
    return verdicts


def static_problems(course: Course, ex: Exercise) -> list[str]:
    problems = []
    if len(ex.hints) < MIN_HINTS:
        problems.append(f"has {len(ex.hints)} hint(s); give {MIN_HINTS}-3 in course.toml, from a nudge to nearly the answer.")
    if len(ex.mutants) < MIN_MUTANTS:
        problems.append(f"has {len(ex.mutants)} mutant(s); add at least {MIN_MUTANTS} realistic mistakes under "
                        f"{ex.spec.parent.relative_to(course.root)}/mutants/ and list them in course.toml.")
    try:
        stub_src = ex.stub_source()
        if not (ast.get_docstring(ast.parse(stub_src)) or "").strip():
            problems.append("the stub has no module docstring; it is the exercise text, write it.")
    except SyntaxError as exc:
        problems.append(f"the stub is not valid Python (line {exc.lineno}): {exc.msg}.")
    spec_src = ex.spec.read_text(encoding="utf-8")
    try:
        tree = ast.parse(spec_src)
    except SyntaxError as exc:
        problems.append(f"the spec is not valid Python (line {exc.lineno}): {exc.msg}.")
        return problems
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        if any(n.split(".")[0] in ("solutions", "exercises") for n in names):
            problems.append(f"the spec imports {names[0]} (line {node.lineno}); specs get the module through the `learner` fixture only.")
    if "solutions/" in spec_src or "exercises/" in spec_src:
        problems.append("the spec names a solutions/ or exercises/ path; use the `learner` fixture instead.")
    return problems


def _failing(result: CheckResult, limit: int = 3) -> str:
    if result.reason:
        return result.reason
    bad = [t for t in result.tests if not t.passed][:limit]
    return "; ".join(f"{t.name}: {t.message.splitlines()[0] if t.message else t.outcome}" for t in bad)


def run_problems(v: Verdict) -> list[str]:
    problems = []
    ex = v.exercise
    for run in v.runs:
        r = run.result
        assert r is not None
        if run.kind == "stub":
            if r.passed:
                problems.append("the stub passes its spec: a learner gets the points for doing nothing. "
                                "Make the stub raise NotImplementedError and add a test that calls every function.")
            elif r.status == ERROR:
                problems.append(f"the stub does not import cleanly: {r.reason}")
            elif r.tests and any(t.passed for t in r.tests):
                names = ", ".join(t.name for t in r.tests if t.passed)
                problems.append(f"the stub passes some tests ({names}); a test that an empty stub passes checks nothing.")
        elif run.kind == "solution":
            if not r.passed:
                problems.append(f"the reference solution fails ({run.label}): {_failing(r)}")
            elif len(r.tests) < MIN_TESTS:
                problems.append(f"the spec has {len(r.tests)} test(s); the quality bar asks for {MIN_TESTS}+ "
                                "(ordinary, edge and numerically nasty cases).")
            if r.passed and r.duration > 0.8 * time_limit(ex):
                problems.append(f"the solution takes {r.duration:.1f} s of a {time_limit(ex):g} s timeout; "
                                "speed the spec up or raise the timeout.")
        elif run.kind == "mutant" and r.passed:
            problems.append(f"{run.label} passes the spec ({mutant_doc(run.path)}): add a test that this mistake fails.")
    return problems


def mutant_doc(path: Path) -> str:
    """The first line of a mutant's docstring (a folder mutant's: its MUTANT.txt or __init__.py)."""
    if path.is_dir():
        note = path / "MUTANT.txt"
        if note.exists():
            return note.read_text(encoding="utf-8").strip().splitlines()[0]
        path = path / "__init__.py"
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except (OSError, SyntaxError):
        doc = ""
    return doc.strip().splitlines()[0] if doc.strip() else path.name
