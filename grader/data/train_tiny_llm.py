"""Train the course's two tiny Llama-architecture causal LMs on the offline Wikipedia excerpt.

    python -m grader.data.train_tiny_llm            # both models, into grader/data/packs/
    python -m grader.data.train_tiny_llm --only tiny-llama-1m --out /tmp/packs

Reproducible: seed 0, CPU, one torch thread, fixed steps, about 10 CPU-minutes
for both (the same numbers come out on a rerun). The data is the ``train``
split of ``wiki-excerpt`` (articles whose id ends in 0-7), each article
followed by ``<|endoftext|>``; one byte-level BPE tokenizer (vocabulary 4096)
is trained on the same split and shared by both models (training it is
deterministic, so ``--only`` reproduces the same tokenizer). Training samples
random 128-token windows; the learning rate warms up for 5% of the steps and
decays on a cosine to 10%. The weights are saved as float16 safetensors (the
config says float32: loaders up-cast), and the perplexities in
``training.json`` are measured on the reloaded float16 checkpoint, on the
first 64 blocks of 128 tokens of the held-out ``valid`` and ``test`` splits
(``grader.data.loaders.models.perplexity``).

After retraining, update the two ``tiny-llama-*`` entries in
``grader/data/registry.py`` (sha256, sizes, and the numbers in the
description): tests/test_data_models.py checks them against training.json.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PACKS = Path(__file__).resolve().parent / "packs"
EOT = "<|endoftext|>"
VOCAB = 4096
SEQ = 128
EVAL_BLOCKS = 64  # valid and test perplexities: the first 64 blocks of 128 tokens (8,192 tokens) of each split
SLICE_BLOCKS = 16  # the test-split slice the test suite re-measures: its first 16 blocks


@dataclass
class Recipe:
    name: str
    hidden: int
    layers: int
    heads: int
    intermediate: int
    steps: int
    batch: int
    lr: float


RECIPES = {
    # About 10 minutes of CPU for both, on one thread: ~0.25 CPU-seconds a step for the 1M model, ~1.0 for the 8M one.
    "tiny-llama-1m": Recipe("tiny-llama-1m", hidden=128, layers=4, heads=4, intermediate=256, steps=700, batch=8, lr=5e-3),
    "tiny-llama-8m": Recipe("tiny-llama-8m", hidden=256, layers=8, heads=8, intermediate=704, steps=380, batch=8, lr=2.5e-3),
}


def train_tokenizer(texts: list[str], folder: Path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=[EOT], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=EOT, eos_token=EOT, pad_token=EOT,
                                   model_max_length=256)
    folder.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(str(folder))
    _portable_tokenizer_config(folder)
    return fast


def _portable_tokenizer_config(folder: Path) -> None:
    """Name the generic fast tokenizer class so that transformers 4 and 5 both load it."""
    path = folder / "tokenizer_config.json"
    cfg = json.loads(path.read_text())
    cfg["tokenizer_class"] = "PreTrainedTokenizerFast"
    path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")


def save_half(model, folder: Path) -> None:
    """save_pretrained, then store the weights as float16 (half the bytes); config.json keeps float32."""
    import torch
    from safetensors.torch import load_file, save_file

    model.save_pretrained(str(folder), safe_serialization=True)
    weights = folder / "model.safetensors"
    tensors = load_file(str(weights))
    save_file({k: v.to(torch.float16).contiguous() for k, v in tensors.items()}, str(weights), metadata={"format": "pt"})


def train_one(recipe: Recipe, tokenizer, train_ids: list[int], out: Path, log=print) -> dict:
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    eos = tokenizer.eos_token_id
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=recipe.hidden, intermediate_size=recipe.intermediate,
                         num_hidden_layers=recipe.layers, num_attention_heads=recipe.heads,
                         num_key_value_heads=recipe.heads, max_position_embeddings=2 * SEQ, tie_word_embeddings=True,
                         bos_token_id=eos, eos_token_id=eos, pad_token_id=eos, initializer_range=0.02)
    model = LlamaForCausalLM(config)
    n_params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=recipe.lr, betas=(0.9, 0.95))
    warmup = max(1, recipe.steps // 20)

    def lr_at(step: int) -> float:
        if step < warmup:
            return recipe.lr * (step + 1) / warmup
        progress = (step - warmup) / max(1, recipe.steps - warmup)
        return recipe.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))

    data = torch.tensor(train_ids, dtype=torch.long)
    gen = torch.Generator().manual_seed(0)
    model.train()
    losses = []
    t0, c0 = time.time(), time.process_time()
    for step in range(recipe.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        starts = torch.randint(0, len(data) - SEQ - 1, (recipe.batch,), generator=gen)
        x = torch.stack([data[s:s + SEQ] for s in starts.tolist()])
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())
        if step % 50 == 0 or step == recipe.steps - 1:
            log(f"{recipe.name} step {step + 1}/{recipe.steps} loss {losses[-1]:.3f} lr {lr_at(step):.2e} "
                f"({time.time() - t0:.0f} s)")
    wall, cpu = time.time() - t0, time.process_time() - c0
    out.mkdir(parents=True, exist_ok=True)
    save_half(model, out)
    GenerationConfig(bos_token_id=eos, eos_token_id=eos, pad_token_id=eos, do_sample=False,
                     max_new_tokens=40).save_pretrained(str(out))
    final = sum(losses[-20:]) / len(losses[-20:])
    return {"parameters": n_params, "final_train_loss": round(final, 4), "train_seconds": round(wall, 1),
            "train_cpu_seconds": round(cpu, 1), "tokens_seen": recipe.steps * recipe.batch * SEQ}


def evaluate(folder: Path, valid_ids: list[int], test_ids: list[int]) -> dict:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from grader.data.loaders.models import perplexity

    tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(str(folder), local_files_only=True, dtype=torch.float32).eval()
    prompt = tok("The history of", return_tensors="pt")
    with torch.no_grad():
        sample = model.generate(**prompt, max_new_tokens=30, do_sample=False)
    return {
        "valid_perplexity": round(perplexity(model, valid_ids, block=SEQ, max_blocks=EVAL_BLOCKS), 3),
        "test_perplexity": round(perplexity(model, test_ids, block=SEQ, max_blocks=EVAL_BLOCKS), 3),
        "test_slice_perplexity": round(perplexity(model, test_ids, block=SEQ, max_blocks=SLICE_BLOCKS), 4),
        "sample": tok.decode(sample[0], skip_special_tokens=True),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PACKS, help="folder to write the model folders into")
    parser.add_argument("--only", choices=sorted(RECIPES), action="append", help="train only this model (repeatable)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: on a busy 2-core machine a second thread mostly spins)")
    parser.add_argument("--steps", type=int, help="override the recipe's steps (smoke runs only)")
    args = parser.parse_args(argv)

    import torch
    from transformers.utils import logging

    from grader import data
    from grader.data.loaders.models import token_stream

    logging.set_verbosity_error()
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    command = "python -m grader.data.train_tiny_llm" + "".join(f" --only {o}" for o in (args.only or []))
    split_texts = {s: [a.text for a in data.load("wiki-excerpt", split=s)] for s in ("train", "valid", "test")}
    tok_folder = args.out / "_tokenizer"
    tokenizer = train_tokenizer(split_texts["train"], tok_folder)
    ids = {s: token_stream(tokenizer, t) for s, t in split_texts.items()}
    print(f"tokens: " + ", ".join(f"{s} {len(v)}" for s, v in ids.items()), flush=True)
    for name in args.only or list(RECIPES):
        recipe = RECIPES[name]
        if args.steps:
            recipe = Recipe(**{**asdict(recipe), "steps": args.steps})
        folder = args.out / name
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(tok_folder, folder)
        stats = train_one(recipe, tokenizer, ids["train"], folder, log=lambda m: print(m, flush=True))
        stats.update(evaluate(folder, ids["valid"], ids["test"]))
        record = {
            "name": name, "architecture": "LlamaForCausalLM", "recipe": asdict(recipe), "seq_len": SEQ,
            "vocab_size": len(tokenizer), "tokenizer": f"byte-level BPE, vocabulary {VOCAB}, trained on the train split",
            "data": "wiki-excerpt (gensim's English Wikipedia excerpt): train split for training, valid/test held out",
            "tokens": {s: len(v) for s, v in ids.items()}, "command": command, "seed": 0, "threads": args.threads,
            "torch": torch.__version__, "eval_blocks": EVAL_BLOCKS, "test_slice_blocks": SLICE_BLOCKS, **stats,
        }
        (folder / "training.json").write_text(json.dumps(record, indent=2) + "\n")
        print(json.dumps(record, indent=2), flush=True)
    shutil.rmtree(tok_folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
