"""The training commands over every run of the window at once: Train, Pause/Resume, Step and Stop act on each run's
TrainingController, so that in a comparison both runs start, pause, step and stop together.

No widgets: the window's actions call it, and it tells the window the group's state (``state_changed``).
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from app.workspace.training_controller import RunState, TrainingController


class RunGroup(QObject):
    """The controllers of the runs shown, the first one always there. The group is RUNNING while any run trains,
    PAUSED while none trains and one is paused, IDLE when every run is."""

    state_changed = Signal(object)       # RunState of the group

    def __init__(self, controllers: list[TrainingController], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controllers: list[TrainingController] = []
        self.state = RunState.IDLE
        self.set_controllers(controllers)

    @property
    def controllers(self) -> tuple[TrainingController, ...]:
        return tuple(self._controllers)

    def set_controllers(self, controllers: list[TrainingController]) -> None:
        """Act on ``controllers`` from now on (a comparison adds one, ending it takes it away)."""
        for controller in self._controllers:
            controller.state_changed.disconnect(self._on_controller_state_changed)
        self._controllers = list(controllers)
        for controller in self._controllers:
            controller.state_changed.connect(self._on_controller_state_changed)
        self._on_controller_state_changed()

    def start(self) -> None:
        """Train every idle run; runs already going on keep going."""
        for controller in self._controllers:
            controller.start()

    def toggle_pause(self) -> None:
        """Pause every running run if one runs, else resume every paused run."""
        if self.state is RunState.RUNNING:
            for controller in self._controllers:
                controller.pause()
        else:
            for controller in self._controllers:
                controller.resume()

    def step(self) -> None:
        """One batch for each run that is not running: a one-step run when idle, a step when paused."""
        for controller in self._controllers:
            controller.step()

    def stop(self) -> None:
        for controller in self._controllers:
            controller.stop()

    @Slot(object)
    def _on_controller_state_changed(self, *_state: object) -> None:
        states = {controller.state for controller in self._controllers}
        state = next((s for s in (RunState.RUNNING, RunState.PAUSED) if s in states), RunState.IDLE)
        if state is not self.state:
            self.state = state
            self.state_changed.emit(state)
