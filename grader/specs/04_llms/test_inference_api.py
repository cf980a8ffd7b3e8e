"""Spec for 04_llms/inference_api.py: validation (422), limits (413), streaming, micro-batching, health, metrics."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import pytest
import torch
from fastapi.testclient import TestClient

from grader.testing import check


def assert_equal(actual, expected, *, name="result", hint=""):
    """Exact equality for JSON-like values (dicts, lists of dicts), with a readable message."""
    check(actual == expected, f"{name} is {actual!r}, expected {expected!r}", hint=hint)

torch.set_num_threads(1)


class FakeGenerator:
    """Deterministic: the i-th new token of a prompt is f" {word}{i}" cycling over the prompt's words.
    Records every generate_batch call's size."""

    def __init__(self):
        self.batches: list[int] = []
        self.lock = threading.Lock()

    def count_tokens(self, prompt):
        return len(prompt.split())

    def _tokens(self, prompt, n, temperature=0.0):
        words = prompt.split()
        return [f" {words[i % len(words)]}{i}" + ("~" if temperature > 0 else "") for i in range(n)]

    def generate_batch(self, prompts, max_new_tokens, temperatures):
        with self.lock:
            self.batches.append(len(prompts))
        return [self._tokens(p, n, t) for p, n, t in zip(prompts, max_new_tokens, temperatures)]

    def stream(self, prompt, max_new_tokens, temperature):
        yield from self._tokens(prompt, max_new_tokens, temperature)


def _app(learner, gen=None, **kw):
    gen = gen or FakeGenerator()
    return gen, learner.create_app(gen, **kw)


def test_generate_and_health(learner):
    """POST /generate returns text, tokens and n_tokens from the generator; GET /health says ok."""
    gen, app = _app(learner)
    with TestClient(app) as client:
        r = client.get("/health")
        assert_equal((r.status_code, r.json()), (200, {"status": "ok"}), name="GET /health")
        r = client.post("/generate", json={"prompt": "red green", "max_new_tokens": 3})
        assert_equal(r.status_code, 200, name="status of a valid request", hint=r.text[:300])
        want = gen._tokens("red green", 3)
        assert_equal(r.json(), {"text": "".join(want), "tokens": want, "n_tokens": 3}, name="response body",
                     hint="return {'text': ''.join(tokens), 'tokens': tokens, 'n_tokens': len(tokens)}")
        r = client.post("/generate", json={"prompt": "blue"})
        assert_equal(r.json()["n_tokens"], 16, name="n_tokens with the default max_new_tokens",
                     hint="max_new_tokens defaults to 16")


@pytest.mark.parametrize("body,field", [
    ({"prompt": ""}, "prompt"), ({"prompt": "   \n"}, "prompt"), ({}, "prompt"),
    ({"prompt": "hi", "max_new_tokens": 0}, "max_new_tokens"), ({"prompt": "hi", "max_new_tokens": 65}, "max_new_tokens"),
    ({"prompt": "hi", "temperature": -0.1}, "temperature"), ({"prompt": "hi", "max_new_tokens": "many"}, "max_new_tokens"),
])
def test_validation_422(learner, body, field):
    """Invalid bodies get 422 whose detail names the offending field; the generator is never called."""
    gen, app = _app(learner)
    with TestClient(app) as client:
        r = client.post("/generate", json=body)
        assert_equal(r.status_code, 422, name=f"status for {body}",
                     hint="validate in the pydantic model: Field(ge=1, le=64) for max_new_tokens, ge=0 for temperature, "
                          "a field_validator that rejects a blank prompt")
        check(field in json.dumps(r.json()), f"the 422 body {r.text[:200]} does not mention {field!r}",
              hint="say which field is wrong (the error's loc) and why (its msg)")
        check(not gen.batches, "the generator ran for an invalid request", hint="validation happens before generation")


def test_prompt_limit_413(learner):
    """A prompt over max_prompt_tokens gets 413 with the token count and the limit; one at the limit passes."""
    gen, app = _app(learner, max_prompt_tokens=5)
    with TestClient(app) as client:
        r = client.post("/generate", json={"prompt": "a b c d e f g", "max_new_tokens": 2})
        assert_equal(r.status_code, 413, name="status for a 7-token prompt with a limit of 5",
                     hint="count with generator.count_tokens and raise HTTPException(413, detail=...)")
        detail = r.json().get("detail", "")
        check("7" in str(detail) and "5" in str(detail), f"413 detail {detail!r} lacks the count (7) or the limit (5)",
              hint="detail = f'prompt has {n} tokens; the limit is {limit}'")
        r = client.post("/generate", json={"prompt": "a b c d e", "max_new_tokens": 2})
        assert_equal(r.status_code, 200, name="status for a prompt exactly at the limit", hint="the limit is inclusive: n > limit fails")


