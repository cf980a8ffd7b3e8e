"""Spec for 01_foundations/distributions.py: inverse-CDF and Box-Muller sampling, closed-form MLEs.

The distribution tests draw 20 000 samples and require a Kolmogorov-Smirnov (or chi-square) p-value above 1e-4:
a correct sampler fails such a test with probability 1e-4 per seed, while every mistake below gives p-values
far under 1e-30 at this sample size.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from grader.testing import assert_close, assert_equal, assert_shape, check

N = 20_000
P_MIN = 1e-4
TOP = np.nextafter(1.0, 0.0)  # 0.9999999999999999, the largest value rng.random can return


class _Uniforms:
    """A stand-in for np.random.Generator whose random(size) returns chosen uniforms (cycled to fill the shape)."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=float)

    def random(self, size=None, dtype=np.float64, out=None):
        n = 1 if size is None else int(np.prod(size))
        vals = np.resize(self.values, n)
        return float(vals[0]) if size is None else vals.reshape(size)

    def __getattr__(self, name):
        raise AssertionError(
            f"the sampler called rng.{name}(...). Draw uniforms with rng.random(shape) only and transform them "
            "yourself: rng.exponential, rng.normal, rng.choice and friends do the exercise for you.")


def _finite(x, what, hint):
    x = np.asarray(x, dtype=float)
    bad = ~np.isfinite(x)
    check(not bad.any(), f"{what} contains {int(bad.sum())} non-finite values (first: {x[bad][:3]}).", hint=hint)


def _ks(samples, dist, what, hint):
    res = stats.kstest(samples, dist.cdf)
    check(res.pvalue > P_MIN,
          f"{what}: the Kolmogorov-Smirnov test rejects the target distribution (statistic {res.statistic:.4f}, "
          f"p-value {res.pvalue:.3g} <= {P_MIN:g}). Sample mean {np.mean(samples):.4f} (expected {dist.mean():.4f}), "
          f"sample std {np.std(samples):.4f} (expected {dist.std():.4f}).", hint=hint)


# --------------------------------------------------------------------- exponential


def test_exponential_inverse_cdf_exact(learner):
    """With chosen uniforms u = [0, 0.5, 0.75, 0.9999999999999999] and rate 2, the samples are exactly
    -log(1 - u) / 2; u = 0 (which rng.random can return) gives 0, not inf."""
    u = np.array([0.0, 0.5, 0.75, TOP])
    got = learner.sample_exponential(2.0, 4, _Uniforms(u))
    assert_shape(got, (4,), name="sample_exponential(2.0, 4, rng)", hint="draw u = rng.random(size): one sample per uniform")
    _finite(got, "sample_exponential on u = [0, 0.5, 0.75, 1 - 2^-53]",
            hint="-log(u) is inf at u = 0, and rng.random can return 0; use -log(1 - u) (np.log1p(-u)), which is "
                 "equally exponential but finite on [0, 1)")
    assert_close(got, [0.0, np.log(2.0) / 2, np.log(4.0) / 2, 53 * np.log(2.0) / 2], rtol=1e-12, atol=1e-15,
                 name="sample_exponential on u = [0, 0.5, 0.75, 1 - 2^-53]",
                 hint="F(x) = 1 - e^(-rate x) inverts to x = -log(1 - u) / rate: divide by the rate, do not multiply")


@pytest.mark.points(2)
def test_exponential_distribution(learner, rng):
    """20 000 draws of Exponential(rate = 2.5) pass a KS test against scipy.stats.expon(scale = 1/2.5) (p > 1e-4),
    are all >= 0, and the same seed gives the same samples."""
    seed = int(rng.integers(2**31))
    x = learner.sample_exponential(2.5, N, np.random.default_rng(seed))
    assert_shape(x, (N,), name="sample_exponential(2.5, 20000, rng)")
    _finite(x, "sample_exponential", hint="use -log(1 - u), finite for u in [0, 1)")
    check(np.all(np.asarray(x) >= 0), "sample_exponential returned negative values.",
          hint="-log(1 - u) >= 0 for u in [0, 1): check the sign")
    _ks(x, stats.expon(scale=1 / 2.5), "sample_exponential(rate=2.5)",
        hint="x = -log(1 - u) / rate has mean 1 / rate; multiplying by the rate gives mean rate (the scale, not the rate)")
    again = learner.sample_exponential(2.5, N, np.random.default_rng(seed))
    assert_equal(np.asarray(again), np.asarray(x), name="samples from two generators with the same seed",
                 hint="draw every random number from the rng argument (rng.random), never from np.random or a new generator")


