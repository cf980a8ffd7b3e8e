"""Spec for 02_neural_networks/rnn_classifier.py: vocabulary, padding, last valid state, padding invariance, training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from grader import data
from grader.testing import assert_close, assert_equal, assert_shape, check

PAD_HINT = ("the RNN must stop at each sentence's last real token: pack the batch with "
            "pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False) and use h_n[-1] (or "
            "run unpacked and gather output[b, lengths[b] - 1]); output[:, -1] is the state AFTER the padding")


def test_build_vocab_and_encode(learner):
    """build_vocab reserves <pad> = 0 and <unk> = 1 then numbers words by first appearance; encode right-pads with 0."""
    vocab = learner.build_vocab(["a good film", "a bad film"])
    assert_equal(vocab, {"<pad>": 0, "<unk>": 1, "a": 2, "good": 3, "film": 4, "bad": 5}, name="build_vocab",
                 hint="start from {'<pad>': 0, '<unk>': 1} and give each new word the next id, in order of first appearance")
    check(learner.build_vocab(["a b a", "a c"], min_freq=2) == {"<pad>": 0, "<unk>": 1, "a": 2},
          "build_vocab(['a b a', 'a c'], min_freq=2) should keep only 'a' (seen 3 times).",
          hint="count every word over all texts first, then keep those with count >= min_freq")
    ids, lengths = learner.encode(["a good film", "bad ugly"], vocab)
    assert_equal(ids, torch.tensor([[2, 3, 4], [5, 1, 0]]), name="encode ids",
                 hint="unknown words map to 1 (<unk>); pad on the RIGHT with 0 up to the longest sequence")
    assert_equal(lengths, torch.tensor([3, 2]), name="encode lengths", hint="lengths count the real tokens")
    check(ids.dtype == torch.long and lengths.dtype == torch.long, f"ids / lengths must be int64, got {ids.dtype} / "
          f"{lengths.dtype}.", hint="nn.Embedding and pack_padded_sequence want torch.long")
    ids, lengths = learner.encode(["a good film a", ""], vocab, max_len=2)
    assert_equal(ids, torch.tensor([[2, 3], [1, 0]]), name="encode(max_len=2) ids",
                 hint="truncate to max_len tokens; an empty text becomes the single token <unk> (length 1)")
    assert_equal(lengths, torch.tensor([2, 1]), name="encode(max_len=2) lengths")


def test_last_valid_state(learner, rng):
    """last_valid_state picks outputs[b, lengths[b] - 1]: by hand, then on random data."""
    out = torch.arange(12.0).reshape(2, 3, 2)
    got = learner.last_valid_state(out, torch.tensor([3, 1]))
    assert_close(got, [[4.0, 5.0], [6.0, 7.0]], name="last_valid_state(arange(12).reshape(2, 3, 2), [3, 1])",
                 hint="position lengths[b] - 1 (0-based), not lengths[b] and not the last column")
    B, T, H = 5, 7, 4
    out = torch.from_numpy(rng.normal(size=(B, T, H)))
    lengths = torch.from_numpy(rng.integers(1, T + 1, size=B))
    got = learner.last_valid_state(out, lengths)
    assert_shape(got, (B, H), name="last_valid_state(...)")
    assert_close(got, torch.stack([out[b, lengths[b] - 1] for b in range(B)]), name="last_valid_state(...)",
                 hint="gather along the time axis with index (lengths - 1) expanded to (B, 1, H)")


def _model(learner, cell, seed, V=30, E=8, H=6, C=3):
    torch.manual_seed(seed)
    model = learner.RNNClassifier(V, E, H, C, cell=cell)
    with torch.no_grad():  # make the pad row non-zero too: padding must not matter however it is embedded
        model.embedding.weight[0].normal_()
    return model.eval()


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_model_structure_and_shapes(learner, seed, cell):
    """RNNClassifier has .embedding (padding_idx 0), .rnn (a one-layer batch_first LSTM/GRU), .head; logits are (B, C)."""
    torch.manual_seed(seed)
    model = learner.RNNClassifier(30, 8, 6, 3, cell=cell)
    check(isinstance(model.embedding, nn.Embedding) and model.embedding.padding_idx == 0,
          "model.embedding should be an nn.Embedding(vocab_size, embed_dim, padding_idx=0).")
    kind = nn.LSTM if cell == "lstm" else nn.GRU
    check(type(model.rnn) is kind and model.rnn.batch_first and model.rnn.num_layers == 1,
          f"model.rnn should be a one-layer nn.{kind.__name__}(embed_dim, hidden_dim, batch_first=True) for "
          f"cell={cell!r}; got {model.rnn!r}.")
    check(isinstance(model.head, nn.Linear) and model.head.in_features == 6 and model.head.out_features == 3,
          f"model.head should be nn.Linear(hidden_dim, num_classes); got {model.head!r}.")
    ids = torch.randint(2, 30, (4, 5))
    logits = model(ids, torch.tensor([5, 3, 1, 4]))
    assert_shape(logits, (4, 3), name="logits", hint="one row of num_classes scores per sequence")


@pytest.mark.points(2)
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_padding_invariance(learner, seed, cell):
    """Extra padding columns, and batching with longer sequences, leave every sequence's logits unchanged."""
    model = _model(learner, cell, seed)
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([2, 6, 3, 1])
    ids = torch.randint(2, 30, (4, 6), generator=g)
    ids[torch.arange(6)[None, :] >= lengths[:, None]] = 0
    with torch.no_grad():
        base = model(ids, lengths)
        padded = model(torch.cat([ids, torch.zeros(4, 5, dtype=torch.long)], dim=1), lengths)
        alone = torch.cat([model(ids[b : b + 1, : lengths[b]], lengths[b : b + 1]) for b in range(4)])
    assert_close(padded, base, atol=1e-6, name="logits with 5 extra pad columns", hint=PAD_HINT)
    assert_close(base, alone, atol=1e-6, name="logits in a padded batch vs each sequence alone", hint=PAD_HINT)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_matches_manual_forward(learner, seed, cell):
    """Each sequence's logits equal head(h after its last real token) computed with the model's own layers."""
    model = _model(learner, cell, seed)
    lengths = torch.tensor([4, 1, 3])
    ids = torch.randint(2, 30, (3, 4), generator=torch.Generator().manual_seed(seed + 1))
    with torch.no_grad():
        got = model(ids, lengths)
        expected = []
        for b in range(3):
            out, _ = model.rnn(model.embedding(ids[b : b + 1, : lengths[b]]))  # (1, L, H), no padding at all
            expected.append(model.head(out[:, -1]))
    assert_close(got, torch.cat(expected), atol=1e-6, name="logits",
                 hint="embedding -> rnn -> the hidden state after the last real token -> head (no activation "
                      "or extra layer in between). " + PAD_HINT)


