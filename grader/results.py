"""Plain data types for check results, shared by the runner, CLI, TUI and progress.

A ``CheckResult`` round-trips through ``to_dict``/``from_dict`` so that
``course check --json`` and the progress store speak the same format.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PASSED, FAILED, ERROR, TIMEOUT, CRASHED = "passed", "failed", "error", "timeout", "crashed"


@dataclass
class Frame:
    """One line of the learner's own code in a traceback."""

    file: str
    line: int
    function: str
    code: str


@dataclass
class TestResult:
    __test__ = False  # not a pytest test class

    nodeid: str
    name: str
    doc: str = ""
    outcome: str = "not run"  # passed | failed | error | skipped | not run
    points: float = 1.0
    message: str = ""
    frames: list[Frame] = field(default_factory=list)
    duration: float = 0.0
    output: str = ""

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


@dataclass
class CheckResult:
    exercise: str
    status: str  # passed | failed | error | timeout | crashed
    tests: list[TestResult] = field(default_factory=list)
    score: float = 0.0
    max_score: float = 0.0
    duration: float = 0.0
    reason: str = ""  # one sentence when the whole run failed (import error, timeout, crash)
    detail: str = ""  # more lines for that sentence: a syntax error's caret, a traceback
    output_tail: str = ""
    curves: dict[str, list[list[float]]] = field(default_factory=dict)  # see grader.curves

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def n_passed(self) -> int:
        return sum(t.passed for t in self.tests)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["passed"] = self.passed
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CheckResult:
        tests = [
            TestResult(**{**t, "frames": [Frame(**f) for f in t.get("frames", [])]})
            for t in d.get("tests", [])
        ]
        keys = {"exercise", "status", "score", "max_score", "duration", "reason", "detail", "output_tail", "curves"}
        return cls(tests=tests, **{k: v for k, v in d.items() if k in keys})


@dataclass
class Change:
    name: str
    before: str  # outcome in the previous result ("" when the test is new)
    after: str
    message_changed: bool


def changes(previous: CheckResult | None, current: CheckResult) -> list[Change]:
    """What differs test by test between two results of the same exercise (for watch mode)."""
    before = {t.nodeid: t for t in previous.tests} if previous else {}
    out = []
    for t in current.tests:
        old = before.get(t.nodeid)
        if old is None or old.outcome != t.outcome or (not t.passed and old.message != t.message):
            out.append(Change(t.doc or t.name, old.outcome if old else "", t.outcome,
                              bool(old) and old.message != t.message))
    return out
