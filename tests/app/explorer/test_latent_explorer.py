"""LatentExplorer driven with real (synthetic) mouse events on the plot, with a fake linear+sigmoid decoder."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.explorer.latent_explorer import LatentExplorer, stratified_subset
from app.widgets.image_panel import to_gray8
from app.widgets.palette import class_color

DIGITS = [str(k) for k in range(10)]
LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def make_decoder(latent_dim: int, seed: int = 0):
    """A fixed random linear map followed by a sigmoid: z (k, d) -> (k, 784) in [0, 1]."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(0.0, 1.0, size=(latent_dim, 784))
    bias = rng.normal(0.0, 0.5, size=784)
    return lambda z: 1.0 / (1.0 + np.exp(-(np.asarray(z) @ weights + bias)))


def grid_data(latent_dim: int = 2, side: int = 7, spacing: float = 1.0, seed: int = 0):
    """side**2 well separated points (a grid in the first two dimensions), labels 0..9, distinct images."""
    rng = np.random.default_rng(seed)
    n = side * side
    codes = rng.normal(0.0, 0.3, size=(n, latent_dim))
    grid = np.stack(np.meshgrid(np.arange(side), np.arange(side)), axis=-1).reshape(-1, 2) * spacing
    codes[:, : min(2, latent_dim)] = grid[:, : min(2, latent_dim)] - spacing * (side - 1) / 2
    labels = np.arange(n) % 10
    images = rng.integers(0, 256, size=(n, 784), dtype=np.uint8)
    return codes, labels, images


@pytest.fixture
def explorer(qtbot):
    widget = LatentExplorer(DIGITS)
    qtbot.addWidget(widget)
    widget.resize(1000, 650)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def show(explorer, codes, labels, images, log_var=None, decoder_seed=0):
    explorer.set_data(codes, labels, images, log_var)
    decode = make_decoder(codes.shape[1], decoder_seed)
    explorer.set_decoder(decode)
    QApplication.processEvents()  # let the layout settle before mapping plane points to pixels
    return decode


def viewport_pos(explorer, x: float, y: float) -> QPoint:
    """The viewport pixel showing plane point (x, y): ViewBox.mapViewToScene, then the view's mapFromScene."""
    scene = explorer.scatter.view_box.mapViewToScene(QPointF(x, y))
    return explorer.scatter.mapFromScene(scene)


def hover(explorer, qtbot, point) -> None:
    """Move the mouse over plane point ``point`` and wait for the hover card."""
    QTest.mouseMove(explorer.scatter.viewport(), viewport_pos(explorer, *point))
    qtbot.waitUntil(explorer.hover_card.isVisible, timeout=1000)


def plane_point_at(explorer, pixel: QPoint) -> np.ndarray:
    """The plane point (2,) a mouse event at viewport `pixel` lands on (the reverse mapping)."""
    view = explorer.scatter.view_box.mapSceneToView(explorer.scatter.mapToScene(pixel))
    return np.array([view.x(), view.y()])


def expected_image(explorer, decode, pixel: QPoint) -> np.ndarray:
    z = explorer.plane().from_plane(plane_point_at(explorer, pixel)[None])
    return decode(z)[0]


def test_press_decodes_the_plane_point_under_the_cursor(explorer, qtbot):
    codes, labels, images = grid_data()
    decode = show(explorer, codes, labels, images)
    pixel = viewport_pos(explorer, 0.3, -0.7)
    with qtbot.waitSignal(explorer.point_decoded) as decoded:
        QTest.mousePress(explorer.scatter.viewport(), LEFT, NONE, pixel)
    np.testing.assert_array_equal(explorer.decoded_image(), expected_image(explorer, decode, pixel))
    np.testing.assert_allclose(decoded.args[0], plane_point_at(explorer, pixel))
    QTest.mouseRelease(explorer.scatter.viewport(), LEFT, NONE, pixel)


def test_drag_ends_on_the_image_of_where_the_cursor_stopped_even_after_fast_moves(explorer, qtbot):
    codes, labels, images = grid_data()
    decode = show(explorer, codes, labels, images)
    viewport = explorer.scatter.viewport()
    start = viewport_pos(explorer, -2.0, -2.0)
    QTest.mousePress(viewport, LEFT, NONE, start)
    # Many moves within a millisecond or two: pyqtgraph's default mouseRateLimit would drop all but the first.
    path = [viewport_pos(explorer, -2.0 + 0.25 * k, -2.0 + 0.15 * k) for k in range(1, 17)]
    for pixel in path:
        QTest.mouseMove(viewport, pixel)
    stop = path[-1]
    np.testing.assert_array_equal(explorer.decoded_image(), expected_image(explorer, decode, stop))
    cross = explorer.scatter.crosshair()
    np.testing.assert_allclose(cross, plane_point_at(explorer, stop))
    QTest.mouseRelease(viewport, LEFT, NONE, stop)
    np.testing.assert_array_equal(explorer.decoded_image(), expected_image(explorer, decode, stop))


