"""Renders snapshots of a 2-D scatter (latent codes during training) as uint8 RGB animation frames, NumPy only.

Each snapshot becomes one frame: dots coloured by class on a dark background, framed on the snapshot's points
(smoothed from frame to frame, so the camera glides as the clusters spread), a "step 1,234" caption and a
class legend in core/animation/frames.py's bitmap font. It does not project codes to 2-D or choose colours: callers do.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.animation.frames import BACKGROUND, CAPTION_GRAY, render_text

ROBUST_QUANTILE = 0.005  # the frame leaves out the outermost 0.5% of points on each side
MARGIN = 0.06  # of the span, around the points
SMOOTHING = 0.5  # weight of the new frame's bounds in the moving average of the framing


def _hex_to_rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def palette_array(colors: Sequence[str] | np.ndarray) -> np.ndarray:
    """Class colours as a (k, 3) uint8 array, from "#rrggbb" strings or anything array-like of shape (k, 3)."""
    if len(colors) and isinstance(colors[0], str):
        return np.array([_hex_to_rgb(color) for color in colors], dtype=np.uint8)
    return np.asarray(colors, dtype=np.uint8).reshape(-1, 3)


def point_bounds(positions: np.ndarray) -> np.ndarray:
    """A square box (center_x, center_y, half_side) around positions (n, 2), outliers left out.

    Square because the explorer locks the aspect ratio: a circle in latent space stays a circle.
    """
    positions = np.asarray(positions, dtype=np.float64)
    if len(positions) == 0:
        return np.array([0.0, 0.0, 1.0])
    low, high = np.quantile(positions, [ROBUST_QUANTILE, 1.0 - ROBUST_QUANTILE], axis=0)  # (2,) each
    center = (low + high) / 2
    half = max(float((high - low).max()) / 2 * (1 + 2 * MARGIN), 1e-6)
    return np.array([center[0], center[1], half])


def smoothed_bounds(snapshots: Sequence[np.ndarray]) -> np.ndarray:
    """point_bounds of each snapshot (n_i, 2) through an exponential moving average, each grown to contain its
    own snapshot's box (the camera eases in, but never cuts points off): (n_snapshots, 3)."""
    bounds = np.array([point_bounds(positions) for positions in snapshots]).reshape(-1, 3)
    for i in range(1, len(bounds)):
        target = bounds[i].copy()
        eased = SMOOTHING * target + (1 - SMOOTHING) * bounds[i - 1]
        reach = np.abs(eased[:2] - target[:2]).max() + target[2]  # half side that contains the target box
        bounds[i] = [eased[0], eased[1], max(eased[2], reach)]
    return bounds


