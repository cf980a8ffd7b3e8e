"""Rich renderings of core data for the terminal. Presentation only: no logic.

Readable without colour: every status has a word or a symbol, never colour alone.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.results import CheckResult
from grader.session import CheckOutcome, HintOutcome, Summary
from grader.unlock import ExerciseState

STATUS_STYLE = {
    "locked": ("·", "dim", "locked"),
    "open": ("○", "cyan", "open"),
    "failing": ("✗", "red", "failing"),
    "passed": ("✓", "green", "passed"),
    "recheck": ("↻", "yellow", "re-check"),
}
OUTCOME = {"passed": ("✓", "green"), "failed": ("✗", "red"), "error": ("✗", "red"),
           "skipped": ("-", "yellow"), "not run": ("·", "dim")}


def status_text(status: str) -> Text:
    symbol, style, word = STATUS_STYLE.get(status, ("?", "", status))
    return Text(f"{symbol} {word}", style=style)


def summary(console: Console, s: Summary, ws_root: Path) -> None:
    console.print(f"[bold]Progress[/]: {s.done}/{s.total} exercises passed · {s.points:g}/{s.max_points:g} points "
                  f"· workspace {escape(str(ws_root))}")


def next_exercise(console: Console, state: ExerciseState | None, path: Path | None, text: str, part_title: str) -> None:
    if state is None or path is None:
        console.print("[green]✓ Every exercise you can reach has passed.[/] `course list` shows the whole course.")
        return
    ex = state.exercise
    where = f"{part_title}" + (f" · {ex.section}" if ex.section else "")
    head = Text.assemble((f"{ex.title}", "bold"), f"  ({ex.id}, {ex.points} points)\n", (where, "dim"))
    body: list = [head]
    if state.status == "recheck":
        body.append(Text("Its spec changed since you passed it: run `course check` again.", style="yellow"))
    if ex.topics:
        body.append(Text("Topics: " + ", ".join(ex.topics), style="dim"))
    console.print(Panel(Group(*body), title="Next exercise", title_align="left", expand=True))
    if text:
        # The exercise text is already laid out for 80 columns: print it as written, never re-wrapped.
        console.print(Text(text), soft_wrap=True)
        console.print()
    console.print(f"Edit [bold]{escape(str(path))}[/]")
    console.print("then run [bold]course check[/] (or [bold]course watch[/] to check on every save); "
                  "[bold]course hint[/] when stuck.")


def check_result(console: Console, out: CheckOutcome, ws_rel: str) -> None:
    r = out.result
    console.print(Text.assemble(("Checking ", ""), (out.exercise.title, "bold"), f" ({out.exercise.id}) · {ws_rel}"))
    tests(console, r)
    footer(console, r)
    if r.passed:
        for ex in out.unlocked:
            console.print(f"[green]→ Unlocked:[/] {escape(ex.title)} ({ex.id})")
        if out.solution is not None:
            console.print(f"The reference solution is now in {escape(str(out.solution))}: compare it with yours.")
        if out.next is not None:
            console.print(f"Next: [bold]{escape(out.next.exercise.title)}[/] ({out.next.exercise.id}) — run `course next`.")
        else:
            console.print("[green]That was the last exercise you can reach. Well done![/]")
    elif r.status == "failed":
        console.print("Fix the first failing test, then check again. Stuck? `course hint`.")


def tests(console: Console, r: CheckResult) -> None:
    if r.reason and r.status in ("error", "crashed", "timeout"):
        console.print(Text("✗ " + r.reason, style="bold red"))
        if r.detail:
            console.print(Text(r.detail))
        if r.status != "error":
            shown = [t for t in r.tests if t.outcome != "not run"]
            for t in shown:
                _test_line(console, t, brief=True)
        return
    seen: set[str] = set()
    for t in r.tests:
        key = t.message + "".join(f"{f.file}:{f.line}" for f in t.frames)
        _test_line(console, t, same=key in seen)
        if not t.passed:
            seen.add(key)
    if r.reason:
        console.print(Text(r.reason, style="yellow"))


def _test_line(console: Console, t, brief: bool = False, same: bool = False) -> None:
    symbol, style = OUTCOME.get(t.outcome, ("?", ""))
    label = t.doc or t.name.replace("_", " ").removeprefix("test ")
    console.print(Text.assemble(f"  {symbol} ", (label, style if t.outcome != "passed" else "")))
    if t.passed or brief:
        return
    if same:
        console.print(Text("      (the same error as above)", style="dim"))
        return
    _details(console, t)
    if t.output:
        lines = t.output.rstrip().splitlines()[-6:]
        console.print(Text("      your output (last lines):", style="dim"))
        console.print(Text("\n".join("        " + line for line in lines), style="dim"))


def footer(console: Console, r: CheckResult) -> None:
    total = len(r.tests)
    if r.passed:
        console.print(Text(f"✓ Passed: all {total} tests · {r.score:g}/{r.max_score:g} points · {r.duration:.1f} s", style="bold green"))
    else:
        console.print(Text(f"✗ Not yet: {r.n_passed}/{total} tests passed · {r.score:g}/{r.max_score:g} points · {r.duration:.1f} s",
                           style="bold red"))


def changes(console: Console, out: CheckOutcome, before: CheckResult) -> None:
    """Watch mode: only what changed since the previous check of the same exercise."""
    from grader.results import changes as diff

    r = out.result
    changed = diff(before, r)
    console.print(Text.assemble(("Re-checked ", ""), (out.exercise.title, "bold"), f" · {r.duration:.1f} s"))
    if not changed:
        console.print(Text("  No change: the same tests fail with the same messages.", style="dim"))
    by_name = {(t.doc or t.name): t for t in r.tests}
    for c in changed:
        t = by_name[c.name]
        if t.passed:
            console.print(Text.assemble("  ✓ ", ("now passes: ", "green"), c.name))
        else:
            console.print(Text.assemble("  ✗ ", ("now fails: " if c.before == "passed" else "still fails, new message: ", "red"), c.name))
            _details(console, t)
    footer(console, r)


def _details(console: Console, t) -> None:
    if t.message:
        console.print(Text("\n".join("      " + line for line in t.message.splitlines())))
    for f in t.frames:
        where = f.file if " cell " in f.file else Path(f.file).name
        console.print(Text(f"      at {where}:{f.line} in {f.function}", style="dim"))
        if f.code:
            console.print(Text(f"        {f.code}", style="dim"))


def hint(console: Console, h: HintOutcome) -> None:
    if not h.total:
        console.print(f"{h.exercise.id} has no hints. Read the exercise text again: `course next`.")
        return
    for i, text in enumerate(h.hints, 1):
        console.print(Text.assemble((f"Hint {i}/{h.total}: ", "bold"), text))
    if len(h.hints) < h.total:
        console.print("Run `course hint` again for the next one.", style="dim")
    else:
        console.print("That was the last hint.", style="dim")


def exercise_table(console: Console, course, states: list[ExerciseState]) -> None:
    by_part: dict[str, list[ExerciseState]] = {}
    for s in states:
        by_part.setdefault(s.exercise.part, []).append(s)
    for part in course.parts:
        rows = by_part.get(part.id, [])
        done = sum(s.done for s in rows)
        table = Table(title=f"{part.title}  ({done}/{len(rows)})", title_justify="left", expand=False)
        table.add_column("#", justify="right", style="dim")
        table.add_column("id")
        table.add_column("title")
        table.add_column("status")
        table.add_column("points", justify="right")
        if not rows:
            console.print(Text(f"{part.title}: exercises coming soon", style="dim"))
            continue
        for i, s in enumerate(rows, 1):
            tier = " [gpu]" if s.exercise.tier == "gpu" else ""
            table.add_row(str(i), s.exercise.id, escape(s.exercise.title) + tier, status_text(s.status),
                          f"{s.exercise.points if s.done else 0}/{s.exercise.points}")
        console.print(table)
