"""The grader's pytest plugin, tested with pytest's own pytester."""

from __future__ import annotations

import json

pytest_plugins = ["pytester"]


def test_plugin_records_structured_results(pytester):
    learner = pytester.makepyfile(mod="def double(x):\n    return 2 * x\n")
    pytester.makepyfile(test_spec='''
import pytest

def test_ok(learner):
    """doubles 2"""
    assert learner.double(2) == 4

@pytest.mark.points(3)
def test_bad(learner):
    """doubles 3 wrongly on purpose"""
    assert learner.double(3) == 7, "expected 7"
''')
    report = pytester.path / "report.json"
    result = pytester.runpytest("-p", "grader.plugin", "test_spec.py", f"--course-module={learner}", f"--course-report={report}")
    result.assert_outcomes(passed=1, failed=1)
    data = json.loads(report.read_text())
    assert data["collected"] == ["test_spec.py::test_ok", "test_spec.py::test_bad"]
    by_name = {t["name"]: t for t in data["tests"]}
    assert by_name["test_ok"]["outcome"] == "passed" and by_name["test_ok"]["doc"] == "doubles 2"
    assert by_name["test_bad"]["outcome"] == "failed" and by_name["test_bad"]["points"] == 3.0
    assert by_name["test_bad"]["message"].startswith("expected 7")


def test_import_error_is_reported_once_for_all_tests(pytester):
    learner = pytester.makepyfile(mod="raise ValueError('boom')\n")
    pytester.makepyfile(test_spec="def test_a(learner):\n    pass\n\ndef test_b(learner):\n    pass\n")
    report = pytester.path / "report.json"
    result = pytester.runpytest("-p", "grader.plugin", "test_spec.py", f"--course-module={learner}", f"--course-report={report}")
    result.assert_outcomes(errors=2)
    data = json.loads(report.read_text())
    assert "ValueError: boom" in data["import_error"]["reason"]
    assert all(t["outcome"] == "error" for t in data["tests"])


def test_without_a_module_option_the_spec_says_how(pytester):
    pytester.makepyfile(test_spec="def test_a(learner):\n    pass\n")
    result = pytester.runpytest("-p", "grader.plugin", "test_spec.py")
    result.stdout.fnmatch_lines(["*--course-module*"])
