"""Latent Lab's engine in NumPy, without Qt: read core/nn/reference.py first.

nn/ the math, training/ the trainer and its files, data/ datasets, latent/ latent-space geometry, animation/ frames
and their writers, cli/ the headless commands, parallel/ the speed machinery a first reader may skip. The import
rules between them are contracts in pyproject.toml ([tool.importlinter]).
"""