def test_drag_does_not_pan_the_view(explorer, qtbot):
    codes, labels, images = grid_data()
    show(explorer, codes, labels, images)
    before = explorer.scatter.view_box.viewRange()
    viewport = explorer.scatter.viewport()
    QTest.mousePress(viewport, LEFT, NONE, viewport_pos(explorer, 0.0, 0.0))
    QTest.mouseMove(viewport, viewport_pos(explorer, 1.5, 1.0))
    QTest.mouseRelease(viewport, LEFT, NONE, viewport_pos(explorer, 1.5, 1.0))
    np.testing.assert_allclose(explorer.scatter.view_box.viewRange(), before)


def test_shift_drag_pans_without_decoding(explorer, qtbot):
    codes, labels, images = grid_data()
    show(explorer, codes, labels, images)
    (x0, x1), _ = explorer.scatter.view_box.viewRange()
    viewport = explorer.scatter.viewport()
    shift = Qt.KeyboardModifier.ShiftModifier
    QTest.mousePress(viewport, LEFT, shift, viewport_pos(explorer, 0.0, 0.0))
    for x in (0.5, 1.0, 1.5):
        QTest.mouseMove(viewport, viewport_pos(explorer, x, 0.0))
    QTest.mouseRelease(viewport, LEFT, shift, viewport_pos(explorer, 1.5, 0.0))
    (moved_x0, moved_x1), _ = explorer.scatter.view_box.viewRange()
    assert moved_x0 < x0 - 1.0 and moved_x1 < x1 - 1.0
    assert explorer.decoded_image() is None


def test_new_decoder_redecodes_the_probed_point(explorer, qtbot):
    codes, labels, images = grid_data()
    show(explorer, codes, labels, images)
    pixel = viewport_pos(explorer, 1.0, 0.5)
    QTest.mouseClick(explorer.scatter.viewport(), LEFT, NONE, pixel)
    newer = make_decoder(2, seed=1)
    explorer.set_decoder(newer)
    np.testing.assert_array_equal(explorer.decoded_image(), expected_image(explorer, newer, pixel))


def test_hover_shows_the_thumbnail_of_the_point_under_the_cursor(explorer, qtbot):
    codes, labels, images = grid_data()
    decode = show(explorer, codes, labels, images)
    index = 17
    hover(explorer, qtbot, codes[index])
    np.testing.assert_array_equal(explorer.hover_card.original_image(), to_gray8(images[index]))
    np.testing.assert_array_equal(explorer.hover_card.reconstruction_image(),
                                  to_gray8(decode(codes[index:index + 1])[0]))
    QTest.mouseMove(explorer.scatter.viewport(), viewport_pos(explorer, *(codes[index] + 0.5)))
    qtbot.waitUntil(lambda: not explorer.hover_card.isVisible(), timeout=1000)


def test_hover_card_shows_the_new_reconstruction_after_new_data_and_a_new_decoder(explorer, qtbot):
    codes, labels, images = grid_data()
    show(explorer, codes, labels, images)
    index = 17
    hover(explorer, qtbot, codes[index])
    newer = make_decoder(2, seed=5)                   # what a further-trained model might decode
    explorer.set_data(codes + 0.01, labels, images)   # as a snapshot does: the codes move a little...
    explorer.set_decoder(newer)                       # ... and the decoder changes
    np.testing.assert_array_equal(explorer.hover_card.reconstruction_image(),
                                  to_gray8(newer(codes[index:index + 1] + 0.01)[0]))


def test_a_new_latent_size_shows_no_reconstruction_until_its_decoder_comes(explorer, qtbot):
    codes, labels, images = grid_data()
    show(explorer, codes, labels, images)
    index = 23
    hover(explorer, qtbot, codes[index])
    codes8, _, _ = grid_data(latent_dim=8)
    explorer.set_data(codes8, labels, images)        # the old 2-D decoder must not decode 8-D codes
    assert explorer.hover_card.reconstruction_image() is None
    decode8 = make_decoder(8, seed=3)
    explorer.set_decoder(decode8)
    np.testing.assert_array_equal(explorer.hover_card.reconstruction_image(),
                                  to_gray8(decode8(codes8[index:index + 1])[0]))


