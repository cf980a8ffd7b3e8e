"""Direct Preference Optimisation: sequence log-probs, the DPO loss and its implicit rewards.

Goal
----
Fine-tune a language model on preference pairs without a reward model or
RL, with DPO:

* ``sequence_logprobs``: log pi(response | prompt) of each sequence, summed
  over the response tokens only, from the model's (shifted) logits;
* ``dpo_loss``: the DPO loss from the four sequence log-probs (policy and
  reference, chosen and rejected), with the implicit rewards;
* ``dpo_batch_loss``: run the policy (with gradients) and the frozen
  reference model (without) on a batch and return the loss.

Why it matters
--------------
RLHF with PPO needs four models (policy, reference, reward, value) and an
unstable RL loop. DPO (Rafailov et al., 2023) shows that the KL-regularised
RLHF objective has a closed-form optimum, pi*(y|x) proportional to
pi_ref(y|x) exp(r(x, y) / beta), so the reward can be written in terms of the
policy, r(x, y) = beta log(pi(y|x) / pi_ref(y|x)) + const, and plugged into
the Bradley-Terry loss: preference learning becomes a classification loss on
log-prob differences. Zephyr, Tulu 2 and Llama 3 were tuned with it (TRL's
``DPOTrainer``). Getting the log-probs right is the whole game: the shift by
one, the prompt and padding masked out, a SUM (not a mean) over tokens, and
no gradient into the reference.

The maths
---------
Sequence log-prob: with logits (B, T, V) of the model on input_ids (B, T),
position t-1 predicts token t, so

    logp(b) = sum_{t=1}^{T-1} response_mask[b, t] * log_softmax(logits[b, t-1])[input_ids[b, t]]

where response_mask marks the response tokens in input_ids (0 on the prompt
and on padding; position 0 is never predicted).

DPO, with pi_c = logp of the chosen response under the policy, ref_c the same
under the reference, and likewise pi_r, ref_r for the rejected one:

    z    = beta * ((pi_c - ref_c) - (pi_r - ref_r))
    loss = mean over pairs of -log sigmoid(z)        (F.logsigmoid: finite for any z)
    chosen_rewards   = beta * (pi_c - ref_c)         (detached: they are metrics)
    rejected_rewards = beta * (pi_r - ref_r)

When the policy equals the reference, z = 0 and the loss is log 2. Sequence
log-probs of long responses are large negative numbers (-1000s); only their
differences matter.

API
---
    sequence_logprobs(logits (B, T, V), input_ids (B, T), response_mask (B, T)) -> (B,)
    dpo_loss(pi_c, pi_r, ref_c, ref_r, beta)  (all (B,))
        -> (loss scalar, chosen_rewards (B,), rejected_rewards (B,))
    dpo_batch_loss(policy, reference, batch, beta) -> same triple
        batch: "chosen_ids", "chosen_attention", "chosen_response",
               "rejected_ids", "rejected_attention", "rejected_response", each (B, T)
        models: Hugging Face causal LMs, model(input_ids=..., attention_mask=...).logits

Worked example
--------------
    >>> dpo_loss(torch.tensor([-10.0]), torch.tensor([-12.0]), torch.tensor([-11.0]), torch.tensor([-11.0]), beta=0.5)
    (tensor(0.3133), tensor([0.5000]), tensor([-0.5000]))
    # z = 0.5 * ((-10 + 11) - (-12 + 11)) = 1, loss = log(1 + e^-1)

Reference
---------
Rafailov et al., "Direct Preference Optimization: Your Language Model is
Secretly a Reward Model" (NeurIPS 2023), eq. 7; Hugging Face TRL,
``DPOTrainer`` (``concatenated_forward``, ``dpo_loss``).
"""

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
    return (token_logp * response_mask[:, 1:]).sum(dim=-1)               # a SUM: log of the product of probabilities


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
