"""The real-format readers, on small fixtures written here in the real formats: CIFAR-10 pickle batches, GLUE SST-2
TSV, aclImdb, WikiText and MediaWiki XML, plus the hub-model loaders on tiny checkpoints."""

from __future__ import annotations

import bz2
import dataclasses
import io
import os
import pickle
import shutil
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from grader import data
from grader.data import cache
from grader.data.loaders import cifar, sentiment, wikipedia, wikitext
from grader.data.registry import RemoteFile
from grader.errors import CourseError
from tests.data_support import *  # noqa: F403 - the offline/cache fixtures
from tests.data_support import sha256


def install_fixture(monkeypatch, name: str, files: dict[str, bytes]) -> Path:
    """Put fixture files where `course data get NAME` would, and pin the registry entry to them."""
    e = data.entry(name)
    folder = data.cache_dir() / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    downloads = []
    for fname, body in files.items():
        (folder / fname).write_bytes(body)
        downloads.append(RemoteFile(fname, ("https://example.invalid/" + fname,), sha256(body), len(body)))
    monkeypatch.setitem(data._BY_NAME, name, dataclasses.replace(e, downloads=tuple(downloads)))
    return folder


def _tar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return buf.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buf.getvalue()


# ------------------------------------------------------------------ CIFAR-10 ---

NAMES = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]


def _pixel(i, r, c, ch):
    return (i * 7 + r * 3 + c + ch * 50) % 256


def _cifar_batch(start: int, n: int) -> bytes:
    i, r, c = np.meshgrid(np.arange(start, start + n), np.arange(32), np.arange(32), indexing="ij")
    planes = [_pixel(i, r, c, ch).reshape(n, 1024) for ch in range(3)]  # R plane, G plane, B plane, row by row
    batch = {b"batch_label": b"fixture", b"labels": [(start + k) % 10 for k in range(n)],
             b"data": np.concatenate(planes, axis=1).astype(np.uint8),
             b"filenames": [f"img_{start + k}.png".encode() for k in range(n)]}
    return pickle.dumps(batch, protocol=2)


def _cifar_archive(per_batch: int = 4) -> bytes:
    members = {f"cifar-10-batches-py/data_batch_{b}": _cifar_batch((b - 1) * per_batch, per_batch) for b in range(1, 6)}
    members["cifar-10-batches-py/test_batch"] = _cifar_batch(1000, 3)
    members["cifar-10-batches-py/batches.meta"] = pickle.dumps(
        {b"label_names": NAMES, b"num_cases_per_batch": per_batch, b"num_vis": 3072}, protocol=2)
    members["cifar-10-batches-py/readme.html"] = b"<html></html>"
    return _tar(members)


def test_cifar_reader_decodes_the_channel_planes(tmp_path):
    path = tmp_path / "cifar-10-python.tar.gz"
    path.write_bytes(_cifar_archive())
    train = cifar.read_cifar10(path, "train")
    assert train.images.shape == (20, 32, 32, 3) and train.images.dtype == np.uint8
    assert train.labels.tolist() == [k % 10 for k in range(20)] and train.labels.dtype == np.int64
    assert train.label_names[0] == "airplane" and train.label_names[9] == "truck"
    for i, r, c, ch in [(0, 0, 0, 0), (5, 3, 17, 1), (19, 31, 31, 2)]:
        assert train.images[i, r, c, ch] == _pixel(i, r, c, ch)
    test = cifar.read_cifar10(path, "test")
    assert len(test) == 3 and test.images[2, 1, 2, 0] == _pixel(1002, 1, 2, 0)


def test_cifar_loader_through_the_registry(monkeypatch):
    install_fixture(monkeypatch, "cifar-10", {"cifar-10-python.tar.gz": _cifar_archive()})
    monkeypatch.setattr(cifar, "COUNTS", {"train": 20, "test": 3})
    assert data.load("cifar-10", split="test").images.shape == (3, 32, 32, 3)
    monkeypatch.setattr(cifar, "COUNTS", {"train": 50_000, "test": 10_000})
    with pytest.raises(CourseError, match="has 3 images, expected 10000"):
        data.load("cifar-10", split="test")


