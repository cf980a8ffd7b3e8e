"""Spec for 01_foundations/svm.py: hinge objective, RBF kernel, Pegasos vs scikit-learn's LinearSVC."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.metrics import hinge_loss
from sklearn.metrics.pairwise import rbf_kernel as sk_rbf_kernel
from sklearn.svm import LinearSVC

from grader.testing import assert_close, assert_shape, check

CONVENTION = ("the bias is the weight on a constant feature 1 (x~ = [x, 1], w~ = [w, b]), so it is regularised: "
              "J = (lam/2)(||w||^2 + b^2) + mean_i max(0, 1 - y_i (x_i . w + b))")
PEGASOS_HINT = ("for t = 1..T: i = i_t, eta = 1/(lam t); test y_i (w~ . x~_i) < 1 with w~ BEFORE the update; "
                "w~ <- (1 - eta lam) w~ on every step, plus eta y_i x~_i when the margin is violated; then (if "
                "project) scale w~ = [w, b] down to norm 1/sqrt(lam) when it is longer. Indices come from "
                "rng = np.random.default_rng(seed); rng.integers(0, N, size=n_iter)")


# --------------------------------------------------------------------- helpers


def _J(X, y, w, b, lam):
    """The objective, written independently of the learner."""
    return 0.5 * lam * (w @ w + b * b) + np.mean(np.maximum(0.0, 1.0 - y * (X @ w + b)))


def _pegasos(X, y, lam, n_iter, seed, project, mistake=None):
    """The reference Pegasos, and (with `mistake`) the usual wrong versions, to name the learner's error."""
    N, D = X.shape
    Xa = np.hstack([X, np.ones((N, 1))])
    if mistake == "no_bias":
        Xa = np.hstack([X, np.zeros((N, 1))])
    w = np.zeros(D + 1)
    idx = np.random.default_rng(seed).integers(0, N, size=n_iter)
    for t, i in enumerate(idx, start=1):
        eta = 1.0 / t if mistake == "eta_1_over_t" else 1.0 / (lam * t)
        shrink = 1.0 - eta * lam
        if mistake == "shrink_first":
            w = shrink * w
            violated = y[i] * (Xa[i] @ w) < 1.0
        else:
            violated = y[i] * (Xa[i] @ w) < 1.0
            if not (mistake == "shrink_only_on_violation" and not violated):
                w = shrink * w
        if violated:
            w = w + eta * y[i] * Xa[i]
        if project:
            radius = 1.0 / lam if mistake == "radius_1_over_lam" else 1.0 / np.sqrt(lam)
            norm = np.linalg.norm(w)
            if norm > radius:
                w = w * (radius / norm)
    return w[:-1], w[-1]


MISTAKES = {
    "no_bias": "the bias is never learned: append a constant feature 1 to every x and learn its weight b like the others",
    "eta_1_over_t": "the step size is 1/t: Pegasos uses eta = 1/(lam t)",
    "shrink_only_on_violation": "the shrink (1 - eta lam) w~ is applied only when the margin is violated: it is the "
                                "penalty's gradient and applies on every step",
    "shrink_first": "the margin is tested after shrinking w~: test y_i (w~ . x~_i) < 1 with w~ from before the update",
    "radius_1_over_lam": "the projection radius is 1/lam: it is 1/sqrt(lam)",
}


def _run(learner, X, y, lam, n_iter, **kwargs):
    out = learner.pegasos(X, y, lam, n_iter, **kwargs)
    check(isinstance(out, (tuple, list)) and len(out) == 2, f"pegasos should return (w, b); got {out!r:.200}.",
          "return w_aug[:-1], float(w_aug[-1])")
    w, b = out
    w = np.asarray(w, dtype=float)
    check(np.size(b) == 1, f"b should be a single number; got {np.shape(b)}.", "the bias is the last entry of w~")
    return w, float(np.ravel(b)[0])


def _data(rng, n=200, d=5, noise=0.5, bias=0.7):
    X = rng.normal(size=(n, d))
    w_true = rng.normal(size=d)
    y = np.where(X @ w_true + bias + noise * rng.normal(size=n) > 0, 1.0, -1.0)
    y[:2] = [-1.0, 1.0]
    return X, y


# --------------------------------------------------------------------- hinge objective


