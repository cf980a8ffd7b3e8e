"""Spec for 04_llms/sft_chat.py: chat template vs apply_chat_template, assistant-only labels, truncation, masked loss."""

from __future__ import annotations

import math

import pytest
import torch

from grader import data
from grader.testing import assert_close, assert_equal, check

EOS = "<|endoftext|>"
ZEPHYR_JINJA = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}{{ eos_token }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
PHRASES = ["What is the capital of France?", "Paris.", "Tell me a joke, please", " Sure: why did the chicken cross?",
           "Translate 'cat' into German.", "Katze", "List three primes", "2, 3 and 5!", "  spaces  around  ",
           "line one\nline two", "numbers 12345 and 3.14", "Thanks!", "You are a helpful assistant.", "ok"]
MASK_HINT = ("labels are -100 everywhere except on the assistant's reply tokens and the EOS that ends each reply: "
             "the header '<|assistant|>\\n', the trailing '\\n' and every system/user token are -100")


@pytest.fixture(scope="module")
def tok():
    from transformers import AutoTokenizer

    t = AutoTokenizer.from_pretrained(data.path("tiny-llama-1m"))
    t.chat_template = ZEPHYR_JINJA
    return t


def _ids(tok, text):
    return list(tok(text, add_special_tokens=False)["input_ids"])


def _chat(rng, n_turns, system=True):
    msgs = [{"role": "system", "content": str(rng.choice(PHRASES))}] if system else []
    for _ in range(n_turns):
        msgs.append({"role": "user", "content": str(rng.choice(PHRASES))})
        msgs.append({"role": "assistant", "content": str(rng.choice(PHRASES))})
    return msgs


def _spans(labels):
    """Contiguous runs of positions whose label is not -100."""
    spans, start = [], None
    for i, v in enumerate(list(labels) + [-100]):
        if v != -100 and start is None:
            start = i
        elif v == -100 and start is not None:
            spans.append((start, i))
            start = None
    return spans


def test_render_worked_example(learner):
    """The docstring's example renders exactly, with and without the generation prompt, and a system message comes first."""
    msgs = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    assert_equal(learner.render_chat(msgs), "<|user|>\nHi<|endoftext|>\n<|assistant|>\nHello!<|endoftext|>\n",
                 name="render_chat(user Hi, assistant Hello!)",
                 hint="each message is '<|' + role + '|>\\n' + content + EOS + '\\n', concatenated in order")
    assert_equal(learner.render_chat(msgs[:1], add_generation_prompt=True), "<|user|>\nHi<|endoftext|>\n<|assistant|>\n",
                 name="render_chat(user Hi, add_generation_prompt=True)",
                 hint="the generation prompt is the bare header '<|assistant|>\\n' appended at the end")
    sys_msgs = [{"role": "system", "content": "Be brief."}] + msgs
    assert_equal(learner.render_chat(sys_msgs, eos_token="</s>"),
                 "<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello!</s>\n",
                 name="render_chat(system + user + assistant, eos_token='</s>')",
                 hint="use the eos_token argument, and treat the system role like any other")


def test_render_matches_apply_chat_template(learner, tok, rng):
    """render_chat equals tokenizer.apply_chat_template(tokenize=False) with the Zephyr Jinja template on random chats."""
    for k in range(6):
        msgs = _chat(rng, n_turns=1 + k % 3, system=k % 2 == 0)
        for gen in (False, True):
            want = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=gen)
            assert_equal(learner.render_chat(msgs, add_generation_prompt=gen), want,
                         name=f"render_chat (chat {k}, add_generation_prompt={gen})",
                         hint="training and inference must render byte-identical strings: no extra spaces or newlines")


