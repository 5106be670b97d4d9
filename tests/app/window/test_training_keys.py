"""The training shortcuts from the keyboard whatever has focus: a settings field keeps Space only while the user
types text in it, and a run moves the focus off the settings."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.workspace.training_controller import RunState


def focus(qtbot, window, widget) -> None:
    """Show the window, make it active (shortcuts reach the active window only) and focus ``widget`` as Tab does."""
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus, timeout=5_000)


def test_space_in_the_focused_learning_rate_trains_and_pauses_and_leaves_its_text(qtbot, window):
    window.panel.epochs_spin.setValue(100)
    lr_spin = window.panel.lr_spin
    text = lr_spin.text()
    focus(qtbot, window, lr_spin)
    qtbot.keyClick(lr_spin, Qt.Key.Key_Space)
    assert window.controller.state is RunState.RUNNING
    qtbot.waitUntil(lambda: window.session.history.steps > 0, timeout=10_000)
    lr_spin.setFocus(Qt.FocusReason.TabFocusReason)            # the run moved the focus off the settings
    qtbot.keyClick(lr_spin, Qt.Key.Key_Space)
    assert window.controller.state is RunState.PAUSED
    assert lr_spin.text() == text and lr_spin.hasFocus()
    qtbot.keyClick(lr_spin, Qt.Key.Key_5)                       # typing in a number field: Space still pauses
    qtbot.keyClick(lr_spin, Qt.Key.Key_Space)
    assert window.controller.state is RunState.RUNNING and " " not in lr_spin.text()
    with qtbot.waitSignal(window.controller.run_finished, timeout=10_000):
        qtbot.keyClick(lr_spin, Qt.Key.Key_Escape)


def test_space_and_esc_work_from_the_seed_and_beta_fields(qtbot, window):
    window.panel.epochs_spin.setValue(100)
    for spin in (window.panel.seed_spin, window.panel.beta_spin):
        text = spin.text()
        focus(qtbot, window, spin)
        qtbot.keyClick(spin, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: window.session.history.steps > 0, timeout=10_000)
        assert spin.text() == text
        spin.setFocus(Qt.FocusReason.TabFocusReason)
        with qtbot.waitSignal(window.controller.run_finished, timeout=10_000):
            qtbot.keyClick(spin, Qt.Key.Key_Escape)
        assert window.controller.state is RunState.IDLE


def test_the_hidden_layers_field_keeps_space_while_the_user_types_in_it(qtbot, window):
    edit = window.panel.hidden_edit
    focus(qtbot, window, edit)
    qtbot.keyClick(edit, Qt.Key.Key_Space)        # focused, not typed in: Space trains
    assert window.controller.state is RunState.RUNNING
    with qtbot.waitSignal(window.controller.run_finished, timeout=10_000):
        window.window_actions.stop.trigger()
    window.window_actions.reset.trigger()
    focus(qtbot, window, edit)
    edit.selectAll()
    qtbot.keyClicks(edit, "64, 32")               # typing: the space is text
    assert edit.text() == "64, 32" and window.controller.state is RunState.IDLE
    qtbot.keyClick(edit, Qt.Key.Key_Return)       # entered: Space trains again
    assert window.session.model_config.hidden == (64, 32)
    qtbot.keyClick(edit, Qt.Key.Key_Space)
    assert window.controller.state is RunState.RUNNING and edit.text() == "64, 32"
    with qtbot.waitSignal(window.controller.run_finished, timeout=10_000):
        window.window_actions.stop.trigger()


def test_train_moves_the_focus_off_the_settings_so_space_then_pauses(qtbot, window):
    panel = window.panel
    panel.epochs_spin.setValue(100)
    focus(qtbot, window, panel.kind_combo)
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("ae"))
    window.window_actions.train.trigger()          # a toolbar click: the combo keeps the focus until the run starts
    focused = QApplication.focusWidget()
    assert focused is not None and not panel.isAncestorOf(focused) and focused is not panel
    lr_text = panel.lr_spin.text()
    qtbot.keyClick(focused, Qt.Key.Key_Space)
    assert window.controller.state is RunState.PAUSED and panel.lr_spin.text() == lr_text
    with qtbot.waitSignal(window.controller.run_finished, timeout=10_000):
        window.window_actions.stop.trigger()