def test_set_data_keeps_the_users_view_range(explorer, qtbot):
    codes, labels, images = grid_data()
    show(explorer, codes, labels, images)
    explorer.scatter.view_box.setRange(xRange=(0.5, 2.0), yRange=(-1.0, 0.5), padding=0)
    zoomed = explorer.scatter.view_box.viewRange()
    explorer.set_data(codes * 1.7 + 3.0, labels, images)
    np.testing.assert_allclose(explorer.scatter.view_box.viewRange(), zoomed)
    explorer.fit_view()
    (x0, x1), (y0, y1) = explorer.scatter.view_box.viewRange()
    moved = codes * 1.7 + 3.0
    assert x0 <= moved[:, 0].min() and x1 >= moved[:, 0].max()
    assert y0 <= moved[:, 1].min() and y1 >= moved[:, 1].max()


def test_fit_frames_a_vaes_codes_with_the_prior_circles_they_are_drawn_toward(explorer, qtbot):
    codes, labels, images = grid_data()
    huddled = codes * 0.05                    # early in training: codes near the centre, well inside 2 sigma
    show(explorer, huddled, labels, images, log_var=np.zeros_like(huddled))
    explorer.fit_view()
    (x0, x1), (y0, y1) = explorer.scatter.view_box.viewRange()
    assert x0 <= -2 and x1 >= 2 and y0 <= -2 and y1 >= 2
    assert max(x1 - x0, y1 - y0) < 8                                    # and not much more
    explorer.prior_check.setChecked(False)   # without the circles, Fit frames the points alone
    explorer.fit_view()
    (x0, x1), (y0, y1) = explorer.scatter.view_box.viewRange()
    assert min(x1 - x0, y1 - y0) < 1
    show(explorer, huddled, labels, images)   # an AE has no prior: the points alone
    explorer.prior_check.setChecked(True)
    explorer.fit_view()
    (x0, x1), (y0, y1) = explorer.scatter.view_box.viewRange()
    assert min(x1 - x0, y1 - y0) < 1


