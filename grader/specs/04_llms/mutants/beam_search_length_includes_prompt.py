"""Mutant: the length penalty counts the prompt tokens too."""

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
                    pool.append((tokens, s / (len(prompt) + cur) ** length_penalty))
            elif len(next_beams) < num_beams:
                next_beams.append(tokens)
                next_scores.append(s)
        pool = sorted(pool, key=lambda h: -h[1])[:num_beams]                # stable: earlier entries win ties
        if not next_beams or _stop_early(next_scores[0], pool, num_beams, cur, max_new_tokens,
                                         length_penalty, early_stopping):
            break
        beams, scores = next_beams, torch.tensor(next_scores)
    return pool[:num_return_sequences]