# --------------------------------------------------------------------- categorical


@pytest.mark.points(2)
def test_discrete_inverse_cdf_exact(learner):
    """With chosen uniforms, category k is returned exactly when c[k-1] <= u < c[k] (c the cumulative sums):
    boundaries belong to the next category, a zero-probability category is never returned (not even for u = 0),
    and u = 0.9999999999999999 with p = [0.1] * 10 gives 9, not an out-of-range 10."""
    p = np.array([0.2, 0.5, 0.3])
    u = np.array([0.0, 0.1, 0.2, 0.5, 0.7, 0.95, TOP])
    got = learner.sample_discrete(p, len(u), _Uniforms(u))
    assert_shape(got, (len(u),), name="sample_discrete(p, 7, rng)")
    check(np.issubdtype(np.asarray(got).dtype, np.integer),
          f"sample_discrete returned dtype {np.asarray(got).dtype}; categories are integers.",
          hint="np.searchsorted returns integer indices")
    side_hint = ("k = np.searchsorted(c, u, side='right'): the number of c's <= u. Category k owns [c[k-1], c[k]), "
                 "so u = c[0] = 0.2 exactly belongs to category 1")
    assert_equal(np.asarray(got), np.array([0, 0, 1, 1, 2, 2, 2]),
                 name="sample_discrete([0.2, 0.5, 0.3]) at u = [0, 0.1, 0.2, 0.5, 0.7, 0.95, 1 - 2^-53]", hint=side_hint)

    got = learner.sample_discrete(np.array([0.0, 0.5, 0.5, 0.0]), 3, _Uniforms([0.0, 0.5, TOP]))
    assert_equal(np.asarray(got), np.array([1, 2, 2]), name="sample_discrete([0, 0.5, 0.5, 0]) at u = [0, 0.5, 1 - 2^-53]",
                 hint="a category with p = 0 owns the empty interval [c, c) and must never be drawn; with side='left', "
                      "u = 0 lands in category 0. " + side_hint)

    got = learner.sample_discrete(np.full(10, 0.1), 2, _Uniforms([TOP, 0.05]))
    assert_equal(np.asarray(got), np.array([9, 0]), name="sample_discrete([0.1] * 10) at u = [1 - 2^-53, 0.05]",
                 hint="np.cumsum([0.1] * 10)[-1] is 0.9999999999999999 and rng.random can return exactly that, so "
                      "searchsorted gives 10, past the last category: divide c by c[-1] so that it ends at exactly 1.0")


def test_discrete_distribution(learner, rng):
    """20 000 draws from p = [0.05, 0, 0.4, 0.25, 0.3, 0] pass a chi-square test against p (p-value > 1e-4) and never
    return a zero-probability category or a value outside 0..5."""
    p = np.array([0.05, 0.0, 0.4, 0.25, 0.3, 0.0])
    x = np.asarray(learner.sample_discrete(p, N, rng))
    assert_shape(x, (N,), name="sample_discrete(p, 20000, rng)")
    check(x.min() >= 0 and x.max() < len(p), f"sample_discrete returned categories outside 0..5 (min {x.min()}, max {x.max()}).",
          hint="searchsorted returns K when u >= c[-1]; make the cumulative sums end at exactly 1.0")
    counts = np.bincount(x, minlength=len(p))
    check(counts[p == 0].sum() == 0, f"categories with probability 0 were drawn: counts {counts.tolist()} for p = {p.tolist()}.",
          hint="use searchsorted(c, u, side='right'): category k owns [c[k-1], c[k]), empty when p[k] = 0")
    keep = p > 0
    res = stats.chisquare(counts[keep], N * p[keep])
    check(res.pvalue > P_MIN,
          f"the category frequencies {np.round(counts / N, 4).tolist()} do not match p = {p.tolist()} "
          f"(chi-square p-value {res.pvalue:.3g} <= {P_MIN:g}).",
          hint="compare u with the CUMULATIVE sums c = np.cumsum(p), not with p itself; k is the first index with u < c[k]")


