"""Spec for 01_foundations/svd_low_rank.py: truncated SVD, Eckart-Young errors, energy kept."""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import assert_close, assert_shape, check

LOWRANK_HINT = ("A_k = (U[:, :k] * s[:k]) @ Vt[:k, :] with U, s, Vt = np.linalg.svd(A, full_matrices=False): the "
                "third output is V^T already, so the right singular vectors are its first k ROWS")
FRO_HINT = "the Frobenius error is sqrt(sum of the DISCARDED s_i^2) = sqrt(np.sum(s[k:]**2)): do not forget the sqrt"
SPEC_HINT = ("the spectral error is the largest discarded singular value: s[k] with 0-based indices (s[k-1] is the "
             "last one KEPT), and 0.0 when k = K")
ENERGY_HINT = ("energy is measured with SQUARED singular values: energy_kept = np.cumsum(s**2) / total, where total "
               "is the sum of all s**2")
RANK_HINT = ("rank_for_energy is the smallest k with energy_kept(s)[k - 1] >= fraction: a position j in the energy "
             "array means k = j + 1 components, and a fraction met exactly (>=) is enough")


def _errors(learner, s, k):
    out = learner.eckart_young_errors(np.asarray(s, dtype=float), k)
    check(isinstance(out, (tuple, list)) and len(out) == 2,
          f"eckart_young_errors should return (frobenius, spectral); got {out!r}.")
    return float(out[0]), float(out[1])


def _rank(learner, s, fraction):
    k = learner.rank_for_energy(np.asarray(s, dtype=float), fraction)
    check(isinstance(k, (int, np.integer)), f"rank_for_energy returned {k!r} ({type(k).__name__}); expected an int.",
          "return int(...) of the number of components")
    return int(k)


def _random_matrix(rng, M, N):
    """A random matrix with well-separated singular values (so the best rank-k approximation is unique)."""
    K = min(M, N)
    U, _ = np.linalg.qr(rng.normal(size=(M, K)))
    V, _ = np.linalg.qr(rng.normal(size=(N, K)))
    s = np.sort(rng.uniform(0.5, 10.0, size=K))[::-1] * np.linspace(1.0, 0.3, K)
    return (U * s) @ V.T


def test_worked_example(learner):
    """A = [[3, 1], [1, 3]] (s = [4, 2]): A_1 = [[2, 2], [2, 2]], errors (2, 2), energy [0.8, 1], ranks 1 and 2 for 0.8 and 0.81."""
    A = np.array([[3.0, 1.0], [1.0, 3.0]])
    A1 = learner.low_rank_approximation(A, 1)
    assert_close(A1, [[2.0, 2.0], [2.0, 2.0]], rtol=1e-12, atol=1e-12, name="low_rank_approximation(A, 1)",
                 hint=LOWRANK_HINT)
    fro, spec = _errors(learner, [4.0, 2.0], 1)
    assert_close(fro, 2.0, rtol=1e-12, atol=0.0, name="Frobenius error", hint=FRO_HINT)
    assert_close(spec, 2.0, rtol=1e-12, atol=0.0, name="spectral error", hint=SPEC_HINT)
    assert_close(learner.energy_kept(np.array([4.0, 2.0])), [0.8, 1.0], rtol=1e-12, atol=1e-12,
                 name="energy_kept([4, 2])", hint=ENERGY_HINT)
    check(_rank(learner, [4.0, 2.0], 0.8) == 1 and _rank(learner, [4.0, 2.0], 0.81) == 2,
          f"rank_for_energy([4, 2], 0.8) = {_rank(learner, [4.0, 2.0], 0.8)} and (..., 0.81) = "
          f"{_rank(learner, [4.0, 2.0], 0.81)}; expected 1 and 2.", RANK_HINT)


def test_low_rank_by_hand(learner):
    """diag(3, 2, 1) keeps its largest entries; a 2 x 3 matrix [[0, 2, 0], [1, 0, 0]] gives A_1 = [[0, 2, 0], [0, 0, 0]]; k = 0 gives zeros."""
    D = np.diag([3.0, 2.0, 1.0])
    assert_close(learner.low_rank_approximation(D, 1), np.diag([3.0, 0.0, 0.0]), rtol=0.0, atol=1e-12,
                 name="rank-1 approximation of diag(3, 2, 1)", hint=LOWRANK_HINT)
    assert_close(learner.low_rank_approximation(D, 2), np.diag([3.0, 2.0, 0.0]), rtol=0.0, atol=1e-12,
                 name="rank-2 approximation of diag(3, 2, 1)", hint=LOWRANK_HINT)
    A = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 0.0]])  # wide: U is 2 x 2, Vt is 2 x 3
    got = learner.low_rank_approximation(A, 1)
    assert_shape(got, (2, 3), name="rank-1 approximation of a 2 x 3 matrix", hint="A_k has A's shape (M, N)")
    assert_close(got, [[0.0, 2.0, 0.0], [0.0, 0.0, 0.0]], rtol=0.0, atol=1e-12,
                 name="rank-1 approximation of [[0, 2, 0], [1, 0, 0]]", hint=LOWRANK_HINT)
    assert_close(learner.low_rank_approximation(A, 0), np.zeros((2, 3)), rtol=0.0, atol=0.0,
                 name="rank-0 approximation", hint="k = 0 keeps nothing: the zero matrix")
    for k in (-1, 3):
        try:
            learner.low_rank_approximation(A, k)
        except ValueError:
            continue
        check(False, f"low_rank_approximation(A, {k}) on a 2 x 3 matrix did not raise ValueError.",
              "k must be between 0 and min(M, N); raise ValueError otherwise")


