"""The main window's actions, its menus and toolbar, and which actions are enabled in each run state.

The actions become attributes of the window (``window.train_action`` ...) and trigger the slots of the window and of
its file and dataset commands.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import QStyle

from app.widgets.icons import pencil_icon
from app.window.recent_menu import RecentModelsMenu
from app.workspace.training_controller import RunState

if TYPE_CHECKING:
    from app.window.main_window import MainWindow


def make_action(window: MainWindow, text: str, slot: Callable, shortcut: QKeySequence | str | None = None,
                tip: str = "", icon: QStyle.StandardPixmap | None = None, checkable: bool = False) -> QAction:
    """An action of the window that calls ``slot()``, or ``slot(checked)`` when it is ``checkable``.

    PySide hands ``triggered``'s ``checked`` flag to any slot that accepts an argument, even an optional one
    decorated ``@Slot()``: ``open_checkpoint(path=None)`` would get ``path=False``. So a plain action calls its slot
    without arguments (the call is made on the GUI thread, where actions trigger)."""
    action = QAction(text, window)
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setToolTip(tip or text.replace("&", "").rstrip("…"))
    action.setStatusTip(tip)
    action.setCheckable(checkable)
    action.triggered.connect(slot if checkable else lambda: slot())
    window.addAction(action)
    return action


def build_actions(window: MainWindow) -> None:
    action = partial(make_action, window)
    pixmap = QStyle.StandardPixmap
    window.train_action = action("&Train", window.train, None, "Train the model until its epochs are done.",
                                 pixmap.SP_MediaPlay)
    window.pause_action = action("&Pause", window.toggle_pause, None,
                                 "Pause training, or resume it where it paused.", pixmap.SP_MediaPause)
    window.space_action = action("Train, Pause or Resume", window.toggle_run, Qt.Key.Key_Space,
                                 "Start training, pause it, or resume it.")
    window.step_action = action("S&tep", window.step, "Ctrl+T", "Train on exactly one batch.",
                                pixmap.SP_MediaSeekForward)
    window.stop_action = action("St&op", window.stop, QKeySequence.StandardKey.Cancel,
                                "End this run; the model keeps what it learned (Esc).", pixmap.SP_MediaStop)
    window.reset_action = action("&Reset", window.reset, "Ctrl+R",
                                 "A new model with fresh random weights and the architecture in the panel.",
                                 pixmap.SP_BrowserReload)
    window.open_action = action("&Open Model…", window.file_commands.open_checkpoint, QKeySequence.StandardKey.Open,
                                "Open a saved model and continue training it.", pixmap.SP_DialogOpenButton)
    window.save_action = action("&Save Model", window.file_commands.save, QKeySequence.StandardKey.Save,
                                "Save the model, its optimizer, settings and loss history.",
                                pixmap.SP_DialogSaveButton)
    window.save_as_action = action("Save &As…", window.file_commands.save_as, QKeySequence.StandardKey.SaveAs,
                                   "Save the model to a new file.")
    window.open_npz_action = action("Open Dataset &File (.npz)…", window.dataset_commands.open_dataset_file, None,
                                    "Train on images from an .npz file.")
    window.open_idx_action = action("Open &IDX Folder…", window.dataset_commands.open_dataset_folder, None,
                                    "Train on a folder of MNIST-style IDX files.")
    window.download_action = action("&Download MNIST…", window.download_mnist, None,
                                    "Download the full MNIST dataset (11.6 MB) once.")
    window.quit_action = action("&Quit", window.close, "Ctrl+Q", "Close Latent Lab.")
    window.log_action = action("&Log Scale", window.loss_plot.set_log_scale, None,
                               "Show the loss on a logarithmic axis.", checkable=True)
    window.log_action.setChecked(window.loss_plot.log_scale)
    window.fit_action = action("&Fit Latent View", window.fit_explorer, "Ctrl+F",
                               "Frame all points of the latent space (and the prior's circles), and follow them "
                               "as they move.")
    window.shortcuts_action = action("&Keyboard Shortcuts", window.show_shortcuts,
                                     QKeySequence.StandardKey.HelpContents, "List every keyboard shortcut and mouse gesture.")
    window.about_action = action("&About Latent Lab", window.show_about, None, "About this app.")
    window.draw_action = action("&Draw", window.show_drawing_pad, "Ctrl+D",
                                "Draw a digit with the mouse and see it encoded and decoded live (Ctrl+D).",
                                checkable=True)
    window.draw_action.setIcon(pencil_icon(window.palette().color(QPalette.ColorRole.WindowText)))


def build_menus_and_toolbar(window: MainWindow) -> None:
    menu = window.menuBar()
    file_menu = menu.addMenu("&File")
    file_menu.addAction(window.open_action)
    window.recent_menu = RecentModelsMenu(window.app_settings, window.file_commands.open_checkpoint, file_menu)
    file_menu.addMenu(window.recent_menu)
    file_menu.addActions([window.save_action, window.save_as_action])
    file_menu.addSeparator()
    file_menu.addActions([window.open_npz_action, window.open_idx_action, window.download_action])
    file_menu.addSeparator()
    file_menu.addAction(window.quit_action)
    train_menu = menu.addMenu("&Training")
    train_menu.addActions([window.space_action, window.step_action, window.stop_action])
    train_menu.addSeparator()
    train_menu.addAction(window.reset_action)
    view_menu = menu.addMenu("&View")
    view_menu.addActions([window.log_action, window.fit_action])
    help_menu = menu.addMenu("&Help")
    help_menu.addActions([window.shortcuts_action, window.about_action])

    toolbar = window.addToolBar("Training")
    toolbar.setObjectName("trainingToolBar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.addActions([window.train_action, window.pause_action, window.step_action, window.stop_action])
    toolbar.addSeparator()
    toolbar.addAction(window.reset_action)
    toolbar.addSeparator()
    toolbar.addActions([window.open_action, window.save_action])
    window.open_action.setIconText("Open")
    window.save_action.setIconText("Save")
    if window.animation is not None:
        window.animation.install(file_menu, window.open_npz_action, view_menu, toolbar)
    toolbar.addAction(window.draw_action)
    view_menu.addAction(window.draw_action)
    view_menu.addSeparator()
    view_menu.addAction(toolbar.toggleViewAction())
    window.panel.set_dataset_actions([window.open_npz_action, window.open_idx_action, window.download_action])


def update_actions(window: MainWindow) -> None:
    """Enable the actions (and lock the panel) that fit the controller's run state."""
    state = window.controller.state
    idle, running, paused = (state is s for s in (RunState.IDLE, RunState.RUNNING, RunState.PAUSED))
    window.train_action.setEnabled(idle)
    window.pause_action.setEnabled(not idle)
    window.pause_action.setText("&Resume" if paused else "&Pause")
    window.pause_action.setIcon(window.style().standardIcon(
        QStyle.StandardPixmap.SP_MediaPlay if paused else QStyle.StandardPixmap.SP_MediaPause))
    window.step_action.setEnabled(not running)
    window.stop_action.setEnabled(not idle)
    window.reset_action.setEnabled(not running)
    for action in (window.open_npz_action, window.open_idx_action, window.download_action):
        action.setEnabled(idle)
    window.panel.set_running(not idle)
    window.panel.set_architecture_locked(not idle or window.session.trained)
