"""The core's one entry point for faces: the CLI and the TUI call these, nothing else.

A ``Session`` joins a loaded course and a workspace and offers the learner's
actions (check, hint, reset, solution, next) as plain functions returning plain
data. It never prints and never imports Typer or Textual.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from grader import manifest, notebook, runner, unlock, workspace
from grader.errors import CourseError
from grader.progress import now_iso
from grader.manifest import Course, Exercise
from grader.results import CheckResult
from grader.unlock import ExerciseState
from grader.workspace import Workspace, file_hash


class Checker(Protocol):
    """Something that grades a module: grader.worker.WarmChecker, or a fake in tests."""

    def check(self, ex: Exercise, module: Path, *, seed: int = 0,
              on_event: Callable[[str], None] | None = None, full: bool = False) -> CheckResult: ...


@dataclass
class CheckOutcome:
    exercise: Exercise
    path: Path
    result: CheckResult
    unlocked: list[Exercise] = field(default_factory=list)
    next: ExerciseState | None = None
    first_pass: bool = False
    solution: Path | None = None


@dataclass
class HintOutcome:
    exercise: Exercise
    hints: list[str]  # the ones revealed so far, in order
    total: int


@dataclass
class Summary:
    done: int
    total: int
    points: float
    max_points: float
    next: ExerciseState | None


class Session:
    def __init__(self, course: Course, ws: Workspace, checker: Checker | None = None) -> None:
        self.course = course
        self.workspace = ws
        self.checker = checker  # None: a cold child process per check (grader.runner)
        self._hashes: dict[str, str] | None = None

    @classmethod
    def open(cls, workspace_path: Path | str | None = None, course_root: Path | str | None = None,
             create: bool = True) -> tuple[Session, bool]:
        """Load the course and find the workspace (creating the default one if asked). Returns (session, created)."""
        course = manifest.load_course(course_root)
        ws = workspace.find(workspace_path)
        created = False
        if ws is None:
            if not create:
                raise CourseError("No course workspace found here.", "Run `course init` to create one.")
            ws, created = workspace.init(course)
        else:
            ws.sync(course)
        return cls(course, ws), created

    # -- reading ------------------------------------------------------------------
    def spec_hashes(self) -> dict[str, str]:
        if self._hashes is None:
            self._hashes = {e.id: file_hash(e.spec) for e in self.course.exercises}
        return self._hashes

    def states(self) -> list[ExerciseState]:
        return unlock.states(self.course, self.workspace.progress.load(), self.spec_hashes())

    def state(self, exercise_id: str) -> ExerciseState:
        ex = self.course.exercise(exercise_id)
        return next(s for s in self.states() if s.exercise.id == ex.id)

    def next(self) -> ExerciseState | None:
        return unlock.next_state(self.states())

    def resolve(self, exercise_id: str | None) -> Exercise:
        """The named exercise, or the current one (the next to work on)."""
        if exercise_id:
            return self.course.exercise(exercise_id)
        nxt = self.next()
        if nxt is None:
            raise CourseError("Every exercise you can reach has passed: there is no current exercise.",
                              "Name one explicitly, e.g. `course check ID`; `course list` shows them all.")
        return nxt.exercise

    def path(self, ex: Exercise) -> Path:
        return self.workspace.exercise_path(ex)

    def summary(self) -> Summary:
        all_states = self.states()
        return Summary(
            done=sum(s.done for s in all_states),
            total=len(all_states),
            points=sum(s.exercise.points for s in all_states if s.done),
            max_points=sum(s.exercise.points for s in all_states),
            next=unlock.next_state(all_states),
        )

    def exercise_text(self, ex: Exercise) -> str:
        """The exercise's text: the stub's module docstring."""
        try:
            return ast.get_docstring(ast.parse(ex.stub_source())) or ""
        except (OSError, SyntaxError):
            return ""

    # -- actions --------------------------------------------------------------------
    def mark_opened(self, ex: Exercise) -> None:
        """Start the clock on an exercise the learner has just been shown."""
        self.workspace.progress.record_activity(ex.id)

    def check(self, exercise_id: str | None = None, *, force: bool = False,
              on_event: Callable[[str], None] | None = None, full: bool = False) -> CheckOutcome:
        """Grade the learner's file for one exercise and record the result; ``full`` adds the
        full tier (tests marked `full`: real datasets, a GPU), which is slow and optional."""
        ex = self.resolve(exercise_id)
        before = self.states()
        state = next(s for s in before if s.exercise.id == ex.id)
        if state.status == unlock.LOCKED and not force:
            raise CourseError(
                f'"{ex.id}" is still locked: pass {", ".join(state.waiting_for)} first.',
                "Run `course next` for the exercise to do now (or add --force to check it anyway, without unlocking).",
            )
        if ex.tier == "gpu" and not cuda_available():
            raise CourseError(f'"{ex.id}" is a GPU exercise and no CUDA device is available here.',
                              "Run it on a machine with an NVIDIA GPU; it is optional for finishing the course.")
        path = self.path(ex)
        nb = notebook.notebook_path(path)
        if not path.exists() and not nb.exists():
            raise CourseError(f"{self.workspace.relative(path)} is missing.",
                              f"Run `course reset {ex.id}` to get a fresh copy of the exercise.")
        assembled = None
        graded = path
        result = None
        if nb.exists() and (not path.exists() or nb.stat().st_mtime >= path.stat().st_mtime):
            path = nb  # the learner works in the notebook: grade what it defines
            graded, result, assembled = self._notebook_module(ex, nb)
        if result is None:
            if self.checker is not None:
                result = self.checker.check(ex, graded, on_event=on_event, full=full)
            else:
                result = runner.check_exercise(ex, graded, on_event=on_event, full=full)
        if assembled is not None:
            _map_frames_to_cells(result, graded, nb, assembled)
        outcome = CheckOutcome(ex, path, result)
        if result.curves:
            cpath = self.workspace.curves_path(ex)
            cpath.parent.mkdir(parents=True, exist_ok=True)
            cpath.write_text(json.dumps(result.curves), encoding="utf-8")
        if state.status == unlock.LOCKED:
            return outcome  # a forced check of a locked exercise is not recorded
        was_done = state.done
        self.workspace.progress.record_check(ex.id, result, self.spec_hashes()[ex.id])
        after = self.states()
        outcome.unlocked = unlock.newly_unlocked(before, after)
        outcome.next = unlock.next_state(after)
        if result.passed:
            outcome.first_pass = not was_done
            outcome.solution = self.workspace.install_solution(ex)
        return outcome

    def _notebook_module(self, ex: Exercise, nb: Path) -> tuple[Path, CheckResult | None, notebook.Assembled | None]:
        """Assemble the notebook into a module to grade, or a failing result that says why not."""
        try:
            assembled = notebook.assemble(nb)
        except notebook.NotebookSyntaxError as e:
            stripped = e.text.rstrip("\n").lstrip()
            pad = max(0, e.offset - 1 - (len(e.text.rstrip("\n")) - len(stripped)))
            return nb, CheckResult(ex.id, "error", max_score=ex.points,
                                   reason=f"SyntaxError in {nb.name}, cell {e.cell}, line {e.line}: {e.msg}.",
                                   detail=f"  {stripped}\n  {' ' * pad}^" if stripped else ""), None
        except (OSError, ValueError) as e:
            return nb, CheckResult(ex.id, "error", max_score=ex.points,
                                   reason=f"{nb.name} is not a readable notebook ({e}).",
                                   detail=f"Rewrite it with `course notebook {ex.id} --force` (yours is backed up)."), None
        stub = ex.stub_source()
        missing = [n for n in notebook.required_names(stub) if n not in assembled.defined]
        if missing:
            names = ", ".join(f"`{n}`" for n in missing)
            return nb, CheckResult(ex.id, "error", max_score=ex.points,
                                   reason=f"{nb.name} does not define {names}, which the exercise asks for.",
                                   detail=f"Keep a cell with each definition; `course notebook {ex.id} --force` "
                                          "writes a fresh notebook (yours is backed up)."), None
        module = self.workspace.state_dir / "notebooks" / ex.file
        module.parent.mkdir(parents=True, exist_ok=True)
        module.write_text(assembled.source, encoding="utf-8")
        return module, None, assembled

    def notebook(self, exercise_id: str, *, force: bool = False) -> Path:
        """Write the exercise as a notebook in the workspace, next to its .py file."""
        ex = self.course.exercise(exercise_id)
        dest = notebook.notebook_path(self.path(ex))
        if dest.exists():
            if not force:
                raise CourseError(f"{dest} already exists.",
                                  f"Open it, or rewrite it from the stub with `course notebook {ex.id} --force` (yours is backed up).")
            self.workspace.backup(ex, dest)
        return notebook.write(ex, ex.stub_source(), dest)

    def curves(self, exercise_id: str) -> dict[str, list[list[float]]]:
        """The curves recorded by the exercise's last check that recorded any."""
        path = self.workspace.curves_path(self.course.exercise(exercise_id))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def plot(self, exercise_id: str) -> Path:
        """Draw the exercise's last curves to <workspace>/plots/<id>.png."""
        from grader import curves as curve_lib

        ex = self.course.exercise(exercise_id)
        data = self.curves(ex.id)
        if not data:
            raise CourseError(f'"{ex.id}" has no recorded curve yet.',
                              "Curves come from checks of training exercises (grader.curves.log_point); run `course check` first.")
        return curve_lib.plot_png(data, f"{ex.title} ({ex.id})", self.workspace.root / "plots" / f"{ex.id}.png")

    def first_visit(self, key: str) -> bool:
        """True the first time ``key`` is asked for in this workspace (e.g. the dashboard's welcome)."""
        marker = self.workspace.state_dir / f"seen-{key}"
        if marker.exists():
            return False
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(now_iso() + "\n", encoding="utf-8")
        return True

    def hint(self, exercise_id: str | None = None) -> HintOutcome:
        """Reveal the next hint (all hints stay revealed once shown)."""
        ex = self.resolve(exercise_id)
        if not ex.hints:
            return HintOutcome(ex, [], 0)
        record = self.workspace.progress.record_hint(ex.id, len(ex.hints))
        return HintOutcome(ex, list(ex.hints[: record.hints_revealed]), len(ex.hints))

    def reset(self, exercise_id: str) -> Path | None:
        """Restore the stub; the learner's version is kept as a timestamped backup."""
        ex = self.course.exercise(exercise_id)
        return self.workspace.reset(ex)

    def solution(self, exercise_id: str, *, force: bool = False) -> tuple[Path, bool]:
        """The reference solution's path (in the workspace). Refuses before a pass unless forced.

        Returns the path and whether it was shown before a pass.
        """
        ex = self.course.exercise(exercise_id)
        state = self.state(ex.id)
        if not state.done and not force:
            raise CourseError(
                f'"{ex.id}" has not passed yet, so its solution stays hidden.',
                f"Try `course hint {ex.id}` first; `course solution {ex.id} --force` shows it anyway.",
            )
        if not state.done:
            self.workspace.progress.record_solution_viewed(ex.id)
        return self.workspace.install_solution(ex), not state.done


def _map_frames_to_cells(result: CheckResult, module: Path, nb: Path, assembled: notebook.Assembled) -> None:
    """Point traceback lines of an assembled notebook back at the notebook's cells."""
    target = str(module.resolve())
    for t in result.tests:
        for f in t.frames:
            if f.file == target and f.line in assembled.cell_of_line:
                cell, line = assembled.cell_of_line[f.line]
                f.file, f.line = f"{nb.name} cell {cell}", line


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())
