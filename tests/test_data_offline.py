"""Every offline pack: shapes, dtypes, determinism and spot checks of the content."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from grader import data
from grader.data.loaders import translation
from grader.errors import CourseError
from tests.data_support import *  # noqa: F403 - the offline/cache fixtures

# ----------------------------------------------------------------- tabular ---


@pytest.mark.parametrize("name, fn, shape, classes", [
    ("iris", "load_iris", (150, 4), 3),
    ("wine", "load_wine", (178, 13), 3),
    ("breast-cancer", "load_breast_cancer", (569, 30), 2),
    ("diabetes", "load_diabetes", (442, 10), None),
    ("digits", "load_digits", (1797, 64), 10),
])
def test_tabular_packs_are_sklearns_datasets(name, fn, shape, classes):
    import sklearn.datasets

    ours, theirs = data.load(name), getattr(sklearn.datasets, fn)()
    assert ours.data.shape == shape and ours.data.dtype == np.float64
    np.testing.assert_array_equal(ours.data, theirs.data)
    np.testing.assert_array_equal(ours.target, theirs.target)
    if classes:
        assert set(np.unique(ours.target)) == set(range(classes))


def test_tabular_options_pass_through():
    X, y = data.load("breast-cancer", return_X_y=True, as_frame=True)
    assert X.shape == (569, 30) and "mean radius" in X.columns and y.name == "target"
    raw = data.load("diabetes", scaled=False)
    assert raw.data[0, 0] == 59.0 and raw.data.shape == (442, 10)
    assert data.load("digits").images.shape == (1797, 8, 8)


# --------------------------------------------------------------- wikipedia ---

def test_wiki_excerpt_articles_and_splits():
    everything = data.load("wiki-excerpt")
    splits = {s: data.load("wiki-excerpt", split=s) for s in ("train", "valid", "test")}
    assert len(everything) == 106 and [len(v) for v in splits.values()] == [85, 8, 13]
    ids = [{a.id for a in v} for v in splits.values()]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert set().union(*ids) == {a.id for a in everything}
    assert all(a.id % 10 == 9 for a in splits["test"])
    titles = [a.title for a in everything]
    assert titles[:3] == ["Anarchism", "Autism", "Albedo"] and "Abraham Lincoln" in titles
    assert 2_700_000 < sum(len(a.text) for a in everything) < 2_900_000
    assert data.load("wiki-excerpt") == everything  # deterministic (and served from the parse cache)


def test_wiki_excerpt_text_is_plain():
    by_title = {a.title: a for a in data.load("wiki-excerpt")}
    aardvark = by_title["Aardvark"].text
    assert aardvark.startswith("The aardvark (; Orycteropus afer) is a medium-sized, burrowing, nocturnal mammal native to Africa.")
    assert "\nNaming and taxonomy\n" in aardvark
    assert "termites" in aardvark and "Tubulidentata" in aardvark
    for a in by_title.values():
        for junk in ("{{", "}}", "[[", "]]", "<ref", "</ref>", "'''", "&nbsp;", "&amp;", "<!--", "[http", "{|"):
            assert junk not in a.text, (a.title, junk)
    assert not by_title["Anarchism"].text.rstrip().endswith("References")


# ------------------------------------------------------------------ gensim ---

def test_movie_polarity():
    d = data.load("movie-polarity")
    assert len(d) == 200 and d.labels.dtype == np.int64 and d.label_names == ("neg", "pos")
    assert np.bincount(d.labels).tolist() == [100, 100]
    assert d.texts[0] == "simplistic , silly and tedious ." and d.labels[0] == 0
    assert all(not t.startswith("__label__") for t in d.texts)


def test_lee_corpus():
    train, test = data.load("lee-corpus"), data.load("lee-corpus", split="test")
    assert len(train) == 300 and len(test) == 50
    assert train[0].startswith("Hundreds of people have been forced to vacate their homes")
    assert test[0].startswith("The national executive of the strife-torn Democrats")
    with pytest.raises(CourseError, match="Unknown split"):
        data.load("lee-corpus", split="valid")


def test_newsgroups_mini():
    d = data.load("newsgroups-mini")
    assert len(d) == 200 and d.label_names == ("alt.atheism", "sci.space")
    assert d.labels.dtype == np.int64 and set(d.labels.tolist()) == {0, 1}
    assert not any(t.startswith(("Newsgroups:", "From:", "Path:")) for t in d.texts)
    raw = data.load("newsgroups-mini", remove_headers=False)
    assert raw.texts[0].startswith("Newsgroups: alt.atheism") and raw.labels[0] == 0
    assert all(d.label_names[y] in t.split("\n\n")[0] for t, y in zip(raw.texts, raw.labels))


def test_word_analogies():
    a = data.load("word-analogies")
    assert len(a) == 14 and sum(map(len, a.values())) == 19544
    assert a["capital-common-countries"][0] == ("Athens", "Greece", "Baghdad", "Iraq")
    assert "gram9-plural-verbs" in a


def test_word_vectors():
    glove = data.load("word-vectors")
    assert glove.vectors.shape == (76, 50) and glove.vectors.dtype == np.float32
    assert "the" in glove and glove.vector("the")[0] == pytest.approx(0.418)
    assert data.load("word-vectors", which="lee").vectors.shape == (1762, 10)
    assert data.load("word-vectors", which="polarity").vectors.shape == (1694, 100)


def test_word_similarity():
    ws = data.load("word-similarity")
    assert len(ws) == 353 and ws[0] == ("love", "sex", 6.77)
    sl = data.load("word-similarity", which="simlex999")
    assert len(sl) == 999 and sl[0] == ("old", "new", 1.58)


# --------------------------------------------------------------- generated ---

def test_numbers_translation_splits_and_content():
    splits = {s: data.load("numbers-translation", split=s) for s in ("train", "valid", "test")}
    assert [len(v) for v in splits.values()] == [10_000, 1_000, 1_000]
    srcs = [{a for a, _ in v} for v in splits.values()]
    assert not (srcs[0] & srcs[1] or srcs[0] & srcs[2] or srcs[1] & srcs[2])
    pairs = dict(p for v in splits.values() for p in v)
    assert pairs["forty"] == "quarante" and pairs["zero"] == "zéro"
    assert pairs["six thousand, six hundred and thirty-two"] == "six mille six cent trente-deux"
    # the recorded fingerprint: the same pairs on every machine
    text = "\n".join(f"{a}\t{b}" for s in ("train", "valid", "test") for a, b in splits[s])
    assert hashlib.sha256(text.encode()).hexdigest() == data.entry("numbers-translation").fingerprint


def test_numbers_translation_is_deterministic_by_seed_and_language():
    a = data.load("numbers-translation", split="test", size=240, seed=3)
    assert a == translation._generate("fr", 3, 240)[-20:]
    assert a != data.load("numbers-translation", split="test", size=240, seed=4)
    de = data.load("numbers-translation", split="test", size=240, seed=3, lang="de")
    assert [x for x, _ in de] == [x for x, _ in a] and de[0][1] != a[0][1]
    with pytest.raises(CourseError, match="Unknown language"):
        data.load("numbers-translation", lang="xx")


def test_digits_cifar_is_cifar_shaped_and_labelled_as_a_stand_in():
    train, test = data.load("digits-cifar"), data.load("digits-cifar", split="test")
    assert train.images.shape == (5000, 32, 32, 3) and test.images.shape == (1000, 32, 32, 3)
    assert train.images.dtype == np.uint8 and train.labels.dtype == np.int64
    assert set(train.labels.tolist()) == set(range(10)) and min(np.bincount(train.labels)) > 400
    assert train.label_names == tuple(f"digit {d}" for d in range(10))
    assert "STAND-IN" in train.note and "STAND-IN" in data.entry("digits-cifar").description
    assert 60 < train.images.mean() < 200 and train.images.std() > 40
    h = hashlib.sha256()
    for s in (train, test):
        h.update(s.images.tobytes())
        h.update(s.labels.astype("<i8").tobytes())
    assert h.hexdigest() == data.entry("digits-cifar").fingerprint  # deterministic, same bytes everywhere


def test_digits_cifar_test_images_come_from_unseen_digits():
    from grader.data.loaders import digits_cifar as dc

    pixels, labels = dc.read_digits(data.path("digits"))
    a = dc.generate(pixels, labels, "test", 50, seed=7)
    b = dc.generate(pixels, labels, "test", 50, seed=7)
    np.testing.assert_array_equal(a.images, b.images)
    rng = np.random.default_rng([7, 1])
    order = rng.permutation(np.arange(dc.SOURCE_SPLIT, 1797))[:50]
    assert (order >= dc.SOURCE_SPLIT).all()
    np.testing.assert_array_equal(a.labels, labels[order])


def test_digits_cifar_is_learnable_by_a_linear_model():
    """A sanity floor (the CNN threshold lives in the specs): a linear model on the foreground mask beats chance by far."""
    from sklearn.linear_model import LogisticRegression

    train, test = data.load("digits-cifar"), data.load("digits-cifar", split="test")

    def features(images):
        x = images.astype(np.float32)
        border = np.concatenate([x[:, 0], x[:, -1], x[:, :, 0], x[:, :, -1]], axis=1)
        d = np.sqrt(((x - np.median(border, axis=1)[:, None, None, :]) ** 2).sum(-1))  # distance from the background
        d /= d.max(axis=(1, 2), keepdims=True) + 1e-6
        return d.reshape(len(d), 16, 2, 16, 2).mean(axis=(2, 4)).reshape(len(d), -1)

    clf = LogisticRegression(max_iter=500).fit(features(train.images[:2000]), train.labels[:2000])
    assert clf.score(features(test.images), test.labels) > 0.45
