"""Watch mode: a save triggers a check; a pass moves on to the next exercise."""

from __future__ import annotations

import threading
import time

from grader import watch
from tests.helpers import solve


def wait_for(cond, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_save_checks_and_a_pass_moves_on(session):
    watched, results, errors = [], [], []
    stop = threading.Event()
    t = threading.Thread(target=watch.run, args=(session, None), daemon=True, kwargs=dict(
        on_watch=lambda s, p: watched.append(s.exercise.id if s else None),
        on_result=results.append, on_error=errors.append, stop=stop))
    t.start()
    try:
        assert wait_for(lambda: watched == ["add"])
        time.sleep(0.5)  # let the watcher settle before the first save
        path = session.path(session.course.exercise("add"))
        path.write_text("def add(a, b):\n    return a - b\n")
        assert wait_for(lambda: len(results) >= 1)
        assert not results[-1].result.passed
        solve(session, "add")
        assert wait_for(lambda: watched[-1:] == ["mul"]), (watched, [r.result.status for r in results])
        assert results[-1].result.passed and [e.id for e in results[-1].unlocked] == ["mul"]
    finally:
        stop.set()
        t.join(10)
    assert not t.is_alive() and not errors


def test_arriving_on_edited_work_checks_it_at_once(session):
    solve(session, "add")
    watched, results = [], []
    stop = threading.Event()
    t = threading.Thread(target=watch.run, args=(session, None), daemon=True, kwargs=dict(
        on_watch=lambda s, p: watched.append(s.exercise.id if s else None),
        on_result=results.append, on_error=lambda e: None, stop=stop))
    t.start()
    try:
        assert wait_for(lambda: watched[-1:] == ["mul"])
        assert results and results[0].result.passed
    finally:
        stop.set()
        t.join(10)


def test_changes_lists_only_what_moved():
    from grader.results import CheckResult, TestResult, changes

    def result(*outcomes):
        return CheckResult("x", "failed", tests=[TestResult(f"t::{i}", f"t{i}", outcome=o[0], message=o[1])
                                                 for i, o in enumerate(outcomes)])

    before = result(("failed", "a"), ("failed", "b"), ("passed", ""))
    after = result(("passed", ""), ("failed", "b"), ("failed", "c"))
    got = [(c.name, c.before, c.after) for c in changes(before, after)]
    assert got == [("t0", "failed", "passed"), ("t2", "passed", "failed")]
    assert [c.name for c in changes(after, result(("passed", ""), ("failed", "b2"), ("failed", "c")))] == ["t1"]
    assert len(changes(None, after)) == 3