def test_streaming_ndjson(learner):
    """stream=true answers application/x-ndjson: one {"token"} line per token, then {"done": true, "n_tokens"}."""
    gen, app = _app(learner)
    with TestClient(app) as client:
        r = client.post("/generate", json={"prompt": "x y", "max_new_tokens": 4, "stream": True})
        assert_equal(r.status_code, 200, name="status of a streaming request", hint=r.text[:300])
        check(r.headers["content-type"].startswith("application/x-ndjson"),
              f"content-type is {r.headers['content-type']!r}", hint="StreamingResponse(..., media_type='application/x-ndjson')")
        lines = [json.loads(line) for line in r.text.splitlines() if line.strip()]
        want = [{"token": t} for t in gen._tokens("x y", 4)] + [{"done": True, "n_tokens": 4}]
        assert_equal(lines, want, name="streamed lines",
                     hint="one json.dumps({'token': t}) + '\\n' per token from generator.stream, then the done line")


def test_metrics(learner):
    """GET /metrics counts requests, errors (4xx included), model calls and tokens."""
    gen, app = _app(learner, max_prompt_tokens=3)
    with TestClient(app) as client:
        client.post("/generate", json={"prompt": "a", "max_new_tokens": 2})
        client.post("/generate", json={"prompt": "a b", "max_new_tokens": 3, "stream": True})
        client.post("/generate", json={"prompt": "a b c d"})            # 413
        client.post("/generate", json={"prompt": ""})                   # 422
        m = client.get("/metrics").json()
    check(isinstance(m, dict), f"/metrics returned {m!r}")
    assert_equal({k: m.get(k) for k in ("errors", "model_calls", "tokens")}, {"errors": 2, "model_calls": 2, "tokens": 5},
                 name="metrics (errors, model_calls, tokens)",
                 hint="count 413s and 422s (in a RequestValidationError handler) as errors; streamed tokens count too")
    check(m.get("requests") in (3, 4), f"requests = {m.get('requests')}, expected 4 (or 3 if 422s are not counted)")


def _concurrent(app, bodies):
    async def go():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(*(client.post("/generate", json=b) for b in bodies))
    return asyncio.run(go())


def test_concurrent_requests_are_batched(learner):
    """Six concurrent requests become one or two generator calls, and each gets the same answer as when sent alone."""
    bodies = [{"prompt": f"w{i} v{i}", "max_new_tokens": 1 + i % 3} for i in range(6)]
    gen, app = _app(learner, max_batch=8, max_wait_ms=300)
    rs = _concurrent(app, bodies)
    assert_equal([r.status_code for r in rs], [200] * 6, name="statuses")
    check(sum(gen.batches) == 6 and len(gen.batches) <= 2,
          f"generate_batch was called {len(gen.batches)} times with sizes {gen.batches} for 6 concurrent requests",
          hint="queue requests in a MicroBatcher: the first opens a batch that collects others for max_wait_ms, "
               "then ONE generate_batch call serves them all")
    solo_gen, solo_app = _app(learner)
    with TestClient(solo_app) as client:
        for b, r in zip(bodies, rs):
            assert_equal(r.json(), client.post("/generate", json=b).json(), name=f"batched answer to {b}",
                         hint="hand each request its own result: keep (item, future) pairs in submission order")


def test_max_batch_respected(learner):
    """With max_batch=3, ten concurrent requests run in batches of at most 3 (so at least 4 calls)."""
    bodies = [{"prompt": f"p{i}", "max_new_tokens": 2} for i in range(10)]
    gen, app = _app(learner, max_batch=3, max_wait_ms=200)
    rs = _concurrent(app, bodies)
    assert_equal([r.status_code for r in rs], [200] * 10, name="statuses")
    check(max(gen.batches) <= 3 and sum(gen.batches) == 10,
          f"batch sizes {gen.batches} with max_batch = 3", hint="close a batch as soon as it holds max_batch items")
    for b, r in zip(bodies, rs):
        assert_equal(r.json()["tokens"], gen._tokens(b["prompt"], 2), name=f"tokens for {b['prompt']}")


def test_end_to_end_tiny_llama(learner):
    """The app over HFGenerator(tiny-llama-1m): greedy text equals model.generate's; streaming yields the same tokens."""
    from grader import data

    tok, model, _ = data.load("tiny-llama-1m")
    app = learner.create_app(learner.HFGenerator(tok, model))
    with TestClient(app) as client:
        r = client.post("/generate", json={"prompt": "The history of", "max_new_tokens": 6})
        assert_equal(r.status_code, 200, name="status", hint=r.text[:300])
        ids = tok("The history of", return_tensors="pt")
        with torch.no_grad():
            out = model.generate(**ids, max_new_tokens=6, do_sample=False, pad_token_id=tok.pad_token_id)
        want = [tok.decode([t]) for t in out[0, ids["input_ids"].shape[1]:].tolist()]
        assert_equal(r.json()["tokens"], want, name="tokens from tiny-llama-1m")
        s = client.post("/generate", json={"prompt": "The history of", "max_new_tokens": 6, "stream": True})
        toks = [json.loads(x)["token"] for x in s.text.splitlines() if x.strip() and "token" in json.loads(x)]
        assert_equal(toks, want, name="streamed tokens from tiny-llama-1m")
