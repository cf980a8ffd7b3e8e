"""Capstone 1: pretrain a tiny GPT.

Goal
----
Everything the course built, in one small, real pretraining run: a GPT-style decoder,
a data pipeline over Wikipedia text, and a training loop with the tricks every modern
LLM run uses: AdamW with decoupled weight decay, linear warmup then cosine decay,
gradient clipping, bf16 autocast, flash attention, torch.compile, checkpoint/resume,
and the throughput numbers (tokens/s, MFU) that say whether the GPU is earning its keep.

This is a package: three modules, each a part of the job.

- ``model.py``: ``GPTConfig`` and ``GPT``, a decoder-only transformer (nanoGPT's shape).
    * ``wte`` token embeddings and ``wpe`` learned position embeddings (attribute names matter);
    * ``n_layer`` pre-LN blocks: x = x + attn(ln1(x)); x = x + mlp(ln2(x));
      causal self-attention with ``F.scaled_dot_product_attention(q, k, v, is_causal=True)``,
      an MLP 4x wide with GELU;
    * a final LayerNorm ``ln_f`` and ``lm_head`` whose weight IS ``wte.weight`` (tied);
    * init: normal(0, 0.02) for Linear and Embedding weights, zero biases, and the
      residual projections (``proj``) at 0.02 / sqrt(2 * n_layer);
    * ``forward(idx, targets=None) -> (logits, loss)``: logits (B, T, vocab); loss is the
      mean cross-entropy of logits against targets (None without targets);
    * ``num_params(non_embedding=True)``: each tensor counted once, the position table left out;
    * ``flops_per_token()``: 6 N + 12 n_layer n_embd block_size (training FLOPs per token:
      2N forward + 4N backward through the weights, plus the attention scores);
    * ``generate(...)`` is given.
- ``data.py``:
    * ``token_stream(tokenizer, texts, eos_id)``: encode every text with a `tokenizers.Tokenizer`
      (``encode_batch(texts, add_special_tokens=False)``), append ``eos_id`` after each, concatenate:
      one int64 tensor;
    * ``get_batch(data, block_size, batch_size, generator, device)``: ``batch_size`` offsets
      i ~ uniform{0, ..., len(data) - block_size - 1} drawn with ``torch.randint(..., generator=generator)``;
      x = data[i : i+T], y = data[i+1 : i+1+T]; ValueError when data has fewer than T + 1 tokens.
- ``train.py``:
    * ``lr_at(step, cfg)``: lr * (step + 1) / warmup_steps while step < warmup_steps; then
      min_lr + 0.5 (1 + cos(pi r)) (lr - min_lr) with r = (step - warmup_steps) / (max_steps - warmup_steps);
      min_lr from max_steps on;
    * ``configure_optimizer(model, cfg)``: ``torch.optim.AdamW`` with two parameter groups:
      weight decay on tensors with dim >= 2, none on biases and LayerNorm gains;
    * ``evaluate(model, data, batch_size, n_batches, ...)``: mean loss over random windows drawn
      with its own generator (so evaluation never changes the training run), in eval mode, no grad;
    * ``estimate_mfu(flops_per_token, tokens_per_sec, peak_flops)``: achieved / peak FLOP/s;
    * ``save_checkpoint(...)`` and ``train(...)``: the loop. Each step: set the lr, draw a batch,
      forward under autocast (``autocast_for``, given), backward, clip the gradient norm to
      ``cfg.grad_clip``, step. Log ``"train loss"`` (and ``"val loss"`` every ``eval_interval``
      steps) through ``log(name, value, step)`` when given: pass ``grader.curves.log_point`` and the
      dashboard and ``course plot`` draw your curves. With ``checkpoint_path`` write a checkpoint at
      the end (weights, optimizer state, step, the batch generator's state); with ``resume=True``
      continue from it, so that a run stopped with ``stop_at`` and resumed is bit-for-bit the
      uninterrupted run. Return ``{"step", "train_loss", "val_loss", "tokens_per_sec", "mfu"}``.

Why it matters
--------------
Pretraining is where an LLM's knowledge comes from, and its recipe is small: the same
loop trains nanoGPT and, with parallelism around it, GPT-3. Getting the details right
(what gets weight decay, where warmup ends, what a checkpoint must hold) is the difference
between a run that converges and one that silently wastes a GPU-week.

Tiers
-----
- CPU (``course check``): a 2-layer, 128-wide model, 300 steps of 16 x 64 tokens on the
  excerpt's train split (about 640k tokens, tokenizer of the course's tiny Llama, vocabulary
  4096), about a minute on one core; held-out perplexity must beat 600 (the untrained model:
  about 4096; the reference reaches about 500).
- GPU (``course check --full``, CUDA and ``course data get wikitext-103``): 8 layers, 512 wide,
  context 512 (27M parameters), bf16, compiled, 5 minutes: validation loss below 4.2, and
  the run reports tokens/s and MFU. The reference runs 1.55M tokens/s on an H100 (29.5% MFU;
  32% at batch 128; 22.6% without torch.compile). nanoGPT and llm.c report 40-60% on A100s
  with larger models, whose wider matmuls keep the tensor cores busier.

Worked example
--------------
>>> cfg = GPTConfig(vocab_size=4096, block_size=64, n_layer=2, n_head=4, n_embd=128)
>>> model = GPT(cfg)
>>> x, y = get_batch(stream, 64, 16, torch.Generator().manual_seed(0))
>>> logits, loss = model(x, y)          # logits (16, 64, 4096), loss about ln(4096) = 8.3
>>> hist = train(model, stream, val_stream, TrainConfig(max_steps=300), log=log_point)

Reference
---------
Karpathy, nanoGPT (model.py, train.py); Radford et al. 2019 (GPT-2); Loshchilov & Hutter,
Decoupled Weight Decay Regularization (AdamW); Chowdhery et al. 2022, PaLM, appendix B (MFU);
Dao et al. 2022, FlashAttention.
"""

from .data import get_batch, token_stream
from .model import GPT, GPTConfig
from .train import TrainConfig, autocast_for, configure_optimizer, estimate_mfu, evaluate, lr_at, save_checkpoint, train

__all__ = ["GPT", "GPTConfig", "TrainConfig", "autocast_for", "configure_optimizer", "estimate_mfu", "evaluate", "get_batch",
           "lr_at", "save_checkpoint", "token_stream", "train"]
