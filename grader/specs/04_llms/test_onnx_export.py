"""Spec for 04_llms/onnx_export.py: torch.onnx.export with dynamic axes, onnx.checker, onnxruntime vs torch."""

from __future__ import annotations

import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
import torch.nn as nn

from grader.testing import assert_close, assert_equal, check

# small tensors: intra-op threads only add overhead on a busy machine
torch.set_num_threads(1)
warnings.filterwarnings("ignore")

AXES = {0: "batch", 1: "seq"}
DYN_HINT = ("declare every varying axis in dynamic_axes ({name: {0: 'batch', 1: 'seq'}}) for the inputs AND the "
            "outputs; otherwise the example's shape is baked into the graph")


def _spec_block(seed):
    """A pre-norm causal block like the stub's TinyBlock, built here so the spec does not trust the learner's copy."""
    torch.manual_seed(seed)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln = nn.LayerNorm(16)
            self.qkv = nn.Linear(16, 48)
            self.fc = nn.Linear(16, 16)

        def forward(self, x):
            B, T, _ = x.shape
            q, k, v = (t.reshape(B, T, 2, 8).transpose(1, 2) for t in self.qkv(self.ln(x)).chunk(3, dim=-1))
            y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            return x + self.fc(y.transpose(1, 2).reshape(B, T, 16))

    return Block().eval()


def _ort(path, feeds):
    """The oracle runner: onnxruntime directly."""
    return ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, feeds)


def test_export_mlp_dynamic_batch(learner, tmp_path, rng):
    """An MLP exported with a dynamic batch axis passes onnx.checker and matches torch for batch 1, 5 and 17."""
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(6, 32), nn.GELU(), nn.Linear(32, 3)).eval()
    path = str(tmp_path / "mlp.onnx")
    ret = learner.export_onnx(mlp, (torch.randn(4, 6),), path, ["x"], ["y"], {"x": {0: "batch"}, "y": {0: "batch"}})
    assert_equal(ret, path, name="export_onnx's return value", hint="return the path written")
    onnx.checker.check_model(onnx.load(path))
    for b in (1, 5, 17):
        x = rng.standard_normal((b, 6)).astype(np.float32)
        with torch.no_grad():
            want = mlp(torch.from_numpy(x)).numpy()
        try:
            got = _ort(path, {"x": x})[0]
        except Exception as e:  # noqa: BLE001 - onnxruntime's shape error is the teaching point
            check(False, f"onnxruntime refused a batch of {b}: {str(e)[:200]}", hint=DYN_HINT)
        assert_close(got, want, atol=1e-4, rtol=1e-4, name=f"ONNX output for batch {b}",
                     hint="export in eval mode, with the model's own example inputs")


def test_dynamic_dims(learner, tmp_path):
    """dynamic_dims reads graph input shapes: dim_param strings for dynamic axes, ints for fixed ones."""
    torch.manual_seed(0)
    lin = nn.Linear(3, 2).eval()
    fixed = str(tmp_path / "fixed.onnx")
    torch.onnx.export(lin, (torch.randn(4, 3),), fixed, input_names=["a"], output_names=["b"], dynamo=False)
    assert_equal(learner.dynamic_dims(fixed), {"a": [4, 3]}, name="dims of a fixed-shape export",
                 hint="for d in input.type.tensor_type.shape.dim: d.dim_param if set, else d.dim_value")
    dyn = str(tmp_path / "dyn.onnx")
    torch.onnx.export(lin, (torch.randn(4, 3),), dyn, input_names=["a"], output_names=["b"], dynamo=False,
                      dynamic_axes={"a": {0: "n"}, "b": {0: "n"}})
    assert_equal(learner.dynamic_dims(dyn), {"a": ["n", 3]}, name="dims of a dynamic-batch export",
                 hint="a dynamic axis has dim_param (its label) and dim_value 0")


def test_run_onnx_multiple_outputs(learner, tmp_path, rng):
    """run_onnx returns every output, in the graph's order, equal to onnxruntime's."""

    class Two(nn.Module):
        def forward(self, x):
            return x.sum(-1), x * 2

    path = str(tmp_path / "two.onnx")
    torch.onnx.export(Two(), (torch.randn(2, 3),), path, input_names=["x"], output_names=["s", "d"], dynamo=False,
                      dynamic_axes={"x": {0: "b"}, "s": {0: "b"}, "d": {0: "b"}})
    x = rng.standard_normal((5, 3)).astype(np.float32)
    got = learner.run_onnx(path, {"x": x})
    check(isinstance(got, (list, tuple)) and len(got) == 2, f"run_onnx returned {type(got).__name__} "
          f"of length {len(got) if hasattr(got, '__len__') else '?'}, expected both outputs",
          hint="session.run(None, feeds) returns every output")
    assert_close(got[0], x.sum(-1), atol=1e-6, name="first output (s)", hint="keep the graph's output order")
    assert_close(got[1], 2 * x, atol=1e-6, name="second output (d)")


