"""Starts the desktop app: the QApplication (names for QSettings, the window icon) and the main window.

main.py calls ``run_app`` when it is run without arguments; the headless commands never import this module.
"""
from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

ORGANIZATION = "Latent Lab"
APPLICATION = "Latent Lab"


def run_app(argv: list[str]) -> int:
    """Build the QApplication and the main window, show it and run the event loop; returns the exit code."""
    app = QApplication.instance() or QApplication(argv)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setDesktopFileName("latent-lab")
    from app.main_window import MainWindow   # after the names are set: the window reads QSettings

    window = MainWindow()
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(run_app(sys.argv))
