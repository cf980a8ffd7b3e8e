"""Mutant: top-p removes the token that crosses p (keeps only tokens whose cumulative probability including themselves is below p)."""

from __future__ import annotations

import torch

NEG_INF = float("-inf")


def greedy(logits: torch.Tensor) -> torch.Tensor:
    """The index of the largest logit of each row: (..., V) -> (...) int64."""
    return logits.argmax(dim=-1)


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """logits / temperature, temperature > 0 (raise ValueError otherwise). (..., V) -> (..., V)."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    return logits / temperature


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k largest logits of each row (and ties with the k-th), -inf elsewhere. (..., V) -> (..., V)."""
    k = min(k, logits.shape[-1])
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]  # (..., 1) the k-th largest value
    return logits.masked_fill(logits < kth, NEG_INF)


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Keep the nucleus: the most likely tokens up to and including the one whose cumulative probability reaches p.

    At least one token is kept; tokens tied with the last kept one are kept. (..., V) -> (..., V).
    """
    if p >= 1.0:
        return logits.clone()
    probs = logits.softmax(dim=-1)                                     # (..., V)
    sorted_probs, _ = probs.sort(dim=-1, descending=True)              # (..., V)
    mass_above = sorted_probs.cumsum(dim=-1) - sorted_probs            # mass of the tokens ranked above each one
    keep_sorted = sorted_probs.cumsum(dim=-1) < p                                       # the crossing token has mass_above < p: kept
    keep_sorted[..., 0] = True                                         # always keep the most likely token
    # the smallest kept probability; every token at least that likely is kept (ties included)
    threshold = sorted_probs.masked_fill(~keep_sorted, float("inf")).amin(dim=-1, keepdim=True)  # (..., 1)
    return logits.masked_fill(probs < threshold, NEG_INF)


def process_logits(logits: torch.Tensor, temperature: float = 1.0, top_k: int = 0,
                   top_p: float = 1.0) -> torch.Tensor:
    """Temperature, then top-k (if top_k > 0), then top-p (if top_p < 1), as Hugging Face orders them."""
    logits = apply_temperature(logits, temperature)
    if top_k > 0:
        logits = top_k_filter(logits, top_k)
    if top_p < 1.0:
        logits = top_p_filter(logits, top_p)
    return logits


def sample(logits: torch.Tensor, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """One token per row from softmax(process_logits(...)), drawn with ``generator``. (B, V) -> (B,) int64."""
    probs = process_logits(logits, temperature, top_k, top_p).softmax(dim=-1)  # (B, V)
    return torch.multinomial(probs, num_samples=1, generator=generator).squeeze(-1)  # (B,)
