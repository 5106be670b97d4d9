"""Optimizers against textbook formulas written out independently."""
import numpy as np

from core.nn.optim import SGD, Adam, flush_due, flush_period


def test_adam_matches_the_papers_algorithm_with_bias_correction():
    rng = np.random.default_rng(0)
    size = 70_001
    params = rng.standard_normal(size)
    reference = params.copy()
    adam = Adam(params, lr=0.01)
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


def subnormal_count(values):
    return int(np.count_nonzero((values != 0) & (np.abs(values) < np.finfo(values.dtype).tiny)))


def test_adam_keeps_moments_that_decay_out_of_the_slow_subnormal_range_without_changing_the_parameters():
    # One gradient, then zeros (a unit that died): the moments decay by beta1 and beta2 every step.
    rng = np.random.default_rng(2)
    params = rng.standard_normal(1000).astype(np.float32)
    adam = Adam(params, lr=0.01)
    reference, m, v = params.copy(), np.zeros_like(params), np.zeros_like(params)
    g = rng.standard_normal(1000).astype(np.float32) * np.float32(1e-3)
    for t in range(1, 1001):
        adam.step(g)
        m = np.float32(0.9) * m + np.float32(0.1) * g
        v = np.float32(0.999) * v + np.float32(0.001) * g * g
        m_hat, v_hat = m / np.float32(1 - 0.9 ** t), v / np.float32(1 - 0.999 ** t)
        reference -= np.float32(0.01) * m_hat / (np.sqrt(v_hat) + np.float32(1e-8))
        g = np.zeros_like(g)
    assert subnormal_count(m) > 900                 # the textbook arithmetic ends in subnormals
    assert subnormal_count(adam.m) == 0 and subnormal_count(adam.v) == 0
    np.testing.assert_allclose(params, reference, rtol=1e-5, atol=1e-8)    # float32 rounding of 1000 updates


def test_sgd_keeps_its_velocity_out_of_the_subnormal_range():
    params = np.ones(100, np.float32)
    sgd = SGD(params, lr=0.1, momentum=0.5)
    sgd.step(np.full(100, 1e-3, np.float32))
    for _ in range(125):                           # 0.5^125 * 1e-3 would be a subnormal float32
        sgd.step(np.zeros(100, np.float32))
    assert subnormal_count(sgd.velocity) == 0
    np.testing.assert_allclose(params, 1 - 0.1 * 1e-3 * 2, rtol=1e-6)


def test_a_replica_given_the_step_constants_flushes_on_the_same_steps():
    original = Adam(np.ones(10, np.float32))
    replica = Adam(np.ones(10, np.float32))
    for t in range(1, 800):                        # 0.9^800 * 1e-3 would be a subnormal float32
        g = np.full(10, 1e-3 if t == 1 else 0, np.float32)
        original.step(g)
        replica.use_step_constants(original.step_constants())
        replica.update(slice(None), g, np.empty(10, np.float32))
    np.testing.assert_array_equal(replica.m, original.m)
    assert subnormal_count(replica.m) == 0


def test_flushes_come_often_enough_for_a_decaying_sum_and_never_for_one_that_does_not_decay():
    assert flush_period(0.9) == 171 and flush_period(0.999) == 18_012
    floor = np.finfo(np.float32).tiny * 2.0 ** 26
    assert floor * 0.9 ** flush_period(0.9) >= np.finfo(np.float32).tiny     # still normal at the next flush
    assert flush_period(0.0) == flush_period(1.0) == 0
    assert not any(flush_due(step, 0) for step in range(1, 1000))
