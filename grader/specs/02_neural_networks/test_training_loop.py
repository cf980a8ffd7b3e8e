"""Spec for 02_neural_networks/training_loop.py: train/eval epochs, early stopping, checkpoints that resume bit for bit."""

from __future__ import annotations

import random

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from grader.testing import assert_close, assert_equal, check

LOSS = nn.CrossEntropyLoss()


def _data(seed: int, n: int, flip: bool = False):
    """n points in 4-D, 3 classes from a fixed random linear rule; flip=True shifts every label by one."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 4, generator=g)
    W = torch.randn(4, 3, generator=torch.Generator().manual_seed(1234))
    y = (X @ W).argmax(1)
    if flip:
        y = (y + 1) % 3
    return TensorDataset(X, y)


def _mlp(seed: int, dropout: float = 0.3) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 3))


def _loader(ds, seed: int, batch_size: int = 8) -> DataLoader:
    return DataLoader(ds, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed))


def _full_loss(model, ds) -> float:
    """The spec's own evaluation: mean cross-entropy over the whole set, eval mode."""
    was = model.training
    model.eval()
    with torch.no_grad():
        loss = LOSS(model(ds.tensors[0]), ds.tensors[1]).item()
    model.train(was)
    return loss


def test_evaluate_uses_eval_mode_and_no_grad(learner, seed):
    """evaluate() on a dropout MLP returns the eval-mode mean loss over all samples (batches weighted by size, 23 =
    8 + 8 + 7), gives the same value twice, accumulates no gradients and leaves dropout off."""
    model = _mlp(seed)
    ds = _data(seed, 23)
    loader = DataLoader(ds, batch_size=8)
    model.train()
    got = learner.evaluate(model, loader, LOSS)
    check(isinstance(got, float), f"evaluate returned {type(got).__name__}, expected a float",
          hint="accumulate loss.item() * batch_size and divide by the number of samples")
    want = _full_loss(model, ds)
    batch_means = [LOSS(model.eval()(xb), yb).item() for xb, yb in loader]
    hint = "call model.eval() first: dropout is random in train mode, so the loss changes from call to call"
    if abs(got - sum(batch_means) / len(batch_means)) < 1e-7 and abs(got - want) > 1e-6:
        hint = "weight each batch's mean loss by its size: the last batch has 7 samples, not 8"
    assert_close(got, want, rtol=1e-5, atol=1e-6, name="evaluate(model, loader)", hint=hint)
    check(learner.evaluate(model, loader, LOSS) == got, "two calls of evaluate gave different losses", hint=hint)
    check(not model.training, "the model is in train mode after evaluate", hint="evaluate calls model.eval()")
    check(all(p.grad is None for p in model.parameters()), "evaluate left gradients in the parameters' .grad",
          hint="run the forward passes under torch.no_grad() and never call backward in evaluate")
    out_requires_grad = []

    def hook(module, inputs, output):
        out_requires_grad.append(output.requires_grad)

    handle = model[0].register_forward_hook(hook)
    try:
        learner.evaluate(model, loader, LOSS)
    finally:
        handle.remove()
    check(out_requires_grad and not any(out_requires_grad), "evaluate builds an autograd graph (outputs require grad)",
          hint="wrap the loop in torch.no_grad() (or decorate evaluate with @torch.no_grad()): no graph, less memory")


def test_train_one_epoch_matches_reference_loop(learner, seed):
    """train_one_epoch switches the model to train mode (dropout on) and does zero_grad / forward / backward / step
    per batch: after one epoch the parameters equal a reference loop's, and it returns the size-weighted mean loss."""
    ds = _data(seed, 21)
    ref_model, model = _mlp(seed), _mlp(seed)
    ref_opt = torch.optim.SGD(ref_model.parameters(), lr=0.2, momentum=0.9)
    opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    torch.manual_seed(seed + 1)
    ref_model.train()
    total = 0.0
    for xb, yb in _loader(ds, seed):
        ref_opt.zero_grad()
        loss = LOSS(ref_model(xb), yb)
        loss.backward()
        ref_opt.step()
        total += loss.item() * len(xb)
    torch.manual_seed(seed + 1)
    model.eval()  # as a previous evaluate() would leave it
    got = learner.train_one_epoch(model, _loader(ds, seed), opt, LOSS)
    check(model.training, "the model is in eval mode after train_one_epoch",
          hint="call model.train() at the start: the previous epoch's evaluate left it in eval mode, dropout off")
    for (name, p), q in zip(model.named_parameters(), ref_model.parameters()):
        assert_close(p, q, rtol=1e-5, atol=1e-6, name=f"parameter {name} after one epoch",
                     hint="per batch: optimizer.zero_grad(), loss = loss_fn(model(x), y), loss.backward(), "
                          "optimizer.step(); without zero_grad the gradients of earlier batches pile up")
    assert_close(got, total / len(ds), rtol=1e-5, atol=1e-6, name="train_one_epoch's returned loss",
                 hint="the mean per sample: sum of loss.item() * len(batch) over batches, divided by the dataset size")


