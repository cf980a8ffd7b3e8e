"""`course data ...`: list, download, locate and check the course's datasets and models.

Hooked into the main CLI with ``app.add_typer(data_app, name="data")``. Each
command is its parameters, its help text and one call into ``grader.data``.
Exit codes: 0 success, 1 a failed verification, 2 a usage error or a failed
download (a CourseError, printed with what to do).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Callable, Optional

import typer

from grader import cli_common

data_app = typer.Typer(
    help="Datasets and models: list them, download the real ones, find and check them.\n\n"
         "Grading only ever uses the offline packs; `course data get NAME` fetches a real dataset or hub model.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _console(stderr: bool = False):
    return (cli_common.err if stderr else cli_common.console).get()


def _friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    return cli_common.friendly(fn, interrupted="Stopped; run the same command again to resume.")


Names = Annotated[list[str], typer.Argument(help="Dataset or model names (see `course data list`).", show_default=False)]


@data_app.command("list")
@_friendly
def list_(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Every dataset and model: its size, where it comes from, and whether it is here."""
    from grader import data
    from grader.data.cache import human_size

    rows = [(e, data.status(e.name)) for e in data.entries()]
    if as_json:
        print(json.dumps([{"name": e.name, "kind": e.kind, "title": e.title, "size": e.size, "origin": e.origin,
                           "offline": e.offline, "present": st.present, "detail": st.detail, "licence": e.licence,
                           "checksum": e.checksum, "schema": e.schema, "standin": e.standin} for e, st in rows],
                         indent=2))
        return
    from rich import box
    from rich.table import Table

    table = Table(title=f"course data (downloads go to {data.cache_dir()})", title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("name", "kind", "size", "source", "here", "what"):
        table.add_column(col, no_wrap=col != "what")
    for e, st in rows:
        here = "yes" if st.present else ("no" if st.detail == "not downloaded" else st.detail)
        table.add_row(e.name, e.kind, human_size(e.size), e.origin, here, e.title)
    con = _console()
    con.print(table)
    con.print("Offline packs are what grading uses. `course data get NAME` downloads the others; "
              "`course data path NAME` says where a pack is.")


@data_app.command("get")
@_friendly
def get(
    names: Names,
    force: Annotated[bool, typer.Option("--force", help="Download again even if a verified copy is here.")] = False,
) -> None:
    """Download datasets or models, checking each file's sha256; an interrupted download resumes."""
    from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                               TransferSpeedColumn)

    from grader import data

    con = _console()
    tasks: dict[tuple[str, str], Any] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  TimeRemainingColumn(), console=con, transient=False) as bar:
        def progress(name: str, file: str, done: int, total: int | None) -> None:
            key = (name, file)
            if key not in tasks:
                tasks[key] = bar.add_task(f"{name}: {file}", total=total)
            bar.update(tasks[key], completed=done, total=total)

        fetched = data.get(names, progress=progress, force=force)
    for f in fetched:
        where = f" at {f.path}" if f.path else ""
        con.print(f"[green]✓[/] {f.name}: {f.action}{where}")


@data_app.command("path")
@_friendly
def path(name: Annotated[str, typer.Argument(help="A dataset or model name.")]) -> None:
    """Print where a pack is: a file, or a folder (for models: from_pretrained(path))."""
    from grader import data

    print(data.path(name))


@data_app.command("verify")
@_friendly
def verify(
    names: Annotated[Optional[list[str]], typer.Argument(help="Names to check (default: everything that is here).",
                                                         show_default=False)] = None,
) -> None:
    """Re-hash every file of the packs against its sha256 (and regenerate the generated ones). Exit 1 on a problem."""
    from grader import data

    con = _console()
    checks = data.verify(names or None)
    bad = 0
    for c in checks:
        if c.ok is None:
            con.print(f"[dim]-[/] {c.name}: {c.detail}")
        elif c.ok:
            con.print(f"[green]✓[/] {c.name}: {c.detail}")
        else:
            bad += 1
            con.print(f"[red]✗[/] {c.name}: {c.detail}")
    con.print(f"{sum(1 for c in checks if c.ok)} verified, {bad} with problems, "
              f"{sum(1 for c in checks if c.ok is None)} not downloaded.")
    raise typer.Exit(1 if bad else 0)
