"""Mutant: the response mask is not shifted with the targets (mask[:, :-1] instead of mask[:, 1:])."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def sequence_logprobs(logits: torch.Tensor, input_ids: torch.Tensor, response_mask: torch.Tensor) -> torch.Tensor:
    """Sum of the log-probs of the response tokens.

    Args:
        logits: (B, T, V) outputs of a causal LM on input_ids.
        input_ids: (B, T).
        response_mask: (B, T), 1 on the response tokens of input_ids.

    Returns:
        (B,) float tensor, differentiable with respect to logits.
    """
    logp = F.log_softmax(logits[:, :-1].float(), dim=-1)                 # (B, T-1, V): position t-1 predicts token t
    targets = input_ids[:, 1:]                                           # (B, T-1)
    token_logp = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)      # (B, T-1)
    return (token_logp * response_mask[:, :-1]).sum(dim=-1)               # a SUM: log of the product of probabilities


def dpo_loss(pi_c: torch.Tensor, pi_r: torch.Tensor, ref_c: torch.Tensor, ref_r: torch.Tensor,
             beta: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The DPO loss and the implicit rewards.

    Args:
        pi_c, pi_r: (B,) policy log-probs of the chosen and rejected responses.
        ref_c, ref_r: (B,) the same under the reference model.
        beta: the KL strength (the reward scale).

    Returns:
        (loss, chosen_rewards, rejected_rewards): a scalar and two detached (B,) tensors.
    """
    chosen_logratio = pi_c - ref_c      # (B,) log pi/pi_ref of the chosen response
    rejected_logratio = pi_r - ref_r    # (B,)
    z = beta * (chosen_logratio - rejected_logratio)
    loss = -F.logsigmoid(z).mean()      # Bradley-Terry on the implicit rewards, stable for any z
    return loss, (beta * chosen_logratio).detach(), (beta * rejected_logratio).detach()


def dpo_batch_loss(policy, reference, batch: dict[str, torch.Tensor],
                   beta: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Run the policy (with grad) and the reference (without) on chosen and rejected, and return dpo_loss's triple."""

    def logps(model, kind):
        out = model(input_ids=batch[f"{kind}_ids"], attention_mask=batch[f"{kind}_attention"]).logits
        return sequence_logprobs(out, batch[f"{kind}_ids"], batch[f"{kind}_response"])

    pi_c, pi_r = logps(policy, "chosen"), logps(policy, "rejected")
    with torch.no_grad():  # the reference is frozen: no graph, no gradient
        ref_c, ref_r = logps(reference, "chosen"), logps(reference, "rejected")
    return dpo_loss(pi_c, pi_r, ref_c, ref_r, beta)
