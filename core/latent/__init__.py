"""Latent-space geometry: paths between codes (interpolation), planes through a latent space (projection), the class
of the codes around an image's code (neighbours), and the codes as a CSV table."""
