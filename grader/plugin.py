"""The grader's pytest plugin: hands specs the learner's module, records results.

Shaped like pytest-json-report: hooks collect one record per test, pure
functions turn exceptions into learner-facing messages, and one JSON file is
written at the end of the session. Loaded with ``-p grader.plugin``::

    python -m pytest -p grader.plugin grader/specs/01_foundations/test_x.py \\
        --course-module exercises/01_foundations/x.py

Fixtures for specs:
    learner  the learner's module (imported once, lazily, from --course-module)
    seed     the run's seed (``--course-seed``, default 0)
    rng      a ``numpy.random.Generator`` seeded with ``seed``

Markers: ``@pytest.mark.points(n)`` weights a test (default 1).

Report format (``--course-report PATH``), a JSON object::

    {"nonce": str, "collected": [nodeid, ...], "tests": [TestResult dict, ...],
     "import_error": {"reason": str, "detail": str} | null,
     "collect_errors": [str, ...], "exitstatus": int}

While the session runs, ``PATH.events`` receives one line per event
("start <nodeid>", "done <nodeid> <outcome>") so a supervisor can tell which
test was running when a process hung or crashed, and a UI can stream progress.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import random
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

from grader.results import Frame, TestResult

OUTPUT_CAP = 4000  # characters of captured output kept per test
MESSAGE_CAP = 6000


class LearnerImportError(Exception):
    """The learner's module could not be imported; every test fails with this."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("course", "the course grader")
    group.addoption("--course-module", default=None, help="path of the learner's module (a .py file or a package folder)")
    group.addoption("--course-report", default=None, help="write the JSON report here")
    group.addoption("--course-seed", type=int, default=0, help="seed for random, numpy and torch (default 0)")
    group.addoption("--course-full", action="store_true", default=False,
                    help="also run the full tier: tests marked `full` (real datasets, a GPU)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): how many points this test is worth (default 1)")
    config.addinivalue_line("markers", "full: a full-tier test (real data, a GPU); runs only with --course-full")
    if not config.pluginmanager.has_plugin("course-recorder"):
        from grader import _token

        config.pluginmanager.register(Recorder(config, _token.NONCE), "course-recorder")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without --course-full the full tier is not collected at all: it neither passes nor fails."""
    if config.getoption("--course-full"):
        return
    full = [item for item in items if item.get_closest_marker("full")]
    if full:
        items[:] = [item for item in items if not item.get_closest_marker("full")]
        config.hook.pytest_deselected(items=full)


# --------------------------------------------------------------------- importing


def load_module(path: Path) -> Any:
    """Import the learner's file (or package folder) under its own name."""
    path = path.resolve()
    if path.is_dir():
        name, init = path.name, path / "__init__.py"
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(path)])
    else:
        name = path.stem
        spec = importlib.util.spec_from_file_location(name, path)
    if name in sys.modules:  # never replace a library the spec or pytest already uses
        name = f"learner_{name}"
        spec = importlib.util.spec_from_file_location(name, spec.origin if spec else path,
                                                      submodule_search_locations=spec.submodule_search_locations if spec else None)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    # Registered by name, and its folder on sys.path, so that pickling and
    # spawned worker processes (torch.multiprocessing) can find it again.
    sys.modules[name] = module
    parent = str(path.parent)
    if parent not in sys.path:
        sys.path.append(parent)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def learner_frames(tb: Any, learner_path: Path | None) -> list[Frame]:
    """The traceback entries that lie in the learner's own file(s)."""
    if learner_path is None or tb is None:
        return []
    root = learner_path.resolve()
    frames = []
    for fs in traceback.extract_tb(tb):
        try:
            p = Path(fs.filename).resolve()
        except (OSError, ValueError):
            continue
        if p == root or (root.is_dir() and p.is_relative_to(root)):
            frames.append(Frame(str(p), fs.lineno or 0, fs.name, (fs.line or "").strip()))
    return frames[-8:]


STDIN_MESSAGE = "reads from standard input (input() or sys.stdin); graded code must not wait for typing."


