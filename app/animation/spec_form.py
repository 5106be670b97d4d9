"""The controls of an InterpolationSpec (core/animation/recipe.py): path, frames, frame rate, hold, ping-pong, scale,
caption and inputs. It edits the spec and says when it changed; it does not make frames.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QSpinBox,
    QWidget,
)

from app.widgets.form_rows import widget_row
from core.animation.recipe import InterpolationSpec

MODE_NAMES = {"slerp": "Spherical (slerp)", "lerp": "Linear (lerp)"}


class SpecForm(QWidget):
    """A form for every InterpolationSpec field, starting at the spec's defaults (60 frames, 20 fps, slerp, a hold of
    10 frames and ping-pong, 8×, captions and inputs shown)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        defaults = InterpolationSpec()
        self.mode_combo = QComboBox()
        for mode, name in MODE_NAMES.items():
            self.mode_combo.addItem(name, mode)
        self.mode_combo.setToolTip("Spherical keeps the code's length from shrinking halfway, as suits a VAE.")
        self.frames_spin = _spin(2, 240, defaults.n_frames, "Decoded steps from one end to the other, both "
                                                            "included.")
        self.fps_spin = QDoubleSpinBox(minimum=1, maximum=50, value=defaults.fps, decimals=0, suffix=" fps")
        self.fps_spin.setToolTip("Frames per second (a GIF plays at most 50).")
        self.hold_spin = _spin(0, 120, defaults.hold_frames, "Extra frames showing each end: a pause before it "
                                                             "moves on.", " at ends")
        self.scale_spin = _spin(1, 16, defaults.scale, "Pixels per image pixel in the exported file (nearest "
                                                       "neighbour).", "×")
        self.ping_pong_check = QCheckBox("Ping-pong", checked=defaults.ping_pong)
        self.ping_pong_check.setToolTip("Play back to the start, for a loop without a jump.")
        self.caption_check = QCheckBox("Caption", checked=defaults.caption)
        self.caption_check.setToolTip("Write t=0.42 under each image.")
        self.inputs_check = QCheckBox("Inputs", checked=defaults.inputs)
        self.inputs_check.setToolTip("Show the two chosen test images in a column before the models.")
        self.set_spec(defaults)

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Path", self.mode_combo)
        form.addRow("Frames", widget_row(self.frames_spin, self.fps_spin))
        form.addRow("Hold", widget_row(self.hold_spin, self.ping_pong_check))
        form.addRow("Scale", widget_row(self.scale_spin, self.caption_check, self.inputs_check))
        self.form = form
        for spin in (self.frames_spin, self.fps_spin, self.hold_spin, self.scale_spin):
            spin.valueChanged.connect(self.changed)
        for check in (self.ping_pong_check, self.caption_check, self.inputs_check):
            check.toggled.connect(self.changed)
        self.mode_combo.currentIndexChanged.connect(self.changed)

    def spec(self) -> InterpolationSpec:
        """The InterpolationSpec the controls describe."""
        return InterpolationSpec(
            n_frames=self.frames_spin.value(), fps=self.fps_spin.value(), mode=self.mode_combo.currentData(),
            hold_frames=self.hold_spin.value(), ping_pong=self.ping_pong_check.isChecked(),
            scale=self.scale_spin.value(), caption=self.caption_check.isChecked(),
            inputs=self.inputs_check.isChecked())

    def set_spec(self, spec: InterpolationSpec) -> None:
        """Set every control from `spec` (`changed` follows once per control that changes)."""
        self.frames_spin.setValue(spec.n_frames)
        self.fps_spin.setValue(spec.fps)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(spec.mode))
        self.hold_spin.setValue(spec.hold_frames)
        self.ping_pong_check.setChecked(spec.ping_pong)
        self.scale_spin.setValue(spec.scale)
        self.caption_check.setChecked(spec.caption)
        self.inputs_check.setChecked(spec.inputs)


def _spin(minimum: int, maximum: int, value: int, tip: str, suffix: str = "") -> QSpinBox:
    spin = QSpinBox(minimum=minimum, maximum=maximum, value=value, suffix=suffix)
    spin.setToolTip(tip)
    return spin
