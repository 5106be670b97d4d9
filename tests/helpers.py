"""Builders the tests of several packages share: tiny datasets, trainers, small models and saved ones, and the
user's answers to the app's questions scripted in advance."""
from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.workspace.questions import SaveAnswer
from core.data.datasets import load_npz
from core.nn.config import ModelConfig
from core.nn.models import build_model
from core.nn.optim import build_optimizer
from core.training.checkpoint import Checkpoint, save_checkpoint
from core.training.config import TrainConfig
from core.training.trainer import Trainer

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
SMALL_MODEL = ModelConfig(kind="vae", hidden=(32, 16))         # the window tests' model and training
SMALL_TRAINING = TrainConfig(epochs=2, batch_size=64)


SMALL_TRAINER_MODEL = dict(input_dim=64, hidden=(32, 16), latent_dim=2)


def blob_images(n: int, seed: int = 0) -> np.ndarray:
    """n uint8 'images' of 64 pixels drawn around 4 fixed prototypes: easy to compress."""
    rng = np.random.default_rng(seed)
    prototypes = rng.random((4, 64)) > 0.5
    noisy = prototypes[rng.integers(0, 4, n)] ^ (rng.random((n, 64)) < 0.05)
    return (noisy * 255).astype(np.uint8)


def make_trainer(kind="vae", optimizer="adam", lr=3e-3, epochs=3, seed=0, n=600, parts=1, in_helpers=False):
    model = build_model(ModelConfig(kind=kind, **SMALL_TRAINER_MODEL), np.random.default_rng(seed))
    config = TrainConfig(epochs=epochs, batch_size=32, lr=lr, optimizer=optimizer, seed=seed)
    images = blob_images(n)
    return Trainer(model, build_optimizer(optimizer, model.parameters.flat, lr),
                   images[:500], images[500:], config, parts=parts, in_helpers=in_helpers)


def save_small_model(path: Path, kind: str, latent_dim: int, seed: int, input_dim: int = 784, steps: int = 5) -> None:
    """A one-hidden-layer model trained for a few steps on the bundled digits, saved as a checkpoint."""
    dataset = load_npz(RESOURCES / "mnist5k.npz")
    config = TrainConfig(epochs=1, batch_size=256, lr=3e-3, seed=seed)
    model = build_model(ModelConfig(kind=kind, latent_dim=latent_dim, hidden=(32,), input_dim=input_dim),
                        np.random.default_rng(seed))
    optimizer = build_optimizer(config.optimizer, model.parameters.flat, config.lr, config.momentum)
    trainer = Trainer(model, optimizer, dataset.train_images[:, :input_dim].copy(),
                      dataset.test_images[:, :input_dim].copy(), config)
    for _ in range(steps):
        trainer.step()
    save_checkpoint(path, Checkpoint(model, optimizer, config, "mnist5k", trainer.history))


def weights(model) -> np.ndarray:
    """A copy of a model's parameters, to compare before and after."""
    return model.parameters.flat.copy()


class ScriptedQuestions:
    """The Questions of app/workspace/questions.py answered as scripted, without a dialog; ``asked`` lists the
    questions in the order they came (their method names; ask_to_restore's with its description).

    save: the answer to "Save the model?", or a function called for it when asked. restore: the answer to "Restore
    the unsaved model?". paths: the file each file question answers, by method name; None (the default) as when
    the user cancels the dialog."""

    def __init__(self, save: SaveAnswer | Callable[[], SaveAnswer] = SaveAnswer.DISCARD, restore: bool = False,
                 paths: dict[str, Path] | None = None) -> None:
        self.save = save
        self.restore = restore
        self.paths = dict(paths or {})
        self.asked: list[str] = []

    def ask_to_save(self, name: str = "model") -> SaveAnswer:
        self.asked.append("ask_to_save" if name == "model" else f"ask_to_save: {name}")
        return self.save() if callable(self.save) else self.save

    def ask_to_restore(self, description: str) -> bool:
        self.asked.append(f"ask_to_restore: {description}")
        return self.restore

    def _path(self, question: str) -> Path | None:
        self.asked.append(question)
        return self.paths.get(question)

    def ask_model_to_open(self, folder: str) -> Path | None:
        return self._path("ask_model_to_open")

    def ask_model_to_save(self, suggested: Path) -> Path | None:
        return self._path("ask_model_to_save")

    def ask_dataset_file_to_open(self, folder: str) -> Path | None:
        return self._path("ask_dataset_file_to_open")

    def ask_dataset_folder_to_open(self, folder: str) -> Path | None:
        return self._path("ask_dataset_folder_to_open")


def disk_state(folder: Path) -> dict[str, tuple]:
    """What a test asserts is unchanged: every entry under ``folder`` (not followed into links) with its kind, inode,
    size, mtime and, for a file, its bytes; for a link, where it points; for a device, its number."""
    state = {}
    for path in sorted(Path(folder).rglob("*")):
        info = path.lstat()
        entry = (stat.S_IFMT(info.st_mode), info.st_ino, info.st_size, info.st_mtime_ns, info.st_rdev)
        if stat.S_ISREG(info.st_mode):
            entry += (path.read_bytes(),)
        elif stat.S_ISLNK(info.st_mode):
            entry += (os.readlink(path),)
        state[str(path.relative_to(folder))] = entry
    return state


def drop(window, path) -> bool:
    """Drag ``path`` over the window and drop it there, as a file manager does; True if the window took it."""
    from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl  # here: the core tests import this module without Qt
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl(path) if str(path).startswith("https:") else QUrl.fromLocalFile(str(path))])
    point = window.rect().center()
    action = Qt.DropAction.CopyAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, action, mime, buttons, modifiers)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    dropped = QDropEvent(QPoint(point).toPointF(), action, mime, buttons, modifiers)
    QApplication.sendEvent(window, dropped)
    return dropped.isAccepted()
