"""Spec for 03_nlp_transformers/project3_gpt_classifier.py: last-token indices for right and left padding, last-token
pooling, the classifier's invariance to padding (with pad id = EOS id), prediction, then fine-tuning the course's
tiny Llama on a topic task built from unseen Wikipedia articles."""

from __future__ import annotations

import copy
import functools
import re
import time

import numpy as np
import pytest
import torch

from grader import data
from grader.testing import assert_close, assert_equal, assert_shape, check

ACC_THRESHOLD = 0.8
TOPICS = ("Anthropology", "Alkane")
POOL_HINT = ("the last real token is the largest t with attention_mask[b, t] == 1: T - 1 - mask.flip(-1).argmax(-1); "
             "position -1 is padding under right padding, and sum(mask) - 1 is wrong under left padding")


@functools.lru_cache(maxsize=1)
def _tiny():
    tokenizer, lm, _ = data.load("tiny-llama-1m")
    return tokenizer, lm


def _fresh():
    tokenizer, lm = _tiny()
    return tokenizer, copy.deepcopy(lm).eval()


def _batch(tokenizer, texts, side):
    old = tokenizer.padding_side
    tokenizer.padding_side = side
    try:
        return tokenizer(texts, padding=True, return_tensors="pt")
    finally:
        tokenizer.padding_side = old


def topic_task(seed, n_train=80, n_test=40):
    """Sentences (6-40 words) of two wiki-excerpt TEST articles, label = article; a seeded, class-balanced split."""
    arts = {a.title: a.text for a in data.load("wiki-excerpt", split="test")}
    rng = np.random.default_rng(seed)
    X_tr, y_tr, X_te, y_te = [], [], [], []
    for label, title in enumerate(TOPICS):
        sents = [s.strip() for s in re.split(r"(?<=[.!?])\s+", arts[title])]
        sents = [s for s in sents if 6 <= len(s.split()) <= 40]
        pick = rng.permutation(len(sents))[: n_train + n_test]
        X_tr += [sents[i] for i in pick[:n_train]]
        y_tr += [label] * n_train
        X_te += [sents[i] for i in pick[n_train:]]
        y_te += [label] * n_test
    return X_tr, np.array(y_tr), X_te, np.array(y_te)


def test_last_token_index(learner):
    """last_token_index gives 2 for [1 1 1 0 0] (right padding), 4 for [0 0 1 1 1] (left padding), 4 with no padding,
    and 0 for a one-token row."""
    mask = torch.tensor([[1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]])
    got = learner.last_token_index(mask)
    assert_equal(torch.as_tensor(got).long(), torch.tensor([2, 4, 4, 0, 4]), name="last_token_index(mask)",
                 hint=POOL_HINT)


def test_last_token_pool_by_hand(learner, rng):
    """last_token_pool picks hidden[b, last index] for each row: on random hidden states with mixed padding sides it
    matches a loop over rows."""
    h = torch.arange(10.0).reshape(1, 5, 2)
    assert_close(learner.last_token_pool(h, torch.tensor([[1, 1, 0, 0, 0]])), torch.tensor([[2.0, 3.0]]),
                 atol=0, name="last_token_pool (worked example)", hint=POOL_HINT)
    H = torch.from_numpy(rng.normal(size=(6, 7, 3)))
    mask = torch.zeros(6, 7, dtype=torch.long)
    lengths = rng.integers(1, 8, size=6)
    want = []
    for b, L in enumerate(lengths):
        if b % 2:  # left padding
            mask[b, 7 - L:] = 1
        else:  # right padding
            mask[b, :L] = 1
        want.append(H[b, 6 if b % 2 else L - 1])
    got = learner.last_token_pool(H, mask)
    assert_shape(got, (6, 3), name="last_token_pool", hint="(B, T, H) -> (B, H): one vector per row")
    assert_close(got, torch.stack(want), atol=0, name="last_token_pool (mixed padding)", hint=POOL_HINT)


