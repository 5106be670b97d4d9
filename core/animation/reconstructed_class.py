"""The class a model reconstructs a test image as: the class whose mean test image its reconstruction is nearest.

The animation recipe (recipe.py) ranks first the end images that every model in the animation reconstructs as their
own class, so that an animation from a 2 to a 7 does not end on what one of the models draws as a 9. The
reconstruction is judged, not the code, because the reconstruction is what the animation shows: a 7 whose code lies
among the 7s of a 2-D autoencoder can still decode to a 9 where the 7s and 9s meet. The nearest class mean is a
crude classifier of sharp digits, but reconstructions are blurred as the means are. For a 2-D AE and VAE of the
bundled digits, after 6 epochs and after 30, it agrees with a 5-nearest-neighbour classifier of the reconstructions
(on the training images) about whether each test image comes back as its own class on 87-93% of them; judging the
code instead (the class of its 10 nearest test codes, or its nearest class mean in latent space) agreed on 70-84%.
It needs no other model and costs one decoding per image.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.data.datasets import images_to_float
from core.latent.interpolate import Codec


def class_means(images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The mean image of each class: images (n, 784) uint8 or floats in [0, 1], labels (n,) ints 0..c-1.

    Returns (c, 784) float64 in [0, 1]; a class without images has a mean of NaN (nothing is nearest it)."""
    images = np.asarray(images)
    images = images_to_float(images) if images.dtype == np.uint8 else images
    labels = np.asarray(labels, dtype=np.intp)
    count = labels.max() + 1 if labels.size else 0
    members = (labels[None, :] == np.arange(count)[:, None]).astype(np.float64)  # (c, n) one row per class
    with np.errstate(invalid="ignore", divide="ignore"):
        return (members @ images) / members.sum(axis=1, keepdims=True)


def reconstruction_classes(model: Codec, codes: np.ndarray, means: np.ndarray) -> np.ndarray:
    """The class of each reconstruction: model.decode(codes) (codes (m, d), the images' mean codes), nearest which
    of the class means (c, 784) in Euclidean distance. Returns (m,) int.

    Each code is decoded alone: BLAS may round a row differently inside a larger batch, and the answer for an image
    must not depend on which others were judged with it (the app and the gif command judge in different groups)."""
    codes = np.asarray(codes)
    if len(codes) == 0:
        return np.zeros(0, dtype=np.intp)
    decoded = np.concatenate([model.decode(codes[i:i + 1]) for i in range(len(codes))]).astype(np.float64)
    present = ~np.isnan(means).any(axis=1)  # a class the test set lacks is nearest nothing
    distances = np.full((len(codes), len(means)), np.inf)  # (m, c) squared Euclidean
    distances[:, present] = ((decoded ** 2).sum(axis=1)[:, None] - 2.0 * decoded @ means[present].T
                             + (means[present] ** 2).sum(axis=1)[None, :])
    return np.argmin(distances, axis=1)


class ClassKeeper:
    """Which test images every model reconstructs as their own class, remembered per image once judged.

    models: (model, codes) pairs, codes (n, d_model) the model's mean codes of the n test images; images (n, 784)
    and labels (n,) the test set. Call it with indices (m,) for a (m,) bool mask, as pick_pair_by_label does.
    """

    def __init__(self, models: Sequence[tuple[Codec, np.ndarray]], images: np.ndarray, labels: np.ndarray) -> None:
        self._models = list(models)
        self._labels = np.asarray(labels, dtype=np.intp)
        self._means = class_means(images, labels)
        self._classes = np.full((len(self._models), len(self._labels)), -1, dtype=np.intp)  # -1: not judged yet

    def classes(self, indices: np.ndarray) -> np.ndarray:
        """The class each model reconstructs each image as: (n_models, m) int."""
        indices = np.asarray(indices, dtype=np.intp)
        for row, (model, codes) in enumerate(self._models):
            new = indices[self._classes[row, indices] < 0]
            if new.size:
                self._classes[row, new] = reconstruction_classes(model, np.asarray(codes)[new], self._means)
        return self._classes[:, indices]

    def __call__(self, indices: np.ndarray) -> np.ndarray:
        indices = np.asarray(indices, dtype=np.intp)
        return (self.classes(indices) == self._labels[indices][None, :]).all(axis=0)
