"""`course`: the command line. Each command is its parameters, its help text, and one call into the core.

Exit codes: 0 success (for `check`: the exercise passed), 1 a failing check or
verification, 2 a usage error (unknown id, bad course.toml, no workspace...).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from grader import __version__, cli_common
from grader.cli_data import data_app
from grader.errors import CourseError

app = typer.Typer(
    name="course",
    help="A graded, terminal course from machine-learning fundamentals to LLMs.\n\n"
         "Run `course` to see where you are, `course next` for the exercise to do, `course check` to grade it.",
    add_completion=False,
    no_args_is_help=False,
    invoke_without_command=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
app.add_typer(data_app, name="data")

console = cli_common.console
err = cli_common.err
_state: dict[str, Any] = {"workspace": None}

ExerciseId = Annotated[Optional[str], typer.Argument(help="Exercise id (see `course list`); default: the current exercise.", show_default=False)]


friendly = cli_common.friendly


def _session(create: bool = True):
    from grader.session import Session

    session, created = Session.open(_state["workspace"], create=create)
    if created:
        console.print(f"Created your course workspace at [bold]{session.workspace.root}[/] "
                      "(your exercise files live there; set COURSE_WORKSPACE or use --workspace to move it).")
    return session


def _version(value: bool) -> None:
    if value:
        print(f"course {__version__}")
        raise typer.Exit()


@app.callback()
@friendly
def main_callback(
    ctx: typer.Context,
    workspace: Annotated[Optional[Path], typer.Option("--workspace", "-w", help="The workspace folder (default: $COURSE_WORKSPACE, "
                                                       "a workspace above the current folder, or ~/course-workspace).")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Where you are in the course, and what to do next."""
    _state["workspace"] = workspace
    if ctx.invoked_subcommand is None:
        from grader import render

        if _interactive():
            _run_tui()
            return
        session = _session()
        s = session.summary()
        render.summary(console, s, session.workspace.root)
        _show_next(session)


def _interactive() -> bool:
    """Bare `course` opens the dashboard in a real terminal (not in CI, pipes or with COURSE_PLAIN=1)."""
    return (sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")
            and not os.environ.get("COURSE_PLAIN") and os.environ.get("TERM") != "dumb")


def _run_tui() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CourseError("The dashboard needs an interactive terminal.",
                          "Run it in a terminal, or use `course next` and `course check` here.")
    from grader.tui.app import CourseApp
    from grader.worker import WarmChecker, imports_of

    session = _session()
    checker = WarmChecker()
    session.checker = checker
    nxt = session.next()
    if nxt is not None:
        checker.start(imports_of(nxt.exercise.spec, session.path(nxt.exercise)))
    try:
        CourseApp(session, first_run=session.first_visit("dashboard")).run()
    finally:
        checker.close()


def _show_next(session) -> None:
    from grader import render

    nxt = session.next()
    if nxt is not None:
        session.mark_opened(nxt.exercise)
        path = session.path(nxt.exercise)
        render.next_exercise(console, nxt, path, session.exercise_text(nxt.exercise), session.course.part(nxt.exercise.part).title)
    else:
        render.next_exercise(console, None, None, "", "")


@app.command()
@friendly
def tui() -> None:
    """Open the dashboard: curriculum and progress, the exercise, an editor, checks and hints in one window."""
    _run_tui()


@app.command()
@friendly
def notebook(
    exercise: ExerciseId = None,
    force: Annotated[bool, typer.Option("--force", help="Rewrite an existing notebook (yours is backed up first).")] = False,
) -> None:
    """Write an exercise as a Jupyter notebook in your workspace; `course check` then grades the notebook."""
    session = _session()
    ex = session.resolve(exercise)
    path = session.notebook(ex.id, force=force)
    console.print(f"Wrote {path}")
    console.print("Open it in Jupyter or VS Code; `course check` grades the notebook while it is newer than the .py file.")


@app.command()
@friendly
def plot(exercise: Annotated[str, typer.Argument(help="Exercise id whose last recorded curve to draw.")]) -> None:
    """Draw the training curve recorded by an exercise's last check to a PNG (matplotlib)."""
    out = _session().plot(exercise)
    console.print(f"Wrote {out}")


@app.command()
@friendly
def init(path: Annotated[Optional[Path], typer.Argument(help="Where to create it (default: ~/course-workspace).")] = None) -> None:
    """Create your workspace: a copy of every exercise stub plus a .course/ state folder."""
    from grader import manifest, workspace

    course = manifest.load_course()
    ws, new = workspace.init(course, path)
    console.print(("Created" if new else "Using the existing") + f" workspace at [bold]{ws.root}[/].")
    console.print(f"Run `cd {ws.root}` and then `course next`, or set COURSE_WORKSPACE={ws.root}.")


