"""The window's model files: Save, Save As, Open Model, asking to save before a trained model is replaced, and
keeping an unsaved model against a crash (app/workspace/recovery.py) and offering it back at the next launch.

Checkpoints are written only while no step runs (the training controller's when_model_free).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.workspace.recovery import Recovery
from app.workspace.session import Session
from app.workspace.training_controller import RunState
from core.animation.recipe import model_title
from core.training.checkpoint import Checkpoint, CheckpointError

if TYPE_CHECKING:
    from app.window.main_window import MainWindow


class FileCommands:
    """Saving and opening the window's model. ``close_timeout_ms`` bounds the wait for a run to end before a
    checkpoint replaces the model."""

    def __init__(self, window: MainWindow, close_timeout_ms: int) -> None:
        self.window = window
        self.close_timeout_ms = close_timeout_ms
        self.recovery = Recovery(window.app_settings.recovery_folder())

    def save(self) -> bool:
        if self.window.session.path is None:
            return self.save_as()
        return self.write_checkpoint(self.window.session.path)

    def save_as(self) -> bool:
        window = self.window
        suggested = str(Path(window.app_settings.last_folder() or Path.home()) / "model.npz")
        path, _ = QFileDialog.getSaveFileName(window, "Save Model", suggested, "Latent Lab checkpoints (*.npz)")
        if not path:
            return False
        if not path.endswith(".npz"):
            path += ".npz"
        return self.write_checkpoint(Path(path))

    def write_checkpoint(self, path: Path) -> bool:
        """Save now when no step runs, else as soon as the run has paused (it resumes afterwards)."""
        window = self.window
        result = []

        def write() -> None:
            try:
                window.session.save(path)
            except OSError as error:
                window.message_bar.show_message(f"Could not save {path}: {error.strerror or error}.", "error")
                result.append(False)
                return
            self.recovery.discard()
            window.app_settings.set_last_folder(str(path.parent))
            window.app_settings.add_recent_model(str(path))
            window.setWindowTitle(f"{path.name}[*] — Latent Lab")
            window.setWindowModified(False)
            window.statusBar().showMessage(f"Saved {path}", 5000)
            result.append(True)

        window.controller.when_model_free(write)
        return bool(result and result[0])

    def open_checkpoint(self, path: str | Path | None = None) -> bool:
        """Open a checkpoint (asking for the file when ``path`` is None); on failure nothing changes."""
        window = self.window
        if path is None:
            path, _ = QFileDialog.getOpenFileName(window, "Open Model", window.app_settings.last_folder(),
                                                  "Latent Lab checkpoints (*.npz);;All files (*)")
            if not path:
                return False
        path = Path(path)
        try:
            checkpoint = Session.read_checkpoint(path)
        except CheckpointError as error:
            window.message_bar.show_message(f"Could not open the model. {error}.", "error")
            return False
        if not self.release_model():
            return False
        note = self._show_checkpoint(checkpoint, path)
        if note:
            window.message_bar.show_message(note, "info")
        else:
            window.message_bar.hide()        # what it said was about the model or dataset just replaced
        window.app_settings.set_last_folder(str(path.parent))
        window.app_settings.add_recent_model(str(path))
        window.setWindowTitle(f"{path.name}[*] — Latent Lab")
        window.statusBar().showMessage(f"Opened {path}: {window.session.history.steps:,} steps trained.", 5000)
        return True

    def _show_checkpoint(self, checkpoint: Checkpoint, path: Path) -> str:
        """Continue from ``checkpoint`` (read from ``path``): its dataset, model, settings and history. Returns a
        note for the user (empty if none) when the dataset could not be the checkpoint's own."""
        window = self.window
        note = window.dataset_commands.switch_dataset_for(checkpoint.dataset)
        window.session.adopt(checkpoint, path)
        window.panel.set_configs(window.session.model_config, window.session.train_config)
        window.show_model()
        return note

    # ---- against a crash ------------------------------------------------------------------------------------
    def keep_unsaved(self, checkpoint: Checkpoint) -> None:
        """Keep this copy of the model (from a run) until it is saved, discarded or replaced."""
        if self.window.session.dirty:       # not if it was saved since the copy was made
            self.recovery.keep(checkpoint)

    def offer_recovery(self) -> None:
        """At launch: offer back the unsaved model that an instance which crashed left behind, if any."""
        window = self.window
        orphan = self.recovery.find_orphan()
        if orphan is None:
            return
        try:
            checkpoint = Session.read_checkpoint(orphan)
            when = datetime.fromtimestamp(orphan.stat().st_mtime)
        except (CheckpointError, OSError) as error:
            orphan.unlink(missing_ok=True)
            window.message_bar.show_message(f"An unsaved model left by an earlier session could not be read "
                                            f"({error}).", "error")
            return
        steps = checkpoint.history.steps
        description = (f"{model_title(checkpoint.model)} trained for {steps:,} step{'' if steps == 1 else 's'}, "
                       f"kept at {when:%H:%M on %d %B}")
        if not window.ask_to_restore(description):
            orphan.unlink(missing_ok=True)
            return
        note = self._show_checkpoint(checkpoint, orphan)
        if note:
            window.message_bar.show_message(note, "info")
        window.session.path = None
        window.session.dirty = True          # restored, not saved: closing asks to save it
        self.recovery.adopt(orphan)          # kept by this instance from now on
        window.setWindowTitle("Restored model[*] — Latent Lab")
        window.setWindowModified(True)
        window.statusBar().showMessage(f"Restored the unsaved model ({steps:,} steps). Save it to keep it.", 10000)

    def ask_to_restore(self, description: str) -> bool:
        """Whether to restore the model that a crashed session left unsaved (described in ``description``)."""
        answer = QMessageBox.question(
            self.window, "Restore the unsaved model?",
            f"Latent Lab closed unexpectedly while a trained model was unsaved: {description}. Restore it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard, QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes

    def ask_to_save(self) -> QMessageBox.StandardButton:
        """Save, Discard or Cancel for a model trained since it was saved."""
        return QMessageBox.question(
            self.window, "Save the model?", "The model has been trained since it was last saved. Save it?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)

    def release_model(self) -> bool:
        """Before the model is replaced or the window closes: ask to save it if it was trained since it was saved,
        then end any run; False (and a running run trains on) when the user cancels. While the user answers, the
        run waits parked between two steps: the model is still, so saving it is done on return."""
        controller = self.window.controller
        running = controller.state is RunState.RUNNING
        if not controller.park(self.close_timeout_ms):
            controller.shutdown(self.close_timeout_ms)      # a step longer than that: end the run before asking
        if not self.maybe_save():
            if running:
                controller.resume()
            return False
        controller.shutdown(self.close_timeout_ms)
        self.recovery.discard()
        return True

    def maybe_save(self) -> bool:
        """True when the current model may be replaced: saved, discarded, or nothing to save. Call it with no
        run in progress or with the run parked (a save during a run waits for a pause, so it would not be done
        on return)."""
        window = self.window
        if not window.session.dirty:
            return True
        answer = window.ask_to_save()       # the window's, which tests replace
        if answer == QMessageBox.StandardButton.Save:
            return window.save()
        return answer == QMessageBox.StandardButton.Discard
