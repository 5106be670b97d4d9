"""The loss plot, the image strips (test images over reconstructions, prior samples) and plot export."""
