"""Spec for 04_llms/lora.py: LoRALinear (init, forward, dropout, frozen base, merge/unmerge), injection vs peft."""

from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn as nn

from grader import data
from grader.testing import assert_close, assert_equal, assert_shape, check

FORMULA_HINT = "h = base(x) + (alpha / r) * dropout(x) @ A.T @ B.T, with scaling alpha / r (not alpha, not r / alpha)"


def _linear(gen, d_in, d_out, bias=True):
    lin = nn.Linear(d_in, d_out, bias=bias)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(d_out, d_in, generator=gen))
        if bias:
            lin.bias.copy_(torch.randn(d_out, generator=gen))
    return lin


def test_worked_example(learner):
    """The docstring's example: B = 0 gives the base output 3; A = [1, 0], B = 0.5, alpha = 2, r = 1 gives 4."""
    base = nn.Linear(2, 1)
    with torch.no_grad():
        base.weight.copy_(torch.tensor([[1.0, 2.0]]))
        base.bias.zero_()
    lora = learner.LoRALinear(base, r=1, alpha=2.0)
    x = torch.tensor([[1.0, 1.0]])
    assert_close(lora(x), torch.tensor([[3.0]]), name="output at initialisation",
                 hint="B starts at zero, so the LoRA path adds nothing at first")
    with torch.no_grad():
        lora.lora_A.copy_(torch.tensor([[1.0, 0.0]]))
        lora.lora_B.copy_(torch.tensor([[0.5]]))
    assert_close(lora(x), torch.tensor([[4.0]]), name="output with A = [[1, 0]], B = [[0.5]]", hint=FORMULA_HINT)


def test_init_shapes_zero_B_and_frozen_base(learner, seed):
    """A is (r, in), B is (out, r) and exactly zero; A is kaiming-uniform in [-1/sqrt(in), 1/sqrt(in)] (or normal, std 1/r);
    the base weight and bias are frozen, A and B train; scaling = alpha / r."""
    torch.manual_seed(seed)
    base = nn.Linear(256, 24)
    lora = learner.LoRALinear(base, r=8, alpha=32.0)
    assert_shape(lora.lora_A, (8, 256), name="lora_A", hint="A maps the input down to rank r: (r, in_features)")
    assert_shape(lora.lora_B, (24, 8), name="lora_B", hint="B maps rank r up to the output: (out_features, r)")
    check(bool((lora.lora_B == 0).all()), "lora_B is not all zeros at initialisation",
          hint="initialise B to zero (and A randomly), so the wrapped layer starts as the pretrained one")
    A = lora.lora_A.detach()
    check(float(A.abs().max()) <= 1 / math.sqrt(256) + 1e-7 and float(A.std()) > 0.3 / math.sqrt(256),
          f"lora_A has max |A| = {float(A.abs().max()):.4f}, std {float(A.std()):.4f}; expected "
          f"U(-1/16, 1/16) (std {1 / math.sqrt(3 * 256):.4f})", hint="nn.init.kaiming_uniform_(A, a=math.sqrt(5))")
    assert_close(lora.scaling, 4.0, name="scaling for r=8, alpha=32", hint="scaling = alpha / r")
    check(not base.weight.requires_grad and not base.bias.requires_grad, "the base layer's weight or bias still requires grad",
          hint="freeze the wrapped layer: base.weight.requires_grad_(False) (and its bias)")
    check(lora.lora_A.requires_grad and lora.lora_B.requires_grad, "lora_A or lora_B does not require grad",
          hint="A and B are nn.Parameters and the only trainable tensors")
    g = learner.LoRALinear(nn.Linear(256, 24), r=4, alpha=4.0, init="gaussian")
    check(abs(float(g.lora_A.detach().std()) - 0.25) < 0.03 and bool((g.lora_B == 0).all()),
          f"init='gaussian': std(A) = {float(g.lora_A.detach().std()):.3f} (want 1/r = 0.25), B zero: {bool((g.lora_B == 0).all())}",
          hint="gaussian init is nn.init.normal_(A, std=1/r); B is zero in both inits")


