"""course.toml: the curriculum manifest, loaded once into typed objects.

The file has a ``[course]`` table, an array of ``[[parts]]`` and an array of
``[[exercises]]``. One exercise's three files sit at mirrored paths derived from
its ``file`` key (``file = "01_foundations/linear_regression.py"``)::

    exercises/01_foundations/linear_regression.py                 the stub
    solutions/01_foundations/linear_regression.py                 the reference solution
    grader/specs/01_foundations/test_linear_regression.py         the hidden spec
    grader/specs/01_foundations/mutants/linear_regression_<m>.py  one file per mutant <m>

``stub``, ``solution`` and ``spec`` may be given explicitly to override the
convention. Every problem is reported as one ``CourseError`` naming the file,
the line where it can be found, the key, what was expected and, for misspelt
names, what was probably meant.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import CourseError, did_you_mean

MANIFEST_NAME = "course.toml"
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TIERS = ("cpu", "gpu")

COURSE_KEYS = {"title", "version", "description"}
PART_KEYS = {"id", "title", "dir", "description"}
EXERCISE_KEYS = {
    "id", "title", "part", "section", "file", "stub", "solution", "spec", "mutants",
    "topics", "hints", "prerequisites", "timeout", "points", "tier", "core", "memory_mb", "notebook",
    "full_timeout",
}
TOP_KEYS = {"course", "parts", "exercises"}
# A learner's module is imported under its file name: it must not shadow these.
RESERVED_MODULES = set(getattr(sys, "stdlib_module_names", ())) | {
    "numpy", "scipy", "torch", "sklearn", "pandas", "matplotlib", "transformers", "peft", "faiss", "tokenizers",
    "pytest", "grader", "typer", "rich", "textual", "nbformat", "watchfiles", "datasets", "langchain", "accelerate",
}

DEFAULT_TIMEOUT = 60.0
DEFAULT_POINTS = 10
DEFAULT_MEMORY_MB = 6144


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    dir: str
    description: str = ""


@dataclass(frozen=True)
class Mutant:
    name: str
    path: Path


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    part: str
    section: str
    file: str  # path relative to exercises/ (and to the workspace's exercises/)
    stub: Path
    solution: Path
    spec: Path
    mutants: tuple[Mutant, ...] = ()
    topics: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] | None = None  # None: the default rule applies
    timeout: float = DEFAULT_TIMEOUT
    full_timeout: float = 0.0  # extra seconds the full tier (`course check --full`) may take
    points: int = DEFAULT_POINTS
    tier: str = "cpu"
    core: bool = True
    memory_mb: int = DEFAULT_MEMORY_MB
    notebook: bool = False  # offered first as a Jupyter notebook (written into the workspace with the stub)

    def stub_source(self) -> str:
        """The stub's text (a package's __init__.py for a folder exercise)."""
        path = self.stub / "__init__.py" if self.stub.is_dir() else self.stub
        return path.read_text(encoding="utf-8")


@dataclass
class Course:
    root: Path
    title: str
    version: str
    description: str
    parts: list[Part]
    exercises: list[Exercise]
    _by_id: dict[str, Exercise] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {e.id: e for e in self.exercises}

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self.exercises]

    def exercise(self, exercise_id: str) -> Exercise:
        """The exercise with this id, or a CourseError suggesting close ids."""
        try:
            return self._by_id[exercise_id]
        except KeyError:
            raise CourseError(
                f'There is no exercise "{exercise_id}".{did_you_mean(exercise_id, self.ids)}',
                "Run `course list` to see every exercise id.",
            ) from None

    def part(self, part_id: str) -> Part:
        return next(p for p in self.parts if p.id == part_id)

    def part_exercises(self, part_id: str) -> list[Exercise]:
        return [e for e in self.exercises if e.part == part_id]

    def prerequisites(self, ex: Exercise) -> tuple[str, ...]:
        """The ids that must pass before ``ex`` unlocks.

        Explicit ``prerequisites`` win. Otherwise: the previous exercise of the
        same part; for a part's first exercise, the core exercises of the
        previous part (so a part opens when the one before it is done).
        """
        if ex.prerequisites is not None:
            return ex.prerequisites
        siblings = self.part_exercises(ex.part)
        i = siblings.index(ex)
        if i > 0:
            return (siblings[i - 1].id,)
        part_ids = [p.id for p in self.parts]
        j = part_ids.index(ex.part)
        if j == 0:
            return ()
        return tuple(e.id for e in self.part_exercises(part_ids[j - 1]) if e.core)


# --------------------------------------------------------------------------- loading


def default_root() -> Path:
    """The course folder: $COURSE_ROOT, else the folder holding this package."""
    env = os.environ.get("COURSE_ROOT")
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parent.parent


class _Locator:
    """Finds the line of a table or key in the manifest text, for error messages."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def _headers(self, array: str) -> list[int]:
        pat = re.compile(rf"^\s*\[\[\s*{array}\s*\]\]")
        return [i for i, line in enumerate(self.lines) if pat.match(line)]

    def where(self, array: str | None, index: int | None = None, key: str | None = None) -> str:
        start, end = 0, len(self.lines)
        if array == "course":
            pat = re.compile(r"^\s*\[\s*course\s*\]")
            hits = [i for i, line in enumerate(self.lines) if pat.match(line)]
            if hits:
                start = hits[0]
                nxt = [i for i, line in enumerate(self.lines) if i > start and line.lstrip().startswith("[")]
                end = nxt[0] if nxt else end
        elif array is not None and index is not None:
            heads = self._headers(array)
            if index < len(heads):
                start = heads[index]
                nxt = [i for i, line in enumerate(self.lines) if i > start and line.lstrip().startswith("[")]
                end = nxt[0] if nxt else end
        line = start
        if key is not None:
            pat = re.compile(rf"^\s*{re.escape(key)}\s*=")
            for i in range(start, end):
                if pat.match(self.lines[i]):
                    line = i
                    break
        return f"{self.path}:{line + 1}"


