"""Epochs is the total the model trains to, as the command line's --epochs is: the field, the status bar, a saved
model and the saved settings say the same number."""
from __future__ import annotations

import dataclasses

from core.training.checkpoint import load_checkpoint, save_checkpoint


def status_epoch(window) -> str:
    return window.run_status.step_label.text().split()[1]        # "Epoch 2/4   Step 20" -> "2/4"


def train(qtbot, window) -> None:
    with qtbot.waitSignal(window.controller.run_finished, timeout=60_000):
        window.window_actions.train.trigger()


def test_train_on_a_model_with_all_its_epochs_raises_the_total_in_the_field_and_the_status_bar(qtbot, window,
                                                                                               tmp_path):
    panel, session = window.panel, window.session
    panel.epochs_spin.setValue(1)
    train(qtbot, window)
    assert panel.epochs_spin.value() == 1 and status_epoch(window) == "1/1"
    with qtbot.waitSignal(window.controller.run_started, timeout=10_000):
        window.window_actions.train.trigger()
    assert panel.epochs_spin.value() == 2 and status_epoch(window) == "1/2"       # as soon as the run starts
    qtbot.waitSignal(window.controller.run_finished, timeout=60_000).wait()
    assert session.epochs_done == 2 and panel.epochs_spin.value() == 2 and status_epoch(window) == "2/2"
    panel.epochs_spin.setValue(1)
    assert panel.epochs_spin.value() == 2                 # a total: no fewer than the model has trained
    panel.epochs_spin.setValue(3)
    assert session.train_config.epochs == 3 and status_epoch(window) == "2/3"
    assert window.file_commands.write_checkpoint(tmp_path / "m.npz")
    assert load_checkpoint(tmp_path / "m.npz").train_config.epochs == 3
    assert panel.train_config().epochs == 3               # what the settings keep when the window closes


def test_an_opened_model_shows_its_total_and_never_fewer_epochs_than_it_has(qtbot, window, tmp_path):
    window.panel.epochs_spin.setValue(2)
    train(qtbot, window)
    path = tmp_path / "m.npz"
    assert window.file_commands.write_checkpoint(path)
    window.window_actions.reset.trigger()
    assert window.panel.epochs_spin.minimum() == 1
    assert window.file_commands.open_checkpoint(path)
    assert window.panel.epochs_spin.value() == 2 and status_epoch(window) == "2/2"
    older = load_checkpoint(path)              # saved by an older version: its Epochs said how many more
    save_checkpoint(path, dataclasses.replace(older, train_config=dataclasses.replace(older.train_config, epochs=1)))
    assert window.file_commands.open_checkpoint(path)
    assert window.panel.epochs_spin.value() == 2 and window.session.train_config.epochs == 2
    assert status_epoch(window) == "2/2"
