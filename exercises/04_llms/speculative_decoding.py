"""Speculative decoding: a small draft model proposes, the large target model verifies.

Goal
----
Write speculative sampling (Leviathan et al. 2023; Chen et al. 2023):

* ``speculative_step``: given the target's distributions p at k + 1
  positions, the draft's distributions q at k positions and the k tokens the
  draft sampled, decide which draft tokens to keep and which token to add,
  so that the result is distributed *exactly* as if sampled from the target;
* ``speculative_greedy``: the greedy (temperature 0) version as a full
  decoding loop between two real models: it must produce exactly the
  target's greedy output, and reports the acceptance rate.

Why it matters
--------------
Autoregressive decoding of a large model is memory-bound: one token per
full pass over the weights. A draft model 10-100x smaller guesses k tokens;
the target scores all of them in ONE forward pass (as cheap as scoring
one), and keeps the longest acceptable prefix. With acceptance rate a, each
target pass yields on average (1 - a^(k+1)) / (1 - a) tokens, with no
change at all to the output distribution. vLLM, TGI, llama.cpp and
``transformers``' assisted generation all implement it.

The maths
---------
For each draft position i = 0 .. k-1, with draft token x_i ~ q_i:

* draw r ~ U(0, 1); accept x_i if r < min(1, p_i(x_i) / q_i(x_i));
* on the first rejection, emit one token drawn from the residual
  norm(max(0, p_i - q_i)) (max elementwise, then divide by the sum) and
  stop: the tokens after a rejection are discarded;
* if all k are accepted, emit a bonus token drawn from p_k (the target's
  distribution after the last draft token), so a step emits 1 to k + 1 tokens.

Why it is exact: P(emit x) = q(x) min(1, p(x)/q(x)) + P(reject) r(x)
= min(q(x), p(x)) + (1 - sum_y min(p(y), q(y))) max(0, p(x) - q(x)) /
sum_y max(0, p(y) - q(y)) = p(x), since both sums equal the total
variation distance. The acceptance probability of a position is
sum_x min(p(x), q(x)) = 1 - TV(p, q).

Greedy variant: both models take argmaxes; draft token i is accepted while
it equals the target's argmax at that position; at the first mismatch
emit the target's argmax instead and stop; if all match, add the target's
argmax after the last one (the bonus). The output is then identical to the
target's own greedy decoding.

API
---
    speculative_step(p (k+1, V), q (k, V), draft_tokens (k,) int64, generator) -> (tokens: list[int], n_accepted: int)
        probabilities (rows sum to 1); use ``generator`` for every random draw
        (torch.rand(..., generator=...), torch.multinomial(..., generator=...)).
    speculative_greedy(target, draft, prompt: list[int], max_new_tokens, k) -> (tokens: list[int], acceptance_rate: float)
        target / draft: callables mapping ids (1, t) int64 to logits (1, t, V) (e.g.
        ``lambda ids: model(ids).logits``); exactly max_new_tokens tokens are returned
        (cut the last round); acceptance_rate = accepted draft tokens / proposed draft tokens.
        One target call per round, over prompt + generated + the k draft tokens.

Worked example
--------------
p = [[0.6, 0.4], [0.5, 0.5]], q = [[0.9, 0.1]], draft token 0: accept with
probability min(1, 0.6 / 0.9) = 2/3; on rejection the residual is
max(0, p - q) = [0, 0.3] -> token 1. So P(first token = 0) = 0.9 * 2/3 = 0.6,
the target's p, although the draft proposes 0 90% of the time.

Reference
---------
Leviathan, Kalman & Matias, "Fast Inference from Transformers via
Speculative Decoding" (ICML 2023), algorithm 1; Chen et al., "Accelerating
Large Language Model Decoding with Speculative Sampling" (2023), algorithm 2;
Hugging Face ``transformers`` assisted generation (``_speculative_sampling``).
"""

from __future__ import annotations

from typing import Callable

import torch


def speculative_step(p: torch.Tensor, q: torch.Tensor, draft_tokens: torch.Tensor,
                     generator: torch.Generator | None = None) -> tuple[list[int], int]:
    """Accept/reject k draft tokens; returns the emitted tokens (1 .. k+1 of them) and how many drafts were accepted."""
    raise NotImplementedError("speculative_step: not implemented yet")


@torch.no_grad()
def speculative_greedy(target: Callable[[torch.Tensor], torch.Tensor], draft: Callable[[torch.Tensor], torch.Tensor],
                       prompt: list[int], max_new_tokens: int, k: int) -> tuple[list[int], float]:
    """Greedy speculative decoding; equals the target's greedy decoding. Returns (new tokens, acceptance rate)."""
    raise NotImplementedError("speculative_greedy: not implemented yet")
