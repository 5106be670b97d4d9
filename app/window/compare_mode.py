"""Compare mode: a second run trained beside the window's own, on the same data, with views of its own.

The second run is drawn first, on the left (its explorer, its settings tab, its rows, its animation frames), as
the command line's ``gif --compare`` draws the compared model first: the window's export equals
``gif --checkpoint FIRST.npz --compare SECOND.npz``.

By default the second run is the first one's model of the other kind (core/training/presets.py), so an AE and a
VAE of the same layers train at once on the same batches; the user may change any of its settings in its own tab of
the settings panel. CompareMode makes the second run's Session, TrainingController, FileCommands, settings panel and
LatentExplorer, and shows its run in the shared views: the loss plot, the image strips, the animation tools. The
window's training commands act on both runs through the RunGroup; the first run stays the window's (its file,
dataset and recovery commands).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QTabWidget

from app.explorer.decoded_pair import DecodedPair
from app.explorer.explorer_link import ExplorerLink
from app.explorer.latent_explorer import LatentExplorer
from app.window.comparison_display import ComparisonDisplay
from app.window.panel_models import new_model_from_panel, panel_train_config
from app.window.settings_panel import SettingsPanel
from app.workspace.comparison import run_names
from app.workspace.file_commands import FileCommands
from app.workspace.recovery import Recovery
from app.workspace.session import Session
from app.workspace.training_controller import RunState, TrainingController
from app.workspace.training_worker import COMPARISON_NICENESS, TRAINING_NICENESS
from app.workspace.workspace import TrainingRun
from core.data.datasets import Dataset
from core.nn.config import ModelConfig
from core.training.config import TrainConfig
from core.training.presets import comparison_pair

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from app.animation.animation_tools import AnimationTools
    from app.plots.loss_plot import LossPlot
    from app.window.layout import WindowLayout
    from app.window.message_bar import MessageBar
    from app.window.run_strips import RunStrips
    from app.workspace.dataset_commands import DatasetCommands
    from app.workspace.questions import Questions
    from app.workspace.run_group import RunGroup
    from app.workspace.workspace import Workspace

RECOVERY_SUBFOLDER = "comparison"    # the second run's unsaved model, apart from the first run's


class CompareMode(QObject):
    """The second run and its views, while the window compares (``active``).

    workspace: holds the runs; group: the training commands over them; tabs: the settings panels, one tab a run;
    layout: where the second explorer and the shared decoded panel go; first_explorer: the first run's (see
    set_first_explorer), linked to the second under one cursor; first_files: the first run's file commands (their
    questions name the run while comparing); loss_plot, strips, animation: the views both runs
    share; datasets, questions: for the second run's file commands; parts: processes each run's batches are split
    over in a comparison; blas_threads: as the first run's controller."""

    def __init__(self, *, workspace: Workspace, group: RunGroup, tabs: QTabWidget, layout: WindowLayout,
                 first_explorer: LatentExplorer, first_files: FileCommands,
                 loss_plot: LossPlot, strips: RunStrips, animation: AnimationTools, message_bar: MessageBar,
                 status_bar: QStatusBar, datasets: DatasetCommands, questions: Questions, parts: int,
                 blas_threads: int | None, close_timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._group = group
        self._first_explorer = first_explorer
        self._first_files = first_files
        self.decoded_pair = DecodedPair()
        self.link: ExplorerLink | None = None
        self.same_axes = False
        self._tabs = tabs
        self._layout = layout
        self._loss_plot = loss_plot
        self._strips = strips
        self._animation = animation
        self._message_bar = message_bar
        self._status_bar = status_bar
        self._datasets = datasets
        self._questions = questions
        self._parts = parts
        self._blas_threads = blas_threads
        self._close_timeout_ms = close_timeout_ms
        self.run: TrainingRun | None = None
        self.panel: SettingsPanel | None = None
        self.explorer: LatentExplorer | None = None
        self.file_commands: FileCommands | None = None
        self.names = ("", "")
        self._display: ComparisonDisplay | None = None
        self._first_parts = workspace.current.session.parts

    @property
    def active(self) -> bool:
        return self.run is not None

    @property
    def session(self) -> Session:
        return self.run.session

    @property
    def controller(self) -> TrainingController:
        return self.run.controller

    # ---- starting and ending ------------------------------------------------------------------------------------
    def start(self, settings: tuple[ModelConfig, TrainConfig] | None = None) -> bool:
        """Show a second run, of ``settings`` (default: the first run's model of the other kind, with the first
        run's training settings); False if one is shown already or the first run is training."""
        first = self._workspace.current
        if self.active or first.controller.state is not RunState.IDLE:
            return False
        model_config, train_config = settings or (comparison_pair(first.session.model_config),
                                                  first.session.train_config)
        session = Session(first.session.dataset, first.session.dataset_spec, model_config, train_config, self._parts)
        session.set_parts(self._parts, in_helpers=True)
        controller = TrainingController(session, self._blas_threads, self)
        controller.niceness = first.controller.niceness = COMPARISON_NICENESS
        self.run = self._workspace.add_run(TrainingRun(session, controller))
        first.session.set_parts(self._parts, in_helpers=True)
        self.file_commands = FileCommands(session, controller, self._workspace.settings, self._datasets,
                                          Recovery(self._recovery_folder()), self._questions, self._close_timeout_ms,
                                          self)
        self._connect_file_commands(self.file_commands)

        self.panel = SettingsPanel()
        self.panel.set_dataset_shown(False)
        self.panel.set_configs(model_config, train_config)
        self._connect_panel(self.panel)
        self._tabs.insertTab(0, self.panel, "")
        self._tabs.setCurrentIndex(1)          # the first run's settings stay in front
        self.explorer = LatentExplorer(session.dataset.class_names)
        self._layout.set_comparison_explorer(self.explorer)
        self._display = ComparisonDisplay(self.run, first.session, panel=self.panel, explorer=self.explorer,
                                          loss_plot=self._loss_plot, strips=self._strips,
                                          message_bar=self._message_bar, names=lambda: self.names, parent=self)
        self.link = ExplorerLink(self.explorer, self._first_explorer, self)
        self.link.set_same_axes(self.same_axes)
        self._layout.set_decoded_pair(self.decoded_pair)
        self._group.set_controllers([first.controller, controller])
        self._update_names()
        self._link_explorers()
        self.show_model()
        return True

    def offer_recovery(self) -> None:
        """At launch: when a comparison that crashed left its second run's model unsaved, show a comparison and
        offer that model back (the comparison ends again if the user declines)."""
        if Recovery(self._recovery_folder()).find_orphan() is None or not self.start():
            return
        self.file_commands.offer_recovery()
        if not self.session.trained:
            self.end()

    def save_as(self) -> bool:
        """Save the second run's model to a file the user chooses (File > Save Second Run As…)."""
        return self.active and self.file_commands.save_as()

    def _recovery_folder(self) -> Path:
        return self._workspace.settings.recovery_folder() / RECOVERY_SUBFOLDER

    def release(self) -> bool:
        """Before the second run goes (the comparison ends, the window closes): ask to save its model if it has
        trained since it was saved, then end its run; False when the user cancels."""
        return not self.active or self.file_commands.release_model()

    def end(self) -> bool:
        """Ask to save the second run's model (release), then remove the run and its views; False when the user
        cancels (nothing changes then)."""
        if not self.active:
            return True
        if not self.release():
            return False
        first = self._workspace.current
        self._group.set_controllers([first.controller])
        self._workspace.remove_run(self.run)
        first.session.set_parts(self._first_parts)
        first.controller.niceness = TRAINING_NICENESS
        first.session.close()          # its helpers were started for the comparison's parts
        self._tabs.removeTab(self._tabs.indexOf(self.panel))
        self._tabs.setTabText(0, "")
        self._first_files.model_name = "model"
        self.link.unlink()
        self._layout.set_comparison_explorer(None)
        self._layout.set_decoded_pair(None)
        self._first_explorer.set_title("")
        self._first_explorer.set_paired(False)
        for item in (self.panel, self.explorer, self.file_commands, self.controller, self._display, self.link):
            item.deleteLater()
        self.run = self.panel = self.explorer = self.file_commands = self._display = self.link = None
        self._loss_plot.set_comparison(None)
        self._strips.set_runs([(first.session, "", first.session.model_config.kind)])
        self._animation.set_comparison_run(None)
        return True

    # ---- commands over the second run ---------------------------------------------------------------------------
    def reset(self) -> bool:
        """Fresh weights for the second run from its panel (after asking to save a trained model); False if the
        user cancels or the panel's layers cannot make a model."""
        if not self.active:
            return True
        if not self.file_commands.release_model() \
                or not self._new_model_from_panel(panel_train_config(self.panel, self.session)):
            return False
        self.show_model()
        return True

    def set_dataset(self, dataset: Dataset, spec: str) -> None:
        """Train on the first run's new dataset; the model and its history stay, as the first run's do."""
        if self.active:
            self.session.set_dataset(dataset, spec)
            if tuple(dataset.class_names) != self.explorer.class_names:
                old, self.explorer = self.explorer, LatentExplorer(dataset.class_names)
                self._layout.set_comparison_explorer(self.explorer)
                self._display.set_explorer(self.explorer)
                self._link_explorers()
                old.deleteLater()
            self.show_model()

    def set_first_explorer(self, explorer: LatentExplorer) -> None:
        """The first run's explorer from now on (the window replaced it: another dataset's classes)."""
        self._first_explorer = explorer
        if self.active:
            self._link_explorers()

    def set_same_axes(self, same: bool) -> None:
        """Both runs' plots on the same axes (framing both runs' points), or each on its own."""
        self.same_axes = same
        if self.active:
            self.link.set_same_axes(same)

    def _link_explorers(self) -> None:
        """One cursor for both explorers, their images in the shared decoded panel, each named by its run."""
        first, second = self._first_explorer, self.explorer
        self.link.set_explorers(second, first)
        self.decoded_pair.set_explorers(second, first, (self.names[1], self.names[0]))
        first.set_paired(True)
        second.set_paired(True)
        first.set_title(self.names[0])
        second.set_title(self.names[1])

    def update_actions(self) -> None:
        """Lock the second panel's settings as the first one's are: while either run trains, and its architecture
        once its model has trained."""
        if self.active:
            idle = self._group.state is RunState.IDLE
            self.panel.set_running(not idle)
            self.panel.set_architecture_locked(not idle or self.session.trained)

    # ---- showing the second run ------------------------------------------------------------------------------
    def show_model(self) -> None:
        """Show the second run's model and history from scratch (after start, reset, or a new dataset)."""
        session = self.session
        self._loss_plot.set_comparison(session.history, session.model_config.kind, self.names)
        first = self._workspace.current.session
        self._strips.set_runs([(session, self.names[1], session.model_config.kind),
                               (first, self.names[0], first.model_config.kind)])
        self._animation.set_comparison_run(self.run, self.names)
        self.panel.set_model_info(f"{session.model.parameters.size:,} weights")
        self.panel.show_epochs(session.train_config.epochs, session.epochs_done)
        self._display.show_snapshot(self.controller.snapshot_now())
        self._display.fit()
        self.update_actions()

    def fit_explorer(self) -> None:
        """Frame the second run's codes, and follow them as they move (the Fit action)."""
        if self.active:
            self._display.fit()

    def _update_names(self) -> None:
        first = self._workspace.current.session
        second = self.session
        names = run_names((first.model_config, first.train_config), (second.model_config, second.train_config))
        if names != self.names:
            self.names = names
            self._tabs.setTabText(self._tabs.indexOf(self.panel), names[1])
            self._tabs.setTabText(1 - self._tabs.indexOf(self.panel), names[0])
            self._first_files.model_name = f"{names[0]} run"
            self.file_commands.model_name = f"{names[1]} run"
            self._first_explorer.set_title(names[0])
            self.explorer.set_title(names[1])
            self.decoded_pair.set_names((names[1], names[0]))
            self._animation.set_run_names(names)

    def first_run_changed(self) -> None:
        """The first run has a new model or settings: the runs' names may change."""
        if self.active:
            self._update_names()
            self.show_model()

    # ---- the second panel -------------------------------------------------------------------------------------
    def _connect_panel(self, panel: SettingsPanel) -> None:
        panel.architecture_changed.connect(self._on_panel_architecture_changed)
        panel.training_changed.connect(self._on_panel_training_changed)
        panel.lr_changed.connect(self._on_panel_lr_changed)
        panel.beta_changed.connect(self._on_panel_beta_changed)

    def _new_model_from_panel(self, train_config: TrainConfig) -> bool:
        problem = new_model_from_panel(self.panel, self.session, train_config)
        if problem:
            self._message_bar.show_message(f"Cannot build the {self.names[1]} model: {problem}.", "error")
        return not problem

    @Slot()
    def _on_panel_architecture_changed(self) -> None:
        if self.session.trained or self.controller.state is not RunState.IDLE:
            self.session.set_train_config(panel_train_config(self.panel, self.session))   # only the seed can change
            self._update_names()
        elif self._new_model_from_panel(self.panel.train_config()):
            self._update_names()
            self.show_model()

    @Slot()
    def _on_panel_training_changed(self) -> None:
        self.session.set_train_config(panel_train_config(self.panel, self.session))
        self._update_names()

    @Slot(float)
    def _on_panel_lr_changed(self, lr: float) -> None:
        self.controller.set_lr(lr)
        self._update_names()

    @Slot(float)
    def _on_panel_beta_changed(self, beta: float) -> None:
        self.controller.set_beta(beta)
        self._update_names()

    # ---- the second run's files ------------------------------------------------------------------------------
    def _connect_file_commands(self, files: FileCommands) -> None:
        files.model_replaced.connect(self._on_file_commands_model_replaced)
        files.model_restored.connect(self._on_file_commands_model_restored)
        files.model_saved.connect(self._on_file_commands_model_saved)
        files.failed.connect(self._on_file_commands_failed)

    @Slot()
    def _on_file_commands_model_replaced(self) -> None:
        self.panel.set_configs(self.session.model_config, self.session.train_config)
        self._update_names()
        self.show_model()

    @Slot(int, str)
    def _on_file_commands_model_restored(self, steps: int, note: str) -> None:
        self._message_bar.show_message(f"Restored the unsaved {self.names[1]} run of a comparison ({steps:,} steps). "
                                       f"{note}".strip(), "info")

    @Slot(object)
    def _on_file_commands_model_saved(self, path: Path) -> None:
        self._status_bar.showMessage(f"Saved the {self.names[1]} run to {path}", 5000)

    @Slot(str)
    def _on_file_commands_failed(self, message: str) -> None:
        self._message_bar.show_message(f"{self.names[1]}: {message}", "error")
