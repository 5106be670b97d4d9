"""The latent explorer: the encoded test set on a plane, probing and hovering, the decoded manifold behind the
dots, pinned points, the plane chooser and the drawing pad."""
