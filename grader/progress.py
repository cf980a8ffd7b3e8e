"""The learner's progress: one JSON file in the workspace, with exactly one writer.

File format (``<workspace>/.course/progress.json``), version 1::

    {
      "format": "course-progress",
      "version": 1,
      "exercises": {
        "<exercise id>": {
          "attempts": 3,                     # checks run
          "first_pass": "2026-11-26T22:40:00+00:00" | null,
          "last_check": "..." | null,        # time of the last check
          "last_result": {"status": "failed", "passed": 4, "total": 6,
                          "score": 6.67, "max_score": 10, "reason": "..."} | null,
          "spec_hash": "sha256 of the spec when it last passed" | null,
          "hints_revealed": 1,
          "time_spent": 812.0,               # seconds, see ``touch``
          "last_active": 1795729200.0 | null,# unix time of the last activity
          "solution_viewed": false           # the solution was shown before a pass
        }
      }
    }

Writes are read-modify-write under an exclusive ``fcntl`` lock on
``progress.lock`` and land by atomic replace (write a temporary file, fsync,
rename), so a crash leaves either the old or the new file, and two ``course``
processes never lose each other's updates. Ids the course no longer has are
kept in the file but ignored by everyone else. A file that cannot be read is
never reset silently: it is copied aside and reported.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.errors import CourseError
from grader.results import CheckResult

FORMAT = "course-progress"
VERSION = 1
IDLE_CAP = 600.0  # seconds: a gap longer than this between two activities counts as this much


@dataclass
class Record:
    attempts: int = 0
    first_pass: str | None = None
    last_check: str | None = None
    last_result: dict[str, Any] | None = None
    spec_hash: str | None = None
    hints_revealed: int = 0
    time_spent: float = 0.0
    last_active: float | None = None
    solution_viewed: bool = False

    @property
    def done(self) -> bool:
        return self.first_pass is not None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Record:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass
class Progress:
    exercises: dict[str, Record] = field(default_factory=dict)

    def get(self, exercise_id: str) -> Record:
        return self.exercises.get(exercise_id) or Record()


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class ProgressStore:
    """Reads and writes ``progress.json``; the only code that touches that file."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = Path(state_dir)
        self.path = self.dir / "progress.json"
        self.lock_path = self.dir / "progress.lock"

    # -- reading --------------------------------------------------------------
    def load(self) -> Progress:
        if not self.path.exists():
            return Progress()
        try:
            raw = self.path.read_text(encoding="utf-8")
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError("it is not a course progress file")
            version = data.get("version")
            if not isinstance(version, int):
                raise ValueError("it has no version number")
            if version > VERSION:
                raise CourseError(
                    f"{self.path} was written by a newer version of the course (format {version}; this one reads {VERSION}).",
                    "Upgrade the course (git pull, then pip install -e .) and run the command again.",
                )
            exercises = data.get("exercises", {})
            if not isinstance(exercises, dict):
                raise ValueError('"exercises" is not a table')
            return Progress({k: Record.from_dict(v) for k, v in exercises.items() if isinstance(v, dict)})
        except CourseError:
            raise
        except (ValueError, TypeError, OSError, UnicodeDecodeError) as exc:
            backup = self._keep_corrupt_copy()
            raise CourseError(
                f"Your progress file {self.path} cannot be read ({exc}); a copy was kept as {backup.name}.",
                "Run `course doctor --reset-progress` to start a fresh record (your exercise files are untouched and "
                "`course check` records passes again), or repair the JSON by hand.",
            ) from None

    def _keep_corrupt_copy(self) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = self.path.with_name(f"progress.json.corrupt-{stamp}")
        if not backup.exists():
            with contextlib.suppress(OSError):
                shutil.copy2(self.path, backup)
        return backup

    # -- writing --------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+") as lock:
            try:
                import fcntl

                fcntl.flock(lock, fcntl.LOCK_EX)
            except ImportError:  # Windows: no advisory locks; atomic replace still holds
                pass
            yield

    def _write(self, progress: Progress) -> None:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "exercises": {k: asdict(v) for k, v in sorted(progress.exercises.items())},
        }
        fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=self.dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=2)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def update(self, exercise_id: str, change: Callable[[Record], None]) -> Record:
        """Apply ``change`` to one exercise's record, atomically, and return it."""
        with self._locked():
            progress = self.load()
            record = progress.exercises.setdefault(exercise_id, Record())
            change(record)
            self._write(progress)
            return record

    def reset(self) -> Path | None:
        """Move the current file aside (kept as a backup) and start an empty record."""
        with self._locked():
            if not self.path.exists():
                return None
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            backup = self.path.with_name(f"progress.json.reset-{stamp}")
            os.replace(self.path, backup)
            return backup

    # -- the events that change progress -------------------------------------
    def record_check(self, exercise_id: str, result: CheckResult, spec_hash: str) -> Record:
        def change(r: Record) -> None:
            touch(r)
            r.attempts += 1
            r.last_check = now_iso()
            r.last_result = {
                "status": result.status, "passed": result.n_passed, "total": len(result.tests),
                "score": result.score, "max_score": result.max_score, "reason": result.reason,
            }
            if result.passed:
                if r.first_pass is None:
                    r.first_pass = r.last_check
                r.spec_hash = spec_hash

        return self.update(exercise_id, change)

    def record_hint(self, exercise_id: str, n_hints: int) -> Record:
        def change(r: Record) -> None:
            touch(r)
            r.hints_revealed = min(r.hints_revealed + 1, n_hints)

        return self.update(exercise_id, change)

    def record_activity(self, exercise_id: str) -> Record:
        return self.update(exercise_id, touch)

    def record_solution_viewed(self, exercise_id: str) -> Record:
        def change(r: Record) -> None:
            if r.first_pass is None:
                r.solution_viewed = True

        return self.update(exercise_id, change)


def touch(r: Record, now: float | None = None) -> None:
    """Count the time since the last activity on this exercise, capped at IDLE_CAP."""
    now = time.time() if now is None else now
    if r.last_active is not None and now > r.last_active:
        r.time_spent += min(now - r.last_active, IDLE_CAP)
    r.last_active = now
