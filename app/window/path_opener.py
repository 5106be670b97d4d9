"""Opening a file given from outside the dialogs (dropped on the window, or named on the command line): a Latent Lab
checkpoint opens as the model; a folder (IDX files) or any other .npz opens as the dataset."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData

from app.workspace.training_controller import RunState
from core.training.checkpoint import is_checkpoint_file

if TYPE_CHECKING:
    from app.window.main_window import MainWindow


def openable_path(mime: QMimeData) -> Path | None:
    """The one local file or folder of a drag, if the window can open it (a folder or an .npz file)."""
    urls = mime.urls() if mime.hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = Path(urls[0].toLocalFile())
    return path if path.is_dir() or (path.is_file() and path.suffix.lower() == ".npz") else None


def open_path(window: MainWindow, path: Path) -> bool:
    """Open ``path`` as a model if it is a checkpoint, else as a dataset; False (with a message) if it did not."""
    if path.is_file() and is_checkpoint_file(path):
        return window.open_checkpoint(path)
    if window.controller.state is not RunState.IDLE:
        window.message_bar.show_message(f"Stop training before opening {path.name} as the dataset.", "info")
        return False
    return window.load_dataset(str(path))
