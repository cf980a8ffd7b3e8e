"""Spec for 04_llms/adapters_bitfit.py: Houlsby adapters (identity at init, placement, counts) and BitFit (bias-only training)."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from grader import data
from grader.testing import assert_close, assert_equal, assert_shape, check

IDENTITY_HINT = ("adapter(h) = h + up(act(down(h))) with up's weight AND bias initialised to zero "
                 "(nn.init.zeros_), so the residual passes h through unchanged at initialisation")


class _Block(nn.Module):
    """A small pre-norm transformer block with biases everywhere."""

    def __init__(self, d: int, heads: int, ff: int):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.fc1, self.fc2 = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, x):
        B, T, D = x.shape
        h = self.ln1(x)
        q, k, v = (f(h).view(B, T, self.heads, -1).transpose(1, 2) for f in (self.q, self.k, self.v))
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, D)
        x = x + self.o(a)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class _TinyNet(nn.Module):
    def __init__(self, vocab=50, d=16, heads=2, ff=32, layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(_Block(d, heads, ff) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        x = self.embed(ids)
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln_f(x))


def _net(seed):
    torch.manual_seed(seed)
    net = _TinyNet()
    with torch.no_grad():  # non-trivial LayerNorm parameters and biases
        for n, p in net.named_parameters():
            if n.endswith("bias") or "ln" in n:
                p.add_(0.1 * torch.randn_like(p))
    return net


def _one_step(model, seed):
    """One AdamW step (with weight decay) on every parameter; returns the parameters before the step."""
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
    ids = torch.randint(0, 50, (3, 8), generator=torch.Generator().manual_seed(seed))
    F.cross_entropy(model(ids).flatten(0, 1), ids.flatten()).backward()
    opt.step()
    return before


def test_adapter_worked_example(learner):
    """Adapter(4, 2): down is Linear(4, 2), up is Linear(2, 4) with zero weight and bias, 22 parameters, identity at init."""
    torch.manual_seed(0)
    a = learner.Adapter(dim=4, bottleneck=2)
    assert_shape(a.down.weight, (2, 4), name="down.weight", hint="down projects dim -> bottleneck: nn.Linear(dim, bottleneck)")
    assert_shape(a.up.weight, (4, 2), name="up.weight", hint="up projects bottleneck -> dim: nn.Linear(bottleneck, dim)")
    check(bool((a.up.weight == 0).all() and (a.up.bias == 0).all()), "up's weight or bias is not zero at init", hint=IDENTITY_HINT)
    check(float(a.down.weight.detach().abs().sum()) > 0, "down's weight is all zeros",
          hint="keep nn.Linear's default (random) init for down; only up starts at zero")
    h = torch.randn(3, 4)
    assert_close(a(h), h, rtol=0, atol=0, name="adapter(h) at init", hint=IDENTITY_HINT)
    assert_equal(learner.count_trainable(a), 22, name="count_trainable(Adapter(4, 2))",
                 hint="2*d*m + m + d: both weights and both biases, all trainable")


def test_adapter_formula(learner, seed):
    """With random up weights: adapter(h) = h + up(gelu(down(h))) on a (2, 5, 12) input (default activation GELU)."""
    torch.manual_seed(seed)
    a = learner.Adapter(dim=12, bottleneck=3)
    with torch.no_grad():
        a.up.weight.normal_()
        a.up.bias.normal_()
    h = torch.randn(2, 5, 12)
    want = h + F.linear(F.gelu(F.linear(h, a.down.weight, a.down.bias)), a.up.weight, a.up.bias)
    assert_close(a(h), want, rtol=1e-5, atol=1e-6, name="adapter(h)",
                 hint="h + up(act(down(h))): the residual adds the INPUT h to the bottleneck's output")
    r = learner.Adapter(dim=12, bottleneck=3, activation=nn.ReLU)
    with torch.no_grad():
        r.up.weight.normal_()
    want = h + F.linear(F.relu(F.linear(h, r.down.weight, r.down.bias)), r.up.weight, r.up.bias)
    assert_close(r(h), want, rtol=1e-5, atol=1e-6, name="adapter(h) with activation=nn.ReLU",
                 hint="instantiate the activation class you are given: self.act = activation()")


def test_with_adapter_sees_sublayer_output(learner, seed):
    """WithAdapter(sub, adapter)(x) = adapter(sub(x)): the adapter comes AFTER the sub-layer (here 6 -> 10 features)."""
    torch.manual_seed(seed)
    sub = nn.Linear(6, 10)
    a = learner.Adapter(dim=10, bottleneck=2)
    with torch.no_grad():
        a.up.weight.normal_()
    w = learner.WithAdapter(sub, a)
    x = torch.randn(4, 6)
    y = sub(x)
    want = y + F.linear(F.gelu(F.linear(y, a.down.weight, a.down.bias)), a.up.weight, a.up.bias)
    try:
        got = w(x)
    except RuntimeError as exc:
        check(False, f"WithAdapter(Linear(6, 10), Adapter(10, 2)) failed on a (4, 6) input: {exc}",
              hint="the adapter works on the sub-layer's OUTPUT (10 features): adapter(sublayer(x)), not sublayer(adapter(x))")
    assert_close(got, want, rtol=1e-5, atol=1e-6, name="WithAdapter output",
                 hint="run the sub-layer first and feed its output to the adapter: adapter(sublayer(x))")
    assert_close(w(input=x), want, rtol=1e-5, atol=1e-6, name="WithAdapter output with a keyword argument",
                 hint="pass *args and **kwargs through to the sub-layer")


def test_add_adapters_identity_and_count(learner, seed):
    """On a 2-block transformer, adapters after 'o' and 'fc2': 4 wrapped names, 4*(2*16*4+4+16) trainable, same logits at init."""
    net = _net(seed)
    ids = torch.randint(0, 50, (2, 7), generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        want = net(ids)
    names = learner.add_adapters(net, ["o", "fc2"], bottleneck=4)
    assert_equal(list(names), ["blocks.0.o", "blocks.0.fc2", "blocks.1.o", "blocks.1.fc2"], name="wrapped module names",
                 hint="match n == t or n.endswith('.' + t) over model.named_modules(), nn.Linear only, in order")
    assert_equal(learner.count_trainable(net), 4 * (2 * 16 * 4 + 4 + 16), name="trainable parameters",
                 hint="freeze every backbone parameter; each adapter adds 2*d*m + m + d, all trainable")
    with torch.no_grad():
        assert_close(net(ids), want, rtol=0, atol=1e-7, name="logits after adding adapters", hint=IDENTITY_HINT)


def test_add_adapters_only_adapters_change(learner, seed):
    """After add_adapters and one AdamW step (weight decay 0.1): backbone parameters are bit-identical and got no grad;
    every adapter parameter got a gradient and up's weights moved."""
    net = _net(seed)
    learner.add_adapters(net, ["o", "fc2"], bottleneck=4)
    before = _one_step(net, seed)
    for n, p in net.named_parameters():
        if ".adapter." in n:
            check(p.grad is not None, f"adapter parameter {n} received no gradient", hint="adapters must be trainable")
            if n.endswith("up.weight"):
                check(not torch.equal(p.detach(), before[n]), f"{n} did not change after the step",
                      hint="the adapter must be in the forward path so its up-projection gets a gradient")
        else:
            check(p.grad is None and torch.equal(p.detach(), before[n]),
                  f"backbone parameter {n} got a gradient or changed", hint="freeze the whole backbone: requires_grad_(False)")


