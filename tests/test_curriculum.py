"""The integrity test: `course verify` over every exercise in course.toml.

Each exercise is its own test so that pytest-xdist spreads them over the CPUs.
A failure lists every violation with what to change.
"""

from __future__ import annotations

import pytest

from grader.manifest import load_course
from grader.verify import verify
from tests.helpers import REPO

COURSE = load_course(REPO)


@pytest.fixture(scope="module")
def warm_checker():
    """One warm worker per test process, lent to every verify: each heavy library (torch,
    transformers...) is imported once per process instead of once per exercise. Every check
    still runs in its own forked child, and tests/test_worker.py proves warm == cold."""
    from grader.worker import WarmChecker

    checker = WarmChecker()
    yield checker
    checker.close()


@pytest.mark.parametrize("exercise_id", COURSE.ids)
def test_exercise_verifies(exercise_id: str, warm_checker) -> None:
    (verdict,) = verify(COURSE, [exercise_id], jobs=1, checker=warm_checker)
    if verdict.skipped:
        pytest.skip(f"{exercise_id}: {verdict.skipped}")
    assert verdict.ok, f"{exercise_id}:\n" + "\n".join(f"  - {p}" for p in verdict.problems)


def test_every_part_is_declared_and_ids_are_unique() -> None:
    assert len(COURSE.ids) == len(set(COURSE.ids))
    assert [p.id for p in COURSE.parts] == ["foundations", "neural-networks", "nlp-transformers", "llms", "capstones"]


def test_readme_holds_the_two_commands() -> None:
    text = (REPO / "README.md").read_text()
    assert "pip install -e . && course" in text
    ci = (REPO / ".ci/run").read_text()
    assert "README.md" in ci and "torch==2.13.0" in ci
