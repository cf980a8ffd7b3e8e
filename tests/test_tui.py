"""The dashboard, driven with Textual's Pilot on the fixture course (state, not pixels)."""

from __future__ import annotations

import pytest
from textual.widgets import RichLog, TextArea, Tree

from grader.tui import app as tui_app
from grader.tui.app import CourseApp
from grader.tui.screens import ConfirmScreen, HelpScreen, SolutionScreen, WelcomeScreen
from tests.helpers import solve


def leaves(app: CourseApp) -> list[str]:
    tree = app.query_one("#curriculum", Tree)
    out = []

    def walk(node):
        if node.data:
            out.append(node.data)
        for c in node.children:
            walk(c)

    walk(tree.root)
    return out


def text_of(app: CourseApp, selector: str) -> str:
    w = app.query_one(selector)
    if isinstance(w, RichLog):
        return "\n".join(line.text for line in w.lines)
    return str(w.render())


async def run_check(app: CourseApp, pilot) -> None:
    await pilot.pause()
    await pilot.press("c")
    await wait_idle(app, pilot)


async def wait_idle(app: CourseApp, pilot) -> None:
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if app.checking is None and app.queued is None:
            return
    raise AssertionError("the check did not finish")


async def test_opens_on_the_first_open_exercise(session):
    app = CourseApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.selected == "add"
        assert leaves(app) == ["add", "mul", "power"]
        assert "Add two numbers" in text_of(app, "#meta")
        assert app.query_one("#editor", TextArea).text == session.path(session.course.exercise("add")).read_text()


async def test_first_run_shows_the_welcome(session):
    app = CourseApp(session, first_run=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, WelcomeScreen)


async def test_navigate_to_a_locked_exercise(session):
    app = CourseApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down")
        await pilot.pause(0.4)  # the exercise pane follows once the cursor rests
        assert app.selected == "mul"
        assert "Locked: pass add first" in text_of(app, "#meta")


async def test_check_fail_shows_the_message(session):
    app = CourseApp(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await run_check(app, pilot)
        assert "failed" in text_of(app, "#status")
        assert "NotImplementedError: add" in text_of(app, "#log")
        assert session.state("add").status == "failing"


async def test_check_pass_unlocks_and_moves_on(session):
    solve(session, "add")
    app = CourseApp(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await run_check(app, pilot)
        assert session.state("add").status == "passed"
        assert "Unlocked" in text_of(app, "#log")
        assert app.selected == "mul"  # watch mode follows the course


async def test_second_check_is_queued_not_lost(session):
    app = CourseApp(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.action_check()
        app.action_check()  # while the first runs: queued, not dropped and not run twice at once
        assert app.checking == "add" and app.queued == "add"
        await wait_idle(app, pilot)
        assert session.state("add").record.attempts == 2


async def test_hint_reveals_one_at_a_time(session):
    app = CourseApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("h")
        await pilot.pause()
        assert "Hint 1/2: Use the + operator." in text_of(app, "#hints")
        assert "Hint 2/2" not in text_of(app, "#hints")
        await pilot.press("h")
        await pilot.pause()
        assert "Hint 2/2: return a + b" in text_of(app, "#hints")


async def test_reset_asks_first_and_keeps_a_backup(session):
    path = session.path(session.course.exercise("add"))
    path.write_text("# my attempt\n")
    app = CourseApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert path.read_text() == "# my attempt\n"
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert "NotImplementedError" in path.read_text()
        assert "NotImplementedError" in app.query_one("#editor", TextArea).text
        backups = list((session.workspace.state_dir / "backups/add").iterdir())
        assert [b.read_text() for b in backups] == ["# my attempt\n"]


async def test_solution_only_after_a_pass(session):
    app = CourseApp(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert not isinstance(app.screen, SolutionScreen)
        solve(session, "add")
        app.watching = False
        await run_check(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SolutionScreen)


async def test_filter_narrows_the_tree(session):
    app = CourseApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", "m", "u", "l")
        await pilot.pause()
        assert leaves(app) == ["mul"]
        await pilot.press("escape")
        await pilot.pause()
        assert leaves(app) == ["add", "mul", "power"]


async def test_editor_saves_atomically_and_checks_when_typing_pauses(session, monkeypatch):
    monkeypatch.setattr(tui_app, "SAVE_PAUSE", 0.05)
    app = CourseApp(session)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = app.query_one("#editor", TextArea)
        editor.text = session.course.exercise("add").solution.read_text()
        for _ in range(100):
            await pilot.pause(0.05)
            if app.checking:
                break
        await run_check(app, pilot)
        assert "return a + b" in session.path(session.course.exercise("add")).read_text()
        assert session.state("add").status == "passed"


async def test_next_open_and_help(session):
    app = CourseApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "down")
        await pilot.press("n")
        await pilot.pause()
        assert app.selected == "add"
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_exercise_text_is_rendered_as_markdown(session):
    app = CourseApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Write `add(a, b)` returning a + b." in app._text_source


async def test_a_check_error_is_a_notification_not_a_crash(session):
    app = CourseApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down")  # mul: locked
        await run_check(app, pilot)
        assert "locked" in text_of(app, "#status")


async def test_a_recorded_curve_is_plotted(session):
    session.path(session.course.exercise("add")).write_text(
        "from grader.curves import log_point\nfor i in range(4):\n    log_point('loss', 1 / (i + 1), i)\n"
        "def add(a, b):\n    return a + b\n")
    app = CourseApp(session)
    async with app.run_test(size=(100, 30)) as pilot:
        app.watching = False
        await run_check(app, pilot)
        from textual_plotext import PlotextPlot

        assert app.query_one("#curve", PlotextPlot)
        assert session.curves("add") == {"loss": [[float(i), 1 / (i + 1)] for i in range(4)]}
