"""Spec for 04_llms/byte_bpe.py: byte-level BPE training/encoding, exact against Hugging Face tokenizers."""

from __future__ import annotations

import itertools
import json
import time

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from grader import data
from grader.testing import assert_equal, check


def _b2u():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


B2U = _b2u()
U2B = {c: b for b, c in B2U.items()}
BASE = [bytes([b]) for b in sorted(range(256), key=lambda b: B2U[b])]


def _hf(texts, vocab_size, use_regex=True):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=use_regex)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False, special_tokens=[])
    tok.train_from_iterator(texts, trainer=trainer)
    merges = json.loads(tok.to_str())["model"]["merges"]
    return tok, [(bytes(U2B[c] for c in x), bytes(U2B[c] for c in y)) for x, y in merges]


def _as_bytes(merges, vocab):
    return [(bytes(vocab[x]), bytes(vocab[y])) for x, y in merges]


def _first_diff(a, b):
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"first difference at merge {i}: yours {a[i:i + 3]}, Hugging Face's {b[i:i + 3]} (lengths {len(a)} and {len(b)})"


MERGE_HINT = ("count pairs weighted by piece frequency (overlaps count), take the max count with ties going to the SMALLEST "
              "(id_x, id_y), merge left to right, and give a merged byte string that is already a token its existing id")


def test_train_by_hand(learner):
    """train_bpe(["aaa aaaa"], 259): base vocabulary in Hugging Face's order, then merges aa, ' aa', aaa (see the docstring)."""
    merges, vocab = learner.train_bpe(["aaa aaaa"], 259)
    check([bytes(t) for t in vocab[:256]] == BASE, "vocab[:256] is not BASE_VOCAB",
          hint="start the vocabulary from BASE_VOCAB (the 256 bytes in Hugging Face's order), not bytes(range(256))")
    assert_equal(len(vocab), 259, name="len(vocab)", hint="stop when len(vocab) == vocab_size")
    got = [a + b for a, b in _as_bytes(merges, vocab)]
    check(got == [b"aa", b" aa", b"aaa"], f"merges (as byte strings) are {got}, expected [b'aa', b' aa', b'aaa']",
          hint="(a, a) occurs 2 + 3 times; then three pairs tie at 1 and the one with the smallest (id_x, id_y) wins: "
               "(' ', aa) = (220, 256)")


def test_train_runs_out_of_pairs(learner):
    """Training stops early when no adjacent pair is left: 'ab' gives one merge; single bytes and empty texts give none."""
    merges, vocab = learner.train_bpe(["ab", "ab"], 1000)
    check(_as_bytes(merges, vocab) == [(b"a", b"b")] and len(vocab) == 257,
          f"train_bpe(['ab', 'ab'], 1000) gave merges {_as_bytes(merges, vocab)} and {len(vocab)} tokens, expected [(a, b)] and 257",
          hint="stop when no pair is left (a pair whose count fell to 0 is not a pair)")
    merges, vocab = learner.train_bpe(["a", "", "1a", "x!"], 1000)
    check(list(merges) == [] and len(vocab) == 256, f"train_bpe(['a', '', '1a', 'x!']) gave {len(merges)} merges",
          hint="with the regex, '1a' is the pieces '1' and 'a', and 'x!' is 'x' and '!': merges never cross piece boundaries")


def test_matches_hf_on_small_random_corpora(learner, rng):
    """On random strings over a tiny alphabet (many ties, overlaps and duplicate tokens), the merges equal Hugging Face's exactly."""
    for trial in range(6):
        use_regex = trial % 2 == 0
        alphabet = ["a", "b", " ", "é"] if use_regex else ["a", "b", "c"]
        texts = ["".join(rng.choice(alphabet, size=int(rng.integers(1, 14)))) for _ in range(12)]
        vocab_size = 256 + int(rng.integers(5, 30))
        merges, vocab = learner.train_bpe(texts, vocab_size, use_regex=use_regex)
        _, hf = _hf(texts, vocab_size, use_regex)
        mine = _as_bytes(merges, vocab)
        check(mine == hf, f"merges differ from Hugging Face's on texts={texts}, vocab_size={vocab_size}, "
              f"use_regex={use_regex}: {_first_diff(mine, hf)}", hint=MERGE_HINT)


def test_encode_by_rank(learner):
    """Pieces are merged by rank (earliest merge first), not leftmost first: with merges (b, c) then (a, b), 'abc' -> [a, bc]."""
    for texts, vocab_size, samples in [(["aaa aaaa"], 259, ["aaaa", " aaa", "aaa aaaa", "baaab", ""]),
                                       (["bc", "bc", "bc", "ab", "ab"], 258, ["abc", "abcab", "cab", "bcabc"])]:
        merges, vocab = learner.train_bpe(texts, vocab_size)
        tok, _ = _hf(texts, vocab_size)
        for text in samples:
            ids = learner.encode(text, merges, vocab)
            assert_equal(list(ids), tok.encode(text).ids, name=f"encode({text!r}) after training on {texts}",
                         hint="repeatedly merge the adjacent pair with the LOWEST rank (all its occurrences, left to right) "
                              "until no adjacent pair is a merge; the leftmost mergeable pair is not always the earliest learned")


