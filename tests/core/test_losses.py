"""Loss values against direct formulas (their gradients are checked in test_gradients.py)."""
import numpy as np
import pytest

from core.losses import bernoulli_loss, sum_of_logs


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
