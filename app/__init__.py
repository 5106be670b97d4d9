"""Latent Lab's desktop app: Qt widgets over the NumPy engine in core/."""
