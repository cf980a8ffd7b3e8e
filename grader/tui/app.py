"""The dashboard: the curriculum on the left, the selected exercise on the right.

All data and grading come from the injected ``Session`` (and its checker), so
tests can drive the app with a fixture course and a fake checker.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from functools import partial
from typing import Any

from rich.markdown import Markdown as RichMarkdown
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import (Footer, Header, Input, Label, ProgressBar, RichLog, Static, TabbedContent, TabPane,
                             TextArea, Tree)

from grader import render
from grader.errors import CourseError
from grader.session import CheckOutcome, Session
from grader.tui.messages import CheckDone, CheckEvent
from grader.tui.screens import ConfirmScreen, HelpScreen, SolutionScreen, WelcomeScreen
from grader.unlock import ExerciseState

SAVE_PAUSE = 1.0  # seconds of no typing before the editor saves (and, with watch on, checks)
SELECT_PAUSE = 0.15  # seconds the tree cursor rests before the exercise pane follows it
POLL = 0.5  # seconds between looks at the exercise file for saves from another editor


class LogConsole:
    """Lets grader.render's console functions write into a RichLog."""

    def __init__(self, log: RichLog) -> None:
        self.log = log

    def print(self, *objects: Any, style: str | None = None, **_: Any) -> None:
        for obj in objects:
            if isinstance(obj, str):
                obj = Text.from_markup(obj, style=style or "")
            self.log.write(obj)


