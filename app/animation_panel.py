"""The Animate panel: pick two test images and an InterpolationSpec, preview the animation, ask for an export.

Frames come from core.animation.interpolation_frames, the recipe the `gif` command uses, on private copies of the
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
from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea,
    QSpinBox, QToolButton, QVBoxLayout, QWidget,
)

from app.export_worker import ExportJob
from app.frame_player import FramePlayer, FrameView
from app.image_panel import ImagePanel
from core.animation import InterpolationSpec, interpolation_frames, mean_codes, model_title, pick_pair_by_label
from core.data import images_to_float
from core.frames import to_uint8_tiles
from core.interpolate import interpolation_images, lerp_path, slerp_path, timeline
from core.models import AutoEncoder, build_model

MODE_NAMES = {"slerp": "Spherical (slerp)", "lerp": "Linear (lerp)"}
STRIP_STEPS = 12  # decoded steps shown in the strip
THUMB_SIDE = 32
PICK_HINT = "Click the start point in the latent plot…", "Now click the end point…"


def frozen_copy(model: AutoEncoder) -> AutoEncoder:
    """A model with a private copy of `model`'s weights (read it only while nothing trains it)."""
    copy = build_model(model.config, np.random.default_rng(0))
    copy.parameters.flat[...] = model.parameters.flat
    return copy


