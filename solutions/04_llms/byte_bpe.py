"""Byte-level BPE: training, encoding, decoding and streaming encoding.

Goal
----
Build the tokenizer family of GPT-2, GPT-4, Llama 3 and most current LLMs:

* ``train_bpe``: learn merges from text, starting from the 256 byte values;
* ``encode`` / ``decode``: text -> token ids -> the same text, for ANY string
  (emoji, CJK, accents, control characters: there is no unknown token);
* ``encode_stream``: encode an arbitrarily long stream of text chunks lazily,
  yielding ids as it goes, in memory bounded by the chunk size.

Your merges must equal those of Hugging Face ``tokenizers`` (a ``BPE`` model,
a ``ByteLevel`` pre-tokenizer and a ``BpeTrainer``) trained on the same text
with the same vocabulary size, and your ids must equal its ids.

Why it matters
--------------
Character-level vocabularies are huge (Unicode has 150k+ characters) and
still miss some; word-level ones cannot spell new words. Byte-level BPE
starts from the 256 bytes, so every UTF-8 string is encodable, and then
greedily merges the most frequent adjacent pair into a new token until the
vocabulary is full: frequent words become one token, rare ones are spelled
from pieces. The tokenizer decides what the model sees, how long sequences
are, and what costs are: e.g. GPT-2's tokenizer spends 2-3x more tokens on
Hindi or Korean than on English for the same content.

The algorithm
-------------
Ids. Token ids 0..255 are single bytes, in the order Hugging Face uses: each
byte is shown as a printable character by GPT-2's ``bytes_to_unicode`` table
and the 256 characters are sorted (``BASE_VOCAB`` below, given). A token IS
its byte string: a merge whose result already exists reuses that id.

Pre-tokenisation (optional, on by default). The text is first split by
GPT-2's regex (``pretokenize``, given) into pieces such as "Hello", " world",
"'s", " 123", "!!", "  "; merges never cross a piece boundary, so " the" and
"the" are separate tokens and no token glues a word to punctuation. With
``use_regex=False`` each text is a single piece.

Training. Count the pieces of all texts (a word that occurs 1000 times is
processed once, with weight 1000); each piece starts as its byte ids. Then,
until ``len(vocab) == vocab_size`` or no pair is left:

    1. count every adjacent pair (x, y) in every piece, weighted by the piece's
       count (overlaps count: "aaa" holds (a, a) twice);
    2. pick the most frequent pair; on a tie the pair with the smallest
       (id of x, id of y), as Hugging Face does;
    3. the new token is bytes(x) + bytes(y): its id is the next free id
       (len(vocab)) unless that byte string is already a token;
    4. in every piece, replace (x, y) by the new id, scanning left to right
       ("aaa" -> [aa, a]); record the merge (x, y).

Recounting every pair after each merge is correct but far too slow. Keep the
pair counts and, for each pair, the set of pieces that contain it; after a
merge only the pieces that contained the merged pair change, so subtract
their old pairs and add their new ones. Finding the maximum by scanning all
pairs at every merge is also slow: use a heap (``heapq``) of (-count, x, y)
and push a fresh entry whenever a count changes, skipping stale entries when
they are popped. Budget: 300k characters to a 600-token vocabulary in a
couple of seconds.

Encoding a piece. Start from its byte ids; repeatedly find the adjacent pair
with the LOWEST merge rank (the earliest learned), merge all its occurrences
left to right, until no adjacent pair is a merge. Cache encoded pieces: text
repeats.

Streaming. A chunk boundary may cut a piece ("hel" | "lo world"): split
``carry + chunk``, encode all pieces but the last, and carry the last one
into the next chunk; at the end, encode the carry. Memory is then bounded by
the chunk size plus the longest piece (and the cache, which you should cap).

API
---
    BASE_VOCAB                           list of 256 single-byte tokens, index = id (given)
    pretokenize(text)                    -> list[str], "".join(it) == text (given)
    train_bpe(texts, vocab_size, use_regex=True)
                                         -> (merges: list[(id, id)], vocab: list[bytes])
    encode(text, merges, vocab, use_regex=True)  -> list[int]
    decode(ids, vocab)                   -> str
    encode_stream(chunks, merges, vocab) -> an iterator of ids (a generator)

Worked example
--------------
    >>> merges, vocab = train_bpe(["aaa aaaa"], vocab_size=259)
    >>> [vocab[x] + vocab[y] for x, y in merges]
    [b'aa', b' aa', b'aaa']
    >>> pretokenize("aaa aaaa")
    ['aaa', ' aaaa']
    >>> ids = encode("héllo 😀", merges, vocab); decode(ids, vocab)
    'héllo 😀'
    >>> len(encode("😀", merges, vocab))                 # 4 UTF-8 bytes
    4

Hand check of the first merges: pieces "aaa" and " aaaa" hold (a, a) 2 + 3
times and (" ", a) once, so (a, a) wins; the pieces become [aa, a] and
[" ", aa, aa]: (aa, a), (" ", aa) and (aa, aa) tie at 1. The space byte is
shown as "Ġ" (U+0120), which sorts after "a", but every base id is below the
new id 256 of "aa", so (" ", aa) = (220, 256) is the smallest and wins; then
(aa, a) = (256, 64) beats (" aa", aa) = (257, 256).

Reference
---------
Sennrich, Haddow & Birch, "Neural Machine Translation of Rare Words with
Subword Units" (2016); Radford et al., "Language Models are Unsupervised
Multitask Learners" (GPT-2, 2019), section 2.2 (byte-level BPE); Karpathy's
``minbpe``; Hugging Face tokenizers documentation, "Models: BPE" and
``BpeTrainer``.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

import regex

# GPT-2's pre-tokenisation pattern: contractions, letters, numbers, other symbols, whitespace.
GPT2_PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's table mapping each byte to a printable character (printable Latin-1 bytes map to themselves)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


_B2U = bytes_to_unicode()
# The 256 single-byte tokens in Hugging Face's id order (sorted by their printable character).
BASE_VOCAB: list[bytes] = [bytes([b]) for b in sorted(range(256), key=lambda b: _B2U[b])]
BYTE_TO_ID: dict[int, int] = {tok[0]: i for i, tok in enumerate(BASE_VOCAB)}


def pretokenize(text: str) -> list[str]:
    """Split text with GPT-2's regex; the pieces concatenate back to text."""
    return GPT2_PATTERN.findall(text)