def load_course(root: Path | str | None = None) -> Course:
    """Load and validate ``course.toml`` under ``root`` (default: ``default_root()``)."""
    root = Path(root).resolve() if root is not None else default_root()
    path = root / MANIFEST_NAME
    if not path.is_file():
        raise CourseError(
            f"No {MANIFEST_NAME} found in {root}.",
            "Set COURSE_ROOT to the course folder (the one holding course.toml), or reinstall the course.",
        )
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        where = f"{path}:{m.group(1)}:{m.group(2)}" if m else str(path)
        raise CourseError(f"{where}: {MANIFEST_NAME} is not valid TOML: {exc}.", "Fix the syntax at that line.") from None
    return _build(root, path, data, _Locator(path, text))


def _build(root: Path, path: Path, data: dict[str, Any], loc: _Locator) -> Course:
    def fail(where: str, msg: str) -> CourseError:
        return CourseError(f"{where}: {msg}", f"Fix {MANIFEST_NAME} and run the command again.")

    def check_keys(table: dict[str, Any], allowed: set[str], array: str | None, index: int | None, what: str) -> None:
        for key in table:
            if key not in allowed:
                raise fail(loc.where(array, index, key), f'unknown key "{key}" in {what}.{did_you_mean(key, allowed)}')

    def get(table: dict[str, Any], key: str, typ: type | tuple[type, ...], array: str | None, index: int | None,
            what: str, default: Any = ..., typename: str = "") -> Any:
        if key not in table:
            if default is ...:
                raise fail(loc.where(array, index), f'{what} is missing the required key "{key}".')
            return default
        value = table[key]
        if isinstance(value, bool) and typ in (int, float, (int, float)):
            ok = False
        else:
            ok = isinstance(value, typ)
        if not ok:
            name = typename or (typ.__name__ if isinstance(typ, type) else " or ".join(t.__name__ for t in typ))
            raise fail(loc.where(array, index, key), f'"{key}" in {what} must be {name}, got {value!r}.')
        return value

    def str_list(table: dict[str, Any], key: str, array: str, index: int, what: str) -> tuple[str, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(loc.where(array, index, key), f'"{key}" in {what} must be a list of strings, got {value!r}.')
        return tuple(value)

    def inside(rel: str, where: str, key: str) -> Path:
        p = Path(rel)
        full = (root / p).resolve()
        if p.is_absolute() or not full.is_relative_to(root):
            raise fail(where, f'"{key}" = "{rel}" leaves the course folder; paths must stay inside {root}.')
        return full

    check_keys(data, TOP_KEYS, None, None, MANIFEST_NAME)
    meta = data.get("course")
    if not isinstance(meta, dict):
        raise fail(str(path), "the [course] table is missing (title, version, description).")
    check_keys(meta, COURSE_KEYS, "course", None, "[course]")
    title = get(meta, "title", str, "course", None, "[course]")
    version = get(meta, "version", str, "course", None, "[course]")
    description = get(meta, "description", str, "course", None, "[course]", default="")

    raw_parts = data.get("parts", [])
    if not isinstance(raw_parts, list) or not raw_parts:
        raise fail(str(path), "there must be at least one [[parts]] table.")
    parts: list[Part] = []
    for i, t in enumerate(raw_parts):
        what = f"parts[{i}]"
        check_keys(t, PART_KEYS, "parts", i, what)
        pid = get(t, "id", str, "parts", i, what)
        if not ID_PATTERN.match(pid):
            raise fail(loc.where("parts", i, "id"), f'part id "{pid}" must be lowercase letters, digits and dashes.')
        if any(p.id == pid for p in parts):
            raise fail(loc.where("parts", i, "id"), f'duplicate part id "{pid}".')
        parts.append(Part(pid, get(t, "title", str, "parts", i, what), get(t, "dir", str, "parts", i, what, default=pid),
                          get(t, "description", str, "parts", i, what, default="")))
    part_ids = [p.id for p in parts]

    raw_ex = data.get("exercises", [])
    if not isinstance(raw_ex, list):
        raise fail(str(path), "[[exercises]] must be an array of tables.")
    exercises: list[Exercise] = []
    seen: dict[str, int] = {}
    for i, t in enumerate(raw_ex):
        what = f"exercises[{i}]"
        check_keys(t, EXERCISE_KEYS, "exercises", i, what)
        eid = get(t, "id", str, "exercises", i, what)
        what = f'exercise "{eid}"'
        if not ID_PATTERN.match(eid):
            raise fail(loc.where("exercises", i, "id"), f'exercise id "{eid}" must be lowercase letters, digits and dashes (e.g. "linear-regression").')
        if eid in seen:
            raise fail(loc.where("exercises", i, "id"), f'duplicate exercise id "{eid}" (first used by exercises[{seen[eid]}]).')
        seen[eid] = i
        part = get(t, "part", str, "exercises", i, what)
        if part not in part_ids:
            raise fail(loc.where("exercises", i, "part"), f'{what} names part "{part}", which is not declared.{did_you_mean(part, part_ids)}')
        file = get(t, "file", str, "exercises", i, what)
        if not file.endswith(".py") and not t.get("stub"):
            raise fail(loc.where("exercises", i, "file"), f'"file" in {what} must name a .py file, got "{file}".')
        rel = Path(file)
        stem, parent = rel.stem, rel.parent
        if stem in RESERVED_MODULES:
            raise fail(loc.where("exercises", i, "file"), f'"{file}" would be imported as the module "{stem}", which '
                       f'hides the library of that name; rename the file (e.g. "{parent / (stem + "_exercise.py")}").')
        stub = inside(get(t, "stub", str, "exercises", i, what, default=f"exercises/{file}"), loc.where("exercises", i, "stub"), "stub")
        inside(f"exercises/{file}", loc.where("exercises", i, "file"), "file")
        solution = inside(get(t, "solution", str, "exercises", i, what, default=f"solutions/{file}"), loc.where("exercises", i, "solution"), "solution")
        spec = inside(get(t, "spec", str, "exercises", i, what, default=f"grader/specs/{parent}/test_{stem}.py"), loc.where("exercises", i, "spec"), "spec")
        mutant_names = str_list(t, "mutants", "exercises", i, what) or ()
        # A folder exercise (a multi-file project) has folder mutants: mutants/<stem>_<m>/
        suffix = ".py" if file.endswith(".py") else ""
        mutants = tuple(
            Mutant(m, inside(f"grader/specs/{parent}/mutants/{stem}_{m}{suffix}", loc.where("exercises", i, "mutants"), "mutants"))
            for m in mutant_names
        )
        for label, p in [("stub", stub), ("solution", solution), ("spec", spec)] + [(f'mutant "{m.name}"', m.path) for m in mutants]:
            if not p.exists():
                raise fail(loc.where("exercises", i, "file"), f"the {label} of {what} is missing: {p.relative_to(root) if p.is_relative_to(root) else p} does not exist.")
        tier = get(t, "tier", str, "exercises", i, what, default="cpu")
        if tier not in TIERS:
            raise fail(loc.where("exercises", i, "tier"), f'"tier" in {what} must be "cpu" or "gpu", got "{tier}".{did_you_mean(tier, TIERS)}')
        timeout = float(get(t, "timeout", (int, float), "exercises", i, what, default=DEFAULT_TIMEOUT, typename="a number of seconds"))
        if timeout <= 0:
            raise fail(loc.where("exercises", i, "timeout"), f'"timeout" in {what} must be positive, got {timeout}.')
        full_timeout = float(get(t, "full_timeout", (int, float), "exercises", i, what, default=0, typename="a number of seconds"))
        if full_timeout < 0:
            raise fail(loc.where("exercises", i, "full_timeout"), f'"full_timeout" in {what} must not be negative, got {full_timeout}.')
        points = get(t, "points", int, "exercises", i, what, default=DEFAULT_POINTS, typename="a whole number")
        if points < 0:
            raise fail(loc.where("exercises", i, "points"), f'"points" in {what} must not be negative.')
        memory_mb = get(t, "memory_mb", int, "exercises", i, what, default=DEFAULT_MEMORY_MB, typename="a whole number of MiB (0: no cap)")
        exercises.append(Exercise(
            id=eid,
            title=get(t, "title", str, "exercises", i, what),
            part=part,
            section=get(t, "section", str, "exercises", i, what, default=""),
            file=file,
            stub=stub,
            solution=solution,
            spec=spec,
            mutants=mutants,
            topics=str_list(t, "topics", "exercises", i, what) or (),
            hints=str_list(t, "hints", "exercises", i, what) or (),
            prerequisites=str_list(t, "prerequisites", "exercises", i, what),
            timeout=timeout,
            full_timeout=full_timeout,
            points=points,
            tier=tier,
            core=get(t, "core", bool, "exercises", i, what, default=tier == "cpu", typename="true or false"),
            memory_mb=memory_mb,
            notebook=get(t, "notebook", bool, "exercises", i, what, default=False, typename="true or false"),
        ))

    # Two exercises writing to one learner file would overwrite each other's work.
    files: dict[str, str] = {}
    for i, e in enumerate(exercises):
        if e.file in files:
            raise fail(loc.where("exercises", i, "file"), f'exercises "{files[e.file]}" and "{e.id}" share the file "{e.file}".')
        files[e.file] = e.id

    course = Course(root, title, version, description, parts, exercises)
    for i, e in enumerate(exercises):
        for p in e.prerequisites or ():
            if p not in seen:
                raise fail(loc.where("exercises", i, "prerequisites"), f'exercise "{e.id}" requires "{p}", which does not exist.{did_you_mean(p, seen)}')
    cycle = _find_cycle(course)
    if cycle:
        first = cycle[0]
        raise fail(loc.where("exercises", seen[first], "prerequisites"), "prerequisites form a cycle: " + " -> ".join(cycle) + ".")
    return course


def _find_cycle(course: Course) -> list[str] | None:
    """A cycle in the effective prerequisite graph, as a list of ids, or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {e.id: WHITE for e in course.exercises}
    stack: list[str] = []

    def visit(eid: str) -> list[str] | None:
        colour[eid] = GREY
        stack.append(eid)
        for dep in course.prerequisites(course.exercise(eid)):
            if colour[dep] == GREY:
                return stack[stack.index(dep):] + [dep]
            if colour[dep] == WHITE:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        colour[eid] = BLACK
        return None

    for e in course.exercises:
        if colour[e.id] == WHITE:
            found = visit(e.id)
            if found:
                return found
    return None
