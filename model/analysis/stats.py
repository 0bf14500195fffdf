"""Intervals for shares and paired differences, the statistics every comparison uses."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binomtest

Z95 = 1.959963984540054  # the two-sided 95 % quantile of the standard normal


def wilson(successes: float, n: int) -> tuple[float, float]:
    """95 % Wilson score interval for a proportion (scipy's ``binomtest``).

    Args:
        successes: Runs with the outcome; a count that arrives as a float (a share times
            ``n``) is rounded to the nearest whole run.
        n: Runs in all.

    Returns:
        ``(low, high)``; ``(nan, nan)`` when ``n`` is 0.
    """
    if n == 0:
        return (math.nan, math.nan)
    k = int(round(successes))
    ci = binomtest(k, int(n)).proportion_ci(confidence_level=0.95, method="wilson")
    # At 0 and n successes the bound is exact; rounding would put it a hair inside.
    lo = 0.0 if k <= 0 else max(0.0, float(ci.low))
    hi = 1.0 if k >= n else min(1.0, float(ci.high))
    return (lo, hi)


def paired_mean(diff: np.ndarray) -> tuple[float, float, float]:
    """Mean of paired differences with a 95 % normal interval."""
    n = len(diff)
    if n == 0:
        return (math.nan, math.nan, math.nan)
    m = float(diff.mean())
    if n < 2:
        return (m, math.nan, math.nan)
    half = Z95 * float(diff.std(ddof=1)) / math.sqrt(n)
    return (m, m - half, m + half)