def test_ids_match_whole_string(learner, tok, rng):
    """tokenize_chat's input_ids equal the tokenizer's ids of the whole rendered chat; labels and mask have the same length."""
    for k in range(5):
        msgs = _chat(rng, n_turns=1 + k % 3, system=k % 2 == 1)
        out = learner.tokenize_chat(tok, msgs)
        want = _ids(tok, tok.apply_chat_template(msgs, tokenize=False))
        assert_equal(list(out["input_ids"]), want, name=f"input_ids (chat {k})",
                     hint="tokenise header '<|role|>\\n', content, the EOS id and '\\n' separately, without adding special tokens")
        check(len(out["labels"]) == len(want) and list(out["attention_mask"]) == [1] * len(want),
              f"chat {k}: labels has {len(out['labels'])} and attention_mask {len(out['attention_mask'])} entries "
              f"for {len(want)} ids (mask must be all 1s)", hint="one label and one mask value per input id")


def test_labels_only_assistant_replies(learner, tok):
    """A hand chat: the counted labels are exactly each assistant reply + EOS, labels equal the ids there, -100 elsewhere."""
    msgs = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Name a city in France."},
            {"role": "assistant", "content": "Paris."}, {"role": "user", "content": "And in Italy?"},
            {"role": "assistant", "content": "Rome."}]
    out = learner.tokenize_chat(tok, msgs)
    ids, labels = list(out["input_ids"]), list(out["labels"])
    for i, (a, b) in enumerate(zip(ids, labels)):
        check(b == -100 or b == a, f"labels[{i}] = {b} is neither -100 nor the input id {a}",
              hint="labels are the input ids themselves (not shifted): the shift happens in the loss")
    spans = _spans(labels)
    check(len(spans) == 2, f"found {len(spans)} runs of counted labels, expected 2 (one per assistant turn)",
          hint="every assistant turn counts in multi-turn SFT, not only the last one")
    want_count = len(_ids(tok, "Paris.")) + 1 + len(_ids(tok, "Rome.")) + 1
    got_count = sum(v != -100 for v in labels)
    check(got_count == want_count, f"{got_count} labels are counted, expected {want_count} (the two replies and their EOS)",
          hint=MASK_HINT)
    for (a, b), reply in zip(spans, ["Paris.", "Rome."]):
        got = tok.decode(ids[a:b], skip_special_tokens=False, clean_up_tokenization_spaces=False)
        assert_equal(got, reply + EOS, name=f"decoded counted span {a}:{b}", hint=MASK_HINT)


def test_every_turn_and_no_markers(learner, tok, rng):
    """Random multi-turn chats: one counted span per assistant turn, each decoding to reply + EOS; user-only chats count nothing."""
    for k in range(5):
        msgs = _chat(rng, n_turns=2 + k % 3, system=True)
        out = learner.tokenize_chat(tok, msgs)
        spans = _spans(out["labels"])
        replies = [m["content"] for m in msgs if m["role"] == "assistant"]
        check(len(spans) == len(replies), f"chat {k}: {len(spans)} counted spans for {len(replies)} assistant turns",
              hint="every assistant turn counts, and nothing else")
        for (a, b), reply in zip(spans, replies):
            got = tok.decode(list(out["input_ids"])[a:b], skip_special_tokens=False, clean_up_tokenization_spaces=False)
            assert_equal(got, reply + EOS, name=f"chat {k}: decoded counted span", hint=MASK_HINT)
    out = learner.tokenize_chat(tok, [{"role": "system", "content": "x"}, {"role": "user", "content": "Paris."}])
    check(all(v == -100 for v in out["labels"]), "a chat with no assistant message has counted labels",
          hint="system and user tokens are never targets, even when their text equals a reply")


