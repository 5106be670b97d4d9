"""A run's model and settings as its settings panel describes them: what Reset and an architecture change give the
window's run and a comparison's second run alike."""
from __future__ import annotations

from dataclasses import replace

from app.window.settings_panel import SettingsPanel
from app.workspace.session import Session
from core.training.config import TrainConfig


def panel_train_config(panel: SettingsPanel, session: Session) -> TrainConfig:
    """The panel's training settings for ``session``; a trained model keeps its optimizer."""
    config = panel.train_config()
    if session.trained:
        config = replace(config, optimizer=session.train_config.optimizer)
    return config


def new_model_from_panel(panel: SettingsPanel, session: Session, train_config: TrainConfig) -> str:
    """Give ``session`` a fresh model of the panel's architecture, trained with ``train_config``; "" when done, else
    why the panel's layers cannot make one (nothing changes then)."""
    try:
        model_config = panel.model_config()
    except ValueError as error:
        return str(error)
    session.set_train_config(train_config)
    session.new_model(model_config)
    return ""
