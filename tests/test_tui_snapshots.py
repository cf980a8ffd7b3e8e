"""Snapshot tests of the dashboard's main screens at fixed sizes (pytest-textual-snapshot).

The workspace lives at a fixed path per test so that the paths on screen are the same on every run.
Update the pictures with `pytest tests/test_tui_snapshots.py --snapshot-update` after a deliberate change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader import manifest, workspace
from grader.session import Session
from grader.tui.app import CourseApp
from tests.helpers import FIXTURES

BASE = Path("/tmp/course-snapshots")


@pytest.fixture
def fixed_session(request, monkeypatch) -> Session:
    root = BASE / request.node.name.replace("[", "-").replace("]", "")
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(FIXTURES / "mini", root / "course", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("COURSE_ROOT", str(root / "course"))
    course = manifest.load_course(root / "course")
    ws, _ = workspace.init(course, root / "ws")
    return Session(course, ws)


def test_main_screen_80x24(snap_compare, fixed_session):
    assert snap_compare(CourseApp(fixed_session), terminal_size=(80, 24))


def test_main_screen_120x36(snap_compare, fixed_session):
    assert snap_compare(CourseApp(fixed_session), terminal_size=(120, 36))


def test_welcome_screen(snap_compare, fixed_session):
    assert snap_compare(CourseApp(fixed_session, first_run=True), terminal_size=(80, 24))


def test_help_screen(snap_compare, fixed_session):
    assert snap_compare(CourseApp(fixed_session), terminal_size=(80, 24), press=["question_mark"])
