"""Mutant: the surrogate takes the max of the clipped and unclipped objectives (optimistic) instead of the min."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """sum(x * mask) / sum(mask): the mean over real tokens."""
    return (x * mask).sum() / mask.sum()


def kl_penalized_rewards(scores: torch.Tensor, logp: torch.Tensor, ref_logp: torch.Tensor,
                         mask: torch.Tensor, kl_coef: float) -> torch.Tensor:
    """Per-token rewards: -kl_coef * (logp - ref_logp) on response tokens, plus the score on each row's last one.

    Args:
        scores: (B,) reward-model scores of the responses.
        logp, ref_logp: (B, T) log-probs of the sampled tokens under the policy and the reference.
        mask: (B, T), 1 on response tokens (each row has at least one).
        kl_coef: the KL penalty's weight.

    Returns:
        (B, T) rewards, 0 outside the mask.
    """
    rewards = -kl_coef * (logp - ref_logp) * mask                  # (B, T): a penalty for moving away from ref
    T = mask.size(1)
    last = T - 1 - mask.flip(1).long().argmax(dim=1)                # (B,) last response token
    rewards[torch.arange(mask.size(0)), last] += scores            # the sequence-level score arrives at the end
    return rewards


def gae(rewards: torch.Tensor, values: torch.Tensor, dones: torch.Tensor, last_value: torch.Tensor,
        gamma: float, lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation, backwards in time.

    Args:
        rewards, values: (B, T).
        dones: (B, T), 1 where the episode ends after step t.
        last_value: (B,), V of the state after step T-1 (used unless dones[:, -1] = 1).
        gamma, lam: discount and GAE parameter.

    Returns:
        (advantages, returns), both (B, T); returns = advantages + values.
    """
    B, T = rewards.shape
    advantages = torch.zeros_like(rewards)
    next_value, next_adv = last_value, torch.zeros_like(last_value)  # V_T and A_T = 0
    for t in reversed(range(T)):
        notdone = 1.0 - dones[:, t]  # (B,): 0 cuts both the bootstrap and the recursion at an episode end
        delta = rewards[:, t] + gamma * next_value * notdone - values[:, t]
        next_adv = delta + gamma * lam * notdone * next_adv
        advantages[:, t] = next_adv
        next_value = values[:, t]
    return advantages, advantages + values


def policy_loss(logp: torch.Tensor, old_logp: torch.Tensor, advantages: torch.Tensor,
                mask: torch.Tensor, clip_eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """PPO's clipped surrogate loss and the fraction of clipped tokens.

    Args:
        logp: (B, T) log-probs of the sampled tokens under the current policy (differentiable).
        old_logp: (B, T) the same at sampling time.
        advantages: (B, T).
        mask: (B, T) real tokens.
        clip_eps: the clip range eps.

    Returns:
        (loss, clipfrac): scalars.
    """
    ratio = torch.exp(logp - old_logp)                                     # (B, T) pi / pi_old, in log space
    surr = ratio * advantages
    surr_clipped = torch.clamp(ratio, 1.0 - clip_eps, 1.0 + clip_eps) * advantages
    loss = -masked_mean(torch.maximum(surr, surr_clipped), mask)          # pessimistic bound, negated
    clipfrac = masked_mean(((ratio - 1.0).abs() > clip_eps).float(), mask)
    return loss, clipfrac.detach()


def value_loss(values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor,
               mask: torch.Tensor, clip_eps: float) -> torch.Tensor:
    """0.5 * masked mean of max(unclipped, clipped) squared errors. All inputs (B, T); returns a scalar."""
    v_clipped = old_values + torch.clamp(values - old_values, -clip_eps, clip_eps)
    err = torch.maximum((values - returns) ** 2, (v_clipped - returns) ** 2)  # the larger (pessimistic) error
    return 0.5 * masked_mean(err, mask)


def entropy(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean entropy over real tokens of softmax(logits). logits (B, T, V), mask (B, T); returns a scalar."""
    logp = F.log_softmax(logits, dim=-1)        # (B, T, V), stable for huge logits
    ent = -(logp.exp() * logp).sum(dim=-1)      # (B, T); 0 * log 0 never happens: logp is finite
    return masked_mean(ent, mask)


def ppo_loss(logp, old_logp, advantages, values, old_values, returns, logits, mask,
             clip_eps: float = 0.2, vf_clip: float = 0.2, vf_coef: float = 0.5, ent_coef: float = 0.01) -> torch.Tensor:
    """The total loss L_clip + vf_coef * L_V - ent_coef * H."""
    pg, _ = policy_loss(logp, old_logp, advantages, mask, clip_eps)
    return pg + vf_coef * value_loss(values, old_values, returns, mask, vf_clip) - ent_coef * entropy(logits, mask)