def test_eckart_young_errors_by_hand(learner):
    """s = [5, 4, 3, 0]: k = 0 -> (sqrt(50), 5), k = 1 -> (5, 4), k = 2 -> (3, 3), k = 3 and k = 4 -> (0, 0)."""
    s = [5.0, 4.0, 3.0, 0.0]
    for k, (fro, spec) in {0: (np.sqrt(50.0), 5.0), 1: (5.0, 4.0), 2: (3.0, 3.0), 3: (0.0, 0.0), 4: (0.0, 0.0)}.items():
        got_fro, got_spec = _errors(learner, s, k)
        assert_close(got_fro, fro, rtol=1e-12, atol=1e-12, name=f"Frobenius error for k={k}", hint=FRO_HINT)
        assert_close(got_spec, spec, rtol=1e-12, atol=1e-12, name=f"spectral error for k={k}", hint=SPEC_HINT)


@pytest.mark.points(2)
@pytest.mark.parametrize("shape", [(30, 12), (9, 25)], ids=["tall", "wide"])
def test_errors_match_the_truncation(learner, rng, shape):
    """Random A, every k: ||A - A_k||_F = sqrt(sum of discarded s^2), ||A - A_k||_2 = s[k], rank(A_k) = k; eckart_young_errors agrees."""
    A = _random_matrix(rng, *shape)
    s = np.linalg.svd(A, compute_uv=False)
    for k in range(min(shape) + 1):
        Ak = np.asarray(learner.low_rank_approximation(A, k), dtype=float)
        assert_shape(Ak, shape, name=f"A_{k}", hint="A_k has A's shape (M, N)")
        fro_true, spec_true = np.sqrt(np.sum(s[k:] ** 2)), (s[k] if k < len(s) else 0.0)
        assert_close(np.linalg.norm(A - Ak), fro_true, rtol=1e-9, atol=1e-10, name=f"||A - A_{k}||_F",
                     hint=LOWRANK_HINT)
        assert_close(np.linalg.norm(A - Ak, 2), spec_true, rtol=1e-9, atol=1e-10, name=f"||A - A_{k}||_2",
                     hint=LOWRANK_HINT)
        check(np.linalg.matrix_rank(Ak) == k, f"A_{k} has rank {np.linalg.matrix_rank(Ak)}, expected {k}.",
              LOWRANK_HINT)
        fro, spec = _errors(learner, s, k)
        assert_close(fro, fro_true, rtol=1e-12, atol=1e-12, name=f"eckart_young_errors(s, {k})[0]", hint=FRO_HINT)
        assert_close(spec, spec_true, rtol=1e-12, atol=1e-12, name=f"eckart_young_errors(s, {k})[1]", hint=SPEC_HINT)


@pytest.mark.points(2)
def test_no_rank_k_matrix_does_better(learner, rng):
    """Eckart-Young: 400 random rank-3 matrices (random factors, and small perturbations of A_3's factors) are all at least as far from A as A_3, in both norms."""
    A, k = _random_matrix(rng, 12, 10), 3
    Ak = np.asarray(learner.low_rank_approximation(A, k), dtype=float)
    best_fro, best_spec = np.linalg.norm(A - Ak), np.linalg.norm(A - Ak, 2)
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    worse = 0
    for trial in range(400):
        if trial % 2:
            B = rng.normal(size=(12, k)) @ rng.normal(size=(k, 10)) * rng.uniform(0.1, 3.0)
        else:  # close competitors: A_3's own factors, slightly perturbed (still rank 3)
            eps = 10.0 ** rng.uniform(-6, -1)
            B = (U[:, :k] + eps * rng.normal(size=(12, k))) * s[:k] @ (Vt[:k] + eps * rng.normal(size=(k, 10)))
        if np.linalg.norm(A - B) < best_fro * (1 - 1e-12) or np.linalg.norm(A - B, 2) < best_spec * (1 - 1e-12):
            worse += 1
    check(worse == 0, f"{worse} of 400 random rank-3 matrices are closer to A than your A_3 "
          f"(||A - A_3||_F = {best_fro:.6g}, ||A - A_3||_2 = {best_spec:.6g}): it is not the best rank-3 approximation.",
          LOWRANK_HINT + "; keep the k LARGEST singular values (the first k: svd sorts them in decreasing order)")


