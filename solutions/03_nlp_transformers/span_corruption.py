"""T5 span corruption (and BART text infilling): denoising objectives for encoder-decoders.

Goal
----
Build the pre-training examples of T5: drop ~15% of the tokens in a few
contiguous spans, put one sentinel token in the input where each span was,
and ask the decoder to write the dropped spans out, each announced by its
sentinel. You write:

* ``random_spans_noise_mask``: which tokens are dropped, as T5 chooses them
  (exactly round(density * length) tokens in round(noise / mean span length)
  spans, at random positions);
* ``span_corrupt``: the (inputs, targets) pair for a given noise mask;
* ``bart_infilling``: BART's variant, where each span becomes one [MASK] in
  the input and the target is the whole original text.

Why it matters
--------------
Encoder-decoders (T5, Flan-T5, BART, mBART) are pre-trained by denoising.
T5's span corruption gives short targets (only the dropped tokens), so it is
cheap, and the sentinels tell the decoder which hole each span fills. The
same "sentinel" idea is behind fill-in-the-middle training for code models.

The maths
---------
Noise mask for a sequence of length L, density d = 0.15 and mean span
length mu = 3 (the T5 paper's settings):

    n_noise  = round(d * L), clamped to [1, L - 1]    (L >= 2; Python's round, which
                                                       like T5's tf.round rounds halves to even)
    n_spans  = max(1, round(n_noise / mu))
    n_keep   = L - n_noise

Split n_noise into n_spans random positive lengths, and n_keep into n_spans
random positive lengths, then lay them out alternately, STARTING with a kept
span: keep_1, noise_1, keep_2, noise_2, ..., keep_n, noise_n. To split m
items into k random positive parts, choose k - 1 distinct cut points among
the m - 1 gaps uniformly at random (``torch.randperm(m - 1, generator=g)[:k-1]``)
and measure the pieces between them.

Corruption, with sentinel ids S_0, S_1, ... (in T5's vocabulary <extra_id_0>
is id 32099, <extra_id_1> is 32098, ...: pass them in as a list) and an
optional EOS id:

    inputs  = the kept tokens, with the k-th noise span replaced by ONE S_k
    targets = S_0 span_0  S_1 span_1 ... S_{n-1} span_{n-1}  S_n
    (then EOS appended to both when eos_id is given)

The final sentinel S_n closes the last span, as in the Hugging Face T5 docs.
Concatenating the kept and dropped pieces in sentinel order rebuilds the
original sequence exactly.

BART text infilling replaces each noise span with a single mask token and
keeps the original sequence as the target (the decoder rewrites everything):

    inputs  = the kept tokens, with each noise span replaced by one mask_id
    targets = the original tokens

(BART draws span lengths from Poisson(3) and also inserts masks for
zero-length spans; here the spans come from the noise mask.)

API
---
    random_spans_noise_mask(length, noise_density=0.15, mean_noise_span_length=3.0,
                            generator=None)                       -> (length,) bool
    span_corrupt(tokens, noise_mask, sentinel_ids, eos_id=None)   -> (inputs, targets), lists of int
    bart_infilling(tokens, noise_mask, mask_id)                   -> (inputs, targets), lists of int

``tokens`` is a list of ints (or a 1-D tensor); ``noise_mask`` a list of
bools or a 1-D bool tensor of the same length.

Worked example
--------------
    >>> tokens = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]      # "Thank you for inviting me to your party last week"
    >>> mask = [0, 0, 1, 1, 0, 0, 0, 1, 0, 0]                    # drop 12 13 and 17
    >>> span_corrupt(tokens, [bool(m) for m in mask], sentinel_ids=[100, 99, 98], eos_id=1)
    ([10, 11, 100, 14, 15, 16, 99, 18, 19, 1], [100, 12, 13, 99, 17, 98, 1])
    >>> bart_infilling(tokens, [bool(m) for m in mask], mask_id=5)
    ([10, 11, 5, 14, 15, 16, 5, 18, 19], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
    >>> int(random_spans_noise_mask(100, generator=torch.Generator().manual_seed(0)).sum())
    15                                                            # in round(15 / 3) = 5 spans

Reference
---------
Raffel et al., "Exploring the Limits of Transfer Learning with a Unified
Text-to-Text Transformer" (T5, 2020), section 3.1.4 and figure 2; the T5
code's ``random_spans_noise_mask`` (google-research/text-to-text-transfer-
transformer, ``t5/data/preprocessors.py``); Hugging Face's T5 docs
("Training"); Lewis et al., "BART" (2020), section 2.2.
"""

