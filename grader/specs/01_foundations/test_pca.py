"""Spec for 01_foundations/pca.py: PCA by SVD (components up to sign, explained variance, transforms) vs scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.decomposition import PCA

from grader.testing import assert_close, assert_shape, check

CENTRE_HINT = "centre first: Xc = X - X.mean(axis=0), then U, S, Vt = np.linalg.svd(Xc, full_matrices=False)"
COMPONENT_HINT = ("the components are the ROWS of Vt (the right singular vectors), in the SVD's order of decreasing "
                  "singular value; not the columns of Vt, not U")
VARIANCE_HINT = "explained_variance = S**2 / (N - 1): the unbiased N - 1, like np.var(ddof=1) and sklearn"
RATIO_HINT = ("explained_variance_ratio divides by the sum of ALL min(N, D) variances (the total variance), "
              "computed before keeping only the first k")


# --------------------------------------------------------------------- helpers


def _fit(learner, X, n_components=None):
    out = learner.fit(X, n_components)
    check(isinstance(out, (tuple, list)) and len(out) == 4,
          "fit should return (mean, components, explained_variance, explained_variance_ratio); "
          f"got {type(out).__name__}" + (f" of length {len(out)}" if hasattr(out, "__len__") else "") + ".")
    return [np.asarray(a, dtype=float) for a in out]


def _align(components, reference):
    """Flip each learner component to the sign of the reference one (PCA's signs are arbitrary)."""
    signs = np.sign(np.sum(components * reference, axis=1))
    signs[signs == 0] = 1.0
    return components * signs[:, None], signs


def _check_against_sklearn(learner, X, n_components, where, rtol=1e-7, atol=1e-9):
    ref = PCA(n_components=n_components, svd_solver="full").fit(X)
    mean, comps, var, ratio = _fit(learner, X, n_components)
    k = ref.n_components_
    assert_shape(mean, (X.shape[1],), name=f"mean{where}", hint="the mean of the rows: X.mean(axis=0), shape (D,)")
    assert_close(mean, ref.mean_, rtol=1e-10, atol=1e-10, name=f"mean{where}", hint="X.mean(axis=0)")
    assert_shape(comps, (k, X.shape[1]), name=f"components{where}",
                 hint=f"one component per ROW: shape (n_components, D) = ({k}, {X.shape[1]})")
    assert_close(var, ref.explained_variance_, rtol=rtol, atol=atol, name=f"explained_variance{where}",
                 hint=VARIANCE_HINT + "; " + CENTRE_HINT)
    assert_close(ratio, ref.explained_variance_ratio_, rtol=rtol, atol=atol, name=f"explained_variance_ratio{where}",
                 hint=RATIO_HINT)
    aligned, _ = _align(comps, ref.components_)
    assert_close(aligned, ref.components_, rtol=1e-6, atol=1e-7, name=f"components{where} (compared up to sign)",
                 hint=COMPONENT_HINT + "; " + CENTRE_HINT)
    return ref, (mean, comps, var, ratio)


# --------------------------------------------------------------------- tests


def test_fit_by_hand(learner):
    """The corners of a 2 x 1 rectangle: mean (1, 0.5), components the x and y axes (up to sign), explained
    variance [4/3, 1/3] (N - 1 = 3 in the denominator) and ratio [0.8, 0.2]."""
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    mean, comps, var, ratio = _fit(learner, X)
    assert_close(mean, [1.0, 0.5], rtol=1e-12, atol=1e-12, name="mean", hint="X.mean(axis=0)")
    hint = VARIANCE_HINT + "; " + CENTRE_HINT
    if np.allclose(var, [1.0, 0.25]):
        hint = "the variances are divided by N; " + VARIANCE_HINT
    elif np.allclose(var, [np.sqrt(4 / 3), np.sqrt(1 / 3)]) or np.allclose(var, [2.0, 1.0]):
        hint = "the singular values must be squared; " + VARIANCE_HINT
    assert_close(var, [4 / 3, 1 / 3], rtol=1e-12, atol=1e-12, name="explained_variance", hint=hint)
    assert_close(ratio, [0.8, 0.2], rtol=1e-12, atol=1e-12, name="explained_variance_ratio", hint=RATIO_HINT)
    assert_shape(comps, (2, 2), name="components")
    assert_close(np.abs(comps), np.eye(2), rtol=1e-12, atol=1e-12, name="|components|",
                 hint=COMPONENT_HINT + "; the widest direction (x) comes first")


def test_matches_sklearn_random(learner, rng):
    """On correlated random data with a non-zero mean, mean, components (up to sign), explained variance and
    ratio match sklearn's PCA, keeping all components or only the first few."""
    for n, d, k in ((100, 5, None), (100, 5, 2), (40, 8, 3), (30, 3, 1)):
        A = rng.normal(size=(d, d)) * rng.uniform(0.2, 3.0, size=d)  # (D, D): distinct variances, correlated axes
        X = rng.normal(size=(n, d)) @ A + rng.uniform(-5, 5, size=d)
        _check_against_sklearn(learner, X, k, where=f" (N={n}, D={d}, n_components={k})")


def test_matches_sklearn_on_wine(learner):
    """On the wine dataset (13 features on very different scales, mean far from 0), fit matches sklearn's PCA with
    n_components = 5 and keeps the ratios' denominator as the TOTAL variance."""
    X = load_wine().data
    ref, (_, _, _, ratio) = _check_against_sklearn(learner, X, 5, where=" (wine, n_components=5)")
    check(ratio.sum() < 1.0, f"the 5 kept ratios sum to {ratio.sum():.6f}; with 8 components left out they must sum to "
                             "less than 1.", hint=RATIO_HINT)


def test_variances_add_up_to_total_variance(learner, rng):
    """With all components kept, explained_variance sums to the total variance sum_d var(X[:, d], ddof=1), ratios sum
    to 1, variances come in decreasing order, and the components are orthonormal rows."""
    X = rng.normal(size=(60, 6)) @ rng.normal(size=(6, 6)) + 3.0
    _, comps, var, ratio = _fit(learner, X)
    assert_close(var.sum(), X.var(axis=0, ddof=1).sum(), rtol=1e-10, name="sum(explained_variance)",
                 hint=VARIANCE_HINT + "; " + CENTRE_HINT)
    assert_close(ratio.sum(), 1.0, rtol=1e-10, name="sum(explained_variance_ratio)", hint=RATIO_HINT)
    check(np.all(np.diff(var) <= 1e-12), f"explained_variance is not in decreasing order: {np.round(var, 4).tolist()}.",
          hint="np.linalg.svd returns singular values in decreasing order; keep that order for the components too")
    assert_close(comps @ comps.T, np.eye(6), rtol=0, atol=1e-10, name="components @ components.T",
                 hint="the components are orthonormal ROWS: take Vt[:k], not Vt.T[:k] or U")


@pytest.mark.points(2)
def test_transform_and_reconstruction(learner, rng):
    """transform equals sklearn's (up to each column's sign); with all components inverse_transform(transform(X))
    gives X back; with k of them the squared error is (N - 1) times the variance left out; new points use the
    TRAINING mean."""
    X = rng.normal(size=(80, 5)) @ rng.normal(size=(5, 5)) + rng.uniform(-10, 10, size=5)
    ref = PCA(n_components=3, svd_solver="full").fit(X)
    mean, comps, var, _ = _fit(learner, X, 3)
    _, signs = _align(comps, ref.components_)
    X_new = rng.normal(size=(7, 5)) * 4.0  # fresh points: far from the training mean on purpose
    for data, what in ((X, "the training data"), (X_new, "new points")):
        Z = np.asarray(learner.transform(data, mean, comps), dtype=float)
        assert_shape(Z, (len(data), 3), name=f"transform({what})", hint="Z = (X - mean) @ components.T: (N, k)")
        assert_close(Z * signs, ref.transform(data), rtol=1e-7, atol=1e-8, name=f"transform({what}), up to sign",
                     hint="subtract the mean passed in (the training mean, not the mean of the points being "
                          "transformed), then project: (X - mean) @ components.T")
        back = np.asarray(learner.inverse_transform(Z, mean, comps), dtype=float)
        assert_close(back, ref.inverse_transform(ref.transform(data)), rtol=1e-7, atol=1e-8,
                     name=f"inverse_transform(transform({what}))",
                     hint="X_hat = Z @ components + mean: map back with the components, then add the mean back")
    # All components: a perfect round trip.
    mean_all, comps_all, var_all, _ = _fit(learner, X)
    back = learner.inverse_transform(learner.transform(X, mean_all, comps_all), mean_all, comps_all)
    assert_close(back, X, rtol=0, atol=1e-9, name="inverse_transform(transform(X)) with all components",
                 hint="with every component the projection loses nothing; a missing '+ mean' shows up here")
    # k components: the error is exactly the variance left out.
    back = np.asarray(learner.inverse_transform(learner.transform(X, mean, comps), mean, comps), dtype=float)
    err = np.sum((X - back) ** 2)
    assert_close(err, (len(X) - 1) * var_all[3:].sum(), rtol=1e-8, name="sum of squared reconstruction errors (k=3)",
                 hint="the reconstruction error equals (N - 1) times the variance of the components left out")


def test_large_offset_and_scale(learner, rng):
    """Data at 1e8 with a spread of about 1 in one direction and 0.01 in the other: the SVD of the centred data still
    recovers both variances to 1e-6 (forming uncentred second moments would lose them)."""
    t = rng.normal(size=(200, 2)) * np.array([1.0, 0.01])
    R = np.array([[np.cos(0.3), -np.sin(0.3)], [np.sin(0.3), np.cos(0.3)]])
    X = 1e8 + t @ R.T
    _, comps, var, ratio = _fit(learner, X)
    Xc = X - X.mean(axis=0)
    _, S, Vt = np.linalg.svd(Xc, full_matrices=False)
    expected = S**2 / (len(X) - 1)
    assert_close(var, expected, rtol=1e-6, atol=0, name="explained_variance (data around 1e8)",
                 hint="subtract the mean BEFORE any product: X^T X - N mu mu^T cancels catastrophically at 1e8. "
                      + CENTRE_HINT)
    aligned, _ = _align(comps, Vt)
    assert_close(aligned, Vt, rtol=0, atol=1e-6, name="components (data around 1e8, up to sign)",
                 hint=COMPONENT_HINT)


def test_more_features_than_samples_and_bad_n_components(learner, rng):
    """N = 5 < D = 12: fit returns min(N, D) = 5 components whose variances match sklearn's (the last is 0 since
    centring removes one dimension); n_components = 0 or > min(N, D) raises ValueError."""
    X = rng.normal(size=(5, 12)) + 2.0
    ref = PCA(svd_solver="full").fit(X)
    _, comps, var, ratio = _fit(learner, X)
    assert_shape(comps, (5, 12), name="components (N=5, D=12)",
                 hint="the thin SVD (full_matrices=False) gives r = min(N, D) components")
    assert_close(var, ref.explained_variance_, rtol=1e-8, atol=1e-10, name="explained_variance (N=5, D=12)",
                 hint=VARIANCE_HINT)
    aligned, _ = _align(comps[:4], ref.components_[:4])
    assert_close(aligned, ref.components_[:4], rtol=1e-6, atol=1e-7, name="first 4 components (up to sign)",
                 hint=COMPONENT_HINT)
    for bad in (0, 6, 13):
        try:
            learner.fit(X, bad)
        except ValueError:
            continue
        check(False, f"fit(X (5, 12), n_components={bad}) did not raise ValueError.",
              hint="check 1 <= n_components <= min(N, D) and raise ValueError otherwise")
