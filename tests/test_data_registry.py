"""The data registry and its download cache: entries, checksums, resumable downloads, no network, corrupt caches."""

from __future__ import annotations

import importlib
import json
import re
import socket
import subprocess
import sys
import urllib.error
from pathlib import Path

import pytest

from grader import data
from grader.data import cache
from grader.data.registry import ENTRIES, Entry, RemoteFile
from grader.errors import CourseError
from tests.data_support import *  # noqa: F403 - the offline/cache fixtures
from tests.data_support import FileServer, sha256

HEX64 = re.compile(r"^[0-9a-f]{64}$")


# ------------------------------------------------------------------ registry ---

def test_entries_are_unique_complete_and_loadable():
    names = [e.name for e in ENTRIES]
    assert len(names) == len(set(names))
    for e in ENTRIES:
        assert e.kind in ("dataset", "model"), e.name
        assert e.title and e.description and e.licence and e.origin and e.schema, e.name
        module, _, fn = e.loader.partition(":")
        assert callable(getattr(importlib.import_module(module), fn)), e.loader
        for f in e.files:
            assert HEX64.match(f.sha256) and f.size > 0, (e.name, f.path)
        for f in e.downloads:
            assert f.urls and all(u.startswith("https://") for u in f.urls), (e.name, f.name)
            assert f.sha256 is None or HEX64.match(f.sha256), (e.name, f.name)
        if e.offline:
            assert e.files or e.generated, e.name
        else:
            assert any(f.sha256 for f in e.downloads), f"{e.name}: its main file needs a pinned sha256"
            if e.standin:
                assert data.entry(e.standin).offline, e.name
        if e.generated:
            assert HEX64.match(e.fingerprint), e.name
            assert hasattr(importlib.import_module(module), "fingerprint"), e.name
        assert e.size > 0 and e.checksum, e.name


def test_the_issue_s_datasets_and_models_are_all_registered():
    names = {e.name for e in ENTRIES}
    assert {"iris", "wine", "breast-cancer", "diabetes", "digits", "wiki-excerpt", "movie-polarity", "lee-corpus",
            "newsgroups-mini", "word-analogies", "word-vectors", "minilm", "numbers-translation", "digits-cifar",
            "tiny-llama-1m", "tiny-llama-8m", "cifar-10", "sst2", "imdb", "wikitext-103", "gpt2",
            "bert-base-uncased", "flan-t5-small", "smollm2-135m"} <= names
    real = [e for e in ENTRIES if not e.offline]
    assert all(e.standin for e in real if e.name != "flan-t5-small")


def test_every_offline_pack_is_present():
    for e in ENTRIES:
        if e.offline:
            st = data.status(e.name)
            assert st.present, f"{e.name}: {st.detail} ({st.fix})"


def test_unknown_name_suggests_the_closest():
    with pytest.raises(CourseError) as info:
        data.entry("cifar10")
    assert "cifar-10" in info.value.message and "course data list" in info.value.fix


