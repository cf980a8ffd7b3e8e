"""The text samples that gensim ships as test data, parsed by our own readers (gensim itself is never imported)."""

from __future__ import annotations

import io
import pickle
import zlib
from pathlib import Path

import numpy as np

from grader.data.loaders.types import TextClassification, WordVectors, bad, check_array, check_split


def _lines(path: Path) -> list[str]:
    """The file's lines: UTF-8, or Windows-1252 for the older samples (the polarity snippets, the Lee articles)."""
    raw = path.read_bytes()
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding).splitlines()
        except UnicodeDecodeError:
            continue
    raise bad(path, "neither UTF-8 nor Windows-1252 text")


def load_movie_polarity(src) -> TextClassification:
    """Pang & Lee sentence polarity sample: 200 lines ``__label__neg text`` / ``__label__pos text``."""
    path = src.file("pang_lee_polarity.cor")
    names = ("neg", "pos")
    texts, labels = [], []
    for n, line in enumerate(_lines(path), 1):
        if not line.strip():
            continue
        tag, _, text = line.partition(" ")
        label = tag.removeprefix("__label__")
        if not tag.startswith("__label__") or label not in names or not text.strip():
            raise bad(path, f"line {n} is not '__label__neg|pos TEXT': {line[:60]!r}")
        texts.append(text.strip())
        labels.append(names.index(label))
    y = check_array(path, "the labels", np.asarray(labels, dtype=np.int64), shape=(200,), lo=0, hi=1)
    return TextClassification(texts, y, names)


def load_lee(src, split: str = "train") -> list[str]:
    """Lee news corpus: 'train' = the 300 background documents, 'test' = the 50 documents of the similarity study."""
    check_split(split, ("train", "test"))
    fname, n = ("lee_background.cor", 300) if split == "train" else ("lee.cor", 50)
    path = src.file(fname)
    docs = [line.strip() for line in _lines(path) if line.strip()]
    if len(docs) != n:
        raise bad(path, f"{len(docs)} documents, expected {n}")
    return docs


class _BunchUnpickler(pickle.Unpickler):
    """Only what an old scikit-learn Bunch of lists and numpy arrays needs: anything else is refused."""

    class Bunch(dict):
        def __setstate__(self, state):  # old Bunch pickles carry an (empty) instance dict
            if state:
                self.update(state)

    def find_class(self, module: str, name: str):
        import numpy.core.multiarray  # noqa: F401 - numpy 2 keeps it as an alias of numpy._core

        allowed = {
            ("sklearn.datasets.base", "Bunch"): self.Bunch,
            ("sklearn.utils", "Bunch"): self.Bunch,
            ("copy_reg", "_reconstructor"): __import__("copyreg")._reconstructor,
            ("__builtin__", "dict"): dict,
            ("__builtin__", "object"): object,
            ("numpy", "ndarray"): np.ndarray,
            ("numpy", "dtype"): np.dtype,
            ("numpy.core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct if hasattr(np, "_core")
            else np.core.multiarray._reconstruct,
        }
        try:
            return allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}") from None