def test_block_dynamic_batch_and_sequence(learner, tmp_path, seed, rng):
    """A causal attention block exported from a (2, 5) example runs at (1, 1), (3, 7) and (2, 30), equal to torch
    within 1e-4; its inputs are declared dynamic on both axes."""
    block = _spec_block(seed)
    path = str(tmp_path / "block.onnx")
    learner.export_onnx(block, (torch.randn(2, 5, 16),), path, ["x"], ["y"], {"x": AXES, "y": AXES})
    dims = [d.dim_param or d.dim_value for d in onnx.load(path).graph.input[0].type.tensor_type.shape.dim]
    check(isinstance(dims[0], str) and isinstance(dims[1], str) and dims[2] == 16,
          f"the exported input 'x' has dims {dims}, expected [batch label, seq label, 16]", hint=DYN_HINT)
    for b, t in [(1, 1), (3, 7), (2, 30)]:
        x = rng.standard_normal((b, t, 16)).astype(np.float32)
        with torch.no_grad():
            want = block(torch.from_numpy(x)).numpy()
        got = learner.run_onnx(path, {"x": x})[0]
        assert_close(got, want, atol=1e-4, rtol=1e-4, name=f"ONNX block output at (batch, seq) = ({b}, {t})", hint=DYN_HINT)


def test_given_tiny_block_round_trip(learner, tmp_path, rng):
    """The stub's TinyBlock exported with export_onnx and run with run_onnx equals its torch output at new shapes."""
    torch.manual_seed(1)
    block = learner.TinyBlock().eval()
    path = str(tmp_path / "tiny.onnx")
    learner.export_onnx(block, (torch.randn(2, 5, 16),), path, ["x"], ["y"], {"x": AXES, "y": AXES})
    assert_equal(learner.dynamic_dims(path)["x"][2], 16, name="model dimension of x")
    x = rng.standard_normal((4, 9, 16)).astype(np.float32)
    with torch.no_grad():
        want = block(torch.from_numpy(x)).numpy()
    assert_close(learner.run_onnx(path, {"x": x})[0], want, atol=1e-4, rtol=1e-4, name="TinyBlock at (4, 9)", hint=DYN_HINT)


def test_tiny_llama_logits(learner, tmp_path, rng):
    """export_causal_lm on tiny-llama-1m: inputs input_ids/attention_mask, output logits, all dynamic; ONNX logits
    equal torch's within 1e-4 for (1, 3) and (3, 11) with left padding in the mask."""
    from grader import data

    tok, model, _ = data.load("tiny-llama-1m")
    path = str(tmp_path / "llama.onnx")
    learner.export_causal_lm(model, path)
    g = onnx.load(path).graph
    assert_equal([i.name for i in g.input], ["input_ids", "attention_mask"], name="graph inputs",
                 hint="forward(input_ids, attention_mask) and input_names=['input_ids', 'attention_mask']")
    assert_equal([o.name for o in g.output], ["logits"], name="graph outputs",
                 hint="return only the logits tensor (use_cache=False, .logits)")
    for b, t in [(1, 3), (3, 11)]:
        ids = rng.integers(1, model.config.vocab_size, size=(b, t)).astype(np.int64)
        mask = np.ones((b, t), dtype=np.int64)
        mask[0, : t // 2] = 0                                   # left padding in row 0
        with torch.no_grad():
            want = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask), use_cache=False).logits
        try:
            got = _ort(path, {"input_ids": ids, "attention_mask": mask})[0]
        except Exception as e:  # noqa: BLE001 - onnxruntime's shape error is the teaching point
            check(False, f"onnxruntime refused (batch, seq) = ({b}, {t}): {str(e)[:200]}", hint=DYN_HINT)
        assert_close(got[:, t // 2:], want[:, t // 2:].numpy(), atol=1e-4, rtol=1e-4,
                     name=f"ONNX logits at (batch, seq) = ({b}, {t})",
                     hint="pass attention_mask through to the model and make batch and seq dynamic on both inputs and the logits")
