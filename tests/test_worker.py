"""The warm worker grades exactly like the cold path, and survives what learner code does."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.manifest import Exercise, load_course
from grader.runner import check_exercise
from grader.worker import WarmChecker, imports_of
from tests.helpers import REPO


def summary(r):
    return (r.status, r.reason, [(t.name, t.outcome, t.message, [(f.function, f.code) for f in t.frames]) for t in r.tests])


@pytest.fixture(scope="module")
def warm():
    w = WarmChecker()
    yield w
    w.close()


def real_cases():
    course = load_course(REPO)
    for ex in course.exercises[:4]:
        yield pytest.param(ex, ex.solution, id=f"{ex.id}-solution")
        yield pytest.param(ex, ex.stub, id=f"{ex.id}-stub")
        if ex.mutants:
            yield pytest.param(ex, ex.mutants[0].path, id=f"{ex.id}-{ex.mutants[0].name}")


@pytest.mark.parametrize(("ex", "module"), list(real_cases()))
def test_warm_and_cold_agree_on_real_exercises(warm, ex: Exercise, module: Path):
    assert summary(warm.check(ex, module)) == summary(check_exercise(ex, module))


HOSTILE = {
    "hang": "def add(a, b):\n    while True:\n        pass\n",
    "os_exit": "import os\nos._exit(0)\n",
    "segfault": "import ctypes\ndef add(a, b):\n    return ctypes.string_at(0)\n",
    "syntax": "def add(a, b)\n    return a + b\n",
    "sys_exit": "import sys\nsys.exit(0)\n",
    "state_leak": "import numpy as np\nnp.random.seed(123)\nimport builtins\nbuiltins.LEAK = 1\n"
                  "def add(a, b):\n    return a + b\n",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_code_only_takes_down_its_own_child(warm, mini, tmp_path, name):
    course = load_course(mini)
    ex = course.exercise("add")
    ex = Exercise(**{**ex.__dict__, "timeout": 3.0})
    module = tmp_path / "add.py"
    module.write_text(HOSTILE[name])
    cold = check_exercise(ex, module)
    hot = warm.check(ex, module)
    assert hot.status == cold.status and not hot.passed == (name != "state_leak")
    # The worker is still alive and clean: the next check passes and sees no leaked state.
    module.write_text("import builtins\ndef add(a, b):\n    assert not hasattr(builtins, 'LEAK')\n    return a + b\n")
    assert warm.check(ex, module).passed


def test_worker_restarts_after_being_killed(warm, mini, tmp_path):
    ex = load_course(mini).exercise("add")
    warm.check(ex, ex.solution)
    warm._proc.kill()
    warm._proc.wait()
    assert warm.check(ex, ex.solution).passed


def test_imports_of_keeps_only_heavy_allow_listed_packages(tmp_path):
    p = tmp_path / "m.py"
    p.write_text("import os\nimport numpy as np\nfrom sklearn.linear_model import Ridge\nfrom . import x\nimport antigravity\n")
    assert imports_of(p) == ["numpy", "sklearn.linear_model"]
