"""Loss values against direct formulas (their gradients are checked in test_gradients.py)."""
import warnings

import numpy as np
import pytest

from core.nn.losses import bernoulli_loss, sigmoid, sum_of_logs


@pytest.mark.parametrize("rows", [1, 63, 64, 65, 300])
def test_sum_of_logs_by_products_matches_the_sum_of_logarithms(rows):
    rng = np.random.default_rng(rows)
    values = 1 + rng.random((rows, 784))                       # in [1, 2), as 1 + exp(-|logit|)
    values[0, :5] = [1.0, 2.0, 1.0, 2.0, 2.0]                  # the ends of the range
    exact = float(np.log(values).sum())
    assert sum_of_logs(values) == pytest.approx(exact, rel=1e-12)
    in_float32 = sum_of_logs(values.astype(np.float32))
    assert abs(in_float32 - exact) < 1e-4 * rows              # under 1e-4 nats per image


def test_bernoulli_loss_in_float32_matches_the_textbook_formula_in_float64():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((128, 784)) * 4                # confident pixels too (|logit| up to ~18)
    x = rng.random((128, 784))
    p = 1 / (1 + np.exp(-logits))
    textbook = float(-(x * np.log(p) + (1 - x) * np.log1p(-p)).sum(axis=1).mean())
    loss, _ = bernoulli_loss(logits.astype(np.float32), x.astype(np.float32))
    assert loss == pytest.approx(textbook, abs=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_precise_in_both_tails_and_never_warns_or_makes_nan(dtype):
    logits = np.array([-1e4, -800.0, -100.0, -30.0, -1.5, 0.0, 2.0, 30.0, 800.0, 1e4], dtype=dtype)
    wide = logits.astype(np.longdouble)
    e = np.exp(-np.abs(wide))
    exact = np.where(wide >= 0, 1 / (1 + e), e / (1 + e))                  # the textbook stable pair, wider
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                      # an overflow warning fails the test
        s = sigmoid(logits)
    assert s.dtype == dtype
    assert np.all(np.isfinite(s)) and s[0] == 0 and s[-1] == 1
    tiny = np.finfo(dtype).tiny
    relative = np.abs(s - exact) / np.maximum(exact, tiny)
    assert np.all(relative[exact > tiny] < 4 * np.finfo(dtype).eps)
