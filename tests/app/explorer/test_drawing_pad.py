"""DrawingPad: mouse strokes ink a 28x28 canvas in [0, 1], prepared as the MNIST digits were for the encoder (and
shown); Clear erases it."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from app.explorer.drawing_pad import SCALE, SIDE, DrawingCanvas, DrawingPad
from app.widgets.image_panel import to_gray8
from core.data.digit_preparation import centre_of_mass, prepare_digit

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def pad(qtbot):
    widget = DrawingPad()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def canvas_pixel(column: float, row: float) -> QPoint:
    """The screen pixel at the centre of canvas pixel (column, row)."""
    return QPoint(int((column + 0.5) * SCALE), int((row + 0.5) * SCALE))


def test_canvas_is_28_by_28_shown_at_168_pixels(pad):
    assert (pad.canvas.width(), pad.canvas.height()) == (168, 168)
    assert pad.image().shape == (SIDE * SIDE,)
    assert not pad.image().any()


def test_a_stroke_inks_the_pixels_along_its_path(pad, qtbot):
    images = []
    pad.drawing_changed.connect(images.append)
    QTest.mousePress(pad.canvas, LEFT, NONE, canvas_pixel(5, 14))
    for column in (9, 14, 19, 23):
        QTest.mouseMove(pad.canvas, canvas_pixel(column, 14))
    QTest.mouseRelease(pad.canvas, LEFT, NONE, canvas_pixel(23, 14))

    assert len(images) == 5  # the press and each move
    ink = pad.ink()
    assert ink.dtype == np.float32 and ink.min() >= 0.0 and ink.max() <= 1.0
    np.testing.assert_array_equal(ink[14, 5:24], 1.0)  # the interpolated line, not just the move points
    assert not ink[:10].any() and not ink[19:].any() and not ink[:, :3].any()
    assert 0.0 < ink[16, 14] < 1.0  # soft edge, like MNIST strokes


@pytest.mark.parametrize("side, scale", [(140, 5), (112, 4), (130, 4)])
def test_a_narrow_window_shrinks_the_canvas_to_a_whole_scale_and_strokes_land_where_drawn(qtbot, side, scale):
    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(side, side)
    canvas.show()
    qtbot.waitExposed(canvas)
    assert canvas.scale == scale and canvas.minimumWidth() == 4 * SIDE
    QTest.mouseClick(canvas, LEFT, NONE, QPoint(int(20.5 * scale), int(6.5 * scale)))
    assert canvas.ink[6, 20] == 1.0 and canvas.ink[6, 6] == 0.0 and canvas.ink[20, 20] == 0.0


def test_separate_strokes_are_not_joined(pad, qtbot):
    QTest.mouseClick(pad.canvas, LEFT, NONE, canvas_pixel(4, 4))
    QTest.mouseClick(pad.canvas, LEFT, NONE, canvas_pixel(22, 22))
    ink = pad.ink()
    assert ink[4, 4] == 1.0 and ink[22, 22] == 1.0
    assert ink[13, 13] == 0.0


def test_clear_erases_and_reports(pad, qtbot):
    QTest.mouseClick(pad.canvas, LEFT, NONE, canvas_pixel(10, 10))
    assert pad.image().any()
    with qtbot.waitSignal(pad.drawing_cleared, timeout=1000):
        pad.clear()
    assert not pad.image().any()


def test_the_encoder_gets_and_the_pad_shows_the_drawing_sized_and_centred_as_mnist(pad, qtbot):
    images = []
    pad.drawing_changed.connect(images.append)
    QTest.mousePress(pad.canvas, LEFT, NONE, canvas_pixel(2, 2))           # a small 7 in the top-left corner
    for column, row in ((8, 2), (5, 9)):
        QTest.mouseMove(pad.canvas, canvas_pixel(column, row))
    QTest.mouseRelease(pad.canvas, LEFT, NONE, canvas_pixel(5, 9))
    prepared = images[-1].reshape(SIDE, SIDE)
    np.testing.assert_array_equal(prepared, prepare_digit(pad.ink()))
    np.testing.assert_array_equal(pad.image(), images[-1])
    row, column = centre_of_mass(prepared)
    assert abs(row - 14) <= 0.5 and abs(column - 14) <= 0.5
    np.testing.assert_array_equal(pad.preview.image(), to_gray8(prepared))
    pad.clear()
    assert not pad.preview.image().any()
