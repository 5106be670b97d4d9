"""The window's furniture on its own, with no MainWindow: the actions call the slots they are given, the menus and
toolbar hold them in order, update_actions follows the run state, the layout keeps its splitters' sizes and swaps
explorers, the run display shows a controller's run in the views it is given; and no part imports the window."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QMainWindow, QStatusBar, QWidget

import app
from app.explorer.latent_explorer import LatentExplorer
from app.plots.loss_plot import LossPlot
from app.window.actions import SLOT_NAMES, WindowActions, build_menus_and_toolbar, update_actions
from app.window.layout import WindowLayout, make_training_view
from app.window.message_bar import MessageBar
from app.window.run_display import RunDisplay
from app.window.run_status import RunStatus
from app.window.settings_panel import SettingsPanel
from app.workspace.app_settings import AppSettings
from app.workspace.run_group import RunGroup
from app.workspace.session import Session
from app.workspace.training_controller import RunState, TrainingController
from tests.helpers import SMALL_MODEL, SMALL_TRAINING


def recording_slots() -> tuple[dict, list]:
    """A slot for every action name, each recording (name, arguments) in the list returned; those of the
    checkable actions (Log Scale, Draw) take their checked state."""
    calls = []
    slots = {name: (lambda name=name: calls.append((name, ()))) for name in SLOT_NAMES}
    for name in ("log_scale", "draw"):
        slots[name] = lambda checked, name=name: calls.append((name, (checked,)))
    return slots, calls


@pytest.fixture
def host(qtbot) -> QMainWindow:
    window = QMainWindow()
    qtbot.addWidget(window)
    return window


def test_each_action_calls_the_slot_given_for_its_name(host):
    slots, calls = recording_slots()
    actions = WindowActions(host, slots)
    actions.open.trigger()              # a plain action's slot gets no arguments (not triggered's checked flag)
    actions.draw.trigger()              # a checkable one gets its new state
    actions.log_scale.trigger()
    assert calls == [("open", ()), ("draw", (True,)), ("log_scale", (True,))]
    assert actions.train in host.actions() and actions.space in host.actions()   # their shortcuts work in the host


def test_the_actions_want_a_slot_for_every_name_and_no_other(host):
    slots, _ = recording_slots()
    del slots["fit"]
    with pytest.raises(ValueError, match="fit"):
        WindowActions(host, slots)
    slots, _ = recording_slots()
    with pytest.raises(ValueError, match="unknown: \\['zoom'\\]"):
        WindowActions(host, {**slots, "zoom": print})


def texts(widget) -> list[str]:
    return [action.text() or "|" for action in widget.actions()]


def test_the_menus_and_toolbar_hold_the_actions_in_order(host, qsettings, tmp_path):
    slots, _ = recording_slots()
    actions = WindowActions(host, slots)
    opened = []
    menus = build_menus_and_toolbar(host.menuBar(), host.addToolBar("Training"), actions, AppSettings(qsettings),
                                    lambda path: opened.append(path) or True)
    assert texts(host.menuBar()) == ["&File", "&Training", "&View", "&Help"]
    assert texts(menus.file) == ["&Open Model…", "Open &Recent", "&Save Model", "Save &As…", "Save Second &Run As…",
                                 "|",
                                 "Open Dataset &File (.npz)…", "Open &IDX Folder…", "&Download MNIST…", "|", "&Quit"]
    assert texts(menus.training) == ["Train, Pause or Resume", "S&tep", "St&op", "|", "&Reset", "|",
                                     "&Compare Two Runs", "Compare as in the &Write-up"]
    assert texts(menus.view) == ["&Log Scale", "&Fit Latent View", "Same &Axes for Both Runs", "&Draw", "|",
                                 "Training"]
    assert texts(menus.help) == ["&Keyboard Shortcuts", "&About Latent Lab"]
    assert texts(menus.toolbar) == ["&Train", "&Pause", "S&tep", "St&op", "|", "&Reset", "&Compare Two Runs", "|",
                                    "&Open Model…", "&Save Model", "&Draw"]
    assert menus.toolbar.objectName() == "trainingToolBar"
    AppSettings(qsettings).add_recent_model(str(tmp_path / "model.npz"))
    menus.recent.aboutToShow.emit()
    menus.recent.actions()[0].trigger()
    assert opened == [tmp_path / "model.npz"]


def test_update_actions_enables_what_fits_the_run_state_and_locks_the_panel(host, qtbot):
    slots, _ = recording_slots()
    actions = WindowActions(host, slots)
    panel = SettingsPanel()
    qtbot.addWidget(panel)

    def enabled() -> dict[str, bool]:
        named = dict(train=actions.train, pause=actions.pause, step=actions.step, stop=actions.stop,
                     reset=actions.reset, download=actions.download)
        return {name: action.isEnabled() for name, action in named.items()}

    update_actions(actions, panel, RunState.IDLE, trained=False)
    assert enabled() == dict(train=True, pause=False, step=True, stop=False, reset=True, download=True)
    assert panel.latent_spin.isEnabled() and panel.epochs_spin.isEnabled()
    update_actions(actions, panel, RunState.RUNNING, trained=True)
    assert enabled() == dict(train=False, pause=True, step=False, stop=True, reset=False, download=False)
    assert actions.pause.text() == "&Pause"
    assert not panel.latent_spin.isEnabled() and not panel.epochs_spin.isEnabled() and panel.lr_spin.isEnabled()
    update_actions(actions, panel, RunState.PAUSED, trained=True)
    assert enabled() == dict(train=False, pause=True, step=True, stop=True, reset=True, download=False)
    assert actions.pause.text() == "&Resume"
    update_actions(actions, panel, RunState.IDLE, trained=True)
    assert actions.pause.text() == "&Pause" and not panel.latent_spin.isEnabled()     # the weights fix it
    assert panel.epochs_spin.isEnabled()


def make_layout(explorer: QWidget) -> WindowLayout:
    training_view = make_training_view(QLabel("loss plot"), [QLabel("strip"), QLabel("another strip")])
    return WindowLayout(SettingsPanel(), MessageBar(), explorer, QWidget(), training_view, training_view)


def test_the_layout_keeps_its_splitters_sizes_in_the_settings(qtbot, qsettings):
    settings = AppSettings(qsettings)
    shown = []
    for _ in range(2):
        window = QMainWindow()
        qtbot.addWidget(window)
        layout = make_layout(QLabel("explorer"))
        window.setCentralWidget(layout.central)
        window.resize(1200, 790)
        window.show()
        qtbot.waitExposed(window)
        layout.restore(settings)
        shown.append([splitter.sizes() for splitter in layout.splitters()])
        if len(shown) == 1:
            layout.main_splitter.setSizes([300, 900])
            layout.view_splitter.setSizes([500, 200])
            layout.bottom_splitter.setSizes([600, 300])
            wanted = [splitter.sizes() for splitter in layout.splitters()]
            layout.save(settings)
    assert shown[0][1][0] > shown[0][1][1]            # by default the explorer takes the largest place
    assert shown[1] == wanted
    assert [splitter.objectName() for splitter in layout.splitters()] == ["mainSplitter", "viewSplitter",
                                                                          "bottomSplitter"]


def test_the_layout_puts_a_new_explorer_where_the_old_one_was(host, qtbot):
    old, new = QLabel("old explorer"), QLabel("new explorer")
    layout = make_layout(old)
    host.setCentralWidget(layout.central)
    host.show()
    qtbot.waitExposed(host)
    row = layout.view_splitter.widget(0)
    layout.replace_explorer(old, new)
    assert row.layout().indexOf(new) == 0 and row.layout().indexOf(old) == -1
    qtbot.waitUntil(new.isVisible)          # the layout shows it once events are processed


def test_the_message_bar_offers_each_action_as_a_button_that_closes_it(qtbot):
    bar = MessageBar()
    qtbot.addWidget(bar)
    called = []
    bar.show_message("The loss became NaN.", "warning", ("Lower", lambda: called.append("lower")),
                     ("Reset", lambda: called.append("reset")))
    assert [(button.text(), button.isHidden()) for button in bar.action_buttons] == [("Lower", False),
                                                                                       ("Reset", False)]
    bar.action_buttons[1].click()
    assert called == ["reset"] and bar.isHidden()
    bar.show_message("Recorded.", "info", ("Export", lambda: called.append("export")))
    assert [button.isHidden() for button in bar.action_buttons] == [False, True]     # one action: one button
    bar.action_button.click()
    assert called == ["reset", "export"]
    bar.show_message("Saved.")
    assert all(button.isHidden() for button in bar.action_buttons) and bar.text() == "Saved."


def test_the_run_display_shows_a_run_in_the_views_it_is_given(host, qtbot, small_dataset):
    session = Session(small_dataset, "small", SMALL_MODEL, SMALL_TRAINING)
    controller = TrainingController(session)
    slots, calls = recording_slots()
    actions = WindowActions(host, slots)
    panel, loss_plot, explorer = SettingsPanel(), LossPlot(session.history), LatentExplorer(small_dataset.class_names)
    run_status, message_bar, status_bar = RunStatus(session.batch_sizes), MessageBar(), QStatusBar()
    for widget in (panel, loss_plot, explorer, run_status, message_bar, status_bar):
        qtbot.addWidget(widget)
    snapshots, marked = [], []
    display = RunDisplay(controller, session, actions=actions, panel=panel, loss_plot=loss_plot,
                         run_status=run_status, explorer=explorer, message_bar=message_bar, status_bar=status_bar,
                         show_snapshot=snapshots.append, mark_modified=lambda: marked.append(True),
                         group=RunGroup([controller]))
    display.update_actions()
    assert actions.train.isEnabled() and not actions.stop.isEnabled()
    with qtbot.waitSignal(controller.run_finished, timeout=20_000):
        controller.step()
    assert loss_plot.step_count == 1 and marked and snapshots[-1].step == 1
    assert status_bar.currentMessage() == "Stopped at step 1."
    assert actions.train.isEnabled() and not panel.latent_spin.isEnabled()       # trained: the weights fix it
    view_box = explorer.scatter.view_box
    assert display.auto_fit
    view_box.sigRangeChangedManually.emit(view_box.state["mouseEnabled"])        # the user pans
    assert not display.auto_fit
    display.fit_explorer()
    assert display.auto_fit
    controller.diverged.emit("The loss became NaN.")
    assert "NaN" in message_bar.text()
    lower, reset = message_bar.action_buttons
    assert (lower.text(), reset.text()) == ("Lower the learning rate to 0.0001", "Reset") and not reset.isHidden()
    lower.click()                                        # the offered fixes: a tenfold lower learning rate
    assert panel.lr_spin.value() == pytest.approx(SMALL_TRAINING.lr / 10) and message_bar.isHidden()
    controller.diverged.emit("The loss became NaN.")
    reset.click()                                        # ... or the window's Reset
    assert calls[-1] == ("reset", ()) and message_bar.isHidden()
    controller.shutdown()
    session.close()


def test_only_the_window_module_and_the_app_start_import_the_main_window():
    root = Path(app.__file__).parent
    importers = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "app.window.main_window":
                importers.add(path.relative_to(root.parent).as_posix())
    assert importers == {"app/application.py"}