def test_truncation(learner, tok, rng):
    """max_length keeps the first max_length ids, labels and mask; a large max_length changes nothing."""
    msgs = _chat(rng, n_turns=3)
    full = learner.tokenize_chat(tok, msgs)
    n = len(full["input_ids"])
    for m in (1, 7, n // 2, n - 1, n, n + 50):
        out = learner.tokenize_chat(tok, msgs, max_length=m)
        k = min(m, n)
        for key in ("input_ids", "labels", "attention_mask"):
            assert_equal(list(out[key]), list(full[key])[:k], name=f"{key} with max_length={m} (untruncated length {n})",
                         hint="truncate ids, labels and mask together, keeping the first max_length tokens")


def test_collate(learner):
    """Padding: ids with pad_id, labels with -100, mask with 0, on the right, to the longest example."""
    ex = [{"input_ids": [5, 6, 7], "labels": [-100, 6, 7], "attention_mask": [1, 1, 1]},
          {"input_ids": [8], "labels": [-100], "attention_mask": [1]}]
    out = learner.collate(ex, pad_id=0)
    assert_equal(out["input_ids"], torch.tensor([[5, 6, 7], [8, 0, 0]]), name="input_ids", hint="right-pad with pad_id")
    assert_equal(out["labels"], torch.tensor([[-100, 6, 7], [-100, -100, -100]]), name="labels",
                 hint="padding is never a target: pad labels with -100, not pad_id (pad_id is also EOS here)")
    assert_equal(out["attention_mask"], torch.tensor([[1, 1, 1], [1, 0, 0]]), name="attention_mask",
                 hint="attention_mask is 0 on padding")


def test_masked_loss_hand(learner):
    """Tiny logits: only positions whose next label is not -100 count, averaged over them (shifted by one)."""
    logits = torch.zeros(1, 3, 4)
    logits[0, 0, 2] = math.log(3.0)  # position 0 predicts token 2 with p = 3/6 = 0.5
    logits[0, 1, 1] = 100.0          # position 1 is confident of token 1
    labels = torch.tensor([[-100, 2, -100]])  # only position 0 -> target 2 counts
    assert_close(learner.masked_lm_loss(logits, labels), math.log(2.0), rtol=1e-6, atol=1e-6,
                 name="loss with one counted target",
                 hint="logits[:, t] predicts labels[:, t + 1]: shift logits[:, :-1] against labels[:, 1:]")
    labels = torch.tensor([[-100, 2, 3]])  # position 1 -> target 3: p ~ e^-100
    want = (math.log(2.0) + 100.0 + math.log(1 + 2 * math.exp(-100.0))) / 2
    assert_close(learner.masked_lm_loss(logits, labels), want, rtol=1e-5, atol=1e-4,
                 name="loss with two counted targets, one at logit gap 100",
                 hint="mean over counted targets only, with a stable log-softmax (F.cross_entropy with ignore_index=-100)")


@pytest.mark.points(2)
def test_loss_matches_llama_and_response_reference(learner, tok, rng):
    """tiny-llama-1m on a padded batch of 3 chats: the masked loss equals LlamaForCausalLM(labels=).loss and the mean -log p over
    the assistant reply tokens (and their EOS) only, computed independently."""
    from transformers import LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(data.path("tiny-llama-1m")).eval()
    chats = [_chat(rng, n_turns=1 + k) for k in range(3)]
    batch = learner.collate([learner.tokenize_chat(tok, c, max_length=96) for c in chats], pad_id=tok.eos_token_id)
    with torch.no_grad():
        logits = model(batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        got = learner.masked_lm_loss(logits, batch["labels"])
        hf = model(batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]).loss
    assert_close(got, hf, rtol=1e-5, atol=1e-5, name="masked_lm_loss vs LlamaForCausalLM(labels=).loss",
                 hint="shift by one and average over the tokens whose label is not -100")
    # independent reference: locate each reply in the full-string ids and sum -log p of its tokens
    logp = torch.log_softmax(logits.double(), dim=-1)
    total, count = 0.0, 0
    for b, msgs in enumerate(chats):
        ids = _ids(tok, tok.apply_chat_template(msgs, tokenize=False))[:96]
        pos = 0
        for m in msgs:
            header, body = _ids(tok, f"<|{m['role']}|>\n"), _ids(tok, m["content"]) + [tok.eos_token_id]
            start = pos + len(header)
            if m["role"] == "assistant":
                for t in range(start, min(start + len(body), len(ids))):
                    total -= float(logp[b, t - 1, ids[t]])
                    count += 1
            pos = start + len(body) + 1
    assert_close(got, total / count, rtol=1e-5, atol=1e-5, name="masked loss vs mean -log p over response tokens only",
                 hint=MASK_HINT)