from __future__ import annotations

import torch
from torch import Tensor


def _random_segmentation(num_items: int, num_segments: int, generator: torch.Generator | None) -> Tensor:
    """Split num_items into num_segments random positive lengths (they sum to num_items)."""
    cuts = torch.randperm(num_items - 1, generator=generator)[: num_segments - 1] + 1  # distinct cut points in 1..m-1
    bounds = torch.cat([torch.tensor([0]), cuts.sort().values, torch.tensor([num_items])])
    return bounds.diff()  # (num_segments,) all >= 1


def random_spans_noise_mask(
    length: int,
    noise_density: float = 0.15,
    mean_noise_span_length: float = 3.0,
    generator: torch.Generator | None = None,
) -> Tensor:
    """T5's noise mask: round(density * length) noise tokens in round(noise / mean) spans, never starting with noise.

    Returns:
        A (length,) bool tensor, True at the tokens to drop.
    """
    num_noise = min(max(round(length * noise_density), 1), length - 1)  # at least one token kept and one dropped
    num_spans = max(round(num_noise / mean_noise_span_length), 1)
    num_keep = length - num_noise
    noise_lengths = _random_segmentation(num_noise, num_spans, generator)  # (n_spans,)
    keep_lengths = _random_segmentation(num_keep, num_spans, generator)  # (n_spans,)
    # keep_1, noise_1, keep_2, noise_2, ...: the sequence always starts with kept tokens.
    lengths = torch.stack([keep_lengths, noise_lengths], dim=1).reshape(-1)  # (2 * n_spans,)
    is_noise = torch.tensor([False, True]).repeat(num_spans)  # (2 * n_spans,)
    return torch.repeat_interleave(is_noise, lengths)  # (length,)


def span_corrupt(tokens, noise_mask, sentinel_ids: list[int], eos_id: int | None = None) -> tuple[list[int], list[int]]:
    """T5 inputs (each noise span -> one sentinel) and targets (sentinel + span, ..., final sentinel).

    Args:
        tokens: L token ids.
        noise_mask: L bools, True at the dropped tokens.
        sentinel_ids: sentinel_ids[k] is the id of <extra_id_k>; needs n_spans + 1 of them.
        eos_id: appended to both inputs and targets when given.

    Returns:
        (inputs, targets) as lists of int.
    """
    tokens = [int(t) for t in tokens]
    noise = [bool(m) for m in noise_mask]
    inputs, targets, k = [], [], 0
    for i, (tok, is_noise) in enumerate(zip(tokens, noise)):
        starts_span = is_noise and (i == 0 or not noise[i - 1])
        if starts_span:
            inputs.append(sentinel_ids[k])  # one sentinel stands in for the whole span
            targets.append(sentinel_ids[k])  # and announces the span in the target
            k += 1
        (targets if is_noise else inputs).append(tok)
    targets.append(sentinel_ids[k])  # the final sentinel closes the last span
    if eos_id is not None:
        inputs.append(eos_id)
        targets.append(eos_id)
    return inputs, targets


def bart_infilling(tokens, noise_mask, mask_id: int) -> tuple[list[int], list[int]]:
    """BART inputs (each noise span -> ONE mask_id) and targets (the original tokens)."""
    tokens = [int(t) for t in tokens]
    noise = [bool(m) for m in noise_mask]
    inputs = []
    for i, (tok, is_noise) in enumerate(zip(tokens, noise)):
        if not is_noise:
            inputs.append(tok)
        elif i == 0 or not noise[i - 1]:
            inputs.append(mask_id)  # the span's first token becomes the single mask; the rest vanish
    return inputs, tokens
