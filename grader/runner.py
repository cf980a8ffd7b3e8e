"""Run one hidden spec against one module in an isolated child process.

The child (``grader._child``) is pytest with only the grader's plugin loaded
(plugin autoloading off), in its own process group and scratch folder, under a
memory cap and an output-size cap, with fixed seeds and the Hugging Face hub
offline. The result comes back as the plugin's JSON report, never by reading
pytest's text. Anything short of every collected test passing in a child that
finished cleanly and wrote its report is a fail, with one sentence saying why.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from grader.manifest import Exercise
from grader.results import CRASHED, ERROR, FAILED, PASSED, TIMEOUT, CheckResult, Frame, TestResult

OUTPUT_FSIZE_MB = 512  # the most any one file the child writes may grow to
TAIL_CHARS = 4000

CHILD_ENV = {
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # third-party plugins (langsmith's...) cost seconds a run
    "PYTHONHASHSEED": "0",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "MPLBACKEND": "Agg",
    "PYTHONUNBUFFERED": "1",
    "NO_COLOR": "1",
}

# Built-in pytest plugins a grading run does without. unraisableexception's clean-up alone runs five full
# garbage collections: about 1 s once torch or scikit-learn is imported.
NO_PLUGINS = [f"-pno:{name}" for name in ("cacheprovider", "pastebin", "unraisableexception", "doctest",
                                           "junitxml", "stepwise", "debugging")]

_SIGNALS = {
    signal.SIGSEGV: "crashed with a segmentation fault (a C extension read invalid memory)",
    signal.SIGABRT: "aborted (SIGABRT), often a failed check inside a C extension",
    signal.SIGFPE: "crashed with a floating-point exception",
    signal.SIGBUS: "crashed with a bus error",
    signal.SIGILL: "crashed with an illegal instruction",
}


def time_limit(ex: Exercise, full: bool = False) -> float:
    """An exercise's time limit: its timeout (plus full_timeout for the full tier), times
    $COURSE_TIMEOUT_SCALE (default 1; the framework's test suite raises it on a shared CI machine)."""
    try:
        scale = max(1.0, float(os.environ.get("COURSE_TIMEOUT_SCALE", "1")))
    except ValueError:
        scale = 1.0
    return (ex.timeout + (ex.full_timeout if full else 0)) * scale


def check_exercise(ex: Exercise, module: Path, *, seed: int = 0,
                   on_event: Callable[[str], None] | None = None, full: bool = False,
                   maxfail: int = 0) -> CheckResult:
    """Grade ``module`` (the learner's file, the solution or a mutant) with the exercise's spec.
    ``full`` adds the full tier (and its own time limit); ``maxfail`` stops after that many failures."""
    return run_spec(ex.spec, module, exercise_id=ex.id, timeout=time_limit(ex, full), memory_mb=ex.memory_mb,
                    points=ex.points, seed=seed, on_event=on_event, full=full, maxfail=maxfail)


def run_spec(spec: Path, module: Path, *, exercise_id: str = "", timeout: float = 60.0, memory_mb: int = 0,
             points: float = 10, seed: int = 0, on_event: Callable[[str], None] | None = None,
             fsize_mb: int = OUTPUT_FSIZE_MB, fork: bool = False, full: bool = False,
             maxfail: int = 0) -> CheckResult:
    """Grade ``module`` with ``spec`` in a child process; ``fork=True`` forks this (warm) process instead
    of starting a fresh interpreter (see grader.worker)."""
    start = time.perf_counter()
    module = Path(module)
    if not module.exists():
        return CheckResult(exercise_id, ERROR, max_score=points,
                           reason=f"{module} does not exist.",
                           detail="Run `course reset ID` to get a fresh copy of the exercise.")
    spec_before = _digest(Path(spec))
    scratch = Path(tempfile.mkdtemp(prefix="course-check-"))
    try:
        report = scratch / "report.json"
        (scratch / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        args = [
            str(Path(spec).resolve()),
            "-p", "grader.plugin", "-q", "--tb=no", "-rN", *NO_PLUGINS,
            "-c", str(scratch / "pytest.ini"), "--rootdir", str(scratch), "--import-mode=importlib",
            "--course-module", str(module.resolve()), "--course-report", str(report), "--course-seed", str(seed),
        ]
        if full:
            args.append("--course-full")
        if maxfail:
            args.append(f"--maxfail={maxfail}")
        nonce = secrets.token_hex(16)
        log_path = scratch / "output.log"
        with open(log_path, "wb") as log:
            if fork:
                proc = _Forked(_fork_child(args, scratch, log, nonce, memory_mb, fsize_mb))
            else:
                proc = _spawn_child(args, scratch, log, nonce, memory_mb, fsize_mb)
            timed_out = _wait(proc, timeout, Path(str(report) + ".events"), on_event)
        _kill_group(proc.pid)
        try:
            proc.wait(timeout=10)  # reap it: a worker must not collect zombies
        except (subprocess.TimeoutExpired, ChildProcessError, OSError):
            pass
        events = _read(Path(str(report) + ".events"))
        running = _running_test(events)
        tail = _tail(log_path)
        duration = time.perf_counter() - start
        from grader import curves

        result = CheckResult(exercise_id, FAILED, max_score=points, duration=duration, output_tail=tail,
                             curves=curves.read(scratch / curves.FILE))
        if timed_out:
            result.status = TIMEOUT
            result.reason = f"Timed out after {timeout:g} s" + (f" while running {running}." if running else ".")
            result.detail = "Look for an infinite loop, or work that grows too fast with the input size."
            result.tests = _tests_from_events(events, running, result.reason)
            return result
        data = _load_report(report, nonce)
        if data is None:
            result.status = CRASHED
            rc = proc.returncode
            where = f" while running {running}" if running else " before the tests ran"
            if rc is not None and rc < 0:
                sig = -rc
                if sig == signal.SIGXFSZ:
                    result.reason = f"Stopped{where}: it wrote more than {fsize_mb} MiB of output."
                    result.detail = "Remove prints inside loops."
                elif sig == signal.SIGKILL:
                    result.reason = f"Killed{where}, most likely for using too much memory."
                else:
                    name = _SIGNALS.get(sig, f"was killed by signal {sig}")
                    result.reason = f"The grading process {name}{where}."
            else:
                result.reason = (f"The grading process exited (status {rc}){where} without reporting results: "
                                 "does your code call os._exit() or sys.exit()?")
            result.tests = _tests_from_events(events, running, result.reason)
            return result
        _merge(result, data)
        if _digest(Path(spec)) != spec_before:
            result.status = ERROR
            result.reason = "The spec file changed while your code ran: code under test must not write to the course's files."
            result.detail = f"Restore {spec} (git checkout -- {Path(spec).name}) and remove the code that writes there."
        elif data.get("collect_errors"):
            result.status = ERROR
            result.reason = "The spec itself failed to load; this is a bug in the course, not in your code."
            result.detail = "\n".join(data["collect_errors"])[:TAIL_CHARS]
        elif data.get("import_error"):
            result.status = ERROR
            result.reason = data["import_error"]["reason"]
            result.detail = data["import_error"].get("detail", "")
        elif not data.get("collected"):
            result.status = ERROR
            result.reason = "The spec collected no tests; this is a bug in the course."
        else:
            n, total = result.n_passed, len(result.tests)
            ran = sum(t.outcome not in ("not run",) for t in result.tests)
            if n == total and data.get("exitstatus") == 0:
                result.status = PASSED
            elif n == total:
                result.reason = f"pytest ended with status {data.get('exitstatus')} although every test passed."
            elif ran < total:
                result.reason = f"Only {ran} of {total} tests ran."
            skipped = sum(t.outcome == "skipped" for t in result.tests)
            if skipped and not result.reason:
                result.reason = f"{skipped} test(s) were skipped; a skipped test does not pass."
        return result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _spawn_child(args: list[str], scratch: Path, log, nonce: str, memory_mb: int, fsize_mb: int) -> subprocess.Popen:
    """A fresh interpreter running grader._child, in its own session (process group)."""
    cmd = [sys.executable, "-m", "grader._child", str(memory_mb), str(fsize_mb), "--", *args]
    env = {**os.environ, **CHILD_ENV, "TMPDIR": str(scratch), "COURSE_CURVES": str(scratch / "course-curves.jsonl")}
    grader_parent = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [grader_parent, os.environ.get("PYTHONPATH")]))
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
                            cwd=scratch, env=env, start_new_session=True)
    try:
        assert proc.stdin is not None
        proc.stdin.write((nonce + "\n").encode())
        proc.stdin.close()
    except OSError:
        pass
    return proc


