"""Beam search with a length penalty, EOS handling and early stopping (Hugging Face's rules).

Goal
----
Write ``beam_search``: keep the ``num_beams`` most probable partial
sequences, extend them one token at a time, set finished ones (those that
emit EOS, or reach the length limit) aside, and return the best finished
hypotheses, ranked by a length-penalised score. Your output must equal
``model.generate(num_beams=..., do_sample=False, length_penalty=...,
early_stopping=...)`` of Hugging Face ``transformers`` token for token.

Why it matters
--------------
Greedy decoding commits to the best token at each step and cannot recover
from a locally good but globally bad choice. Beam search approximates the
most probable *sequence*. It is the standard decoder for translation,
summarisation and speech recognition; its knobs (beam width, length
penalty, early stopping) change the output a lot, and each library has its
own conventions, which this exercise pins down.

The maths
---------
The score of a running beam is its summed log-probability
S(y) = sum_t log p(y_t | prompt, y_<t) (natural log). A *finished*
hypothesis y of length L (generated tokens, EOS included, prompt excluded)
is ranked by

    score(y) = S(y) / L ** length_penalty

length_penalty > 0 favours longer sequences (S is negative), < 0 shorter.

One step (n running beams, vocabulary V; at the start a single beam, the
prompt, with S = 0):

1. ``next_log_probs(running)`` gives log p (n, V); candidate scores are
   S(beam) + log p(token), n * V of them.
2. Take the top 2 * num_beams candidates (fewer if n * V is smaller),
   sorted by S, best first (``torch.topk``).
3. A candidate is *finished* if its token is ``eos_token_id`` or it has
   reached ``max_new_tokens`` tokens. A finished candidate among the first
   ``num_beams`` of that ranking (rank < num_beams, counting finished and
   unfinished ones) joins the pool of finished hypotheses with its
   length-penalised score; finished candidates ranked lower are dropped.
   The pool keeps its ``num_beams`` best scores.
4. The next running beams are the best ``num_beams`` *unfinished*
   candidates, in ranking order.

Stopping (after each step), ``early_stopping`` as in ``transformers``:

* no running beam is left, or ``max_new_tokens`` tokens have been generated;
* ``True``: stop as soon as the pool holds ``num_beams`` hypotheses;
* ``False`` (the default) and ``"never"``: stop when the pool is full and
  the best running beam cannot beat the pool's worst score, where the best
  running beam (raw score S_best, after ``cur`` generated tokens) could at
  most reach S_best / cur ** length_penalty for ``False`` (a heuristic: the
  length penalty of the current length), and S_best / max_new_tokens **
  length_penalty for ``"never"`` when length_penalty > 0 (a true upper
  bound: log-probabilities only lower S), S_best / cur ** length_penalty
  otherwise. With ``"never"`` the search is exact whenever the beam is wide
  enough to hold every prefix.

The result is the pool sorted by score, best first, cut to
``num_return_sequences`` (<= num_beams).

API
---
    beam_search(next_log_probs, prompt, num_beams, max_new_tokens, eos_token_id,
                length_penalty=1.0, early_stopping=False, num_return_sequences=1)
        -> list[tuple[list[int], float]]
    next_log_probs(seqs: LongTensor (n, t)) -> FloatTensor (n, V): the log-probabilities
        of the next token after each row (the prompt followed by the generated tokens).
    prompt: list[int] (at least one token). Each returned item is (the generated
        tokens, without the prompt, ending with EOS if the hypothesis finished
        on EOS; the length-penalised score).

Worked example
--------------
A model that ignores the context: log p = log [0.5 (EOS=0), 0.3 (1), 0.2 (2)].
With num_beams=2, max_new_tokens=2, length_penalty=1:
step 1 ranks [0] (S=-0.69), [1] (-1.20), [2] (-1.61): [0] is
finished at rank 0 and enters the pool with -0.69 / 1; [1] and [2] run on.
Step 2 ranks [1,0] (-1.90), [2,0] (-2.30), ...: all reach the limit; the
first two enter the pool, with -1.90 / 2 = -0.95 and -2.30 / 2 = -1.15.
The pool keeps [[0] -0.69, [1, 0] -0.95].

Reference
---------
Hugging Face ``transformers``, ``generation/utils.py``
(``GenerationMixin._beam_search`` and its helpers
``_get_top_k_continuations``, ``_update_finished_beams``,
``_check_early_stop_heuristic``); Wu et al., "Google's Neural Machine
Translation System" (2016), section 7 (length normalisation); Jurafsky &
Martin, "Speech and Language Processing", 3rd ed., chapter 10.
"""

from __future__ import annotations

from typing import Callable

import torch


def _stop_early(running_best: float, pool: list[tuple[list[int], float]], num_beams: int, cur: int,
                max_new_tokens: int, length_penalty: float, early_stopping: bool | str) -> bool:
    """True when the finished pool can no longer change (see the module docstring)."""
    if len(pool) < num_beams:
        return False
    if early_stopping is True:
        return True
    length = max_new_tokens if (early_stopping == "never" and length_penalty > 0) else cur
    best_possible = running_best / length ** length_penalty
    return best_possible <= min(score for _, score in pool)


def beam_search(next_log_probs: Callable[[torch.Tensor], torch.Tensor], prompt: list[int], num_beams: int,
                max_new_tokens: int, eos_token_id: int, length_penalty: float = 1.0,
                early_stopping: bool | str = False, num_return_sequences: int = 1) -> list[tuple[list[int], float]]:
    """Beam search; returns up to ``num_return_sequences`` (generated tokens, score) pairs, best first."""
    if num_return_sequences > num_beams:
        raise ValueError("num_return_sequences must be <= num_beams")
    beams: list[list[int]] = [[]]                   # generated tokens of each running beam
    scores = torch.zeros(1)                          # (n,) summed log-probs of the running beams
    pool: list[tuple[list[int], float]] = []         # finished hypotheses: (tokens, length-penalised score)

    for cur in range(1, max_new_tokens + 1):         # cur = number of generated tokens after this step
        seqs = torch.tensor([prompt + b for b in beams], dtype=torch.long)  # (n, len(prompt) + cur - 1)
        logp = next_log_probs(seqs).float()                                 # (n, V)
        V = logp.shape[-1]
        cand = (scores[:, None] + logp).reshape(-1)                         # (n * V,) flattened candidates
        top_s, top_i = torch.topk(cand, min(2 * num_beams, cand.numel()))  # best first
        next_beams, next_scores = [], []
        for rank, (s, i) in enumerate(zip(top_s.tolist(), top_i.tolist())):
            tokens = beams[i // V] + [i % V]                                # beam index, token id
            if i % V == eos_token_id or cur == max_new_tokens:             # finished
                if rank < num_beams:                                        # only the top num_beams may enter the pool
                    pool.append((tokens, s / cur ** length_penalty))
            elif len(next_beams) < num_beams:
                next_beams.append(tokens)
                next_scores.append(s)
        pool = sorted(pool, key=lambda h: -h[1])[:num_beams]                # stable: earlier entries win ties
        if not next_beams or _stop_early(next_scores[0], pool, num_beams, cur, max_new_tokens,
                                         length_penalty, early_stopping):
            break
        beams, scores = next_beams, torch.tensor(next_scores)
    return pool[:num_return_sequences]
