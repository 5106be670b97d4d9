"""Two LatentExplorers side by side, linked by an ExplorerLink, each showing a small real model of its own (an AE and
a VAE) encoding the same test images; driven with synthetic mouse events on their plots."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

from app.explorer.explorer_link import ExplorerLink
from app.explorer.latent_explorer import LatentExplorer
from app.explorer.latent_scatter import PATH_MARKER_COLOR
from core.data.datasets import images_to_float, load_npz
from core.nn.config import ModelConfig
from core.nn.models import build_model
from tests.helpers import RESOURCES

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
TEST_IMAGES = 300


class Run:
    """One side of the comparison: a model, its codes of the shared test images, and the decoder it gives its
    explorer (which counts its single-point decodes: the probes)."""

    def __init__(self, kind: str, latent_dim: int, seed: int, images: np.ndarray) -> None:
        self.model = build_model(ModelConfig(kind=kind, latent_dim=latent_dim, hidden=(32,)),
                                 np.random.default_rng(seed))
        self.codes, self.log_var = self.model.encode(images_to_float(images))
        self.probes = 0
        self._decode = self.model.decoder_snapshot().decode

    def decode(self, z: np.ndarray) -> np.ndarray:
        self.probes += len(z) == 1
        return self._decode(z)

    def show_in(self, explorer: LatentExplorer, labels: np.ndarray, images: np.ndarray) -> None:
        explorer.set_data(self.codes, labels, images, self.log_var)
        explorer.set_decoder(self.decode)


@pytest.fixture(scope="module")
def digits():
    dataset = load_npz(RESOURCES / "mnist5k.npz")
    return dataset.test_labels[:TEST_IMAGES].astype(np.intp), dataset.test_images[:TEST_IMAGES]


@pytest.fixture
def host(qtbot):
    """A window holding explorers side by side, as the compare mode's window does."""
    widget = QWidget()
    QHBoxLayout(widget)
    qtbot.addWidget(widget)
    widget.resize(1800, 600)
    return widget


def add_explorer(qtbot, host: QWidget) -> LatentExplorer:
    explorer = LatentExplorer([str(k) for k in range(10)])
    host.layout().addWidget(explorer)
    host.show()
    qtbot.waitExposed(host)
    return explorer


@pytest.fixture
def linked(qtbot, host, digits):
    """Explorers A and B linked, showing an AE and a VAE of latent size 2. (With one seed, their encoders would
    start equal: the VAE's mean head is drawn as the AE's code head.)"""
    labels, images = digits
    runs = Run("ae", 2, 0, images), Run("vae", 2, 1, images)
    explorers = add_explorer(qtbot, host), add_explorer(qtbot, host)
    for run, explorer in zip(runs, explorers):
        run.show_in(explorer, labels, images)
    link = ExplorerLink(*explorers)
    QApplication.processEvents()       # let the layout settle before mapping plane points to pixels
    return link, explorers, runs


def viewport_pos(explorer: LatentExplorer, x: float, y: float) -> QPoint:
    scene = explorer.scatter.view_box.mapViewToScene(QPointF(x, y))
    return explorer.scatter.mapFromScene(scene)


def latent_at(explorer: LatentExplorer, pixel: QPoint) -> np.ndarray:
    """The latent vector (d,) a press at viewport `pixel` decodes."""
    view = explorer.scatter.view_box.mapSceneToView(explorer.scatter.mapToScene(pixel))
    return explorer.plane().from_plane(np.array([[view.x(), view.y()]]))[0]


def drag(explorer: LatentExplorer, points: list[tuple[float, float]], each_move=lambda pixel: None) -> list[QPoint]:
    """Press at points[0], move through the rest and release at the last; `each_move(pixel)` after every event."""
    viewport = explorer.scatter.viewport()
    pixels = [viewport_pos(explorer, *point) for point in points]
    QTest.mousePress(viewport, LEFT, NONE, pixels[0])
    each_move(pixels[0])
    for pixel in pixels[1:]:
        QTest.mouseMove(viewport, pixel)
        each_move(pixel)
    QTest.mouseRelease(viewport, LEFT, NONE, pixels[-1])
    return pixels


def isolated_index(codes: np.ndarray) -> int:
    """A test point far from the others, so that hovering it finds it and no neighbour."""
    distances = np.linalg.norm(codes[:, None] - codes[None], axis=-1)
    np.fill_diagonal(distances, np.inf)
    return int(np.argmax(distances.min(axis=1)))


def path_through(codes: np.ndarray, steps: int) -> list[tuple[float, float]]:
    """Plane points from the codes' low corner to their high one (latent size 2: the plane is the code)."""
    low, high = np.percentile(codes, 10, axis=0), np.percentile(codes, 90, axis=0)
    return [tuple(low + (high - low) * t) for t in np.linspace(0.0, 1.0, steps)]


