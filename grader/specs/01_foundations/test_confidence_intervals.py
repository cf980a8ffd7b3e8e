"""Spec for 01_foundations/confidence_intervals.py: t intervals, the percentile bootstrap, and coverage by simulation.

Coverage tests simulate M datasets and count how often the interval contains the true mean. The windows are at
least 4 binomial standard errors wide around the exact coverage, so a correct interval fails them with negligible
probability for any seed, while a z interval (1.96) at n = 5 covers only about 88%.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from grader.testing import assert_close, assert_shape, check


def _t_reference(x, confidence):
    n = x.shape[-1]
    return stats.t.interval(confidence, df=n - 1, loc=x.mean(-1), scale=x.std(-1, ddof=1) / np.sqrt(n))


def _t_diagnosis(x, confidence, low, high):
    """Name the usual mistake from the ratio of the learner's half-width to the right one."""
    n = x.shape[-1]
    ref_low, ref_high = _t_reference(x, confidence)
    with np.errstate(all="ignore"):
        ratio = np.median((np.asarray(high) - np.asarray(low)) / (ref_high - ref_low))
        centre_ok = np.allclose((np.asarray(high) + np.asarray(low)) / 2, x.mean(-1), rtol=1e-9, atol=1e-9)
    q = stats.t.ppf(0.5 + confidence / 2, df=n - 1)
    known = [
        (stats.norm.ppf(0.5 + confidence / 2) / q, "a normal quantile (1.96) is used where Student's t quantile "
         "stats.t.ppf(1 - alpha/2, df=n - 1) belongs: too narrow for small n"),
        (np.sqrt((n - 1) / n), "s uses ddof=0; the sample standard deviation divides by n - 1 (ddof=1)"),
        (stats.t.ppf(confidence, df=n - 1) / q, "the quantile is one-sided, t.ppf(confidence); a two-sided interval "
         "puts alpha/2 in each tail: t.ppf(1 - alpha/2) = t.ppf(0.5 + confidence/2)"),
        (stats.t.ppf(0.5 + confidence / 2, df=n) / q, "the degrees of freedom are n - 1, not n"),
        (np.sqrt(n), "the standard error is s / sqrt(n): the sqrt(n) is missing"),
    ]
    if centre_ok:
        for r, why in known:
            if np.isclose(ratio, r, rtol=1e-6):
                return why
    elif not np.isnan(ratio):
        return "the interval must be centred on the sample mean: xbar -+ q * s / sqrt(n)"
    return "xbar -+ t.ppf(1 - alpha/2, df=n - 1) * s / sqrt(n), with s = x.std(axis=-1, ddof=1)"


def _interval(out, what):
    check(isinstance(out, (tuple, list)) and len(out) == 2, f"{what} should return a pair (low, high); got {type(out).__name__}.",
          hint="return low, high")
    return np.asarray(out[0], dtype=float), np.asarray(out[1], dtype=float)


# --------------------------------------------------------------------- t interval


def test_t_interval_by_hand(learner):
    """x = [1, 2, 3, 4, 5]: xbar = 3, s = sqrt(2.5), q = t.ppf(0.975, 4) = 2.7764: the 95% interval is
    3 -+ 1.9632; at 90%, 3 -+ 2.1318 * 0.7071."""
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    for conf, half in [(0.95, 2.7764451051977987 * np.sqrt(0.5)), (0.90, 2.131846786326649 * np.sqrt(0.5))]:
        low, high = _interval(learner.t_interval(x, conf), "t_interval")
        assert_close([low, high], [3.0 - half, 3.0 + half], rtol=1e-10, name=f"t_interval([1, 2, 3, 4, 5], {conf})",
                     hint=_t_diagnosis(x, conf, low, high))


