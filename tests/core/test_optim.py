"""Optimizers against textbook formulas written out independently."""
import numpy as np
import pytest

from core.optim import Adam, SGD


@pytest.mark.parametrize("threads", [1, 3])
def test_adam_matches_the_papers_algorithm_with_bias_correction(threads):
    rng = np.random.default_rng(0)
    size = 70_001
    params = rng.standard_normal(size)
    reference = params.copy()
    adam = Adam(params, lr=0.01, threads=threads)
    m = np.zeros(size)
    v = np.zeros(size)
    for t in range(1, 6):
        g = rng.standard_normal(size)
        adam.step(g)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        m_hat, v_hat = m / (1 - 0.9 ** t), v / (1 - 0.999 ** t)
        reference -= 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
    np.testing.assert_allclose(params, reference, rtol=1e-10, atol=1e-12)


def test_sgd_momentum_matches_heavy_ball_updates():
    params = np.array([1.0, -2.0])
    sgd = SGD(params, lr=0.1, momentum=0.5)
    sgd.step(np.array([1.0, 1.0]))
    sgd.step(np.array([1.0, 1.0]))
    np.testing.assert_allclose(params, [1.0 - 0.1 - 0.15, -2.0 - 0.1 - 0.15])


def test_adam_continues_identically_from_its_saved_state():
    rng = np.random.default_rng(1)
    gradients = rng.standard_normal((4, 10))
    original = Adam(np.ones(10))
    for g in gradients[:2]:
        original.step(g)
    restored = Adam(original.params.copy())
    restored.load_state_dict(original.state_dict())
    for g in gradients[2:]:
        original.step(g)
        restored.step(g)
    assert restored.t == original.t == 4
    np.testing.assert_array_equal(restored.params, original.params)
