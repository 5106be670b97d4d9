"""What the workspace's commands ask the user: save changes, restore a model a crash left unsaved, which file to
open or save to. One small interface: the window answers with dialogs (app/window/dialog_questions.py), tests with
answers scripted in advance. No Qt here; messages the user need not answer go out as the commands' signals.
"""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Protocol


class SaveAnswer(Enum):
    """The answers to "Save the model?" before a trained model is replaced or the window closes."""
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Questions(Protocol):
    """The questions, each answered before it returns. A file question returns None when the user cancels."""

    def ask_to_save(self, name: str = "model") -> SaveAnswer:
        """Save, Discard or Cancel for a model trained since it was saved; ``name`` says which ("model", "AE run")."""
        ...

    def ask_to_restore(self, description: str) -> bool:
        """Whether to restore the model that a crashed session left unsaved (``description`` says which)."""
        ...

    def ask_model_to_open(self, folder: str) -> Path | None:
        """A checkpoint to open, offered from ``folder`` ("" for the dialog's own choice)."""
        ...

    def ask_model_to_save(self, suggested: Path) -> Path | None:
        """Where to save the model, ``suggested`` offered first."""
        ...

    def ask_dataset_file_to_open(self, folder: str) -> Path | None:
        """An .npz dataset file to open, offered from ``folder``."""
        ...

    def ask_dataset_folder_to_open(self, folder: str) -> Path | None:
        """A folder of IDX files to open, offered from ``folder``."""
        ...
