"""Helpers shared by the framework's tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def solve(session, exercise_id: str) -> None:
    """Write the reference solution into the learner's file."""
    ex = session.course.exercise(exercise_id)
    session.path(ex).write_text(ex.solution.read_text())