def test_train_and_accuracy_on_tiny_task(learner, seed):
    """On a trivially separable toy set, train_classifier's losses fall and accuracy reaches 1.0 in eval mode."""
    g = torch.Generator().manual_seed(seed)
    n = 32
    labels = torch.arange(n) % 2
    lengths = torch.randint(2, 6, (n,), generator=g)
    ids = torch.randint(4, 10, (n, 5), generator=g)
    ids[:, 0] = 2 + labels  # the first token gives the class away: it must survive the whole sequence
    ids[torch.arange(5)[None, :] >= lengths[:, None]] = 0
    torch.manual_seed(seed)
    model = learner.RNNClassifier(10, 8, 16, 2, cell="gru")
    losses = learner.train_classifier(model, ids, lengths, labels, epochs=15, lr=2e-2, batch_size=16, seed=seed)
    check(len(losses) == 15, f"train_classifier should return one loss per epoch (15), got {len(losses)}.")
    check(losses[-1] < 0.5 * losses[0], f"the epoch loss should at least halve in 15 epochs: {losses[0]:.3f} -> "
          f"{losses[-1]:.3f}.", hint="optimizer.zero_grad(); loss.backward(); optimizer.step() for every minibatch")
    model.train()
    acc = learner.accuracy(model, ids, lengths, labels)
    check(not model.training, "accuracy() should leave the model in eval mode (call model.eval()).")
    check(acc == 1.0, f"accuracy on the separable toy set is {acc:.3f}, expected 1.0.",
          hint="accuracy = mean(argmax(logits, 1) == labels)")


def _cued_polarity(rng):
    """movie-polarity snippets with a cue ("i loved it" / "i hated it") inserted at a random place; label = the cue.

    The pack's real labels are not learnable from scratch: 200 snippets are far too few (a bag of words scores
    about 55% held out). The cue keeps the real sentences, lengths and vocabulary, and asks the model to carry one
    word's information across a variable number of steps and to ignore the padding behind it.
    """
    texts = data.load("movie-polarity").texts
    labels = rng.integers(0, 2, size=len(texts))
    cued = []
    for text, y in zip(texts, labels):
        words = text.split()[:20]
        at = int(rng.integers(0, len(words) + 1))
        cued.append(" ".join(words[:at] + ["i", "loved" if y else "hated", "it"] + words[at:]))
    return cued, torch.from_numpy(labels)


@pytest.mark.points(3)
def test_train_on_movie_polarity_held_out(learner, seed, rng):
    """GRU, built with your vocab/encode on 150 cued movie-polarity snippets, scores >= 0.9 on the other 50."""
    texts, labels = _cued_polarity(rng)
    perm = rng.permutation(len(texts))
    train, test = perm[:150], perm[150:]
    vocab = learner.build_vocab([texts[i] for i in train])
    ids, lengths = learner.encode([texts[i] for i in train], vocab)
    test_ids, test_lengths = learner.encode([texts[i] for i in test], vocab)
    torch.manual_seed(seed)
    model = learner.RNNClassifier(len(vocab), 32, 32, 2, cell="gru")
    learner.train_classifier(model, ids, lengths, labels[train], epochs=5, lr=1e-2, batch_size=16, seed=seed)
    acc = learner.accuracy(model, test_ids, test_lengths, labels[test])
    check(acc >= 0.9, f"held-out accuracy {acc:.3f} < 0.9 after 5 epochs.",
          hint="is each sentence summarised by the state after its OWN last token (packed sequence / gathered "
               "state)? Does train_classifier reshuffle and update on every minibatch? " + PAD_HINT)