class CourseApp(App[None]):
    CSS_PATH = "course.tcss"
    TITLE = "course"
    BINDINGS = [
        Binding("c", "check", "Check"),
        Binding("h", "hint", "Hint"),
        Binding("n", "next_open", "Next"),
        Binding("e", "edit", "$EDITOR"),
        Binding("w", "toggle_watch", "Watch"),
        Binding("r", "reset", "Reset"),
        Binding("s", "solution", "Solution"),
        Binding("slash", "filter", "Filter"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+s", "save_and_check", "Save and check (in the editor)", show=False, priority=True),
        Binding("escape", "leave", "Back to the curriculum", show=False),
    ]

    def __init__(self, session: Session, *, first_run: bool = False, watch: bool = True) -> None:
        super().__init__()
        self.session = session
        self.first_run = first_run
        self.watching = watch
        self.selected: str | None = None
        self.results: dict[str, CheckOutcome] = {}
        self.checking: str | None = None
        self.queued: str | None = None
        self.filter_text = ""
        self._save_timer: Timer | None = None
        self._select_timer: Timer | None = None
        self._loading_editor = False
        self._mtime: float | None = None
        self._text_source = ""

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Input(placeholder="filter: id, title or topic", id="filter", classes="hidden")
                yield Tree("Course", id="curriculum")
                with Vertical(id="progress"):
                    for part in self.session.course.parts:
                        short = part.title.split("·")[0].strip()
                        with Horizontal(classes="bar-row"):
                            yield Label(short[:10], classes="bar-label")
                            yield ProgressBar(total=1, show_eta=False, id=f"bar-{part.id}")
                    with Horizontal(classes="bar-row"):
                        yield Label("Course", classes="bar-label")
                        yield ProgressBar(total=1, show_eta=False, id="bar-total")
            with TabbedContent(id="right", initial="tab-exercise"):
                with TabPane("Exercise", id="tab-exercise"):
                    with VerticalScroll(id="exercise"):
                        yield Static(id="meta")
                        yield Static(id="hints")
                        yield Static(id="last")
                        yield Static(id="text")
                with TabPane("Editor", id="tab-editor"):
                    yield TextArea.code_editor("", language="python", id="editor")
                with TabPane("Result", id="tab-result"):
                    yield Static("No check yet: press c.", id="status")
                    yield RichLog(id="log", markup=True, wrap=True, highlight=False, min_width=20)
                with TabPane("Curve", id="tab-curve"):
                    with Vertical(id="curve-box"):
                        yield Static("Training exercises record curves here when they are checked "
                                     "(grader.curves.log_point); `course plot ID` writes a PNG.", id="curve-note")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.session.course.title} · {self.session.workspace.root}"
        self._refresh()
        nxt = self.session.next()
        first = nxt.exercise.id if nxt else (self.session.course.ids[0] if self.session.course.ids else None)
        if first:
            self.select(first)
        self.query_one("#curriculum", Tree).focus()
        self.set_interval(POLL, self._poll_file)
        if self.first_run:
            self.push_screen(WelcomeScreen())

    # ------------------------------------------------------------------ state to widgets
    def _states(self) -> list[ExerciseState]:
        return self.session.states()

    def _matches(self, s: ExerciseState) -> bool:
        if not self.filter_text:
            return True
        hay = " ".join([s.exercise.id, s.exercise.title, s.exercise.section, *s.exercise.topics]).lower()
        return self.filter_text.lower() in hay

    def _refresh(self) -> None:
        """Rebuild the tree and progress bars from the core's states."""
        states = self._states()
        tree = self.query_one("#curriculum", Tree)
        tree.show_root = False
        tree.clear()
        by_part: dict[str, list[ExerciseState]] = {}
        for s in states:
            by_part.setdefault(s.exercise.part, []).append(s)
        for part in self.session.course.parts:
            rows = by_part.get(part.id, [])
            shown = [s for s in rows if self._matches(s)]
            if self.filter_text and not shown:
                continue
            done = sum(s.done for s in rows)
            node = tree.root.add(f"{part.title} ({done}/{len(rows)})", expand=True)
            sections: dict[str, Any] = {}
            for s in shown:
                parent = node
                if s.exercise.section:
                    if s.exercise.section not in sections:
                        sections[s.exercise.section] = node.add(s.exercise.section, expand=True)
                    parent = sections[s.exercise.section]
                parent.add_leaf(self._label(s), data=s.exercise.id)
        for part in self.session.course.parts:
            rows = by_part.get(part.id, [])
            bar = self.query_one(f"#bar-{part.id}", ProgressBar)
            bar.update(total=max(1, len(rows)), progress=sum(s.done for s in rows))
        total = self.query_one("#bar-total", ProgressBar)
        total.update(total=max(1, len(states)), progress=sum(s.done for s in states))
        if self.selected:
            self._show_details(self.selected)

    def _label(self, s: ExerciseState) -> Text:
        symbol, style, _ = render.STATUS_STYLE.get(s.status, ("?", "", ""))
        label = Text.assemble((f"{symbol} ", style), s.exercise.title)
        label.append(f" {s.exercise.points if s.done else 0}/{s.exercise.points}", style="dim")
        if s.exercise.tier == "gpu":
            label.append(" [gpu]", style="dim")
        if self.checking == s.exercise.id:
            label.append(" …", style="yellow")
        return label

    def select(self, exercise_id: str) -> None:
        self.selected = exercise_id
        tree = self.query_one("#curriculum", Tree)
        for node in _walk(tree.root):
            if node.data == exercise_id:
                tree.move_cursor(node)
                self.call_after_refresh(tree.move_cursor, node)  # again once the tree has laid out its lines
                break
        self._show_details(exercise_id)
        self._load_editor(exercise_id)

    def _show_details(self, exercise_id: str) -> None:
        ex = self.session.course.exercise(exercise_id)
        state = next(s for s in self._states() if s.exercise.id == exercise_id)
        rec = state.record
        symbol, _, word = render.STATUS_STYLE.get(state.status, ("?", "", state.status))
        meta = Text.assemble((ex.title, "bold"), f"  ({ex.id})\n", f"{symbol} {word} · {ex.points} points · "
                             f"{rec.attempts} attempt(s) · {rec.time_spent / 60:.0f} min\n")
        if state.waiting_for:
            meta.append(f"Locked: pass {', '.join(state.waiting_for)} first.\n", style="dim")
        if ex.topics:
            meta.append("Topics: " + ", ".join(ex.topics) + "\n", style="dim")
        meta.append(str(self.session.path(ex)), style="dim")
        self.query_one("#meta", Static).update(meta)
        hints = Text()
        for i, h in enumerate(ex.hints[: rec.hints_revealed], 1):
            hints.append(f"Hint {i}/{len(ex.hints)}: ", style="bold")
            hints.append(h + "\n")
        self.query_one("#hints", Static).update(hints)
        last = Text()
        if rec.last_result:
            lr = rec.last_result
            last.append(f"Last check: {lr.get('status')} · {lr.get('passed')}/{lr.get('total')} tests · "
                        f"{lr.get('score', 0):g}/{lr.get('max_score', 0):g} points", style="dim")
            if lr.get("reason"):
                last.append(f"\n{lr['reason']}", style="dim")
        self.query_one("#last", Static).update(last)
        # One rich Markdown renderable: Textual's Markdown widget builds a widget per block, which
        # costs most of the first paint for a long exercise text.
        self._text_source = to_markdown(self.session.exercise_text(ex))
        self.query_one("#text", Static).update(RichMarkdown(self._text_source, code_theme="monokai"))

    # ------------------------------------------------------------------ editor and files
    def _load_editor(self, exercise_id: str) -> None:
        path = self.session.path(self.session.course.exercise(exercise_id))
        editor = self.query_one("#editor", TextArea)
        try:
            text = path.read_text(encoding="utf-8")
            self._mtime = path.stat().st_mtime
        except OSError:
            text, self._mtime = "", None
        if editor.text != text:
            self._loading_editor = True
            editor.load_text(text)

    @on(TextArea.Changed, "#editor")
    def _typed(self, event: TextArea.Changed) -> None:
        if self._loading_editor:
            self._loading_editor = False
            return
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_PAUSE, partial(self._save, check=self.watching))

    def _save(self, check: bool) -> None:
        if not self.selected:
            return
        ex = self.session.course.exercise(self.selected)
        text = self.query_one("#editor", TextArea).text
        path = self.session.workspace.save(ex, text)
        self._mtime = path.stat().st_mtime
        if check:
            self.action_check()

    def _poll_file(self) -> None:
        """With watch on, a save from another editor re-checks the exercise."""
        if not self.selected:
            return
        path = self.session.path(self.session.course.exercise(self.selected))
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return
        if self._mtime is not None and mtime != self._mtime:
            self._mtime = mtime
            self._load_editor(self.selected)
            if self.watching:
                self.action_check()
        self._mtime = mtime

    # ------------------------------------------------------------------ events
    @on(Tree.NodeHighlighted, "#curriculum")
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        if event.node.data and event.node.data != self.selected:
            self.selected = event.node.data
            # Rendering the text and loading the editor take tens of milliseconds: do it once the
            # cursor rests, so holding an arrow key stays smooth.
            if self._select_timer is not None:
                self._select_timer.stop()
            self._select_timer = self.set_timer(SELECT_PAUSE, self._settle)

    def _settle(self) -> None:
        if self.selected:
            self._show_details(self.selected)
            self._load_editor(self.selected)
            self.session.workspace.progress.record_activity(self.selected)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._refresh()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.query_one("#curriculum", Tree).focus()

    def on_check_event(self, message: CheckEvent) -> None:
        kind, _, rest = message.line.partition(" ")
        status = self.query_one("#status", Static)
        if kind == "start":
            status.update(f"Checking {message.exercise_id}: running {rest.rpartition('::')[2]}…")
        elif kind == "done":
            nodeid, _, outcome = rest.rpartition(" ")
            mark = "✓" if outcome == "passed" else "✗"
            self.query_one("#log", RichLog).write(f"{mark} {nodeid.rpartition('::')[2]}")

    def on_check_done(self, message: CheckDone) -> None:
        self.checking = None
        log = self.query_one("#log", RichLog)
        status = self.query_one("#status", Static)
        if message.outcome is None:
            status.update(f"Not checked: {message.error}")
            self.notify(message.error, severity="error")
        else:
            out = message.outcome
            self.results[out.exercise.id] = out
            log.clear()
            render.check_result(LogConsole(log), out, str(out.path))
            r = out.result
            status.update(f"{out.exercise.id}: {'passed' if r.passed else r.status} · "
                          f"{r.n_passed}/{len(r.tests)} tests · {r.score:g}/{r.max_score:g} points")
            self._plot_curves(out)
            if r.passed and out.unlocked:
                self.notify("Unlocked: " + ", ".join(e.title for e in out.unlocked), title="Passed!")
            elif r.passed:
                self.notify(f"{out.exercise.title} passed.", title="Passed!")
        self._refresh()
        if message.outcome is not None and message.outcome.result.passed and self.watching and self.queued is None \
                and message.outcome.first_pass and message.outcome.next is not None:
            self.select(message.outcome.next.exercise.id)
        if self.queued:
            queued, self.queued = self.queued, None
            self._start_check(queued)

    # ------------------------------------------------------------------ actions
    def action_check(self) -> None:
        if not self.selected:
            return
        if self.checking:
            self.queued = self.selected
            self.query_one("#status", Static).update(f"Checking {self.checking}; {self.selected} is queued next.")
            return
        self._start_check(self.selected)

    def action_save_and_check(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save(check=True)

    def _start_check(self, exercise_id: str) -> None:
        self.checking = exercise_id
        self.query_one("#status", Static).update(f"Checking {exercise_id}…")
        self.query_one("#log", RichLog).clear()
        self.query_one("#right", TabbedContent).active = "tab-result"
        self.run_worker(partial(self._check_in_thread, exercise_id), thread=True, group="check", exit_on_error=False)
        self._refresh()

    def _check_in_thread(self, exercise_id: str) -> None:
        try:
            out = self.session.check(exercise_id, on_event=lambda line: self.post_message(CheckEvent(exercise_id, line)))
            self.post_message(CheckDone(exercise_id, out))
        except CourseError as exc:
            self.post_message(CheckDone(exercise_id, None, exc.message + (f" {exc.fix}" if exc.fix else "")))
        except Exception as exc:  # noqa: BLE001 - a grading bug must not kill the dashboard
            self.post_message(CheckDone(exercise_id, None, f"{type(exc).__name__}: {exc}"))

    def action_hint(self) -> None:
        if not self.selected:
            return
        h = self.session.hint(self.selected)
        if not h.total:
            self.notify("This exercise has no hints.")
        else:
            self.notify(h.hints[-1], title=f"Hint {len(h.hints)}/{h.total}", timeout=12)
        self._show_details(self.selected)

    def action_reset(self) -> None:
        if not self.selected:
            return
        ex_id = self.selected

        def done(yes: bool | None) -> None:
            if not yes:
                return
            backup = self.session.reset(ex_id)
            self._load_editor(ex_id)
            self.notify(f"Stub restored; your version is kept at {backup}." if backup else "Stub restored.")
            self._refresh()

        self.push_screen(ConfirmScreen(f"Reset {ex_id} to its original stub? Your version is backed up."), done)

    def action_solution(self) -> None:
        if not self.selected:
            return
        try:
            path, _ = self.session.solution(self.selected)
        except CourseError as exc:
            self.notify(exc.message, severity="warning")
            return
        self.push_screen(SolutionScreen(f"Reference solution: {path}", path.read_text(encoding="utf-8")))

    def action_edit(self) -> None:
        if not self.selected:
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        path = self.session.path(self.session.course.exercise(self.selected))
        if not editor:
            self.notify("Set $EDITOR (e.g. export EDITOR=vim), or edit in the Editor tab.", severity="warning")
            self.query_one("#right", TabbedContent).active = "tab-editor"
            return
        with self.suspend():
            subprocess.run([*shlex.split(editor), str(path)], check=False)
        self._poll_file()

    def action_toggle_watch(self) -> None:
        self.watching = not self.watching
        self.notify("Watch on: every save checks the exercise." if self.watching else "Watch off.")

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("hidden")
        box.focus()

    def action_leave(self) -> None:
        """Escape: in the filter, clear and close it; anywhere else, back to the curriculum."""
        box = self.query_one("#filter", Input)
        if self.focused is box:
            box.value = ""
            box.add_class("hidden")
            self.filter_text = ""
            self._refresh()
        self.query_one("#curriculum", Tree).focus()

    def action_next_open(self) -> None:
        nxt = self.session.next()
        if nxt is None:
            self.notify("Every exercise you can reach has passed.")
            return
        self.select(nxt.exercise.id)

    def action_help(self) -> None:
        keys = [(b.key.replace("question_mark", "?").replace("slash", "/"), b.description)
                for b in self.BINDINGS if isinstance(b, Binding)]
        self.push_screen(HelpScreen(keys))

    # ------------------------------------------------------------------ curves
    def _plot_curves(self, out: CheckOutcome) -> None:
        curves = self.session.curves(out.exercise.id)
        if not curves:
            return
        try:
            from textual_plotext import PlotextPlot  # imported on the first curve: it costs 0.2 s at start-up
        except ImportError:
            return
        plots = self.query("#curve")
        if plots:
            plot = plots.first(PlotextPlot)
        else:
            plot = PlotextPlot(id="curve")
            self.query_one("#curve-box", Vertical).mount(plot)
        plt = plot.plt
        plt.clear_figure()
        if not curves:
            plt.title("No curve recorded for this exercise")
        else:
            for name, points in curves.items():
                xs = [p[0] for p in points]
                ys = [p[1] for p in points]
                plt.plot(xs, ys, label=name)
            plt.title(f"{out.exercise.id}: last check")
        plot.refresh()


def to_markdown(doc: str) -> str:
    """An exercise docstring as Markdown: indented blocks become fenced Python code.

    Naming the language matters: for an unfenced block Textual asks Pygments to guess it, and that
    loads every lexer there is (about 2 s).
    """
    out: list[str] = []
    block: list[str] = []
    lines = doc.splitlines()

    def flush() -> None:
        while block and not block[-1].strip():
            block.pop()
        if block:
            import textwrap

            out.extend(["```python", *textwrap.dedent("\n".join(block)).splitlines(), "```", ""])
        block.clear()

    for i, line in enumerate(lines):
        indented = line.startswith("    ") and line.strip()
        prev = out[-1].strip() if out else ""
        after_heading = bool(prev) and set(prev) <= {"-"} or bool(prev) and set(prev) <= {"="}
        if indented and (block or not prev or after_heading):
            block.append(line)
        elif block and not line.strip():
            block.append(line)
        else:
            flush()
            out.append(line)
    flush()
    return "\n".join(out)


def _walk(node: Any) -> Any:
    yield node
    for child in node.children:
        yield from _walk(child)
