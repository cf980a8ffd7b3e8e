"""Which exercises are open, and what each one's status is. Pure functions of data.

Statuses:
    locked   a prerequisite has not passed yet
    open     unlocked, never checked
    failing  unlocked, checked, never passed
    passed   passed (a later failing check does not take a pass away)
    recheck  passed, but its spec has changed since: check it again

An exercise counts as done once it has passed, including ``recheck`` ones, so a
course update never locks away work the learner had already reached.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.manifest import Course, Exercise
from grader.progress import Progress, Record

LOCKED, OPEN, FAILING, PASSED, RECHECK = "locked", "open", "failing", "passed", "recheck"


@dataclass
class ExerciseState:
    exercise: Exercise
    status: str
    record: Record
    waiting_for: tuple[str, ...] = ()  # prerequisites not yet passed

    @property
    def unlocked(self) -> bool:
        return self.status != LOCKED

    @property
    def done(self) -> bool:
        return self.record.done


def states(course: Course, progress: Progress, spec_hashes: dict[str, str]) -> list[ExerciseState]:
    """The state of every exercise, in course order."""
    done = {e.id for e in course.exercises if progress.get(e.id).done}
    out = []
    for ex in course.exercises:
        record = progress.get(ex.id)
        waiting = tuple(p for p in course.prerequisites(ex) if p not in done)
        if record.done:
            status = RECHECK if record.spec_hash and spec_hashes.get(ex.id) not in (None, record.spec_hash) else PASSED
        elif waiting:
            status = LOCKED
        elif record.attempts:
            status = FAILING
        else:
            status = OPEN
        out.append(ExerciseState(ex, status, record, waiting))
    return out


def next_state(all_states: list[ExerciseState], include_gpu: bool = False) -> ExerciseState | None:
    """The first exercise to work on: one to re-check, else the first unlocked unsolved one."""
    candidates = [s for s in all_states if include_gpu or s.exercise.tier == "cpu"]
    for s in candidates:
        if s.status == RECHECK:
            return s
    for s in candidates:
        if s.status in (OPEN, FAILING):
            return s
    return None


def newly_unlocked(before: list[ExerciseState], after: list[ExerciseState]) -> list[Exercise]:
    was = {s.exercise.id for s in before if s.unlocked}
    return [s.exercise for s in after if s.unlocked and s.exercise.id not in was]
