"""Animations as uint8 frames: the interpolation recipe the app and the `gif` command share, composed frames
with captions, latent replays, and the GIF, MP4 and PNG writers."""
