"""The Animate view and its exporter, drag recording, and the latent replay of the clusters forming."""