def count_pixels_near(image, color: QColor, tolerance: int = 12) -> int:
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    rgb = pixels[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[..., [2, 1, 0]].astype(int)
    return int(np.sum(np.all(np.abs(rgb - [color.red(), color.green(), color.blue()]) <= tolerance, axis=-1)))


def test_hiding_a_class_hides_its_points(explorer, qtbot):
    codes, labels, images = grid_data()
    show(explorer, codes, labels, images)
    explorer.set_decoder(None)  # no manifold under the points
    hidden = 4
    point = codes[np.flatnonzero(labels == hidden)[0]]
    assert labels[explorer.scatter.point_at(*point)] == hidden
    # The dots' fill is class_color at alpha 215 over the white plot background.
    fill = class_color(hidden)
    over_white = QColor(*(round(c * 215 / 255 + 255 * 40 / 255) for c in (fill.red(), fill.green(), fill.blue())))
    assert count_pixels_near(explorer.scatter.grab().toImage(), over_white) > 20

    explorer.legend.set_class_visible(hidden, False)
    assert explorer.scatter.point_at(*point) == -1
    assert count_pixels_near(explorer.scatter.grab().toImage(), over_white) == 0
    explorer.legend.set_class_visible(hidden, True)
    assert labels[explorer.scatter.point_at(*point)] == hidden


@pytest.mark.parametrize("plane", ["principal", "dimensions"])
def test_a_click_in_an_8d_space_decodes_a_vector_on_the_shown_plane(explorer, qtbot, plane):
    codes, labels, images = grid_data(latent_dim=8)
    decode = show(explorer, codes, labels, images)
    if plane == "dimensions":
        explorer.show_dimensions(2, 4)
        assert explorer.plane().names == ("z3", "z5")
    else:
        assert explorer.plane().names == ("PC1", "PC2")
    pixel = viewport_pos(explorer, 0.4, -0.3)
    with qtbot.waitSignal(explorer.point_decoded) as decoded:
        QTest.mouseClick(explorer.scatter.viewport(), LEFT, NONE, pixel)
    z = decoded.args[0]
    shown = explorer.plane()
    assert z.shape == (8,)
    np.testing.assert_allclose(shown.to_plane(z[None])[0], plane_point_at(explorer, pixel), atol=1e-9)
    np.testing.assert_allclose(shown.from_plane(shown.to_plane(z[None]))[0], z, atol=1e-9)
    np.testing.assert_array_equal(explorer.decoded_image(), decode(z[None])[0])
    if plane == "dimensions":
        others = [k for k in range(8) if k not in (2, 4)]
        np.testing.assert_allclose(z[others], codes.mean(axis=0)[others])


@pytest.mark.parametrize("plane", ["principal", "dimensions"])
def test_a_paired_explorer_keeps_its_plane_chooser_on_a_row_of_its_own_and_is_no_wider_than_a_2d_one(qtbot, plane):
    """Two paired explorers, the settings and the decoded pair fit a 1024-pixel window at latent size 2; so at 8."""
    two, eight = LatentExplorer(DIGITS), LatentExplorer(DIGITS)
    for explorer, latent_dim in ((two, 2), (eight, 8)):
        qtbot.addWidget(explorer)
        explorer.set_data(*grid_data(latent_dim=latent_dim))
        explorer.set_paired(True)
    if plane == "dimensions":
        eight.show_dimensions(2, 5)
    eight.show()
    qtbot.waitExposed(eight)
    assert eight.plane_chooser.isVisible() and not two.plane_chooser.isVisibleTo(two)
    assert eight.minimumSizeHint().width() <= two.minimumSizeHint().width()
    assert eight.plane_chooser.geometry().top() >= eight.manifold_check.geometry().bottom()
    eight.set_paired(False)                 # alone again: back in the toolbar, beside the boxes
    QApplication.processEvents()
    assert eight.plane_chooser.geometry().top() < eight.manifold_check.geometry().bottom()


def test_dimensions_plane_holds_the_other_dimensions_at_a_ctrl_clicked_point(explorer, qtbot):
    codes, labels, images = grid_data(latent_dim=8)
    show(explorer, codes, labels, images)
    explorer.show_dimensions(0, 1)
    index = 23
    QTest.mouseClick(explorer.scatter.viewport(), LEFT, CTRL, viewport_pos(explorer, *codes[index, :2]))
    assert explorer.pinned_strip.keys() == [index]
    np.testing.assert_allclose(explorer.plane().origin[2:], codes[index, 2:])
    explorer.show_principal_plane()                                  # and back
    assert explorer.plane().names == ("PC1", "PC2")


def test_a_one_dimensional_space_decodes_along_x_only(explorer, qtbot):
    codes, labels, images = grid_data(latent_dim=1)
    decode = show(explorer, codes, labels, images)
    assert explorer.plane().names == ("z1",)
    decoded = []
    explorer.point_decoded.connect(decoded.append)
    for y in (1.0, 7.0):
        QTest.mouseClick(explorer.scatter.viewport(), LEFT, NONE, viewport_pos(explorer, 0.8, y))
    assert len(decoded) == 2 and decoded[0].shape == (1,)
    np.testing.assert_allclose(decoded[0], decoded[1], atol=0.05)  # same x up to a pixel
    np.testing.assert_array_equal(explorer.decoded_image(), decode(decoded[1][None])[0])


def test_a_point_shown_from_outside_is_decoded_and_marked_through_the_plane_shown_but_not_reported_as_probed(
        explorer, qtbot):
    codes, labels, images = grid_data(latent_dim=8)
    decode = show(explorer, codes, labels, images)
    probed = []
    explorer.point_probed.connect(probed.append)
    z = np.random.default_rng(3).normal(size=8)              # off the principal plane
    with qtbot.waitSignal(explorer.point_decoded):
        assert explorer.show_point(z)
    np.testing.assert_array_equal(explorer.decoded_image(), decode(z[None])[0])
    np.testing.assert_allclose(explorer.scatter.crosshair(), explorer.plane().to_plane(z[None])[0])
    explorer.show_dimensions(2, 4)
    np.testing.assert_allclose(explorer.scatter.crosshair(), z[[2, 4]] - explorer.plane().origin[[2, 4]])
    assert not explorer.show_point(np.zeros(2))              # a vector of another space changes nothing
    np.testing.assert_array_equal(explorer.decoded_image(), decode(z[None])[0])
    assert probed == []
    QTest.mouseClick(explorer.scatter.viewport(), LEFT, NONE, viewport_pos(explorer, 0.5, 0.5))
    assert len(probed) == 1                                  # a press is
    np.testing.assert_array_equal(explorer.decoded_image(), decode(probed[0][None])[0])


def test_hovered_test_points_are_reported_once_each_until_the_cursor_leaves_them(explorer, qtbot):
    codes, labels, images = grid_data()
    show(explorer, codes, labels, images)
    reported = []
    explorer.test_point_hovered.connect(reported.append)
    hover(explorer, qtbot, codes[17])
    QTest.mouseMove(explorer.scatter.viewport(), viewport_pos(explorer, *(codes[17] + 0.05)))   # still on it
    hover(explorer, qtbot, codes[30])
    QTest.mouseMove(explorer.scatter.viewport(), viewport_pos(explorer, *(codes[30] + 0.5)))
    qtbot.waitUntil(lambda: not explorer.hover_card.isVisible(), timeout=1000)
    assert reported == [17, 30, -1]


def test_ctrl_click_pins_and_unpins_points(explorer, qtbot):
    codes, labels, images = grid_data()
    show(explorer, codes, labels, images)
    viewport = explorer.scatter.viewport()
    for index in (3, 30, 3):
        QTest.mouseClick(viewport, LEFT, CTRL, viewport_pos(explorer, *codes[index]))
        QApplication.processEvents()
    assert explorer.pinned_strip.keys() == [30]
    QTest.mouseClick(viewport, LEFT, CTRL, viewport_pos(explorer, *codes[8]))
    assert explorer.pinned_strip.keys() == [30, 8]
    explorer.pinned_strip.clear_clicked.emit()
    assert explorer.pinned_strip.keys() == []


def test_drawn_point_is_starred_and_reconstructed(explorer, qtbot):
    codes, labels, images = grid_data()
    decode = show(explorer, codes, labels, images)
    z = np.array([0.25, -1.5])
    explorer.set_drawn_point(z)
    np.testing.assert_array_equal(explorer.decoded_image(), decode(z[None])[0])
    np.testing.assert_allclose(explorer.scatter.crosshair(), z)


def test_manifold_tiles_decoded_images_over_the_visible_region(explorer, qtbot):
    codes, labels, images = grid_data()
    decode = show(explorer, codes, labels, images)
    manifold = explorer.scatter.manifold
    qtbot.waitUntil(lambda: manifold.image is not None, timeout=2000)
    (x0, x1), (y0, y1) = explorer.scatter.view_box.viewRange()
    mosaic = np.flipud(manifold.image)  # row 0 = top of the view
    rows, cols = mosaic.shape[0] // 28, mosaic.shape[1] // 28
    top_left = np.array([[x0 + (x1 - x0) / (2 * cols), y1 - (y1 - y0) / (2 * rows)]])
    np.testing.assert_allclose(mosaic[:28, :28].reshape(-1), decode(top_left)[0], atol=1e-6)
    rect = manifold.mapRectToParent(manifold.boundingRect())
    np.testing.assert_allclose([rect.left(), rect.right()], [x0, x1])

    explorer.scatter.view_box.setRange(xRange=(10.0, 12.0), yRange=(10.0, 12.0), padding=0)
    qtbot.waitUntil(lambda: manifold.mapRectToParent(manifold.boundingRect()).left() > 9.0, timeout=2000)


def test_live_decoders_redraw_the_manifold_at_most_every_few_seconds(explorer, qtbot):
    """Training sends a decoder about once a second; each manifold redraw decodes a few hundred images."""
    codes, labels, images = grid_data()
    show(explorer, codes, labels, images)
    manifold = explorer.scatter.manifold
    qtbot.waitUntil(lambda: manifold.image is not None, timeout=2000)
    first = manifold.image.copy()
    explorer.set_decoder(make_decoder(2, seed=1), live=True)
    qtbot.wait(500)
    np.testing.assert_array_equal(manifold.image, first)           # not yet: redrawn less than 3 s ago
    explorer.set_decoder(make_decoder(2, seed=2))                   # a decoder of another model: soon
    qtbot.waitUntil(lambda: not np.array_equal(manifold.image, first), timeout=1000)


def test_stratified_subset_keeps_every_class_share():
    labels = np.repeat(np.arange(10), np.arange(1, 11) * 1000)  # 55,000 points, unequal classes
    subset = stratified_subset(labels, 10_000)
    assert len(subset) == 10_000 and np.all(np.diff(subset) > 0)
    shares = np.bincount(labels[subset], minlength=10) / 10_000
    np.testing.assert_allclose(shares, np.arange(1, 11) / 55, atol=1e-3)
    np.testing.assert_array_equal(subset, stratified_subset(labels, 10_000))


def test_more_points_than_the_maximum_are_subsampled_and_say_so(qtbot):
    explorer = LatentExplorer(DIGITS, max_points=500)
    qtbot.addWidget(explorer)
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(2000, 2))
    labels = rng.integers(0, 10, 2000)
    explorer.set_data(codes, labels, np.zeros((2000, 784), np.uint8))
    assert "500 of 2,000" in explorer.count_label.text()


