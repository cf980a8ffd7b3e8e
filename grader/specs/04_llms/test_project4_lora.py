"""Spec for 04_llms/project4_lora.py: LoRA fine-tuning with peft (held-out loss, trainable fraction) and serving."""

from __future__ import annotations

import copy
import json

import pytest
import torch
from fastapi.testclient import TestClient

from grader import data
from grader.testing import assert_close, check

torch.set_num_threads(1)

LOSS_RATIO = 0.6        # held-out loss after / before must be at most this
MAX_FRACTION = 0.10     # trainable / total parameters must be below this


@pytest.fixture(scope="module")
def pack():
    tok, model, _ = data.load("tiny-llama-1m")
    return tok, model


def _split(learner, tok, seed):
    texts = learner.build_examples(learner.CURRICULUM, tok.eos_token)
    perm = torch.randperm(len(texts), generator=torch.Generator().manual_seed(seed)).tolist()
    return [texts[i] for i in perm[6:]], [texts[i] for i in perm[:6]]


def _ref_eval_loss(model, tok, texts):
    """The oracle: summed token NLL / number of predicted tokens, from raw logits."""
    tot, n = 0.0, 0
    with torch.no_grad():
        for t in texts:
            ids = torch.tensor(tok(t)["input_ids"])
            logp = model(input_ids=ids[None]).logits[0, :-1].log_softmax(-1)
            tot += -logp.gather(1, ids[1:, None]).sum().item()
            n += len(ids) - 1
    return tot / n


def test_eval_loss(learner, pack, seed):
    """eval_loss is the token-weighted mean next-token cross-entropy (not the mean of per-text means)."""
    tok, model = pack
    _, test = _split(learner, tok, seed)
    texts = test[:3] + ["Q: Which part?\nA: The LLMs part."]
    assert_close(learner.eval_loss(model, tok, texts), _ref_eval_loss(model, tok, texts), rtol=1e-4,
                 name="held-out loss of the base model",
                 hint="weight each text's mean loss by its number of predicted tokens (T - 1) and divide by the total")


def test_trainable_fraction_and_targets(learner, pack):
    """trainable_fraction counts requires_grad parameters over all; add_lora with target_modules=("q_proj", "v_proj")
    adapts exactly the 2 x n_layers attention query/value projections."""
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))   # 16 + 10 parameters
    net[0].requires_grad_(False)
    assert_close(learner.trainable_fraction(net), 10 / 26, rtol=1e-9, name="trainable_fraction of a half-frozen MLP",
                 hint="sum(p.numel() for trainable p) / sum(p.numel() for all p)")
    tok, base = pack
    model = learner.add_lora(copy.deepcopy(base), r=4, alpha=8, target_modules=("q_proj", "v_proj"))
    adapted = sorted({n.rsplit(".lora_A", 1)[0] for n, _ in model.named_parameters() if ".lora_A" in n})
    n_layers = base.config.num_hidden_layers
    check(len(adapted) == 2 * n_layers and all(a.endswith(("q_proj", "v_proj")) for a in adapted),
          f"LoRA adapters on {adapted}", hint="LoraConfig(target_modules=list(target_modules), r=r, lora_alpha=alpha)")
    a = next(p for n, p in model.named_parameters() if ".lora_A" in n)
    check(a.shape[0] == 4, f"lora_A has shape {tuple(a.shape)}, expected rank 4 rows", hint="pass r to LoraConfig")


def test_add_lora(learner, pack):
    """add_lora returns a peft model whose only trainable parameters are LoRA adapters (< 10 % of all), and whose
    output at initialisation equals the base model's."""
    tok, base = pack
    model = learner.add_lora(copy.deepcopy(base))
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    check(names and all("lora_" in n for n in names), f"trainable parameters include {[n for n in names if 'lora_' not in n][:3]}",
          hint="get_peft_model freezes the base; do not unfreeze anything else")
    frac = learner.trainable_fraction(model)
    total = sum(p.numel() for p in model.parameters())
    assert_close(frac, sum(p.numel() for p in model.parameters() if p.requires_grad) / total, rtol=1e-9,
                 name="trainable_fraction", hint="trainable / all parameters")
    check(0 < frac < MAX_FRACTION, f"trainable fraction {frac:.4f} is not in (0, {MAX_FRACTION})",
          hint="LoRA with a small rank (r = 8) on the linear layers only")
    ids = torch.tensor([tok("Q: Which part of the course teaches BERT?")["input_ids"]])
    with torch.no_grad():
        assert_close(model(input_ids=ids).logits, base(input_ids=ids).logits, atol=1e-5, rtol=1e-5,
                     name="logits of the freshly wrapped model", hint="LoRA's B starts at zero: no change at first")