def test_hinge_objective_by_hand(learner):
    """The docstring's example gives 0.65: hinge losses [0, 0.5, 1] (mean 0.5) plus 0.1 (||w||^2 + b^2) = 0.15."""
    X = np.array([[1.0, 0.0], [0.0, 2.0], [-1.0, -1.0]])
    y = np.array([1.0, -1.0, -1.0])
    w, b, lam = np.array([1.0, -0.5]), 0.5, 0.2
    got = learner.hinge_objective(X, y, w, b, lam)
    hinge = np.array([0.0, 0.5, 1.0])
    hint = CONVENTION
    for value, why in ((0.5 + 0.1 * 1.25, "the bias is not penalised: here b is regularised, b^2 is in the penalty"),
                       (hinge.sum() + 0.15, "the hinge losses are summed: J uses their mean"),
                       (0.5 + 0.2 * 1.5, "the penalty is lam ||w~||^2: it is (lam/2) ||w~||^2"),
                       (np.mean(np.maximum(0, -y * (X @ w + b))) + 0.15,
                        "the margin is missing: the hinge is max(0, 1 - y z), not max(0, -y z)")):
        if np.isclose(float(got), value, rtol=1e-9):
            hint = why + ". " + CONVENTION
    assert_close(got, 0.65, rtol=1e-12, atol=1e-12, name="hinge_objective(worked example)", hint=hint)
    # Every point beyond the margin: only the penalty is left.
    got = learner.hinge_objective(X, y, 10 * w, 0.0, lam)
    assert_close(got, 0.1 * 125.0, rtol=1e-12, name="hinge_objective with every margin >= 1",
                 hint="points with y z >= 1 have zero hinge loss: max(0, 1 - y z) clips at 0")


def test_hinge_objective_matches_sklearn(learner, rng):
    """On random data, J equals sklearn's hinge_loss (the mean hinge) plus (lam/2)(||w||^2 + b^2), for lam = 0 too."""
    X, y = _data(rng, n=60, d=4)
    w, b = rng.normal(size=4), float(rng.normal())
    for lam in (0.0, 0.3):
        expected = hinge_loss(y, X @ w + b) + 0.5 * lam * (w @ w + b * b)
        assert_close(learner.hinge_objective(X, y, w, b, lam), expected, rtol=1e-10, atol=1e-12,
                     name=f"hinge_objective(lam={lam})", hint=CONVENTION)


# --------------------------------------------------------------------- RBF kernel


def test_rbf_kernel_by_hand(learner):
    """rbf_kernel([[0,0],[1,1]], [[0,0],[2,0]], gamma=0.5) = [[1, e^-2], [e^-1, e^-1]], shape (N, M) = (2, 2)."""
    A = np.array([[0.0, 0.0], [1.0, 1.0]])
    B = np.array([[0.0, 0.0], [2.0, 0.0]])
    K = learner.rbf_kernel(A, B, 0.5)
    expected = np.exp([[0.0, -2.0], [-1.0, -1.0]])
    assert_shape(K, (2, 2), name="rbf_kernel(A, B)")
    assert_close(K, expected, rtol=1e-12, atol=1e-15, name="rbf_kernel(worked example)",
                 hint="K[n, m] = exp(-gamma ||a_n - b_m||^2), with the SQUARED distance and a minus sign")
    K = learner.rbf_kernel(A, B[:1], 0.5)
    assert_shape(K, (2, 1), name="rbf_kernel(A (2, 2), B (1, 2))",
                 hint="rows index A, columns index B: shape (N, M)")


def test_rbf_kernel_matches_sklearn(learner, rng):
    """On random point sets of different sizes and several gammas, rbf_kernel equals sklearn's rbf_kernel."""
    for n, m, d, gamma in ((7, 11, 3, 0.1), (20, 5, 8, 1.0), (1, 1, 2, 2.5)):
        A, B = rng.normal(size=(n, d)), rng.normal(size=(m, d))
        K = learner.rbf_kernel(A, B, gamma)
        assert_shape(K, (n, m), name=f"rbf_kernel(A ({n}, {d}), B ({m}, {d}))",
                     hint="rows index A, columns index B: shape (N, M)")
        assert_close(K, sk_rbf_kernel(A, B, gamma=gamma), rtol=1e-9, atol=1e-12, name=f"rbf_kernel(gamma={gamma})",
                     hint="||a - b||^2 = ||a||^2 + ||b||^2 - 2 a . b: sq_a[:, None] + sq_b[None, :] - 2 A @ B.T; "
                          "then exp(-gamma * that)")


