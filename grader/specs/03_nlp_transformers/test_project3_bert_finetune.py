"""Spec for 03_nlp_transformers/project3_bert_finetune.py: the model's tokenizer, mean pooling over the attention mask,
the classifier's forward pass and padding invariance, freezing, eval-mode prediction, then fine-tuning MiniLM on
movie-polarity (140 sentences) and scoring held-out accuracy."""

from __future__ import annotations

import copy
import functools
import time

import numpy as np
import pytest
import torch

from grader import data
from grader.testing import assert_close, assert_equal, assert_shape, check

ACC_THRESHOLD = 0.65


@functools.lru_cache(maxsize=1)
def _minilm():
    tokenizer, encoder, _ = data.load("minilm")
    return tokenizer, encoder


def _fresh():
    """The tokenizer and a private copy of the pretrained encoder (tests may freeze or train it)."""
    tokenizer, encoder = _minilm()
    return tokenizer, copy.deepcopy(encoder).eval()


def _split(seed):
    """70 negatives + 70 positives to train, the other 30 + 30 to test, by a seeded permutation."""
    rng = np.random.default_rng(seed)
    neg, pos = rng.permutation(100), 100 + rng.permutation(100)
    return np.concatenate([neg[:70], pos[:70]]), np.concatenate([neg[70:], pos[70:]])


def test_mean_pool_by_hand(learner):
    """mean_pool averages only the positions where the mask is 1: [[1], [3], [100 (pad)]] -> [2]."""
    got = learner.mean_pool(torch.tensor([[[1.0], [3.0], [100.0]]]), torch.tensor([[1, 1, 0]]))
    assert_close(got, torch.tensor([[2.0]]), atol=1e-6, name="mean_pool([1, 3, pad 100])",
                 hint="sum(mask * h) / sum(mask): the padding vector must not enter the sum or the count")
    h = torch.randn(3, 5, 4, generator=torch.Generator().manual_seed(0))
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [1, 0, 0, 0, 0]])
    got = learner.mean_pool(h, mask)
    assert_shape(got, (3, 4), name="mean_pool((3, 5, 4), mask)", hint="(B, T, H) -> (B, H)")
    want = torch.stack([h[0].mean(0), h[1, :2].mean(0), h[2, 0]])
    assert_close(got, want, atol=1e-6, name="mean_pool with padding",
                 hint="divide by the number of REAL tokens of each row, not by T")


def test_tokenize_batch_matches_tokenizer(learner):
    """tokenize_batch gives the tokenizer's own input_ids and attention_mask: [CLS] ... [SEP], padded to the longest,
    truncated at max_length."""
    tokenizer, _ = _minilm()
    texts = ["a gem .", "dull", "the plot " * 40]
    got = learner.tokenize_batch(tokenizer, texts, max_length=16)
    want = tokenizer(texts, padding=True, truncation=True, max_length=16, return_tensors="pt")
    for key in ("input_ids", "attention_mask"):
        assert_equal(torch.as_tensor(got[key]), want[key], name=f"tokenize_batch(...)[{key!r}]",
                     hint="call the model's tokenizer with padding=True, truncation=True, max_length=max_length, "
                          "return_tensors='pt': it adds [CLS]/[SEP] and the attention mask itself")


def test_classifier_forward_and_padding(learner):
    """Classifier logits equal head(mean_pool(encoder(...).last_hidden_state)) in eval mode, and a text gives the same
    logits alone or padded in a batch with a longer text."""
    tokenizer, encoder = _fresh()
    torch.manual_seed(0)
    clf = learner.Classifier(encoder, n_classes=2).eval()
    batch = tokenizer(["a gem .", "a long , winding and ultimately pointless film about nothing"], padding=True,
                      return_tensors="pt")
    with torch.no_grad():
        logits = clf(batch["input_ids"], batch["attention_mask"])
        assert_shape(logits, (2, 2), name="logits", hint="(B, n_classes)")
        hidden = encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
        m = batch["attention_mask"].unsqueeze(-1).float()
        want = clf.head((hidden * m).sum(1) / m.sum(1))
        assert_close(logits, want, atol=1e-5, name="Classifier logits",
                     hint="pass attention_mask to the encoder, mean-pool its last_hidden_state over the mask, then the "
                          "head (dropout is off in eval mode)")
        alone = tokenizer(["a gem ."], return_tensors="pt")
        single = clf(alone["input_ids"], alone["attention_mask"])
    assert_close(logits[0], single[0], atol=1e-5, name="logits of 'a gem .' padded in a batch vs alone",
                 hint="padding must change nothing: give the encoder the attention mask and pool over real tokens only")


