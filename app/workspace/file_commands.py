"""The model files of a training run: Save, Save As, Open Model, asking to save before a trained model is replaced,
and keeping an unsaved model against a crash (app/workspace/recovery.py) and offering it back at the next launch.

It asks through Questions and reports through its signals; it shows nothing itself. Checkpoints are written only
while no step runs (the training controller's when_model_free).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from app.workspace.app_settings import AppSettings
from app.workspace.dataset_commands import DatasetCommands
from app.workspace.questions import Questions, SaveAnswer
from app.workspace.recovery import Recovery
from app.workspace.session import Session
from app.workspace.training_controller import RunState, TrainingController
from core.animation.recipe import model_title
from core.training.checkpoint import Checkpoint, CheckpointError


class FileCommands(QObject):
    """Saving and opening ``session``'s model, which ``controller`` trains. ``datasets`` switches to a checkpoint's
    dataset; ``recovery`` keeps the unsaved model; ``close_timeout_ms`` bounds the wait for a run to end before a
    checkpoint replaces the model."""

    model_replaced = Signal()           # the session holds another model (opened or restored): show it afresh
    model_opened = Signal(object, str)  # after model_replaced: the checkpoint's Path, a note for the user ("" if none)
    model_restored = Signal(int, str)   # after model_replaced: its steps, a note for the user ("" if none)
    model_saved = Signal(object)        # the checkpoint's Path
    failed = Signal(str)                # what went wrong, for the user

    def __init__(self, session: Session, controller: TrainingController, settings: AppSettings,
                 datasets: DatasetCommands, recovery: Recovery, questions: Questions, close_timeout_ms: int,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._controller = controller
        self._settings = settings
        self._datasets = datasets
        self._recovery = recovery
        self._questions = questions
        self.close_timeout_ms = close_timeout_ms
        self.model_name = "model"        # what "Save the ...?" calls it: a comparison's second run has its own name
        controller.recovery_ready.connect(self._on_controller_recovery_ready)

    @property
    def recovery(self) -> Recovery:
        """Where this instance keeps its unsaved model."""
        return self._recovery

    @Slot()
    def save(self) -> bool:
        if self._session.path is None:
            return self.save_as()
        return self.write_checkpoint(self._session.path)

    @Slot()
    def save_as(self) -> bool:
        session = self._session
        folder = session.path.parent if session.path is not None else Path(self._settings.last_folder() or Path.home())
        suggested = folder / f"{session.file_stem()}.npz"
        path = self._questions.ask_model_to_save(suggested)
        if path is None:
            return False
        if not path.name.endswith(".npz"):
            path = path.with_name(path.name + ".npz")
        return self.write_checkpoint(path)

    def write_checkpoint(self, path: Path) -> bool:
        """Save now when no step runs, else as soon as the run has paused (it resumes afterwards)."""
        result = []

        def write() -> None:
            try:
                self._session.save(path)
            except CheckpointError as error:
                self.failed.emit(f"{error}.")
                result.append(False)
                return
            except OSError as error:
                self.failed.emit(f"Could not save {path}: {error.strerror or error}.")
                result.append(False)
                return
            self._recovery.discard()
            self._settings.set_last_folder(str(path.parent))
            self._settings.add_recent_model(str(path))
            self.model_saved.emit(path)
            result.append(True)

        self._controller.when_model_free(write)
        return bool(result and result[0])

    @Slot()
    def open_checkpoint(self, path: str | Path | None = None) -> bool:
        """Open a checkpoint (asking for the file when ``path`` is None); on failure nothing changes."""
        if path is None:
            path = self._questions.ask_model_to_open(self._settings.last_folder())
            if path is None:
                return False
        path = Path(path)
        try:
            checkpoint = Session.read_checkpoint(path)
        except CheckpointError as error:
            self.failed.emit(f"Could not open the model. {error}.")
            return False
        if not self.release_model():
            return False
        note = self._adopt(checkpoint, path)
        self._settings.set_last_folder(str(path.parent))
        self._settings.add_recent_model(str(path))
        self.model_opened.emit(path, note)
        return True

    def _adopt(self, checkpoint: Checkpoint, path: Path) -> str:
        """Continue from ``checkpoint`` (read from ``path``): its dataset, model, settings and history. Returns a
        note for the user (empty if none) when the dataset could not be the checkpoint's own."""
        note = self._datasets.switch_dataset_for(checkpoint.dataset)
        self._session.adopt(checkpoint, path)
        self.model_replaced.emit()
        return note

    # ---- against a crash ------------------------------------------------------------------------------------
    @Slot(object)
    def _on_controller_recovery_ready(self, checkpoint: Checkpoint) -> None:
        """Keep this copy of the model (from a run) until it is saved, discarded or replaced."""
        if self._session.dirty:       # not if it was saved since the copy was made
            self._recovery.keep(checkpoint)

    def offer_recovery(self) -> None:
        """At launch: offer back the unsaved model that an instance which crashed left behind, if any."""
        orphan = self._recovery.find_orphan()
        if orphan is None:
            return
        try:
            checkpoint = Session.read_checkpoint(orphan)
            when = datetime.fromtimestamp(orphan.stat().st_mtime)
        except (CheckpointError, OSError) as error:
            orphan.unlink(missing_ok=True)
            self.failed.emit(f"An unsaved model left by an earlier session could not be read ({error}).")
            return
        steps = checkpoint.history.steps
        description = (f"{model_title(checkpoint.model)} trained for {steps:,} step{'' if steps == 1 else 's'}, "
                       f"kept at {when:%H:%M on %d %B}")
        if not self._questions.ask_to_restore(description):
            orphan.unlink(missing_ok=True)
            return
        note = self._adopt(checkpoint, orphan)
        self._session.path = None
        self._session.dirty = True          # restored, not saved: closing asks to save it
        self._recovery.adopt(orphan)        # kept by this instance from now on
        self.model_restored.emit(steps, note)

    # ---- before the model goes ------------------------------------------------------------------------------
    def release_model(self) -> bool:
        """Before the model is replaced or the window closes: ask to save it if it was trained since it was saved,
        then end any run; False (and a running run trains on) when the user cancels. While the user answers, the
        run waits parked between two steps: the model is still, so saving it is done on return."""
        controller = self._controller
        running = controller.state is RunState.RUNNING
        if not controller.park(self.close_timeout_ms):
            controller.shutdown(self.close_timeout_ms)      # a step longer than that: end the run before asking
        if not self.maybe_save():
            if running:
                controller.resume()
            return False
        controller.shutdown(self.close_timeout_ms)
        self._recovery.discard()
        return True

    def maybe_save(self) -> bool:
        """True when the current model may be replaced: saved, discarded, or nothing to save. Call it with no
        run in progress or with the run parked (a save during a run waits for a pause, so it would not be done
        on return)."""
        if not self._session.dirty:
            return True
        answer = self._questions.ask_to_save(self.model_name)
        if answer is SaveAnswer.SAVE:
            return self.save()
        return answer is SaveAnswer.DISCARD
