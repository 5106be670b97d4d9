"""Scatter snapshots rendered as frames with NumPy: sizes, dot colours where the points are, a steady framing."""

import numpy as np
import pytest

from core.animation.frames import BACKGROUND
from core.animation.scatter_frames import (
    draw_dots,
    palette_array,
    point_bounds,
    render_scatter_frames,
    smoothed_bounds,
)

COLORS = ["#ff0000", "#00ff00", "#0000ff"]


def test_palette_array_parses_hex_colours():
    assert palette_array(COLORS).tolist() == [[255, 0, 0], [0, 255, 0], [0, 0, 255]]
    assert palette_array(np.array([[1, 2, 3]])).dtype == np.uint8


def test_draw_dots_paints_discs_and_later_dots_cover_earlier_ones():
    canvas = np.zeros((20, 20, 3), np.uint8)
    colors = np.array([[255, 0, 0], [0, 0, 255]], np.uint8)
    draw_dots(canvas, np.array([[10.0, 10.0], [11.0, 10.0]]), colors, radius=2)
    assert canvas[10, 11].tolist() == [0, 0, 255]  # the second dot is on top where they overlap
    assert canvas[10, 8].tolist() == [255, 0, 0]  # the first dot's left edge is still visible
    assert canvas[0, 0].tolist() == [0, 0, 0]
    draw_dots(canvas, np.array([[-50.0, 3.0]]), colors[:1], radius=2)  # entirely outside: clipped, no error


def test_frames_have_one_frame_per_snapshot_with_dots_in_class_colours():
    labels = np.array([0, 1, 2, 0])
    snapshots = [np.array([[-1.0, -1.0], [1.0, 1.0], [1.0, -1.0], [-1.0, 1.0]]) * scale for scale in (1.0, 2.0, 3.0)]
    frames = render_scatter_frames(snapshots, labels, COLORS, side=100, captions=["a", "b", "c"],
                                   class_names=["zero", "one", "two"])
    assert frames.shape[0] == 3 and frames.shape[2:] == (100, 3) and frames.dtype == np.uint8
    assert frames.shape[1] > 100  # rows for the caption and the legend
    plot = frames[0, :100].reshape(-1, 3)
    for color in palette_array(COLORS).tolist():
        assert (plot == color).all(axis=1).any(), color
    assert (frames[0, 0, 0] == BACKGROUND).all()
    # Points that stay put keep the camera still.
    still = render_scatter_frames([snapshots[0]] * 2, labels, COLORS, side=100)
    assert np.array_equal(still[0], still[1])


def test_point_bounds_are_square_and_leave_out_far_outliers():
    rng = np.random.default_rng(0)
    points = np.vstack([rng.uniform(-1, 1, (1000, 2)) * [4, 1], [[1000.0, 0.0]]])
    cx, cy, half = point_bounds(points)
    assert 4.0 <= half < 5.0 and abs(cx) < 0.5 and abs(cy) < 0.5


def test_smoothed_bounds_always_contain_each_snapshots_own_box():
    snapshots = [np.array([[0.0, 0.0], [1.0, 1.0]]) * 10**k + k for k in range(5)]
    for snapshot, (cx, cy, half) in zip(snapshots, smoothed_bounds(snapshots)):
        own = point_bounds(snapshot)
        assert half + 1e-9 >= abs(cx - own[0]) + own[2] and half + 1e-9 >= abs(cy - own[1]) + own[2]


def test_mismatched_inputs_are_rejected():
    with pytest.raises(ValueError):
        render_scatter_frames([np.zeros((3, 2))], np.zeros(4, int), COLORS)
    with pytest.raises(ValueError):
        render_scatter_frames([np.zeros((3, 2))], np.zeros(3, int), COLORS, captions=["a", "b"])
