"""The pretrained models that ship offline: MiniLM from its package, and the course's two tiny Llamas."""

from __future__ import annotations

import json

import pytest

from grader import data
from grader.data.loaders.models import perplexity, token_stream
from tests.data_support import *  # noqa: F403 - the offline/cache fixtures

TINY = ("tiny-llama-1m", "tiny-llama-8m")


def test_minilm_encodes_sentences_offline():
    import torch

    tok, model, folder = data.load("minilm")
    assert type(model).__name__ == "BertModel" and model.config.num_hidden_layers == 6
    assert folder == data.path("minilm") and (folder / "model.safetensors").is_file()
    sentences = ["A man is eating food.", "A man is eating a piece of bread.", "The stock market fell sharply today."]
    batch = tok(sentences, padding=True, return_tensors="pt")
    assert batch["input_ids"][0, 0].item() == tok.cls_token_id
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    emb = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
    assert emb.shape == (3, 384)
    sims = emb @ emb.T
    assert sims[0, 1] > 0.6 > sims[0, 2]


def test_minilm_with_a_classification_head():
    _, model, _ = data.load("minilm", head="sequence-classification", num_labels=2)
    assert type(model).__name__ == "BertForSequenceClassification" and model.config.num_labels == 2


@pytest.mark.parametrize("name", TINY)
def test_tiny_llama_loads_generates_and_reaches_its_recorded_perplexity(name):
    import torch

    tok, model, folder = data.load(name)
    record = json.loads((folder / "training.json").read_text())
    assert type(model).__name__ == "LlamaForCausalLM" and model.dtype == torch.float32 and not model.training
    assert sum(p.numel() for p in model.parameters()) == record["parameters"]
    prompt = tok("The history of", return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**prompt, max_new_tokens=12, do_sample=False)
    text = tok.decode(out[0], skip_special_tokens=True)
    assert text.startswith("The history of") and len(text) > len("The history of") + 10
    test_ids = token_stream(tok, [a.text for a in data.load("wiki-excerpt", split="test")])
    assert len(test_ids) == record["tokens"]["test"]
    ppl = perplexity(model, test_ids, block=record["seq_len"], max_blocks=record["test_slice_blocks"])
    assert ppl == pytest.approx(record["test_slice_perplexity"], rel=0.05)
    assert ppl < 0.25 * record["vocab_size"], "far better than guessing uniformly over the vocabulary"


def test_the_tiny_llamas_share_one_tokenizer_and_fit_the_size_budget():
    folders = [data.path(n) for n in TINY]
    for f in ("tokenizer.json", "tokenizer_config.json"):
        assert (folders[0] / f).read_bytes() == (folders[1] / f).read_bytes()
    total = sum(p.stat().st_size for folder in folders for p in folder.iterdir())
    assert total <= 30 * 1024 * 1024
    from safetensors import safe_open

    with safe_open(str(folders[1] / "model.safetensors"), "pt") as f:
        assert {str(f.get_slice(k).get_dtype()) for k in f.keys()} == {"F16"}
    assert json.loads((folders[1] / "config.json").read_text())["model_type"] == "llama"


def test_the_registry_describes_the_recorded_training():
    for name in TINY:
        record = json.loads((data.path(name) / "training.json").read_text())
        e = data.entry(name)
        text = e.description
        assert record["command"] in text
        assert f"{record['recipe']['steps']} steps" in text
        assert f"{record['final_train_loss']:.2f}" in text
        assert f"{record['test_perplexity']:.1f}" in text and f"{record['valid_perplexity']:.1f}" in text
        assert 0.7e6 < record["parameters"] < 1.5e6 if name.endswith("1m") else 6e6 < record["parameters"] < 10e6
