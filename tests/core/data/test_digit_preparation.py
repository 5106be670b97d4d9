"""A drawn digit prepared as the MNIST digits were: its box scaled to 20 pixels, its centre of mass at (14, 14)."""
from __future__ import annotations

import numpy as np
import pytest

from core.data.datasets import load_npz
from core.data.digit_preparation import area_weights, centre_of_mass, ink_box, prepare_digit
from tests.helpers import RESOURCES


def stroke(image: np.ndarray, start: tuple[float, float], end: tuple[float, float], radius: float = 1.2) -> None:
    """Ink a soft-edged line from start to end ((x, y) in pixels) into ``image``, as the app's drawing pad does."""
    rows, cols = np.mgrid[0:image.shape[0], 0:image.shape[1]] + 0.5
    for t in np.linspace(0.0, 1.0, 60):
        x, y = start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1])
        np.maximum(image, np.clip(radius + 1.2 - np.hypot(cols - x, rows - y), 0.0, 1.0), out=image)


def seven(size: float, top: float, left: float, canvas: int = 28) -> np.ndarray:
    """A '7' drawn in a size x size square at (top, left) of a blank canvas: a bar, and a stem down to the left."""
    image = np.zeros((canvas, canvas))
    stroke(image, (left, top), (left + size, top))
    stroke(image, (left + size, top), (left + 0.3 * size, top + size))
    return image


def box_side(image: np.ndarray) -> tuple[int, int]:
    rows, cols = ink_box(image)
    return rows.stop - rows.start, cols.stop - cols.start


@pytest.mark.parametrize(("size", "top", "left"), [(5, 2, 2), (6, 19, 19), (9, 3, 15), (24, 2, 2), (14, 7, 7)])
def test_a_digit_anywhere_comes_out_20_pixels_high_with_its_centre_of_mass_at_14_14(size, top, left):
    prepared = prepare_digit(seven(size, top, left))
    assert prepared.shape == (28, 28) and prepared.dtype == np.float32
    assert max(box_side(prepared)) == 20
    row, col = centre_of_mass(prepared)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5
    assert prepared.max() == 1.0 and prepared.min() == 0.0


def test_shrinking_keeps_the_aspect_and_anti_aliases():
    image = np.zeros((56, 56))
    image[4:44, 10:30] = 1.0                                       # 40 x 20: becomes 20 x 10
    assert box_side(prepare_digit(image)) == (20, 10)
    image[42:44] = 0.0
    image[43, 10:30] = 1.0           # a 1-pixel line a pixel under the block: blended with the gap, grey
    prepared = prepare_digit(image)
    assert box_side(prepared) == (20, 10) and set(np.unique(prepared)) == {0.0, 0.5, 1.0}


def test_area_weights_average_what_each_output_pixel_covers():
    np.testing.assert_allclose(area_weights(4, 2), [[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])
    np.testing.assert_allclose(area_weights(2, 4), [[1, 0], [1, 0], [0, 1], [0, 1]])
    np.testing.assert_allclose(area_weights(27, 20).sum(axis=1), 1.0)


def test_a_blank_drawing_stays_blank():
    assert not prepare_digit(np.zeros((28, 28))).any()


def test_mnist_digits_are_prepared_already():
    """Preparing a digit of the bundled set moves it little: it was prepared so."""
    dataset = load_npz(RESOURCES / "mnist5k.npz")
    for image in dataset.test_images[:50]:
        image = image.reshape(28, 28) / 255.0
        prepared = prepare_digit(image)
        assert np.abs(prepared - image).mean() < 0.05