def _disc(radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets (dy, dx) of a filled disc."""
    span = np.arange(-radius, radius + 1)
    dy, dx = np.meshgrid(span, span, indexing="ij")
    inside = dy**2 + dx**2 <= radius**2 + radius * 0.8
    return dy[inside], dx[inside]


def draw_dots(canvas: np.ndarray, pixels: np.ndarray, colors: np.ndarray, radius: int) -> None:
    """Paint discs into canvas (H, W, 3) uint8 in place, at pixels (n, 2) float (x, y) with colors (n, 3) uint8.

    Later dots cover earlier ones, pixel for pixel (a z-buffer of the dot index); dots partly outside are clipped.
    """
    height, width = canvas.shape[:2]
    if len(pixels) == 0:
        return
    dy, dx = _disc(radius)
    cx = np.rint(pixels[:, 0]).astype(np.int64)[:, None] + dx  # (n, m)
    cy = np.rint(pixels[:, 1]).astype(np.int64)[:, None] + dy
    order = np.broadcast_to(np.arange(len(pixels))[:, None], cx.shape)
    inside = (cx >= 0) & (cx < width) & (cy >= 0) & (cy < height)
    flat = cy[inside] * width + cx[inside]
    top = np.full(height * width, -1, dtype=np.int64)
    np.maximum.at(top, flat, order[inside])
    painted = np.flatnonzero(top >= 0)
    canvas.reshape(-1, 3)[painted] = colors[top[painted]]


def _draw_text(canvas: np.ndarray, text: str, top: int, left: int, scale: int, color) -> int:
    """Write text at (top, left) in canvas (H, W, 3); returns the x just after it."""
    mask = render_text(text, scale)
    height, width = canvas.shape[:2]
    mask = mask[: max(0, height - top), : max(0, width - left)]
    canvas[top : top + mask.shape[0], left : left + mask.shape[1]][mask] = color
    return left + mask.shape[1]


def render_scatter_frames(
    snapshots: Sequence[np.ndarray],
    labels: np.ndarray,
    colors: Sequence[str] | np.ndarray,
    *,
    side: int = 480,
    captions: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    radius: int = 2,
) -> np.ndarray:
    """One frame per snapshot of the same points moving on a plane.

    snapshots: (n, 2) float plane positions per snapshot (the same n points, in the same order, every time).
    labels: (n,) int classes; colors: one "#rrggbb" (or RGB triple) per class. side: the plot's size in pixels
    (square). captions: a line of text under each frame (e.g. "step 1,234"). class_names: a legend under it.
    Dots are painted in a fixed shuffled order so that no class is always on top.
    Returns (len(snapshots), H, side, 3) uint8, H = side plus the text rows.
    """
    palette = palette_array(colors)
    labels = np.asarray(labels, dtype=np.intp)
    if any(np.shape(positions) != (len(labels), 2) for positions in snapshots):
        raise ValueError(f"every snapshot needs one (x, y) per label: ({len(labels)}, 2)")
    if captions is not None and len(captions) != len(snapshots):
        raise ValueError(f"got {len(captions)} captions for {len(snapshots)} snapshots")
    text_scale = max(1, side // 240)
    line = 11 * text_scale
    pad = 4 * text_scale
    legend_rows = _legend_layout(class_names, side, text_scale, pad) if class_names else []
    height = side + pad + (line if captions is not None else 0) + line * len(legend_rows) + pad

    background = np.full((height, side, 3), BACKGROUND, dtype=np.uint8)
    for row, entries in enumerate(legend_rows):
        top = side + pad + (line if captions is not None else 0) + row * line
        for left, name, label in entries:
            _draw_text(background, name, top, left, text_scale, palette[label % len(palette)])

    order = np.random.default_rng(0).permutation(len(labels))
    dot_colors = palette[labels[order] % len(palette)]  # (n, 3)
    frames = np.repeat(background[None], len(snapshots), axis=0)
    for frame, positions, (cx, cy, half) in zip(frames, snapshots, smoothed_bounds(snapshots)):
        positions = np.asarray(positions, dtype=np.float64)[order]
        scale = (side - 1) / (2 * half)
        pixels = np.column_stack([(positions[:, 0] - cx) * scale + (side - 1) / 2,
                                  (cy - positions[:, 1]) * scale + (side - 1) / 2])  # y grows upwards in the plot
        draw_dots(frame[:side], pixels, dot_colors, radius)
    if captions is not None:
        for frame, caption in zip(frames, captions):
            _draw_text(frame, caption, side + pad, pad, text_scale, CAPTION_GRAY)
    return frames


def _legend_layout(names: Sequence[str], width: int, scale: int, pad: int) -> list[list[tuple[int, str, int]]]:
    """Rows of (left, name, label) for the legend, wrapped to the frame width."""
    rows: list[list[tuple[int, str, int]]] = [[]]
    left = pad
    for label, name in enumerate(names):
        name_width = render_text(name, scale).shape[1]
        if rows[-1] and left + name_width > width - pad:
            rows.append([])
            left = pad
        rows[-1].append((left, name, label))
        left += name_width + 3 * 6 * scale
    return rows
