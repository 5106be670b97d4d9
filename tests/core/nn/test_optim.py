"""Optimizers against textbook formulas written out independently, and the states they refuse to load."""
import math

import numpy as np
import pytest

from core.nn.optim import SGD, Adam, check_learning_rate, flush_due, flush_period


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


def trained_adam(lr=1e-3):
    """A float32 Adam after 300 steps of gradients growing by b2 / b1 a step, the sequence that brings M^2 closest
    to its bound C V (core/nn/optim.py), and random ones."""
    rng = np.random.default_rng(3)
    adam = Adam(np.zeros(200, np.float32), lr=lr)
    for t in range(300):
        aligned = np.full(100, (0.999 / 0.9) ** (t % 150))
        adam.step(np.concatenate([aligned, rng.standard_normal(100)]).astype(np.float32))
    return adam


def test_a_state_adam_produced_loads():
    original = trained_adam()
    restored = Adam(np.zeros(200, np.float32))
    restored.load_state_dict(original.state_dict())
    assert restored.t == 300 and np.array_equal(restored.m, original.m) and np.array_equal(restored.v, original.v)


@pytest.mark.parametrize("spoil, message", [
    (lambda state, adam: setattr(adam, "lr", math.inf), "learning rate"),
    (lambda state, adam: setattr(adam, "lr", 1e300), "learning rate"),
    (lambda state, adam: setattr(adam, "lr", math.nan), "learning rate"),
    (lambda state, adam: state["v_sum"].__setitem__(3, -1.0), "negative"),
    (lambda state, adam: state["m_sum"].__setitem__(3, math.nan), "m_sum.*not finite"),
    (lambda state, adam: state["v_sum"].__setitem__(3, math.inf), "v_sum.*not finite"),
    (lambda state, adam: state["m_sum"].__setitem__(3, 1e30), "too large for its second moment"),
    (lambda state, adam: state.__setitem__("t", np.array(-1)), "step count"),
    (lambda state, adam: state.__setitem__("t", np.array(2.5)), "step count"),
])
def test_an_adam_state_no_run_produces_is_refused_and_changes_nothing(spoil, message):
    state = trained_adam().state_dict()
    adam = Adam(np.zeros(200, np.float32))
    spoil(state, adam)
    with pytest.raises(ValueError, match=message):
        adam.load_state_dict(state)
    assert adam.t == 0 and not adam.m.any() and not adam.v.any()


@pytest.mark.parametrize("settings, message", [
    (dict(lr=math.inf), "learning rate"), (dict(momentum=math.nan), "momentum"), (dict(momentum=1.0), "momentum"),
    (dict(velocity=math.nan), "velocity.*not finite"),
])
def test_an_sgd_state_or_setting_out_of_range_is_refused(settings, message):
    sgd = SGD(np.zeros(4), lr=settings.get("lr", 0.1), momentum=settings.get("momentum", 0.9))
    velocity = np.full(4, settings.get("velocity", 1.0))
    with pytest.raises(ValueError, match=message):
        sgd.load_state_dict({"velocity": velocity})
    assert not sgd.velocity.any()


def test_the_learning_rate_check_takes_numbers_from_0_to_10():
    for lr in (1e-6, 3e-3, 10.0, np.float64(0.5), 1):
        check_learning_rate(lr)
    check_learning_rate(0.0, zero_allowed=True)
    for lr in (0.0, -1e-3, 10.5, 1e300, math.inf, math.nan, True, "0.1", None):
        with pytest.raises(ValueError, match="learning rate"):
            check_learning_rate(lr)
