"""A real-terminal smoke test: the dashboard under tmux, driven with send-keys, read with capture-pane."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")


def screen(name: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout


def wait_for(name: str, text: str, timeout: float = 40.0) -> str:
    end = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < end:
        shown = screen(name)
        if text in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")


def test_dashboard_in_tmux(mini, tmp_path):
    name = f"course-{uuid.uuid4().hex[:8]}"
    env = {"COURSE_ROOT": str(mini), "COURSE_HOME": str(tmp_path / "ws"), "TERM": "xterm-256color"}
    cmd = " ".join(f"{k}={v}" for k, v in env.items()) + f" {sys.executable} -m grader.cli tui"
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "100", "-y", "30", cmd], check=True)
    try:
        wait_for(name, "Welcome to the course")
        subprocess.run(["tmux", "send-keys", "-t", name, "Enter"], check=True)
        end = time.monotonic() + 20
        while "Welcome to the course" in screen(name) and time.monotonic() < end:
            time.sleep(0.2)
        wait_for(name, "Add two numbers")
        subprocess.run(["tmux", "send-keys", "-t", name, "h"], check=True)
        wait_for(name, "Hint 1/2")
        subprocess.run(["tmux", "send-keys", "-t", name, "c"], check=True)
        wait_for(name, "Not yet")
        subprocess.run(["tmux", "send-keys", "-t", name, "q"], check=True)
        end = time.monotonic() + 15
        while time.monotonic() < end:
            alive = subprocess.run(["tmux", "has-session", "-t", name], capture_output=True).returncode == 0
            if not alive:
                break
            time.sleep(0.2)
        assert not alive, "the dashboard did not quit on q"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
