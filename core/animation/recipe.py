"""The interpolation animation recipe, shared by the GUI's export and the `gif` command.

Both call the same functions (mean_codes -> pick_pair_by_label -> interpolation_frames ->
write_animation), so the same choices give the same frames. Paths and decoding live in
core/latent/interpolate.py, drawing in core/animation/frames.py, file writing in core/animation/writers.py.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.animation.frames import compose_frames, frame_shape
from core.animation.writers import Progress, check_fps, check_gif_hold, write_gif, write_mp4, write_png_frames
from core.data.datasets import images_to_float
from core.latent.interpolate import (
    Codec,
    class_order,
    interpolation_images,
    timeline,
)

MODES = ("slerp", "lerp")
# The most memory the finished frames of one animation may take. The GUI's largest choice (240 frames held 120 at
# each end, ping-pong, scale 16, two panels titled "Autoencoder (z=16)" and "VAE (z=16)") needs 3.0 GB; the command
# line could ask for terabytes.
MAX_ANIMATION_BYTES = 4_000_000_000


class AnimationTooLarge(ValueError):
    """An animation whose frames would not fit in memory; refused before anything is drawn."""


@dataclass(frozen=True)
class InterpolationSpec:
    """What an interpolation animation looks like.

    n_frames: decoded steps from one end to the other, both ends included (>= 2).
    fps: playback speed, from writers.MIN_FPS to MAX_FPS. mode: "slerp" or "lerp" (core/latent/interpolate.py).
    hold_frames: extra copies of each end frame, a pause at either end (half a second at 20 fps by default).
    ping_pong: play back to the start after reaching the end, so the loop has no jump (the default).
    scale: integer upscaling of the 28 x 28 images. caption: write "t=0.42" under each panel.
    inputs: show the two chosen images, in a column before the models' (compose_frames).
    """

    n_frames: int = 60
    fps: float = 20
    mode: str = "slerp"
    hold_frames: int = 10
    ping_pong: bool = True
    scale: int = 8
    caption: bool = True
    inputs: bool = True

    def __post_init__(self) -> None:
        if self.n_frames < 2:
            raise ValueError(f"an interpolation needs at least 2 frames, got {self.n_frames}")
        check_fps(self.fps)
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.hold_frames < 0:
            raise ValueError(f"hold frames must be 0 or more, got {self.hold_frames}")
        if self.scale < 1:
            raise ValueError(f"scale must be a positive integer, got {self.scale}")

    @property
    def length(self) -> int:
        """Frames in the finished animation: n_frames + 2 * hold_frames, plus n_frames - 2 with ping_pong."""
        return self.n_frames + 2 * self.hold_frames + (self.n_frames - 2 if self.ping_pong else 0)


def model_title(model: Codec) -> str:
    """A panel title for a model: "Autoencoder" or "VAE", plus the latent size unless it is 2, e.g. "VAE (z=8)"."""
    config = model.config
    name = "VAE" if config.kind == "vae" else "Autoencoder"
    return name if config.latent_dim == 2 else f"{name} (z={config.latent_dim})"


def mean_codes(model: Codec, images: np.ndarray) -> np.ndarray:
    """The latent means of images (n, 784), uint8 0..255 or floats in [0, 1]: returns (n, latent_dim)."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images_to_float(images)
    return model.encode(images)[0]