@pytest.mark.points(2)
def test_t_interval_matches_scipy_vectorised(learner, rng):
    """On a (6, 12) array (six samples of size 12 along the last axis), at confidence 0.8, 0.95 and 0.99, the intervals
    equal scipy.stats.t.interval's for each row, with shape (6,)."""
    x = rng.normal(10.0, 3.0, size=(6, 12))
    for conf in (0.8, 0.95, 0.99):
        low, high = _interval(learner.t_interval(x, conf), "t_interval")
        assert_shape(low, (6,), name="low for a (6, 12) input",
                     hint="reduce over the LAST axis (axis=-1): one interval per row")
        ref_low, ref_high = _t_reference(x, conf)
        hint = _t_diagnosis(x, conf, low, high)
        assert_close(low, ref_low, rtol=1e-10, name=f"low at confidence {conf}", hint=hint)
        assert_close(high, ref_high, rtol=1e-10, name=f"high at confidence {conf}", hint=hint)


@pytest.mark.points(2)
def test_t_interval_coverage_n20(learner, rng):
    """2000 normal datasets of n = 20: the 95% t interval contains the true mean in 93-97% of them."""
    mu = rng.uniform(-5, 5)
    x = rng.normal(mu, 2.0, size=(2000, 20))
    low, high = _interval(learner.t_interval(x, 0.95), "t_interval")
    assert_shape(low, (2000,), name="low for 2000 datasets", hint="one interval per row of x: reduce over axis=-1")
    cov = np.mean((low <= mu) & (mu <= high))
    check(0.93 <= cov <= 0.97, f"the 95% t interval covered the true mean in {cov:.1%} of 2000 datasets of n = 20; "
          "expected 93-97%.", hint=_t_diagnosis(x, 0.95, low, high))


@pytest.mark.points(2)
def test_t_interval_coverage_small_n(learner, rng):
    """4000 normal datasets of only n = 5: the 95% t interval still covers 93.5-96.5% (a z interval with 1.96 covers
    about 88%), and the 99% interval covers 98.3-99.7%."""
    mu = rng.uniform(-5, 5)
    x = rng.normal(mu, 1.0, size=(4000, 5))
    for conf, lo, hi in [(0.95, 0.935, 0.965), (0.99, 0.983, 0.997)]:
        low, high = _interval(learner.t_interval(x, conf), "t_interval")
        cov = np.mean((low <= mu) & (mu <= high))
        check(lo <= cov <= hi, f"the {conf:.0%} t interval covered the true mean in {cov:.1%} of 4000 datasets of n = 5; "
              f"expected {lo:.1%}-{hi:.1%}.", hint=_t_diagnosis(x, conf, low, high))


def test_coverage_by_hand(learner):
    """coverage is the fraction of intervals with low <= true <= high, ends included: of [0, 1], [1, 3], [2, 4],
    two contain 1, two contain 2.5 and none contains 5."""
    low, high = np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 4.0])
    assert_close(learner.coverage(low, high, 1.0), 2 / 3, rtol=1e-12, name="coverage(true=1)",
                 hint="an interval whose end equals the true value contains it: use <=, not <")
    assert_close(learner.coverage(low, high, 2.5), 2 / 3, rtol=1e-12, name="coverage(true=2.5)",
                 hint="the fraction of intervals with low <= true AND true <= high")
    assert_close(learner.coverage(low, high, 5.0), 0.0, atol=0, name="coverage(true=5)")
    assert_close(learner.coverage(np.array([-1.0]), np.array([1.0]), 0.0), 1.0, rtol=0, name="coverage of one interval")


# --------------------------------------------------------------------- bootstrap


def test_bootstrap_distribution_exact(learner, rng):
    """With default_rng(s), bootstrap_distribution draws idx = rng.integers(0, n, size=(B, n)) and returns stat(x[idx],
    axis=1): it equals that computation exactly, for np.mean and np.median, with shape (B,)."""
    x = rng.normal(size=15)
    s = int(rng.integers(2**31))
    for stat in (np.mean, np.median):
        got = np.asarray(learner.bootstrap_distribution(x, stat, 500, np.random.default_rng(s)))
        assert_shape(got, (500,), name=f"bootstrap_distribution(x, np.{stat.__name__}, 500, rng)",
                     hint="one statistic per resample: stat(x[idx], axis=1) with idx of shape (B, n)")
        r = np.random.default_rng(s)
        expected = stat(x[r.integers(0, len(x), size=(500, len(x)))], axis=1)
        hint = ("draw ALL indices at once, idx = rng.integers(0, n, size=(B, n)) (with replacement), and return "
                "stat(x[idx], axis=1)")
        if np.ptp(got) <= 1e-9 * (1 + np.abs(got).max()):
            hint = ("every resample gives the same statistic: resampling without replacement (a permutation) just "
                    "reorders the data. " + hint)
        assert_close(got, expected, rtol=1e-12, atol=1e-12, name=f"bootstrap_distribution with np.{stat.__name__}", hint=hint)


