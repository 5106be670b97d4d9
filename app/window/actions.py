"""The window's actions (WindowActions), its menus and toolbar (WindowMenus), and which actions are enabled in each
run state (update_actions).

The actions call the slots they are given by name; they know nothing of what the slots belong to.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import QMenu, QMenuBar, QStyle, QToolBar, QWidget

from app.widgets.icons import compare_icon, pencil_icon
from app.window.recent_menu import RecentModelsMenu
from app.workspace.training_controller import RunState

if TYPE_CHECKING:
    from app.window.settings_panel import SettingsPanel
    from app.workspace.app_settings import AppSettings

# The slots WindowActions needs, by the name of the action that calls them. "log_scale", "draw", "compare" and
# "same_axes" are checkable:
# their slots get the new checked state.
SLOT_NAMES = ("train", "pause", "space", "step", "stop", "reset", "open", "save", "save_as", "open_npz", "open_idx",
              "download", "quit", "log_scale", "fit", "shortcuts", "about", "draw", "compare", "write_up",
              "same_axes", "save_second")


def make_action(parent: QWidget, text: str, slot: Callable, shortcut: QKeySequence | str | None = None,
                tip: str = "", icon: QStyle.StandardPixmap | None = None, checkable: bool = False) -> QAction:
    """An action of ``parent`` (its shortcut works anywhere in the parent's window) that calls ``slot()``, or
    ``slot(checked)`` when it is ``checkable``.

    PySide hands ``triggered``'s ``checked`` flag to any slot that accepts an argument, even an optional one
    decorated ``@Slot()``: ``open_checkpoint(path=None)`` would get ``path=False``. So a plain action calls its slot
    without arguments (the call is made on the GUI thread, where actions trigger)."""
    action = QAction(text, parent)
    if icon is not None:
        action.setIcon(parent.style().standardIcon(icon))
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setToolTip(tip or text.replace("&", "").rstrip("…"))
    action.setStatusTip(tip)
    action.setCheckable(checkable)
    action.triggered.connect(slot if checkable else lambda: slot())
    parent.addAction(action)
    return action


class WindowActions:
    """The window's commands as QActions of ``parent``, each calling ``slots[name]`` (the names in SLOT_NAMES):
    `train`, `pause` (Pause or Resume), `space` (Train, Pause or Resume), `step`, `stop`, `reset`, `open`, `save`,
    `save_as`, `open_npz`, `open_idx`, `download`, `quit`, `log_scale`, `fit`, `shortcuts`, `about`, `draw`,
    `compare` (a second run beside the first), `write_up` (the write-up's AE and VAE side by side), `same_axes`
    (a comparison's two plots on one scale) and `save_second` (a comparison's second run to a file)."""

    def __init__(self, parent: QWidget, slots: Mapping[str, Callable]) -> None:
        if set(slots) != set(SLOT_NAMES):
            raise ValueError(f"slots missing: {sorted(set(SLOT_NAMES) - set(slots))}, "
                             f"unknown: {sorted(set(slots) - set(SLOT_NAMES))}")
        action = partial(make_action, parent)
        pixmap = QStyle.StandardPixmap
        self.train = action("&Train", slots["train"], None, "Train the model until its epochs are done.",
                            pixmap.SP_MediaPlay)
        self.pause = action("&Pause", slots["pause"], None, "Pause training, or resume it where it paused.",
                            pixmap.SP_MediaPause)
        self.space = action("Train, Pause or Resume", slots["space"], Qt.Key.Key_Space,
                            "Start training, pause it, or resume it.")
        self.step = action("S&tep", slots["step"], "Ctrl+T", "Train on exactly one batch.", pixmap.SP_MediaSeekForward)
        self.stop = action("St&op", slots["stop"], QKeySequence.StandardKey.Cancel,
                           "End this run; the model keeps what it learned (Esc).", pixmap.SP_MediaStop)
        self.reset = action("&Reset", slots["reset"], "Ctrl+R",
                            "A new model with fresh random weights and the architecture in the panel.",
                            pixmap.SP_BrowserReload)
        self.open = action("&Open Model…", slots["open"], QKeySequence.StandardKey.Open,
                           "Open a saved model and continue training it.", pixmap.SP_DialogOpenButton)
        self.save = action("&Save Model", slots["save"], QKeySequence.StandardKey.Save,
                           "Save the model, its optimizer, settings and loss history.", pixmap.SP_DialogSaveButton)
        self.save_as = action("Save &As…", slots["save_as"], QKeySequence.StandardKey.SaveAs,
                              "Save the model to a new file.")
        self.open_npz = action("Open Dataset &File (.npz)…", slots["open_npz"], None,
                               "Train on images from an .npz file.")
        self.open_idx = action("Open &IDX Folder…", slots["open_idx"], None,
                               "Train on a folder of MNIST-style IDX files.")
        self.download = action("&Download MNIST…", slots["download"], None,
                               "Download the full MNIST dataset (11.6 MB) once.")
        self.quit = action("&Quit", slots["quit"], "Ctrl+Q", "Close Latent Lab.")
        self.log_scale = action("&Log Scale", slots["log_scale"], None, "Show the loss on a logarithmic axis.",
                                checkable=True)
        self.fit = action("&Fit Latent View", slots["fit"], "Ctrl+F",
                          "Frame all points of the latent space (and the prior's circles), and follow them as they "
                          "move.")
        self.shortcuts = action("&Keyboard Shortcuts", slots["shortcuts"], QKeySequence.StandardKey.HelpContents,
                                "List every keyboard shortcut and mouse gesture.")
        self.about = action("&About Latent Lab", slots["about"], None, "About this app.")
        self.draw = action("&Draw", slots["draw"], "Ctrl+D",
                           "Draw a digit with the mouse and see it encoded and decoded live (Ctrl+D).", checkable=True)
        self.draw.setIcon(pencil_icon(parent.palette().color(QPalette.ColorRole.WindowText)))
        self.compare = action("&Compare Two Runs", slots["compare"], "Ctrl+K",
                              "Train a second model beside this one, at once and on the same batches: by default "
                              "the same layers of the other kind, an AE beside a VAE (Ctrl+K).", checkable=True)
        self.compare.setIcon(compare_icon(parent.palette().color(QPalette.ColorRole.WindowText)))
        self.write_up = action("Compare as in the &Write-up", slots["write_up"], None,
                               "The write-up's VAE (784-128-128, latent 8, LeakyReLU, squared error, Adam, batch 128) "
                               "beside an AE of the same shape, on the largest digit set at hand.")
        self.same_axes = action("Same &Axes for Both Runs", slots["same_axes"], None,
                                "Show both runs' latent spaces over the same range, to compare their scales.",
                                checkable=True)
        self.save_second = action("Save Second &Run As…", slots["save_second"], None,
                                  "Save the model of a comparison's second run (its tab on the left) to a file.")
        for needs_two_runs in (self.same_axes, self.save_second):
            needs_two_runs.setEnabled(False)
        self._play_icon = parent.style().standardIcon(pixmap.SP_MediaPlay)       # Pause turns into Resume
        self._pause_icon = self.pause.icon()

    def dataset_actions(self) -> list[QAction]:
        """Open a dataset file or an IDX folder, download MNIST: what the panel's "…" button offers."""
        return [self.open_npz, self.open_idx, self.download]

    def show_paused(self, paused: bool) -> None:
        """Pause says Resume (with Play's icon) while the run is paused."""
        self.pause.setText("&Resume" if paused else "&Pause")
        self.pause.setIcon(self._play_icon if paused else self._pause_icon)


@dataclass(frozen=True)
class WindowMenus:
    """The menu bar's menus (File, Training, View, Help), File's Open Recent, and the toolbar."""

    file: QMenu
    training: QMenu
    view: QMenu
    help: QMenu
    recent: RecentModelsMenu
    toolbar: QToolBar


def build_menus_and_toolbar(menu_bar: QMenuBar, toolbar: QToolBar, actions: WindowActions, settings: AppSettings,
                            open_model: Callable[[Path], bool]) -> WindowMenus:
    """Fill ``menu_bar`` and ``toolbar`` with ``actions``; File > Open Recent lists ``settings``' recent models and
    opens the one chosen with ``open_model(path)``. Others add their entries to the menus returned."""
    file_menu = menu_bar.addMenu("&File")
    file_menu.addAction(actions.open)
    recent = RecentModelsMenu(settings, open_model, file_menu)
    file_menu.addMenu(recent)
    file_menu.addActions([actions.save, actions.save_as, actions.save_second])
    file_menu.addSeparator()
    file_menu.addActions(actions.dataset_actions())
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    train_menu = menu_bar.addMenu("&Training")
    train_menu.addActions([actions.space, actions.step, actions.stop])
    train_menu.addSeparator()
    train_menu.addAction(actions.reset)
    train_menu.addSeparator()
    train_menu.addActions([actions.compare, actions.write_up])
    view_menu = menu_bar.addMenu("&View")
    view_menu.addActions([actions.log_scale, actions.fit, actions.same_axes, actions.draw])
    view_menu.addSeparator()
    view_menu.addAction(toolbar.toggleViewAction())
    help_menu = menu_bar.addMenu("&Help")
    help_menu.addActions([actions.shortcuts, actions.about])

    toolbar.setObjectName("trainingToolBar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.addActions([actions.train, actions.pause, actions.step, actions.stop])
    toolbar.addSeparator()
    toolbar.addActions([actions.reset, actions.compare])
    toolbar.addSeparator()
    toolbar.addActions([actions.open, actions.save])
    actions.open.setIconText("Open")
    actions.save.setIconText("Save")
    actions.compare.setIconText("Compare")
    toolbar.addAction(actions.draw)
    return WindowMenus(file_menu, train_menu, view_menu, help_menu, recent, toolbar)


def update_actions(actions: WindowActions, panel: SettingsPanel, state: RunState, trained: bool) -> None:
    """Enable the actions, and lock the panel's settings, that fit the run ``state``; ``trained``: whether the
    model has trained (its weights then fix the architecture)."""
    idle, running, paused = (state is s for s in (RunState.IDLE, RunState.RUNNING, RunState.PAUSED))
    actions.train.setEnabled(idle)
    actions.pause.setEnabled(not idle)
    actions.show_paused(paused)
    actions.step.setEnabled(not running)
    actions.stop.setEnabled(not idle)
    actions.reset.setEnabled(not running)
    for action in (*actions.dataset_actions(), actions.compare, actions.write_up):
        action.setEnabled(idle)
    panel.set_running(not idle)
    panel.set_architecture_locked(not idle or trained)
