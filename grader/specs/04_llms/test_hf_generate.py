"""Spec for 04_llms/hf_generate.py: accelerate loading, GenerationConfig, repetition penalty, left-padded batches."""

from __future__ import annotations

import pytest
import torch
from transformers import GenerationConfig
from transformers.generation.logits_process import RepetitionPenaltyLogitsProcessor

from grader import data
from grader.testing import assert_close, assert_equal, check

# every tensor here is small: intra-op threads only add overhead on a busy machine
torch.set_num_threads(1)

PROMPTS = ["Paris", "The history of", "In mathematics, a group is a set"]


@pytest.fixture(scope="module")
def pack():
    return data.load("tiny-llama-1m")


def _greedy_cfg(n, eos=0, pad=0):
    return GenerationConfig(do_sample=False, max_new_tokens=n, eos_token_id=eos, pad_token_id=pad)


def _one_by_one(model, tok, prompts, cfg):
    """The oracle: model.generate on each prompt alone (no padding at all)."""
    outs = []
    for p in prompts:
        ids = torch.tensor([tok(p)["input_ids"]])
        with torch.no_grad():
            outs.append(model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), generation_config=cfg)[0, ids.shape[1]:])
    return outs


def test_generation_config(learner):
    """make_generation_config: greedy has do_sample False; sampling keeps temperature and top_k; ids and limits are set."""
    g = learner.make_generation_config(7, eos_token_id=3, pad_token_id=5, repetition_penalty=1.2)
    check(isinstance(g, GenerationConfig), f"got {type(g).__name__}, expected a transformers.GenerationConfig")
    assert_equal((g.do_sample, g.max_new_tokens, g.eos_token_id, g.pad_token_id, g.repetition_penalty),
                 (False, 7, 3, 5, 1.2), name="greedy config (do_sample, max_new_tokens, eos, pad, repetition_penalty)",
                 hint="GenerationConfig(do_sample=False, max_new_tokens=..., eos_token_id=..., pad_token_id=..., repetition_penalty=...)")
    s = learner.make_generation_config(4, 0, 0, do_sample=True, temperature=0.7, top_k=11)
    assert_equal((s.do_sample, s.temperature, s.top_k, s.max_new_tokens), (True, 0.7, 11, 4),
                 name="sampling config (do_sample, temperature, top_k, max_new_tokens)",
                 hint="pass do_sample=True with temperature and top_k")


def test_repetition_penalty_matches_transformers(learner, seed):
    """apply_repetition_penalty equals transformers' RepetitionPenaltyLogitsProcessor (positive logits divided,
    negative multiplied, repeated ids penalised once); penalty 1 changes nothing; the input is not modified."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(3, 20, generator=g) * 3
    ids = torch.randint(0, 20, (3, 9), generator=g)
    ids[0, :3] = 4                                     # a repeated id: penalised once, not three times
    before = logits.clone()
    for penalty in (1.0, 1.3, 0.8):
        got = learner.apply_repetition_penalty(logits, ids, penalty)
        want = RepetitionPenaltyLogitsProcessor(penalty)(ids, logits.clone())
        assert_close(got, want, atol=1e-6, rtol=1e-6, name=f"penalised logits (penalty {penalty})",
                     hint="for ids present in the row: logit / penalty if logit > 0 else logit * penalty; "
                          "apply it once per distinct id, leave other ids alone")
    assert_close(logits, before, atol=0, rtol=0, name="the logits passed in", hint="return a new tensor (scatter, not scatter_)")


def test_left_padding(learner, pack):
    """encode_left_padded pads on the left with the pad id; the mask is 0 on pads; every row ends with its last real token."""
    tok = pack[0]
    enc = learner.encode_left_padded(tok, PROMPTS)
    ids, mask = enc["input_ids"], enc["attention_mask"]
    lens = [len(tok(p)["input_ids"]) for p in PROMPTS]
    T = max(lens)
    for b, (p, n) in enumerate(zip(PROMPTS, lens)):
        want_mask = [0] * (T - n) + [1] * n
        assert_equal(mask[b].tolist(), want_mask, name=f"attention_mask of row {b}",
                     hint="padding_side = 'left': the zeros come first")
        assert_equal(ids[b, T - n:].tolist(), tok(p)["input_ids"], name=f"real tokens of row {b}",
                     hint="the prompt's tokens must end at the last column")
        assert_equal(ids[b, :T - n].tolist(), [tok.pad_token_id] * (T - n), name=f"pads of row {b}")


def test_load_dispatched(learner, pack):
    """load_dispatched gives a real (non-meta) model in eval mode, lm_head tied to the embeddings, with the packed
    model's logits; an explicit per-module device_map works too."""
    tok, ref, folder = pack
    x = torch.tensor([tok("The history of Paris")["input_ids"]])
    with torch.no_grad():
        want = ref(x).logits
    modules = {"model.embed_tokens": "cpu", "model.rotary_emb": "cpu", "model.norm": "cpu", "lm_head": "cpu",
               **{f"model.layers.{i}": "cpu" for i in range(ref.config.num_hidden_layers)}}
    for dm in (None, modules):
        m = learner.load_dispatched(folder, device_map=dm)
        meta = [n for n, p in m.named_parameters() if p.device.type == "meta"]
        check(not meta, f"parameters still on the meta device: {meta[:3]}",
              hint="tie_weights() before load_checkpoint_and_dispatch: the checkpoint stores embed_tokens once and "
                   "lm_head must share it")
        check(not m.training, "the model is in training mode", hint="return model.eval()")
        with torch.no_grad():
            got = m(x).logits
        assert_close(got, want, atol=1e-5, rtol=1e-5, name=f"logits of the dispatched model (device_map={dm and 'per-module'})",
                     hint="load_checkpoint_and_dispatch(model, folder, device_map=...) after init_empty_weights + from_config")