def test_cifar_reader_refuses_bad_batches(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    bad_members = {"cifar-10-batches-py/test_batch": pickle.dumps({b"data": Evil(), b"labels": []}, protocol=2),
                   "cifar-10-batches-py/batches.meta": pickle.dumps({b"label_names": NAMES}, protocol=2)}
    path = tmp_path / "evil.tar.gz"
    path.write_bytes(_tar(bad_members))
    with pytest.raises(CourseError, match="refusing to load"):
        cifar.read_cifar10(path, "test")
    wrong = {b"data": np.zeros((2, 3000), np.uint8), b"labels": [0, 1]}
    path.write_bytes(_tar({"cifar-10-batches-py/test_batch": pickle.dumps(wrong, protocol=2),
                           "cifar-10-batches-py/batches.meta": bad_members["cifar-10-batches-py/batches.meta"]}))
    with pytest.raises(CourseError) as info:
        cifar.read_cifar10(path, "test")
    assert "test_batch" in info.value.message and "(2, 3000)" in info.value.message
    labels = {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 12]}
    path.write_bytes(_tar({"cifar-10-batches-py/test_batch": pickle.dumps(labels, protocol=2),
                           "cifar-10-batches-py/batches.meta": bad_members["cifar-10-batches-py/batches.meta"]}))
    with pytest.raises(CourseError, match="labels has values up to 12"):
        cifar.read_cifar10(path, "test")
    path.write_bytes(b"not a tar file")
    with pytest.raises(CourseError, match="not a readable CIFAR-10 archive"):
        cifar.read_cifar10(path, "test")


# ------------------------------------------------------------------- SST-2 ---

SST_TRAIN = ("sentence\tlabel\n"
             "hide new secretions from the parental units \t0\n"
             "contains no wit , only labored gags \t0\n"
             "that loves its characters and communicates something rather beautiful about human nature \t1\n"
             "the \"best\" film of the year \t1\n")
SST_DEV = "sentence\tlabel\nit 's a charming and often affecting journey . \t1\n"
SST_TEST = "index\tsentence\n0\tuneasy mishmash of styles and genres .\n1\tthis film 's relationship to actual tension is the same\n"


def _sst_zip(train: str = SST_TRAIN) -> bytes:
    return _zip({"SST-2/train.tsv": train.encode(), "SST-2/dev.tsv": SST_DEV.encode(), "SST-2/test.tsv": SST_TEST.encode(),
                 "SST-2/original/README.txt": b"x"})


def test_sst2_reader(tmp_path):
    path = tmp_path / "SST-2.zip"
    path.write_bytes(_sst_zip())
    train = sentiment.read_sst2(path, "train")
    assert train.texts[0] == "hide new secretions from the parental units" and train.labels.tolist() == [0, 0, 1, 1]
    assert train.texts[3] == 'the "best" film of the year' and train.label_names == ("negative", "positive")
    assert sentiment.read_sst2(path, "valid").labels.tolist() == [1]
    test = sentiment.read_sst2(path, "test")
    assert test.texts[0] == "uneasy mishmash of styles and genres ." and test.labels.tolist() == [-1, -1]
    path.write_bytes(_sst_zip(SST_TRAIN + "a sentence with a bad label\t2\n"))
    with pytest.raises(CourseError) as info:
        sentiment.read_sst2(path, "train")
    assert "SST-2/train.tsv" in info.value.message and "line 6" in info.value.message


def test_sst2_loader_through_the_registry(monkeypatch):
    install_fixture(monkeypatch, "sst2", {"SST-2.zip": _sst_zip()})
    monkeypatch.setattr(sentiment, "SST2_COUNTS", {"train": 4, "valid": 1, "test": 2})
    assert len(data.load("sst2", split="train")) == 4


# -------------------------------------------------------------------- IMDB ---

def _imdb() -> bytes:
    return _tar({"aclImdb/README": b"readme", "aclImdb/imdb.vocab": b"the\n",
                 "aclImdb/train/pos/10_9.txt": b"Great film.<br /><br />Loved it.",
                 "aclImdb/train/pos/2_7.txt": "Très bien.".encode(),
                 "aclImdb/train/neg/3_1.txt": b"Awful.", "aclImdb/train/neg/0_3.txt": b"Dull.",
                 "aclImdb/train/unsup/5_0.txt": b"unlabelled", "aclImdb/train/urls_pos.txt": b"http://x",
                 "aclImdb/test/pos/0_10.txt": b"Superb.", "aclImdb/test/neg/0_2.txt": b"Bad."})


def test_imdb_reader(tmp_path, monkeypatch):
    path = tmp_path / "aclImdb_v1.tar.gz"
    path.write_bytes(_imdb())
    train = sentiment.read_imdb(path, "train")
    assert train.texts == ["Dull.", "Awful.", "Très bien.", "Great film.<br /><br />Loved it."]
    assert train.labels.tolist() == [0, 0, 1, 1] and train.label_names == ("neg", "pos")
    assert len(sentiment.read_imdb(path, "test")) == 2
    install_fixture(monkeypatch, "imdb", {"aclImdb_v1.tar.gz": _imdb()})
    with pytest.raises(CourseError, match="has 2 reviews, expected 25000"):
        data.load("imdb", split="test")
    path.write_bytes(_tar({"aclImdb/train/pos/1_2.txt": b"rated 2 but filed as positive"}))
    with pytest.raises(CourseError, match="rating 2 does not fit the pos folder"):
        sentiment.read_imdb(path, "train")


