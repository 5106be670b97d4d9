"""The math of the autoencoder and the VAE: layers, losses, models, the flat parameter vector, the optimizers, the
finite-difference check, and reference.py, the textbook version that the fast engine is tested against.

Imports only NumPy and itself: nothing from the speed machinery (core.parallel), the data or the commands.
"""
