"""GPU benchmark of capstone 1's reference solution: tokens/s, MFU and loss on one CUDA GPU.

    python benchmarks/gpu_capstone_gpt.py --stream tokens.pt --seconds 150 --out result.json

``--stream`` is a saved dict {"train": int64 tensor, "valid": int64 tensor} of token ids (so
the machine needs neither the corpora nor the tokenizer); without it the script tokenizes the
offline Wikipedia excerpt. It runs the GPU tier's configuration of the capstone spec, then the
same model at a larger batch for throughput only, and prints one JSON line per run.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "solutions" / "05_capstones"))

from capstone_gpt import GPT, GPTConfig, TrainConfig, evaluate, train  # noqa: E402

MODEL = dict(vocab_size=4096, block_size=512, n_layer=8, n_head=8, n_embd=512)


def streams(path: str | None) -> tuple[torch.Tensor, torch.Tensor]:
    if path:
        d = torch.load(path)
        return d["train"], d["valid"]
    sys.path.insert(0, str(ROOT))
    from tokenizers import Tokenizer

    from capstone_gpt import token_stream
    from grader import data

    tok = Tokenizer.from_file(str(data.path("tiny-llama-1m") / "tokenizer.json"))
    eos = tok.token_to_id("<|endoftext|>")
    return tuple(token_stream(tok, [a.text for a in data.load("wiki-excerpt", split=s)], eos) for s in ("train", "valid"))


def run(tr, va, *, batch: int, seconds: float, steps: int, compile_: bool, evaluate_: bool) -> dict:
    torch.manual_seed(0)
    model = GPT(GPTConfig(**MODEL))
    cfg = TrainConfig(max_steps=steps, batch_size=batch, lr=1.5e-3, min_lr=1.5e-4, warmup_steps=100,
                      eval_interval=10**9, compile=compile_, time_budget=seconds)
    t0 = time.perf_counter()
    hist = train(model, tr, va, cfg, device="cuda")
    out = {"params_M": round(model.num_params() / 1e6, 2), "batch": batch, "block": MODEL["block_size"],
           "compile": compile_, "steps": hist["step"], "wall_s": round(time.perf_counter() - t0, 1),
           "tokens_per_sec": round(hist["tokens_per_sec"]), "mfu_pct": round(100 * hist["mfu"], 1),
           "final_train_loss": round(sum(hist["train_loss"][-20:]) / 20, 3),
           "gpu": torch.cuda.get_device_name(), "torch": torch.__version__}
    if evaluate_:
        v = evaluate(model, va, 64, 20, device="cuda", cfg=cfg)
        out.update(val_loss=round(v, 3), val_ppl=round(math.exp(v), 1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stream")
    ap.add_argument("--seconds", type=float, default=150)
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = True
    tr, va = streams(a.stream)
    results = [run(tr, va, batch=64, seconds=a.seconds, steps=3000, compile_=True, evaluate_=True),
               run(tr, va, batch=128, seconds=45, steps=3000, compile_=True, evaluate_=False),
               run(tr, va, batch=64, seconds=30, steps=3000, compile_=False, evaluate_=False)]
    for r in results:
        print(json.dumps(r), flush=True)
    if a.out:
        Path(a.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
