"""Prepares a hand-drawn digit the way the MNIST digits were prepared, so that a model trained on them reads it:
the ink's bounding box is scaled (keeping its aspect) until its larger side is 20 pixels, anti-aliased by area
averaging, and the result placed in a 28x28 image with its centre of mass at pixel (14, 14) (a whole-pixel shift,
as in MNIST, whose digits' centres of mass sit within half a pixel of it); the brightest pixel is full ink.

It takes and returns arrays only; drawing and showing the image are the app's.
"""
from __future__ import annotations

import numpy as np

SIDE = 28      # the prepared image is SIDE x SIDE
BOX = 20       # the larger side of the ink's bounding box, once prepared
CENTRE = 14.0  # where the centre of mass lands, in pixel indices (row, column)


def area_weights(size_in: int, size_out: int) -> np.ndarray:
    """(size_out, size_in) float64 weights that resample a row of ``size_in`` pixels to ``size_out`` by area: output
    pixel i is the mean of the input it covers, each input pixel counted by the share of it inside pixel i. Each row
    sums to 1; shrinking blends the pixels an edge cuts (anti-aliasing), enlarging repeats them."""
    edges = np.arange(size_in + 1) * (size_out / size_in)       # the input pixels' edges, in output pixels
    starts = np.arange(size_out)[:, None]                        # (size_out, 1)
    overlap = np.minimum(edges[None, 1:], starts + 1) - np.maximum(edges[None, :-1], starts)
    return np.clip(overlap, 0.0, None)                           # (size_out, size_in)


def ink_box(image: np.ndarray) -> tuple[slice, slice] | None:
    """The rows and columns of ``image`` (h, w) that hold ink (any value above 0), or None for a blank image."""
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    if rows.size == 0:
        return None
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the ink's centre of mass in ``image`` (h, w), in pixel indices."""
    mass = image.sum()
    rows, cols = np.arange(image.shape[0]), np.arange(image.shape[1])
    return float(image.sum(axis=1) @ rows / mass), float(image.sum(axis=0) @ cols / mass)


def prepare_digit(image: np.ndarray) -> np.ndarray:
    """The drawing ``image`` (h, w) float in [0, 1], white ink on black, prepared as the MNIST digits were (see the
    module docstring): (28, 28) float32 in [0, 1]. A blank image comes back blank."""
    image = np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0)
    prepared = np.zeros((SIDE, SIDE), dtype=np.float32)
    box = ink_box(image)
    if box is None:
        return prepared
    ink = image[box]                                             # (box_h, box_w)
    scale = BOX / max(ink.shape)
    height, width = (max(1, round(side * scale)) for side in ink.shape)
    resized = area_weights(ink.shape[0], height) @ ink @ area_weights(ink.shape[1], width).T    # (height, width)
    row, col = centre_of_mass(resized)
    # A whole-pixel shift puts the centre of mass nearest CENTRE, keeping the box inside the image.
    top = min(max(round(CENTRE - row), 0), SIDE - height)
    left = min(max(round(CENTRE - col), 0), SIDE - width)
    prepared[top:top + height, left:left + width] = resized / resized.max()
    return prepared
