"""The workspace's questions (app/workspace/questions.py) asked with Qt's message boxes and file dialogs, parented
to the window. Only the asking is here: what the answers lead to is the commands' job.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.workspace.questions import SaveAnswer

CHECKPOINTS = "Latent Lab checkpoints (*.npz)"
BUTTON = QMessageBox.StandardButton
SAVE_ANSWERS = {BUTTON.Save: SaveAnswer.SAVE, BUTTON.Discard: SaveAnswer.DISCARD}   # any other: Cancel


class DialogQuestions:
    """Asks each question in a modal dialog over ``parent``."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def ask_to_save(self, name: str = "model") -> SaveAnswer:
        answer = QMessageBox.question(
            self.parent, f"Save the {name}?", f"The {name} has been trained since it was last saved. Save it?",
            BUTTON.Save | BUTTON.Discard | BUTTON.Cancel, BUTTON.Save)
        return SAVE_ANSWERS.get(answer, SaveAnswer.CANCEL)

    def ask_to_restore(self, description: str) -> bool:
        answer = QMessageBox.question(
            self.parent, "Restore the unsaved model?",
            f"Latent Lab closed unexpectedly while a trained model was unsaved: {description}. Restore it?",
            BUTTON.Yes | BUTTON.Discard, BUTTON.Yes)
        return answer == BUTTON.Yes

    def ask_model_to_open(self, folder: str) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open Model", folder, f"{CHECKPOINTS};;All files (*)")
        return Path(path) if path else None

    def ask_model_to_save(self, suggested: Path) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self.parent, "Save Model", str(suggested), CHECKPOINTS)
        return Path(path) if path else None

    def ask_dataset_file_to_open(self, folder: str) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open Dataset", folder,
                                              "NumPy archives (*.npz);;All files (*)")
        return Path(path) if path else None

    def ask_dataset_folder_to_open(self, folder: str) -> Path | None:
        path = QFileDialog.getExistingDirectory(self.parent, "Open IDX Folder", folder)
        return Path(path) if path else None
