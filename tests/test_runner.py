"""The runner against ordinary and hostile submissions: never a false pass."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from grader.runner import run_spec

SPEC = '''
import pytest

def test_one(learner):
    """adds small numbers"""
    assert learner.add(1, 2) == 3

def test_two(learner):
    """adds zeros"""
    assert learner.add(0, 0) == 0

@pytest.mark.points(2)
def test_three(learner):
    """adds negatives"""
    assert learner.add(-1, -1) == -2
'''

GOOD = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    p = tmp_path / "test_add.py"
    p.write_text(SPEC)
    return p


def grade(spec: Path, tmp_path: Path, source: str, name: str = "add.py", **kw):
    module = tmp_path / name
    module.write_text(source)
    return run_spec(spec, module, exercise_id="add", points=10, **{"timeout": 20, **kw})


def test_correct_module_passes(spec, tmp_path):
    r = grade(spec, tmp_path, GOOD)
    assert r.passed and r.score == 10 and len(r.tests) == 3
    assert [t.doc for t in r.tests] == ["adds small numbers", "adds zeros", "adds negatives"]


def test_partial_score_uses_points(spec, tmp_path):
    r = grade(spec, tmp_path, "def add(a, b):\n    return a + b if a >= 0 else 0\n")
    assert r.status == "failed" and r.score == pytest.approx(5.0)
    bad = [t for t in r.tests if not t.passed]
    assert [t.name for t in bad] == ["test_three"] and "assert" in bad[0].message


def test_stub_fails_with_the_not_implemented_message(spec, tmp_path):
    r = grade(spec, tmp_path, "def add(a, b):\n    raise NotImplementedError('write add')\n")
    assert r.status == "failed" and r.score == 0
    t = r.tests[0]
    assert "NotImplementedError: write add" in t.message
    assert t.frames and t.frames[-1].function == "add" and "raise NotImplementedError" in t.frames[-1].code


def test_traceback_is_trimmed_to_the_learner_frames(spec, tmp_path):
    r = grade(spec, tmp_path, "def helper(x):\n    return x[5]\n\ndef add(a, b):\n    return helper([a, b])\n")
    t = r.tests[0]
    assert t.message.startswith("IndexError")
    assert [f.function for f in t.frames] == ["add", "helper"]
    assert all(Path(f.file).name == "add.py" for f in t.frames)


def test_infinite_loop_times_out(spec, tmp_path):
    start = time.perf_counter()
    r = grade(spec, tmp_path, "def add(a, b):\n    while True:\n        pass\n", timeout=3)
    assert time.perf_counter() - start < 15
    assert r.status == "timeout" and not r.passed
    assert "Timed out after 3 s while running test_one" in r.reason


def test_hang_at_import_times_out(spec, tmp_path):
    r = grade(spec, tmp_path, "import time\ntime.sleep(600)\n", timeout=3)
    assert r.status == "timeout"


def test_child_processes_are_killed_with_the_group(spec, tmp_path):
    marker = tmp_path / "alive"
    sleeper = tmp_path / "sleeper.py"
    sleeper.write_text(f"import time, pathlib\ntime.sleep(4)\npathlib.Path({str(marker)!r}).write_text('x')\n")
    src = (f"import subprocess, sys\nsubprocess.Popen([sys.executable, {str(sleeper)!r}])\n"
           "def add(a, b):\n    while True:\n        pass\n")
    r = grade(spec, tmp_path, src, timeout=2)
    assert r.status == "timeout"
    time.sleep(3.5)
    assert not marker.exists(), "a grandchild process outlived the timeout"


def test_os_exit_zero_at_import_is_a_fail(spec, tmp_path):
    r = grade(spec, tmp_path, "import os\nos._exit(0)\n")
    assert r.status == "crashed" and not r.passed and "os._exit" in r.reason


def test_os_exit_zero_inside_a_test_is_a_fail(spec, tmp_path):
    r = grade(spec, tmp_path, "import os\ndef add(a, b):\n    os._exit(0)\n")
    assert r.status == "crashed" and "while running test_one" in r.reason


def test_sys_exit_at_import_is_a_fail(spec, tmp_path):
    r = grade(spec, tmp_path, "import sys\nsys.exit(0)\n")
    assert r.status == "error" and "sys.exit(0)" in r.reason


def test_sys_exit_inside_a_function_is_a_fail(spec, tmp_path):
    r = grade(spec, tmp_path, "import sys\ndef add(a, b):\n    sys.exit(0)\n")
    assert not r.passed and r.n_passed == 0


def test_segfault_is_a_fail(spec, tmp_path):
    r = grade(spec, tmp_path, "import ctypes\ndef add(a, b):\n    return ctypes.string_at(0)\n")
    assert r.status == "crashed" and "segmentation fault" in r.reason and "test_one" in r.reason


def test_huge_output_is_capped(spec, tmp_path):
    src = "def add(a, b):\n    print('x' * 1_000_000)\n    return a + b\n"
    r = grade(spec, tmp_path, src)
    assert r.passed  # printing is allowed...
    assert all(len(t.output) < 10_000 for t in r.tests)  # ...but what is kept is capped


def test_endless_output_hits_the_size_cap(spec, tmp_path):
    src = "def add(a, b):\n    while True:\n        print('x' * 1_000_000)\n"
    r = grade(spec, tmp_path, src, timeout=30, fsize_mb=20)
    assert not r.passed
    assert any("more output than the grader allows" in t.message for t in r.tests) or r.status in ("crashed", "timeout")


def test_syntax_error_shows_file_line_and_caret(spec, tmp_path):
    r = grade(spec, tmp_path, "def add(a, b)\n    return a + b\n")
    assert r.status == "error" and "SyntaxError" in r.reason and "add.py, line 1" in r.reason
    assert "def add(a, b)" in r.detail and "^" in r.detail
    assert r.tests and all(t.outcome == "error" for t in r.tests)


def test_exception_at_import(spec, tmp_path):
    r = grade(spec, tmp_path, "import numpy_does_not_exist\n")
    assert r.status == "error" and "ModuleNotFoundError" in r.reason


def test_missing_function(spec, tmp_path):
    r = grade(spec, tmp_path, "def plus(a, b):\n    return a + b\n")
    assert r.status == "failed" and "AttributeError" in r.tests[0].message and "add" in r.tests[0].message


def test_skipping_tests_from_learner_code_is_a_fail(spec, tmp_path):
    r = grade(spec, tmp_path, "import pytest\npytest.skip('nothing to see', allow_module_level=True)\n")
    assert not r.passed


def test_skip_inside_a_function_is_a_fail(spec, tmp_path):
    r = grade(spec, tmp_path, "import pytest\ndef add(a, b):\n    pytest.skip('no')\n")
    assert not r.passed and "skipped" in r.reason


def test_removing_collected_tests_is_a_fail(spec, tmp_path):
    src = ("import gc, pytest\n"
           "for o in gc.get_objects():\n"
           "    if isinstance(o, pytest.Session):\n"
           "        del o.items[1:]\n"
           "def add(a, b):\n    return a + b\n")
    r = grade(spec, tmp_path, src)
    assert not r.passed and len(r.tests) == 3


def test_a_forged_report_is_rejected(spec, tmp_path):
    src = ("import json, os, sys\n"
           "args = sys.argv\n"
           "path = args[args.index('--course-report') + 1]\n"
           "json.dump({'nonce': '', 'collected': ['x'], 'tests': [{'nodeid': 'x', 'name': 'x', 'outcome': 'passed'}],"
           " 'import_error': None, 'collect_errors': [], 'exitstatus': 0}, open(path, 'w'))\n"
           "os._exit(0)\n")
    r = grade(spec, tmp_path, src)
    assert not r.passed


def test_reading_stdin_does_not_hang(spec, tmp_path):
    start = time.perf_counter()
    r = grade(spec, tmp_path, "import sys\ndata = sys.stdin.read()\ndef add(a, b):\n    return a + b\n", timeout=10)
    assert not r.passed and "standard input" in r.reason and time.perf_counter() - start < 8
    r = grade(spec, tmp_path, "def add(a, b):\n    return int(input()) + b\n", timeout=10)
    assert not r.passed and "standard input" in r.tests[0].message


def test_memory_cap(spec, tmp_path):
    r = grade(spec, tmp_path, "def add(a, b):\n    x = bytearray(3 * 1024**3)\n    return a + b\n", memory_mb=1024)
    assert not r.passed and "MemoryError" in r.tests[0].message


def test_missing_module_file(spec, tmp_path):
    r = run_spec(spec, tmp_path / "nope.py", timeout=5)
    assert r.status == "error" and "does not exist" in r.reason


def test_a_spec_that_fails_to_load_is_reported_as_a_course_bug(tmp_path):
    spec = tmp_path / "test_broken.py"
    spec.write_text("import not_a_module_anywhere\n\ndef test_x(learner):\n    pass\n")
    r = grade(spec, tmp_path, GOOD)
    assert r.status == "error" and "bug in the course" in r.reason


def test_seed_fixture_reaches_the_spec(tmp_path):
    spec = tmp_path / "test_seed.py"
    spec.write_text("def test_s(learner, seed, rng):\n    assert seed == 7\n    assert rng.integers(0, 10**9) == "
                    "__import__('numpy').random.default_rng(7).integers(0, 10**9)\n")
    assert grade(spec, tmp_path, GOOD, seed=7).passed


def test_learner_module_is_importable_by_name(tmp_path):
    """Pickling and spawned workers need the module registered under its name."""
    spec = tmp_path / "test_pickle.py"
    spec.write_text("import pickle\n\ndef test_p(learner):\n    f = pickle.loads(pickle.dumps(learner.add))\n    assert f(1, 2) == 3\n")
    assert grade(spec, tmp_path, GOOD).passed


def test_events_stream(spec, tmp_path):
    events = []
    module = tmp_path / "add.py"
    module.write_text(GOOD)
    r = run_spec(spec, module, timeout=20, on_event=events.append)
    assert r.passed
    assert [e.split()[0] for e in events] == ["collected"] * 3 + ["start", "done"] * 3


def test_a_module_named_like_a_library_does_not_replace_it(tmp_path):
    spec = tmp_path / "test_json.py"
    spec.write_text("import json\n\ndef test_j(learner):\n    assert learner.add(1, 2) == 3\n    assert json.dumps([1]) == '[1]'\n")
    r = grade(spec, tmp_path, GOOD, name="json.py")
    assert r.passed, r.tests


def test_keyboard_interrupt_in_learner_code_is_a_fail(spec, tmp_path):
    r = grade(spec, tmp_path, "def add(a, b):\n    raise KeyboardInterrupt\n")
    assert not r.passed


def test_pytest_exit_from_learner_code_is_a_fail(spec, tmp_path):
    r = grade(spec, tmp_path, "import pytest\ndef add(a, b):\n    pytest.exit('bye', returncode=0)\n")
    assert not r.passed


def test_closing_stdout_is_a_fail(spec, tmp_path):
    r = grade(spec, tmp_path, "import os\nos.close(1)\nos.close(2)\ndef add(a, b):\n    return a + b\n")
    assert r.passed or r.status in ("crashed", "error", "failed")  # survives; never a false pass below
    r = grade(spec, tmp_path, "import os\ndef add(a, b):\n    os.close(1)\n    os.close(2)\n    return a - b\n")
    assert not r.passed


def test_deleting_the_scratch_folder_is_a_fail(spec, tmp_path):
    r = grade(spec, tmp_path, "import os, shutil\nshutil.rmtree(os.getcwd(), ignore_errors=True)\n"
                              "def add(a, b):\n    return a - b\n")
    assert not r.passed


def test_rewriting_the_spec_is_caught(spec, tmp_path):
    src = (f"from pathlib import Path\nPath({str(spec)!r}).write_text('def test_x(learner):\\n    pass\\n')\n"
           "def add(a, b):\n    return a + b\n")
    r = grade(spec, tmp_path, src)
    assert not r.passed and "spec file changed" in r.reason


def test_an_object_that_equals_everything_does_not_pass(tmp_path):
    spec = tmp_path / "test_eq.py"
    spec.write_text("from grader.testing import assert_equal, assert_close\n\n"
                    "def test_eq(learner):\n    assert_equal(learner.add(1, 2), 3)\n\n"
                    "def test_close(learner):\n    assert_close(learner.add(1, 2), 3.0)\n")
    src = "class Any:\n    def __eq__(self, other):\n        return True\n    __ne__ = lambda s, o: False\n\ndef add(a, b):\n    return Any()\n"
    r = grade(spec, tmp_path, src)
    assert not r.passed and r.n_passed == 0


TIERED = '''
import pytest

def test_cpu(learner, full_tier):
    """the CPU tier"""
    assert learner.add(1, 2) == 3 and full_tier is False

@pytest.mark.full
def test_gpu(learner, full_tier):
    """the full tier"""
    assert full_tier is True
    assert learner.BIG
'''


def test_the_full_tier_runs_only_when_asked(tmp_path):
    spec = tmp_path / "test_tiers.py"
    spec.write_text(TIERED.replace(" and full_tier is False", ""))
    r = grade(spec, tmp_path, GOOD + "BIG = False\n")
    assert r.passed and [t.name for t in r.tests] == ["test_cpu"], "without --full the full tier is not collected"
    r = grade(spec, tmp_path, GOOD + "BIG = False\n", full=True)
    assert not r.passed and [t.name for t in r.tests] == ["test_cpu", "test_gpu"]
    r = grade(spec, tmp_path, GOOD + "BIG = True\n", full=True)
    assert r.passed and r.score == 10


def test_full_tier_fixture_tells_the_spec(tmp_path):
    spec = tmp_path / "test_tiers.py"
    spec.write_text(TIERED)
    assert grade(spec, tmp_path, GOOD + "BIG = True\n").passed
    assert not grade(spec, tmp_path, GOOD + "BIG = True\n", full=True).passed  # test_cpu asserts full_tier is False


def test_maxfail_stops_at_the_first_failure(spec, tmp_path):
    r = grade(spec, tmp_path, "def add(a, b):\n    return 0\n", maxfail=1)
    assert not r.passed
    assert [t.outcome for t in r.tests] == ["failed", "not run", "not run"]


def test_timeout_scale_stretches_every_limit(monkeypatch):
    from grader.manifest import Exercise
    from grader.runner import time_limit

    ex = Exercise(id="x", title="x", part="p", section="s", file=Path("x.py"), stub=Path("x.py"),
                  solution=Path("x.py"), spec=Path("test_x.py"), timeout=30, full_timeout=100)
    monkeypatch.setenv("COURSE_TIMEOUT_SCALE", "1")
    assert time_limit(ex) == 30 and time_limit(ex, full=True) == 130
    monkeypatch.setenv("COURSE_TIMEOUT_SCALE", "2")
    assert time_limit(ex) == 60
    monkeypatch.setenv("COURSE_TIMEOUT_SCALE", "nonsense")
    assert time_limit(ex) == 30
