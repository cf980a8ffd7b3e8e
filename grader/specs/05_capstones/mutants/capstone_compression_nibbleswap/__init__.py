"""Capstone 3: model compression.

Goal
----
Make two pretrained models smaller and faster, measure what it costs, and ship the variant you choose:

* a MiniLM sentence classifier (the course's ``minilm`` encoder, frozen, mean pooling, and a logistic-regression
  head fitted on ``movie-polarity``: ``build_classifier`` is given), and
* the course's decoder ``tiny-llama-1m`` (perplexity on the ``wiki-excerpt`` valid split).

This is a package: five modules, each a part of the job. ``models.py`` is given (the classifier, tokenising,
accuracy, perplexity, and ``replace_linears`` to swap layers); you write the rest.

- ``quantize.py``:
    * ``quantize_dynamic_int8(model)``: PyTorch's dynamic int8 (``torch.ao.quantization.quantize_dynamic`` on
      ``nn.Linear``, on a deepcopy). It still works on torch 2.13 but is deprecated: its successor is torchao's
      ``quantize_(model, Int8DynamicActivationInt8WeightConfig())``, not installed here. Silence its warnings;
    * ``quantize_per_channel_int8(w)``: symmetric int8 with one scale per OUTPUT channel (row):
      scale_c = max_j |w[c, j]| / 127 (1 for an all-zero row), q = clamp(round(w / scale_c), -127, 127);
    * ``calibrate(model, batches, skip)``: forward pre-hooks on every ``nn.Linear`` record max |input| over the
      calibration batches (``model(**batch)``): {module name: absmax}; remove the hooks afterwards;
    * ``Int8Linear.from_float(linear, act_absmax)`` and its forward, static int8: the activation scale is FIXED
      by calibration, s_x = absmax / 127; x_q = clamp(round(x / s_x), -127, 127);
      y = (x_q @ q^T) * (s_x * s_w) + bias (the integer product is what an int8 kernel computes in int32);
    * ``quantize_static_int8(model, batches, skip)``: calibrate, then ``replace_linears`` with Int8Linear (copy);
    * ``pack_int4(q)`` / ``unpack_int4(p)``: two int4 codes per byte, nibble = q + 8 in 0..15, element 2j in the
      LOW nibble and 2j + 1 in the HIGH nibble: byte = nib[2j] | nib[2j+1] << 4;
    * ``QuantLinear.from_float(linear, group_size)``: weight-only int4, group-wise: each row is cut into groups of
      ``group_size`` inputs, each with its own float16 scale s_g = max |w in g| / 7 and codes
      q = clamp(round(w / s_g), -8, 7) (computed with the float16 scale you store), packed in a uint8 buffer
      ``packed`` (out, in // 2), scales in a buffer ``scales`` (out, in // group_size). ``dequantize()``
      rebuilds W = q * s_g; forward = F.linear(x, W, bias). ``quantize_int4(model, group_size, skip)`` (copy).
- ``prune.py``:
    * ``magnitude_masks(weights, sparsity, scope)``: masks (1 keep, 0 prune) zeroing the round(sparsity * n)
      weights of smallest |w|, over all tensors together (``"global"``) or per tensor (``"layer"``):
      the same masks as ``torch.nn.utils.prune``'s global_unstructured / l1_unstructured;
    * ``prune_unstructured(model, sparsity, scope, skip)`` applies them to every Linear weight in place;
      ``sparsity(model)`` reports the fraction of zeros;
    * ``channel_scores(ins, out)`` and ``prune_channels(ins, out, keep)``: structured pruning of an MLP whose
      hidden channel j is written by row j of each in-layer and read by column j of the out-layer:
      score_j = prod_in ||W_in[j, :]||_2 * ||W_out[:, j]||_2; keep the top ``keep`` channels (original order) in
      NEW, smaller Linear layers, so the model really has fewer parameters and does less work;
    * ``prune_mlps(model, keep_ratio)``: every MLP of a BERT encoder (intermediate.dense -> output.dense) or of
      a Llama (gate_proj, up_proj -> down_proj), in place.
- ``bench.py``:
    * ``size_bytes(model)``: bytes of ``torch.save(model.state_dict())`` (buffers count: codes AND scales);
    * ``measure_latency(fn, repeats, warmup)``: ``warmup`` untimed calls, then the MEDIAN of ``repeats`` timed ones;
    * ``benchmark(variants, quality, single, batch, repeats, warmup)``: one row per variant, {"variant",
      "size_bytes", "params", "latency_ms" (batch 1), "throughput" (items/s on the batch), "quality"};
    * ``plot_tradeoff(rows, path, quality_name)``: size vs quality and latency vs quality, a PNG (Agg backend).
      ``format_table`` is given.
- ``deploy.py``:
    * ``export_onnx(model, example, path)``: ``torch.onnx.export`` with dynamic batch and sequence axes
      (inputs ``input_ids``, ``attention_mask``, output ``logits``; trace with a padded example);
    * ``onnx_logits(path, inputs)``: the same logits from an onnxruntime ``InferenceSession``;
    * ``create_app(model, tokenizer, labels)``: FastAPI, POST /classify {"text": "..."} ->
      {"label": ..., "probabilities": {label: p}}; a missing, empty, over-long (> 2000 characters) or
      non-string text is a 422 (a pydantic body model does the validation).

Why it matters
--------------
Serving cost is memory and time per request. int8 halves-to-quarters memory traffic with almost no loss;
weight-only int4 with group scales is how 7B-parameter LLMs fit on laptops (GPTQ, AWQ, llama.cpp's Q4);
pruning trades quality for size, but only STRUCTURED pruning makes dense hardware faster: zeros in a dense
matrix still cost a multiply. And none of it counts until you measure size, latency and quality together.

The maths
---------
Symmetric quantisation with scale s: q = clamp(round(x / s), -Q, Q), x ~ q * s, error at most s / 2 per value.
One scale per output channel (or per group of 32 weights) follows the weights' magnitudes, so small rows are
not crushed to zero by a large one. int4 g32 costs 4 + 16/32 = 4.5 bits per weight.

Tiers
-----
- CPU (``course check``): the unit tests, then tiny-llama-1m through ``benchmark`` (float, int8 dynamic, int8
  static, int4 g32, 50% pruned, MLP-pruned): int4 perplexity at most 1.05x float and at most 0.6x its size;
  static int8 within 1.03x; 50% pruning within 1.05x. Then the classifier (120 train / 80 test sentences of
  movie-polarity, a fixed split): static int8 at most 5 accuracy points below float, the same prediction on
  85% of sentences, 1.5x smaller; 50% pruning at most 15 points below; MLP pruning to 75% removes exactly the
  dropped channels' parameters. Last, the MLP-pruned classifier exported to ONNX (logits within 1e-4 under
  onnxruntime) and served by the API. About a minute on two cores.
- GPU (``course check --full``): int4 on tiny-llama-8m in float16 on CUDA, perplexity within 1.05x.

Worked example
--------------
>>> q, s = quantize_per_channel_int8(torch.tensor([[0.5, -1.0], [100.0, 50.0]]))
>>> q, s      # ([[64, -127], [127, 64]], [1/127, 100/127])
>>> pack_int4(torch.tensor([-8, 7, 0, -1], dtype=torch.int8))   # tensor([240, 120], dtype=torch.uint8)
>>> rows = benchmark({"float": lm, "int4": quantize_int4(lm, 32, skip=("lm_head",))},
...                  lambda m: perplexity(m, ids), single, batch)
>>> print(format_table(rows, "perplexity")); plot_tradeoff(rows, "tradeoff.png", "perplexity")

Reference
---------
Jacob et al. 2018, Quantization and Training of Neural Networks for Efficient Integer-Arithmetic-Only Inference;
Dettmers et al. 2022, LLM.int8(); Frantar et al. 2023, GPTQ; Lin et al. 2024, AWQ;
Han et al. 2015, Learning both Weights and Connections (magnitude pruning); Michel et al. 2019, Are Sixteen
Heads Really Better than One?; PyTorch docs: torch.ao.quantization, torch.nn.utils.prune, torch.onnx;
ONNX Runtime docs; FastAPI docs (request body, TestClient).
"""

from .bench import benchmark, format_table, measure_latency, plot_tradeoff, size_bytes
from .deploy import create_app, export_onnx, onnx_logits
from .models import (SentenceClassifier, accuracy, build_classifier, linear_names, perplexity, predict_logits,
                     replace_linears, tokenize)
from .prune import channel_scores, magnitude_masks, prune_channels, prune_mlps, prune_unstructured, sparsity
from .quantize import (Int8Linear, QuantLinear, calibrate, pack_int4, quantize_dynamic_int8, quantize_int4,
                       quantize_per_channel_int8, quantize_static_int8, unpack_int4)

__all__ = ["Int8Linear", "QuantLinear", "SentenceClassifier", "accuracy", "benchmark", "build_classifier", "calibrate",
           "channel_scores", "create_app", "export_onnx", "format_table", "linear_names", "magnitude_masks",
           "measure_latency", "onnx_logits", "pack_int4", "perplexity", "plot_tradeoff", "predict_logits",
           "prune_channels", "prune_mlps", "prune_unstructured", "quantize_dynamic_int8", "quantize_int4",
           "quantize_per_channel_int8", "quantize_static_int8", "replace_linears", "size_bytes", "sparsity",
           "tokenize", "unpack_int4"]