# ---------------------------------------------------------------- WikiText ---

def test_wikitext_reader(tmp_path, monkeypatch):
    body = " = Valkyria Chronicles III = \n \n Senjō no Valkyria 3 : Unrecorded Chronicles is a game . \n"
    files = {f"wikitext-103-raw/wiki.{s}.raw": (body if s == "test" else f" = {s} = \n").encode() for s in wikitext.SPLITS}
    path = tmp_path / "w.zip"
    path.write_bytes(_zip(files))
    assert wikitext.read_wikitext(path, "test") == body
    assert wikitext.read_wikitext(path, "test", max_chars=40) == body[:40] and "ō" in body[:40]
    euros = tmp_path / "e.zip"  # three-byte characters: reading 4 * 3 + 4 bytes cuts the sixth one in half
    euros.write_bytes(_zip({f"wikitext-103-raw/wiki.{s}.raw": ("€" * 10).encode() for s in wikitext.SPLITS}))
    assert wikitext.read_wikitext(euros, "test", max_chars=3) == "€€€"
    assert wikitext.read_wikitext(path, "valid").strip() == "= valid ="
    install_fixture(monkeypatch, "wikitext-103", {"wikitext-103-raw-v1.zip": _zip(files)})
    assert data.load("wikitext-103", split="test") == body
    path.write_bytes(_zip({"wikitext-103-raw/wiki.train.raw": b"x"}))
    with pytest.raises(CourseError, match="wiki.test.raw"):
        wikitext.read_wikitext(path, "test")


# ------------------------------------------------------------ MediaWiki XML ---

