"""The progress store: round trips, crash safety, concurrency, corruption, versions."""

from __future__ import annotations

import json
import multiprocessing as mp
from pathlib import Path

import pytest

from grader.errors import CourseError
from grader.progress import IDLE_CAP, ProgressStore, Record, touch
from grader.results import CheckResult, TestResult


def passed_result() -> CheckResult:
    return CheckResult("add", "passed", tests=[TestResult("t::a", "a", outcome="passed")], score=10, max_score=10)


def failed_result() -> CheckResult:
    return CheckResult("add", "failed", tests=[TestResult("t::a", "a", outcome="failed")], score=0, max_score=10)


def test_empty_store_loads(tmp_path):
    assert ProgressStore(tmp_path).load().exercises == {}


def test_round_trip(tmp_path):
    store = ProgressStore(tmp_path)
    store.record_check("add", failed_result(), "h1")
    store.record_check("add", passed_result(), "h1")
    store.record_hint("add", n_hints=2)
    r = store.load().get("add")
    assert r.attempts == 2 and r.done and r.spec_hash == "h1" and r.hints_revealed == 1
    assert r.last_result["status"] == "passed" and r.last_result["passed"] == 1
    data = json.loads((tmp_path / "progress.json").read_text())
    assert data["format"] == "course-progress" and data["version"] == 1


def test_a_later_failure_keeps_the_first_pass(tmp_path):
    store = ProgressStore(tmp_path)
    store.record_check("add", passed_result(), "h1")
    first = store.load().get("add").first_pass
    store.record_check("add", failed_result(), "h1")
    r = store.load().get("add")
    assert r.done and r.first_pass == first and r.last_result["status"] == "failed"


def test_hints_stop_at_the_last(tmp_path):
    store = ProgressStore(tmp_path)
    for _ in range(5):
        store.record_hint("add", n_hints=2)
    assert store.load().get("add").hints_revealed == 2


def test_unknown_fields_and_ids_are_tolerated(tmp_path):
    (tmp_path / "progress.json").write_text(json.dumps({
        "format": "course-progress", "version": 1,
        "exercises": {"gone": {"attempts": 3, "future_field": 1}, "add": {"attempts": 1}}}))
    store = ProgressStore(tmp_path)
    p = store.load()
    assert p.get("gone").attempts == 3 and p.get("add").attempts == 1
    store.record_hint("add", 2)
    assert "gone" in json.loads((tmp_path / "progress.json").read_text())["exercises"]


def test_truncated_file_is_reported_and_kept(tmp_path):
    store = ProgressStore(tmp_path)
    store.record_check("add", passed_result(), "h1")
    text = (tmp_path / "progress.json").read_text()
    (tmp_path / "progress.json").write_text(text[: len(text) // 2])
    with pytest.raises(CourseError) as info:
        store.load()
    assert "cannot be read" in info.value.message and "--reset-progress" in info.value.fix
    backups = list(tmp_path.glob("progress.json.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_text() == text[: len(text) // 2]
    # Never silently reset: the damaged file is still there, and writing refuses too.
    assert (tmp_path / "progress.json").read_text() == text[: len(text) // 2]
    with pytest.raises(CourseError):
        store.record_hint("add", 2)


def test_reset_moves_the_file_aside(tmp_path):
    store = ProgressStore(tmp_path)
    (tmp_path / "progress.json").write_text("{not json")
    backup = store.reset()
    assert backup is not None and backup.read_text() == "{not json"
    assert store.load().exercises == {}


def test_newer_format_is_refused(tmp_path):
    (tmp_path / "progress.json").write_text(json.dumps({"format": "course-progress", "version": 99, "exercises": {}}))
    with pytest.raises(CourseError) as info:
        ProgressStore(tmp_path).load()
    assert "newer version" in info.value.message


def test_not_a_progress_file(tmp_path):
    (tmp_path / "progress.json").write_text("[1, 2, 3]")
    with pytest.raises(CourseError):
        ProgressStore(tmp_path).load()


def _hammer(folder: str, n: int) -> None:
    store = ProgressStore(Path(folder))
    for _ in range(n):
        store.record_check("add", failed_result(), "h")


def test_concurrent_writers_lose_nothing(tmp_path):
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_hammer, args=(str(tmp_path), 25)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert ProgressStore(tmp_path).load().get("add").attempts == 100
    assert not list(tmp_path.glob(".progress-*.tmp"))


def test_a_crash_mid_write_leaves_the_old_file(tmp_path, monkeypatch):
    store = ProgressStore(tmp_path)
    store.record_check("add", passed_result(), "h1")
    before = (tmp_path / "progress.json").read_text()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("grader.progress.os.replace", boom)
    with pytest.raises(OSError):
        store.record_check("add", failed_result(), "h1")
    assert (tmp_path / "progress.json").read_text() == before
    assert not list(tmp_path.glob(".progress-*.tmp"))


def test_time_spent_caps_idle_gaps():
    r = Record()
    touch(r, now=1000.0)
    touch(r, now=1100.0)
    touch(r, now=1100.0 + 10 * IDLE_CAP)
    assert r.time_spent == 100.0 + IDLE_CAP
