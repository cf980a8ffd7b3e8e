"""PPO's pieces for RLHF: KL-shaped rewards, GAE, the clipped objectives and the entropy bonus.

Goal
----
Write the loss functions of Proximal Policy Optimisation as RLHF uses them
on language models (a "step" is one generated token, an "episode" one
response):

* ``kl_penalized_rewards``: the per-token reward: a KL penalty towards the
  frozen reference (SFT) model on every token, plus the reward model's score
  on the last token;
* ``gae``: generalised advantage estimation and the value targets (returns);
* ``policy_loss``: the clipped surrogate objective (and the fraction of
  clipped tokens);
* ``value_loss``: the clipped value-function loss;
* ``entropy``: the mean entropy of the policy's token distributions;
* ``masked_mean``: averages over real (mask = 1) tokens only.

Why it matters
--------------
In RLHF (InstructGPT, TRL's PPOTrainer) the policy samples responses, the
reward model scores them, and PPO updates the policy several times on each
batch of samples. The KL penalty stops the policy from drifting into text the
reward model was never trained on (reward hacking). GAE trades bias against
variance when crediting the final score to earlier tokens. The clipping keeps
each update close to the policy that generated the data. Each piece has a sign
or an off-by-one that silently breaks training.

The maths
---------
Shapes: (B, T) per-token tensors, mask (B, T) with 1 on response tokens.

KL-shaped rewards, with logp / ref_logp the log-probs of the sampled tokens
under the policy and the reference model:

    rewards[b, t] = -kl_coef * (logp[b, t] - ref_logp[b, t]) * mask[b, t]
    rewards[b, last_b] += score[b]          last_b = the last t with mask 1

GAE (Schulman et al.), going backwards from t = T-1, with V_T = last_value
and done_t = 1 when the episode ends after step t (nothing is bootstrapped
across it):

    delta_t = r_t + gamma * V_{t+1} * (1 - done_t) - V_t
    A_t     = delta_t + gamma * lam * (1 - done_t) * A_{t+1}       (A_T = 0)
    returns = A + V

lam = 0 gives the one-step TD error; lam = 1 gives the Monte-Carlo return
minus V.

Clipped surrogate, with ratio = exp(logp - old_logp) (never a ratio of
probabilities: they underflow):

    L_clip = -masked_mean( min(ratio * A, clip(ratio, 1 - eps, 1 + eps) * A) )
    clipfrac = masked_mean( |ratio - 1| > eps )

The minus sign turns "maximise the objective" into a loss; the min makes it a
pessimistic bound, so once the ratio leaves [1 - eps, 1 + eps] in the
direction the advantage favours, the gradient is zero.

Clipped value loss (old_values: the values at sampling time):

    V_clip = old_values + clip(values - old_values, -eps_v, eps_v)
    L_V    = 0.5 * masked_mean( max((values - returns)^2, (V_clip - returns)^2) )

Entropy of each token distribution, H = -sum_v p_v log p_v with
log p = log_softmax(logits) (stable for logits of 1e4), averaged over real
tokens. The total loss is L_clip + vf_coef * L_V - ent_coef * H.

masked_mean(x, mask) = sum(x * mask) / sum(mask).

API
---
    masked_mean(x, mask) -> scalar
    kl_penalized_rewards(scores (B,), logp, ref_logp, mask, kl_coef) -> (B, T)
    gae(rewards, values, dones, last_value (B,), gamma, lam) -> (advantages (B, T), returns (B, T))
    policy_loss(logp, old_logp, advantages, mask, clip_eps) -> (loss, clipfrac)
    value_loss(values, old_values, returns, mask, clip_eps) -> loss
    entropy(logits (B, T, V), mask) -> scalar
    ppo_loss(logp, old_logp, advantages, values, old_values, returns, logits, mask,
             clip_eps=0.2, vf_clip=0.2, vf_coef=0.5, ent_coef=0.01) -> scalar (implemented for you)

Worked example
--------------
One episode of 2 steps, rewards [0, 1], values [0.5, 0.5], no done, last
value 0, gamma = 1, lam = 1:

    delta = [0 + 0.5 - 0.5, 1 + 0 - 0.5] = [0, 0.5];  A = [0 + 0.5, 0.5] = [0.5, 0.5]
    returns = [1, 1]

    >>> policy_loss(torch.log(torch.tensor([[1.5]])), torch.zeros(1, 1), torch.ones(1, 1), torch.ones(1, 1), 0.2)
    (tensor(-1.2000), tensor(1.))     # ratio 1.5 clipped to 1.2 for a positive advantage

Reference
---------
Schulman et al., "Proximal Policy Optimization Algorithms" (2017) and
"High-Dimensional Continuous Control Using Generalized Advantage Estimation"
(2016); Ouyang et al. (InstructGPT, 2022), eq. 2; Huang et al., "The N+
Implementation Details of RLHF with PPO" (2024); TRL's PPOTrainer.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """sum(x * mask) / sum(mask): the mean over real tokens."""
    raise NotImplementedError("masked_mean: not written yet")


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
    raise NotImplementedError("kl_penalized_rewards: not written yet")


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
    raise NotImplementedError("gae: not written yet (loop backwards over t)")


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
    raise NotImplementedError("policy_loss: not written yet")


def value_loss(values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor,
               mask: torch.Tensor, clip_eps: float) -> torch.Tensor:
    """0.5 * masked mean of max(unclipped, clipped) squared errors. All inputs (B, T); returns a scalar."""
    raise NotImplementedError("value_loss: not written yet")


def entropy(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean entropy over real tokens of softmax(logits). logits (B, T, V), mask (B, T); returns a scalar."""
    raise NotImplementedError("entropy: not written yet")


def ppo_loss(logp, old_logp, advantages, values, old_values, returns, logits, mask,
             clip_eps: float = 0.2, vf_clip: float = 0.2, vf_coef: float = 0.5, ent_coef: float = 0.01) -> torch.Tensor:
    """The total loss L_clip + vf_coef * L_V - ent_coef * H."""
    pg, _ = policy_loss(logp, old_logp, advantages, mask, clip_eps)
    return pg + vf_coef * value_loss(values, old_values, returns, mask, vf_clip) - ent_coef * entropy(logits, mask)
