"""Notebook exercises: write, fill in, grade like a file."""

from __future__ import annotations

import ast
import json
import os
import time

import nbformat

from grader import notebook


def cells(path):
    return json.loads(path.read_text())["cells"]


def set_code_cell(path, index, source):
    nb = nbformat.read(str(path), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[index].source = source
    nbformat.write(nb, str(path))


def add_cell(path, source, kind="code"):
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source))
    nbformat.write(nb, str(path))


def solution_function(session, exercise_id, name):
    src = session.course.exercise(exercise_id).solution.read_text()
    tree = ast.parse(src)
    node = next(n for n in tree.body if getattr(n, "name", None) == name)
    return ast.get_source_segment(src, node)


def test_written_notebook_has_text_hints_and_one_cell_per_function(session):
    path = session.notebook("add")
    assert path.suffix == ".ipynb" and path.parent == session.path(session.course.exercise("add")).parent
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    md = [c for c in nb.cells if c.cell_type == "markdown"]
    assert "Add two numbers" in md[0].source and "Write `add(a, b)` returning a + b." in md[0].source
    assert md[1].metadata.get("heading_collapsed") and "Use the + operator." in md[2].source
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert code == ['def add(a: float, b: float) -> float:\n    """The sum of a and b."""\n    raise NotImplementedError("add")']


def test_stub_notebook_fails_and_solution_notebook_passes(session):
    path = session.notebook("add")
    out = session.check("add")
    assert not out.result.passed and out.path == path
    assert any("notebook" in (f.file) or "cell" in f.file for t in out.result.tests for f in t.frames)
    set_code_cell(path, 0, solution_function(session, "add", "add"))
    add_cell(path, "print(add(1, 2))\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nresult = add(3, 4)\n%timeit add(1, 2)")
    out = session.check("add")
    assert out.result.passed, out.result


def test_traceback_points_at_the_cell(session):
    path = session.notebook("add")
    set_code_cell(path, 0, "def add(a, b):\n    x = [a, b]\n    return x[5]\n")
    out = session.check("add")
    frames = [f for t in out.result.tests for f in t.frames]
    assert frames and frames[0].file == f"{path.name} cell 4" and frames[0].line == 3


def test_missing_function_is_named(session):
    path = session.notebook("add")
    set_code_cell(path, 0, "def plus(a, b):\n    return a + b\n")
    out = session.check("add")
    assert out.result.status == "error" and "does not define `add`" in out.result.reason


def test_syntax_error_names_cell_and_line(session):
    path = session.notebook("add")
    set_code_cell(path, 0, "def add(a, b)\n    return a + b\n")
    out = session.check("add")
    assert out.result.status == "error" and "cell 4, line 1" in out.result.reason and "^" in out.result.detail


def test_the_py_file_is_graded_when_it_is_newer(session):
    path = session.notebook("add")
    py = session.path(session.course.exercise("add"))
    time.sleep(0.01)
    py.write_text(session.course.exercise("add").solution.read_text())
    os.utime(path, (time.time() - 100, time.time() - 100))
    out = session.check("add")
    assert out.path == py and out.result.passed


def test_rewriting_needs_force_and_keeps_a_backup(session):
    import pytest

    from grader.errors import CourseError

    path = session.notebook("add")
    set_code_cell(path, 0, "# mine\n")
    with pytest.raises(CourseError):
        session.notebook("add")
    session.notebook("add", force=True)
    backups = list((session.workspace.state_dir / "backups/add").iterdir())
    assert len(backups) == 1 and "# mine" in backups[0].read_text()


def test_assemble_keeps_definitions_and_the_values_they_use(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\nSCALE = 2\nunused = 5\nprint('hi')"),
        nbformat.v4.new_code_cell("table = {'a': 1}\ndef f(x):\n    return SCALE * x + table['a']\nf(3)"),
        nbformat.v4.new_code_cell("!pip install nothing\nf?\n"),
    ])
    p = tmp_path / "n.ipynb"
    nbformat.write(nb, str(p))
    mod = notebook.assemble(p)
    assert "import numpy as np" in mod.source and "SCALE = 2" in mod.source and "table = {'a': 1}" in mod.source
    assert "unused" not in mod.source and "print" not in mod.source and "f(3)" not in mod.source
    assert mod.defined == {"f"}
    ns: dict = {}
    exec(mod.source, ns)
    assert ns["f"](3) == 7


def test_an_exercise_offered_as_a_notebook_starts_in_one(mini, tmp_path):
    from grader import manifest, workspace
    from grader.session import Session

    p = mini / "course.toml"
    p.write_text(p.read_text().replace('file = "basics/add.py"', 'file = "basics/add.py"\nnotebook = true'))
    course = manifest.load_course(mini)
    ws, _ = workspace.init(course, tmp_path / "nbws")
    nb = ws.root / "exercises/basics/add.ipynb"
    assert nb.is_file() and not (ws.root / "exercises/basics/mul.ipynb").exists()
    out = Session(course, ws).check("add")
    assert out.path == nb and not out.result.passed
