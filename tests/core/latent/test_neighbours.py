"""The class a model reconstructs an image as, judged by the nearest test codes in its latent space."""
import numpy as np

from core.latent.neighbours import kept_in_class, neighbour_classes


def clusters(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three tight clusters of 20 codes (classes 0, 1, 2 at x = 0, 10, 20); codes (60, 2), labels (60,)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(3), 20)
    return rng.normal(scale=0.5, size=(60, 2)) + labels[:, None] * np.array([10.0, 0.0]), labels


def test_a_code_among_another_class_is_reconstructed_as_that_class():
    codes, labels = clusters()
    codes[3] = [10.2, 0.1]                          # a 0 the model put among the 1s
    classes = neighbour_classes(codes, labels, np.array([3, 4, 25, 45]))
    assert classes.tolist() == [1, 0, 1, 2]


def test_a_code_is_not_its_own_neighbour_and_ties_go_to_the_smaller_label():
    codes = np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [5.0, 5.0]])
    labels = np.array([2, 1, 0, 2])
    # Point 0's two nearest others are a 1 and a 0 (a tie), not itself (a 2).
    assert neighbour_classes(codes, labels, np.array([0]), k=2).tolist() == [0]


def test_every_judge_must_keep_an_image_in_its_class():
    codes, labels = clusters()
    other = codes.copy()
    other[5] = [20.0, 0.0]                          # the second model puts image 5 (a 0) among the 2s
    assert kept_in_class([codes], labels, np.array([5, 6])).tolist() == [True, True]
    assert kept_in_class([codes, other], labels, np.array([5, 6])).tolist() == [False, True]


def test_large_sets_are_judged_in_chunks_with_the_same_answer():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, 700)
    codes = rng.normal(size=(700, 3)) + labels[:, None]
    everything = neighbour_classes(codes, labels, np.arange(700))
    one_by_one = [neighbour_classes(codes, labels, np.array([i]))[0] for i in range(0, 700, 97)]
    assert everything[::97].tolist() == one_by_one
