"""The drawing pad in the main window: a drawn digit is encoded with the latest encoder snapshot, starred in the
latent explorer and decoded; clearing it removes the star."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from app.explorer.drawing_pad import SCALE

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


def canvas_pixel(column: float, row: float) -> QPoint:
    return QPoint(int((column + 0.5) * SCALE), int((row + 0.5) * SCALE))


def draw_a_one(pad) -> None:
    QTest.mousePress(pad.canvas, LEFT, NONE, canvas_pixel(14, 5))
    for row in (9, 14, 19, 23):
        QTest.mouseMove(pad.canvas, canvas_pixel(14, row))
    QTest.mouseRelease(pad.canvas, LEFT, NONE, canvas_pixel(14, 23))


def open_pad(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    window.window_actions.draw.trigger()
    assert window.window_actions.draw.isChecked() and window.drawing_pad.isVisible()
    return window.drawing_pad


def test_a_drawing_is_encoded_starred_and_decoded_until_cleared(qtbot, window):
    pad, explorer, model = open_pad(qtbot, window), window.explorer, window.session.model
    draw_a_one(pad)

    z = model.encoder_snapshot().encode_mean(pad.image()[None])[0]
    np.testing.assert_array_equal(explorer.drawn_point(), z)
    np.testing.assert_allclose(explorer.scatter.star(), explorer.plane().to_plane(z[None])[0])
    np.testing.assert_array_equal(explorer.decoded_image(), model.decode(z)[0])

    with qtbot.waitSignal(pad.drawing_cleared, timeout=1000):
        pad.clear()
    assert explorer.drawn_point() is None and explorer.scatter.star() is None


def test_the_star_follows_training_and_keeps_a_point_the_user_decoded(qtbot, window):
    pad, explorer = open_pad(qtbot, window), window.explorer
    draw_a_one(pad)
    before = explorer.drawn_point()
    with qtbot.waitSignal(window.controller.run_finished, timeout=20000):
        window.window_actions.step.trigger()
    model = window.session.model
    z = model.encode(pad.image()[None])[0][0]
    assert not np.array_equal(before, z)
    np.testing.assert_array_equal(explorer.drawn_point(), z)
    np.testing.assert_array_equal(explorer.decoded_image(), model.decode(z)[0])    # the panel followed

    explorer.scatter.point_probed.emit(0.5, -0.5)       # the user decodes another point ...
    chosen = explorer.decoded_image().copy()
    window.show_snapshot(window.controller.snapshot_now())     # ... and a snapshot arrives
    np.testing.assert_array_equal(explorer.decoded_image(), chosen)
    np.testing.assert_array_equal(explorer.drawn_point(), z)


def test_hiding_the_pad_removes_the_star_and_showing_it_restores_it(qtbot, window):
    pad, explorer = open_pad(qtbot, window), window.explorer
    draw_a_one(pad)
    z = explorer.drawn_point()
    window.window_actions.draw.trigger()
    assert not pad.isVisible() and explorer.drawn_point() is None
    window.window_actions.draw.trigger()
    np.testing.assert_array_equal(explorer.drawn_point(), z)
