"""Modal screens: first-run welcome, help, confirmation, solution."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

WELCOME = Text.assemble(
    ("Welcome to the course.\n\n", "bold"),
    "1. Pick an exercise on the left (the first open one is selected).\n",
    "2. Read its text, then write the code: press ", ("e", "bold"), " for your $EDITOR, or type in the Editor tab.\n",
    "3. Press ", ("c", "bold"), " to check it; with watch on, every save checks it.\n",
    "4. Stuck? ", ("h", "bold"), " reveals a hint. A pass unlocks the next exercise.\n",
    "5. ", ("?", "bold"), " lists every key. Your progress is saved as you go.",
)


class WelcomeScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,space", "dismiss", "Start")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(WELCOME, id="welcome-text")
            yield Button("Start", variant="primary", id="start")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self._bindings = bindings

    def compose(self) -> ComposeResult:
        text = Text("Keys\n\n", style="bold")
        for key, desc in self._bindings:
            text.append(f"{key:>8}", style="bold")
            text.append(f"  {desc}\n")
        with Vertical(id="dialog"):
            yield Static(text, id="help-text")
            yield Button("Close", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question")
            with Horizontal(id="buttons"):
                yield Button("Yes (y)", variant="error", id="yes")
                yield Button("No (n)", variant="primary", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class SolutionScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, title: str, code: str) -> None:
        super().__init__()
        self.title_text = title
        self.code = code

    def compose(self) -> ComposeResult:
        with Vertical(id="solution-dialog"):
            yield Label(self.title_text, id="solution-title")
            yield TextArea.code_editor(self.code, language="python", read_only=True, id="solution-code")
