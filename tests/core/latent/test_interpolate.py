"""Interpolation paths, endpoint picking, playback schedules, and decoding along a path."""

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.latent.interpolate import (
    interpolation_images,
    lerp_path,
    pick_endpoint_by_label,
    slerp_path,
    timeline,
)


class FakeModel:
    """A fixed random linear encoder and a sigmoid linear decoder, with the real models' methods."""

    def __init__(self, kind: str, latent_dim: int = 3, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.config = SimpleNamespace(kind=kind, latent_dim=latent_dim)
        self.W_enc = rng.normal(0, 0.05, (784, latent_dim))
        self.W_dec = rng.normal(0, 1.0, (latent_dim, 784))

    def encode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        mu = x @ self.W_enc
        return mu, (np.full_like(mu, -1.0) if self.config.kind == "vae" else None)

    def decode(self, z: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(z @ self.W_dec)))


code_pairs = st.integers(1, 6).flatmap(lambda d: arrays(np.float64, (2, d), elements=st.floats(-10, 10)))


def angle(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1, 1)))


@given(code_pairs, st.integers(2, 12))
def test_lerp_and_slerp_paths_start_and_end_exactly_at_the_codes(pair, n_frames):
    z0, z1 = pair
    for path_fn in (lerp_path, slerp_path):
        path = path_fn(z0, z1, n_frames)
        assert path.shape == (n_frames, z0.size)
        assert np.array_equal(path[0], z0) and np.array_equal(path[-1], z1)


def test_paths_keep_float32_codes_in_float32_with_exact_endpoints():
    rng = np.random.default_rng(1)
    z0, z1 = rng.normal(size=(2, 5)).astype(np.float32)
    for path_fn in (lerp_path, slerp_path):
        path = path_fn(z0, z1, 7)
        assert path.dtype == np.float32
        assert np.array_equal(path[0], z0) and np.array_equal(path[-1], z1)


def test_lerp_path_takes_equal_steps():
    path = lerp_path(np.array([0.0, 2.0]), np.array([4.0, -2.0]), 5)
    np.testing.assert_allclose(np.diff(path, axis=0), np.tile([1.0, -1.0], (4, 1)))


def test_slerp_of_equal_norm_codes_is_shoemakes_formula_and_keeps_the_norm():
    z0, z1 = np.array([3.0, 0.0, 0.0]), np.array([0.0, 3.0 / np.sqrt(2), 3.0 / np.sqrt(2)])
    t = np.linspace(0, 1, 9)[:, None]
    omega = np.pi / 2
    shoemake = (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)
    path = slerp_path(z0, z1, 9)
    np.testing.assert_allclose(path, shoemake, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 3.0)


def test_slerp_turns_at_constant_angular_speed_while_the_norm_changes_linearly():
    z0, z1 = np.array([1.0, 0.0]), np.array([-4.0, 4.0 * np.sqrt(3)])  # norms 1 and 8, 120 degrees apart
    path = slerp_path(z0, z1, 5)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), [1.0, 2.75, 4.5, 6.25, 8.0])
    steps = [angle(a, b) for a, b in zip(path[:-1], path[1:])]
    np.testing.assert_allclose(steps, np.radians(30.0))


@pytest.mark.parametrize(
    "z0, z1",
    [([0.0, 0.0], [1.0, 2.0]), ([1.0, 2.0], [2.0, 4.0]), ([1.0, 2.0], [-1.0, -2.0])],
    ids=["zero code", "same direction", "opposite directions"],
)
def test_slerp_falls_back_to_lerp_when_the_great_circle_is_undefined(z0, z1):
    z0, z1 = np.array(z0), np.array(z1)
    np.testing.assert_array_equal(slerp_path(z0, z1, 6), lerp_path(z0, z1, 6))


def test_paths_reject_a_single_frame_and_mismatched_codes():
    with pytest.raises(ValueError):
        lerp_path(np.zeros(2), np.ones(2), 1)
    with pytest.raises(ValueError):
        slerp_path(np.zeros(2), np.ones(3), 5)


def test_pick_endpoint_walks_a_class_outward_from_its_mean_and_wraps():
    codes = np.array([[0.0], [10.0], [3.0], [-1.0], [100.0], [-5.0]])
    labels = np.array([7, 1, 7, 7, 1, 7])  # class 7: codes 0, 3, -1, -5 around a mean of -0.75
    ranks = [pick_endpoint_by_label(codes, labels, 7, rank) for rank in range(5)]
    assert ranks == [3, 0, 2, 5, 3]
    assert pick_endpoint_by_label(codes, labels, 7, rank=-1) == 5
    assert pick_endpoint_by_label(codes, labels, 1) == 1  # a tie keeps dataset order


def test_pick_endpoint_rejects_a_label_with_no_examples():
    with pytest.raises(ValueError, match="label 3"):
        pick_endpoint_by_label(np.zeros((2, 2)), np.array([0, 1]), 3)


def test_timeline_holds_both_ends_and_ping_pongs_without_doubling_them():
    assert timeline(4, 2, ping_pong=True).tolist() == [0, 0, 0, 1, 2, 3, 3, 3, 2, 1]
    assert timeline(4, 1, ping_pong=False).tolist() == [0, 0, 1, 2, 3, 3]
    assert timeline(3).tolist() == [0, 1, 2]
    assert timeline(1, 1, ping_pong=True).tolist() == [0, 0, 0]


@given(st.integers(2, 20), st.integers(0, 5))
def test_a_looping_ping_pong_shows_each_end_exactly_one_hold_long(n_frames, hold):
    looped = np.tile(timeline(n_frames, hold, ping_pong=True), 2)
    runs = np.split(looped, np.flatnonzero(np.diff(looped)) + 1)  # stretches showing one frame
    assert {len(run) for run in runs if run[0] in (0, n_frames - 1)} == {hold + 1}


@pytest.mark.parametrize("kind", ["ae", "vae"])
@pytest.mark.parametrize("mode", ["lerp", "slerp"])
def test_interpolation_endpoints_equal_the_decoded_endpoint_codes(kind, mode):
    model = FakeModel(kind)
    x0, x1 = np.random.default_rng(2).random((2, 784))
    images = interpolation_images(model, x0, x1, 8, mode)
    mu0, mu1 = model.encode(np.stack([x0, x1]))[0]
    assert images.shape == (8, 784)
    assert np.array_equal(images[0], model.decode(mu0[None])[0])
    assert np.array_equal(images[-1], model.decode(mu1[None])[0])
    path = {"lerp": lerp_path, "slerp": slerp_path}[mode](mu0, mu1, 8)
    np.testing.assert_allclose(images, model.decode(path), atol=1e-12)


def test_interpolation_scales_uint8_images_and_works_with_two_frames():
    model = FakeModel("vae")
    pixels = np.random.default_rng(3).integers(0, 256, (2, 784), dtype=np.uint8)
    as_uint8 = interpolation_images(model, pixels[0], pixels[1], 2, "lerp")
    as_float = interpolation_images(model, pixels[0] / 255.0, pixels[1] / 255.0, 2, "lerp")
    np.testing.assert_allclose(as_uint8, as_float, atol=1e-6)


def test_interpolation_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        interpolation_images(FakeModel("ae"), np.zeros(784), np.ones(784), 4, "cubic")