@pytest.mark.parametrize("source", [0, 1])
def test_a_drag_in_either_decodes_the_same_point_in_both_with_each_models_decoder(linked, source):
    _, explorers, runs = linked
    dragged, other = explorers[source], explorers[1 - source]
    checked = []

    def check(pixel: QPoint) -> None:
        z = latent_at(dragged, pixel)
        for explorer, run in zip(explorers, runs):
            np.testing.assert_array_equal(explorer.decoded_image(), run.model.decode(z[None])[0])
        np.testing.assert_allclose(other.scatter.crosshair(), other.plane().to_plane(z[None])[0])
        checked.append(z)

    drag(dragged, path_through(runs[source].codes, 8), check)
    assert len(checked) == 8 and not np.allclose(checked[0], checked[-1])
    assert not np.array_equal(*(explorer.decoded_image() for explorer in explorers))   # two models, two images


def test_each_explorer_decodes_once_per_move_and_only_the_dragged_one_reports_probes(linked):
    _, (a, b), runs = linked
    probed = {a: [], b: []}
    for explorer in (a, b):
        explorer.point_probed.connect(probed[explorer].append)
    moves = 12
    drag(a, path_through(runs[0].codes, moves + 1))
    # The press, every move, and the release: each decoded once in each explorer, never echoed back to A.
    assert runs[0].probes == runs[1].probes == len(probed[a]) == moves + 2
    assert probed[b] == []


@pytest.mark.parametrize("source", [0, 1])
def test_hovering_an_image_in_either_rings_the_same_image_in_the_other_at_its_own_code(linked, qtbot, source):
    _, explorers, runs = linked
    hovered, other = explorers[source], explorers[1 - source]
    index = isolated_index(runs[source].codes)
    assert other.scatter.highlight() is None
    QTest.mouseMove(hovered.scatter.viewport(), viewport_pos(hovered, *runs[source].codes[index]))
    qtbot.waitUntil(lambda: other.scatter.highlight() is not None, timeout=1000)
    ringed = other.scatter.highlight()
    np.testing.assert_allclose(ringed, runs[1 - source].codes[index])    # the other model's code of that image
    assert not np.allclose(ringed, runs[source].codes[index])
    assert hovered.scatter.highlight() is None

    far = runs[source].codes.max(axis=0) + 1.0                           # off every point: the ring goes
    QTest.mouseMove(hovered.scatter.viewport(), viewport_pos(hovered, *far))
    qtbot.waitUntil(lambda: other.scatter.highlight() is None, timeout=1000)


def ring_pixels(explorer: LatentExplorer) -> int:
    """How many pixels of the plot have the ring's yellow, which nothing else there has."""
    image = explorer.scatter.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    yellow = QColor(PATH_MARKER_COLOR)
    target = np.array([yellow.blue(), yellow.green(), yellow.red()])
    return int(np.sum(np.all(np.abs(pixels[:, :image.width(), :3].astype(int) - target) <= 16, axis=-1)))


def test_the_ring_is_drawn_where_the_other_model_put_the_image_and_follows_its_new_codes(linked, digits):
    _, (a, b), runs = linked
    labels, images = digits
    b.set_decoder(None)             # no manifold under the points: only the ring could be yellow
    index = isolated_index(runs[1].codes)
    assert ring_pixels(b) == 0
    b.highlight_test_point(index)
    assert ring_pixels(b) > 40
    moved = runs[1].codes + 0.5                                  # a newer snapshot of B's model
    b.set_data(moved, labels, images, runs[1].log_var)
    np.testing.assert_allclose(b.scatter.highlight(), moved[index])
    b.highlight_test_point(None)
    assert ring_pixels(b) == 0


def view_range(explorer: LatentExplorer) -> np.ndarray:
    return np.array(explorer.scatter.view_box.viewRange())