class AnimationPanel(QWidget):
    """Interpolation controls, a playing preview and a strip of decoded steps.

    Feed it with set_test_set(images, labels) and set_model(model); optionally set_comparison_model(model).
    """

    path_changed = Signal(object)  # (n_frames, latent_dim) the current model's latent path, or None
    frame_shown = Signal(int)  # index into that path of the frame the preview shows
    export_requested = Signal()
    model_requested = Signal()  # the user wants the latest weights: answer with set_model
    open_comparison_requested = Signal()
    keep_comparison_requested = Signal()

    def __init__(self, class_names: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._class_names = list(class_names)
        self._images = np.zeros((0, 784), np.uint8)  # (n, 784) test images
        self._labels = np.zeros(0, np.intp)  # (n,)
        self._model: AutoEncoder | None = None
        self._codes: np.ndarray | None = None  # (n, d) the current model's mean codes of the test images
        self._names = ["comparison", "current"]
        self._comparison: AutoEncoder | None = None
        self._ranks: list[int | None] = [0, 0]  # per end: rank within its class, or None when picked on the plot
        self._ends: list[int] = [-1, -1]  # test indices
        self._picking = -1  # which end the next plot click sets, -1: not picking
        self._frames: np.ndarray | None = None  # (n_frames, H, W, 3) one per step, before holds and ping-pong
        self._path: np.ndarray | None = None
        self._step: int | None = None
        self._update_timer = QTimer(self, singleShot=True, interval=40)
        self._update_timer.timeout.connect(self.refresh)
        self._build()
        self._set_status("Train or open a model to animate it.")

    # ---- construction ---------------------------------------------------------------------------------------
    def _build(self) -> None:
        """Three columns of controls (ends; look; models and export) over the strip, the player on the right."""
        self.end_combos = [QComboBox(), QComboBox()]
        self.previous_buttons = [QToolButton(text="◀"), QToolButton(text="◀")]
        self.next_buttons = [QToolButton(text="▶"), QToolButton(text="▶")]
        self.thumbs = [ImagePanel(side=THUMB_SIDE), ImagePanel(side=THUMB_SIDE)]
        self.end_labels = [QLabel(), QLabel()]
        ends = _form()
        for end, name in enumerate(("From", "To")):
            combo = self.end_combos[end]
            combo.addItems(self._class_names)
            combo.setToolTip("Class of the image: the test image nearest its class mean in latent space.")
            combo.activated.connect(partial(self._on_end_combo_activated, end))
            self.previous_buttons[end].setToolTip("The previous image of this class (nearer the class mean).")
            self.next_buttons[end].setToolTip("The next image of this class (farther from the class mean).")
            self.previous_buttons[end].clicked.connect(partial(self._step_rank, end, -1))
            self.next_buttons[end].clicked.connect(partial(self._step_rank, end, +1))
            self.end_labels[end].setObjectName("hint")
            ends.addRow(name, _row(combo, self.previous_buttons[end], self.next_buttons[end], self.thumbs[end],
                                   self.end_labels[end]))
        self.pick_button = QPushButton("Pick on plot")
        self.pick_button.setCheckable(True)
        self.pick_button.setToolTip("Click two points in the latent plot: the start, then the end.")
        self.pick_button.toggled.connect(self._on_pick_button_toggled)
        self.swap_button = QPushButton("Swap")
        self.swap_button.clicked.connect(self.swap_ends)
        ends.addRow("", _row(self.pick_button, self.swap_button))
        self.status_label = QLabel()
        self.status_label.setObjectName("hint")
        self.status_label.setWordWrap(True)
        ends.addRow(self.status_label)

        self.mode_combo = QComboBox()
        for mode, name in MODE_NAMES.items():
            self.mode_combo.addItem(name, mode)
        self.mode_combo.setToolTip("Spherical keeps the code's length from shrinking halfway, as suits a VAE.")
        self.frames_spin = _spin(2, 240, 60, "Decoded steps from one end to the other, both included.")
        self.fps_spin = QDoubleSpinBox(minimum=1, maximum=50, value=20, decimals=0, suffix=" fps")
        self.fps_spin.setToolTip("Frames per second (a GIF plays at most 50).")
        self.hold_spin = _spin(0, 120, 0, "Extra frames showing each end: a pause before it moves on.")
        self.scale_spin = _spin(1, 16, 8, "Pixels per image pixel in the exported file (nearest neighbour).", "×")
        self.ping_pong_check = QCheckBox("Ping-pong")
        self.ping_pong_check.setToolTip("Play back to the start, for a loop without a jump.")
        self.caption_check = QCheckBox("Caption", checked=True)
        self.caption_check.setToolTip("Write t=0.42 under each image.")
        look = _form()
        look.addRow("Path", self.mode_combo)
        look.addRow("Frames", _row(self.frames_spin, self.fps_spin))
        look.addRow("Hold", _row(self.hold_spin, QLabel("at each end")))
        look.addRow("Scale", self.scale_spin)
        look.addRow("", _row(self.ping_pong_check, self.caption_check))
        for spin in (self.frames_spin, self.fps_spin, self.hold_spin, self.scale_spin):
            spin.valueChanged.connect(self._schedule_refresh)
        for check in (self.ping_pong_check, self.caption_check):
            check.toggled.connect(self._schedule_refresh)
        self.mode_combo.currentIndexChanged.connect(self._schedule_refresh)

        self.comparison_label = QLabel("—")
        self.comparison_label.setObjectName("hint")
        self.open_comparison_button = QPushButton("Open…")
        self.open_comparison_button.setToolTip("Show a saved model beside this one, on the same two images.")
        self.keep_button = QPushButton("Keep this")
        self.keep_button.setToolTip("Keep the current model for comparison, then train another one.")
        self.remove_comparison_button = QPushButton("Remove")
        self.open_comparison_button.clicked.connect(self.open_comparison_requested)
        self.keep_button.clicked.connect(self.keep_comparison_requested)
        self.remove_comparison_button.clicked.connect(self._on_remove_comparison_clicked)
        self.update_button = QPushButton("Use latest weights")
        self.update_button.setToolTip("Animate the model as it is now.")
        self.update_button.clicked.connect(self.model_requested)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Write the animation as a GIF, an MP4 or PNG frames (Ctrl+E).")
        self.export_button.clicked.connect(self.export_requested)
        self.comparison_label.setWordWrap(True)
        models = QVBoxLayout()
        models.setContentsMargins(0, 0, 0, 0)
        models.addWidget(QLabel("Beside it, on the left:"))
        models.addWidget(self.comparison_label)
        models.addLayout(_row(self.open_comparison_button, self.keep_button, self.remove_comparison_button))
        models.addSpacing(8)
        models.addLayout(_row(self.update_button, self.export_button))

        self.strip = FrameView()
        self.strip.setMinimumHeight(24)
        self.strip.setMaximumHeight(124)
        self.strip.setToolTip("Evenly spaced steps of the interpolation, one row per model.")
        controls = QWidget()
        grid = QGridLayout(controls)
        grid.setContentsMargins(0, 0, 4, 0)
        grid.setHorizontalSpacing(18)
        for column, form in enumerate((ends, look, models)):
            grid.addLayout(form, 0, column, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.strip, 1, 0, 1, 3)
        grid.setRowStretch(1, 1)
        # Scrolls when the window gives the panel little room: it must not set the window's minimum size.
        scroll = _FittingScrollArea()
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setMinimumWidth(min(controls.sizeHint().width(), 320))

        self.player = FramePlayer()
        self.player.frame_changed.connect(self.frame_shown)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(scroll)
        layout.addWidget(self.player, 1)

    # ---- data -----------------------------------------------------------------------------------------------
    def set_test_set(self, images: np.ndarray, labels: np.ndarray, class_names: Sequence[str] | None = None) -> None:
        """The images to choose the ends from: images (n, 784) uint8, labels (n,) int."""
        self._images, self._labels = np.asarray(images), np.asarray(labels, dtype=np.intp)
        if class_names is not None and list(class_names) != self._class_names:
            self._class_names = list(class_names)
            for combo in self.end_combos:
                combo.clear()
                combo.addItems(self._class_names)
        self._ranks = [0 if rank is None else rank for rank in self._ranks]
        self._encode()

    def set_model(self, model: AutoEncoder | None, name: str = "current", step: int | None = None) -> None:
        """Animate `model` (a private copy of its weights is taken now: call it while nothing trains the model).

        name: told apart by it when both models would have the same title; step: shown as the weights' age."""
        self._model = None if model is None else frozen_copy(model)
        self._names[1] = name
        self._step = step
        self._encode()

    def set_comparison_model(self, model: AutoEncoder | None, name: str = "comparison") -> None:
        """Show `model` (copied now) beside the current one, on the left; None removes it."""
        self._comparison = None if model is None else frozen_copy(model)
        self._names[0] = name
        self._schedule_refresh()

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
        return InterpolationSpec(
            n_frames=self.frames_spin.value(), fps=self.fps_spin.value(), mode=self.mode_combo.currentData(),
            hold_frames=self.hold_spin.value(), ping_pong=self.ping_pong_check.isChecked(),
            scale=self.scale_spin.value(), caption=self.caption_check.isChecked())

    def set_spec(self, spec: InterpolationSpec) -> None:
        """Set every control from `spec`."""
        self.frames_spin.setValue(spec.n_frames)
        self.fps_spin.setValue(spec.fps)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(spec.mode))
        self.hold_spin.setValue(spec.hold_frames)
        self.ping_pong_check.setChecked(spec.ping_pong)
        self.scale_spin.setValue(spec.scale)
        self.caption_check.setChecked(spec.caption)
        self.refresh()

    def set_ends_by_label(self, from_label: int, to_label: int, from_rank: int = 0, to_rank: int = 0) -> None:
        """Interpolate from an image of class from_label to one of to_label: rank 0 is the test image nearest its
        class mean under the current model, 1 the next nearest, -1 the farthest (pick_pair_by_label)."""
        for end, (label, rank) in enumerate(((from_label, from_rank), (to_label, to_rank))):
            self.end_combos[end].setCurrentIndex(label)
            self._ranks[end] = rank
        self._choose_ends()

    def set_ends(self, start: int, end: int) -> None:
        """Interpolate between the test images with these indices."""
        self._ends = [start, end]
        self._ranks = [None, None]
        for combo, index in zip(self.end_combos, self._ends):
            combo.setCurrentIndex(int(self._labels[index]))
        self._show_ends()
        self.refresh()

    def ends(self) -> tuple[int, int]:
        """The test indices of the start and end images (-1 before there is a model)."""
        return self._ends[0], self._ends[1]

    @Slot()
    def swap_ends(self) -> None:
        self._ranks.reverse()
        self._ends.reverse()
        for combo, index in zip(self.end_combos, self._ends):
            combo.setCurrentIndex(int(self._labels[index]) if index >= 0 else combo.currentIndex())
        self._show_ends()
        self.refresh()

    @Slot(int)
    def pick_point(self, index: int) -> None:
        """A test point was clicked in the explorer: while picking, it becomes the start, then the end."""
        if self._picking < 0 or index < 0:
            return
        self._ends[self._picking] = index
        self._ranks[self._picking] = None
        self.end_combos[self._picking].setCurrentIndex(int(self._labels[index]))
        self._picking += 1
        if self._picking > 1:
            self.pick_button.setChecked(False)  # done: _on_pick_button_toggled ends the picking
        else:
            self._set_status(PICK_HINT[1])
        self._show_ends()
        self.refresh()

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
        x0, x1 = images_to_float(self._images[list(self._ends)])
        return x0, x1

    def frames(self) -> np.ndarray:
        """The finished animation, as exported: (spec.length, H, W, 3) uint8."""
        spec = self.spec()
        return self._frames[timeline(spec.n_frames, spec.hold_frames, spec.ping_pong)]

    def path(self) -> np.ndarray | None:
        """The current model's latent path (n_frames, d), or None."""
        return self._path

    def export_job(self, path: Path) -> ExportJob:
        """The export of what the preview shows: interpolation_frames on the frozen models, run by the worker."""
        spec = self.spec()
        make_frames = partial(interpolation_frames, self.models(), *self.end_images(), spec)
        return ExportJob(Path(path), make_frames, spec.fps, "animation")

    # ---- updating -------------------------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Recompute the preview now (changes to the controls otherwise do so a moment later)."""
        self._update_timer.stop()
        if self._model is None or min(self._ends) < 0:
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
        self.strip.set_frame(_strip_image([images[steps] for images in decoded]))
        codes = self._codes[list(self._ends)]
        self._path = (slerp_path if spec.mode == "slerp" else lerp_path)(codes[0], codes[1], spec.n_frames)
        self.path_changed.emit(self._path if self.isVisible() else None)  # drawn only while the preview shows
        self.player.set_frames(self._frames, spec.fps, timeline(spec.n_frames, spec.hold_frames, spec.ping_pong))
        self.export_button.setEnabled(True)
        self._update_comparison_controls()
        if self._picking < 0:
            weights = "" if self._step is None else f" Weights of step {self._step:,}."
            self._set_status(f"{spec.length} frames, {spec.length / spec.fps:.1f} s.{weights}")

    def _schedule_refresh(self, *args) -> None:
        self._update_timer.start()

    def _encode(self) -> None:
        """Encode the test images with the current model and choose the ends again."""
        ready = self._model is not None and len(self._images) > 0
        self._codes = mean_codes(self._model, self._images) if ready else None
        self._update_comparison_controls()
        if ready:
            self._choose_ends()
        else:
            self.refresh()

    def _choose_ends(self) -> None:
        """Pick the ends chosen by class with the current model's codes (pick_pair_by_label, as the CLI)."""
        if self._codes is None:
            return
        labels = [combo.currentIndex() for combo in self.end_combos]
        ranks = [0 if rank is None else rank for rank in self._ranks]
        try:
            picked = pick_pair_by_label(self._codes, self._labels, *labels, *ranks)
        except ValueError as error:
            self._set_status(f"Cannot animate: {error}.")
            self._ends = [-1, -1]
            self.refresh()
            return
        self._ends = [picked[end] if self._ranks[end] is not None else self._ends[end] for end in range(2)]
        self._show_ends()
        self.refresh()

    def _show_ends(self) -> None:
        for end in range(2):
            index, rank = self._ends[end], self._ranks[end]
            self.thumbs[end].set_image(self._images[index] if index >= 0 else None)
            if index < 0:
                text = ""
            elif rank is None:
                text = f"#{index}\npicked"
            else:
                members = int(np.sum(self._labels == self._labels[index]))
                text = f"#{index}\n{rank % members + 1} of {members}"
            self.end_labels[end].setText(text)

    def _update_comparison_controls(self) -> None:
        comparison = self._comparison
        self.comparison_label.setText("—" if comparison is None else f"{model_title(comparison)} ({self._names[0]})")
        self.remove_comparison_button.setEnabled(comparison is not None)
        self.keep_button.setEnabled(self._model is not None)

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)

    # ---- handlers -------------------------------------------------------------------------------------------
    def _on_end_combo_activated(self, end: int, index: int) -> None:
        self._ranks[end] = 0
        self._choose_ends()

    def _step_rank(self, end: int, delta: int, *args) -> None:
        self._ranks[end] = (self._ranks[end] or 0) + delta
        self._choose_ends()

    @Slot(bool)
    def _on_pick_button_toggled(self, checked: bool) -> None:
        self._picking = 0 if checked else -1
        if checked:
            self._set_status(PICK_HINT[0])
        else:
            self.refresh()

    @Slot()
    def _on_remove_comparison_clicked(self) -> None:
        self.set_comparison_model(None)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.path_changed.emit(None)  # the path belongs to the preview: not drawn while it is out of sight

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.path_changed.emit(self._path)
        if self._path is not None:
            self.frame_shown.emit(self.player.frame_index())


