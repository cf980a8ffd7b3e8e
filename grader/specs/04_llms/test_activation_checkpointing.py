"""Spec for 04_llms/activation_checkpointing.py: checkpointed segments, same gradients, saved-tensor byte counts."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint

from grader.testing import assert_close, assert_equal, check

DIM, HIDDEN = 8, 32


def _oracle_saved_bytes(model: nn.Module, x: torch.Tensor) -> int:
    """Distinct non-parameter storages packed by autograd during model(x), in bytes (the spec's own count)."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen = {}

    def pack(t):
        s = t.untyped_storage()
        if s.data_ptr() not in params:
            seen[s.data_ptr()] = s.nbytes()
        return t

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(x)
    return sum(seen.values())


class _RefBlock(nn.Module):
    """The same block as the stub's Block, written here so the spec does not trust the learner's copy."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.ln, self.fc1, self.fc2 = nn.LayerNorm(dim), nn.Linear(dim, hidden), nn.Linear(hidden, dim)

    def forward(self, x):
        return x + self.fc2(torch.nn.functional.gelu(self.fc1(self.ln(x))))


def _blocks(n, seed):
    torch.manual_seed(seed)
    blocks = [_RefBlock(DIM, HIDDEN) for _ in range(n)]
    for b in blocks:  # non-trivial LayerNorm affine parameters
        nn.init.normal_(b.ln.weight, 1.0, 0.2)
        nn.init.normal_(b.ln.bias, 0.0, 0.2)
    return blocks


def _plain(blocks, x):
    for b in blocks:
        x = b(x)
    return x


class _Square(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(16, 4)

    def forward(self, x):
        y = self.lin(x)
        return y * y  # mul saves y twice (once per operand): one storage


def test_saved_bytes_by_hand(learner):
    """A Linear(16, 4) on an (8, 16) float32 input saves only its input, 8*16*4 = 512 bytes (when x requires grad
    it also saves weight.t(), a parameter, which is not counted); adding a ReLU adds its (8, 4) output, 128 bytes."""
    torch.manual_seed(0)
    lin = nn.Linear(16, 4)
    x = torch.randn(8, 16)
    assert_equal(learner.saved_activation_bytes(lin, x), 512, name="saved_activation_bytes(Linear(16, 4), x (8, 16))",
                 hint="count only activations: skip tensors whose untyped_storage().data_ptr() is a parameter's "
                      "(Linear also saves weight.t(), a view of the weight's storage)")
    xg = x.clone().requires_grad_(True)  # now the Linear also saves weight.t() (for dL/dx): not an activation
    assert_equal(learner.saved_activation_bytes(lin, xg), 512, name="saved_activation_bytes(Linear(16, 4), x requiring grad)",
                 hint="when x requires grad, Linear also saves weight.t(), a view of the weight's storage: skip "
                      "tensors whose untyped_storage().data_ptr() is one of the model's parameters'")
    seq = nn.Sequential(lin, nn.ReLU())
    assert_equal(learner.saved_activation_bytes(seq, x), 640, name="saved_activation_bytes(Linear -> ReLU)",
                 hint="the ReLU saves its (8, 4) output: 512 + 128 bytes; count nbytes of the storage "
                      "(numel * element_size), not numel")


def test_saved_bytes_counts_each_storage_once(learner):
    """y * y saves y twice (once per operand) but it is one tensor in memory: Linear(16, 4) then y * y saves
    512 + 128 = 640 bytes, not 768."""
    torch.manual_seed(0)
    got = learner.saved_activation_bytes(_Square(), torch.randn(8, 16))
    check(got != 768, "saved_activation_bytes counted y twice for y * y (got 768 bytes)",
          hint="memory is per storage: keep a dict {storage.data_ptr(): storage.nbytes()} and sum its values")
    assert_equal(got, 640, name="saved_activation_bytes(Linear(16, 4) then y * y)",
                 hint="the Linear's input (512 bytes) plus y once (128 bytes); parameters excluded")


def test_saved_bytes_matches_oracle_on_blocks(learner, seed):
    """On a plain stack of 3 pre-LN MLP blocks, saved_activation_bytes equals the spec's own count of distinct,
    non-parameter storages packed by saved_tensors_hooks."""
    model = nn.Sequential(*_blocks(3, seed))
    x = torch.randn(5, 6, DIM)
    assert_equal(learner.saved_activation_bytes(model, x), _oracle_saved_bytes(model, x),
                 name="saved_activation_bytes(3 blocks)",
                 hint="pack(t) is called for every tensor saved during the forward pass run inside the "
                      "saved_tensors_hooks context; count distinct storages and skip the parameters'")


@pytest.mark.parametrize("segment_size", [0, 1, 2, 3, 5])
def test_forward_values_unchanged(learner, seed, segment_size):
    """CheckpointedStack(blocks, k)(x) equals running the 5 blocks one after another, for k = 0 (off), 1, 2, 3
    (a shorter last segment) and 5 (one segment), in training and in eval mode."""
    blocks = _blocks(5, seed)
    x = torch.randn(4, DIM)
    expected = _plain(blocks, x)
    stack = learner.CheckpointedStack(blocks, segment_size)
    stack.train()
    assert_close(stack(x), expected, rtol=1e-5, atol=1e-6, name=f"CheckpointedStack(5 blocks, {segment_size})(x)",
                 hint="segments start at 0, k, 2k, ... and the last one ends at n (it may be shorter than k): "
                      "every block must run exactly once, in order")
    stack.eval()
    with torch.no_grad():
        assert_close(stack(x), expected, rtol=1e-5, atol=1e-6, name="the stack's output in eval mode under no_grad",
                     hint="without grad there is nothing to save: just run the blocks")


@pytest.mark.points(2)
@pytest.mark.parametrize("segment_size", [1, 2])
def test_gradients_match_plain(learner, seed, segment_size):
    """Parameter gradients through the checkpointed stack equal those of the plain stack, when the input is
    data that does not require grad (the first segment's case) and when it does (then x.grad matches too)."""
    blocks = _blocks(4, seed)
    x = torch.randn(3, 5, DIM)
    w = torch.randn(3, 5, DIM)
    (_plain(blocks, x) * w).sum().backward()
    expected = [p.grad.clone() for b in blocks for p in b.parameters()]
    for b in blocks:
        b.zero_grad(set_to_none=True)

    stack = learner.CheckpointedStack(blocks, segment_size)
    stack.train()
    (stack(x) * w).sum().backward()
    params = [p for b in blocks for p in b.parameters()]
    missing = sum(p.grad is None for p in params)
    check(missing == 0, f"{missing} of {len(params)} parameters got no gradient through the checkpointed stack",
          hint="checkpoint(..., use_reentrant=True) only backpropagates when a tensor input requires grad, and "
               "the first segment's input is data; use use_reentrant=False (and never detach the segment input)")
    for i, (p, g) in enumerate(zip(params, expected)):
        assert_close(p.grad, g, rtol=1e-5, atol=1e-6, name=f"gradient of parameter {i}",
                     hint="recomputation must run exactly the same blocks on the same input; do not detach h "
                          "between segments")

    xg = x.clone().requires_grad_(True)
    (_plain(blocks, xg) * w).sum().backward()
    expected_xg = xg.grad.clone()
    xl = x.clone().requires_grad_(True)
    (stack(xl) * w).sum().backward()
    check(xl.grad is not None, "x.grad is None after backward through the checkpointed stack",
          hint="the segment input must stay attached to the graph: pass h itself to checkpoint, not h.detach()")
    assert_close(xl.grad, expected_xg, rtol=1e-5, atol=1e-6, name="x.grad", hint="the gradient must flow through "
                 "every segment back to the input")


def test_recomputes_in_backward(learner, seed):
    """With checkpointing on, each block's forward runs twice per training step (forward, then the recompute in
    backward); with segment_size=0, or under torch.no_grad, it runs once."""
    blocks = _blocks(4, seed)
    calls = [0] * 4
    for i, b in enumerate(blocks):
        b.register_forward_pre_hook(lambda m, a, i=i: calls.__setitem__(i, calls[i] + 1))
    x = torch.randn(2, DIM)

    stack = learner.CheckpointedStack(blocks, 2)
    stack.train()
    stack(x).sum().backward()
    assert_equal(calls, [2, 2, 2, 2], name="forward calls per block in one checkpointed training step",
                 hint="wrap each segment in torch.utils.checkpoint.checkpoint(fn, h, ..., use_reentrant=False): "
                      "its blocks run in forward and again in backward")
    calls[:] = [0] * 4
    learner.CheckpointedStack(blocks, 0).train()(x).sum().backward()
    assert_equal(calls, [1, 1, 1, 1], name="forward calls per block with segment_size=0",
                 hint="segment_size=0 turns checkpointing off")
    calls[:] = [0] * 4
    with torch.no_grad():
        stack(x)
    assert_equal(calls, [1, 1, 1, 1], name="forward calls per block under torch.no_grad",
                 hint="checkpoint only when training and torch.is_grad_enabled()")


@pytest.mark.points(2)
@pytest.mark.parametrize("n_blocks,segment_size", [(6, 1), (6, 2), (5, 2), (6, 3)])
def test_checkpointed_stack_saves_only_segment_inputs(learner, seed, n_blocks, segment_size):
    """Measured with the spec's own saved-tensor hook, the checkpointed stack keeps exactly one input per segment,
    ceil(n/k) * bytes(x), while the plain stack keeps ~10x more."""
    blocks = _blocks(n_blocks, seed)
    x = torch.randn(4, 3, DIM)
    plain = learner.CheckpointedStack(blocks, 0)
    ckpt = learner.CheckpointedStack(blocks, segment_size)
    n_seg = math.ceil(n_blocks / segment_size)
    expected = n_seg * x.numel() * x.element_size()
    got = _oracle_saved_bytes(ckpt, x)
    check(got < _oracle_saved_bytes(plain, x), "the checkpointed stack saves as much as the plain one",
          hint="call torch.utils.checkpoint.checkpoint on each segment when training")
    assert_equal(got, expected, name=f"bytes saved by CheckpointedStack({n_blocks} blocks, {segment_size})",
                 hint=f"expected {n_seg} segments (starts 0, k, 2k, ... < n), each saving only its input")


def test_memory_saving_report(learner, seed):
    """memory_saving returns the plain and checkpointed byte counts (the spec's own) and 1 - ckpt / plain."""
    blocks = _blocks(4, seed)
    x = torch.randn(6, DIM)
    plain, ckpt = learner.CheckpointedStack(blocks, 0), learner.CheckpointedStack(blocks, 2)
    base, ck = _oracle_saved_bytes(plain, x), _oracle_saved_bytes(ckpt, x)
    report = learner.memory_saving(plain, ckpt, x)
    check(isinstance(report, dict) and {"baseline", "checkpointed", "saved_fraction"} <= set(report),
          f"memory_saving returned {report!r}", hint='return {"baseline": ..., "checkpointed": ..., "saved_fraction": ...}')
    assert_equal(int(report["baseline"]), base, name='report["baseline"]', hint="saved_activation_bytes of the plain model")
    assert_equal(int(report["checkpointed"]), ck, name='report["checkpointed"]',
                 hint="saved_activation_bytes of the checkpointed model")
    assert_close(report["saved_fraction"], 1 - ck / base, rtol=1e-9, name='report["saved_fraction"]',
                 hint="the fraction saved is 1 - checkpointed / baseline (not the ratio itself)")
