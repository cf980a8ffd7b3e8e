"""Shared fixtures for the framework's own tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

# Under pytest-xdist each worker grades exercises in parallel: share the cores between them rather
# than let every grading child's BLAS/OpenMP pool take all of them (oversubscription slows all).
_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _workers > 1:
    _cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_var, str(max(1, _cores // _workers)))
    # Each worker grades on its share of a small, shared CI machine: give every exercise twice its
    # learner-facing time limit, so that a slow moment on CI does not read as a broken solution.
    os.environ.setdefault("COURSE_TIMEOUT_SCALE", "2")

from tests.helpers import FIXTURES


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's real workspace or home folder."""
    monkeypatch.setenv("COURSE_HOME", str(tmp_path / "default-workspace"))
    monkeypatch.delenv("COURSE_WORKSPACE", raising=False)
    monkeypatch.delenv("COURSE_ROOT", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def mini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the tiny fixture course, made the active course."""
    root = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", root, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("COURSE_ROOT", str(root))
    return root


@pytest.fixture
def session(mini: Path, tmp_path: Path):
    from grader import manifest, workspace
    from grader.session import Session

    course = manifest.load_course(mini)
    ws, _ = workspace.init(course, tmp_path / "ws")
    return Session(course, ws)

