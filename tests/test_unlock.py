"""Unlocking, statuses and the next exercise."""

from __future__ import annotations

from grader import unlock
from grader.manifest import load_course
from grader.progress import Progress, Record


def rec(done: bool = False, attempts: int = 0, spec_hash: str | None = None) -> Record:
    return Record(attempts=attempts, first_pass="2026-01-01T00:00:00+00:00" if done else None, spec_hash=spec_hash)


def status(course, progress, hashes=None):
    return {s.exercise.id: s.status for s in unlock.states(course, progress, hashes or {})}


def test_fresh_course(mini):
    course = load_course(mini)
    assert status(course, Progress()) == {"add": "open", "mul": "locked", "power": "locked"}
    assert unlock.next_state(unlock.states(course, Progress(), {})).exercise.id == "add"


def test_statuses_follow_progress(mini):
    course = load_course(mini)
    p = Progress({"add": rec(done=True, attempts=1, spec_hash="h"), "mul": rec(attempts=2)})
    assert status(course, p, {"add": "h"}) == {"add": "passed", "mul": "failing", "power": "locked"}


def test_part_opens_when_previous_part_is_done(mini):
    course = load_course(mini)
    p = Progress({"add": rec(done=True), "mul": rec(done=True)})
    assert status(course, p)["power"] == "open"


def test_changed_spec_asks_for_a_recheck_but_keeps_unlocks(mini):
    course = load_course(mini)
    p = Progress({"add": rec(done=True, spec_hash="old")})
    st = unlock.states(course, p, {"add": "new"})
    assert {s.exercise.id: s.status for s in st} == {"add": "recheck", "mul": "open", "power": "locked"}
    assert unlock.next_state(st).exercise.id == "add"


def test_ids_unknown_to_the_course_are_ignored(mini):
    course = load_course(mini)
    p = Progress({"retired-exercise": rec(done=True)})
    assert status(course, p)["add"] == "open"


def test_newly_unlocked(mini):
    course = load_course(mini)
    before = unlock.states(course, Progress(), {})
    after = unlock.states(course, Progress({"add": rec(done=True)}), {})
    assert [e.id for e in unlock.newly_unlocked(before, after)] == ["mul"]


def test_explicit_prerequisites(mini):
    p = mini / "course.toml"
    p.write_text(p.read_text().replace('file = "more/power.py"', 'file = "more/power.py"\nprerequisites = ["add"]'))
    course = load_course(mini)
    assert status(course, Progress({"add": rec(done=True)}))["power"] == "open"


def test_everything_done(mini):
    course = load_course(mini)
    p = Progress({e: rec(done=True) for e in ("add", "mul", "power")})
    assert unlock.next_state(unlock.states(course, p, {})) is None
