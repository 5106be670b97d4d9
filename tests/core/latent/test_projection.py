"""LatentPlane: projection onto a plane of latent space and back (no Qt)."""

import numpy as np
import pytest

from core.latent.projection import LatentPlane


def clustered_codes(rng: np.random.Generator, n: int = 500, d: int = 8) -> np.ndarray:
    centers = rng.normal(0.0, 3.0, size=(10, d))
    return centers[rng.integers(0, 10, n)] + rng.normal(0.0, 0.5, size=(n, d))


@pytest.mark.parametrize("latent_dim", [1, 2])
def test_identity_plane_maps_codes_to_themselves(latent_dim):
    z = np.random.default_rng(0).normal(size=(20, latent_dim))
    plane = LatentPlane.identity(latent_dim)
    p = plane.to_plane(z)
    assert p.shape == (20, 2)
    np.testing.assert_array_equal(p[:, :latent_dim], z)
    np.testing.assert_array_equal(plane.from_plane(p), z)


def test_line_ignores_the_y_coordinate():
    plane = LatentPlane.identity(1)
    np.testing.assert_array_equal(plane.from_plane(np.array([[0.5, 7.0], [0.5, -3.0]])), [[0.5], [0.5]])
    np.testing.assert_array_equal(plane.to_plane(np.array([[0.5]])), [[0.5, 0.0]])


def test_axes_plane_shows_two_dimensions_and_holds_the_others_at_the_anchor():
    rng = np.random.default_rng(1)
    anchor = rng.normal(size=8)
    plane = LatentPlane.axes(8, 2, 4, anchor)
    z = rng.normal(size=(30, 8))
    np.testing.assert_array_equal(plane.to_plane(z), z[:, [2, 4]])
    back = plane.from_plane(np.array([[1.5, -2.0]]))[0]
    expected = anchor.copy()
    expected[[2, 4]] = [1.5, -2.0]
    np.testing.assert_array_equal(back, expected)
    assert plane.names == ("z3", "z5")


def test_axes_plane_of_a_two_dimensional_space_is_the_identity():
    z = np.random.default_rng(2).normal(size=(10, 2))
    np.testing.assert_array_equal(LatentPlane.axes(2, 0, 1, np.array([5.0, 5.0])).to_plane(z), z)


@pytest.mark.parametrize("i, j", [(0, 0), (-1, 2), (1, 8)])
def test_axes_plane_rejects_bad_dimensions(i, j):
    with pytest.raises(ValueError):
        LatentPlane.axes(8, i, j, np.zeros(8))


def test_principal_plane_is_orthonormal_through_the_mean_along_the_largest_variance():
    rng = np.random.default_rng(3)
    codes = rng.normal(size=(2000, 6)) * np.array([0.1, 5.0, 0.2, 3.0, 0.1, 0.3])
    plane = LatentPlane.principal(codes)
    np.testing.assert_allclose(plane.basis @ plane.basis.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(plane.origin, codes.mean(axis=0))
    np.testing.assert_allclose(np.abs(plane.basis[0]), np.eye(6)[1], atol=0.05)
    np.testing.assert_allclose(np.abs(plane.basis[1]), np.eye(6)[3], atol=0.05)
    assert plane.names == ("PC1", "PC2")


def test_principal_plane_keeps_the_signs_of_the_previous_plane():
    codes = clustered_codes(np.random.default_rng(4))
    previous = LatentPlane.principal(codes)
    flipped = LatentPlane(previous.origin, -previous.basis, previous.names)
    again = LatentPlane.principal(codes + 1e-3, like=flipped)
    assert np.all(np.sum(again.basis * flipped.basis, axis=1) > 0.99)


def test_principal_plane_of_a_single_code_is_still_a_plane():
    plane = LatentPlane.principal(np.ones((1, 5)))
    np.testing.assert_allclose(plane.basis @ plane.basis.T, np.eye(2), atol=1e-12)


@pytest.mark.parametrize("make_plane", ["principal", "axes"])
def test_plane_points_survive_a_round_trip(make_plane):
    rng = np.random.default_rng(5)
    codes = clustered_codes(rng)
    plane = LatentPlane.principal(codes) if make_plane == "principal" else LatentPlane.axes(8, 3, 0, codes[7])
    p = rng.normal(0.0, 4.0, size=(50, 2))
    z = plane.from_plane(p)
    np.testing.assert_allclose(plane.to_plane(z), p, atol=1e-10)
    np.testing.assert_allclose(plane.from_plane(plane.to_plane(z)), z, atol=1e-10)


def test_prior_restricted_to_the_plane_is_a_unit_gaussian_around_the_prior_center():
    # |z|^2 - |p - c|^2 must be the same for every point z = from_plane(p) of the plane.
    rng = np.random.default_rng(6)
    plane = LatentPlane.principal(clustered_codes(rng) + 2.0)
    p = rng.normal(0.0, 3.0, size=(40, 2))
    z = plane.from_plane(p)
    offset = np.sum(z**2, axis=1) - np.sum((p - plane.prior_center()) ** 2, axis=1)
    np.testing.assert_allclose(offset, offset[0], atol=1e-9)


def test_covariance_on_the_plane_matches_projected_samples():
    rng = np.random.default_rng(7)
    plane = LatentPlane.principal(clustered_codes(rng))
    variance = rng.uniform(0.1, 2.0, size=8)
    samples = rng.normal(size=(200_000, 8)) * np.sqrt(variance)
    np.testing.assert_allclose(plane.covariance_on_plane(variance), np.cov(plane.to_plane(samples).T), atol=0.02)

