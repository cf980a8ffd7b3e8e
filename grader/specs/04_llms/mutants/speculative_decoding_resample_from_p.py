"""Mutant: on rejection the token is resampled from p instead of norm(max(0, p - q))."""

from __future__ import annotations

from typing import Callable

import torch


def speculative_step(p: torch.Tensor, q: torch.Tensor, draft_tokens: torch.Tensor,
                     generator: torch.Generator | None = None) -> tuple[list[int], int]:
    """Accept/reject k draft tokens; returns the emitted tokens (1 .. k+1 of them) and how many drafts were accepted."""
    k = q.shape[0]
    out: list[int] = []
    for i in range(k):
        x = int(draft_tokens[i])
        r = torch.rand((), generator=generator)
        if r < torch.clamp(p[i, x] / q[i, x], max=1.0):          # accept with probability min(1, p / q)
            out.append(x)
            continue
        residual = p[i].clone()
        out.append(int(torch.multinomial(residual / residual.sum(), 1, generator=generator)))
        return out, i                                             # i drafts accepted, then the resample
    out.append(int(torch.multinomial(p[k], 1, generator=generator)))  # all accepted: bonus token from p_k
    return out, k


@torch.no_grad()
def speculative_greedy(target: Callable[[torch.Tensor], torch.Tensor], draft: Callable[[torch.Tensor], torch.Tensor],
                       prompt: list[int], max_new_tokens: int, k: int) -> tuple[list[int], float]:
    """Greedy speculative decoding; equals the target's greedy decoding. Returns (new tokens, acceptance rate)."""
    seq = list(prompt)
    accepted = proposed = 0
    while len(seq) - len(prompt) < max_new_tokens:
        # 1. the draft proposes k tokens autoregressively
        guess: list[int] = []
        for _ in range(k):
            logits = draft(torch.tensor([seq + guess]))             # (1, t, V)
            guess.append(int(logits[0, -1].argmax()))
        # 2. the target scores prompt + generated + guesses in ONE pass: k + 1 next-token predictions
        logits = target(torch.tensor([seq + guess]))[0, len(seq) - 1:]   # (k + 1, V)
        best = logits.argmax(dim=-1).tolist()                       # the target's greedy choice at each position
        n = 0
        while n < k and guess[n] == best[n]:
            n += 1
        seq += guess[:n] + [best[n]]                                # accepted prefix + correction (or bonus)
        accepted += n
        proposed += k
    return seq[len(prompt):len(prompt) + max_new_tokens], accepted / max(proposed, 1)
