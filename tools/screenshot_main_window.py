"""Writes docs/screenshots/main_window.png: the main window at 1280x800 after training the default VAE on the
bundled digits for a few epochs, grabbed offscreen (no display needed) with private settings.

    python tools/screenshot_main_window.py [--epochs 8] [--out docs/screenshots/main_window.png] [--dark]

--dark draws it with a dark palette (Fusion style), to check that every part follows the palette.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

DARK = {
    "Window": "#2b2b2b", "WindowText": "#e6e6e6", "Base": "#1e1e1e", "AlternateBase": "#2b2b2b", "Text": "#e6e6e6",
    "Button": "#353535", "ButtonText": "#e6e6e6", "Highlight": "#3f90da", "HighlightedText": "#ffffff",
    "ToolTipBase": "#2b2b2b", "ToolTipText": "#e6e6e6", "PlaceholderText": "#8a8a8a", "Mid": "#444444",
    "Dark": "#202020", "Light": "#505050", "Midlight": "#404040", "Shadow": "#101010",
}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in DARK.items():
        palette.setColor(getattr(QPalette.ColorRole, role), QColor(color))
    for role in ("Text", "WindowText", "ButtonText"):
        palette.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role), QColor("#777777"))
    return palette


def wait(milliseconds: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def make_application(dark: bool) -> QApplication:
    """The QApplication for a screenshot; ``dark`` draws it with a dark palette (Fusion style)."""
    from app.gui_gc import GuiThreadGarbageCollector

    app = QApplication(sys.argv[:1])
    GuiThreadGarbageCollector(app)        # as the app does (app/application.py)
    if dark:
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    return app


def open_window(model_config, train_config):
    """A shown 1280x800 MainWindow whose settings (in a temporary file) hold these configurations."""
    from app.window.main_window import MainWindow
    from app.workspace.app_settings import AppSettings

    store = QSettings(str(Path(tempfile.mkdtemp()) / "settings.ini"), QSettings.Format.IniFormat)
    AppSettings(store).save_configs(model_config, train_config)
    window = MainWindow(store)
    window.resize(1280, 800)
    window.show()
    return window


def train(window) -> None:
    """Press Train and wait until the run has finished."""
    loop = QEventLoop()
    window.controller.run_finished.connect(loop.quit)
    window.train()
    loop.exec()
    window.controller.run_finished.disconnect(loop.quit)


def save_and_close(window, out: Path) -> None:
    """Grab the window into ``out`` and close it without asking to save."""
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    print(f"{out}: {window.width()}x{window.height()}, {window.session.history.steps} steps")
    window.session.dirty = False   # nothing to ask about
    window.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "main_window.png")
    parser.add_argument("--dark", action="store_true")
    args = parser.parse_args()
    app = make_application(args.dark)  # noqa: F841  (kept alive while the window exists)
    from core.nn.config import ModelConfig
    from core.training.config import TrainConfig

    window = open_window(ModelConfig(), TrainConfig(epochs=args.epochs))
    train(window)
    wait(400)                      # the last snapshot and plot refresh
    save_and_close(window, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
