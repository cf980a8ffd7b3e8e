"""The learner's workspace: their copy of the stubs, and the ``.course/`` state folder.

Layout::

    <workspace>/
      exercises/<part dir>/<name>.py   the learner's files (copies of the stubs)
      solutions/<part dir>/<name>.py   reference solutions, copied in after a pass
      .course/workspace.json           {"format": "course-workspace", "version": 1, "course_root": ..., "created": ...}
      .course/progress.json            see grader.progress
      .course/backups/<id>/            the learner's versions, kept by `course reset`

The repository's ``exercises/`` stay pristine: the learner never edits them.
Nothing in the workspace that the learner wrote is overwritten without a backup.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grader.errors import CourseError
from grader.manifest import Course, Exercise
from grader.progress import ProgressStore, now_iso

STATE_DIR = ".course"
MARKER = "workspace.json"
ENV_VAR = "COURSE_WORKSPACE"


@dataclass
class Workspace:
    root: Path

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def progress(self) -> ProgressStore:
        return ProgressStore(self.state_dir)

    def exercise_path(self, ex: Exercise) -> Path:
        return self.root / "exercises" / ex.file

    def solution_path(self, ex: Exercise) -> Path:
        return self.root / "solutions" / ex.file

    def relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    # -- files ------------------------------------------------------------------
    def sync(self, course: Course) -> list[Exercise]:
        """Copy in the stubs of exercises the workspace lacks (new ones after a course update)."""
        added = []
        for ex in course.exercises:
            dest = self.exercise_path(ex)
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                _copy(ex.stub, dest)
                added.append(ex)
                if ex.notebook and dest.is_file():
                    from grader import notebook

                    nb = notebook.notebook_path(dest)
                    notebook.write(ex, ex.stub_source(), nb)
                    # The notebook is where the learner starts: it must count as newer than the .py copy.
                    st = dest.stat()
                    os.utime(dest, ns=(st.st_atime_ns, st.st_mtime_ns - 1_000_000_000))
        return added

    def save(self, ex: Exercise, text: str) -> Path:
        """Write the learner's file atomically (the dashboard's editor saves through this)."""
        dest = self.exercise_path(ex)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.saving")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, dest)
        return dest

    def curves_path(self, ex: Exercise) -> Path:
        return self.state_dir / "curves" / f"{ex.id}.json"

    def is_pristine(self, ex: Exercise) -> bool:
        """True when the learner's file is still the stub, byte for byte."""
        path = self.exercise_path(ex)
        return path.is_file() and file_hash(path) == file_hash(ex.stub)

    def backup(self, ex: Exercise, path: Path) -> Path:
        """Keep a timestamped copy of one of the learner's files in .course/backups/<id>/."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        dest = self.state_dir / "backups" / ex.id / f"{stamp}-{path.name}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
        return dest

    def reset(self, ex: Exercise) -> Path | None:
        """Put the stub back; the learner's version is kept in .course/backups. Returns the backup."""
        dest = self.exercise_path(ex)
        backup = None
        if dest.exists():
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
            backup = self.state_dir / "backups" / ex.id / f"{stamp}-{dest.name}"
            backup.parent.mkdir(parents=True, exist_ok=True)
            if dest.is_dir():
                shutil.copytree(dest, backup)
                shutil.rmtree(dest)
            else:
                shutil.copy2(dest, backup)
        dest.parent.mkdir(parents=True, exist_ok=True)
        _copy(ex.stub, dest, overwrite=True)
        return backup

    def install_solution(self, ex: Exercise) -> Path:
        """Copy the reference solution into the workspace's solutions/ folder."""
        dest = self.solution_path(ex)
        dest.parent.mkdir(parents=True, exist_ok=True)
        _copy(ex.solution, dest, overwrite=True)
        return dest


def _copy(src: Path, dest: Path, overwrite: bool = False) -> None:
    if src.is_dir():
        if dest.exists() and overwrite:
            shutil.rmtree(dest)
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
        return
    tmp = dest.with_name(f".{dest.name}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)


def file_hash(path: Path) -> str:
    """sha256 of a file, or of a folder's .py files in name order."""
    h = hashlib.sha256()
    if path.is_dir():
        for p in sorted(path.rglob("*.py")):
            h.update(p.relative_to(path).as_posix().encode())
            h.update(p.read_bytes())
    elif path.exists():
        h.update(path.read_bytes())
    return h.hexdigest()


# ------------------------------------------------------------------ finding and creating


def default_location() -> Path:
    return Path(os.environ.get("COURSE_HOME", "~/course-workspace")).expanduser()


def is_workspace(path: Path) -> bool:
    return (path / STATE_DIR / MARKER).is_file()


def find(explicit: Path | str | None = None, start: Path | None = None) -> Workspace | None:
    """--workspace, then $COURSE_WORKSPACE, then upward from ``start``, then the default location."""
    for given, origin in ((explicit, "--workspace"), (os.environ.get(ENV_VAR), ENV_VAR)):
        if given:
            path = Path(given).expanduser().resolve()
            if not is_workspace(path):
                raise CourseError(
                    f"{path} (from {origin}) is not a course workspace.",
                    f"Create one there with `course init {path}`, or point {origin} at an existing workspace.",
                )
            return Workspace(path)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_workspace(folder):
            return Workspace(folder)
    default = default_location().resolve()
    if is_workspace(default):
        return Workspace(default)
    return None


def init(course: Course, path: Path | str | None = None) -> tuple[Workspace, bool]:
    """Create (or reuse) a workspace at ``path`` (default location if None). Returns it and whether it is new."""
    root = Path(path).expanduser().resolve() if path else default_location().resolve()
    if root == course.root or course.root in root.parents:
        raise CourseError(
            f"{root} is inside the course's own folder; the pristine exercises there must stay untouched.",
            "Choose a folder outside it, e.g. `course init ~/course-workspace`.",
        )
    if is_workspace(root):
        ws = Workspace(root)
        ws.sync(course)
        return ws, False
    if root.exists() and not root.is_dir():
        raise CourseError(f"{root} exists and is not a folder.", "Choose another path for the workspace.")
    if root.exists() and (root / "exercises").exists():
        raise CourseError(
            f"{root} already has an exercises/ folder that is not from a course workspace.",
            "Choose an empty folder, or move that folder away first.",
        )
    (root / STATE_DIR).mkdir(parents=True, exist_ok=True)
    marker = {"format": "course-workspace", "version": 1, "course_root": str(course.root),
              "course_version": course.version, "created": now_iso()}
    (root / STATE_DIR / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    ws = Workspace(root)
    ws.sync(course)
    return ws, True
