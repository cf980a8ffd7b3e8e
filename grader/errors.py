"""The one exception type the core raises for problems a user can cause or fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class CourseError(Exception):
    """A problem with a message meant for the learner, plus what to do next.

    The CLI prints ``message`` and ``fix`` and exits with status 2; the TUI shows
    them as a notification. Nothing in the core prints a traceback for these.
    """

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return self.message if not self.fix else f"{self.message}\n{self.fix}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' Did you mean "x"?' for the closest choice, or '' when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    if len(close) == 1:
        return f' Did you mean "{close[0]}"?'
    return " Did you mean " + " or ".join(f'"{c}"' for c in close) + "?"
