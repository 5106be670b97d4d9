"""The class a model reconstructs an image as: its reconstruction's nearest class mean among the test images."""
import numpy as np

from core.animation.reconstructed_class import ClassKeeper, class_means, reconstruction_classes


class Stamps:
    """A 'model' whose code is a class (as a (1,) float) and whose decoder draws that class's stamp image."""

    def __init__(self, stamps: np.ndarray, swap: dict[int, int] | None = None) -> None:
        self.stamps = stamps          # (c, 784)
        self.swap = swap or {}        # decodes class a as class b's stamp
        self.decoded = 0

    def encode(self, x: np.ndarray) -> tuple[np.ndarray, None]:
        raise AssertionError("the keeper is given the codes")

    def decode(self, z: np.ndarray) -> np.ndarray:
        self.decoded += len(z)
        return self.stamps[[self.swap.get(int(k), int(k)) for k in z[:, 0]]]


def test_class_means_average_each_class_and_scale_uint8_images():
    images = np.array([[0, 255], [255, 255], [0, 0]], dtype=np.uint8).repeat(392, axis=1)   # (3, 784)
    means = class_means(images, np.array([0, 0, 1]))
    assert means.shape == (2, 784)
    np.testing.assert_allclose(means[0, :392], 0.5)
    np.testing.assert_allclose(means[0, 392:], 1.0)
    np.testing.assert_allclose(means[1], 0.0)


def test_a_reconstruction_takes_the_class_of_the_nearest_mean():
    rng = np.random.default_rng(0)
    stamps = rng.random((3, 784))
    labels = np.repeat(np.arange(3), 4)
    images = stamps[labels] + 0.05 * rng.standard_normal((12, 784))      # each class around its stamp
    means = class_means(images, labels)
    codes = labels[:, None].astype(float)                                 # (12, 1)
    assert reconstruction_classes(Stamps(stamps), codes, means).tolist() == labels.tolist()
    assert reconstruction_classes(Stamps(stamps, {2: 0}), codes[8:9], means).tolist() == [0]   # a 2 drawn as a 0


def test_the_keeper_wants_every_model_to_keep_an_image_and_judges_each_image_once():
    rng = np.random.default_rng(1)
    stamps = rng.random((3, 784))
    labels = np.repeat(np.arange(3), 4)
    images = stamps[labels]
    codes = labels[:, None].astype(float)
    faithful, confused = Stamps(stamps), Stamps(stamps, {1: 2})          # the second draws every 1 as a 2
    keeper = ClassKeeper([(faithful, codes), (confused, codes)], images, labels)
    assert keeper(np.arange(12)).tolist() == [True] * 4 + [False] * 4 + [True] * 4
    assert keeper.classes(np.array([5])).tolist() == [[1], [2]]
    keeper(np.arange(12))
    assert faithful.decoded == confused.decoded == 12                     # remembered, not decoded again


def test_a_class_the_test_set_lacks_is_nearest_nothing():
    rng = np.random.default_rng(2)
    stamps = rng.random((3, 784))
    labels = np.array([0, 0, 2, 2])                                       # no 1s
    means = class_means(stamps[labels], labels)
    assert np.isnan(means[1]).all()
    codes = np.array([[0.0], [1.0], [2.0]])                               # the 1 drawn as class 1's stamp
    classes = reconstruction_classes(Stamps(stamps), codes, means)
    assert classes[0] == 0 and classes[2] == 2 and classes[1] in (0, 2)
