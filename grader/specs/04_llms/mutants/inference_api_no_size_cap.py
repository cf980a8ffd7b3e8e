"""Mutant: the batcher closes a batch only on time, never on max_batch."""


from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, Iterator

import torch
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field, field_validator

MAX_NEW_TOKENS = 64


class GenerateRequest(BaseModel):
    """The JSON body of POST /generate."""

    prompt: str
    max_new_tokens: int = Field(16, ge=1, le=MAX_NEW_TOKENS)
    temperature: float = Field(0.0, ge=0.0)
    stream: bool = False

    @field_validator("prompt")
    @classmethod
    def prompt_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("prompt must not be empty")
        return v


class MicroBatcher:
    """Collects submitted items for up to max_wait_ms (or max_batch items) and runs them in one run_batch call."""

    def __init__(self, run_batch: Callable[[list], list], max_batch: int = 8, max_wait_ms: float = 20):
        self.run_batch, self.max_batch, self.max_wait = run_batch, max_batch, max_wait_ms / 1000
        self._loop = self._queue = self._worker = None

    async def submit(self, item: Any) -> Any:
        """Queue ``item`` and wait for its result (the batch's exception, if run_batch raised)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:                  # (re)start the worker on the loop that serves requests
            self._loop, self._queue = loop, asyncio.Queue()
            self._worker = loop.create_task(self._run())
        fut = loop.create_future()
        await self._queue.put((item, fut))
        return await fut

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]       # the first item opens a batch ...
            deadline = loop.time() + self.max_wait
            while True:                             # ... which closes on time
                try:
                    batch.append(await asyncio.wait_for(self._queue.get(), deadline - loop.time()))
                except asyncio.TimeoutError:
                    break
            try:
                results = await asyncio.to_thread(self.run_batch, [item for item, _ in batch])  # keep the loop free
            except Exception as e:                  # noqa: BLE001 - every waiter must hear about it
                for _, fut in batch:
                    fut.set_exception(e)
                continue
            for (_, fut), res in zip(batch, results):
                fut.set_result(res)


def create_app(generator, max_prompt_tokens: int = 64, max_batch: int = 8, max_wait_ms: float = 20) -> FastAPI:
    """The FastAPI app: POST /generate (validated, limited, batched or streamed), GET /health, GET /metrics."""
    app = FastAPI(title="tiny inference API")
    metrics = {"requests": 0, "errors": 0, "model_calls": 0, "tokens": 0}

    def run_batch(reqs: list[GenerateRequest]) -> list[list[str]]:
        metrics["model_calls"] += 1
        return generator.generate_batch([r.prompt for r in reqs], [r.max_new_tokens for r in reqs],
                                        [r.temperature for r in reqs])

    batcher = MicroBatcher(run_batch, max_batch, max_wait_ms)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        metrics["errors"] += 1
        # "field: message" for each error, e.g. "max_new_tokens: Input should be less than or equal to 64"
        msgs = ["{}: {}".format(".".join(str(p) for p in e["loc"] if p != "body") or "body", e["msg"])
                for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": "; ".join(msgs)})

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/metrics")
    def get_metrics() -> dict:
        return dict(metrics)

    @app.post("/generate")
    async def generate(req: GenerateRequest):
        metrics["requests"] += 1
        n = generator.count_tokens(req.prompt)
        if n > max_prompt_tokens:
            metrics["errors"] += 1
            raise HTTPException(status_code=413, detail=f"prompt has {n} tokens; the limit is {max_prompt_tokens}")
        if req.stream:
            metrics["model_calls"] += 1

            def lines() -> Iterator[str]:
                count = 0
                for tok in generator.stream(req.prompt, req.max_new_tokens, req.temperature):
                    count += 1
                    metrics["tokens"] += 1
                    yield json.dumps({"token": tok}) + "\n"   # sent as soon as it is produced
                yield json.dumps({"done": True, "n_tokens": count}) + "\n"

            return StreamingResponse(lines(), media_type="application/x-ndjson")
        tokens = await batcher.submit(req)
        metrics["tokens"] += len(tokens)
        return {"text": "".join(tokens), "tokens": tokens, "n_tokens": len(tokens)}

    return app


class HFGenerator:
    """The Generator protocol over a Hugging Face causal LM and its tokenizer, greedy or sampled (given)."""

    def __init__(self, tokenizer, model):
        self.tok, self.model = tokenizer, model
        self.tok.padding_side = "left"              # decoder-only batches pad on the left

    def count_tokens(self, prompt: str) -> int:
        return len(self.tok(prompt)["input_ids"])

    @torch.no_grad()
    def _generate(self, prompts: list[str], max_new: int, temperature: float) -> torch.Tensor:
        enc = self.tok(prompts, return_tensors="pt", padding=True)
        kw = dict(do_sample=True, temperature=temperature, top_k=0) if temperature > 0 else dict(do_sample=False)
        out = self.model.generate(**enc, max_new_tokens=max_new, pad_token_id=self.tok.pad_token_id, **kw)
        return out[:, enc["input_ids"].shape[1]:]   # (B, n_new)

    def generate_batch(self, prompts: list[str], max_new_tokens: list[int], temperatures: list[float]) -> list[list[str]]:
        new = self._generate(prompts, max(max_new_tokens), max(temperatures))
        out = []
        for row, n in zip(new.tolist(), max_new_tokens):
            row = row[:n]
            if self.tok.eos_token_id in row:        # stop at the end of text
                row = row[:row.index(self.tok.eos_token_id)]
            out.append([self.tok.decode([t]) for t in row])
        return out

    def stream(self, prompt: str, max_new_tokens: int, temperature: float) -> Iterator[str]:
        yield from self.generate_batch([prompt], [max_new_tokens], [temperature])[0]
