"""Mutant: ties between equally frequent pairs go to the LARGEST ids."""

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
    heap = [(-c, -x, -y) for (x, y), c in pair_counts.items()]
    heapq.heapify(heap)

    vocab = list(BASE_VOCAB)
    token_id = {tok: i for i, tok in enumerate(vocab)}
    merges: list[tuple[int, int]] = []
    while len(vocab) < vocab_size and heap:
        neg, x, y = heapq.heappop(heap)
        x, y = -x, -y
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
                heapq.heappush(heap, (-pair_counts[pair], -pair[0], -pair[1]))
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