def _spin(minimum: int, maximum: int, value: int, tip: str, suffix: str = "") -> QSpinBox:
    spin = QSpinBox(minimum=minimum, maximum=maximum, value=value, suffix=suffix)
    spin.setToolTip(tip)
    return spin


class _FittingScrollArea(QScrollArea):
    """A scroll area that asks for its whole widget's size (QScrollArea caps its hint at a few dozen lines)."""

    def sizeHint(self) -> QSize:
        hint = self.widget().sizeHint()
        return QSize(hint.width() + self.verticalScrollBar().sizeHint().width(), hint.height())


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setContentsMargins(0, 0, 0, 0)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
    return form


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row


def _strip_image(rows: list[np.ndarray], gap: int = 2) -> np.ndarray:
    """Decoded images (k, 784) per row as one (H, W) uint8 picture of 28 x 28 tiles with gaps."""
    tiles = [to_uint8_tiles(images, 1) for images in rows]  # (k, 28, 28) each
    k = len(tiles[0])
    height, width = len(tiles) * (28 + gap) - gap, k * (28 + gap) - gap
    picture = np.full((height, width), 60, np.uint8)
    for row, row_tiles in enumerate(tiles):
        for column, tile in enumerate(row_tiles):
            top, left = row * (28 + gap), column * (28 + gap)
            picture[top:top + 28, left:left + 28] = tile
    return picture