def test_percentile_interval_exact(learner, rng):
    """percentile_interval is np.quantile of the bootstrap distribution at alpha/2 and 1 - alpha/2 (confidence 0.95
    and 0.8), for the mean and the median."""
    x = rng.exponential(2.0, size=25)
    s = int(rng.integers(2**31))
    for stat, conf in [(np.mean, 0.95), (np.median, 0.8)]:
        low, high = _interval(learner.percentile_interval(x, stat, conf, 1000, np.random.default_rng(s)), "percentile_interval")
        r = np.random.default_rng(s)
        boot = stat(x[r.integers(0, len(x), size=(1000, len(x)))], axis=1)
        alpha = 1 - conf
        expected = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
        hint = "np.quantile(t_boot, [alpha/2, 1 - alpha/2]) with alpha = 1 - confidence"
        if np.allclose([low, high], np.quantile(boot, [alpha, 1 - alpha])):
            hint = "alpha is not split between the two tails: use alpha/2 and 1 - alpha/2. " + hint
        elif np.allclose([low, high], 2 * stat(x) - expected[::-1]):
            hint = "this is the 'basic' bootstrap interval (2T - quantiles); the percentile interval is the quantiles themselves. " + hint
        assert_close([low, high], expected, rtol=1e-12, atol=1e-12,
                     name=f"percentile_interval(np.{stat.__name__}, confidence={conf})", hint=hint)


def test_percentile_interval_close_to_scipy(learner, rng):
    """With B = 5000, the percentile interval of the mean is within 0.35 bootstrap standard errors of
    scipy.stats.bootstrap(method='percentile') (the two use different resamples, so only Monte Carlo noise differs)."""
    x = rng.normal(5.0, 2.0, size=40)
    low, high = _interval(learner.percentile_interval(x, np.mean, 0.95, 5000, rng), "percentile_interval")
    ref = stats.bootstrap((x,), np.mean, confidence_level=0.95, n_resamples=5000, method="percentile",
                          random_state=np.random.default_rng(12345))
    se = ref.standard_error
    check(abs(low - ref.confidence_interval.low) < 0.35 * se and abs(high - ref.confidence_interval.high) < 0.35 * se,
          f"percentile_interval gave [{low:.4f}, {high:.4f}]; scipy.stats.bootstrap gives "
          f"[{ref.confidence_interval.low:.4f}, {ref.confidence_interval.high:.4f}] (bootstrap SE {se:.4f}).",
          hint="resample WITH replacement, compute the statistic on each resample, and take the alpha/2 and "
               "1 - alpha/2 quantiles")


@pytest.mark.points(2)
def test_bootstrap_coverage(learner, rng):
    """400 normal datasets of n = 30, B = 1000: the 95% percentile bootstrap interval of the mean covers the true mean
    in 88-98% of them (the percentile bootstrap undercovers slightly for small n: about 93.5%)."""
    mu = rng.uniform(-5, 5)
    hits = 0
    for _ in range(400):
        x = rng.normal(mu, 1.0, size=30)
        low, high = _interval(learner.percentile_interval(x, np.mean, 0.95, 1000, rng), "percentile_interval")
        hits += low <= mu <= high
    cov = hits / 400
    check(0.88 <= cov <= 0.98, f"the 95% percentile bootstrap interval covered the true mean in {cov:.1%} of 400 datasets; "
          "expected 88-98%.", hint="resample with replacement (rng.integers(0, n, size=(B, n))), and use the alpha/2 and "
          "1 - alpha/2 quantiles of the B statistics")
