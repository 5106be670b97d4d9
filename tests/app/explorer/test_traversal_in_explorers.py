"""The latent traversal where the decoded image shows: in an explorer's side column and in the compare mode's decoded
pair, switched on by their Traversal buttons, following the point pressed and each new decoder."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

from app.explorer.decoded_pair import DecodedPair
from app.explorer.explorer_link import ExplorerLink
from app.explorer.latent_explorer import LatentExplorer
from app.explorer.traversal_view import VALUES, TraversalView
from app.widgets.image_panel import to_gray8

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
DIGITS = [str(k) for k in range(10)]


class LinearDecoder:
    """sigmoid(z W): elementwise products summed, so a code decodes alike alone or in a batch (a BLAS product
    may round differently by batch size, and flip a pixel)."""

    def __init__(self, latent_dim: int, seed: int) -> None:
        self.weights = np.random.default_rng(seed).normal(0.0, 1.0, (latent_dim, 784))

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(np.asarray(z)[:, :, None] * self.weights).sum(axis=1)))


def show_codes(explorer: LatentExplorer, latent_dim: int, seed: int) -> LinearDecoder:
    rng = np.random.default_rng(seed)
    codes = rng.normal(0.0, 1.0, (60, latent_dim))
    explorer.set_data(codes, np.arange(60) % 10, rng.integers(0, 256, (60, 784), dtype=np.uint8))
    decode = LinearDecoder(latent_dim, seed)
    explorer.set_decoder(decode)
    return decode


def pixel_at(explorer: LatentExplorer, x: float, y: float) -> QPoint:
    """The viewport pixel showing plane point (x, y)."""
    scatter = explorer.scatter
    return scatter.mapFromScene(scatter.view_box.mapViewToScene(QPointF(x, y)))


def latent_at(explorer: LatentExplorer, pixel: QPoint) -> np.ndarray:
    """The latent vector (d,) of the plane point under viewport ``pixel``."""
    view = explorer.scatter.view_box.mapSceneToView(explorer.scatter.mapToScene(pixel))
    return explorer.plane().from_plane(np.array([[view.x(), view.y()]]))[0]


def press(explorer: LatentExplorer, x: float, y: float) -> np.ndarray:
    """Press and release at plane point (x, y); the latent vector under the cursor."""
    pixel = pixel_at(explorer, x, y)
    QTest.mousePress(explorer.scatter.viewport(), LEFT, NONE, pixel)
    QTest.mouseRelease(explorer.scatter.viewport(), LEFT, NONE, pixel)
    return latent_at(explorer, pixel)


def assert_traverses(view: TraversalView, decode, z: np.ndarray) -> None:
    """Tile (i, j) of ``view`` is decode's image of z with dimension i set to VALUES[j], for every i and j."""
    assert view.grid.row_labels == [f"z{i + 1}" for i in range(len(z))]
    for i in range(len(z)):
        for j, value in enumerate(VALUES):
            code = z.copy()
            code[i] = value
            np.testing.assert_array_equal(view.grid.tile(i, j), to_gray8(decode(code[None])[0]), err_msg=f"{i, j}")


@pytest.fixture
def explorer(qtbot) -> LatentExplorer:
    widget = LatentExplorer(DIGITS)
    qtbot.addWidget(widget)
    widget.resize(1000, 650)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_traversal_button_shows_the_traversal_in_place_of_the_image_and_the_image_button_brings_it_back(
        explorer, qtbot):
    show_codes(explorer, 8, seed=0)
    assert explorer.decoded_panel.isVisible() and not explorer.traversal.isVisible()    # the image first
    qtbot.mouseClick(explorer.decoded_toggle.traversal_button, LEFT)
    assert explorer.traversal.isVisible() and not explorer.decoded_panel.isVisible()
    assert explorer.traversal.note.isVisible() and explorer.traversal.note.text().startswith("Choose a point")
    qtbot.mouseClick(explorer.decoded_toggle.image_button, LEFT)
    assert explorer.decoded_panel.isVisible() and not explorer.traversal.isVisible()
    assert not explorer.decoded_toggle.traversal_button.isChecked()