def test_early_stopping_by_hand(learner):
    """EarlyStopping(patience=2, min_delta=0.05) on losses [1.0, 0.9, 0.88, 0.95]: stops at the 4th, best 0.9 at
    epoch 1 (0.88 is not better by more than min_delta), and best_state holds a copy of epoch 1's weights."""
    es = learner.EarlyStopping(patience=2, min_delta=0.05)
    model = nn.Linear(1, 1)
    flags = []
    for epoch, v in enumerate([1.0, 0.9, 0.88, 0.95]):
        with torch.no_grad():
            model.weight.fill_(float(epoch))  # the "training" of this epoch
        flags.append(bool(es.step(v, model, epoch)))
    assert_equal(flags, [False, False, False, True], name="step() results for losses [1.0, 0.9, 0.88, 0.95]",
                 hint="an improvement needs val_loss < best_loss - min_delta; stop once counter >= patience")
    check(abs(es.best_loss - 0.9) < 1e-12 and es.best_epoch == 1 and es.counter == 2,
          f"best_loss, best_epoch, counter = {es.best_loss}, {es.best_epoch}, {es.counter}; expected 0.9, 1, 2",
          hint="0.88 < 0.9 but not by more than min_delta = 0.05, so it does not reset the counter")
    check(es.best_state is not None, "best_state is None after an improvement", hint="snapshot the weights on improvement")
    assert_close(es.best_state["weight"], [[1.0]], name="best_state['weight'] (epoch 1's weight was 1.0)",
                 hint="store a COPY: {k: v.detach().clone() for k, v in model.state_dict().items()}; "
                      "state_dict() returns the live tensors, which later epochs overwrite")
    es.restore_best(model)
    assert_close(model.weight, [[1.0]], name="the weight after restore_best", hint="model.load_state_dict(best_state)")


def test_early_stopping_patience_and_min_delta(learner):
    """patience=3, min_delta=0: a strictly lower loss always resets the counter, an equal loss does not; the first
    call always improves on +inf; stopping happens exactly after 3 epochs without improvement."""
    es = learner.EarlyStopping(patience=3)
    model = nn.Linear(2, 1)
    losses = [5.0, 4.0, 4.0, 3.9, 3.9, 3.95, 4.5]
    flags = [bool(es.step(v, model, e)) for e, v in enumerate(losses)]
    assert_equal(flags, [False] * 6 + [True], name=f"step() results for {losses}",
                 hint="counter counts epochs since the last strict improvement; stop when counter >= patience")
    check(es.best_epoch == 3 and es.best_loss == 3.9, f"best_epoch {es.best_epoch}, best_loss {es.best_loss}; "
          "expected 3 and 3.9", hint="an equal loss (3.9 again) is not an improvement")


def test_checkpoint_round_trip(learner, tmp_path, seed):
    """save_checkpoint then load_checkpoint into a fresh model and optimizer restores the weights, Adam's state,
    torch's global RNG and the loader's generator, and returns the stored epoch count."""
    ds = _data(seed, 16)
    model = _mlp(seed)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    gen = torch.Generator().manual_seed(seed)
    for xb, yb in DataLoader(ds, batch_size=8, shuffle=True, generator=gen):
        opt.zero_grad()
        LOSS(model(xb), yb).backward()
        opt.step()
    path = tmp_path / "ckpt.pt"
    torch.manual_seed(seed + 7)
    learner.save_checkpoint(path, model, opt, 3, gen)
    next_global, next_gen = torch.rand(5), torch.rand(5, generator=gen)

    model2 = _mlp(seed + 100)
    opt2 = torch.optim.Adam(model2.parameters(), lr=0.01)
    gen2 = torch.Generator().manual_seed(seed + 100)
    torch.manual_seed(seed + 99)
    epoch = learner.load_checkpoint(path, model2, opt2, gen2)
    check(epoch == 3, f"load_checkpoint returned {epoch!r}, expected the stored epoch 3")
    for (name, p), q in zip(model2.named_parameters(), model.parameters()):
        assert_equal(p, q, name=f"restored parameter {name}", hint="model.load_state_dict(ckpt['model'])")
    st, st2 = opt.state_dict()["state"], opt2.state_dict()["state"]
    check(len(st2) == len(st) and all(torch.equal(st[k]["exp_avg"], st2[k]["exp_avg"]) for k in st),
          "the optimizer's state (Adam's moments) was not restored",
          hint="save optimizer.state_dict() and load it with optimizer.load_state_dict(...)")
    assert_equal(torch.rand(5), next_global, name="torch.rand after load_checkpoint",
                 hint="save torch.get_rng_state() and restore it with torch.set_rng_state(...): dropout draws from it")
    assert_equal(torch.rand(5, generator=gen2), next_gen, name="the loader generator's next draws after loading",
                 hint="save generator.get_state() and restore it with generator.set_state(...): it decides the shuffling")


