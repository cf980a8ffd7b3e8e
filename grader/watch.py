"""Watch mode: re-check the current exercise whenever its file is saved.

On a pass it moves on to the next exercise, as rustlings' watch mode does. The
loop is UI-free: callers get events through callbacks and stop it by setting
``stop`` (a ``threading.Event``) or with Ctrl-C.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from grader.session import CheckOutcome, Session
from grader.unlock import ExerciseState

DEBOUNCE_MS = 300


def _changes(paths: list[Path], stop: threading.Event, debounce_ms: int) -> object:
    """Yield once per batch of saves to any of ``paths`` (watchfiles, else polling)."""
    try:
        import watchfiles
    except ImportError:
        watchfiles = None
    if watchfiles is not None:
        folders = sorted({p.parent for p in paths})
        wanted = {p.resolve() for p in paths}
        for batch in watchfiles.watch(*folders, debounce=debounce_ms, stop_event=stop, yield_on_timeout=False,
                                      rust_timeout=500):
            if any(Path(p).resolve() in wanted for _, p in batch):
                yield batch
        return
    def stamp() -> tuple:
        return tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in paths)

    last = stamp()
    while not stop.is_set():
        time.sleep(debounce_ms / 1000)
        now = stamp()
        if now != last:
            last = now
            yield now


def run(session: Session, exercise_id: str | None, *, on_watch: Callable[[ExerciseState | None, Path | None], None],
        on_result: Callable[[CheckOutcome], None], on_error: Callable[[Exception], None],
        stop: threading.Event | None = None, follow: bool = True) -> None:
    """Check on every save of the watched exercise; after a pass, move on to the next one.

    An exercise whose file is no longer the pristine stub is checked as soon as
    it is watched, so arriving on half-done work shows where it stands.
    """
    stop = stop or threading.Event()
    target = exercise_id
    while not stop.is_set():
        if target:
            ex = session.course.exercise(target)
        else:
            nxt = session.next()
            if nxt is None:
                on_watch(None, None)
                return
            ex = nxt.exercise
        path = session.path(ex)
        on_watch(session.state(ex.id), path)
        outcome = None if session.workspace.is_pristine(ex) else _check(session, ex.id, on_result, on_error)
        if outcome is None or not (outcome.result.passed and follow):
            for _ in _changes([path], stop, DEBOUNCE_MS):
                outcome = _check(session, ex.id, on_result, on_error)
                if outcome is not None and outcome.result.passed and follow:
                    break
            else:
                return  # stopped
        target = None


def _check(session: Session, exercise_id: str, on_result: Callable[[CheckOutcome], None],
           on_error: Callable[[Exception], None]) -> CheckOutcome | None:
    from grader.errors import CourseError

    try:
        outcome = session.check(exercise_id)
    except CourseError as exc:
        on_error(exc)
        return None
    on_result(outcome)
    return outcome
