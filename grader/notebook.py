"""Notebook exercises: write an exercise as a .ipynb, and turn a learner's notebook back into a module.

``write(ex)`` makes a notebook from the stub: a Markdown cell with the exercise
text, the hints under a collapsed heading, one code cell with the module's
imports and helpers, and one code cell per stubbed function or class.

``assemble(path)`` keeps what a module needs from the learner's code cells
(imports, function and class definitions, and the assignments those use) and
drops exploration (prints, plots, calls, notebook magics), so a notebook
grades exactly like a file with the same hidden spec. Each kept statement
remembers its cell, so errors point at "cell 3, line 2".
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path

from grader.manifest import Exercise

NBFORMAT = 4


@dataclass
class Assembled:
    source: str
    cell_of_line: dict[int, tuple[int, int]] = field(default_factory=dict)  # module line -> (cell, line in cell)
    defined: set[str] = field(default_factory=set)


class NotebookSyntaxError(Exception):
    def __init__(self, cell: int, line: int, msg: str, text: str, offset: int) -> None:
        super().__init__(f"cell {cell}, line {line}: {msg}")
        self.cell, self.line, self.msg, self.text, self.offset = cell, line, msg, text, offset


def notebook_path(py_path: Path) -> Path:
    return py_path.with_suffix(".ipynb")


def write(ex: Exercise, stub_source: str, dest: Path) -> Path:
    """Write the exercise as a notebook at ``dest`` (nbformat v4)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    tree = ast.parse(stub_source)
    doc = ast.get_docstring(tree) or ""
    cells = [new_markdown_cell(f"# {ex.title}\n\n`{ex.id}` · check it with `course check {ex.id}`\n\n{doc}")]
    if ex.hints:
        heading = new_markdown_cell("## Hints (expand when stuck)")
        heading.metadata["heading_collapsed"] = True
        cells.append(heading)
        body = new_markdown_cell("\n\n".join(f"**Hint {i}.** {h}" for i, h in enumerate(ex.hints, 1)))
        body.metadata["hidden"] = True
        cells.append(body)
    lines = stub_source.splitlines(keepends=True)
    preamble, units = [], []
    for node in tree.body:
        start = (node.decorator_list[0].lineno if getattr(node, "decorator_list", None) else node.lineno) - 1
        text = "".join(lines[start:node.end_lineno])
        if node is tree.body[0] and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring: already the first cell
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            units.append(text)
        else:
            preamble.append(text)
    if preamble:
        cells.append(new_code_cell("".join(preamble).strip()))
    cells.extend(new_code_cell(u.strip()) for u in units)
    cells.append(new_markdown_cell("Explore freely in new cells: prints, plots and calls are ignored by the grader; "
                                   "only imports, definitions and the values they use are graded."))
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    nbformat.write(nb, str(tmp))
    tmp.replace(dest)
    return dest


def _code_cells(path: Path) -> list[tuple[int, str]]:
    """(1-based cell number, source) of every code cell; read as plain JSON, no nbformat needed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for i, cell in enumerate(data.get("cells", []), 1):
        if cell.get("cell_type") == "code":
            src = cell.get("source", "")
            cells.append((i, "".join(src) if isinstance(src, list) else str(src)))
    return cells


def _strip_magics(source: str) -> str:
    """Blank out IPython-only lines (%magic, !shell, obj?) so the cell parses as Python; line numbers kept."""
    out = []
    for line in source.splitlines():
        s = line.lstrip()
        out.append("" if s.startswith(("%", "!")) or (s.endswith("?") and not s.startswith("#")) else line)
    return "\n".join(out)


def assemble(path: Path) -> Assembled:
    """The module a notebook's code cells define, without their exploration."""
    kept: list[tuple[int, int, str]] = []  # (cell, first line in cell, source)
    nodes: list[tuple[int, ast.stmt, list[str]]] = []
    for cell, src in _code_cells(path):
        clean = _strip_magics(src)
        try:
            tree = ast.parse(clean)
        except SyntaxError as exc:
            raise NotebookSyntaxError(cell, exc.lineno or 1, exc.msg, exc.text or "", exc.offset or 1) from None
        lines = clean.splitlines(keepends=True)
        for node in tree.body:
            nodes.append((cell, node, lines))
    # Names the definitions use: assignments to them are kept (constants, helpers' data).
    used: set[str] = set()
    for _, node, _ in nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            used |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    defined: set[str] = set()
    for cell, node, lines in nodes:
        keep = False
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            keep = True
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            keep = True
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            keep = bool(names & used) or any(n.isupper() for n in names)
        if keep:
            start = (node.decorator_list[0].lineno if getattr(node, "decorator_list", None) else node.lineno)
            kept.append((cell, start, "".join(lines[start - 1:node.end_lineno])))
    out = Assembled("")
    parts: list[str] = []
    line_no = 1
    for cell, start, text in kept:
        header = f"# --- cell {cell}\n"
        parts.append(header)
        line_no += 1
        body = text if text.endswith("\n") else text + "\n"
        for k in range(body.count("\n")):
            out.cell_of_line[line_no + k] = (cell, start + k)
        parts.append(body)
        line_no += body.count("\n")
    out.source = "".join(parts)
    out.defined = defined
    return out


def required_names(stub_source: str) -> list[str]:
    """The functions and classes the stub asks for (the spec may call any of them)."""
    tree = ast.parse(stub_source)
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