def test_forward_formula_and_init_identity(learner, seed):
    """At init the output equals base(x) exactly; with random A, B it equals W x + b + (alpha/r) B A x, for 3-D inputs too."""
    gen = torch.Generator().manual_seed(seed)
    base = _linear(gen, 12, 7)
    ref = copy.deepcopy(base)
    lora = learner.LoRALinear(base, r=3, alpha=5.0)
    x = torch.randn(2, 4, 12, generator=gen)
    assert_close(lora(x), ref(x), rtol=0, atol=0, name="output at initialisation", hint="B = 0 so nothing is added")
    A, B = torch.randn(3, 12, generator=gen), torch.randn(7, 3, generator=gen)
    with torch.no_grad():
        lora.lora_A.copy_(A)
        lora.lora_B.copy_(B)
    want = ref(x) + (5.0 / 3) * x @ (B @ A).T
    out = lora(x)
    assert_shape(out, (2, 4, 7), name="output", hint="work on the last dimension: x @ A.T @ B.T")
    assert_close(out, want, rtol=1e-5, atol=1e-5, name="LoRA output", hint=FORMULA_HINT)
    assert_close(lora.delta_weight(), (5.0 / 3) * B @ A, rtol=1e-6, atol=1e-6, name="delta_weight()",
                 hint="delta W = (alpha / r) B A, shape (out, in)")


def test_dropout_only_on_lora_path(learner, seed):
    """dropout=1.0 in train mode kills the LoRA path only (output = base(x)); in eval mode dropout is off."""
    gen = torch.Generator().manual_seed(seed)
    base = _linear(gen, 10, 6)
    ref = copy.deepcopy(base)
    lora = learner.LoRALinear(base, r=2, alpha=4.0, dropout=1.0)
    with torch.no_grad():
        lora.lora_B.copy_(torch.randn(6, 2, generator=gen))
    x = torch.randn(5, 10, generator=gen)
    lora.train()
    assert_close(lora(x), ref(x), rtol=1e-6, atol=1e-6, name="train-mode output with dropout=1",
                 hint="dropout acts on the LoRA path's input only: base(x) + scaling * dropout(x) @ A.T @ B.T")
    lora.eval()
    want = ref(x) + 2.0 * x @ (lora.lora_B @ lora.lora_A).detach().T
    assert_close(lora(x), want, rtol=1e-5, atol=1e-5, name="eval-mode output with dropout=1",
                 hint="use an nn.Dropout module (it is the identity in eval mode)")


def test_only_lora_gets_gradients(learner, seed):
    """After backward: no grad on the base weight/bias; at init (B = 0) dL/dA = 0 and dL/dB != 0."""
    gen = torch.Generator().manual_seed(seed)
    base = _linear(gen, 8, 5)
    lora = learner.LoRALinear(base, r=2, alpha=2.0)
    lora(torch.randn(6, 8, generator=gen)).pow(2).sum().backward()
    check(base.weight.grad is None and base.bias.grad is None, "the frozen base layer received a gradient",
          hint="set requires_grad_(False) on the base weight and bias")
    check(lora.lora_A.grad is not None and bool((lora.lora_A.grad == 0).all()),
          "dL/dA should exist and be exactly 0 at initialisation (it is proportional to B, which is 0)",
          hint="B must start at zero; A random")
    check(lora.lora_B.grad is not None and float(lora.lora_B.grad.abs().sum()) > 0, "dL/dB is zero or missing at init",
          hint="the LoRA path must stay in the graph: h = base(x) + scaling * x @ A.T @ B.T")


def test_merge_unmerge(learner, seed):
    """merge(): same outputs (atol 1e-6) and W changes by (alpha/r) B A; twice is a no-op; unmerge() restores W (atol 1e-6)."""
    gen = torch.Generator().manual_seed(seed)
    base = _linear(gen, 16, 9)
    w0 = base.weight.detach().clone()
    lora = learner.LoRALinear(base, r=4, alpha=8.0)
    with torch.no_grad():
        lora.lora_B.copy_(0.1 * torch.randn(9, 4, generator=gen))
    lora.eval()
    x = torch.randn(7, 16, generator=gen)
    before = lora(x).detach()
    lora.merge()
    delta = 2.0 * (lora.lora_B @ lora.lora_A).detach()
    assert_close(base.weight.detach(), w0 + delta, rtol=1e-6, atol=1e-6, name="merged base weight",
                 hint="merge adds (alpha / r) B A to base.weight (shape (out, in)) in place")
    assert_close(lora(x), before, rtol=1e-6, atol=1e-6, name="output after merge()",
                 hint="once merged, forward must not add the LoRA path a second time")
    lora.merge()
    assert_close(lora(x), before, rtol=1e-6, atol=1e-6, name="output after merge() twice",
                 hint="merge() when already merged does nothing (track a `merged` flag)")
    lora.unmerge()
    assert_close(base.weight.detach(), w0, rtol=0, atol=1e-6, name="base weight after unmerge()",
                 hint="unmerge subtracts the same (alpha / r) B A")
    assert_close(lora(x), before, rtol=1e-6, atol=1e-6, name="output after unmerge()",
                 hint="after unmerge the LoRA path is added again")


