"""What persists between launches (QSettings): the last model and training settings, the dataset, the window's
geometry and splitters, the plot options, the last folder used and the recently used model files.

Every value is read defensively: a missing or damaged entry falls back to the default, so a bad settings file can
never stop the app from starting. Tests pass their own QSettings (an .ini file in a temporary folder).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from app.installation import DISTRIBUTION, data_home
from core.nn.config import ModelConfig
from core.training.config import TrainConfig

MAX_RECENT_MODELS = 8


def adopt_earlier_settings(store: QSettings, earlier: QSettings) -> bool:
    """Copy every value of ``earlier`` into ``store`` when ``store`` is empty and ``earlier`` is not; returns whether
    it did. Up to version 0.1.0 the settings were kept under the names "Latent Lab"/"Latent Lab" (on Linux
    ~/.config/Latent Lab/Latent Lab.conf); now they are kept under latent-lab. The earlier file stays as it was."""
    if store.allKeys() or not earlier.allKeys():
        return False
    for key in earlier.allKeys():
        store.setValue(key, earlier.value(key))
    store.sync()
    return True


class AppSettings:
    """Typed access to a QSettings store."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings()
        self._user_store = store is None

    def data_folder(self) -> Path:
        """The app's own files: the user's data folder (``$XDG_DATA_HOME/latent-lab``, or ~/.local/share/latent-lab),
        or the settings file's folder when the settings are not the user's (tests)."""
        if not self._user_store:
            return Path(self.store.fileName()).parent
        return data_home(os.environ) / DISTRIBUTION

    def recovery_folder(self) -> Path:
        """Where unsaved models are kept against a crash."""
        return self.data_folder() / "recovery"

    def error_log(self) -> Path:
        """Where unexpected errors are reported (app/window/error_report.py)."""
        return self.data_folder() / "errors.log"

    # ---- configurations ---------------------------------------------------------------------------------------
    def model_config(self) -> ModelConfig:
        return self._config("model_config", ModelConfig)

    def train_config(self) -> TrainConfig:
        return self._config("train_config", TrainConfig)

    def save_configs(self, model: ModelConfig, train: TrainConfig) -> None:
        self.store.setValue("model_config", json.dumps(model.to_dict()))
        self.store.setValue("train_config", json.dumps(train.to_dict()))

    def _config(self, key: str, cls: type) -> object:
        try:
            return cls.from_dict(json.loads(str(self.store.value(key, ""))))
        except (TypeError, ValueError):   # absent, not JSON, unknown fields or invalid values: the defaults
            return cls()

    # ---- plain values ------------------------------------------------------------------------------------------
    def dataset_spec(self) -> str:
        return str(self.store.value("dataset", "mnist5k") or "mnist5k")

    def set_dataset_spec(self, spec: str) -> None:
        self.store.setValue("dataset", spec)

    def last_folder(self) -> str:
        return str(self.store.value("last_folder", "") or "")

    def set_last_folder(self, folder: str) -> None:
        self.store.setValue("last_folder", folder)

    def recent_models(self) -> list[str]:
        """Model files opened or saved lately, the latest first (at most MAX_RECENT_MODELS)."""
        try:
            paths = json.loads(str(self.store.value("recent_models", "[]")))
        except ValueError:
            return []
        return [path for path in paths if isinstance(path, str) and path][:MAX_RECENT_MODELS] \
            if isinstance(paths, list) else []

    def add_recent_model(self, path: str) -> None:
        """Put ``path`` first in the recent models (once)."""
        path = os.path.abspath(path)
        self._set_recent_models([path] + [other for other in self.recent_models() if other != path])

    def remove_recent_model(self, path: str) -> None:
        self._set_recent_models([other for other in self.recent_models() if other != path])

    def clear_recent_models(self) -> None:
        self._set_recent_models([])

    def _set_recent_models(self, paths: list[str]) -> None:
        self.store.setValue("recent_models", json.dumps(paths[:MAX_RECENT_MODELS]))

    def log_scale(self) -> bool:
        return str(self.store.value("loss_plot/log_scale", "false")).lower() == "true"

    def set_log_scale(self, on: bool) -> None:
        self.store.setValue("loss_plot/log_scale", "true" if on else "false")

    # ---- geometry -----------------------------------------------------------------------------------------------
    def bytes(self, key: str) -> QByteArray | None:
        """A saved geometry or splitter state, or None."""
        value = self.store.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_bytes(self, key: str, value: QByteArray) -> None:
        self.store.setValue(key, value)

    def sync(self) -> None:
        self.store.sync()
