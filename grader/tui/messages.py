"""Messages the dashboard's check worker posts back to the app."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from grader.session import CheckOutcome


@dataclass
class CheckEvent(Message):
    """One line from the running check ("start <test>", "done <test> <outcome>")."""

    exercise_id: str
    line: str


@dataclass
class CheckDone(Message):
    exercise_id: str
    outcome: CheckOutcome | None
    error: str = ""
