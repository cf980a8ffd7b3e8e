"""`course doctor`: what this machine has, and what to do about what it lacks."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import platform
import sys
from dataclasses import dataclass

from grader.errors import CourseError

# (distribution, import name, why the course needs it, required)
PACKAGES = [
    ("numpy", "numpy", "every exercise", True),
    ("pytest", "pytest", "grading", True),
    ("scikit-learn", "sklearn", "Part 1 and many oracles", True),
    ("scipy", "scipy", "Part 1 statistics", True),
    ("pandas", "pandas", "Part 1 tooling", True),
    ("matplotlib", "matplotlib", "plots and `course plot`", True),
    ("torch", "torch", "Parts 2-4 and the capstones", True),
    ("transformers", "transformers", "Parts 3-4", True),
    ("peft", "peft", "LoRA exercises", True),
    ("faiss-cpu", "faiss", "the RAG capstone", True),
    ("textual", "textual", "`course tui`", True),
    ("watchfiles", "watchfiles", "`course watch`", False),
    ("nbformat", "nbformat", "notebook exercises", True),
]


@dataclass
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def diagnose(session_factory=None) -> list[Finding]:
    out = []
    py_ok = sys.version_info >= (3, 11)
    out.append(Finding("python", py_ok, f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
                       "" if py_ok else "Install Python 3.11 or newer."))
    for dist, mod, why, required in PACKAGES:
        try:
            version = importlib.metadata.version(dist)
            found = importlib.util.find_spec(mod) is not None
        except importlib.metadata.PackageNotFoundError:
            version, found = "", False
        out.append(Finding(dist, found, f"{version} ({why})" if found else f"missing ({why})",
                           "" if found else f"pip install {dist}", required))
    if importlib.util.find_spec("torch") is not None:
        try:
            import torch

            if torch.cuda.is_available():
                detail = f"CUDA {torch.version.cuda}: {torch.cuda.get_device_name(0)}"
            else:
                detail = "no CUDA device: GPU tiers are skipped, everything else runs on the CPU"
            out.append(Finding("cuda", True, detail, required=False))
        except Exception as exc:  # noqa: BLE001 - a broken torch install is a finding, not a crash
            out.append(Finding("torch import", False, f"{type(exc).__name__}: {exc}", "Reinstall torch."))
    try:
        from grader.data import doctor_findings

        out.extend(doctor_findings())
    except Exception as exc:  # noqa: BLE001 - a broken data registry is a finding, not a crash
        out.append(Finding("data", False, f"{type(exc).__name__}: {exc}", "Reinstall the course: pip install -e ."))
    if session_factory is not None:
        try:
            session = session_factory()
            n = len(session.course.exercises)
            out.append(Finding("course", True, f"{session.course.title} {session.course.version}: {n} exercises at {session.course.root}"))
            session.workspace.progress.load()
            out.append(Finding("workspace", True, str(session.workspace.root)))
        except CourseError as exc:
            out.append(Finding("course/workspace", False, exc.message, exc.fix or ""))
    return out
