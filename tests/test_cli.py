"""The `course` command line, through Typer's CliRunner on the fixture course."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app

runner = CliRunner()


def course(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def ws(mini, tmp_path) -> Path:
    return (tmp_path / "default-workspace").resolve()


def write_solution(mini: Path, ws: Path, rel: str) -> None:
    (ws / "exercises" / rel).write_text((mini / "solutions" / rel).read_text())


def test_bare_course_creates_the_workspace_and_shows_exercise_one(ws):
    r = course()
    assert r.exit_code == 0, r.output
    assert "Created your course workspace at" in r.output and str(ws) in r.output.replace("\n", "")
    assert "Add two numbers" in r.output and "Write `add(a, b)` returning a + b." in r.output
    assert (ws / "exercises/basics/add.py").is_file()
    r = course()
    assert "Created" not in r.output and "Add two numbers" in r.output


def test_version():
    r = course("--version")
    assert r.exit_code == 0 and r.output.startswith("course ")


def test_check_fail_then_pass_unlocks(mini, ws):
    course()
    r = course("check")
    assert r.exit_code == 1
    assert "NotImplementedError: add" in r.output and "0/5 tests passed" in r.output
    write_solution(mini, ws, "basics/add.py")
    r = course("check")
    assert r.exit_code == 0, r.output
    assert "Passed: all 5 tests" in r.output and "Unlocked: Multiply two numbers (mul)" in r.output
    assert (ws / "solutions/basics/add.py").read_text() == (mini / "solutions/basics/add.py").read_text()
    r = course("next")
    assert "Multiply two numbers" in r.output


def test_check_json(mini, ws):
    course()
    write_solution(mini, ws, "basics/add.py")
    r = course("check", "add", "--json")
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert data["passed"] and data["status"] == "passed" and data["unlocked"] == ["mul"] and len(data["tests"]) == 5


def test_check_syntax_error_shows_caret(ws):
    course()
    (ws / "exercises/basics/add.py").write_text("def add(a, b)\n    return a + b\n")
    r = course("check")
    assert r.exit_code == 1
    assert "SyntaxError" in r.output and "add.py, line 1" in r.output and "^" in r.output


def test_locked_exercise_is_refused_with_the_reason(ws):
    course()
    r = course("check", "power")
    assert r.exit_code == 2 and "locked" in r.output and "add, mul" in r.output


def test_unknown_id_suggests(ws):
    r = course("check", "mull")
    assert r.exit_code == 2 and 'There is no exercise "mull". Did you mean "mul"?' in r.output
    assert "Traceback" not in r.output


def test_list_and_json(mini, ws):
    r = course("list")
    assert r.exit_code == 0 and "Basics" in r.output and "locked" in r.output and "open" in r.output
    data = json.loads(course("list", "--json").output)
    statuses = {e["id"]: e["status"] for p in data["parts"] for e in p["exercises"]}
    assert statuses == {"add": "open", "mul": "locked", "power": "locked"}


def test_hints_are_revealed_one_by_one(ws):
    r = course("hint")
    assert "Hint 1/2: Use the + operator." in r.output and "Hint 2/2" not in r.output
    r = course("hint")
    assert "Hint 1/2" in r.output and "Hint 2/2: return a + b" in r.output and "last hint" in r.output
    data = json.loads((ws / ".course/progress.json").read_text())
    assert data["exercises"]["add"]["hints_revealed"] == 2


def test_reset_needs_confirmation_and_keeps_a_backup(ws):
    course()
    (ws / "exercises/basics/add.py").write_text("# my attempt\n")
    r = runner.invoke(app, ["reset", "add"], input="n\n")
    assert r.exit_code != 0 and (ws / "exercises/basics/add.py").read_text() == "# my attempt\n"
    r = course("reset", "add", "--yes")
    assert r.exit_code == 0 and "previous version is kept" in r.output
    backups = list((ws / ".course/backups/add").iterdir())
    assert len(backups) == 1 and backups[0].read_text() == "# my attempt\n"
    assert "NotImplementedError" in (ws / "exercises/basics/add.py").read_text()


def test_solution_is_refused_before_a_pass(mini, ws):
    r = course("solution", "add")
    assert r.exit_code == 2 and "has not passed yet" in r.output and "--force" in r.output
    r = course("solution", "add", "--force")
    assert r.exit_code == 0 and "return a + b" in r.output and "Warning" in r.output
    data = json.loads((ws / ".course/progress.json").read_text())
    assert data["exercises"]["add"]["solution_viewed"] is True


def test_corrupt_progress_is_one_clear_error(ws):
    course()
    (ws / ".course/progress.json").write_text('{"format": "course-progress", "vers')
    r = course("list")
    assert r.exit_code == 2 and "cannot be read" in r.output and "--reset-progress" in r.output
    assert "Traceback" not in r.output
    r = course("doctor", "--reset-progress")
    assert r.exit_code == 0 and "fresh progress record" in r.output
    assert course("list").exit_code == 0
    assert list((ws / ".course").glob("progress.json.corrupt-*")) and list((ws / ".course").glob("progress.json.reset-*"))


def test_bad_manifest_is_one_clear_error(mini):
    p = mini / "course.toml"
    p.write_text(p.read_text().replace("hints = [\"Use *.\"", "hint = [\"Use *.\""))
    r = course("list")
    assert r.exit_code == 2 and 'unknown key "hint"' in r.output and "Traceback" not in r.output


def test_explicit_workspace_option(mini, tmp_path):
    r = course("init", str(tmp_path / "mine"))
    assert r.exit_code == 0 and "Created" in r.output
    r = course("--workspace", str(tmp_path / "mine"), "list", "--json")
    assert json.loads(r.output)["workspace"] == str((tmp_path / "mine").resolve())
    r = course("--workspace", str(tmp_path / "nothing"), "list")
    assert r.exit_code == 2 and "not a course workspace" in r.output


def test_verify_passes_on_the_fixture_course(mini):
    r = course("verify", "--jobs", "2")
    assert r.exit_code == 0, r.output
    assert "3 of 3 exercises verified" in r.output


def test_verify_catches_a_mutant_that_survives(mini):
    # A spec that cannot tell adding from multiplying, on the only input where they agree.
    (mini / "grader/specs/basics/test_mul.py").write_text(
        "".join(f"def test_{i}(learner):\n    assert learner.mul(2, 2) == 4\n\n" for i in range(5)))
    r = course("verify", "mul", "--jobs", "2")
    assert r.exit_code == 1
    assert "mutant add passes the spec (Mutant: adds.)" in r.output


def test_verify_catches_a_stub_that_passes_and_a_wrong_solution(mini):
    (mini / "exercises/basics/add.py").write_text((mini / "solutions/basics/add.py").read_text())
    (mini / "solutions/basics/mul.py").write_text("def mul(a, b):\n    return a + b\n")
    r = course("verify", "add", "mul", "-j", "2")
    assert r.exit_code == 1
    assert "add: the stub passes its spec" in r.output
    assert "mul: the reference solution fails" in r.output


def test_doctor_reports(mini, ws):
    r = course("doctor")
    assert "python" in r.output and "numpy" in r.output and "course" in r.output


def test_course_list_does_not_import_heavy_libraries(mini):
    code = ("import sys\nsys.argv = ['course', 'list']\nfrom grader.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in ('torch', 'transformers', 'sklearn', 'numpy', 'pandas', 'textual') if m in sys.modules)\n"
            "print('HEAVY', heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr
    out = subprocess.run([sys.executable, "-c", "import grader, grader.session, grader.cli, sys; "
                          "print(sorted(m for m in ('torch', 'transformers', 'sklearn', 'numpy') if m in sys.modules))"],
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_no_color_output_has_no_escape_codes(ws):
    r = course("list")
    assert "\x1b[" not in r.output


def test_notebook_command(mini, ws):
    course()
    r = course("notebook", "add")
    assert r.exit_code == 0 and (ws / "exercises/basics/add.ipynb").is_file()
    assert course("notebook", "add").exit_code == 2
    assert course("notebook", "add", "--force").exit_code == 0


def test_curves_are_recorded_and_plotted(mini, ws):
    course()
    (ws / "exercises/basics/add.py").write_text(
        "from grader.curves import log_point\n"
        "for i in range(5):\n    log_point('loss', 1 / (i + 1), i)\n"
        "def add(a, b):\n    return a + b\n")
    r = course("check", "--json")
    assert json.loads(r.output)["curves"]["loss"] == [[float(i), 1 / (i + 1)] for i in range(5)]
    r = course("plot", "add")
    assert r.exit_code == 0 and (ws / "plots/add.png").stat().st_size > 1000
    r = course("plot", "mul")
    assert r.exit_code == 2 and "no recorded curve" in r.output


def test_tui_without_a_terminal_is_a_clear_error(ws):
    r = course("tui")
    assert r.exit_code == 2 and "needs an interactive terminal" in r.output
