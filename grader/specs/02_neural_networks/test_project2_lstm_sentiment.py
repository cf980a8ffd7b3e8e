"""Spec for 02_neural_networks/project2_lstm_sentiment.py: vocab, collate, packed LSTM, predict; a negation task and SST-2."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from torch import nn

from grader import data
from grader.testing import assert_close, assert_equal, assert_shape, check

CPU_TIER_ACCURACY = 0.90
BOW_MARGIN = 0.10
FULL_TIER_ACCURACY = 0.80

POSITIVE = ["good", "great", "moving", "brilliant", "funny", "charming", "wonderful", "enjoyable", "clever", "fresh"]
NEGATIVE = ["bad", "dull", "boring", "tedious", "awful", "silly", "flat", "stupid", "mediocre", "predictable"]
NEGATORS = ["not", "never"]
_BANNED = set(POSITIVE) | set(NEGATIVE) | set(NEGATORS) | {"n't", "no", "nothing", "hardly"}


def _negation_task(rng, n: int, snippets: list[list[str]]) -> tuple[list[str], np.ndarray]:
    """4-12 words of a real movie-polarity snippet, with '[not|never] POLARITY-WORD' inserted at a random place.
    label = positive word XOR negated: every word is as often in a positive as in a negative sentence, so only the
    ORDER (is the polarity word right after a negator?) decides."""
    texts, labels = [], []
    for _ in range(n):
        words = snippets[rng.integers(len(snippets))]
        length = int(rng.integers(4, 13))
        start = int(rng.integers(0, max(1, len(words) - length + 1)))
        filler = words[start : start + length]
        positive, negated = int(rng.integers(2)), bool(rng.random() < 0.5)
        phrase = ([NEGATORS[rng.integers(2)]] if negated else []) + [str(rng.choice(POSITIVE if positive else NEGATIVE))]
        k = int(rng.integers(0, len(filler) + 1))
        texts.append(" ".join(filler[:k] + phrase + filler[k:]))
        labels.append(positive ^ negated)
    return texts, np.array(labels, dtype=np.int64)


def _snippets() -> list[list[str]]:
    return [[w for w in t.lower().split() if w not in _BANNED] for t in data.load("movie-polarity").texts]


def test_build_vocab_and_encode(learner):
    """build_vocab: <pad>=0, <unk>=1, then words by decreasing count (ties alphabetical), min_freq respected;
    encode maps unknown words to <unk>=1, never to <pad>=0."""
    vocab = learner.build_vocab(["not good", "good fun", "Good film"])
    assert_equal(dict(vocab), {"<pad>": 0, "<unk>": 1, "good": 2, "film": 3, "fun": 4, "not": 5}, name="build_vocab",
                 hint="reserve 0 for <pad> and 1 for <unk>, lower-case with tokenize, sort by (-count, word)")
    assert_equal(learner.encode("not very good", vocab), [5, 1, 2], name='encode("not very good")',
                 hint="an unknown word must become <unk> = 1; 0 is <pad>, which packing and padding_idx treat as "
                      "'nothing here'")
    assert_equal(learner.encode("zzz qqq", vocab), [1, 1], name='encode("zzz qqq")', hint="unknown words -> 1")
    vocab = learner.build_vocab(["a a b", "b c", "a"], min_freq=2)
    assert_equal(dict(vocab), {"<pad>": 0, "<unk>": 1, "a": 2, "b": 3}, name="build_vocab(min_freq=2)",
                 hint="keep only words seen at least min_freq times")


def test_collate_pads_right_and_returns_lengths(learner):
    """collate right-pads with 0 to the longest sequence and returns the true lengths, both int64."""
    ids, lengths = learner.collate([[4, 1, 2], [3], [7, 8]])
    assert_equal(ids, torch.tensor([[4, 1, 2], [3, 0, 0], [7, 8, 0]]), name="collate ids",
                 hint="pad on the RIGHT with <pad> = 0, up to the longest sequence in the batch")
    assert_equal(lengths, torch.tensor([3, 1, 2]), name="collate lengths")
    check(ids.dtype == torch.long and lengths.dtype == torch.long,
          f"collate should give int64 tensors, got {ids.dtype} and {lengths.dtype}.",
          hint="nn.Embedding needs integer ids; pack_padded_sequence wants int64 lengths")


def test_pretrained_embeddings_from_polarity_vectors(learner):
    """pretrained_embeddings copies the polarity fastText vector of each known word, zeros <pad>, and fills the
    other rows with small random numbers; LSTMClassifier(pretrained=W) starts from W."""
    vectors = data.load("word-vectors", which="polarity")
    vocab = {"<pad>": 0, "<unk>": 1, "good": 2, "zzzunseenzzz": 3, "bad": 4}
    w = learner.pretrained_embeddings(vocab, vectors)
    assert_shape(w, (5, 100), name="pretrained_embeddings(...)", hint="one row per vocabulary entry, d = 100")
    assert_close(w[2], vectors.vector("good"), atol=1e-6, name="row of 'good'",
                 hint="row vocab[word] = vectors.vector(word)")
    assert_close(w[4], vectors.vector("bad"), atol=1e-6, name="row of 'bad'")
    assert_close(w[0], torch.zeros(100), atol=0, name="row of <pad>", hint="the <pad> row must be zeros")
    check(0 < float(w[3].abs().max()) < 1.0, "the row of a word without a vector should be small random numbers.",
          hint="torch.randn(..., generator=g) * std for words the vectors do not cover")
    torch.manual_seed(0)
    model = learner.LSTMClassifier(5, pretrained=w)
    assert_close(model.embedding.weight.detach(), w, atol=0, name="model.embedding.weight",
                 hint="copy `pretrained` into the nn.Embedding (and take embed_dim from its shape)")


def test_forward_uses_final_hidden_state_of_each_sequence(learner, rng):
    """In eval mode, the logits of each sequence equal head(h_n) of model.lstm run over that sequence alone,
    whatever the padding of its batch (an oracle built from the model's own embedding / lstm / head)."""
    torch.manual_seed(0)
    model = learner.LSTMClassifier(30, embed_dim=8, hidden_dim=6, num_classes=3).eval()
    seqs = [list(rng.integers(2, 30, size=n)) for n in (7, 2, 5, 1)]
    ids, lengths = learner.collate(seqs)
    with torch.no_grad():
        logits = model(ids, lengths)
        assert_shape(logits, (4, 3), name="model(ids, lengths)")
        expected = torch.stack([model.head(model.lstm(model.embedding(torch.tensor([s])))[1][0][-1, 0])
                                for s in seqs])
        assert_close(logits, expected, atol=1e-5, name="logits of a padded batch",
                     hint="the classifier must see h at each sequence's OWN last token: pack_padded_sequence(x, "
                          "lengths, batch_first=True, enforce_sorted=False) and use h_n; output[:, -1] of a padded "
                          "batch has read the pads")
        ids2, lengths2 = learner.collate(seqs + [[3] * 12])
        assert_close(model(ids2, lengths2)[:4], logits, atol=1e-5, name="logits with extra padding",
                     hint="more padding in the batch must not change a sequence's logits")


def test_predict_in_eval_mode_without_grad(learner):
    """predict calls model(ids, lengths) in eval mode and under torch.no_grad(), batch by batch, and returns the
    argmax class ids as an int64 numpy array in the original order."""

    class Probe(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(()))
            self.calls = []

        def forward(self, ids, lengths):
            self.calls.append((self.training, torch.is_grad_enabled()))
            first = ids[:, 0].float() * self.w  # class = first token id mod 3
            return torch.nn.functional.one_hot(ids[:, 0] % 3, 3).float() * 10 + first[:, None] * 0

    probe = Probe().train()
    seqs = [[i + 2] * (1 + i % 4) for i in range(600)]
    out = learner.predict(probe, seqs)
    check(isinstance(out, np.ndarray), f"predict should return a numpy array, got {type(out).__name__}.")
    assert_equal(out, np.array([(i + 2) % 3 for i in range(600)]), name="predict(...)",
                 hint="argmax over the class axis of model(ids, lengths), batches concatenated in order")
    check(out.dtype == np.int64, f"predict should give int64, got {out.dtype}.")
    check(len(probe.calls) > 0 and all(not training for training, _ in probe.calls),
          "predict ran the model in training mode (dropout still on).", hint="call model.eval() before predicting")
    check(all(not grad for _, grad in probe.calls), "predict built an autograd graph.",
          hint="wrap the forward passes in torch.no_grad()")


def test_train_fits_a_small_batch(learner):
    """train returns one mean loss per epoch, and on 16 short sentences the loss falls well below log 2."""
    torch.manual_seed(0)
    seqs = [[2 + i % 2, 4 + i % 3, 7] for i in range(16)]
    labels = np.array([i % 2 for i in range(16)])
    model = learner.LSTMClassifier(10, embed_dim=8, hidden_dim=8)
    history = learner.train(model, seqs, labels, epochs=30, batch_size=8, lr=1e-2)
    check(len(history) == 30, f"train(epochs=30) returned {len(history)} losses, expected 30.")
    check(history[0] > 0.5 and history[-1] < 0.2,
          f"loss went from {history[0]:.3f} to {history[-1]:.3f}; expected ~0.69 down to < 0.2.",
          hint="Adam on F.cross_entropy(model(ids, lengths), labels), zero_grad / backward / step each batch")


@pytest.mark.points(10)
def test_cpu_tier_negation_task(learner, rng):
    """CPU tier: 2,000 training / 600 held-out sentences (movie-polarity words plus '[not|never] good|dull|...');
    build_vocab + encode + LSTMClassifier + train with defaults: held-out accuracy >= 0.90 and >= the bag-of-words
    logistic regression + 0.10 (which sits near chance: only word order tells 'not good' from 'good')."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    snippets = _snippets()
    train_texts, train_y = _negation_task(rng, 2000, snippets)
    test_texts, test_y = _negation_task(rng, 600, snippets)
    bag = CountVectorizer(token_pattern=r"\S+", binary=True)
    bow = LogisticRegression(max_iter=2000).fit(bag.fit_transform(train_texts), train_y)
    bow_acc = float((bow.predict(bag.transform(test_texts)) == test_y).mean())

    vocab = learner.build_vocab(train_texts)
    torch.manual_seed(0)
    model = learner.LSTMClassifier(len(vocab))
    start = time.process_time()
    learner.train(model, [learner.encode(t, vocab) for t in train_texts], train_y)
    seconds = time.process_time() - start
    acc = float((learner.predict(model, [learner.encode(t, vocab) for t in test_texts]) == test_y).mean())
    check(acc >= CPU_TIER_ACCURACY and acc >= bow_acc + BOW_MARGIN,
          f"held-out accuracy {acc:.3f} (bag of words: {bow_acc:.3f}; training took {seconds:.0f} s CPU); need >= "
          f"{CPU_TIER_ACCURACY} and >= bag of words + {BOW_MARGIN}.",
          hint="the label is the polarity word flipped by a negator right before it: the LSTM must read the words in "
               "order and classify from h at each sentence's true last token (packing), with Adam at ~3e-3 for ~10 "
               "epochs")


@pytest.mark.full
@pytest.mark.points(10)
def test_full_tier_sst2_accuracy(learner):
    """Full tier: train on the SST-2 training set (67,349 phrases; build_vocab(min_freq=2), LSTMClassifier with
    embed_dim=128, hidden_dim=128, train(epochs=3, batch_size=64, lr=2e-3)): GLUE dev accuracy >= 0.80."""
    try:
        train_set = data.load("sst2", split="train")
        dev_set = data.load("sst2", split="valid")
    except Exception as exc:  # a CourseError that says how to fetch it
        pytest.fail(f"SST-2 is not available: {exc}\nRun `course data get sst2` first.")
    vocab = learner.build_vocab(train_set.texts, min_freq=2)
    torch.manual_seed(0)
    model = learner.LSTMClassifier(len(vocab), embed_dim=128, hidden_dim=128)
    learner.train(model, [learner.encode(t, vocab) or [1] for t in train_set.texts], train_set.labels, epochs=3,
                  batch_size=64, lr=2e-3)
    pred = learner.predict(model, [learner.encode(t, vocab) or [1] for t in dev_set.texts])
    acc = float((pred == np.asarray(dev_set.labels)).mean())
    check(acc >= FULL_TIER_ACCURACY, f"SST-2 dev accuracy {acc:.3f} < {FULL_TIER_ACCURACY}.",
          hint="packing, dropout before the head, gradient clipping; pretrained vectors help on real text")