def test_bitfit_counts(learner, seed):
    """bitfit: names and counts on the transformer and on nn.TransformerEncoderLayer, whose in_proj_bias is a bias too."""
    net = _net(seed)
    names = learner.bitfit(net)
    want = [n for n, _ in net.named_parameters() if n.rpartition(".")[2] == "bias"]
    assert_equal(list(names), want, name="bitfit names on the transformer",
                 hint="every bias, LayerNorm biases included, in named_parameters order")
    # per block: 4 attention + fc1 + fc2 + 2 LayerNorm biases = 4*16 + 32 + 16 + 2*16; plus ln_f's
    assert_equal(learner.count_trainable(net), 2 * (4 * 16 + 32 + 16 + 32) + 16, name="trainable parameters under BitFit",
                 hint="freeze weights (requires_grad False) and keep biases trainable")
    enc = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
    assert_equal(list(learner.bitfit(enc)), ["self_attn.in_proj_bias", "self_attn.out_proj.bias", "linear1.bias",
                                             "linear2.bias", "norm1.bias", "norm2.bias"],
                 name="bitfit(nn.TransformerEncoderLayer) names",
                 hint="test whether the parameter's own name ENDS WITH 'bias': 'in_proj_bias' is a bias but not '.bias'")
    assert_equal(learner.count_trainable(enc), 24 + 8 + 16 + 8 + 8 + 8, name="BitFit trainable parameters of the encoder layer",
                 hint="in_proj_bias (3*d) + out_proj.bias + linear biases + LayerNorm biases")


def test_bitfit_only_biases_change(learner, seed):
    """After bitfit and one AdamW step (weight decay 0.1): weights are bit-identical with no grad; every bias changed."""
    net = _net(seed)
    learner.bitfit(net)
    before = _one_step(net, seed)
    for n, p in net.named_parameters():
        if n.endswith("bias"):
            check(p.grad is not None and not torch.equal(p.detach(), before[n]), f"bias {n} did not train",
                  hint="biases keep requires_grad=True")
        else:
            check(p.grad is None and torch.equal(p.detach(), before[n]), f"weight {n} got a gradient or changed",
                  hint="set requires_grad_(False) on every non-bias parameter (the optimizer skips params without grad)")


@pytest.mark.points(2)
def test_tiny_llama_adapters(learner, seed):
    """tiny-llama-1m: adapters (m=16) after every o_proj and down_proj leave the logits unchanged at init and train
    8*(2*128*16+16+128) parameters; BitFit finds nothing to train (Llama has no biases)."""
    from transformers import LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(data.path("tiny-llama-1m")).eval()
    bare = copy.deepcopy(model)
    check(learner.bitfit(bare) == [] and learner.count_trainable(bare) == 0,
          "bitfit on a bias-free Llama should leave nothing trainable", hint="only parameters whose names end with 'bias' train")
    ids = torch.randint(0, 4096, (2, 20), generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        want = model(ids).logits
    names = learner.add_adapters(model, ["o_proj", "down_proj"], bottleneck=16)
    check(len(names) == 8, f"{len(names)} modules wrapped, expected 8", hint="o_proj and down_proj in each of 4 layers")
    assert_equal(learner.count_trainable(model), 8 * (2 * 128 * 16 + 16 + 128), name="trainable parameters",
                 hint="only the adapters train; the backbone (embeddings, norms, all linears) is frozen")
    with torch.no_grad():
        assert_close(model(ids).logits, want, rtol=0, atol=1e-6, name="logits with fresh adapters", hint=IDENTITY_HINT)