# --------------------------------------------------------------------- normal


@pytest.mark.points(2)
def test_normal_distribution(learner, rng):
    """20 001 Box-Muller draws of N(-1.5, 3^2) (an odd size) pass a KS test against scipy.stats.norm(-1.5, 3)
    (p > 1e-4), and consecutive halves are uncorrelated."""
    x = np.asarray(learner.sample_normal(-1.5, 3.0, N + 1, rng))
    assert_shape(x, (N + 1,), name="sample_normal(-1.5, 3.0, 20001, rng)",
                 hint="each pair of uniforms gives two normals; for an odd size, make one pair too many and drop the extra")
    _finite(x, "sample_normal", hint="R = sqrt(-2 log(1 - u1)) is finite for u1 in [0, 1); log(u1) is -inf at u1 = 0")
    _ks(x, stats.norm(-1.5, 3.0), "sample_normal(mean=-1.5, std=3.0)",
        hint="Z = sqrt(-2 log(1 - U1)) cos(2 pi U2) is N(0, 1): the factor is -2 (not -1), the angle 2 pi U2 (not pi U2), "
             "and U1, U2 must be different uniforms; then X = mean + std * Z")
    z = (x[:N] - x[:N].mean()) / x[:N].std()
    corr = float(np.mean(z[: N // 2] * z[N // 2:]))
    check(abs(corr) < 0.05, f"the first and second halves of the samples are correlated (corr {corr:.3f}).",
          hint="both halves come from the same uniforms (cos and sin of the same angle are uncorrelated); did you "
               "reuse one uniform array for U1 and U2?")


def test_normal_uniform_zero_is_safe(learner):
    """When rng.random returns only zeros (possible, if unlikely), every Box-Muller sample is finite: u1 = 0 gives
    radius sqrt(-2 log(1 - 0)) = 0, so every sample equals the mean."""
    got = learner.sample_normal(4.0, 2.0, 6, _Uniforms([0.0]))
    assert_shape(got, (6,), name="sample_normal(4.0, 2.0, 6, rng)")
    _finite(got, "sample_normal with all uniforms 0",
            hint="log(u1) is -inf at u1 = 0, and rng.random can return 0: use log(1 - u1) (np.log1p(-u1))")
    assert_close(got, np.full(6, 4.0), rtol=0, atol=1e-12, name="sample_normal(4.0, 2.0, 6) with all uniforms 0",
                 hint="R = sqrt(-2 log(1 - u1)) = 0 at u1 = 0, so X = mean + std * 0 = mean")


def test_samplers_use_only_the_given_rng(learner):
    """The samplers leave the global np.random state untouched, and the same Generator seed gives the same samples."""
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    a = [learner.sample_exponential(1.0, 5, np.random.default_rng(7)),
         learner.sample_discrete(np.array([0.3, 0.7]), 5, np.random.default_rng(7)),
         learner.sample_normal(0.0, 1.0, 5, np.random.default_rng(7))]
    check(np.array_equal(np.random.get_state()[1], before), "a sampler drew from the global np.random state.",
          hint="use the rng argument (rng.random), never np.random.rand / np.random.random")
    b = [learner.sample_exponential(1.0, 5, np.random.default_rng(7)),
         learner.sample_discrete(np.array([0.3, 0.7]), 5, np.random.default_rng(7)),
         learner.sample_normal(0.0, 1.0, 5, np.random.default_rng(7))]
    for name, x, y in zip(["sample_exponential", "sample_discrete", "sample_normal"], a, b):
        assert_equal(np.asarray(y), np.asarray(x), name=f"{name}: two runs with default_rng(7)",
                     hint="all randomness must come from the rng argument")


# --------------------------------------------------------------------- maximum likelihood


def test_mle_by_hand(learner):
    """normal_mle([1, 2, 3, 4]) = (2.5, 1.25) (divide by N, not N - 1); exponential_mle([0.5, 1.5, 1]) = 1;
    bernoulli_mle([1, 0, 1, 1]) = 0.75."""
    mu, var = learner.normal_mle(np.array([1.0, 2.0, 3.0, 4.0]))
    assert_close(mu, 2.5, rtol=1e-12, name="normal_mle([1, 2, 3, 4]) mean")
    assert_close(var, 1.25, rtol=1e-12, name="normal_mle([1, 2, 3, 4]) variance",
                 hint="the MLE variance divides by N (np.var's default, ddof=0); 1.6667 is the unbiased N - 1 version")
    assert_close(learner.exponential_mle(np.array([0.5, 1.5, 1.0])), 1.0, rtol=1e-12, name="exponential_mle([0.5, 1.5, 1])",
                 hint="the rate is N / sum(x) = 1 / mean(x)")
    assert_close(learner.exponential_mle(np.array([2.0, 6.0])), 0.25, rtol=1e-12, name="exponential_mle([2, 6])",
                 hint="the MLE of the RATE is 1 / mean(x); mean(x) itself is the scale")
    assert_close(learner.bernoulli_mle(np.array([1, 0, 1, 1])), 0.75, rtol=1e-12, name="bernoulli_mle([1, 0, 1, 1])",
                 hint="p is the fraction of ones")
    assert_close(learner.bernoulli_mle(np.zeros(5)), 0.0, atol=0, name="bernoulli_mle([0, 0, 0, 0, 0])",
                 hint="all zeros: p = 0 (no smoothing in the MLE)")


@pytest.mark.points(2)
def test_mle_matches_scipy_and_maximises_likelihood(learner, rng):
    """On random data the estimates equal scipy.stats.norm.fit and expon.fit(floc=0), and nudging any estimate by
    1% in either direction lowers the log-likelihood."""
    x = rng.normal(3.0, 2.0, size=500)
    mu, var = learner.normal_mle(x)
    ref_mu, ref_std = stats.norm.fit(x)
    assert_close([mu, var], [ref_mu, ref_std**2], rtol=1e-10, name="normal_mle (mean, variance) vs scipy.stats.norm.fit",
                 hint="var = mean((x - mu)^2) with the 1/N of the MLE; return the variance, not the std")
    e = rng.exponential(0.5, size=500)
    rate = learner.exponential_mle(e)
    _, ref_scale = stats.expon.fit(e, floc=0)
    assert_close(rate, 1.0 / ref_scale, rtol=1e-10, name="exponential_mle vs 1 / scipy's scale",
                 hint="scipy fits the scale = mean(x); the rate is its reciprocal")
    b = (rng.random(500) < 0.3).astype(int)
    p = learner.bernoulli_mle(b)

    def loglik(mu_, var_, rate_, p_):
        return (stats.norm(mu_, np.sqrt(var_)).logpdf(x).sum(), stats.expon(scale=1 / rate_).logpdf(e).sum(),
                stats.bernoulli(p_).logpmf(b).sum())

    best = loglik(mu, var, rate, p)
    for k, name in enumerate(["the normal's variance", "the exponential rate", "the Bernoulli p"]):
        for f in (0.99, 1.01):
            params = [mu, var, rate, p]
            params[k + 1] *= f
            check(loglik(*params)[k] < best[k],
                  f"scaling {name} by {f} increases the log-likelihood: the estimate is not the maximum.",
                  hint="set the derivative of the log-likelihood to zero: var = mean((x - mu)^2), rate = 1 / mean(x), "
                       "p = mean(x)")


def test_normal_mle_large_offset(learner, rng):
    """For x = 1e8 + N(0, 1) noise, normal_mle's variance matches np.var to 1e-6: no catastrophic cancellation."""
    x = 1e8 + rng.normal(size=1000)
    mu, var = learner.normal_mle(x)
    assert_close(mu, np.mean(x), rtol=1e-14, name="normal_mle mean for x ~ 1e8")
    assert_close(var, np.var(x), rtol=1e-6, name="normal_mle variance for x ~ 1e8 with spread 1",
                 hint="mean(x^2) - mean(x)^2 subtracts two numbers near 1e16, whose float64 spacing is 2, so the "
                      "result is rounding noise; compute mean((x - mu)^2) instead")
