"""An HTTP inference API with FastAPI: validation, limits, streaming, micro-batching, health and metrics.

Goal
----
Put a text generator behind a small production-shaped HTTP service:

* ``GenerateRequest``: a pydantic model that validates the JSON body
  (``prompt`` not blank, ``1 <= max_new_tokens <= 64``, ``temperature >= 0``);
  a bad body gets HTTP 422 with a readable message;
* a per-request limit: a prompt longer than ``max_prompt_tokens`` tokens gets
  HTTP 413 (Payload Too Large) with the count and the limit in ``detail``;
* ``MicroBatcher``: concurrent non-streaming requests are queued and run
  together: the first request opens a batch, which closes after
  ``max_wait_ms`` or when it holds ``max_batch`` requests, and the whole batch
  is ONE call of the generator;
* streaming: with ``"stream": true`` the response is newline-delimited JSON
  (``application/x-ndjson``), one ``{"token": ...}`` line per token as it is
  produced and a final ``{"done": true, "n_tokens": n}``;
* ``GET /health`` and ``GET /metrics`` (request, error, model-call and token
  counters).

The generator is injected (``create_app(generator, ...)``): the tests use a
deterministic fake, and ``HFGenerator`` (given) wraps a Hugging Face causal
LM such as ``data.load("tiny-llama-1m")``.

Why it matters
--------------
Every deployed model sits behind an API like this. Validation at the edge
turns a bad request into a clear 4xx instead of a 500 or a hung GPU; limits
protect the service from one huge prompt; streaming makes a slow generation
feel fast (time to first token); and batching concurrent requests into one
forward pass multiplies GPU throughput, since a batch of 8 costs little more
than one request (this is the request-level version of exercise
"paged-kv-cache"'s continuous batching).

The maths
---------
Micro-batching trades latency for throughput: a request waits at most
``max_wait_ms`` for companions; with arrival rate r the expected batch size
is about min(max_batch, 1 + r * max_wait). Results are handed back to each
waiting request in submission order.

API
---
    Generator protocol (what create_app needs):
        count_tokens(prompt) -> int
        generate_batch(prompts, max_new_tokens: list[int], temperatures: list[float]) -> list[list[str]]
        stream(prompt, max_new_tokens, temperature) -> iterator of token strings
    GenerateRequest(prompt: str, max_new_tokens: int = 16, temperature: float = 0.0, stream: bool = False)
    MicroBatcher(run_batch, max_batch, max_wait_ms); await .submit(item) -> that item's result
    create_app(generator, max_prompt_tokens=64, max_batch=8, max_wait_ms=20) -> FastAPI
        POST /generate   200 {"text": str, "tokens": [str], "n_tokens": int}  (or the ndjson stream)
                         422 {"detail": "field: message; ..."}  invalid body
                         413 {"detail": "prompt has N tokens; the limit is M"}
        GET /health      200 {"status": "ok"}
        GET /metrics     200 {"requests": int, "errors": int, "model_calls": int, "tokens": int}
                         requests: every POST /generate; errors: those answered 4xx/5xx;
                         model_calls: generate_batch + stream calls; tokens: tokens returned

Worked example
--------------
    >>> client = TestClient(create_app(my_generator))
    >>> client.post("/generate", json={"prompt": "Hello", "max_new_tokens": 3}).json()
    {'text': ' world !', 'tokens': [' world', ' !', ''], 'n_tokens': 3}     # whatever the generator says
    >>> client.post("/generate", json={"prompt": "  "}).status_code
    422
    >>> [json.loads(l) for l in client.post("/generate", json={"prompt": "Hi", "max_new_tokens": 2,
    ...                                                          "stream": True}).iter_lines()]
    [{'token': ...}, {'token': ...}, {'done': True, 'n_tokens': 2}]

Reference
---------
FastAPI docs: "Request Body", "Handling Errors" (RequestValidationError),
"Custom Response - StreamingResponse", "Testing" (TestClient); pydantic
docs, "Fields" and "Validators"; NVIDIA Triton's dynamic batcher
(``max_queue_delay_microseconds``) for the batching policy.
"""

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
            while len(batch) < self.max_batch:      # ... which closes on size or time
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
        # one generate call for the batch: it runs to the longest request and samples at the largest temperature
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