def _peft_pairs(peft_model):
    """{name in the original model: peft's LoRA layer}."""
    return {n.removeprefix("base_model.model."): m for n, m in peft_model.named_modules()
            if hasattr(m, "lora_A") and "default" in getattr(m, "lora_A", {})}


def _copy_from_peft(peft_model, mine, gen):
    """Give peft's layers random B (so the adapters do something) and copy peft's A, B into the learner's model."""
    for name, layer in _peft_pairs(peft_model).items():
        with torch.no_grad():
            layer.lora_B["default"].weight.copy_(0.05 * torch.randn(layer.lora_B["default"].weight.shape, generator=gen))
            target = mine.get_submodule(name)
            target.lora_A.copy_(layer.lora_A["default"].weight)
            target.lora_B.copy_(layer.lora_B["default"].weight)


def test_inject_sequential_vs_peft(learner, seed):
    """On an MLP with targets ["0", "2"]: the replaced names, the (trainable, total) counts and the outputs equal peft's."""
    from peft import LoraConfig, get_peft_model

    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 8))
    peft_model = get_peft_model(copy.deepcopy(model), LoraConfig(r=4, lora_alpha=8, target_modules=["0", "4"],
                                                                  lora_dropout=0.0, init_lora_weights="gaussian"))
    mine = copy.deepcopy(model)
    names = learner.inject_lora(mine, ["0", "4"], r=4, alpha=8.0)
    assert_equal(list(names), ["0", "4"], name="replaced module names",
                 hint="match name == t or name.endswith('.' + t), on nn.Linear modules only")
    assert_equal(tuple(learner.count_parameters(mine)), tuple(peft_model.get_nb_trainable_parameters()),
                 name="(trainable, total) parameters vs peft",
                 hint="freeze every parameter of the model first; only each LoRA layer's A and B train")
    _copy_from_peft(peft_model, mine, gen)
    x = torch.randn(10, 16, generator=gen)
    peft_model.eval()
    mine.eval()
    with torch.no_grad():
        assert_close(mine(x), peft_model(x), rtol=1e-5, atol=1e-6, name="output vs peft", hint=FORMULA_HINT)


@pytest.mark.points(2)
def test_tiny_llama_vs_peft(learner, seed):
    """tiny-llama-1m with LoRA on q_proj and v_proj (r=4, alpha=16): trainable/total counts equal peft's, logits equal
    peft's with the same A and B (atol 1e-5), before and after merge()."""
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaForCausalLM

    gen = torch.Generator().manual_seed(seed)
    model = LlamaForCausalLM.from_pretrained(data.path("tiny-llama-1m")).eval()
    peft_model = get_peft_model(copy.deepcopy(model), LoraConfig(r=4, lora_alpha=16, target_modules=["q_proj", "v_proj"],
                                                                  lora_dropout=0.0, init_lora_weights=True)).eval()
    names = learner.inject_lora(model, ["q_proj", "v_proj"], r=4, alpha=16.0)
    check(len(names) == 8, f"inject_lora replaced {len(names)} modules, expected 8 (q_proj and v_proj in 4 layers)",
          hint="match the suffix after the last '.': name.endswith('.' + t)")
    assert_equal(tuple(learner.count_parameters(model)), tuple(peft_model.get_nb_trainable_parameters()),
                 name="(trainable, total) parameters vs peft's print_trainable_parameters",
                 hint="freeze the whole model (embeddings, norms, every linear) and count tied weights once")
    _copy_from_peft(peft_model, model, gen)
    ids = torch.randint(0, 4096, (2, 24), generator=gen)
    with torch.no_grad():
        want = peft_model(ids).logits
        assert_close(model(ids).logits, want, rtol=1e-4, atol=1e-5, name="logits vs peft", hint=FORMULA_HINT)
        for name in names:
            model.get_submodule(name).merge()
        assert_close(model(ids).logits, want, rtol=1e-4, atol=1e-5, name="logits after merging every LoRA layer",
                     hint="merge adds (alpha / r) B A to the base weight and the merged forward skips the side path")