def _merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every occurrence of pair in ids by new_id, scanning left to right."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def train_bpe(texts: Iterable[str], vocab_size: int, use_regex: bool = True) -> tuple[list[tuple[int, int]], list[bytes]]:
    """Learn byte-level BPE merges until the vocabulary has vocab_size tokens (or no pair is left).

    Args:
        texts: the training texts.
        vocab_size: the target vocabulary size, >= 256.
        use_regex: split each text with ``pretokenize`` first (else a text is one piece).

    Returns:
        (merges, vocab): the merges (id_x, id_y) in the order learned, and the
        vocabulary as byte strings, index = id (vocab[:256] == BASE_VOCAB).
    """
    piece_counts = Counter(p for text in texts for p in (pretokenize(text) if use_regex else [text]))
    words = [[BYTE_TO_ID[b] for b in piece.encode("utf-8")] for piece in piece_counts]  # each piece as byte ids
    freqs = list(piece_counts.values())

    pair_counts: Counter[tuple[int, int]] = Counter()
    where: dict[tuple[int, int], set[int]] = defaultdict(set)  # pair -> pieces that (may) contain it
    for wi, word in enumerate(words):
        for pair in zip(word, word[1:]):
            pair_counts[pair] += freqs[wi]
            where[pair].add(wi)

    # A max-heap of (-count, id_x, id_y): the top is the most frequent pair, ties -> smallest ids
    # (Hugging Face's rule). Counts change during training; instead of updating entries we push a
    # fresh one on every change and skip popped entries whose count is out of date.
    heap = [(-c, x, y) for (x, y), c in pair_counts.items()]
    heapq.heapify(heap)

    vocab = list(BASE_VOCAB)
    token_id = {tok: i for i, tok in enumerate(vocab)}
    merges: list[tuple[int, int]] = []
    while len(vocab) < vocab_size and heap:
        neg, x, y = heapq.heappop(heap)
        best = (x, y)
        if -neg != pair_counts.get(best, 0) or neg == 0:
            continue  # stale entry
        merged = vocab[x] + vocab[y]
        if merged not in token_id:  # a token is its byte string: reuse an existing id
            token_id[merged] = len(vocab)
            vocab.append(merged)
        new_id = token_id[merged]
        merges.append(best)
        changed: set[tuple[int, int]] = set()
        for wi in where.pop(best):  # only the pieces holding the pair change
            word, f = words[wi], freqs[wi]
            for pair in zip(word, word[1:]):
                pair_counts[pair] -= f
                changed.add(pair)
            word = _merge(word, best, new_id)
            for pair in zip(word, word[1:]):
                pair_counts[pair] += f
                where[pair].add(wi)
                changed.add(pair)
            words[wi] = word
        for pair in changed:
            if pair_counts[pair] > 0:
                heapq.heappush(heap, (-pair_counts[pair], *pair))
            else:
                del pair_counts[pair]
    return merges, vocab