@pytest.mark.points(2)
def test_rbf_kernel_far_from_origin(learner):
    """Near-identical points around 1e4 (where ||a||^2 + ||b||^2 - 2 a.b rounds to small negatives): every value
    stays in [0, 1], the diagonal is 1, and K matches the exact kernel to 1e-5."""
    data = np.random.default_rng(1234)
    A = 1e4 + 1e-3 * data.normal(size=(40, 5))
    B = np.vstack([A, 1e4 + 1e-3 * data.normal(size=(10, 5))])
    sq_naive = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2 * A @ B.T
    assert np.any(sq_naive < 0), "spec self-check: the data should provoke negative rounded distances"
    gamma = 10.0
    with np.errstate(over="ignore", invalid="ignore"):
        K = np.asarray(learner.rbf_kernel(A, B, gamma), dtype=float)
    assert_shape(K, (40, 50), name="rbf_kernel(A, B)")
    clip_hint = ("||a||^2 + ||b||^2 - 2 a.b loses its last digits for near-identical points far from the origin and "
                 "can come out below 0; clip it with np.maximum(sq_dist, 0) before exp(-gamma * sq_dist)")
    check(np.all(np.isfinite(K)), "rbf_kernel returned non-finite values for points around 1e4.", hint=clip_hint)
    check(K.max() <= 1.0 and K.min() >= 0.0,
          f"rbf_kernel returned values outside [0, 1]: max {K.max()!r}, min {K.min()!r}. exp(-gamma d^2) > 1 would "
          "mean a negative squared distance.", hint=clip_hint)
    exact = np.exp(-gamma * cdist(A, B, "sqeuclidean"))
    assert_close(K, exact, atol=1e-5, rtol=0, name="rbf_kernel(points around 1e4)", hint=clip_hint)
    assert_close(np.diag(K[:, :40]), np.ones(40), atol=1e-5, rtol=0, name="diagonal of rbf_kernel(A, A)",
                 hint="k(x, x) = exp(0) = 1; " + clip_hint)


# --------------------------------------------------------------------- Pegasos


def test_pegasos_first_step_by_hand(learner):
    """One step from w~ = 0 on x = [2, 0], y = 1, lam = 0.5: eta = 2, w~ = 2 * [2, 0, 1] = [4, 0, 2]; projected onto
    the ball of radius 1/sqrt(0.5) that is [4, 0, 2] * sqrt(2) / sqrt(20)."""
    X, y = np.array([[2.0, 0.0]]), np.array([1.0])
    w, b = _run(learner, X, y, 0.5, 1, project=False)
    assert_shape(w, (2,), name="w", hint="w has one weight per feature; the bias is returned separately")
    hint = ("at t = 1, eta = 1/(lam * 1) = 2 and the margin y (w~ . x~) = 0 < 1, so w~ = (1 - eta lam) * 0 + "
            "eta y x~ with x~ = [x, 1]; a bias of 0 means the constant feature is missing")
    assert_close(np.append(w, b), [4.0, 0.0, 2.0], rtol=1e-12, atol=1e-12, name="[w, b] after one step (project=False)",
                 hint=hint)
    w, b = _run(learner, X, y, 0.5, 1, project=True)
    expected = np.array([4.0, 0.0, 2.0]) * np.sqrt(2.0) / np.sqrt(20.0)
    assert_close(np.append(w, b), expected, rtol=1e-12, atol=1e-12, name="[w, b] after one step (project=True)",
                 hint="project the whole w~ = [w, b] onto the ball of radius 1/sqrt(lam): multiply it by "
                      "(1/sqrt(lam)) / ||w~|| when ||w~|| is larger")


@pytest.mark.points(2)
@pytest.mark.parametrize("project", [False, True])
def test_pegasos_follows_the_algorithm(learner, rng, project):
    """300 Pegasos steps (lam = 0.05) land exactly where the reference algorithm does, step for step."""
    X, y = _data(rng, n=40, d=3)
    lam, n_iter, seed = 0.05, 300, 7
    w, b = _run(learner, X, y, lam, n_iter, seed=seed, project=project)
    assert_shape(w, (3,), name="w")
    ref_w, ref_b = _pegasos(X, y, lam, n_iter, seed, project)
    got = np.append(w, b)
    hint = PEGASOS_HINT
    for mistake, why in MISTAKES.items():
        mw, mb = _pegasos(X, y, lam, n_iter, seed, project, mistake=mistake)
        if np.allclose(got, np.append(mw, mb), rtol=1e-9, atol=1e-12):
            hint = why + ". " + PEGASOS_HINT
            break
    assert_close(got, np.append(ref_w, ref_b), rtol=1e-9, atol=1e-12, name=f"[w, b] after {n_iter} steps "
                 f"(project={project})", hint=hint)


