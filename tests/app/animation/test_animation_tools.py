"""AnimationTools on its own, with no MainWindow: its commands join the menus and toolbar it is given, Animate
swaps the view it is given for its panel and draws the path on the explorer it is given, a replaced explorer is
followed, Esc goes to what the mouse is doing before Stop, and the plots export with a word in the status bar."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter

from app.animation.animation_tools import AnimationTools
from app.explorer.latent_explorer import LatentExplorer
from app.plots.loss_plot import LossPlot
from app.window.actions import SLOT_NAMES, WindowActions, build_menus_and_toolbar
from app.window.message_bar import MessageBar
from app.workspace.app_settings import AppSettings
from app.workspace.session import Session
from app.workspace.training_controller import TrainingController
from tests.helpers import SMALL_MODEL, SMALL_TRAINING


def show_codes(explorer: LatentExplorer, session: Session, controller: TrainingController) -> None:
    snapshot = controller.snapshot_now()
    indices = session.explorer_indices()
    explorer.set_data(snapshot.codes, session.dataset.test_labels[indices].astype(np.intp),
                      session.dataset.test_images[indices], snapshot.log_var)


@pytest.fixture
def parts(qtbot, qsettings, small_dataset):
    """AnimationTools in a bare QMainWindow, with the views and menus it works on."""
    host = QMainWindow()
    qtbot.addWidget(host)
    session = Session(small_dataset, "small", SMALL_MODEL, SMALL_TRAINING)
    controller = TrainingController(session)
    actions = WindowActions(host, {name: (lambda *args: None) for name in SLOT_NAMES})
    settings = AppSettings(qsettings)
    menus = build_menus_and_toolbar(host.menuBar(), host.addToolBar("Training"), actions, settings, lambda path: False)
    explorer = LatentExplorer(small_dataset.class_names)
    loss_plot = LossPlot(session.history)
    training_view = QLabel("the loss plot and the strips")
    message_bar = MessageBar()
    tools = AnimationTools(host, session=session, controller=controller, explorer=explorer, loss_plot=loss_plot,
                           training_view=training_view, actions=actions, menus=menus, message_bar=message_bar,
                           status_bar=host.statusBar(), settings=settings)
    central = QSplitter(Qt.Orientation.Vertical)
    central.addWidget(explorer)
    central.addWidget(tools.stack)
    host.setCentralWidget(central)
    host.resize(1280, 800)
    show_codes(explorer, session, controller)
    tools.show_model()
    yield SimpleNamespace(host=host, session=session, controller=controller, actions=actions, menus=menus,
                          explorer=explorer, loss_plot=loss_plot, training_view=training_view, tools=tools)
    tools.shutdown()
    controller.shutdown()
    session.close()


def texts(widget) -> list[str]:
    return [action.text() or "|" for action in widget.actions()]


def test_its_commands_join_the_menus_and_the_toolbar_it_is_given(parts):
    menus = parts.menus
    assert texts(menus.file) == ["&Open Model…", "Open &Recent", "&Save Model", "Save &As…", "Save Second &Run As…",
                                 "|",
                                 "&Export Animation…", "Export Latent &Replay…", "Export &Plot", "|",
                                 "Open &Comparison Model…", "&Keep Model for Comparison", "|",
                                 "Open Dataset &File (.npz)…", "Open &IDX Folder…", "&Download MNIST…", "|", "&Quit"]
    assert texts(menus.view) == ["&Log Scale", "&Fit Latent View", "Same &Axes for Both Runs", "Animate", "&Draw", "|",
                                 "Training"]
    assert texts(menus.toolbar)[-5:] == ["&Save Model", "|", "Animate", "Record", "&Draw"]
    tools = parts.tools
    assert tools.export_animation_action in parts.host.actions() and tools.record_action in parts.host.actions()


def test_animate_swaps_the_view_it_is_given_for_its_panel_and_draws_the_path_on_the_explorer(qtbot, parts):
    parts.host.show()
    qtbot.waitExposed(parts.host)
    tools, explorer = parts.tools, parts.explorer
    assert tools.stack.currentWidget() is parts.training_view and len(explorer.scatter.path()) == 0
    tools.animate_action.trigger()
    assert tools.stack.currentWidget() is tools.panel
    np.testing.assert_array_equal(tools.panel.model().parameters.flat, parts.session.model.parameters.flat)
    np.testing.assert_allclose(explorer.scatter.path(), explorer.plane().to_plane(tools.panel.path()), atol=1e-9)
    tools.animate_action.trigger()
    assert tools.stack.currentWidget() is parts.training_view and len(explorer.scatter.path()) == 0


def test_a_replaced_explorer_is_followed_and_the_old_one_let_go(qtbot, parts):
    tools, old = parts.tools, parts.explorer
    new = LatentExplorer(parts.session.dataset.class_names)
    qtbot.addWidget(new)
    tools.attach_explorer(new)
    tools.panel.picker.pick_button.click()
    old.point_clicked.emit(3)                   # no longer attached: ignored
    new.point_clicked.emit(7)
    new.point_clicked.emit(9)
    assert tools.panel.ends() == (7, 9)


def test_esc_goes_to_picking_then_recording_then_the_stop_action_it_is_given(parts):
    tools, stop = parts.tools, parts.actions.stop
    escape = QKeySequence(QKeySequence.StandardKey.Cancel)

    def holder():
        return [a for a in (tools.cancel_picking_action, tools.stop_recording_action, stop) if a.shortcut() == escape]

    assert holder() == [stop]
    tools.record_action.setChecked(True)
    assert holder() == [tools.stop_recording_action]
    tools.panel.picker.pick_button.setChecked(True)
    assert holder() == [tools.cancel_picking_action]
    tools.panel.picker.pick_button.setChecked(False)
    tools.record_action.setChecked(False)
    assert holder() == [stop]


def test_the_plots_it_is_given_export_and_the_status_bar_it_is_given_says_so(qtbot, parts, tmp_path):
    parts.host.show()
    qtbot.waitExposed(parts.host)
    written = parts.tools.export_loss_plot(tmp_path / "loss.png")
    assert written == tmp_path / "loss.png" and written.stat().st_size > 0
    assert parts.host.statusBar().currentMessage() == f"Saved {written}"
    assert parts.tools.export_scatter(tmp_path / "codes.csv") == tmp_path / "codes.csv"