def test_importing_grader_data_imports_nothing_heavy():
    code = ("import sys, grader.data, grader.cli_data; "
            "heavy = [m for m in ('torch', 'transformers', 'sklearn', 'gensim', 'numpy', 'num2words', 'pandas') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cache_dir_follows_course_data(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "elsewhere"))
    assert data.cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("COURSE_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert data.cache_dir() == tmp_path / "xdg" / "course" / "data"


def test_path_of_offline_packs_and_generated_ones():
    assert data.path("iris").name == "iris.csv" and data.path("iris").is_file()
    assert (data.path("minilm") / "config.json").is_file()
    assert data.path("tiny-llama-1m").is_dir()
    with pytest.raises(CourseError, match="generated"):
        data.path("numbers-translation")


def test_path_of_a_missing_download_says_how_to_get_it_and_the_standin():
    with pytest.raises(CourseError) as info:
        data.path("cifar-10")
    assert "not downloaded" in info.value.message
    assert "course data get cifar-10" in info.value.fix and "digits-cifar" in info.value.fix


def test_loading_a_missing_download_fails_clearly():
    with pytest.raises(CourseError) as info:
        data.load("sst2")
    assert "not downloaded" in info.value.message and "movie-polarity" in info.value.fix


# -------------------------------------------------------------- downloading ---

def _entry(server: FileServer, files: dict[str, bytes], *, pinned: bool = True, name: str = "fixture-set",
           standin: str | None = "movie-polarity") -> Entry:
    for fname, body in files.items():
        server.files[fname] = body
    downloads = tuple(RemoteFile(fname, (server.url(fname),), sha256(body) if pinned else None, len(body))
                      for fname, body in files.items())
    return Entry(name, "dataset", "a fixture", "a fixture", "none", "download: test server",
                 "grader.data.loaders.wikitext:load_wikitext", "bytes", downloads=downloads, standin=standin)


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def register(monkeypatch):
    def add(e: Entry) -> Entry:
        monkeypatch.setitem(data._BY_NAME, e.name, e)
        return e

    return add


def test_get_downloads_verifies_stamps_and_reports_progress(file_server, fresh_cache, register):
    body = bytes(range(256)) * 5000  # 1.28 MB: more than one chunk
    register(_entry(file_server, {"blob.bin": body}))
    seen = []
    out = data.get(["fixture-set"], progress=lambda *a: seen.append(a))
    assert out[0].action == "downloaded" and out[0].path == fresh_cache / "fixture-set" / "blob.bin"
    assert out[0].path.read_bytes() == body
    assert not list((fresh_cache / "fixture-set").glob("*.part"))
    stamp = json.loads((fresh_cache / "fixture-set" / cache.STAMP).read_text())
    assert stamp["files"]["blob.bin"]["sha256"] == sha256(body)
    assert seen[-1] == ("fixture-set", "blob.bin", len(body), len(body))
    assert data.status("fixture-set").present
    again = data.get(["fixture-set"])
    assert again[0].action == "already here" and len(file_server.requests) == 1


def test_a_dropped_connection_resumes_with_a_range_request(file_server, fresh_cache, register, monkeypatch):
    monkeypatch.setattr(cache.time, "sleep", lambda s: None)
    body = b"0123456789" * 300_000
    register(_entry(file_server, {"big.bin": body}))
    file_server.drop_after["big.bin"] = [1_000_000, 1_500_000]
    data.get(["fixture-set"])
    assert (fresh_cache / "fixture-set" / "big.bin").read_bytes() == body
    ranges = [r for p, r in file_server.requests if p == "big.bin"]
    assert ranges == [None, "bytes=1000000-", "bytes=2500000-"]


def test_an_interrupted_download_leaves_only_a_part_file_and_the_next_get_resumes(file_server, fresh_cache, register,
                                                                                monkeypatch):
    monkeypatch.setattr(cache.time, "sleep", lambda s: None)
    body = b"abcdefgh" * 200_000
    register(_entry(file_server, {"big.bin": body}))
    file_server.drop_after["big.bin"] = [400_000, 0, 0, 0]  # keeps failing: every retry used up
    with pytest.raises(CourseError, match="Could not download big.bin"):
        data.get(["fixture-set"])
    folder = fresh_cache / "fixture-set"
    assert not (folder / "big.bin").exists(), "a partial download must never pass as the real file"
    assert (folder / "big.bin.part").stat().st_size == 400_000
    st = data.status("fixture-set")
    assert not st.present and st.detail == "partly downloaded"
    with pytest.raises(CourseError, match="not downloaded|incomplete"):
        data.load("fixture-set")
    data.get(["fixture-set"])  # the server is healthy again: resumes from 400000
    assert (folder / "big.bin").read_bytes() == body
    assert file_server.requests[-1] == ("big.bin", "bytes=400000-")


def test_a_server_that_ignores_range_restarts_cleanly(file_server, fresh_cache, register, monkeypatch):
    monkeypatch.setattr(cache.time, "sleep", lambda s: None)
    body = b"xyz" * 400_000
    register(_entry(file_server, {"f.bin": body}))
    file_server.ignore_range = True
    file_server.drop_after["f.bin"] = [300_000]
    data.get(["fixture-set"])
    assert (fresh_cache / "fixture-set" / "f.bin").read_bytes() == body


def test_checksum_mismatch_is_retried_once_then_fails_leaving_nothing(file_server, fresh_cache, register):
    good = b"the real content" * 1000
    e = register(_entry(file_server, {"f.bin": good}))
    file_server.files["f.bin"] = b"X" * len(good)  # same size, wrong bytes
    with pytest.raises(CourseError) as info:
        data.get(["fixture-set"])
    assert "checksum mismatch" in info.value.message
    folder = fresh_cache / "fixture-set"
    assert not (folder / "f.bin").exists() and not (folder / "f.bin.part").exists()
    assert len([r for r in file_server.requests if r[0] == "f.bin"]) == 2  # one clean retry
    assert e.downloads[0].sha256 == sha256(good)


def test_a_truncated_response_is_not_accepted(file_server, fresh_cache, register, monkeypatch):
    monkeypatch.setattr(cache.time, "sleep", lambda s: None)
    body = b"0" * 100_000
    register(_entry(file_server, {"f.bin": body}))
    file_server.files["f.bin"] = body[:60_000]  # the server only has a truncated copy
    with pytest.raises(CourseError, match="expected 100000"):
        data.get(["fixture-set"])
    assert not (fresh_cache / "fixture-set" / "f.bin").exists()


def test_mirrors_are_tried_in_order(file_server, fresh_cache, register):
    body = b"mirror" * 1000
    file_server.files["good.bin"] = body
    file_server.status["dead.bin"] = 404
    e = Entry("fixture-set", "dataset", "t", "d", "l", "download: test", "grader.data.loaders.wikitext:load_wikitext",
              "s", downloads=(RemoteFile("f.bin", (file_server.url("dead.bin"), file_server.url("good.bin")),
                                         sha256(body), len(body)),))
    register(e)
    data.get(["fixture-set"])
    assert (fresh_cache / "fixture-set" / "f.bin").read_bytes() == body


def test_no_network_names_the_offline_pack_grading_uses(fresh_cache, monkeypatch):
    def unreachable(request, timeout):
        raise urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution"))

    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE")
    monkeypatch.setattr(cache, "_open", unreachable)
    with pytest.raises(CourseError) as info:
        data.get(["cifar-10"])
    assert info.value.message.startswith("No network")
    assert "digits-cifar" in info.value.fix
    assert not list(fresh_cache.rglob("*.tar.gz*"))


def test_downloads_are_off_while_hf_hub_offline_is_set(fresh_cache, monkeypatch):
    def must_not_be_called(request, timeout):
        raise AssertionError("the network was touched")

    monkeypatch.setattr(cache, "_open", must_not_be_called)
    with pytest.raises(CourseError) as info:
        data.get(["sst2"])
    assert "switched off" in info.value.message and "HF_HUB_OFFLINE" in info.value.message


def test_unpinned_hub_files_are_recorded_at_download_and_checked_after(file_server, fresh_cache, register):
    body = b'{"model_type": "x"}'
    register(_entry(file_server, {"config.json": body}, pinned=False))
    data.get(["fixture-set"])
    folder = fresh_cache / "fixture-set"
    assert cache.check_file(folder, "config.json", None, len(body), full=True) is None
    (folder / "config.json").write_bytes(b'{"model_type": "y"}')
    problem = cache.check_file(folder, "config.json", None, len(body), full=True)
    assert problem and "checksum mismatch" in problem


def test_a_corrupt_cache_entry_is_detected_and_refetched(file_server, fresh_cache, register):
    import zipfile

    buf = fresh_cache.parent / "w.zip"
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("wikitext-2-raw/wiki.test.raw", " = Title = \n Some text . \n")
    body = buf.read_bytes()
    register(_entry(file_server, {"wikitext-2-raw-v1.zip": body}))
    data.get(["fixture-set"])
    assert "Some text" in data.load("fixture-set", split="test")
    target = fresh_cache / "fixture-set" / "wikitext-2-raw-v1.zip"
    damaged = bytearray(body)
    damaged[10] ^= 0xFF
    target.write_bytes(bytes(damaged))  # same size, new mtime: the stamp no longer vouches for it
    with pytest.raises(CourseError) as info:
        data.load("fixture-set", split="test")
    assert "checksum mismatch" in info.value.message and str(target) in info.value.message
    assert "course data get fixture-set" in info.value.fix
    assert data.verify(["fixture-set"])[0].ok is False
    data.get(["fixture-set"])  # replaces the bad copy
    assert target.read_bytes() == body and data.verify(["fixture-set"])[0].ok is True


def test_verify_reports_offline_packs_and_skips_absent_downloads():
    checks = {c.name: c for c in data.verify(["iris", "word-analogies", "cifar-10"])}
    assert checks["iris"].ok and checks["word-analogies"].ok
    assert checks["cifar-10"].ok is None and checks["cifar-10"].detail == "not downloaded"


def test_verify_regenerates_the_generated_packs(monkeypatch):
    checks = data.verify(["numbers-translation", "digits-cifar"])
    assert all(c.ok for c in checks), checks
    from grader.data.loaders import digits_cifar

    monkeypatch.setattr(digits_cifar, "N_TEST", 999)  # a change in the generator shows as a mismatch
    bad = data.verify(["digits-cifar"])[0]
    assert bad.ok is False and "differs from the recorded one" in bad.detail


def test_a_package_file_with_the_wrong_checksum_is_refused(monkeypatch, tmp_path):
    from grader.data.registry import PackageFile

    fake = tmp_path / "iris.csv"
    fake.write_text("150,4,a,b,c\n")
    f = PackageFile("sklearn/datasets/data/iris.csv", "0" * 64, fake.stat().st_size)
    e = Entry("fake-iris", "dataset", "t", "d", "l", "offline: x", "grader.data.loaders.tabular:load_iris", "s",
              files=(f,), package="scikit-learn")
    monkeypatch.setattr(data, "package_file", lambda pf: fake)
    with pytest.raises(CourseError) as info:
        data.Source(e).file("iris.csv")
    assert "does not match its checksum" in info.value.message and str(fake) in info.value.message


def test_doctor_findings_cover_packs_and_downloads():
    findings = data.doctor_findings()
    names = [f.name for f in findings]
    assert "data: scikit-learn" in names and "data: gensim" in names and "data: downloads" in names
    assert all(f.ok for f in findings if f.required)
    downloads = next(f for f in findings if f.name == "data: downloads")
    assert downloads.required is False and "cifar-10" in downloads.detail
    for f in findings:
        assert {"name", "ok", "detail", "fix", "required"} <= set(vars(f))