@pytest.mark.points(3)
@pytest.mark.parametrize("lam", [0.1, 0.01])
def test_pegasos_reaches_the_optimum(learner, rng, lam):
    """After 20000 steps Pegasos' objective J is within 1% (lam = 0.1) or 5% (lam = 0.01) of the optimum found by
    sklearn's LinearSVC(C = 1/(N lam), loss='hinge'), which regularises its intercept the same way."""
    X, y = _data(rng)
    n = len(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LinearSVC(C=1.0 / (n * lam), loss="hinge", tol=1e-10, max_iter=200_000).fit(X, y)
    best = _J(X, y, ref.coef_[0], ref.intercept_[0], lam)
    with np.errstate(all="ignore"):
        w, b = _run(learner, X, y, lam, 20_000, seed=3)
    check(np.all(np.isfinite(w)) and np.isfinite(b), f"pegasos returned non-finite parameters w={w}, b={b}.",
          hint="the step is eta = 1/(lam t) and w~ shrinks by (1 - eta lam) = (1 - 1/t) every step")
    got = _J(X, y, w, b, lam)
    tol = 0.01 if lam == 0.1 else 0.05
    check(got <= best * (1 + tol),
          f"Pegasos reached J = {got:.5f} but the optimum is {best:.5f} (LinearSVC): {100 * (got / best - 1):.1f}% above "
          f"it, allowed {100 * tol:.0f}%.",
          hint="J is minimised only if every piece is right: " + PEGASOS_HINT)
    acc, ref_acc = np.mean(learner.predict(X, w, b) == y), ref.score(X, y)
    check(acc >= ref_acc - 0.03, f"training accuracy {acc:.3f}, LinearSVC's is {ref_acc:.3f}.", hint=PEGASOS_HINT)


def test_pegasos_separable_data(learner, rng):
    """On linearly separable data with an offset boundary, Pegasos classifies every training point right and its
    objective falls as the number of steps grows (200 -> 2000 -> 20000)."""
    X = rng.uniform(-3, 3, size=(150, 2))
    score = X @ np.array([1.0, -2.0]) + 1.5
    X, score = X[np.abs(score) > 0.5], score[np.abs(score) > 0.5]  # a clear gap around the boundary
    y = np.where(score > 0, 1.0, -1.0)
    lam = 0.001
    objectives = []
    for n_iter in (200, 2000, 20_000):
        w, b = _run(learner, X, y, lam, n_iter, seed=0)
        objectives.append(_J(X, y, w, b, lam))
    acc = np.mean(learner.predict(X, w, b) == y)
    check(acc == 1.0, f"training accuracy {acc:.3f} on separable data after 20000 steps; expected 1.0.",
          hint="the bias matters here (the boundary does not pass through 0): " + PEGASOS_HINT)
    check(objectives[0] > objectives[1] > objectives[2],
          f"J after 200, 2000 and 20000 steps: {np.round(objectives, 4).tolist()}; it should decrease.",
          hint=PEGASOS_HINT)


def test_pegasos_seeded(learner, rng):
    """The same seed gives the same (w, b) even if np.random was used in between; different seeds differ; the global
    np.random state is left alone."""
    X, y = _data(rng, n=50, d=3)
    first = np.append(*_run(learner, X, y, 0.1, 500, seed=11))
    np.random.seed(99)
    np.random.random(5)
    before = np.random.get_state()
    second = np.append(*_run(learner, X, y, 0.1, 500, seed=11))
    after = np.random.get_state()
    assert_close(second, first, rtol=0, atol=0, name="[w, b] from a second run with seed=11",
                 hint="draw the indices from rng = np.random.default_rng(seed), not np.random.*")
    check(before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:],
          "pegasos changed the global np.random state.", "use rng = np.random.default_rng(seed) and rng.integers")
    other = np.append(*_run(learner, X, y, 0.1, 500, seed=12))
    check(not np.allclose(other, first), "seeds 11 and 12 gave the same (w, b).",
          "pass seed to np.random.default_rng(seed) and sample the indices with it")
