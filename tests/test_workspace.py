"""The learner's workspace: creation, discovery, sync, reset, solutions."""

from __future__ import annotations

import pytest

from grader import manifest, workspace
from grader.errors import CourseError


def test_init_copies_every_stub(mini, tmp_path):
    course = manifest.load_course(mini)
    ws, new = workspace.init(course, tmp_path / "ws")
    assert new
    for ex in course.exercises:
        assert ws.exercise_path(ex).read_text() == ex.stub.read_text()
    assert (tmp_path / "ws/.course/workspace.json").is_file()
    again, new = workspace.init(course, tmp_path / "ws")
    assert not new and again.root == ws.root


def test_init_refuses_the_course_folder(mini):
    course = manifest.load_course(mini)
    with pytest.raises(CourseError) as info:
        workspace.init(course, mini / "inside")
    assert "pristine" in info.value.message


def test_init_refuses_a_foreign_exercises_folder(mini, tmp_path):
    (tmp_path / "other/exercises").mkdir(parents=True)
    with pytest.raises(CourseError):
        workspace.init(manifest.load_course(mini), tmp_path / "other")


def test_find_order(mini, tmp_path, monkeypatch):
    course = manifest.load_course(mini)
    a, _ = workspace.init(course, tmp_path / "a")
    b, _ = workspace.init(course, tmp_path / "b")
    (tmp_path / "a/exercises/deep").mkdir(parents=True)
    assert workspace.find(start=tmp_path / "a/exercises/deep").root == a.root
    monkeypatch.setenv("COURSE_WORKSPACE", str(b.root))
    assert workspace.find(start=tmp_path / "a").root == b.root
    assert workspace.find(tmp_path / "a", start=tmp_path).root == a.root
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "nowhere"))
    with pytest.raises(CourseError) as info:
        workspace.find(start=tmp_path)
    assert "not a course workspace" in info.value.message and "course init" in info.value.fix


def test_find_falls_back_to_the_default(mini, tmp_path):
    course = manifest.load_course(mini)
    assert workspace.find(start=tmp_path) is None
    ws, _ = workspace.init(course)
    assert ws.root == (tmp_path / "default-workspace").resolve()
    assert workspace.find(start=tmp_path).root == ws.root


def test_sync_adds_new_exercises_and_keeps_edits(session):
    add = session.course.exercise("add")
    path = session.path(add)
    path.write_text("# my work\n")
    session.path(session.course.exercise("mul")).unlink()
    added = session.workspace.sync(session.course)
    assert [e.id for e in added] == ["mul"]
    assert path.read_text() == "# my work\n"


def test_reset_keeps_a_backup(session):
    add = session.course.exercise("add")
    session.path(add).write_text("def add(a, b):\n    return 42\n")
    backup = session.reset("add")
    assert backup is not None and "return 42" in backup.read_text()
    assert session.path(add).read_text() == add.stub.read_text()
    second = session.reset("add")
    assert second != backup and backup.exists()


def test_reset_of_a_deleted_file(session):
    add = session.course.exercise("add")
    session.path(add).unlink()
    assert session.reset("add") is None
    assert session.path(add).read_text() == add.stub.read_text()


def test_pristine(session):
    add = session.course.exercise("add")
    assert session.workspace.is_pristine(add)
    session.path(add).write_text("x = 1\n")
    assert not session.workspace.is_pristine(add)
