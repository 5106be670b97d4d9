"""Latent-space interpolation: paths between two codes, endpoint picking, frame schedules.

Works on any model with `encode(x) -> (mu, log_var)` and `decode(z) -> images` (duck typing).
Turning the decoded images into pictures is core/animation/frames.py's job; writing files is
core/animation/writers.py's.
"""

from typing import Literal, Protocol

import numpy as np

Mode = Literal["lerp", "slerp"]

# Below this, an angle or a norm counts as zero and slerp falls back to lerp.
_DEGENERATE = 1e-7


class Codec(Protocol):
    """The two model methods interpolation needs (AE and VAE models both have them)."""

    def encode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]: ...

    def decode(self, z: np.ndarray) -> np.ndarray: ...


def _check_pair(z0: np.ndarray, z1: np.ndarray, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    z0, z1 = np.asarray(z0), np.asarray(z1)
    if z0.ndim != 1 or z0.shape != z1.shape:
        raise ValueError(f"expected two codes of the same shape (d,), got {z0.shape} and {z1.shape}")
    if n_frames < 2:
        raise ValueError(f"a path needs at least 2 frames, got {n_frames}")
    return z0, z1


def lerp_path(z0: np.ndarray, z1: np.ndarray, n_frames: int) -> np.ndarray:
    """Straight line from z0 (d,) to z1 (d,) in n_frames evenly spaced steps.

    Returns (n_frames, d) in the codes' float dtype; row 0 is exactly z0 and row -1 exactly z1.
    """
    z0, z1 = _check_pair(z0, z1, n_frames)
    t = np.linspace(0.0, 1.0, n_frames)[:, None]  # (n_frames, 1)
    # (1 - t) * z0 + t * z1 rather than z0 + t * (z1 - z0): the endpoints then come out bit-exact.
    path = (1.0 - t) * z0 + t * z1
    return path.astype(np.result_type(z0, z1, np.float32))


def slerp_path(z0: np.ndarray, z1: np.ndarray, n_frames: int) -> np.ndarray:
    """Spherical path from z0 (d,) to z1 (d,): the direction turns at constant angular speed
    along the great circle (Shoemake's slerp of the unit vectors) while the norm goes linearly
    from |z0| to |z1|.

    For codes of equal norm this is exactly Shoemake's slerp of the vectors themselves, the
    usual choice for Gaussian latents (White 2016): it avoids the low-norm middle of a straight
    line. Falls back to `lerp_path` when either code is ~0 or the angle is ~0 or ~180 degrees
    (the great circle is then undefined or ill-conditioned).
    Returns (n_frames, d); row 0 is exactly z0 and row -1 exactly z1.
    """
    z0, z1 = _check_pair(z0, z1, n_frames)
    norm0, norm1 = float(np.linalg.norm(z0)), float(np.linalg.norm(z1))
    if min(norm0, norm1) < _DEGENERATE:
        return lerp_path(z0, z1, n_frames)
    u0, u1 = z0 / norm0, z1 / norm1
    omega = float(np.arccos(np.clip(np.dot(u0, u1), -1.0, 1.0)))
    if np.sin(omega) < _DEGENERATE:
        return lerp_path(z0, z1, n_frames)
    t = np.linspace(0.0, 1.0, n_frames)[:, None]  # (n_frames, 1)
    direction = (np.sin((1.0 - t) * omega) * u0 + np.sin(t * omega) * u1) / np.sin(omega)
    path = ((1.0 - t) * norm0 + t * norm1) * direction  # (n_frames, d)
    path = path.astype(np.result_type(z0, z1, np.float32))
    path[0], path[-1] = z0, z1  # normalising and rescaling is off by an ulp at the ends
    return path


_PATHS = {"lerp": lerp_path, "slerp": slerp_path}


def pick_endpoint_by_label(codes: np.ndarray, labels: np.ndarray, label: int, rank: int = 0) -> int:
    """Index of a typical example of one class, to start or end an interpolation.

    codes (n, d) latent means, labels (n,) integer classes. Rank 0 is the example nearest its
    class mean in latent space, rank k the k-th nearest; ranks wrap around (and -1 is the
    farthest), so "next" and "previous" buttons can just add or subtract one.
    Raises ValueError when no example has that label.
    """
    by_distance = class_order(codes, labels, label)
    if by_distance.size == 0:
        raise ValueError(f"no example with label {label}")
    return int(by_distance[rank % by_distance.size])


def class_order(codes: np.ndarray, labels: np.ndarray, label: int) -> np.ndarray:
    """Indices of the examples of one class, nearest their class mean in latent space first (ties in index order).

    codes (n, d), labels (n,). Returns (n_class,) int, empty when no example has that label.
    """
    members = np.flatnonzero(np.asarray(labels) == label)
    if members.size == 0:
        return members
    class_codes = np.asarray(codes)[members]  # (n_class, d)
    distances = np.linalg.norm(class_codes - class_codes.mean(axis=0), axis=1)
    return members[np.argsort(distances, kind="stable")]


def timeline(n_frames: int, hold_frames: int = 0, ping_pong: bool = False) -> np.ndarray:
    """Playback order of the frames of one interpolation, as (length,) int indices.

    Frame 0 is shown 1 + hold_frames times, then 1 .. n_frames - 1 play, and the last frame is
    held the same way. With ping_pong the path then plays backwards down to frame 1: looping
    back to the start supplies frame 0 and its hold, so neither end is doubled.
    Example: timeline(4, 2, True) -> [0 0 0 1 2 3 3 3 2 1].
    """
    if n_frames < 1 or hold_frames < 0:
        raise ValueError(f"need n_frames >= 1 and hold_frames >= 0, got {n_frames}, {hold_frames}")
    last = n_frames - 1
    parts = [np.zeros(hold_frames, int), np.arange(n_frames), np.full(hold_frames, last)]
    if ping_pong:
        parts.append(np.arange(last - 1, 0, -1))
    return np.concatenate(parts)


def interpolation_images(
    model: Codec, x0: np.ndarray, x1: np.ndarray, n_frames: int, mode: Mode = "slerp"
) -> np.ndarray:
    """Decoded images along the path between the mean codes of two images.

    x0, x1: (784,) images, floats in [0, 1] (uint8 0..255 are scaled to that).
    Returns (n_frames, 784) floats in [0, 1]. Row 0 is exactly model.decode(mu0[None])[0] and
    row -1 exactly model.decode(mu1[None])[0], the same pixels the app shows for either code.
    """
    pair = np.stack([x0, x1])  # (2, 784)
    if pair.dtype == np.uint8:
        pair = pair.astype(np.float32) / 255.0
    if mode not in _PATHS:
        raise ValueError(f"mode must be one of {sorted(_PATHS)}, got {mode!r}")
    mu, _ = model.encode(pair)  # the mean codes: a VAE's sampled codes would flicker
    path = _PATHS[mode](mu[0], mu[1], n_frames)  # (n_frames, d)
    # The endpoints are decoded alone: BLAS may round a row differently inside a larger batch.
    pieces = [path[:1], path[1:-1], path[-1:]] if n_frames > 2 else [path[:1], path[-1:]]
    return np.concatenate([model.decode(piece) for piece in pieces])  # (n_frames, 784)