WIKI_XML = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10" xml:lang="en">
  <siteinfo><sitename>Wikipedia</sitename></siteinfo>
  <page>
    <title>Aardwolf</title><ns>0</ns><id>12</id>
    <revision><id>99</id><contributor><username>X</username><id>5</id></contributor>
      <text xml:space="preserve">{{Infobox animal
| name = Aardwolf {{nested|template}}
| image = Aardwolf.png
}}
The '''aardwolf''' (''Proteles cristata'') is a small [[insectivore|insectivorous]] [[mammal]] native to [[East Africa|East]] and [[Southern Africa]].&lt;ref name="a"&gt;{{cite web|url=http://x.org|title=T}}&lt;/ref&gt; Its name means "earth wolf".&lt;ref name=a/&gt;
[[File:Aardwolf skull.jpg|thumb|A skull with [[tooth|teeth]] shown]]

== Taxonomy ==
It was described in 1783.&lt;!-- hidden comment --&gt; See [http://example.org the site] for more.
* It eats [[termite]]s.
* It is [[nocturnal]].

{| class="wikitable"
| a || b
|}

== References ==
{{reflist}}
Some reference text.

[[Category:Mammals]]
[[de:Erdwolf]]</text>
    </revision>
  </page>
  <page>
    <title>Aard wolf</title><ns>0</ns><id>13</id><redirect title="Aardwolf" />
    <revision><id>100</id><text xml:space="preserve">#REDIRECT [[Aardwolf]]</text></revision>
  </page>
  <page>
    <title>Talk:Aardwolf</title><ns>1</ns><id>14</id>
    <revision><id>101</id><text xml:space="preserve">Discussion.</text></revision>
  </page>
  <page>
    <title>Albedo</title><ns>0</ns><id>29</id>
    <revision><id>102</id><text xml:space="preserve">'''Albedo''' is a measure of [[Diffuse reflection|diffuse reflection]] &amp;nbsp;of light.</text></revision>
  </page>
</mediawiki>
"""

AARDWOLF = ("The aardwolf (Proteles cristata) is a small insectivorous mammal native to East and Southern Africa. "
            "Its name means \"earth wolf\".\n\nTaxonomy\nIt was described in 1783. See the site for more.\n"
            "It eats termites.\nIt is nocturnal.")


def test_wikipedia_reader_strips_markup(tmp_path):
    plain = tmp_path / "enwiki-fixture.xml"
    plain.write_text(WIKI_XML, encoding="utf-8")
    packed = tmp_path / "enwiki-fixture.xml.bz2"
    packed.write_bytes(bz2.compress(WIKI_XML.encode("utf-8")))
    for path in (plain, packed):
        articles = wikipedia.read_dump(path)
        assert [(a.id, a.title) for a in articles] == [(12, "Aardwolf"), (29, "Albedo")]
        assert articles[0].text == AARDWOLF
        assert articles[1].text == "Albedo is a measure of diffuse reflection of light."
    assert [a.title for a in wikipedia.select(articles, "test")] == ["Albedo"]
    assert wikipedia.select(articles, "train")[0].title == "Aardwolf"


def test_wikipedia_reader_names_a_broken_file(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text(WIKI_XML[: len(WIKI_XML) // 2], encoding="utf-8")
    with pytest.raises(CourseError) as info:
        wikipedia.read_dump(path)
    assert str(path) in info.value.message and "XML" in info.value.message
    path.write_bytes(b"BZh91AY&SY" + b"\0" * 50)
    path = path.rename(tmp_path / "broken.xml.bz2")
    with pytest.raises(CourseError, match="could not be read|XML"):
        wikipedia.read_dump(path)


def test_wiki_markup_edge_cases():
    s = wikipedia.strip_markup
    assert s("a {{x|{{y}}}} b") == "a b"
    assert s("[[a|b]] [[c]]s [[:Category:Z|cats]] [[Image:q.png|thumb|[[x|y]]]] end") == "b cs cats end"
    assert s("x <math>a^2</math> y <br/> z") == "x y z"
    assert s("unclosed {{template") == "unclosed"


# ------------------------------------------------------------- hub models ---

def _tiny_tokenizer_files() -> dict[str, bytes]:
    src = data.path("tiny-llama-1m")
    return {n: (src / n).read_bytes() for n in ("tokenizer.json", "tokenizer_config.json")}


def _saved(model, extra: dict[str, bytes], tmp_path: Path) -> dict[str, bytes]:
    out = tmp_path / "saved"
    model.save_pretrained(str(out))
    files = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    files.update(extra)
    return files


def test_hub_causal_lm_loader_reads_a_cached_checkpoint(monkeypatch, tmp_path):
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=4096, n_positions=64, n_embd=32, n_layer=1, n_head=2))
    install_fixture(monkeypatch, "gpt2", _saved(model, _tiny_tokenizer_files(), tmp_path))
    tok, loaded, folder = data.load("gpt2")
    assert type(loaded).__name__ == "GPT2LMHeadModel" and not loaded.training
    assert folder == data.cache_dir() / "gpt2"
    ids = tok("The history of", return_tensors="pt")
    with torch.no_grad():
        assert torch.allclose(loaded(**ids).logits, model.eval()(**ids).logits, atol=1e-5)
    (folder / "model.safetensors").write_bytes(b"\0" * (folder / "model.safetensors").stat().st_size)
    with pytest.raises(CourseError, match="checksum mismatch"):
        data.load("gpt2")


def test_hub_encoder_loader_builds_the_asked_head(monkeypatch, tmp_path):
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    model = BertModel(BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                 intermediate_size=64, max_position_embeddings=64))
    minilm = data.path("minilm")
    extra = {n: (minilm / n).read_bytes() for n in ("vocab.txt", "tokenizer.json", "tokenizer_config.json",
                                                     "special_tokens_map.json")}
    install_fixture(monkeypatch, "bert-base-uncased", _saved(model, extra, tmp_path))
    tok, enc, _ = data.load("bert-base-uncased")
    assert type(enc).__name__ == "BertModel" and tok("hello world")["input_ids"][0] == 101
    _, clf, _ = data.load("bert-base-uncased", head="sequence-classification", num_labels=3)
    assert type(clf).__name__ == "BertForSequenceClassification" and clf.config.num_labels == 3
    with pytest.raises(CourseError, match="Unknown head"):
        data.load("bert-base-uncased", head="regression")
    assert cache.read_stamp(data.cache_dir() / "bert-base-uncased")["files"]  # verified files are stamped


def test_hub_seq2seq_loader_reads_a_cached_checkpoint(monkeypatch, tmp_path):
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    torch.manual_seed(0)
    model = T5ForConditionalGeneration(T5Config(vocab_size=4096, d_model=32, d_kv=8, d_ff=64, num_layers=1,
                                                num_heads=2, decoder_start_token_id=0, pad_token_id=0))
    install_fixture(monkeypatch, "flan-t5-small", _saved(model, _tiny_tokenizer_files(), tmp_path))
    tok, loaded, _ = data.load("flan-t5-small")
    assert type(loaded).__name__ == "T5ForConditionalGeneration"
    with torch.no_grad():
        out = loaded.generate(**tok("translate: one", return_tensors="pt"), max_new_tokens=3)
    assert out.shape[0] == 1
