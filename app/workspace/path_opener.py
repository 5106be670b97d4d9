"""Opening a file given from outside the dialogs (dropped on the window, or named on the command line): a Latent Lab
checkpoint opens as the model; a folder (IDX files) or any other .npz opens as the dataset. It decides which and
hands the path to the file or dataset commands; reading drags is done here, accepting them is the window's job.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, Signal

from app.workspace.dataset_commands import DatasetCommands
from app.workspace.file_commands import FileCommands
from app.workspace.training_controller import RunState, TrainingController
from core.training.checkpoint import is_checkpoint_file


def openable_path(mime: QMimeData) -> Path | None:
    """The one local file or folder of a drag, if the window can open it (a folder or an .npz file)."""
    urls = mime.urls() if mime.hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = Path(urls[0].toLocalFile())
    return path if path.is_dir() or (path.is_file() and path.suffix.lower() == ".npz") else None


class PathOpener(QObject):
    """Opens paths as models (through ``files``) or datasets (through ``datasets``, only while ``controller`` is
    idle)."""

    refused = Signal(str)        # why a path was not opened now, for the user

    def __init__(self, files: FileCommands, datasets: DatasetCommands, controller: TrainingController,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._files = files
        self._datasets = datasets
        self._controller = controller

    def open_path(self, path: Path) -> bool:
        """Open ``path`` as a model if it is a checkpoint, else as a dataset; False (with a message) if it did not."""
        if path.is_file() and is_checkpoint_file(path):
            return self._files.open_checkpoint(path)
        if self._controller.state is not RunState.IDLE:
            self.refused.emit(f"Stop training before opening {path.name} as the dataset.")
            return False
        return self._datasets.load_dataset(str(path))
