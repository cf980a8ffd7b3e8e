"""Fixtures shared by the tests/test_data_*.py modules: an isolated, offline data cache and a local HTTP server.

Import the fixtures into a test module (``from tests.data_support import *``)
to get, automatically, HF_HUB_OFFLINE=1, a COURSE_DATA folder shared by the
session (so parsed and generated packs are built once), and a socket guard
that makes any connection outside 127.0.0.1 fail loudly.
"""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

__all__ = ["no_network", "data_cache", "offline_data", "FileServer", "file_server", "sha256"]


def sha256(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


_real_connect = socket.socket.connect
_real_create_connection = socket.create_connection


def _loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    return isinstance(host, str) and host in ("127.0.0.1", "localhost", "::1")


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
        raise AssertionError(f"a data test tried to reach the network ({address!r}): tests must stay offline")
    return _real_connect(self, address)


def _guarded_create_connection(address, *args, **kwargs):
    if not _loopback(address):
        raise AssertionError(f"a data test tried to reach the network ({address!r}): tests must stay offline")
    return _real_create_connection(address, *args, **kwargs)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection outside the loopback interface fails the test loudly."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket, "create_connection", _guarded_create_connection)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def data_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("course-data")


@pytest.fixture(autouse=True)
def offline_data(data_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """COURSE_DATA points at the session's cache folder (a test may point it elsewhere)."""
    monkeypatch.setenv("COURSE_DATA", str(data_cache))
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    return data_cache


@dataclass
class FileServer:
    """Serves ``files[path] = bytes`` on 127.0.0.1 with HTTP Range support and scripted failures."""

    files: dict[str, bytes] = field(default_factory=dict)
    drop_after: dict[str, list[int]] = field(default_factory=dict)  # path -> bytes to send before closing, per request
    ignore_range: bool = False
    status: dict[str, int] = field(default_factory=dict)  # path -> HTTP status to answer instead
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"


def _handler(server: FileServer):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802
            path = self.path.lstrip("/")
            rng = self.headers.get("Range")
            server.requests.append((path, rng))
            if path in server.status:
                self.send_response(server.status[path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = server.files.get(path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start = 0
            if rng and not server.ignore_range and rng.startswith("bytes="):
                start = int(rng[6:].split("-")[0])
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            chunk = body[start:]
            self.send_header("Content-Length", str(len(chunk)))
            self.end_headers()
            drops = server.drop_after.get(path)
            if drops:
                n = drops.pop(0)
                self.wfile.write(chunk[:n])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(chunk)

    return Handler


@pytest.fixture
def file_server():
    server = FileServer()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