def pick_pair_by_label(
    codes: np.ndarray, labels: np.ndarray, from_label: int, to_label: int, from_rank: int = 0, to_rank: int = 0,
    keeper: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[int, int]:
    """Indices of the start and end images of an interpolation from one class to another.

    codes (n, d): latent means of the candidate images (the test set, encoded by the first
    model: the same two images are then used for every model in a comparison). labels (n,) ints.
    Rank 0 is the image of that class nearest its class mean in latent space, rank 1 the next
    nearest, -1 the farthest; ranks wrap around, so "next"/"previous" just add or subtract one.
    keeper: indices (m,) -> (m,) bool, whether every model in the animation reconstructs those images as their
    own class (a ClassKeeper, core/animation/reconstructed_class.py). When given, those images rank first, in the
    same order, then the others: an animation that claims to go from a 2 to a 7 should not end on a model's 9.
    Raises ValueError naming the label when no image has it.
    """
    indices = []
    for label, rank in ((from_label, from_rank), (to_label, to_rank)):
        order = class_order(codes, labels, label)
        if order.size == 0:
            raise ValueError(f"no test image has label {label}")
        if keeper is not None:
            kept = keeper(order)
            order = np.concatenate([order[kept], order[~kept]])
        indices.append(int(order[rank % order.size]))
    return indices[0], indices[1]


def animation_shape(titles: Sequence[str], spec: InterpolationSpec) -> tuple[int, int, int]:
    """(frames, H, W) of the animation interpolation_frames makes for models with these titles, worked out without
    decoding or drawing anything."""
    return (spec.length, *frame_shape(titles, spec.scale, ["t=0.00"] if spec.caption else [], spec.inputs))


def check_animation(path: str | os.PathLike, titles: Sequence[str], spec: InterpolationSpec) -> None:
    """Refuse, before anything is drawn, an animation too large for memory (AnimationTooLarge, its message giving
    the size) or, for a GIF at `path`, holds longer than a GIF frame can last (ValueError)."""
    check_animation_size(titles, spec)
    if animation_format(path) == "gif":
        check_gif_hold(spec.fps, 1 + spec.hold_frames)


def check_animation_size(titles: Sequence[str], spec: InterpolationSpec) -> None:
    """Raise AnimationTooLarge if the frames of this animation would take more than MAX_ANIMATION_BYTES."""
    length, height, width = animation_shape(titles, spec)
    size = length * height * width * 3
    if size > MAX_ANIMATION_BYTES:
        raise AnimationTooLarge(f"the animation would be {length:,} frames of {width:,} x {height:,} pixels, "
                                f"{_gigabytes(size)} in memory; the limit is {_gigabytes(MAX_ANIMATION_BYTES)}")


def _gigabytes(size: int) -> str:
    return f"{size / 1e9:,.1f} GB"


def interpolation_frames(
    models: Sequence[tuple[str, Codec]], x0: np.ndarray, x1: np.ndarray, spec: InterpolationSpec
) -> np.ndarray:
    """The finished animation: every model interpolates between the same two images, side by side.

    models: (title, model) pairs, drawn left to right, e.g. [("Autoencoder", ae), ("VAE", vae)].
    Each model encodes x0 and x1 (784,) (floats in [0, 1], or uint8), walks its own latent space
    from one mean code to the other (spec.mode), and decodes n_frames images; the end frames are
    exactly the decoded mean codes; with spec.inputs, x0 and x1 themselves stand in a column first.
    Then the playback order (holds, ping-pong) is applied.
    Returns (spec.length, H, W, 3) uint8 gray RGB frames; H and W follow from spec.scale,
    spec.caption, the titles and the number of models (animation_shape). Raises AnimationTooLarge first
    when they would take more than MAX_ANIMATION_BYTES.
    """
    if not models:
        raise ValueError("need at least one model")
    check_animation_size([title for title, _ in models], spec)
    input_dims = {np.asarray(x).shape for x in (x0, x1)} | {(model.config.input_dim,) for _, model in models}
    if len(input_dims) != 1:
        raise ValueError(f"the images and models disagree on the image size: {sorted(input_dims)}")
    panels = [(title, interpolation_images(model, x0, x1, spec.n_frames, spec.mode)) for title, model in models]
    inputs = (np.asarray(x0), np.asarray(x1)) if spec.inputs else None
    frames = compose_frames(panels, scale=spec.scale, caption=spec.caption, inputs=inputs)  # (n_frames, H, W, 3)
    return frames[timeline(spec.n_frames, spec.hold_frames, spec.ping_pong)]


def animation_format(path: str | os.PathLike) -> str:
    """"gif" or "mp4" from the file extension, "png" for a path without one (a folder of PNG frames).

    Raises ValueError for any other extension.
    """
    suffix = Path(path).suffix.lower()
    if suffix in (".gif", ".mp4"):
        return suffix[1:]
    if suffix == "":
        return "png"
    raise ValueError(f"{path}: unknown animation format {suffix!r}; use .gif, .mp4, or a folder for PNG frames")


def write_animation(
    path: str | os.PathLike,
    frames: np.ndarray,
    fps: float,
    cancel: threading.Event | None = None,
    progress: Progress | None = None,
) -> None:
    """Write frames (n, H, W, 3) uint8 to path as a GIF, an MP4 or PNG frames, chosen by animation_format.

    Atomic like the writers in core/animation/writers.py: a cancelled (ExportCancelled) or interrupted
    export leaves no file. A PNG folder must not exist yet or be empty.
    """
    kind = animation_format(path)
    if kind == "gif":
        write_gif(path, frames, fps, cancel, progress)
    elif kind == "mp4":
        write_mp4(path, frames, fps, cancel, progress)
    else:
        write_png_frames(path, frames, cancel, progress)