@pytest.mark.points(2)
def test_classifier_padding_invariance(learner):
    """GPTClassifier logits equal head(last real token of lm.model(...).last_hidden_state), and each text gets the same
    logits alone, right-padded in a batch and left-padded in a batch (the pad id is the EOS id, 0)."""
    tokenizer, lm = _fresh()
    torch.manual_seed(0)
    clf = learner.GPTClassifier(lm, n_classes=3).eval()
    texts = ["Alkanes are saturated hydrocarbons.", "Anthropology is the study of humans, past and present.",
             "Asia"]
    with torch.no_grad():
        alone = []
        for t in texts:
            b = tokenizer([t], return_tensors="pt")
            h = lm.model(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).last_hidden_state
            want = clf.head(h[:, -1])
            got = clf(b["input_ids"], b["attention_mask"])
            assert_shape(got, (1, 3), name="logits", hint="(B, n_classes)")
            assert_close(got, want, atol=1e-5, name=f"logits of {t!r}",
                         hint="use lm.model(...).last_hidden_state (the decoder's normalised output, not the LM logits), "
                              "pool the last real token, apply the head")
            alone.append(got[0])
        alone = torch.stack(alone)
        for side in ("right", "left"):
            b = _batch(tokenizer, texts, side)
            got = clf(b["input_ids"], b["attention_mask"])
            assert_close(got, alone, atol=1e-4, name=f"logits in a {side}-padded batch vs alone",
                         hint=POOL_HINT + "; and pass attention_mask to the decoder so (left) padding is not attended")


def test_predict_proba(learner):
    """predict_proba returns (N, C) probabilities equal to the softmax of the classifier's logits, rows summing to 1,
    without an autograd graph; predict is their argmax."""
    tokenizer, lm = _fresh()
    torch.manual_seed(0)
    clf = learner.GPTClassifier(lm, n_classes=2)
    texts = ["Alkanes burn.", "Anthropologists study culture and society in the field.", "Methane"]
    p = learner.predict_proba(clf, tokenizer, texts)
    check(not isinstance(p, torch.Tensor) or not p.requires_grad, "predict_proba returned a tensor that requires grad",
          hint="predict under torch.no_grad() and return numpy")
    p = np.asarray(p)
    assert_shape(p, (3, 2), name="predict_proba")
    assert_close(p.sum(1), np.ones(3), atol=1e-5, name="row sums", hint="softmax over the classes")
    with torch.no_grad():
        want = np.stack([torch.softmax(clf.eval()(**{k: v for k, v in tokenizer([t], return_tensors="pt").items()
                                                       if k in ("input_ids", "attention_mask")}), -1)[0].numpy()
                         for t in texts])
    assert_close(p, want, atol=1e-4, name="predict_proba vs the softmax of each text's logits",
                 hint="tokenise with the attention mask and pool each row's last REAL token")
    assert_equal(np.asarray(learner.predict(clf, tokenizer, texts)), want.argmax(1), name="predict")


@pytest.mark.points(5)
def test_topic_classification_accuracy(learner, seed):
    """Trained by train_gpt_classifier on 160 sentences of two unseen Wikipedia articles ('Anthropology' vs 'Alkane'),
    the classifier labels at least 80% of 80 held-out sentences right."""
    tokenizer, lm = _fresh()
    X_tr, y_tr, X_te, y_te = topic_task(seed)
    start = time.perf_counter()
    clf = learner.train_gpt_classifier(tokenizer, lm, X_tr, y_tr, seed=seed)
    took = time.perf_counter() - start
    pred = np.asarray(learner.predict(clf, tokenizer, X_te))
    assert_shape(pred, (80,), name="predict on the test sentences")
    acc = float((pred == y_te).mean())
    check(acc >= ACC_THRESHOLD, f"held-out accuracy {acc:.1%} after training ({took:.0f} s); expected at least "
          f"{ACC_THRESHOLD:.0%}. Predicted class counts: {np.bincount(pred.astype(int), minlength=2).tolist()}",
          hint="pool the last REAL token (not position -1), pass the attention mask, train the head with a larger "
               "learning rate than the decoder (e.g. 2e-2 vs 2e-3) for several epochs, predict in eval mode")
