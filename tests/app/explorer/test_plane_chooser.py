"""The plane chooser above the latent scatter: which plane of a latent space larger than 2 is shown."""
import numpy as np
import pytest
from PySide6.QtWidgets import QComboBox

from app.explorer.latent_explorer import LatentExplorer
from app.explorer.plane_chooser import DIMENSIONS, PRINCIPAL, PlaneChooser

DIGITS = [str(k) for k in range(10)]


@pytest.fixture
def chooser(qtbot):
    widget = PlaneChooser()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def combos(widget) -> tuple[QComboBox, QComboBox, QComboBox]:
    mode, x, y = widget.findChildren(QComboBox)
    return mode, x, y


def test_the_controls_show_only_what_the_latent_size_and_the_mode_allow(chooser):
    mode, x, y = combos(chooser)
    chooser.set_latent_dim(2)
    assert not mode.isVisible() and not x.isVisible() and not y.isVisible()
    chooser.set_latent_dim(8)
    assert mode.isVisible() and not x.isVisible()
    mode.setCurrentText(DIMENSIONS)
    assert x.isVisible() and y.isVisible() and x.count() == 8 and [x.currentText(), y.currentText()] == ["z1", "z2"]


def test_choosing_the_other_axis_dimension_swaps_the_axes_and_tells(chooser, qtbot):
    chooser.set_latent_dim(5)
    chooser.set_choice(DIMENSIONS, (3, 0))
    _, x, y = combos(chooser)
    with qtbot.waitSignal(chooser.dimensions_changed, timeout=1000):
        x.setCurrentIndex(0)                     # z1, which the vertical axis shows
    assert chooser.dimensions() == (0, 3) and y.currentText() == "z4"
    with qtbot.waitSignal(chooser.dimensions_changed, timeout=1000):
        y.setCurrentIndex(4)
    assert chooser.dimensions() == (0, 4)


def test_set_choice_changes_the_controls_without_a_signal(chooser, qtbot):
    chooser.set_latent_dim(4)
    with qtbot.assertNotEmitted(chooser.mode_changed), qtbot.assertNotEmitted(chooser.dimensions_changed):
        chooser.set_choice(DIMENSIONS, (2, 1))
    mode, x, y = combos(chooser)
    assert chooser.mode() == DIMENSIONS and mode.currentText() == DIMENSIONS
    assert (x.currentText(), y.currentText()) == ("z3", "z2")


def test_the_explorer_shows_the_plane_the_user_chooses(qtbot):
    explorer = LatentExplorer(DIGITS)
    qtbot.addWidget(explorer)
    explorer.show()
    rng = np.random.default_rng(0)
    explorer.set_data(rng.normal(size=(40, 6)), np.arange(40) % 10, rng.integers(0, 256, (40, 784), dtype=np.uint8))
    assert explorer.plane().names[0] == "PC1"
    mode, x, y = combos(explorer.findChild(PlaneChooser))
    mode.setCurrentText(DIMENSIONS)
    y.setCurrentIndex(5)
    assert explorer.plane().names == ("z1", "z6")
    mode.setCurrentText(PRINCIPAL)
    assert explorer.plane().names[0] == "PC1"
