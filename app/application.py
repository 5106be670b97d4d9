"""Starts the desktop app: the QApplication (names for QSettings, the window icon) and the main window.

main.py calls ``run_app`` when it is run without arguments or with one .npz file; the headless commands never
import this module.
"""
from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app.gui_gc import GuiThreadGarbageCollector
from app.installation import DISTRIBUTION, command_name
from app.window.error_report import ErrorReport
from app.workspace.app_settings import adopt_earlier_settings
from app.workspace.paths import APP_ICON

# QSettings keeps the settings under these names (on Linux ~/.config/latent-lab/latent-lab.conf), as the app's own
# files are under ~/.local/share/latent-lab. On X11 the application name is also the window's class, which the
# desktop entry names (app/installation.py); the display name is the one people read.
ORGANIZATION = DISTRIBUTION
APPLICATION = DISTRIBUTION
DISPLAY_NAME = "Latent Lab"
EARLIER_NAMES = ("Latent Lab", "Latent Lab")     # the organisation and application names up to version 0.1.0


def display_problem(environ: Mapping[str, str], platform: str, command: str = "python main.py") -> str | None:
    """Why the window cannot open here, or None. On Linux without a display Qt aborts the process with a misleading
    message (that a library is missing and reinstalling may help), so the app says what is wrong first. ``command``
    starts the app (``latent-lab`` when installed)."""
    if not platform.startswith("linux") or any(environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY",
                                                                               "QT_QPA_PLATFORM")):
        return None
    return ("Latent Lab's window needs a display, and none is set (DISPLAY and WAYLAND_DISPLAY are empty).\n"
            f"  Train without the window:  {command} train --help\n"
            f"  Or use a virtual display:  xvfb-run -a {command}")


def run_app(argv: list[str], open_file: Path | None = None) -> int:
    """Build the QApplication and the main window, show it (opening ``open_file``, a model or a dataset, if given)
    and run the event loop; returns the exit code (2, with a message, where there is no display).

    High-DPI scaling is automatic in Qt 6; the style and palette are the system's (light or dark).
    """
    command = command_name(argv[0] if argv else "")
    problem = None if QApplication.instance() else display_problem(os.environ, sys.platform, command)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication(argv)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(DISPLAY_NAME)
    app.setDesktopFileName(DISTRIBUTION)          # latent-lab.desktop: Wayland matches the window to its entry by this
    app.setWindowIcon(QIcon(str(APP_ICON)))
    adopt_earlier_settings(QSettings(), QSettings(*EARLIER_NAMES))
    collector = GuiThreadGarbageCollector(app)   # Qt objects are freed on the GUI thread, never on a training thread
    from app.window.main_window import (
        MainWindow,  # after the names are set: the window reads QSettings
    )

    window = MainWindow(open_file=open_file)
    error_report = ErrorReport(window.message_bar, window.app_settings.error_log(), window)
    error_report.install()           # a bug in a slot shows in the window, not only on a terminal
    window.show()
    QTimer.singleShot(0, collector.freeze_long_lived)    # once the window is built: later collections skip it all
    # Ctrl+C in the terminal closes the window as its close button would (stop training, offer to save).
    # Python runs signal handlers only between bytecodes, so a timer lets it in while Qt's loop waits.
    signal.signal(signal.SIGINT, lambda *_: window.close())
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(250)
    try:
        return app.exec()
    finally:
        error_report.uninstall()


if __name__ == "__main__":
    sys.exit(run_app(sys.argv))
