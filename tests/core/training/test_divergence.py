"""The blow-up rule and the kept state (core/training/divergence.py)."""
import numpy as np
import pytest

from core.nn.config import ModelConfig
from core.nn.models import build_model
from core.nn.optim import build_optimizer
from core.training.divergence import BLOWUP_FACTOR, BLOWUP_STEPS, KeptState, LossWatch


def normal_run(steps=3000, seed=0):
    """Losses like a normal run's: a fast fall from 550 to about 150, noise of +-30%, and a KL warm-up's slow rise."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    return (150 + 400 * np.exp(-t / 30) + 20 * np.minimum(t / 500, 1)) * (1 + 0.3 * rng.uniform(-1, 1, steps))


def test_normal_losses_never_count_as_high():
    watch = LossWatch()
    assert all(watch.observe(loss) for loss in normal_run())
    assert watch.streak == 0 and not watch.blown_up


def test_a_sustained_blow_up_fires_at_its_blowup_steps_th_step_and_a_shorter_one_does_not():
    watch = LossWatch([150.0] * 50)
    for _ in range(BLOWUP_STEPS - 1):                       # a spike one step too short
        assert not watch.observe(150 * BLOWUP_FACTOR * 1.01)
    assert not watch.blown_up and watch.observe(150.0) and watch.streak == 0
    for step in range(1, BLOWUP_STEPS + 1):
        watch.observe(1e5)
        assert watch.blown_up == (step == BLOWUP_STEPS)
    assert watch.median == 150.0                            # the high losses never joined the baseline


def test_the_baseline_comes_from_the_history_and_a_restart_forgets_it():
    watch = LossWatch(list(range(1, 1001)))
    assert watch.median == pytest.approx(950.5)             # the last 100 losses of the history
    watch.restart()
    assert watch.median is None and watch.observe(1e9)      # with no baseline, any finite loss is normal


def test_the_kept_state_goes_back_bitwise_with_the_optimizers_step_count():
    model = build_model(ModelConfig(kind="vae", input_dim=30, hidden=(20,), latent_dim=2), np.random.default_rng(0))
    optimizer = build_optimizer("adam", model.parameters.flat, 0.01)
    optimizer.step(np.random.default_rng(1).standard_normal(model.parameters.size).astype(np.float32))
    kept = KeptState()
    kept.take(model, optimizer, 7)
    weights, m, v = model.parameters.flat.copy(), optimizer.m.copy(), optimizer.v.copy()
    for _ in range(3):
        optimizer.step(np.ones(model.parameters.size, np.float32))
    assert kept.restore(model, optimizer) == 7
    assert optimizer.t == 1 and np.array_equal(model.parameters.flat, weights)
    assert np.array_equal(optimizer.m, m) and np.array_equal(optimizer.v, v)