def _reads_stdin(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and "reading from stdin while output is captured" in str(exc)


def describe_import_error(exc: BaseException, learner_path: Path) -> dict[str, str]:
    """One sentence and a detail block for an exception raised while importing."""
    shown = learner_path.name
    if _reads_stdin(exc):
        return {"reason": f"{shown} {STDIN_MESSAGE}", "detail": "Remove the input() call, or put it under `if __name__ == \"__main__\":`."}
    if isinstance(exc, SyntaxError):
        where = f"{exc.filename or shown}, line {exc.lineno}"
        detail = ""
        if exc.text:
            line = exc.text.rstrip("\n")
            stripped = line.lstrip()
            caret = " " * max(0, (exc.offset or 1) - 1 - (len(line) - len(stripped))) + "^"
            detail = f"  {stripped}\n  {caret}"
        kind = type(exc).__name__
        return {"reason": f"{kind} in {where}: {exc.msg}.", "detail": detail}
    if isinstance(exc, SystemExit):
        return {"reason": f"{shown} called sys.exit({exc.code!r}) while being imported; a module must not exit.",
                "detail": "Remove the exit call (or put it under `if __name__ == \"__main__\":`)."}
    if isinstance(exc, KeyboardInterrupt):
        return {"reason": f"{shown} raised KeyboardInterrupt while being imported.", "detail": ""}
    frames = learner_frames(exc.__traceback__, learner_path)
    detail = "\n".join(f"  {Path(f.file).name}:{f.line} in {f.function}\n    {f.code}" for f in frames)
    return {"reason": f"Importing {shown} raised {type(exc).__name__}: {exc}", "detail": detail}


# --------------------------------------------------------------------- messages


def exception_message(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """What went wrong, in the words the learner should read first."""
    exc = excinfo.value
    if isinstance(exc, LearnerImportError):
        return str(exc)
    if isinstance(exc, AssertionError):
        text = str(exc).strip() or "assertion failed"
    elif isinstance(exc, NotImplementedError):
        text = f"NotImplementedError: {exc}" if str(exc) else "NotImplementedError: this function is not written yet."
    elif _reads_stdin(exc):
        text = "Your code " + STDIN_MESSAGE
    elif isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        text = "Your code wrote more output than the grader allows (a print inside a loop?)."
    elif isinstance(exc, MemoryError):
        text = "MemoryError: your code used more memory than this exercise allows."
    elif isinstance(exc, pytest.skip.Exception):
        text = f"skipped: {exc}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= MESSAGE_CAP else text[:MESSAGE_CAP] + "\n... (message cut)"


def cap(text: str, limit: int = OUTPUT_CAP) -> str:
    if len(text) <= limit:
        return text
    return f"... ({len(text) - limit} characters cut)\n" + text[-limit:]


# --------------------------------------------------------------------- recorder


class Recorder:
    def __init__(self, config: pytest.Config, nonce: str) -> None:
        self.config = config
        self.nonce = nonce
        opt = config.getoption
        module = opt("--course-module")
        self.learner_path = Path(module).resolve() if module else None
        report = opt("--course-report")
        self.report_path = Path(report) if report else None
        self.seed = opt("--course-seed")
        self.collected: list[str] = []
        self.collect_errors: list[str] = []
        self.tests: dict[str, TestResult] = {}
        self.import_error: dict[str, str] | None = None
        self._module: Any = None
        self._events = None
        if self.report_path is not None:
            self._events = open(str(self.report_path) + ".events", "a", buffering=1, encoding="utf-8")

    # -- the learner's module ------------------------------------------------
    def module(self) -> Any:
        if self._module is not None:
            return self._module
        if self.import_error is not None:
            raise LearnerImportError(self.import_error["reason"])
        if self.learner_path is None:
            raise pytest.UsageError("this spec needs --course-module PATH (the learner's file)")
        if not self.learner_path.exists():
            self.import_error = {"reason": f"{self.learner_path} does not exist.", "detail": ""}
            raise LearnerImportError(self.import_error["reason"])
        try:
            self._module = load_module(self.learner_path)
        except BaseException as exc:  # noqa: BLE001 - sys.exit at import is a failure, not an exit
            self.import_error = describe_import_error(exc, self.learner_path)
            raise LearnerImportError(self.import_error["reason"]) from None
        return self._module

    def _event(self, line: str) -> None:
        if self._events is not None:
            try:
                self._events.write(line + "\n")
            except (OSError, ValueError):
                pass

    # -- hooks ----------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        # Recorded before any learner code runs: the learner's module is only
        # imported when the first test asks for it, so it cannot shrink this list.
        self.collected = [item.nodeid for item in items]
        for nodeid in self.collected:
            self._event(f"collected {nodeid}")
        for item in items:
            marker = item.get_closest_marker("points")
            points = float(marker.args[0]) if marker and marker.args else 1.0
            doc = (getattr(item, "function", None).__doc__ or "") if hasattr(item, "function") else ""
            self.tests[item.nodeid] = TestResult(item.nodeid, item.name, " ".join(doc.split()), points=points)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(cap(str(report.longrepr), MESSAGE_CAP))

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self._event(f"start {nodeid}")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report = outcome.get_result()
        rec = self.tests.get(item.nodeid)
        if rec is None:
            return
        if call.when == "call":
            rec.duration = call.duration
        if report.failed or report.skipped:
            if call.excinfo is not None and rec.outcome in ("not run", "passed"):
                rec.message = exception_message(call.excinfo)
                rec.frames = learner_frames(call.excinfo.tb, self.learner_path)
            if report.skipped and rec.outcome == "not run":
                rec.outcome = "skipped"
            elif report.failed:
                rec.outcome = "failed" if call.when == "call" else "error"
        elif call.when == "call" and rec.outcome == "not run":
            rec.outcome = "passed"
        if call.when == "teardown":
            out = "".join(content for (name, content) in report.sections if "stdout" in name or "stderr" in name)
            rec.output = cap(out)
            self._event(f"done {item.nodeid} {rec.outcome}")

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self._events is not None:
            self._events.close()
        if self.report_path is None:
            return
        data = {
            "nonce": self.nonce,
            "collected": self.collected,
            "tests": [_asdict(t) for t in self.tests.values()],
            "import_error": self.import_error,
            "collect_errors": self.collect_errors,
            "exitstatus": int(exitstatus),
        }
        tmp = self.report_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.report_path)


def _asdict(t: TestResult) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(t)


# --------------------------------------------------------------------- fixtures


def _recorder(config: pytest.Config) -> Recorder:
    return config.pluginmanager.get_plugin("course-recorder")


@pytest.fixture(scope="session")
def learner(pytestconfig: pytest.Config) -> Any:
    """The learner's module, imported once from --course-module."""
    return _recorder(pytestconfig).module()


@pytest.fixture
def seed(pytestconfig: pytest.Config) -> int:
    return int(pytestconfig.getoption("--course-seed"))


@pytest.fixture
def full_tier(pytestconfig: pytest.Config) -> bool:
    """True when the full tier runs (`course check --full`)."""
    return bool(pytestconfig.getoption("--course-full"))


@pytest.fixture
def rng(seed: int) -> Any:
    import numpy as np

    return np.random.default_rng(seed)


@pytest.fixture(autouse=True)
def _seed_everything(seed: int) -> None:
    """Every test starts from the same random state, whatever ran before it."""
    random.seed(seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)
