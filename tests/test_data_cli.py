"""`course data list|get|path|verify` through Typer's CliRunner (on grader.cli_data's app)."""

from __future__ import annotations

import json
import socket
import urllib.error

from typer.testing import CliRunner

from grader.cli_data import data_app
from grader.data import cache
from tests.data_support import *  # noqa: F403 - the offline/cache fixtures

runner = CliRunner()


def data_cmd(*args: str):
    return runner.invoke(data_app, list(args), catch_exceptions=False)


def test_list_shows_every_pack_and_whether_it_is_here():
    r = data_cmd("list")
    assert r.exit_code == 0, r.output
    for name in ("iris", "wiki-excerpt", "minilm", "tiny-llama-8m", "cifar-10", "gpt2"):
        assert name in r.output
    assert "offline: scikit-learn" in r.output and "not downloaded" not in r.output.split("iris")[0]


def test_list_json():
    r = data_cmd("list", "--json")
    rows = {row["name"]: row for row in json.loads(r.output)}
    assert rows["iris"]["present"] is True and rows["iris"]["offline"] is True
    assert rows["cifar-10"]["present"] is False and rows["cifar-10"]["standin"] == "digits-cifar"
    assert rows["cifar-10"]["size"] == 170498071 and rows["cifar-10"]["checksum"].startswith("sha256:6d958be0")


def test_path():
    r = data_cmd("path", "wine")
    assert r.exit_code == 0 and r.output.strip().endswith("wine_data.csv")
    r = data_cmd("path", "imdb")
    assert r.exit_code == 2 and "course data get imdb" in r.output
    r = data_cmd("path", "wikipedia")
    assert r.exit_code == 2 and "No dataset or model called 'wikipedia'" in r.output


def test_get_an_offline_pack_needs_nothing():
    r = data_cmd("get", "iris", "movie-polarity")
    assert r.exit_code == 0, r.output
    assert "iris: offline pack" in r.output and "movie-polarity: offline pack" in r.output


def test_get_without_network_names_the_offline_pack(monkeypatch):
    def unreachable(request, timeout):
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(cache, "_open", unreachable)
    r = data_cmd("get", "sst2")
    assert r.exit_code == 2
    assert "No network" in r.output and "movie-polarity" in r.output


def test_verify_offline_packs_and_missing_downloads():
    r = data_cmd("verify", "iris", "lee-corpus", "imdb")
    assert r.exit_code == 0, r.output
    assert "✓ iris" in r.output and "✓ lee-corpus" in r.output and "- imdb: not downloaded" in r.output


def test_get_downloads_with_a_progress_bar(file_server, monkeypatch, tmp_path):
    from grader import data
    from grader.data.registry import Entry, RemoteFile
    from tests.data_support import sha256

    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "cache"))
    body = b"0123456789abcdef" * 200_000
    file_server.files["blob.bin"] = body
    e = Entry("fixture-set", "dataset", "t", "d", "l", "download: test", "grader.data.loaders.wikitext:load_wikitext",
              "s", downloads=(RemoteFile("blob.bin", (file_server.url("blob.bin"),), sha256(body), len(body)),))
    monkeypatch.setitem(data._BY_NAME, "fixture-set", e)
    r = data_cmd("get", "fixture-set")
    assert r.exit_code == 0, r.output
    assert "fixture-set: blob.bin" in r.output and "fixture-set: downloaded at" in r.output
    assert (tmp_path / "cache" / "fixture-set" / "blob.bin").read_bytes() == body
    r = data_cmd("verify", "fixture-set")
    assert r.exit_code == 0 and "✓ fixture-set" in r.output
    (tmp_path / "cache" / "fixture-set" / "blob.bin").write_bytes(body[:-1] + b"!")
    r = data_cmd("verify", "fixture-set")
    assert r.exit_code == 1 and "checksum mismatch" in r.output
