"""A warm grading worker: heavy imports paid once, every check still in its own child.

``python -m grader.worker`` is a single-threaded loop reading one JSON request
per line on standard input and answering one JSON line per event and result on
standard output. For each check it forks itself (``runner.run_spec(fork=True)``):
the child runs pytest exactly as a cold check does, in its own session with the
same limits, so learner code never leaks state into the worker or between
checks, and a crash or hang only ever takes the child down.

Before forking, the worker imports the heavy libraries that the spec and the
learner's file import (from an allow-list: numpy, scipy, sklearn, pandas,
matplotlib, torch, ...), so the child starts with them already in memory.

``WarmChecker`` is the client: the TUI and watch mode call ``check()``; if the
worker dies it is restarted, and if it cannot run the check falls back to the
cold path.

Protocol: request ``{"id": n, "spec": str, "module": str, "exercise_id": str,
"timeout": float, "memory_mb": int, "points": float, "seed": int,
"preload": [str], "events": bool}``; answers ``{"id": n, "event": str}`` (zero
or more) then ``{"id": n, "result": CheckResult dict}``; ``{"preload": [...]}``
alone just warms imports and answers ``{"ready": true}``.
"""

from __future__ import annotations

import ast
import gc
import importlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.manifest import Exercise
from grader.results import CheckResult

WARMABLE = ("numpy", "scipy", "sklearn", "pandas", "matplotlib", "torch", "transformers", "peft", "faiss",
            "tokenizers", "nbformat")


def imports_of(*paths: Path) -> list[str]:
    """Top-level imports of these files that the worker may pre-import (allow-listed packages only)."""
    names: list[str] = []
    for path in paths:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                mods = [node.module]
            for m in mods:
                if m.split(".")[0] in WARMABLE and m not in names:
                    names.append(m)
    return names


def _preload(names: list[str]) -> None:
    for name in names:
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a failed pre-import only means a colder child
            pass


def serve() -> None:
    """The worker loop (runs in the worker process)."""
    import pytest  # noqa: F401 - warm: pytest and the grader's plugin
    import _pytest.python  # noqa: F401

    import grader.plugin  # noqa: F401
    import grader.testing  # noqa: F401
    from grader import runner

    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but protocol lines on the real stdout

    def send(obj: dict[str, Any]) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    for line in sys.stdin:
        try:
            req = json.loads(line)
        except ValueError:
            continue
        _preload(req.get("preload", []))
        gc.collect()
        gc.freeze()  # the children inherit these objects: their collections need not walk them
        if "spec" not in req:
            send({"ready": True})
            continue
        rid = req.get("id")
        on_event = (lambda e: send({"id": rid, "event": e})) if req.get("events") else None
        result = runner.run_spec(Path(req["spec"]), Path(req["module"]), exercise_id=req.get("exercise_id", ""),
                                 timeout=float(req.get("timeout", 60)), memory_mb=int(req.get("memory_mb", 0)),
                                 points=float(req.get("points", 10)), seed=int(req.get("seed", 0)),
                                 full=bool(req.get("full", False)), maxfail=int(req.get("maxfail", 0)),
                                 on_event=on_event, fork=True)
        send({"id": rid, "result": result.to_dict()})


class WarmChecker:
    """Client of the warm worker. Thread-safe: one check at a time."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._next_id = 0
        self._pending_ready = False  # a preload request whose "ready" answer is still to be read

    def start(self, preload: list[str] | None = None) -> None:
        """Start the worker (if needed) and have it import ``preload`` in the background."""
        with self._lock:
            self._ensure()
            if preload:
                self._send({"preload": preload})
                self._pending_ready = True

    def _ensure(self) -> subprocess.Popen[str]:
        if self._proc is None or self._proc.poll() is not None:
            from grader.runner import CHILD_ENV

            grader_parent = str(Path(__file__).resolve().parent.parent)
            env = {**os.environ, **CHILD_ENV}
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [grader_parent, os.environ.get("PYTHONPATH")]))
            self._proc = subprocess.Popen([sys.executable, "-m", "grader.worker"], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
                                          bufsize=1, start_new_session=True)
            self._pending_ready = False
        return self._proc

    def _send(self, obj: dict[str, Any]) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(obj) + "\n")
        self._proc.stdin.flush()

    def check(self, ex: Exercise, module: Path, *, seed: int = 0,
              on_event: Callable[[str], None] | None = None, full: bool = False,
              maxfail: int = 0) -> CheckResult:
        with self._lock:
            try:
                return self._check(ex, module, seed, on_event, full, maxfail)
            except (OSError, ValueError, BrokenPipeError, EOFError):
                self.close_locked()
        from grader.runner import check_exercise

        # the cold path, always correct
        return check_exercise(ex, module, seed=seed, on_event=on_event, full=full, maxfail=maxfail)

    def _check(self, ex: Exercise, module: Path, seed: int, on_event: Callable[[str], None] | None,
               full: bool = False, maxfail: int = 0) -> CheckResult:
        from grader.runner import time_limit

        proc = self._ensure()
        assert proc.stdout is not None
        if self._pending_ready:
            while True:
                line = proc.stdout.readline()
                if not line:
                    raise EOFError("the worker stopped")
                if json.loads(line).get("ready"):
                    break
            self._pending_ready = False
        self._next_id += 1
        rid = self._next_id
        self._send({"id": rid, "spec": str(ex.spec), "module": str(module), "exercise_id": ex.id,
                    "timeout": time_limit(ex, full), "memory_mb": ex.memory_mb,
                    "points": ex.points, "seed": seed, "full": full, "maxfail": maxfail,
                    "preload": imports_of(ex.spec, module), "events": on_event is not None})
        while True:
            line = proc.stdout.readline()
            if not line:
                raise EOFError("the worker stopped")
            msg = json.loads(line)
            if msg.get("id") != rid:
                continue
            if "event" in msg and on_event is not None:
                on_event(msg["event"])
            elif "result" in msg:
                return CheckResult.from_dict(msg["result"])

    def close_locked(self) -> None:
        if self._proc is not None:
            try:
                self._proc.kill()
                self._proc.wait(5)
            except OSError:
                pass
            self._proc = None

    def close(self) -> None:
        with self._lock:
            self.close_locked()


if __name__ == "__main__":
    serve()
