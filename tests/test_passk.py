from fractions import Fraction
from math import comb

import mpmath
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglaws.passk import benchmark_pass_at_k, pass_at_k


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(1, n))))
def test_matches_exact_binomial_ratio(nck):
    n, c, k = nck
    exact = 1 - Fraction(comb(n - c, k), comb(n, k))
    assert pass_at_k(n, c, k) == pytest.approx(float(exact), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("n, c, k", [(10**7, 5, 10**4), (10**7, 10**6, 10**4), (10**7, 1, 1), (10**6, 3, 7),
                                     (10**7, 9_990_001, 10**4)])
def test_large_n_against_high_precision(n, c, k):
    mpmath.mp.dps = 60
    ratio = mpmath.fprod(1 - mpmath.mpf(k) / j for j in range(n - c + 1, n + 1)) if c < k else \
        mpmath.fprod(1 - mpmath.mpf(c) / (n - i) for i in range(k))
    assert pass_at_k(n, c, k) == pytest.approx(float(1 - ratio), rel=1e-10)


def test_exact_one_when_fewer_failures_than_k():
    assert pass_at_k(100, 95, 10) == 1.0
    assert pass_at_k(100, 100, 1) == 1.0
    assert pass_at_k(100, 0, 50) == 0.0


def test_vectorised_broadcasting():
    out = pass_at_k(np.array([[10], [20]]), np.array([[1], [2]]), np.array([1, 2, 5]))
    assert out.shape == (2, 3)
    assert out[0, 0] == pytest.approx(0.1)


def test_naive_estimator_is_biased_and_ours_is_not():
    """Mean of the unbiased estimator over draws equals the true pass@k; 1-(1-c/n)^k does not."""
    rng = np.random.default_rng(0)
    p, n, k = 0.05, 20, 10
    c = rng.binomial(n, p, size=200_000)
    truth = 1 - (1 - p) ** k
    assert pass_at_k(n, c, k).mean() == pytest.approx(truth, rel=5e-3)
    assert abs((1 - (1 - c / n) ** k).mean() - truth) > 0.02


@pytest.mark.parametrize(
    "n, c, k, message",
    [(10, 3, 0, "k: must be >= 1"), (10, 3, 11, "k: must be <= n"), (10, 11, 2, "c > n"), (10, -1, 2, "negative"),
     (10.5, 3, 2, "non-integer"), (10, 3, 2.5, "non-integer"), (np.nan, 3, 2, "NaN"), ("10", 3, 2, "integer counts")],
)
def test_bad_input(n, c, k, message):
    with pytest.raises(ValueError, match=message):
        pass_at_k(n, c, k)


def test_benchmark_aggregation():
    table = pd.DataFrame({"model": ["a"] * 3 + ["b"] * 2, "n": [10, 10, 10, 4, 8], "c": [0, 5, 10, 1, 2]})
    out = benchmark_pass_at_k(table, [1, 5], by="model")
    a1 = out[(out.model == "a") & (out.k == 1)]["pass_at_k"].iloc[0]
    assert a1 == pytest.approx(np.mean([0.0, 0.5, 1.0]))
    b5 = out[(out.model == "b") & (out.k == 5)]
    assert np.isnan(b5["pass_at_k"].iloc[0]) and b5["n_min"].iloc[0] == 4  # k > n for a problem: undefined


def test_plugin_estimator_values_and_bad_input():
    from scalinglaws.passk import naive_pass_at_k

    assert naive_pass_at_k(10, 10, 3) == 1.0 and naive_pass_at_k(10, 0, 3) == 0.0
    assert naive_pass_at_k(4, 1, 2) == pytest.approx(1 - 0.75**2)
    assert naive_pass_at_k(4, 1, 100) > 0.99  # defined for k > n, which is exactly its problem
    with pytest.raises(ValueError):
        naive_pass_at_k(4, 5, 1)
    with pytest.raises(ValueError):
        naive_pass_at_k(0, 0, 1)