def test_decoder_may_come_first_and_a_new_latent_size_starts_afresh(explorer, qtbot):
    codes, labels, images = grid_data(latent_dim=2)
    explorer.set_decoder(make_decoder(2))
    explorer.set_data(codes, labels, images)
    QApplication.processEvents()
    QTest.mouseClick(explorer.scatter.viewport(), LEFT, NONE, viewport_pos(explorer, 0.5, 0.5))
    assert explorer.decoded_image() is not None

    codes8, labels8, images8 = grid_data(latent_dim=8)
    explorer.set_data(codes8, labels8, images8)
    assert explorer.decoded_image() is None and explorer.scatter.crosshair() is None
    QTest.mouseClick(explorer.scatter.viewport(), LEFT, NONE, viewport_pos(explorer, 0.5, 0.5))
    assert explorer.decoded_image() is None          # the 2-D decoder would read 8 numbers as four 2-D codes
    decode8 = make_decoder(8)
    explorer.set_decoder(decode8)
    QApplication.processEvents()
    pixel = viewport_pos(explorer, 0.5, 0.5)
    QTest.mouseClick(explorer.scatter.viewport(), LEFT, NONE, pixel)
    np.testing.assert_array_equal(explorer.decoded_image(), expected_image(explorer, decode8, pixel))