def test_freeze_lower_layers(learner):
    """freeze_lower_layers(clf, 2) freezes the embeddings and layers 0-3, keeps layers 4-5 and the head trainable, and
    returns the trainable parameter count."""
    _, encoder = _fresh()
    clf = learner.Classifier(encoder, n_classes=2)
    n = learner.freeze_lower_layers(clf, 2)
    layers = encoder.encoder.layer
    check(not any(p.requires_grad for p in encoder.embeddings.parameters()), "the embeddings are still trainable",
          hint="set requires_grad = False on encoder.embeddings' parameters")
    for i in range(4):
        check(not any(p.requires_grad for p in layers[i].parameters()), f"encoder layer {i} is still trainable",
              hint="freeze all but the TOP n_trainable layers: encoder.encoder.layer[:-n_trainable]")
    for i in (4, 5):
        check(all(p.requires_grad for p in layers[i].parameters()), f"encoder layer {i} was frozen",
              hint="the top n_trainable layers keep requires_grad = True")
    check(all(p.requires_grad for p in clf.head.parameters()), "the head is frozen", hint="the new head must train")
    want = sum(p.numel() for p in clf.parameters() if p.requires_grad)
    assert_equal(int(n), want, name="the returned trainable-parameter count",
                 hint="sum(p.numel() for p in classifier.parameters() if p.requires_grad)")


def test_predict_uses_eval_mode(learner):
    """predict_proba switches dropout off: called on a classifier left in train mode it returns the eval-mode
    probabilities (rows summing to 1), the same on every call, and builds no autograd graph."""
    tokenizer, encoder = _fresh()
    torch.manual_seed(0)
    clf = learner.Classifier(encoder, n_classes=2, dropout=0.5)
    texts = ["a gem .", "dull and tedious", "an utterly charming film"]
    with torch.no_grad():
        b = tokenizer(texts, padding=True, return_tensors="pt")
        want = torch.softmax(clf.eval()(b["input_ids"], b["attention_mask"]), -1).numpy()
    clf.train()
    p1 = learner.predict_proba(clf, tokenizer, texts)
    clf.train()
    p2 = learner.predict_proba(clf, tokenizer, texts)
    check(not isinstance(p1, torch.Tensor) or not p1.requires_grad, "predict_proba returned a tensor that requires grad",
          hint="evaluate under torch.no_grad() and return numpy")
    p1, p2 = np.asarray(p1), np.asarray(p2)
    assert_close(p1.sum(1), np.ones(3), atol=1e-5, name="row sums of predict_proba", hint="softmax over the classes")
    assert_close(p1, want, atol=1e-5, name="predict_proba on a model left in train mode",
                 hint="call classifier.eval() before predicting: dropout must be off at evaluation")
    assert_close(p2, p1, atol=1e-6, name="a second predict_proba call", hint="eval mode makes prediction deterministic")
    assert_equal(np.asarray(learner.predict(clf, tokenizer, texts)), want.argmax(1), name="predict",
                 hint="the argmax of predict_proba")


@pytest.mark.points(5)
def test_finetune_accuracy(learner, seed):
    """Fine-tuned by train_classifier on 140 movie-polarity sentences (70 per class), the classifier labels at least
    65% of the 60 held-out sentences right (chance is 50%; the reference gets about 70-75%)."""
    mp = data.load("movie-polarity")
    tokenizer, encoder = _fresh()
    tr, te = _split(seed)
    start = time.perf_counter()
    clf = learner.train_classifier(tokenizer, encoder, [mp.texts[i] for i in tr], mp.labels[tr], seed=seed)
    took = time.perf_counter() - start
    pred = np.asarray(learner.predict(clf, tokenizer, [mp.texts[i] for i in te]))
    assert_shape(pred, (60,), name="predict on the test texts")
    acc = float((pred == mp.labels[te]).mean())
    check(acc >= ACC_THRESHOLD, f"held-out accuracy {acc:.1%} after fine-tuning ({took:.0f} s); expected at least "
          f"{ACC_THRESHOLD:.0%}. Predicted class counts: {np.bincount(pred.astype(int), minlength=2).tolist()}",
          hint="a small learning rate for the encoder (~1e-4) and a larger one for the new head, a few epochs, the "
               "attention mask passed everywhere, mean pooling over real tokens, and eval mode for prediction")