@app.command("list")
@friendly
def list_(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Every exercise by part, with its status, points and lock."""
    session = _session()
    states = session.states()
    if as_json:
        parts = []
        for part in session.course.parts:
            parts.append({"id": part.id, "title": part.title, "exercises": [
                {"id": s.exercise.id, "title": s.exercise.title, "section": s.exercise.section, "status": s.status,
                 "locked": not s.unlocked, "waiting_for": list(s.waiting_for), "points": s.exercise.points,
                 "tier": s.exercise.tier, "topics": list(s.exercise.topics), "path": str(session.path(s.exercise)),
                 "attempts": s.record.attempts}
                for s in states if s.exercise.part == part.id]})
        print(json.dumps({"course": {"title": session.course.title, "version": session.course.version},
                          "workspace": str(session.workspace.root), "parts": parts}, indent=2))
        return
    from grader import render

    render.exercise_table(console, session.course, states)
    render.summary(console, session.summary(), session.workspace.root)


@app.command("next")
@friendly
def next_() -> None:
    """Show the first unlocked exercise you have not solved yet."""
    _show_next(_session())


@app.command()
@friendly
def check(
    exercise: ExerciseId = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Check a locked exercise anyway (not recorded).")] = False,
    full: Annotated[bool, typer.Option("--full", help="Also run the full tier: real datasets, GPU training (slow).")] = False,
) -> None:
    """Grade an exercise with its hidden spec. Exit status 0 when it passes, 1 when not."""
    session = _session()
    ex = session.resolve(exercise)
    if not as_json and console.is_terminal:
        console.print(f"Checking {ex.id}...", style="dim")
    out = session.check(ex.id, force=force, full=full)
    if as_json:
        data = out.result.to_dict()
        data["unlocked"] = [e.id for e in out.unlocked]
        data["next"] = out.next.exercise.id if out.next else None
        data["path"] = str(out.path)
        print(json.dumps(data, indent=2))
    else:
        from grader import render

        render.check_result(console, out, str(out.path))
    raise typer.Exit(0 if out.result.passed else 1)


@app.command()
@friendly
def hint(exercise: ExerciseId = None) -> None:
    """Reveal the next hint for an exercise (the ones already revealed are shown again)."""
    from grader import render

    render.hint(console, _session().hint(exercise))


@app.command()
@friendly
def reset(
    exercise: Annotated[str, typer.Argument(help="Exercise id to restore to its original stub.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Restore an exercise's stub; your version is kept as a timestamped backup."""
    session = _session()
    ex = session.course.exercise(exercise)
    path = session.path(ex)
    if not yes:
        if not sys.stdin.isatty():
            raise CourseError(f"Resetting {ex.id} replaces {path} and needs confirmation.", "Add --yes to confirm.")
        typer.confirm(f"Replace {path} with the original stub? (your version is backed up)", abort=True)
    backup = session.reset(ex.id)
    console.print(f"Restored the stub at {path}.")
    if backup is not None:
        console.print(f"Your previous version is kept at {backup}.")


@app.command()
@friendly
def solution(
    exercise: Annotated[str, typer.Argument(help="Exercise id.")],
    force: Annotated[bool, typer.Option("--force", help="Show it even though the exercise has not passed yet.")] = False,
) -> None:
    """Show the reference solution of an exercise you have passed."""
    from rich.syntax import Syntax

    session = _session()
    path, early = session.solution(exercise, force=force)
    if early:
        err.print("[yellow]Warning:[/] you have not passed this exercise yet; reading the answer now skips the learning.")
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if text:
        console.print(Syntax(text, "python", line_numbers=True, theme="ansi_dark"))
    console.print(f"Saved at {path}.")


@app.command()
@friendly
def watch(exercise: ExerciseId = None) -> None:
    """Re-check the current exercise every time you save it; move on when it passes. Ctrl-C stops."""
    from grader import render
    from grader import watch as watcher
    from grader.worker import WarmChecker, imports_of

    session = _session()
    session.checker = checker = WarmChecker()
    nxt = session.resolve(exercise) if exercise or session.next() else None
    if nxt is not None:
        checker.start(imports_of(nxt.spec, session.path(nxt)))
    previous: dict[str, Any] = {}

    def on_watch(state, path) -> None:
        if state is None:
            console.print("[green]Every exercise you can reach has passed.[/]")
            return
        console.rule(f"{state.exercise.title} ({state.exercise.id})")
        console.print(f"Watching {path}; save it to check. Ctrl-C stops.")

    def on_result(out) -> None:
        before = previous.get(out.exercise.id)
        previous[out.exercise.id] = out.result
        if before is None or out.result.passed or out.result.status != "failed" or before.status != "failed":
            render.check_result(console, out, str(out.path))
        else:
            render.changes(console, out, before)

    def on_error(exc) -> None:
        err.print(f"[red]Error:[/] {exc}")

    try:
        watcher.run(session, exercise, on_watch=on_watch, on_result=on_result, on_error=on_error)
    finally:
        checker.close()


@app.command()
@friendly
def verify(
    exercises: Annotated[Optional[list[str]], typer.Argument(help="Exercise ids (default: all).", show_default=False)] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Checks to run in parallel (default: the number of CPUs).")] = 0,
    seeds: Annotated[int, typer.Option("--seeds", help="Run the solution under this many seeds to catch flaky thresholds.")] = 1,
    cold: Annotated[bool, typer.Option("--cold", help="A fresh interpreter per run instead of warm workers.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Verify the full tier too (real datasets, a GPU).")] = False,
) -> None:
    """Author tool: the stub fails, the solution passes, every mutant fails, within the timeout."""
    from rich.table import Table

    from grader import manifest
    from grader import verify as verifier

    course = manifest.load_course()
    ids = exercises or None
    if ids:
        for i in ids:
            course.exercise(i)
    show = err.is_terminal

    def on_done(run) -> None:
        if show:
            mark = "✓" if (run.result.passed == (run.kind == "solution")) else "✗"
            err.print(f"  {mark} {run.exercise.id}: {run.label} ({run.result.duration:.1f} s)", style="dim")

    verdicts = verifier.verify(course, ids, jobs=jobs or None, seeds=seeds, on_done=on_done, warm=not cold,
                                 full=full)
    from rich import box

    table = Table(title="course verify", title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("exercise", "stub", "solution", "mutants", "tests", "time", "verdict"):
        table.add_column(col, no_wrap=True)
    for v in verdicts:
        if v.skipped:
            table.add_row(v.exercise.id, "-", "-", "-", "-", "-", f"skipped: {v.skipped}")
            continue
        stub = next((r for r in v.runs if r.kind == "stub"), None)
        sols = [r for r in v.runs if r.kind == "solution"]
        muts = [r for r in v.runs if r.kind == "mutant"]
        caught = sum(1 for r in muts if r.result and not r.result.passed)
        table.add_row(
            v.exercise.id,
            "fails" if stub and stub.result and not stub.result.passed else "PASSES",
            "passes" if all(r.result and r.result.passed for r in sols) else "FAILS",
            f"{caught}/{len(muts)} caught",
            str(v.n_tests),
            f"{v.solution_time:.1f} s",
            "ok" if v.ok else "PROBLEMS",
        )
    console.print(table)
    bad = [v for v in verdicts if not v.ok]
    for v in bad:
        for p in v.problems:
            console.print(f"[red]✗[/] {v.exercise.id}: {p}")
    console.print(f"{len(verdicts) - len(bad)} of {len(verdicts)} exercises verified.")
    raise typer.Exit(1 if bad else 0)


@app.command()
@friendly
def doctor(
    reset_progress: Annotated[bool, typer.Option("--reset-progress", help="Move an unreadable progress file aside and start a fresh record.")] = False,
) -> None:
    """Check Python, torch and CUDA, the packages the course uses, its data, and your workspace."""
    from grader import doctor as doc

    if reset_progress:
        from grader import workspace

        ws = workspace.find(_state["workspace"])
        if ws is None:
            raise CourseError("No course workspace found.", "Run `course init` first.")
        backup = ws.progress.reset()
        console.print(f"Started a fresh progress record; the old file is kept as {backup}." if backup
                      else "There was no progress file to reset.")
        return
    findings = doc.diagnose(lambda: _session(create=False))
    bad = 0
    for f in findings:
        mark = "[green]✓[/]" if f.ok else ("[red]✗[/]" if f.required else "[yellow]![/]")
        console.print(f"{mark} {f.name}: {f.detail}")
        if not f.ok and f.fix:
            console.print(f"    fix: {f.fix}")
        bad += (not f.ok) and f.required
    raise typer.Exit(1 if bad else 0)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
