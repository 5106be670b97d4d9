"""The class a model reconstructs an image as, judged in its latent space: the most common class of the test codes
nearest the image's code.

A decoder draws, near a code, images like the ones whose codes lie there: an image of a 7 whose code falls among the
9s comes back as a 9. So the vote of the nearest codes tells, without any classifier of images, whether a model
keeps an image in its own class. The animation recipe (core/animation/recipe.py) prefers end images that every
model in the animation keeps so. It is a judgement of the codes, not of the decoded pixels.
"""
from __future__ import annotations

import numpy as np

NEIGHBOURS = 10  # codes that vote: enough to outvote a stray one, few against the 50 per class of the bundled test set
_CHUNK = 256  # rows of distances computed at once: 256 x 10,000 test codes is 20 MB


def neighbour_classes(codes: np.ndarray, labels: np.ndarray, indices: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """The class each of codes[indices] falls among: the most common label of its k nearest other codes.

    codes (n, d) float: one model's latent means of the test images; labels (n,) int; indices (m,) int into them.
    Distances are Euclidean; a code is not its own neighbour; a tie goes to the smaller label.
    Returns (m,) int.
    """
    codes = np.asarray(codes, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.intp)
    indices = np.asarray(indices, dtype=np.intp)
    k = min(k, len(codes) - 1)
    if k < 1:
        return labels[indices].copy()
    squares = np.einsum("ij,ij->i", codes, codes)  # (n,)
    classes = np.empty(len(indices), dtype=np.intp)
    for start in range(0, len(indices), _CHUNK):
        rows = indices[start:start + _CHUNK]
        distances = squares[rows, None] + squares[None, :] - 2.0 * codes[rows] @ codes.T  # (c, n) squared
        distances[np.arange(len(rows)), rows] = np.inf  # not its own neighbour
        nearest = np.argpartition(distances, k - 1, axis=1)[:, :k]  # (c, k)
        votes = np.zeros((len(rows), labels.max() + 1), dtype=np.intp)
        np.add.at(votes, (np.repeat(np.arange(len(rows)), k), labels[nearest].ravel()), 1)
        classes[start:start + len(rows)] = votes.argmax(axis=1)  # the first (smallest) label of the most votes
    return classes


def kept_in_class(judges: list[np.ndarray], labels: np.ndarray, indices: np.ndarray,
                  k: int = NEIGHBOURS) -> np.ndarray:
    """Whether every model reconstructs each of the images as its own class (neighbour_classes, per model).

    judges: one (n, d_model) array of test codes per model; labels (n,); indices (m,). Returns (m,) bool.
    """
    indices = np.asarray(indices, dtype=np.intp)
    kept = np.ones(len(indices), dtype=bool)
    for codes in judges:
        kept &= neighbour_classes(codes, labels, indices, k) == np.asarray(labels)[indices]
    return kept