def test_the_decoded_panel_says_what_it_will_show_until_a_point_is_decoded(explorer, qtbot):
    panel = explorer.decoded_panel
    assert "decoder" in panel.placeholder
    empty = panel.grab().toImage()
    codes, labels, images = grid_data()
    show(explorer, codes, labels, images)
    centre = QPointF(panel.width() / 2, panel.height() / 2)
    colours = {empty.pixelColor(x, y).name() for x in range(20, panel.width() - 20, 3)
               for y in range(int(centre.y()) - 20, int(centre.y()) + 20, 3)}
    assert len(colours) > 1                     # the text, not an empty box
    explorer.set_drawn_point(np.array([0.0, 0.0]))
    assert panel.image() is not None


def test_the_manifold_waits_until_it_is_ready_and_its_box_says_why(explorer, qtbot):
    codes, labels, images = grid_data()
    show(explorer, codes, labels, images)
    assert explorer.manifold_shown
    explorer.set_manifold_ready(False)
    assert not explorer.manifold_shown and not explorer.manifold_check.isEnabled()
    assert "noise" in explorer.manifold_check.toolTip() and explorer.manifold_check.isChecked()
    explorer.set_manifold_ready(True)
    assert explorer.manifold_shown and explorer.manifold_check.isEnabled()
    qtbot.waitUntil(lambda: explorer.scatter.manifold.image is not None, timeout=2000)
    explorer.manifold_check.setChecked(False)
    explorer.set_manifold_ready(True)
    assert not explorer.manifold_shown          # the user's choice stands


def test_a_crosshair_out_of_view_gets_an_arrow_at_the_edge_pointing_to_it(explorer):
    scatter = explorer.scatter
    scatter.view_box.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)
    scatter.set_crosshair(np.array([0.5, 0.2]))
    assert scatter.crosshair_arrow() is None                         # in view: the crosshair itself shows it
    scatter.set_crosshair(np.array([6.0, -4.0]))
    (x0, x1), (y0, y1) = scatter.view_box.viewRange()
    arrow = scatter.crosshair_arrow()
    assert x0 < arrow[0] < x1 and y0 < arrow[1] < y1                   # inside the view,
    assert arrow[0] > 0.8 * x1 and arrow[1] < 0.8 * y0                  # at the edge facing the point
    scatter.view_box.setRange(xRange=(0, 10), yRange=(-6, 4), padding=0)   # the user pans to it
    assert scatter.crosshair_arrow() is None
    scatter.set_crosshair(None)
    scatter.view_box.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)
    assert scatter.crosshair_arrow() is None
