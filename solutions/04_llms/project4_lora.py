"""Project 4: fine-tune a causal LM with LoRA (peft) on a domain dataset, then serve it behind an HTTP API.

Goal
----
The whole small-LLM workflow, end to end, on a CPU:

1. data: ``build_examples`` (given) turns the course's own curriculum table
   (``CURRICULUM``: topic -> part) into question/answer texts such as
   "Q: Which part of the course teaches attention?\\nA: The transformers part.";
2. model: ``load_base`` returns the course's tiny Llama offline
   (``data.load("tiny-llama-1m")``); with a hub id (and network) the same
   code fine-tunes any causal LM, e.g. ``load_base("HuggingFaceTB/SmolLM2-135M")``;
3. ``add_lora``: wrap it with peft (``LoraConfig`` + ``get_peft_model``): only
   the low-rank adapters train;
4. ``train_lora``: a plain AdamW loop on the training texts, padding masked
   out of the loss;
5. ``eval_loss``: token-weighted mean next-token cross-entropy on held-out
   texts;
6. ``create_app``: a FastAPI app that serves the fine-tuned model:
   ``POST /generate`` (validated; ``"stream": true`` streams newline-delimited
   JSON) and ``GET /health``.

Grading: the held-out loss must fall to at most 0.6 x its value before
fine-tuning, with a trainable-parameter fraction below 10 %; the API must
answer, stream, and refuse a bad request with a clear 422. Training runs
40 full-batch steps on 18 texts, a few seconds of CPU.

Why it matters
--------------
This is how most teams adapt an LLM: a pretrained model, a few hundred or
thousand domain examples, LoRA so that only ~1 % of the weights (and their
optimizer state) are trained and stored, an honest held-out evaluation, and
a small service in front of it.

The maths
---------
LoRA (exercise "lora"): W x + (alpha / r) B A x with W frozen, A (r x in), B
(out x r) = 0 at the start, so training starts from the base model.
Evaluation: mean over all non-pad predicted tokens of -log p(x_t | x_<t),
i.e. sum_texts (loss_text * n_predicted_text) / sum_texts n_predicted_text,
where a text of T tokens predicts T - 1 of them (this is what
``model(input_ids, labels=input_ids).loss`` averages for one text).

API
---
    CURRICULUM: list[(topic, part)]               (given)
    build_examples(table, eos) -> list[str]        (given)
    load_base(model_id=None) -> (tokenizer, model) (given) offline: tiny-llama-1m
    add_lora(model, r=8, alpha=16, target_modules=(...all linear layers...)) -> PeftModel
    train_lora(model, tokenizer, texts, steps=40, lr=3e-3) -> list[float]   the training loss per step
    eval_loss(model, tokenizer, texts) -> float
    trainable_fraction(model) -> float              trainable / total parameters
    create_app(model, tokenizer, max_new_tokens_limit=32) -> FastAPI
        POST /generate {"prompt": str (not blank), "max_new_tokens": 1..limit (default 8), "stream": bool}
             -> 200 {"text": str}  or ndjson lines {"token": str} ... {"done": true}
             -> 422 {"detail": ...} for an invalid body
        GET /health -> {"status": "ok"}

Worked example
--------------
    >>> tok, base = load_base()
    >>> texts = build_examples(CURRICULUM, tok.eos_token); texts[0]
    'Q: Which part of the course teaches linear regression?\\nA: The foundations part.<|endoftext|>'
    >>> model = add_lora(base); round(trainable_fraction(model), 3)
    0.056
    >>> eval_loss(model, tok, texts[:6])        # before training: about 6.4 nats per token
    >>> train_lora(model, tok, texts[6:]); eval_loss(model, tok, texts[:6])   # about 2.5

Reference
---------
Hu et al., "LoRA" (2021); Hugging Face ``peft`` docs, "LoRA" and
``get_peft_model``; FastAPI docs, "Testing" and "StreamingResponse".
"""

from __future__ import annotations

import json

import torch
from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from peft import LoraConfig, get_peft_model
from pydantic import BaseModel, Field, field_validator