def read_bunch(path: Path) -> dict:
    try:
        raw = zlib.decompress(path.read_bytes())
        return _BunchUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except (zlib.error, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise bad(path, f"not a compressed scikit-learn Bunch pickle ({type(exc).__name__}: {exc})") from None


def _strip_headers(post: str) -> str:
    head, sep, body = post.partition("\n\n")
    return body.strip() if sep else post.strip()


def load_newsgroups(src, remove_headers: bool = True) -> TextClassification:
    """The 200-post 20 Newsgroups sample (alt.atheism vs sci.space); headers removed unless remove_headers=False."""
    path = src.file("mini_newsgroup")
    bunch = read_bunch(path)
    try:
        data, target, names = bunch["data"], np.asarray(bunch["target"]), tuple(bunch["target_names"])
    except KeyError as exc:
        raise bad(path, f"the Bunch has no {exc} field") from None
    if names != ("alt.atheism", "sci.space"):
        raise bad(path, f"unexpected groups {names}")
    texts = [_strip_headers(t) if remove_headers else t for t in data]
    y = check_array(path, "the target", target.astype(np.int64), shape=(200,), lo=0, hi=1)
    if len(texts) != 200 or not all(isinstance(t, str) for t in texts):
        raise bad(path, "expected 200 text posts")
    return TextClassification(texts, y, names)


def load_analogies(src) -> dict[str, list[tuple[str, str, str, str]]]:
    """questions-words.txt: ``: section`` lines, then ``a b c d`` (a is to b as c is to d)."""
    path = src.file("questions-words.txt")
    sections: dict[str, list[tuple[str, str, str, str]]] = {}
    current = None
    for n, line in enumerate(_lines(path), 1):
        if line.startswith(":"):
            current = line[1:].strip()
            sections[current] = []
            continue
        words = line.split()
        if not words:
            continue
        if current is None or len(words) != 4:
            raise bad(path, f"line {n} is not four words in a section: {line!r}")
        sections[current].append((words[0], words[1], words[2], words[3]))
    total = sum(map(len, sections.values()))
    if len(sections) != 14 or total != 19544:
        raise bad(path, f"{len(sections)} sections and {total} questions, expected 14 and 19544")
    return sections


_VECTOR_FILES = {"glove": ("test_glove.txt", 76, 50), "lee": ("lee_fasttext.vec", 1762, 10),
                 "polarity": ("pang_lee_polarity_fasttext.vec", 1694, 100)}


def read_word_vectors(path: Path, *, header: bool | None = None) -> WordVectors:
    """A text word-vector file: word2vec/fastText ``.vec`` (first line ``count dim``) or GloVe (no header)."""
    lines = _lines(path)
    if header is None:
        header = len(lines[0].split()) == 2 if lines else False
    rows = lines[1:] if header else lines
    words, vecs = [], []
    dim = None
    for n, line in enumerate(rows, 2 if header else 1):
        parts = line.rstrip().split(" ")
        if len(parts) < 2:
            continue
        if dim is None:
            dim = len(parts) - 1
        if len(parts) - 1 != dim:
            raise bad(path, f"line {n} has {len(parts) - 1} numbers, expected {dim}")
        try:
            vecs.append([float(x) for x in parts[1:]])
        except ValueError:
            raise bad(path, f"line {n} has a value that is not a number") from None
        words.append(parts[0])
    if header:
        count, d = (int(x) for x in lines[0].split())
        if count != len(words) or d != dim:
            raise bad(path, f"the header says {count} x {d}, the file has {len(words)} x {dim}")
    return WordVectors(words, np.asarray(vecs, dtype=np.float32))


def load_word_vectors(src, which: str = "glove") -> WordVectors:
    """Small real word vectors: which='glove' (76 x 50), 'lee' (1762 x 10) or 'polarity' (1694 x 100)."""
    check_split(which, tuple(_VECTOR_FILES))
    fname, n, d = _VECTOR_FILES[which]
    path = src.file(fname)
    wv = read_word_vectors(path)
    check_array(path, "the vectors", wv.vectors, shape=(n, d), dtype=np.float32)
    if len(set(wv.words)) != n:
        raise bad(path, "repeated words")
    return wv


def load_word_similarity(src, which: str = "wordsim353") -> list[tuple[str, str, float]]:
    """Word pairs with a human similarity score (0-10): which='wordsim353' (353) or 'simlex999' (999)."""
    check_split(which, ("wordsim353", "simlex999"))
    fname, n = ("wordsim353.tsv", 353) if which == "wordsim353" else ("simlex999.txt", 999)
    path = src.file(fname)
    out = []
    for k, line in enumerate(_lines(path), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        try:
            out.append((parts[0], parts[1], float(parts[2])))
        except (IndexError, ValueError):
            raise bad(path, f"line {k} is not 'word<TAB>word<TAB>score': {line!r}") from None
    scores = np.asarray([s for _, _, s in out])
    check_array(path, "the scores", scores, shape=(n,), lo=0, hi=10)
    return out
