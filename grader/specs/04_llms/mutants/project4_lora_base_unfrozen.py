"""Mutant: every parameter is made trainable after wrapping, so it is full fine-tuning plus adapters."""


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
    model = get_peft_model(model, config)
    for p in model.parameters():
        p.requires_grad_(True)
    return model


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