def _piece_encoder(merges: list[tuple[int, int]], vocab: list[bytes]):
    """A function piece -> ids that applies the merges by rank, with a capped cache."""
    token_id = {tok: i for i, tok in enumerate(vocab)}
    ranks = {pair: (rank, token_id[vocab[pair[0]] + vocab[pair[1]]]) for rank, pair in enumerate(merges)}
    cache: dict[str, list[int]] = {}

    def encode_piece(piece: str) -> list[int]:
        if piece in cache:
            return cache[piece]
        ids = [BYTE_TO_ID[b] for b in piece.encode("utf-8")]
        while len(ids) >= 2:
            # the adjacent pair that was learned first
            pair = min(zip(ids, ids[1:]), key=lambda p: ranks.get(p, (float("inf"),))[0])
            if pair not in ranks:
                break  # nothing left to merge
            ids = _merge(ids, pair, ranks[pair][1])
        if len(cache) >= 100_000:
            cache.clear()  # bounded memory on endless streams
        cache[piece] = ids
        return ids

    return encode_piece


def encode(text: str, merges: list[tuple[int, int]], vocab: list[bytes], use_regex: bool = True) -> list[int]:
    """Token ids of text: pre-tokenise (if use_regex), then merge each piece by rank."""
    encode_piece = _piece_encoder(merges, vocab)
    return [i for piece in (pretokenize(text) if use_regex else [text]) for i in encode_piece(piece)]


def decode(ids: list[int], vocab: list[bytes]) -> str:
    """Concatenate the tokens' bytes and decode as UTF-8 (invalid sequences become U+FFFD)."""
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")


def encode_stream(chunks: Iterable[str], merges: list[tuple[int, int]], vocab: list[bytes]) -> Iterator[int]:
    """Lazily yield the ids of "".join(chunks), equal to encode() of the whole text (with the regex).

    Consumes ``chunks`` one at a time and yields ids as soon as they are final,
    so it works on an endless iterator.
    """
    encode_piece = _piece_encoder(merges, vocab)
    carry = ""
    for chunk in chunks:
        pieces = pretokenize(carry + chunk)
        if not pieces:
            continue
        carry = pieces.pop()  # the last piece may continue in the next chunk
        for piece in pieces:
            yield from encode_piece(piece)
    if carry:
        yield from encode_piece(carry)