def assert_same_axes(a: LatentExplorer, b: LatentExplorer) -> None:
    """One scale and one centre. (The ranges' widths may differ by the pixels the plots' widths differ by, e.g.
    wider tick labels on one: the aspect is locked.)"""
    (ax, ay), (bx, by) = view_range(a), view_range(b)
    np.testing.assert_allclose(ay, by, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(np.mean(ax), np.mean(bx), atol=1e-6 * np.ptp(ax))
    np.testing.assert_allclose(a.scatter.view_box.viewPixelSize(), b.scatter.view_box.viewPixelSize(), rtol=1e-6)


def frames(explorer: LatentExplorer, codes: np.ndarray) -> bool:
    (x0, x1), (y0, y1) = view_range(explorer)
    return bool(x0 <= codes[:, 0].min() and codes[:, 0].max() <= x1 and y0 <= codes[:, 1].min()
                and codes[:, 1].max() <= y1)


def shift_drag(explorer: LatentExplorer, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Pan as the user does: Shift+drag from plane point `start` to `end`."""
    viewport, shift = explorer.scatter.viewport(), Qt.KeyboardModifier.ShiftModifier
    QTest.mousePress(viewport, LEFT, shift, viewport_pos(explorer, *start))
    for t in (0.25, 0.5, 0.75, 1.0):
        QTest.mouseMove(viewport, viewport_pos(explorer, *(np.add(start, np.subtract(end, start) * t))))
    QTest.mouseRelease(viewport, LEFT, shift, viewport_pos(explorer, *end))


def test_same_axes_show_one_region_framing_both_runs_and_unlinking_frames_each_alone(linked, digits):
    link, (a, b), runs = linked
    labels, images = digits
    spread = runs[1].codes * 6.0                              # B's codes spread wider than A's
    b.set_data(spread, labels, images, runs[1].log_var)
    a.fit_view(), b.fit_view()
    alone_a = view_range(a)

    link.set_same_axes(True)
    assert link.same_axes
    assert_same_axes(a, b)
    assert frames(a, runs[0].codes) and frames(a, spread)
    shift_drag(a, (0.0, 0.0), (0.3, 0.2))                     # a pan in A moves B with it ...
    assert_same_axes(a, b)
    shift_drag(b, (0.0, 0.0), (-0.6, 0.1))                    # ... and one in B moves A
    assert_same_axes(a, b)
    b.fit_view()                                              # Fit in either frames both runs' points
    assert frames(a, runs[0].codes) and frames(b, spread)

    link.set_same_axes(False)
    np.testing.assert_allclose(view_range(a), alone_a, rtol=1e-6)     # each frames its own points again
    assert frames(b, spread)
    before = view_range(b)
    shift_drag(a, (0.0, 0.0), (0.3, 0.2))
    np.testing.assert_allclose(view_range(b), before)
    assert not np.allclose(view_range(a), alone_a)


def test_latent_sizes_that_differ_share_hovers_but_not_points_and_say_why(qtbot, host, digits):
    labels, images = digits
    runs = Run("ae", 2, 0, images), Run("vae", 8, 1, images)
    a, b = add_explorer(qtbot, host), add_explorer(qtbot, host)
    for run, explorer in zip(runs, (a, b)):
        run.show_in(explorer, labels, images)
    link = ExplorerLink(a, b)          # kept: the caller owns the link (a QObject without a parent here)
    QApplication.processEvents()
    assert a.link_label.isVisible() and b.link_label.isVisible()
    assert "other run's latent space has 8 dimensions, this one 2" in a.link_label.text()
    assert "other run's latent space has 2 dimensions, this one 8" in b.link_label.text()

    drag(a, path_through(runs[0].codes, 4))
    assert a.decoded_image() is not None
    assert b.decoded_image() is None and b.scatter.crosshair() is None and runs[1].probes == 0
    index = isolated_index(runs[0].codes)                    # an image is the same image in any latent size
    QTest.mouseMove(a.scatter.viewport(), viewport_pos(a, *runs[0].codes[index]))
    qtbot.waitUntil(lambda: b.scatter.highlight() is not None, timeout=1000)
    np.testing.assert_allclose(b.scatter.highlight(), b.plane().to_plane(runs[1].codes[index][None])[0])

    same_size = Run("vae", 2, 1, images)                     # B's run gets a model of A's latent size
    same_size.show_in(b, labels, images)
    assert not a.link_label.isVisible() and not b.link_label.isVisible()
    pixels = drag(a, path_through(runs[0].codes, 3))
    np.testing.assert_array_equal(b.decoded_image(), same_size.model.decode(latent_at(a, pixels[-1])[None])[0])
    assert link.explorers() == (a, b)


def test_a_replaced_explorer_is_linked_instead_and_unlink_lets_both_work_alone(linked, qtbot, host, digits):
    link, (a, b), runs = linked
    labels, images = digits
    link.set_same_axes(True)
    b.setParent(None)                                        # the window replaces B (other classes) ...
    b.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    c = add_explorer(qtbot, host)
    replacement = Run("vae", 2, 3, images)
    replacement.show_in(c, labels, images)
    link.set_explorers(a, c)                                 # ... and points the link at the new one
    QApplication.processEvents()
    assert_same_axes(a, c)

    pixels = drag(a, path_through(runs[0].codes, 3))
    z = latent_at(a, pixels[-1])
    np.testing.assert_array_equal(c.decoded_image(), replacement.model.decode(z[None])[0])
    index = isolated_index(runs[0].codes)
    QTest.mouseMove(a.scatter.viewport(), viewport_pos(a, *runs[0].codes[index]))
    qtbot.waitUntil(lambda: c.scatter.highlight() is not None, timeout=1000)

    link.unlink()
    assert link.explorers() is None and c.scatter.highlight() is None
    shown = c.decoded_image()
    drag(a, path_through(runs[0].codes, 3)[::-1])
    assert c.decoded_image() is shown
    QTest.mouseMove(a.scatter.viewport(), viewport_pos(a, *(runs[0].codes.max(axis=0) + 1.0)))
    QTest.mouseMove(a.scatter.viewport(), viewport_pos(a, *runs[0].codes[index]))
    assert c.scatter.highlight() is None
    before = view_range(c)
    shift_drag(a, (0.0, 0.0), (0.3, 0.2))
    np.testing.assert_allclose(view_range(c), before)