def test_roundtrip_any_utf8(learner, rng):
    """decode(encode(s)) == s for emoji, CJK, combining accents, control characters and random code points."""
    text = "".join(a.text for a in data.load("wiki-excerpt", split="valid"))[:20_000]
    merges, vocab = learner.train_bpe(text.split("\n"), 400)
    samples = ["héllo wörld", "😀👍🏽 family: 👨‍👩‍👧", "東京は日本の首都です。", "e\u0301 n\u0303", "tab\tnew\nline\r\n\x00\x7f",
               "   leading and trailing   ", "", "Ελληνικά και русский"]
    samples.append("".join(chr(c) for c in rng.integers(0x20, 0xD7FF, size=200)))  # no surrogates
    for s in samples:
        ids = learner.encode(s, merges, vocab)
        check(all(0 <= int(i) < len(vocab) for i in ids), f"encode({s[:20]!r}) gave ids outside the vocabulary")
        back = learner.decode(ids, vocab)
        check(back == s, f"decode(encode({s[:30]!r})) = {back[:30]!r}",
              hint="join ALL the tokens' bytes first, then decode once: a multi-byte character may be split across tokens")
    check(len(learner.encode("😀", merges, vocab)) == 4, "an emoji never seen in training should be its 4 UTF-8 bytes",
          hint="each piece starts as one base id per UTF-8 byte")


def test_encode_stream_equals_encode(learner, rng):
    """encode_stream over random chunkings (cuts inside words, spaces, emoji strings, empty chunks) equals encode of the whole text."""
    text = "".join(a.text for a in data.load("wiki-excerpt", split="valid"))[:20_000]
    merges, vocab = learner.train_bpe(text.split("\n"), 350)
    sample = text[:3000] + "  It's 2024!!  Don't   stop... 東京 😀😀\n\n  end  "
    want = list(learner.encode(sample, merges, vocab))
    for _ in range(4):
        cuts = sorted(rng.integers(0, len(sample), size=int(rng.integers(5, 200))).tolist())
        chunks = [sample[i:j] for i, j in zip([0] + cuts, cuts + [len(sample)])]  # some are empty
        got = list(learner.encode_stream(iter(chunks), merges, vocab))
        check(got == want, f"encode_stream over {len(chunks)} chunks gives {len(got)} ids, encode gives {len(want)}"
              + ("" if len(got) != len(want) else " (same length, different ids)"),
              hint="a chunk boundary can cut a piece: pre-tokenise carry + chunk, encode all pieces but the last, and carry "
                   "the last one into the next chunk; encode the carry at the end")


def test_encode_stream_is_lazy(learner):
    """encode_stream is an iterator that yields ids before it has read the whole (here: endless) input."""
    merges, vocab = learner.train_bpe(["the cat sat on the mat. "] * 5, 270)
    read = []

    def endless():
        for i in itertools.count():
            read.append(i)
            if i > 10_000:
                raise RuntimeError("encode_stream read 10,000 chunks to produce 50 ids")
            yield "the cat sat on the mat. "

    stream = learner.encode_stream(endless(), merges, vocab)
    check(iter(stream) is stream, f"encode_stream returned a {type(stream).__name__}, not an iterator",
          hint="write it as a generator: `yield from` the ids of each finished piece")
    first = list(itertools.islice(stream, 50))
    check(len(first) == 50 and len(read) < 100, f"to produce 50 ids encode_stream read {len(read)} chunks",
          hint="yield the ids of each chunk's finished pieces before reading the next chunk")


@pytest.mark.points(3)
def test_matches_hf_on_wiki_excerpt(learner):
    """Trained on 100k characters of wiki-excerpt to 500 tokens, the merges and the ids of held-out text equal Hugging Face's."""
    text = "".join(a.text for a in data.load("wiki-excerpt", split="train"))[:100_000]
    texts = text.split("\n")
    start = time.perf_counter()
    merges, vocab = learner.train_bpe(texts, 500)
    seconds = time.perf_counter() - start
    tok, hf = _hf(texts, 500)
    mine = _as_bytes(merges, vocab)
    check(mine == hf, f"merges differ from Hugging Face's: {_first_diff(mine, hf)}", hint=MERGE_HINT)
    check(seconds < 20, f"train_bpe took {seconds:.1f} s on 100k characters",
          hint="update only the pieces that held the merged pair, and find the best pair with a heap, not a scan")
    held = "".join(a.text for a in data.load("wiki-excerpt", split="test"))[:30_000]
    got = list(learner.encode(held, merges, vocab))
    want = tok.encode(held).ids
    check(got == want, f"encode(held-out text): {len(got)} ids, Hugging Face's {len(want)}",
          hint="pre-tokenise with the regex, then merge each piece by rank")
