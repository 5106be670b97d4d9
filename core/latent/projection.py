"""Planes through latent space: map d-dimensional codes to 2-D plot coordinates and back.

A `LatentPlane` is an origin plus one or two orthonormal axes. The latent explorer draws every code at its
orthogonal projection on the plane and decodes the exact point on the plane under the cursor. No plotting here.

Prior on the plane: for orthonormal axes B (2, d) through an origin o, a point of the plane is o + p B, and
|o + p B|^2 = |o_perp|^2 + |p - c|^2 with c = to_plane(0) and o_perp the part of o orthogonal to the plane.
So the standard normal prior N(0, I), restricted to the plane (or projected onto it), is the isotropic N(c, I)
in plane coordinates: its 1 and 2 sigma contours are circles of radius 1 and 2 around `prior_center()`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class LatentPlane:
    """An affine plane (or, for a 1-D latent space, a line) in latent space.

    origin: (d,) the latent vector at plane coordinates (0, 0).
    basis: (k, d) with k in {1, 2}, orthonormal rows (the axes). With k == 1 the plane's y coordinate is ignored.
    names: k axis names for the UI, e.g. ("PC1", "PC2") or ("z3", "z5"); dimensions are named from z1.
    """

    origin: np.ndarray
    basis: np.ndarray
    names: tuple[str, ...]

    @property
    def latent_dim(self) -> int:
        return self.origin.shape[0]

    def to_plane(self, z: np.ndarray) -> np.ndarray:
        """Orthogonal projection of codes z (n, d) onto the plane, as plane coordinates (n, 2) float64.

        For a line (k == 1) the second column is zero.
        """
        z = np.asarray(z, dtype=np.float64)
        p = np.zeros((z.shape[0], 2))
        p[:, : self.basis.shape[0]] = (z - self.origin) @ self.basis.T  # (n, k)
        return p

    def from_plane(self, p: np.ndarray) -> np.ndarray:
        """Latent vectors (n, d) float64 of the plane points with coordinates p (n, 2).

        from_plane(to_plane(from_plane(p))) == from_plane(p), because the axes are orthonormal.
        """
        p = np.asarray(p, dtype=np.float64)
        k = self.basis.shape[0]
        return self.origin + p[:, :k] @ self.basis

    def prior_center(self) -> np.ndarray:
        """Plane coordinates (2,) of the centre of the N(0, I) prior's section: the projection of z = 0."""
        return self.to_plane(np.zeros((1, self.latent_dim)))[0]

    def covariance_on_plane(self, variance: np.ndarray) -> np.ndarray:
        """The (2, 2) covariance on the plane of a diagonal Gaussian with per-dimension variance (d,).

        It is B diag(variance) B^T for the basis B; for a line, only the [0, 0] entry is non-zero.
        """
        k = self.basis.shape[0]
        cov = np.zeros((2, 2))
        cov[:k, :k] = (self.basis * variance) @ self.basis.T
        return cov

    @classmethod
    def identity(cls, latent_dim: int) -> LatentPlane:
        """The identity map for a latent space of size 1 or 2: plane coordinates are the code itself."""
        if latent_dim not in (1, 2):
            raise ValueError(f"identity plane needs latent_dim 1 or 2, got {latent_dim}")
        names = ("z1", "z2")[:latent_dim]
        return cls(np.zeros(latent_dim), np.eye(latent_dim), names)

    @classmethod
    def axes(cls, latent_dim: int, i: int, j: int, anchor: np.ndarray) -> LatentPlane:
        """The plane spanned by latent dimensions i and j (0-based, i != j), others held at anchor (d,)."""
        if i == j or not (0 <= i < latent_dim and 0 <= j < latent_dim):
            raise ValueError(f"need two different dimensions in [0, {latent_dim}), got {i} and {j}")
        origin = np.array(anchor, dtype=np.float64)
        origin[[i, j]] = 0.0
        basis = np.zeros((2, latent_dim))
        basis[0, i] = basis[1, j] = 1.0
        return cls(origin, basis, (f"z{i + 1}", f"z{j + 1}"))

    @classmethod
    def principal(cls, codes: np.ndarray, like: LatentPlane | None = None) -> LatentPlane:
        """The plane through the mean of codes (n, d), d >= 2, along its first two principal components.

        Each axis' sign is chosen to agree with `like` (the previous plane) when given, so a plane recomputed
        from slowly changing codes does not flip; otherwise its largest loading is made positive.
        """
        codes = np.asarray(codes, dtype=np.float64)
        if codes.ndim != 2 or codes.shape[1] < 2:
            raise ValueError(f"principal plane needs codes of shape (n, d >= 2), got {codes.shape}")
        mean = codes.mean(axis=0)
        centered = codes - mean
        # eigh of the (d, d) scatter matrix always returns d orthonormal vectors, even for n < 2.
        _, vectors = np.linalg.eigh(centered.T @ centered)
        basis = vectors[:, ::-1][:, :2].T.copy()  # (2, d), largest variance first
        for row in range(2):
            if like is not None and like.basis.shape == basis.shape:
                flip = basis[row] @ like.basis[row] < 0
            else:
                flip = basis[row, np.argmax(np.abs(basis[row]))] < 0
            if flip:
                basis[row] = -basis[row]
        return cls(mean, basis, ("PC1", "PC2"))