def test_the_traversal_follows_a_press_and_a_drag_with_the_explorers_decoder(explorer, qtbot):
    decode = show_codes(explorer, 8, seed=0)
    explorer.show_traversal(True)
    QApplication.processEvents()        # the layout settles before plane points are mapped to pixels
    viewport = explorer.scatter.viewport()
    QTest.mousePress(viewport, LEFT, NONE, pixel_at(explorer, 0.4, -0.3))
    assert_traverses(explorer.traversal, decode, latent_at(explorer, pixel_at(explorer, 0.4, -0.3)))
    stop = pixel_at(explorer, -0.8, 0.6)
    QTest.mouseMove(viewport, stop)
    QTest.mouseRelease(viewport, LEFT, NONE, stop)
    assert_traverses(explorer.traversal, decode, latent_at(explorer, stop))
    assert not explorer.traversal.note.isVisible()


def test_a_live_decoder_redraws_the_traversal_of_the_same_point(explorer, qtbot):
    show_codes(explorer, 8, seed=0)
    explorer.show_traversal(True)
    QApplication.processEvents()
    z = press(explorer, 0.4, -0.3)
    newer = LinearDecoder(8, seed=5)                 # the same run a second of training later
    explorer.set_decoder(newer, live=True)
    assert_traverses(explorer.traversal, newer, z)


@pytest.fixture
def paired(qtbot):
    """A window of two linked, paired explorers and the decoded pair right of them, as in compare mode."""
    host = QWidget()
    QHBoxLayout(host)
    qtbot.addWidget(host)
    host.resize(1400, 700)
    explorers = LatentExplorer(DIGITS), LatentExplorer(DIGITS)
    pair = DecodedPair()
    for widget in (*explorers, pair):
        host.layout().addWidget(widget)
    for explorer in explorers:
        explorer.set_paired(True)
    link = ExplorerLink(*explorers)
    pair.set_explorers(*explorers, ("AE", "VAE"))
    host.show()
    qtbot.waitExposed(host)
    return pair, explorers, link, host      # kept: qtbot holds the host weakly, and it owns the C++ widgets


def test_both_traversals_of_the_pair_follow_the_shared_point_each_with_its_runs_decoder(paired, qtbot):
    pair, explorers, *_ = paired
    decoders = [show_codes(explorer, 8, seed) for seed, explorer in enumerate(explorers)]
    qtbot.mouseClick(pair.toggle.traversal_button, LEFT)
    assert all(view.isVisible() for view in pair.traversals) and not pair.panels[0].isVisible()
    assert [view.title.text() for view in pair.traversals] == ["AE", "VAE"]
    QApplication.processEvents()
    for pressed in explorers:
        z = press(pressed, 0.5, 0.2)
        for view, decode in zip(pair.traversals, decoders):
            assert_traverses(view, decode, z)
    newer = LinearDecoder(8, seed=7)
    explorers[1].set_decoder(newer, live=True)
    assert_traverses(pair.traversals[1], newer, z)
    assert_traverses(pair.traversals[0], decoders[0], z)


def test_runs_of_latent_sizes_2_and_8_each_traverse_their_own_points_with_their_own_rows(paired, qtbot):
    pair, explorers, *_ = paired
    decoders = show_codes(explorers[0], 2, seed=0), show_codes(explorers[1], 8, seed=1)
    pair.show_traversal(True)
    QApplication.processEvents()
    small = press(explorers[0], 0.5, 0.2)               # not shared: 2 numbers mean nothing to a decoder of 8
    assert_traverses(pair.traversals[0], decoders[0], small)
    assert pair.traversals[1].note.isVisible()
    large = press(explorers[1], -0.3, 0.4)
    assert_traverses(pair.traversals[1], decoders[1], large)
    assert_traverses(pair.traversals[0], decoders[0], small)
