"""Latent-space geometry: paths between codes (interpolation), planes through a latent space (projection), and the
codes as a CSV table."""
