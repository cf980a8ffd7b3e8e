"""course.toml loading and validation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.errors import CourseError
from grader.manifest import load_course
from tests.helpers import REPO


def edit(root: Path, old: str, new: str) -> None:
    p = root / "course.toml"
    text = p.read_text()
    assert old in text, old
    p.write_text(text.replace(old, new, 1))


def error_of(root: Path) -> CourseError:
    with pytest.raises(CourseError) as info:
        load_course(root)
    return info.value


def test_real_course_loads():
    course = load_course(REPO)
    assert course.title and course.parts
    assert len(set(course.ids)) == len(course.ids)
    for ex in course.exercises:
        assert ex.stub.exists() and ex.solution.exists() and ex.spec.is_file()


def test_mini_course_paths_follow_the_convention(mini):
    course = load_course(mini)
    add = course.exercise("add")
    assert add.stub == mini / "exercises/basics/add.py"
    assert add.solution == mini / "solutions/basics/add.py"
    assert add.spec == mini / "grader/specs/basics/test_add.py"
    assert [m.path for m in add.mutants] == [mini / "grader/specs/basics/mutants/add_sub.py",
                                             mini / "grader/specs/basics/mutants/add_off_by_one.py"]
    assert add.hints and add.timeout == 20 and add.points == 10 and add.tier == "cpu" and add.core


def test_default_prerequisites(mini):
    course = load_course(mini)
    assert course.prerequisites(course.exercise("add")) == ()
    assert course.prerequisites(course.exercise("mul")) == ("add",)
    # A part's first exercise waits for the previous part's core exercises.
    assert course.prerequisites(course.exercise("power")) == ("add", "mul")


def test_unknown_key_names_line_and_suggests(mini):
    edit(mini, "hints = [\"Use *.\"", "hint = [\"Use *.\"")
    e = error_of(mini)
    assert 'unknown key "hint"' in e.message and 'Did you mean "hints"' in e.message
    line = int(re.search(r"course.toml:(\d+)", e.message).group(1))
    assert (mini / "course.toml").read_text().splitlines()[line - 1].startswith("hint =")


def test_duplicate_ids(mini):
    edit(mini, 'id = "mul"', 'id = "add"')
    assert 'duplicate exercise id "add"' in error_of(mini).message


def test_missing_file(mini):
    (mini / "solutions/basics/mul.py").unlink()
    e = error_of(mini)
    assert "solution" in e.message and "solutions/basics/mul.py does not exist" in e.message


def test_missing_mutant(mini):
    edit(mini, 'mutants = ["add", "square"]', 'mutants = ["add", "cube"]')
    assert "mul_cube.py does not exist" in error_of(mini).message


def test_prerequisite_cycle(mini):
    edit(mini, 'file = "basics/add.py"', 'file = "basics/add.py"\nprerequisites = ["mul"]')
    e = error_of(mini)
    assert "cycle" in e.message and "add" in e.message and "mul" in e.message


def test_unknown_prerequisite_suggests(mini):
    edit(mini, 'file = "basics/mul.py"', 'file = "basics/mul.py"\nprerequisites = ["ad"]')
    e = error_of(mini)
    assert 'requires "ad"' in e.message and 'Did you mean "add"' in e.message


def test_path_leaving_the_root(mini):
    edit(mini, 'file = "basics/mul.py"', 'file = "basics/mul.py"\nspec = "../../etc/passwd"')
    assert "leaves the course folder" in error_of(mini).message


def test_absolute_path_rejected(mini):
    edit(mini, 'file = "basics/mul.py"', 'file = "basics/mul.py"\nsolution = "/etc/hostname"')
    assert "leaves the course folder" in error_of(mini).message


def test_toml_syntax_error_has_line(mini):
    p = mini / "course.toml"
    p.write_text(p.read_text() + "\n[[exercises]\n")
    e = error_of(mini)
    assert "not valid TOML" in e.message and re.search(r"course.toml:\d+:\d+", e.message)


def test_unknown_part_suggests(mini):
    edit(mini, 'part = "more"', 'part = "mor"')
    e = error_of(mini)
    assert 'part "mor"' in e.message and 'Did you mean "more"' in e.message


def test_wrong_type(mini):
    edit(mini, "timeout = 20\npoints = 5", 'timeout = "fast"\npoints = 5')
    e = error_of(mini)
    assert '"timeout"' in e.message and "number of seconds" in e.message


def test_bad_tier(mini):
    edit(mini, 'file = "more/power.py"', 'file = "more/power.py"\ntier = "gpus"')
    e = error_of(mini)
    assert '"tier"' in e.message and 'Did you mean "gpu"' in e.message


def test_bad_id(mini):
    edit(mini, 'id = "mul"', 'id = "Mul Two"')
    assert "lowercase letters" in error_of(mini).message


def test_no_manifest(tmp_path):
    e = error_of(tmp_path)
    assert "No course.toml" in e.message and e.fix


def test_unknown_exercise_suggests(mini):
    course = load_course(mini)
    with pytest.raises(CourseError) as info:
        course.exercise("mull")
    assert 'Did you mean "mul"' in info.value.message


def test_gpu_tier_is_not_core_by_default(mini):
    edit(mini, 'file = "more/power.py"', 'file = "more/power.py"\ntier = "gpu"')
    power = load_course(mini).exercise("power")
    assert power.tier == "gpu" and not power.core


def test_a_file_that_would_shadow_a_library_is_refused(mini):
    for sub in ("exercises", "solutions"):
        (mini / sub / "basics/random.py").write_text((mini / sub / "basics/mul.py").read_text())
    (mini / "grader/specs/basics/test_random.py").write_text("")
    edit(mini, 'file = "basics/mul.py"', 'file = "basics/random.py"')
    (mini / "course.toml").write_text((mini / "course.toml").read_text().replace('mutants = ["add", "square"]', ""))
    assert 'imported as the module "random"' in error_of(mini).message


def _folder_exercise(root: Path) -> None:
    """A multi-file project: a package the learner fills in, with folder mutants."""
    pkg = {"__init__.py": '"""Project: add through a helper module."""\nfrom .ops import add\n',
           "ops.py": "def add(a, b):\n    return a + b\n"}
    for where, body in [("exercises", "raise NotImplementedError"), ("solutions", None),
                        ("grader/specs/more/mutants/proj_sub", "return a - b")]:
        d = root / where / ("more/proj" if not where.startswith("grader") else "")
        d.mkdir(parents=True, exist_ok=True)
        (d / "__init__.py").write_text(pkg["__init__.py"])
        (d / "ops.py").write_text(pkg["ops.py"] if body is None else f"def add(a, b):\n    {body}\n")
    (root / "grader/specs/more/mutants/proj_sub/MUTANT.txt").write_text("Mutant: subtracts.\n")
    (root / "grader/specs/more/test_proj.py").write_text(
        "".join(f"def test_{i}(learner):\n    '''adds'''\n    assert learner.add({i}, 1) == {i + 1}\n" for i in range(5)))
    with open(root / "course.toml", "a") as f:
        f.write('\n[[exercises]]\nid = "proj"\ntitle = "A project"\npart = "more"\nsection = "Projects"\n'
                'file = "more/proj"\nstub = "exercises/more/proj"\ntopics = ["packages"]\n'
                'hints = ["one", "two"]\nmutants = ["sub", "sub"]\ntimeout = 20\nfull_timeout = 30\n')


def test_a_folder_exercise_has_folder_mutants_and_verifies(mini):
    from grader.verify import mutant_doc, verify

    _folder_exercise(mini)
    course = load_course(mini)
    ex = course.exercise("proj")
    assert ex.stub.is_dir() and ex.solution.is_dir() and ex.full_timeout == 30
    assert ex.mutants[0].path == mini / "grader/specs/more/mutants/proj_sub" and ex.mutants[0].path.is_dir()
    assert mutant_doc(ex.mutants[0].path) == "Mutant: subtracts."
    assert "Project: add" in course.exercise("proj").stub_source()
    (verdict,) = verify(course, ["proj"], jobs=1, warm=False)
    assert verdict.ok, verdict.problems


def test_negative_full_timeout_is_refused(mini):
    edit(mini, "timeout = 20\n", "timeout = 20\nfull_timeout = -1\n")
    assert "full_timeout" in str(error_of(mini))
