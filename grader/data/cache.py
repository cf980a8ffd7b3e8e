"""The download cache: where files go, how they are fetched, and how they are checked.

Layout: ``cache_dir()/NAME/FILE`` for each download, plus ``NAME/.stamp.json``
recording the size, modification time and sha256 of every file that passed
its check. A download streams into ``FILE.part`` (resumed with an HTTP Range
request after a dropped connection), is checked against its pinned size and
sha256, and only then renamed to ``FILE``: a failed or partial download never
leaves a file that passes as complete.

``cache_dir()`` is ``$COURSE_DATA`` when set, else the user cache folder
(``$XDG_CACHE_HOME/course/data`` or ``~/.cache/course/data`` on Linux,
``~/Library/Caches/course/data`` on macOS, ``%LOCALAPPDATA%\\course\\data`` on Windows).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path

from grader.errors import CourseError

CHUNK = 1 << 20
STAMP = ".stamp.json"
Progress = Callable[[str, int, "int | None"], None]  # (file name, bytes done, bytes total)


def cache_dir() -> Path:
    env = os.environ.get("COURSE_DATA")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "course" / "data"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "course" / "data"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "course" / "data"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def human_size(n: int | None) -> str:
    if n is None:
        return "?"
    x = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if x < 1000 or unit == "GB":
            return f"{x:.0f} {unit}" if unit == "B" or x >= 100 else f"{x:.1f} {unit}"
        x /= 1000
    return f"{n} B"


# ------------------------------------------------------------------ stamps ---

def read_stamp(folder: Path) -> dict:
    try:
        data = json.loads((folder / STAMP).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else {"files": {}}
    except (OSError, ValueError):
        return {"files": {}}


def write_stamp(folder: Path, stamp: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (STAMP + ".tmp")
    tmp.write_text(json.dumps(stamp, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, folder / STAMP)


def stamp_file(folder: Path, name: str, digest: str) -> None:
    st = (folder / name).stat()
    stamp = read_stamp(folder)
    stamp["files"][name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}
    write_stamp(folder, stamp)


def check_file(folder: Path, name: str, sha256: str | None, size: int | None, *, full: bool = False) -> str | None:
    """None when ``folder/name`` is complete and intact, else what is wrong with it.

    Without ``full``, a file whose size and modification time match the stamp
    written when it was last verified is trusted without re-hashing it.
    """
    path = folder / name
    if not path.is_file():
        return "missing" if not (folder / (name + ".part")).exists() else "incomplete (a .part file is left from an interrupted download)"
    st = path.stat()
    if size is not None and st.st_size != size:
        return f"wrong size: {st.st_size} bytes, expected {size} (truncated or damaged)"
    record = read_stamp(folder)["files"].get(name)
    expected = sha256 or (record or {}).get("sha256")
    if record and not full and record.get("size") == st.st_size and record.get("mtime_ns") == st.st_mtime_ns \
            and (sha256 is None or record.get("sha256") == sha256):
        return None
    if expected is None:
        return "not verified (no recorded checksum)"
    digest = sha256_file(path)
    if digest != expected:
        return f"checksum mismatch: sha256 {digest[:16]}..., expected {expected[:16]}... (corrupt)"
    stamp_file(folder, name, digest)
    return None


# ---------------------------------------------------------------- download ---

class NoNetwork(Exception):
    """No URL of a file could be reached at all (name resolution or connection failed)."""


class DownloadsOff(Exception):
    """Downloads are switched off in this process (tests and grading)."""


def downloads_allowed(url: str) -> bool:
    """Grading and the tests set HF_HUB_OFFLINE=1: then only loopback URLs (a test's local server) may be fetched."""
    if not (os.environ.get("HF_HUB_OFFLINE") or os.environ.get("COURSE_OFFLINE")):
        return True
    host = urllib.parse.urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")


def _open(request: urllib.request.Request, timeout: float):
    """The one place that touches the network (tests replace it)."""
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - URLs come from the registry


def _is_unreachable(exc: BaseException) -> bool:
    """Could not even connect: no name resolution, refused, no route, or the connection attempt timed out."""
    if not isinstance(exc, urllib.error.URLError) or isinstance(exc, urllib.error.HTTPError):
        return False
    reason = exc.reason
    return isinstance(reason, (socket.gaierror, ConnectionRefusedError, TimeoutError)) or (
        isinstance(reason, OSError) and getattr(reason, "errno", None) in (101, 113, 65))  # network/host unreachable


@dataclass
class _Attempt:
    received: int = 0  # bytes received over the network in this call


def _fetch_once(url: str, part: Path, size: int | None, progress: Progress | None, name: str,
                timeout: float, attempt: _Attempt) -> None:
    have = part.stat().st_size if part.exists() else 0
    if size is not None and have > size:
        part.unlink()
        have = 0
    if size is not None and have == size:
        return
    headers = {"User-Agent": "course-data/1 (+https://github.com; python-urllib)"}
    if have:
        headers["Range"] = f"bytes={have}-"
    req = urllib.request.Request(url, headers=headers)
    try:
        resp = _open(req, timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the .part is not a prefix we can extend: start over
            part.unlink()
            raise ConnectionResetError("range not satisfiable; restarting") from None
        raise
    with resp:
        status = getattr(resp, "status", 200)
        length = resp.headers.get("Content-Length")
        if have and status == 206:
            crange = resp.headers.get("Content-Range", "")
            if not crange.startswith(f"bytes {have}-"):
                part.unlink()
                raise ConnectionResetError(f"unexpected Content-Range {crange!r}; restarting")
            mode = "ab"
        else:
            have, mode = 0, "wb"
        total = have + int(length) if length is not None and length.isdigit() else size
        done = have
        if progress:
            progress(name, done, total)
        with part.open(mode) as fh:
            while True:
                chunk = resp.read(CHUNK)
                if not chunk:
                    break
                fh.write(chunk)
                done += len(chunk)
                attempt.received += len(chunk)
                if progress:
                    progress(name, done, total)
        if length is not None and length.isdigit() and done < have + int(length):
            raise ConnectionResetError(f"connection closed after {done} of {have + int(length)} bytes")


def download(urls: tuple[str, ...], folder: Path, name: str, sha256: str | None, size: int | None,
             progress: Progress | None = None, *, retries: int = 3, timeout: float = 30.0,
             backoff: float = 1.0) -> str:
    """Fetch one file into ``folder/name`` (resuming a ``.part``), check it, rename it into place. Returns its sha256.

    Mirrors are tried in order; a dropped connection is resumed up to
    ``retries`` times; a complete file with the wrong checksum is deleted and
    fetched once more from scratch before giving up.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    problems: list[str] = []
    unreachable = 0
    for url in urls:
        if not downloads_allowed(url):
            raise DownloadsOff(url)
        clean_retry_left = True
        tries = 0
        while tries <= retries:
            tries += 1
            attempt = _Attempt()
            try:
                _fetch_once(url, part, size, progress, name, timeout, attempt)
            except urllib.error.HTTPError as exc:
                problems.append(f"{url}: HTTP {exc.code} {exc.reason}")
                if exc.code in (429,) or exc.code >= 500:
                    time.sleep(backoff * tries)
                    continue
                break  # 404, 403...: try the next mirror
            except (urllib.error.URLError, OSError, HTTPException, TimeoutError) as exc:
                if _is_unreachable(exc):
                    unreachable += 1
                    problems.append(f"{url}: unreachable ({getattr(exc, 'reason', exc)})")
                    break
                problems.append(f"{url}: {type(exc).__name__}: {getattr(exc, 'reason', exc)}")
                time.sleep(backoff * tries)
                continue
            got_size = part.stat().st_size if part.exists() else 0
            if size is not None and got_size != size:
                problems.append(f"{url}: got {got_size} bytes, expected {size}")
                if got_size > size:
                    part.unlink()
                continue
            digest = sha256_file(part)
            if sha256 is not None and digest != sha256:
                part.unlink()
                problems.append(f"{url}: checksum mismatch (sha256 {digest[:16]}..., expected {sha256[:16]}...)")
                if clean_retry_left:
                    clean_retry_left = False
                    continue
                break
            os.replace(part, target)
            stamp_file(folder, name, digest)
            return digest
    if unreachable == len(urls):
        raise NoNetwork("; ".join(problems))
    raise CourseError(f"Could not download {name}: " + "; ".join(problems[-4:]),
                      "Run the same command again to resume; nothing incomplete was kept as the real file.")


# ----------------------------------------------------------- derived data ---

def derived(key: str, build: Callable[[], object]) -> object:
    """A JSON-able value built once and kept under ``cache_dir()/derived/key.json`` (rebuilt if unreadable)."""
    path = cache_dir() / "derived" / f"{key}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs speed
    return value


def derived_arrays(key: str, build: Callable[[], dict]) -> dict:
    """Numpy arrays built once and kept under ``cache_dir()/derived/key.npz`` (rebuilt if unreadable)."""
    import numpy as np

    path = cache_dir() / "derived" / f"{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except (OSError, ValueError, EOFError, KeyError):
        pass
    arrays = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    except OSError:
        pass
    return arrays
