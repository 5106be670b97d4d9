"""Class colours for the latent explorer, and whether a palette is dark.

The ten class colours are Matthew Petroff's "petroff10" sequence (matplotlib's `petroff10` style), chosen by a
colour-vision-deficiency-aware optimisation and legible on light and dark backgrounds. This module only picks
colours; it draws nothing.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

CLASS_COLORS: tuple[str, ...] = (
    "#3f90da",  # blue
    "#ffa90e",  # orange
    "#bd1f01",  # red
    "#94a4a2",  # grey
    "#832db6",  # purple
    "#a96b59",  # brown
    "#e76300",  # dark orange
    "#b9ac70",  # tan
    "#717581",  # slate
    "#92dadd",  # light cyan
)


def class_color(label: int, alpha: int = 255) -> QColor:
    """The colour of class `label` (cycling after ten classes), with the given alpha (0-255)."""
    color = QColor(CLASS_COLORS[label % len(CLASS_COLORS)])
    color.setAlpha(alpha)
    return color


def is_dark(palette: QPalette) -> bool:
    """Whether a palette draws light text on a dark background."""
    return palette.color(QPalette.ColorRole.Base).lightnessF() < 0.5

