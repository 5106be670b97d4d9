"""What the window shows before there is anything to show: the manifold waits for the model's first epoch."""
from __future__ import annotations


def test_the_manifold_shows_once_the_model_has_trained_an_epoch(qtbot, window):
    explorer = window.explorer
    assert not explorer.manifold_shown and not explorer.manifold_check.isEnabled()
    with qtbot.waitSignal(window.controller.run_finished, timeout=10_000):
        window.window_actions.step.trigger()
    assert not explorer.manifold_shown                       # a step: still noise
    window.panel.epochs_spin.setValue(1)
    with qtbot.waitSignal(window.controller.run_finished, timeout=60_000):
        window.window_actions.train.trigger()
    assert explorer.manifold_shown and explorer.manifold_check.isEnabled()
    window.window_actions.reset.trigger()
    assert not explorer.manifold_shown