def _fork_child(args: list[str], scratch: Path, log, nonce: str, memory_mb: int, fsize_mb: int) -> int:
    """Fork this process into a grading child. Only safe in a single-threaded process (grader.worker)."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 70
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        os.chdir(scratch)
        os.environ.update({**CHILD_ENV, "TMPDIR": str(scratch), "COURSE_CURVES": str(scratch / "course-curves.jsonl")})
        tempfile.tempdir = None  # forget the parent's cached temp folder
        from grader import _child

        code = _child.run(memory_mb, fsize_mb, args, nonce, forked=True)
    except BaseException:  # noqa: BLE001 - the child must never return into the worker's loop
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class _Forked:
    """The part of Popen's interface that _wait needs, for a forked child."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.0005
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                return self.returncode
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(delay)
            delay = min(delay * 2, 0.01)


def _digest(path: Path) -> bytes:
    try:
        return hashlib.sha256(path.read_bytes()).digest()
    except OSError:
        return b""


def _wait(proc: subprocess.Popen[bytes] | _Forked, timeout: float, events: Path,
          on_event: Callable[[str], None] | None) -> bool:
    """Wait for the child; True when it ran out of time. Streams events if asked."""
    if on_event is None:
        try:
            proc.wait(timeout=timeout)
            return False
        except subprocess.TimeoutExpired:
            return True
    deadline = time.monotonic() + timeout
    seen = 0
    while True:
        try:
            proc.wait(timeout=0.1)
            done = True
        except subprocess.TimeoutExpired:
            done = False
        lines = _read(events)
        for line in lines[seen:]:
            on_event(line)
        seen = len(lines)
        if done:
            return False
        if time.monotonic() > deadline:
            return True