def test_fit_early_stopping_restores_best(learner, seed):
    """fit with EarlyStopping on a validation set whose labels are shifted (so it gets worse as training succeeds)
    stops patience epochs after the best epoch and returns the model with the best validation loss."""
    train, val = _data(seed, 48), _data(seed + 1, 24, flip=True)
    model = _mlp(seed, dropout=0.0)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    es = learner.EarlyStopping(patience=2)
    hist = learner.fit(model, opt, LOSS, _loader(train, seed), DataLoader(val, batch_size=16), 10, early_stopping=es)
    check(isinstance(hist, dict) and "val_loss" in hist and "train_loss" in hist,
          f"fit returned {type(hist).__name__}; expected a dict with 'train_loss' and 'val_loss' lists")
    vals = hist["val_loss"]
    check(len(hist["train_loss"]) == len(vals), "train_loss and val_loss have different lengths")
    best, counter, expect_len = float("inf"), 0, 10  # replay the rule on the reported losses
    for i, v in enumerate(vals):
        best, counter = (v, 0) if v < best else (best, counter + 1)
        if counter >= 2:
            expect_len = i + 1
            break
    check(len(vals) == expect_len,
          f"fit ran {len(vals)} epochs with validation losses {[round(v, 4) for v in vals]}; with patience 2 it "
          f"should have stopped after {expect_len}", hint="break out of the epoch loop when early_stopping.step(...) is True")
    assert_close(_full_loss(model, val), min(vals), rtol=1e-5, atol=1e-6,
                 name="validation loss of the returned model vs the best in history",
                 hint="after the loop, load the best weights back (early_stopping.restore_best(model)); the snapshot "
                      "must be a copy, not model.state_dict() itself")


def test_resume_matches_uninterrupted_run(learner, tmp_path, seed):
    """2 epochs + checkpoint, then a fresh model / optimizer / loader (different seeds) that load it and train 2
    more epochs, ends with parameters torch.equal to 4 uninterrupted epochs (Adam, dropout, shuffling)."""
    train, val = _data(seed, 40), _data(seed + 1, 16)

    def run(model_seed, loader_seed, path, epochs, start=0, resume=False):
        model = _mlp(model_seed)
        opt = torch.optim.Adam(model.parameters(), lr=0.02)
        loader = _loader(train, loader_seed)
        if resume:
            torch.manual_seed(loader_seed)  # a new process: the global RNG is somewhere else
            random.seed(loader_seed)
            start = learner.load_checkpoint(path, model, opt, loader.generator)
            check(start == 2, f"load_checkpoint returned {start}, expected 2 (epochs completed)")
        else:
            torch.manual_seed(seed + 5)
        learner.fit(model, opt, LOSS, loader, DataLoader(val, batch_size=8), epochs, checkpoint_path=path,
                    start_epoch=start)
        return model

    straight = run(seed, seed, tmp_path / "a.pt", 4)
    run(seed, seed, tmp_path / "b.pt", 2)
    resumed = run(seed + 50, seed + 50, tmp_path / "b.pt", 4, resume=True)
    hint = ("a checkpoint needs everything the next epochs depend on: model and optimizer state_dicts (Adam's "
            "moments), torch.get_rng_state() (dropout) and the train loader's generator state (shuffling), saved at "
            "the very end of the epoch; fit(start_epoch=k) must run epochs k .. epochs-1")
    for (name, p), q in zip(resumed.named_parameters(), straight.parameters()):
        check(torch.equal(p, q), f"parameter {name} after 2 + 2 resumed epochs differs from 4 straight epochs "
              f"(max abs diff {(p - q).abs().max().item():.3g})", hint=hint)