CURRICULUM = [
    ("linear regression", "foundations"), ("logistic regression", "foundations"), ("k-means", "foundations"),
    ("decision trees", "foundations"), ("naive Bayes", "foundations"), ("PCA", "foundations"),
    ("backpropagation", "neural networks"), ("dropout", "neural networks"), ("batch norm", "neural networks"),
    ("convolutions", "neural networks"), ("LSTMs", "neural networks"), ("optimizers", "neural networks"),
    ("tokenization", "transformers"), ("attention", "transformers"), ("BERT", "transformers"),
    ("word vectors", "transformers"), ("beam search", "transformers"), ("positional encoding", "transformers"),
    ("LoRA", "LLMs"), ("KV cache", "LLMs"), ("paged attention", "LLMs"), ("quantization", "LLMs"),
    ("RLHF", "LLMs"), ("scaling laws", "LLMs"),
]
ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def build_examples(table: list[tuple[str, str]], eos: str) -> list[str]:
    """One Q/A text per row, ending with the eos token so the model learns to stop (given)."""
    return [f"Q: Which part of the course teaches {topic}?\nA: The {part} part.{eos}" for topic, part in table]


def load_base(model_id: str | None = None):
    """(tokenizer, model) in eval mode: the course's tiny-llama-1m offline, or a hub model id when online (given)."""
    if model_id is None:
        from grader import data
        tok, model, _ = data.load("tiny-llama-1m")
        return tok, model
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tok = AutoTokenizer.from_pretrained(model_id)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok, AutoModelForCausalLM.from_pretrained(model_id).eval()


def add_lora(model, r: int = 8, alpha: int = 16, target_modules: tuple[str, ...] = ALL_LINEAR):
    """Wrap ``model`` with LoRA adapters on ``target_modules`` (peft freezes everything else)."""
    config = LoraConfig(r=r, lora_alpha=alpha, target_modules=list(target_modules), lora_dropout=0.0,
                        task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def trainable_fraction(model) -> float:
    """Trainable parameters / all parameters."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable / sum(p.numel() for p in model.parameters())


def _batch(tokenizer, texts: list[str]):
    """Right-padded ids, mask, and labels with padding set to -100 (ignored by the loss)."""
    tokenizer.padding_side = "right"
    enc = tokenizer(texts, return_tensors="pt", padding=True)
    labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)   # (B, T)
    return enc, labels


def train_lora(model, tokenizer, texts: list[str], steps: int = 40, lr: float = 3e-3) -> list[float]:
    """Full-batch AdamW on the trainable (LoRA) parameters; returns the loss of every step."""
    enc, labels = _batch(tokenizer, texts)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        loss = model(**enc, labels=labels).loss      # mean over non-pad predicted tokens
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    model.eval()
    return losses


@torch.no_grad()
def eval_loss(model, tokenizer, texts: list[str]) -> float:
    """Token-weighted mean next-token cross-entropy over the texts (pads excluded)."""
    model.eval()
    total, count = 0.0, 0
    for text in texts:                               # one text at a time: no padding to worry about
        ids = torch.tensor([tokenizer(text)["input_ids"]])
        n = ids.shape[1] - 1                         # predicted tokens
        total += model(input_ids=ids, labels=ids).loss.item() * n
        count += n
    return total / count


class GenerateBody(BaseModel):
    prompt: str
    max_new_tokens: int = Field(8, ge=1)
    stream: bool = False

    @field_validator("prompt")
    @classmethod
    def not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("prompt must not be empty")
        return v


def create_app(model, tokenizer, max_new_tokens_limit: int = 32) -> FastAPI:
    """POST /generate (greedy; validated; optional ndjson streaming) and GET /health over ``model``."""
    app = FastAPI(title="project 4: fine-tuned tiny Llama")

    @torch.no_grad()
    def new_tokens(prompt: str, n: int) -> list[str]:
        ids = tokenizer(prompt, return_tensors="pt")
        out = model.generate(**ids, max_new_tokens=n, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        row = out[0, ids["input_ids"].shape[1]:].tolist()
        if tokenizer.eos_token_id in row:
            row = row[:row.index(tokenizer.eos_token_id)]
        return [tokenizer.decode([t]) for t in row]

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.post("/generate")
    def generate(body: GenerateBody):
        if body.max_new_tokens > max_new_tokens_limit:   # the limit is per app, so it is checked here
            raise HTTPException(422, detail=f"max_new_tokens: at most {max_new_tokens_limit}, got {body.max_new_tokens}")
        toks = new_tokens(body.prompt, body.max_new_tokens)
        if body.stream:
            lines = [json.dumps({"token": t}) + "\n" for t in toks] + [json.dumps({"done": True}) + "\n"]
            return StreamingResponse(iter(lines), media_type="application/x-ndjson")
        return {"text": "".join(toks)}

    return app
