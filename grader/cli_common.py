"""What every CLI module shares: consoles made on first use, and the CourseError-to-exit-code wrapper."""

from __future__ import annotations

import functools
import os
from typing import Any, Callable

import typer

from grader.errors import CourseError


class LazyConsole:
    """A rich Console made on first use, so `course --help` never imports rich."""

    def __init__(self, **kwargs: Any) -> None:
        self._kwargs = kwargs
        self._console = None

    def get(self) -> Any:
        """The real rich Console (for APIs that need one, such as progress bars)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(highlight=False, no_color=bool(os.environ.get("NO_COLOR")) or None, **self._kwargs)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


console: Any = LazyConsole()
err: Any = LazyConsole(stderr=True)


def friendly(fn: Callable[..., Any], interrupted: str = "Stopped.") -> Callable[..., Any]:
    """Turn the core's CourseError into one clear message and exit status 2 (130 on Ctrl-C)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CourseError as exc:
            err.print(f"[bold red]Error:[/] {exc.message}", markup=True, highlight=False)
            if exc.fix:
                err.print(exc.fix, markup=False)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print(interrupted)
            raise typer.Exit(130) from None

    return wrapper