def test_greedy_generate_matches_generate(learner, pack):
    """greedy_generate on a left-padded batch equals model.generate on the same batch and on each prompt alone."""
    tok, model, _ = pack
    enc = learner.encode_left_padded(tok, PROMPTS)
    got = learner.greedy_generate(model, enc["input_ids"], enc["attention_mask"], 10, eos_token_id=0, pad_token_id=0)
    for b, want in enumerate(_one_by_one(model, tok, PROMPTS, _greedy_cfg(10))):
        assert_equal(got[b, :len(want)].tolist(), want.tolist(), name=f"greedy tokens of row {b} ({PROMPTS[b]!r})",
                     hint="pass the attention_mask on every forward (the prefill too, or short rows attend to the pads), "
                          "extend it by a column of ones each step, position_ids = cumsum(mask) - 1, and feed only the "
                          "new token with past_key_values")


def test_greedy_generate_stops_at_eos(learner, pack):
    """A row that emits eos is padded afterwards, and decoding stops once every row has finished (as model.generate)."""
    tok, model, _ = pack
    enc = learner.encode_left_padded(tok, PROMPTS)
    free = learner.greedy_generate(model, enc["input_ids"], enc["attention_mask"], 6, eos_token_id=-1, pad_token_id=0)
    eos, pad = int(free[0, 2]), 1                       # make row 0's third token the "eos"
    with torch.no_grad():
        want = model.generate(**enc, generation_config=_greedy_cfg(6, eos=eos, pad=pad))[:, enc["input_ids"].shape[1]:]
    got = learner.greedy_generate(model, enc["input_ids"], enc["attention_mask"], 6, eos_token_id=eos, pad_token_id=pad)
    assert_equal(got.tolist(), want.tolist(), name=f"tokens with eos_token_id={eos}, pad_token_id=1",
                 hint="after a row emits eos it emits pad_token_id; stop when every row is done")


def test_generate_texts_greedy_and_special_tokens(learner, pack):
    """generate_texts (greedy) returns, per prompt, only the continuation decoded with skip_special_tokens, equal to
    one-by-one generation."""
    tok, model, _ = pack
    cfg = _greedy_cfg(12)
    got = learner.generate_texts(model, tok, PROMPTS, cfg)
    want = [tok.decode(o, skip_special_tokens=True) for o in _one_by_one(model, tok, PROMPTS, cfg)]
    assert_equal(got, want, name="generated texts",
                 hint="left-pad the batch, slice off the prompt columns (out[:, T:]) and batch_decode(..., skip_special_tokens=True)")
    check(all("<|endoftext|>" not in t for t in got), "a special token leaked into the text", hint="skip_special_tokens=True")


def test_generate_texts_seeded_sampling(learner, pack, seed):
    """Sampling with a seed is reproducible and equals torch.manual_seed(seed) + model.generate on the left-padded batch."""
    tok, model, _ = pack
    cfg = GenerationConfig(do_sample=True, temperature=0.9, top_k=40, max_new_tokens=10, eos_token_id=0,
                           pad_token_id=0, repetition_penalty=1.2)
    a = learner.generate_texts(model, tok, PROMPTS, cfg, seed=seed)
    b = learner.generate_texts(model, tok, PROMPTS, cfg, seed=seed)
    assert_equal(a, b, name="two runs with the same seed", hint="torch.manual_seed(seed) right before generate")
    tok.padding_side = "left"
    enc = tok(PROMPTS, return_tensors="pt", padding=True)
    torch.manual_seed(seed)
    with torch.no_grad():
        out = model.generate(**enc, generation_config=cfg)
    want = tok.batch_decode(out[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
    assert_equal(a, want, name="sampled texts", hint="seed with torch.manual_seed(seed) and pass generation_config=config")