def test_matches_projection_onto_top_right_singular_vectors(learner, rng):
    """A_k equals A V_k V_k^T, with V_k the top-k eigenvectors of A^T A (an independent route); k = K gives A back."""
    A = _random_matrix(rng, 50, 8)
    w, V = np.linalg.eigh(A.T @ A)  # eigenvalues ascending: the last columns belong to the largest s^2
    for k in (1, 3, 5):
        Vk = V[:, ::-1][:, :k]
        assert_close(learner.low_rank_approximation(A, k), A @ Vk @ Vk.T, rtol=1e-8, atol=1e-9,
                     name=f"A_{k} (vs A V_k V_k^T)", hint=LOWRANK_HINT)
    assert_close(learner.low_rank_approximation(A, 8), A, rtol=1e-10, atol=1e-10, name="A_K with K = min(M, N)",
                 hint="keeping every singular value reconstructs A exactly")


@pytest.mark.points(2)
def test_energy_kept(learner, rng):
    """s = [3, 2, 1] -> [9/14, 13/14, 1]; trailing zeros keep it at 1; for centred data it equals PCA's cumulative explained variance."""
    assert_close(learner.energy_kept(np.array([3.0, 2.0, 1.0])), [9 / 14, 13 / 14, 1.0], rtol=1e-12, atol=1e-12,
                 name="energy_kept([3, 2, 1])", hint=ENERGY_HINT)
    assert_close(learner.energy_kept(np.array([2.0, 1.0, 0.0, 0.0])), [0.8, 1.0, 1.0, 1.0], rtol=1e-12, atol=1e-12,
                 name="energy_kept([2, 1, 0, 0])", hint=ENERGY_HINT)
    # PCA: the singular values of centred data X give the variances s^2 / (n - 1) along the principal axes.
    X = rng.normal(size=(300, 6)) * np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.2]) @ np.linalg.qr(rng.normal(size=(6, 6)))[0]
    Xc = X - X.mean(axis=0)
    variances = np.linalg.eigvalsh(np.cov(Xc, rowvar=False))[::-1]
    s = np.linalg.svd(Xc, compute_uv=False)
    got = np.asarray(learner.energy_kept(s), dtype=float)
    assert_shape(got, (6,), name="energy_kept(s)", hint="one cumulative fraction per singular value")
    assert_close(got, np.cumsum(variances) / variances.sum(), rtol=1e-9, atol=1e-12,
                 name="energy_kept(s) vs cumulative explained variance", hint=ENERGY_HINT)
    check(np.all(np.diff(got) >= 0), "energy_kept is not non-decreasing.", ENERGY_HINT)


@pytest.mark.points(2)
def test_rank_for_energy(learner, rng):
    """s = [3, 2, 1]: fractions 0.5, 9/14, 0.9, 13/14 (met exactly), 0.95, 1 give 1, 1, 2, 2, 3, 3; fraction 1 gives K despite rounding; bad fractions raise."""
    s = [3.0, 2.0, 1.0]
    for fraction, expected in [(1e-9, 1), (0.5, 1), (9 / 14, 1), (0.9, 2), (13 / 14, 2), (0.95, 3), (1.0, 3)]:
        got = _rank(learner, s, fraction)
        check(got == expected, f"rank_for_energy([3, 2, 1], {fraction:.6g}) = {got}, expected {expected} "
              "(energy kept: 9/14 = 0.643, 13/14 = 0.929, 1).", RANK_HINT)
    # Summing in a different order than the cumulative sum leaves the last energy at 0.9999999999999999 here.
    s = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    got = _rank(learner, s, 1.0)
    check(got == 10, f"rank_for_energy(s, 1.0) = {got} for 10 singular values; keeping everything needs k = 10.",
          "with total = np.sum(s**2), rounding can leave cumsum[-1] / total just below 1, so no k reaches "
          "fraction = 1; divide by the last cumulative sum instead, or clamp k to len(s)")
    for _ in range(20):
        s = np.sort(rng.exponential(size=int(rng.integers(1, 30))))[::-1]
        fraction = float(rng.uniform(0.01, 1.0))
        k = _rank(learner, s, fraction)
        energy = np.cumsum(s**2) / np.sum(s**2)
        check(1 <= k <= len(s) and energy[k - 1] >= fraction - 1e-12 and (k == 1 or energy[k - 2] < fraction),
              f"rank_for_energy gave k = {k} for fraction {fraction:.4f}, but the energy kept by k = 1.. is "
              f"{np.round(energy, 4).tolist()}.", RANK_HINT)
    for fraction in (0.0, -0.1, 1.5):
        try:
            learner.rank_for_energy(np.array([3.0, 2.0, 1.0]), fraction)
        except ValueError:
            continue
        check(False, f"rank_for_energy(s, {fraction}) did not raise ValueError.",
              "fraction must lie in (0, 1]; raise ValueError otherwise")