def test_api(learner, pack):
    """The app answers GET /health, POST /generate (greedy text equal to model.generate), streams ndjson, and
    refuses invalid bodies with 422 and a detail."""
    tok, model = pack
    with TestClient(learner.create_app(model, tok, max_new_tokens_limit=10)) as client:
        check(client.get("/health").json() == {"status": "ok"}, "GET /health is not {'status': 'ok'}")
        prompt = "Q: Which part of the course teaches dropout?\nA:"
        r = client.post("/generate", json={"prompt": prompt, "max_new_tokens": 5})
        check(r.status_code == 200, f"POST /generate returned {r.status_code}: {r.text[:200]}")
        ids = tok(prompt, return_tensors="pt")
        with torch.no_grad():
            out = model.generate(**ids, max_new_tokens=5, do_sample=False, pad_token_id=tok.pad_token_id)
        row = out[0, ids["input_ids"].shape[1]:].tolist()
        row = row[:row.index(tok.eos_token_id)] if tok.eos_token_id in row else row
        want = "".join(tok.decode([t]) for t in row)
        check(r.json().get("text") == want, f"text {r.json().get('text')!r}, expected {want!r}",
              hint="greedy model.generate on the prompt, return only the new tokens (up to eos)")
        s = client.post("/generate", json={"prompt": prompt, "max_new_tokens": 5, "stream": True})
        check(s.headers["content-type"].startswith("application/x-ndjson"), f"stream content-type {s.headers['content-type']!r}")
        lines = [json.loads(x) for x in s.text.splitlines() if x.strip()]
        check("".join(x.get("token", "") for x in lines) == want and lines[-1].get("done") is True,
              f"streamed lines {lines}", hint="one {'token': t} line per token, then {'done': true}")
        for bad in ({"prompt": " "}, {"prompt": "hi", "max_new_tokens": 0}, {"prompt": "hi", "max_new_tokens": 11}, {}):
            r = client.post("/generate", json=bad)
            check(r.status_code == 422 and "detail" in r.json(), f"{bad} got {r.status_code}: {r.text[:200]}",
                  hint="validate with pydantic: a non-blank prompt and 1 <= max_new_tokens <= max_new_tokens_limit")


def test_fine_tuning_improves_held_out_loss(learner, pack, seed):
    """40 LoRA steps on 18 curriculum Q/A texts bring the loss on 6 held-out ones to at most 0.6x its start; the
    training loss falls; the base weights do not change; the tuned model still serves."""
    tok, base = pack
    train, test = _split(learner, tok, seed)
    model = learner.add_lora(copy.deepcopy(base))
    frozen = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
    before = learner.eval_loss(model, tok, test)
    losses = learner.train_lora(model, tok, train, steps=40, lr=3e-3)
    after = learner.eval_loss(model, tok, test)
    check(len(losses) == 40 and losses[-1] < 0.5 * losses[0], f"training losses {losses[:1]} ... {losses[-1:]}",
          hint="AdamW over the trainable parameters, zero_grad every step, padding labels set to -100")
    check(after <= LOSS_RATIO * before, f"held-out loss went from {before:.3f} to {after:.3f}; "
          f"needs at most {LOSS_RATIO} x {before:.3f} = {LOSS_RATIO * before:.3f}",
          hint="train on the texts with labels = input_ids (pads -> -100), lr around 3e-3, 40 steps")
    changed = [n for n, p in model.named_parameters() if n in frozen and not torch.equal(p, frozen[n])]
    check(not changed, f"frozen weights changed: {changed[:3]}", hint="optimise only the LoRA parameters")
    with TestClient(learner.create_app(model, tok)) as client:
        r = client.post("/generate", json={"prompt": "Q: Which part of the course teaches attention?\nA:"})
        check(r.status_code == 200 and isinstance(r.json().get("text"), str), f"the tuned model's API failed: {r.text[:200]}")