def _kill_group(pgid: int) -> None:
    """Kill the child's whole process group: its own workers must not outlive it."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _read(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _running_test(events: list[str]) -> str:
    started = None
    for line in events:
        kind, _, rest = line.partition(" ")
        if kind == "start":
            started = rest
        elif kind == "done" and started and rest.startswith(started):
            started = None
    return started.rpartition("::")[2] if started else ""


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - TAIL_CHARS))
            return f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _load_report(path: Path, nonce: str) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("nonce") != nonce:
        return None
    return data


def _merge(result: CheckResult, data: dict) -> None:
    records = {t["nodeid"]: t for t in data.get("tests", []) if isinstance(t, dict) and "nodeid" in t}
    tests = []
    for nodeid in data.get("collected", []):
        t = records.get(nodeid, {"nodeid": nodeid, "name": nodeid.rpartition("::")[2]})
        frames = [Frame(**f) for f in t.get("frames", [])]
        tests.append(TestResult(**{**t, "frames": frames}))
    result.tests = tests
    total = sum(t.points for t in tests) or 1.0
    result.score = round(result.max_score * sum(t.points for t in tests if t.passed) / total, 2)


def _tests_from_events(events: list[str], running: str, reason: str) -> list[TestResult]:
    """Without a report (a hang or a crash), rebuild the test list from the event log."""
    tests: dict[str, TestResult] = {}
    for line in events:
        kind, _, rest = line.partition(" ")
        if kind == "collected":
            tests[rest] = TestResult(nodeid=rest, name=rest.rpartition("::")[2])
        elif kind == "done":
            nodeid, _, outcome = rest.rpartition(" ")
            if nodeid in tests:
                tests[nodeid].outcome = "passed" if outcome == "passed" else "failed"
    for t in tests.values():
        if t.name == running and t.outcome == "not run":
            t.outcome, t.message = "failed", reason
    return list(tests.values())
