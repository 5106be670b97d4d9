"""The Animate panel: pick two test images and an InterpolationSpec, preview the animation, ask for an export.

Frames come from core.animation.recipe.interpolation_frames, the recipe the `gif` command uses, on private copies of the
models' weights, so the preview, the export and the command line agree frame for frame. As in the command line,
the current model chooses the end images (by class: the test image nearest its class mean, or the next ones) and
is drawn on the right; a comparison model, if any, on the left. The panel neither writes files nor knows the
explorer: it emits `path_changed` / `frame_shown` for the window to draw, and `export_requested`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.animation.animation_exporter import ExportJob
from app.animation.end_picker import EndPicker
from app.animation.frame_player import FramePlayer, FrameView, tile_strip
from app.animation.spec_form import SpecForm
from app.widgets.form_rows import widget_row
from core.animation.recipe import (
    InterpolationSpec,
    interpolation_frames,
    mean_codes,
    model_title,
)
from core.animation.reconstructed_class import ClassKeeper
from core.data.datasets import images_to_float
from core.latent.interpolate import (
    interpolation_images,
    lerp_path,
    slerp_path,
    timeline,
)
from core.nn.models import AutoEncoder, copy_model

STRIP_STEPS = 10  # decoded steps shown in the strip
LABEL_WIDTH = 220  # pixels
KEPT_NOTE = "Both sides show the kept model until you train another: change the model, press Reset, then Train."


class AnimationPanel(QWidget):
    """Interpolation controls, a playing preview and a strip of decoded steps.

    Feed it with set_test_set(images, labels) and set_model(model); optionally set_comparison_model(model).
    """

    path_changed = Signal(object)  # (n_frames, latent_dim) the current model's latent path, or None
    frame_shown = Signal(int)  # index into that path of the frame the preview shows
    export_requested = Signal()
    size_hint_changed = Signal()  # its controls need another size (a hint line appeared, say)
    model_requested = Signal()  # the user wants the latest weights: answer with set_model
    open_comparison_requested = Signal()
    keep_comparison_requested = Signal()

    def __init__(self, class_names: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._images = np.zeros((0, 784), np.uint8)  # (n, 784) test images
        self._labels = np.zeros(0, np.intp)  # (n,) their classes
        self._model: AutoEncoder | None = None
        self._codes: np.ndarray | None = None  # (n, d) the current model's mean codes of the test images
        self._comparison_codes: np.ndarray | None = None  # (n, d') the comparison model's, once needed
        self._keeper: ClassKeeper | None = None  # which test images every model reconstructs as their class
        self._names = ["comparison", "current"]
        self._comparison: AutoEncoder | None = None
        self._frames: np.ndarray | None = None  # (n_frames, H, W, 3) one per step, before holds and ping-pong
        self._path: np.ndarray | None = None
        self._step: int | None = None
        self._stale = False          # the preview waits to be shown before it is made again
        self._codes_stale = False    # so do the codes: the test images are encoded once the panel is shown
        self._update_timer = QTimer(self, singleShot=True, interval=40)
        self._update_timer.timeout.connect(self._on_inputs_changed)
        self.picker = EndPicker(class_names)
        self.picker.ends_changed.connect(self._on_inputs_changed)
        self.spec_form = SpecForm()
        self.spec_form.changed.connect(self._schedule_refresh)
        self._build()
        self._set_status("Train or open a model to animate it.")

    # ---- construction ---------------------------------------------------------------------------------------
    def _build(self) -> None:
        """The ends and the look side by side, the models and export in two rows under them, then the strip, all in
        a scroll area; the player beside them takes the rest of the width (with a comparison model, its frames are
        wider than tall: rows of controls leave it more height than a third column of them would)."""
        self.status_label = QLabel()
        self.status_label.setObjectName("hint")
        self.status_label.setWordWrap(True)

        self.comparison_label = QLabel("—")
        self.comparison_label.setObjectName("hint")
        self._comparison_choice = True      # False in compare mode
        self.open_comparison_button = QPushButton("Open…")
        self.open_comparison_button.setToolTip("Show a saved model beside this one, on the same two images.")
        self.keep_button = QPushButton("Keep this")
        self.keep_button.setToolTip("Keep the current model for comparison, then train another one.")
        self.remove_comparison_button = QToolButton(text="✕")
        self.remove_comparison_button.setAutoRaise(True)
        self.remove_comparison_button.setToolTip("Remove the comparison model.")
        self.open_comparison_button.clicked.connect(self.open_comparison_requested)
        self.keep_button.clicked.connect(self.keep_comparison_requested)
        self.remove_comparison_button.clicked.connect(self._on_remove_comparison_clicked)
        self.update_button = QPushButton("Use latest weights")
        self.update_button.setToolTip("Animate the model as it is now.")
        self.update_button.clicked.connect(self.model_requested)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Write the animation as a GIF, an MP4 or PNG frames (Ctrl+E).")
        self.export_button.clicked.connect(self.export_requested)
        models = QVBoxLayout()
        models.setContentsMargins(0, 0, 0, 0)
        comparison = widget_row(QLabel("Beside it, on the left:"), self.comparison_label, self.remove_comparison_button)
        comparison.setSpacing(6)
        models.addLayout(comparison)
        buttons = widget_row(self.open_comparison_button, self.keep_button, self.update_button, self.export_button)
        buttons.setSpacing(6)
        models.addLayout(buttons)
        models.addWidget(self.status_label)

        self.strip = FrameView()
        self.strip.setMinimumHeight(60)          # two models' rows of steps, at one screen pixel per image pixel
        self.strip.setMaximumHeight(124)
        self.strip.setToolTip("Evenly spaced steps of the interpolation, one row per model.")
        controls = QWidget()
        grid = QGridLayout(controls)
        grid.setContentsMargins(0, 0, 4, 0)
        grid.setHorizontalSpacing(14)
        grid.addWidget(self.picker, 0, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.spec_form, 0, 1, Qt.AlignmentFlag.AlignTop)
        grid.addLayout(models, 1, 0, 1, 2)
        grid.addWidget(self.strip, 2, 0, 1, 2)
        grid.setRowStretch(2, 1)
        grid.setRowStretch(3, 1)         # what the strip cannot take, under it
        # Scrolls when the window gives the panel little height: it must not set the window's minimum height. Its
        # minimum width holds the controls, so that a window of 1024 pixels shows every one of them.
        scroll = self.scroll_area = _FittingScrollArea()
        scroll.setWidget(controls)
        scroll.hint_changed.connect(self.size_hint_changed)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setMinimumWidth(controls.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())

        self.player = FramePlayer()
        self.player.frame_changed.connect(self.frame_shown)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(scroll)
        layout.addWidget(self.player, 1)

    # ---- data -----------------------------------------------------------------------------------------------
    def set_test_set(self, images: np.ndarray, labels: np.ndarray, class_names: Sequence[str] | None = None) -> None:
        """The images to choose the ends from: images (n, 784) uint8, labels (n,) int."""
        self._images = np.asarray(images)
        self._labels = np.asarray(labels)
        self._comparison_codes = None
        self.picker.set_test_set(images, labels, class_names)
        self._encode()

    def set_model(self, model: AutoEncoder | None, name: str = "current", step: int | None = None) -> None:
        """Animate `model` (a private copy of its weights is taken now: call it while nothing trains the model).

        name: told apart by it when both models would have the same title; step: shown as the weights' age."""
        self._model = None if model is None else copy_model(model)
        self._names[1] = name
        self._step = step
        self._encode()

    def set_comparison_model(self, model: AutoEncoder | None, name: str = "comparison") -> None:
        """Show `model` (copied now) beside the current one, on the left; None removes it."""
        self._comparison = None if model is None else copy_model(model)
        self._comparison_codes = None
        self._names[0] = name
        self._update_comparison_controls()
        # The ends by class are chosen again, first among the images both models keep in their class.
        if self.isVisible() and not self._codes_stale:
            self._choose_ends()           # the current model's codes stand
        else:
            self._codes_stale = self._stale = True

    def model(self) -> AutoEncoder | None:
        return self._model

    def comparison_model(self) -> AutoEncoder | None:
        return self._comparison

    def model_step(self) -> int | None:
        """The training step of the animated weights, as given to set_model."""
        return self._step

    # ---- choices --------------------------------------------------------------------------------------------
    def spec(self) -> InterpolationSpec:
        """The InterpolationSpec the controls describe."""
        return self.spec_form.spec()

    def set_spec(self, spec: InterpolationSpec) -> None:
        """Set every control from `spec` and update the preview now."""
        self.spec_form.set_spec(spec)
        self.refresh()

    def set_ends_by_label(self, from_label: int, to_label: int, from_rank: int = 0, to_rank: int = 0) -> None:
        """From an image of class from_label to one of to_label: rank 0 is the test image nearest its class mean
        under the current model, 1 the next nearest, -1 the farthest (pick_pair_by_label, as the CLI)."""
        self._encode_if_stale()
        self.picker.set_ends_by_label(from_label, to_label, from_rank, to_rank)

    def set_ends(self, start: int, end: int) -> None:
        """Interpolate between the test images with these indices."""
        self.picker.set_ends(start, end)

    def ends(self) -> tuple[int, int]:
        """The test indices of the start and end images (-1 before there is a model)."""
        self._encode_if_stale()
        return self.picker.ends()

    @Slot(int)
    def pick_point(self, index: int) -> None:
        """A test point was clicked in the explorer (its `point_clicked`): see EndPicker.pick_point."""
        self.picker.pick_point(index)

    # ---- results --------------------------------------------------------------------------------------------
    def models(self) -> list[tuple[str, AutoEncoder]]:
        """(title, model) pairs left to right: the comparison model first, then the current one (as the CLI)."""
        if self._model is None:
            return []
        if self._comparison is None:
            return [(model_title(self._model), self._model)]
        titles = [model_title(self._comparison), model_title(self._model)]
        if titles[0] == titles[1]:
            titles = [f"{title} {name}" for title, name in zip(titles, self._names)]
        return list(zip(titles, (self._comparison, self._model)))

    def end_images(self) -> tuple[np.ndarray, np.ndarray]:
        """The start and end images (784,) float32 in [0, 1]."""
        x0, x1 = images_to_float(self._images[list(self.ends())])
        return x0, x1

    def frames(self) -> np.ndarray:
        """The finished animation, as exported: (spec.length, H, W, 3) uint8."""
        self._refresh_if_stale()
        spec = self.spec()
        return self._frames[timeline(spec.n_frames, spec.hold_frames, spec.ping_pong)]

    def path(self) -> np.ndarray | None:
        """The current model's latent path (n_frames, d), or None."""
        self._refresh_if_stale()
        return self._path

    def export_job(self, path: Path) -> ExportJob:
        """The export of what the preview shows: interpolation_frames on the frozen models, run by the worker."""
        spec = self.spec()
        make_frames = partial(interpolation_frames, self.models(), *self.end_images(), spec)
        return ExportJob(Path(path), make_frames, spec.fps, "animation")

    # ---- updating -------------------------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Recompute the preview now (changes to the controls otherwise do so a moment later, or, while the panel
        is hidden, when it is next shown)."""
        self._encode_if_stale()
        self._update_timer.stop()
        self._stale = False
        if self._model is None or min(self.ends()) < 0:
            self._frames = self._path = None
            self.player.set_frames(None)
            self.strip.set_frame(None)
            self.path_changed.emit(None)
            self.export_button.setEnabled(False)
            return
        spec = self.spec()
        models = self.models()
        x0, x1 = self.end_images()
        # One frame per step: the holds and the ping-pong are an order of play (the export applies the same).
        self._frames = interpolation_frames(models, x0, x1, replace(spec, hold_frames=0, ping_pong=False))
        decoded = [interpolation_images(model, x0, x1, spec.n_frames, spec.mode) for _, model in models]
        steps = np.linspace(0, spec.n_frames - 1, min(STRIP_STEPS, spec.n_frames)).round().astype(int)
        self.strip.set_frame(tile_strip([images[steps] for images in decoded]))
        codes = self._codes[list(self.ends())]
        self._path = (slerp_path if spec.mode == "slerp" else lerp_path)(codes[0], codes[1], spec.n_frames)
        self.path_changed.emit(self._path if self.isVisible() else None)  # drawn only while the preview shows
        self.player.set_frames(self._frames, spec.fps, timeline(spec.n_frames, spec.hold_frames, spec.ping_pong))
        self.export_button.setEnabled(True)
        self._update_comparison_controls()
        weights = "" if self._step is None else f" Weights of step {self._step:,}."
        status = f"{spec.length} frames, {spec.length / spec.fps:.1f} s.{weights}"
        if self._comparison is not None and np.array_equal(self._comparison.parameters.flat,
                                                           self._model.parameters.flat):
            status = KEPT_NOTE + " " + status           # just kept: the same model twice
        else:
            status = " ".join(filter(None, (self._unkept_note(models), status)))
        self._set_status(status)

    def _unkept_note(self, models: list[tuple[str, AutoEncoder]]) -> str:
        """Which models reconstruct an end image as another class than its own (core/animation/reconstructed_class.py),
        and, for an end chosen first in its class, that no image of the class is kept in it by every model."""
        names = self.picker.class_names()
        notes = []
        for which, index, rank in zip(("first", "last"), self.ends(), self.picker.ranks()):
            own = int(self._labels[index])
            found = self._keeper.classes(np.array([index]))[:, 0]  # (n_models,) left to right, as models
            wrong = [f"a {names[cls]} from the {title}" for (title, _), cls in zip(models, found) if cls != own]
            if wrong:
                notes.append(f"The {which} image, a {names[own]}, comes back as {' and as '.join(wrong)}.")
            if wrong and rank == 0:
                notes.append(f"No test {names[own]} comes back as a {names[own]} from every model.")
        return " ".join(notes)

    def _schedule_refresh(self, *args) -> None:
        self._update_timer.start()

    @Slot()
    def _on_inputs_changed(self) -> None:
        """Make the preview again, now if it is in sight, else once it is: rendering its frames takes the GUI thread
        about 0.1 s, a hitch at the end of every training run if done for a hidden panel."""
        if self.isVisible():
            self.refresh()
        else:
            self._update_timer.stop()
            self._stale = True

    def _refresh_if_stale(self) -> None:
        if self._stale:
            self.refresh()

    def _encode(self) -> None:
        """Encode the test images with the current model; the picker chooses the ends again (and refreshes).

        While the panel is hidden this waits until it is shown or its ends are asked for: encoding the 10,000 test
        images of (Fashion-)MNIST takes the GUI thread 75-150 ms, a hitch at the end of every training run."""
        self._update_comparison_controls()
        self._codes_stale = True
        if self.isVisible():
            self._encode_if_stale()

    def _encode_if_stale(self) -> None:
        if not self._codes_stale:
            return
        self._codes_stale = False
        ready = self._model is not None and len(self._images) > 0
        self._codes = mean_codes(self._model, self._images) if ready else None
        self._choose_ends()

    def _choose_ends(self) -> None:
        """Give the picker the current model's codes and a judge of the images every model animated reconstructs as
        their own class (encoding the test set with the comparison model if needed)."""
        self._keeper = None
        if self._codes is not None:
            if self._comparison is not None and self._comparison_codes is None:
                self._comparison_codes = mean_codes(self._comparison, self._images)
            models = [(self._model, self._codes)]
            if self._comparison is not None:
                models.insert(0, (self._comparison, self._comparison_codes))
            self._keeper = ClassKeeper(models, self._images, self._labels)
        self.picker.set_codes(self._codes, self._keeper)

    def set_model_names(self, current: str, comparison: str) -> None:
        """Tell the two models apart by these names (they show when both have the same title), keeping their weights."""
        self._names = [comparison, current]
        self._update_comparison_controls()
        self._schedule_refresh()

    def set_comparison_choice_enabled(self, enabled: bool) -> None:
        """Let the user open, keep and remove a comparison model, or not (compare mode gives its second run)."""
        self._comparison_choice = enabled
        self.open_comparison_button.setEnabled(enabled)
        self._update_comparison_controls()

    def _update_comparison_controls(self) -> None:
        comparison = self._comparison
        text = "—" if comparison is None else f"{model_title(comparison)} ({self._names[0]})"
        metrics = self.comparison_label.fontMetrics()
        self.comparison_label.setText(metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, LABEL_WIDTH - 30))
        self.comparison_label.setToolTip(text)
        self.remove_comparison_button.setEnabled(comparison is not None and self._comparison_choice)
        self.keep_button.setEnabled(self._model is not None and self._comparison_choice)

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)

    # ---- handlers -------------------------------------------------------------------------------------------
    @Slot()
    def _on_remove_comparison_clicked(self) -> None:
        self.set_comparison_model(None)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.path_changed.emit(None)  # the path belongs to the preview: not drawn while it is out of sight
        self.picker.pick_button.setChecked(False)  # nor are ends picked on the plot for a panel out of sight

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._encode_if_stale()
        self._refresh_if_stale()
        self.path_changed.emit(self._path)
        if self._path is not None:
            self.frame_shown.emit(self.player.frame_index())


class _FittingScrollArea(QScrollArea):
    """A scroll area that asks for its whole widget's size (QScrollArea caps its hint at a few dozen lines), and
    asks again whenever the widget's layout changes (a new text in a label, say): ``hint_changed`` then."""

    hint_changed = Signal()

    def setWidget(self, widget: QWidget) -> None:
        super().setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
            self.hint_changed.emit()
        return super().eventFilter(watched, event)

    def sizeHint(self) -> QSize:
        hint = self.widget().sizeHint()
        return QSize(hint.width() + self.verticalScrollBar().sizeHint().width(), hint.height())
