"""Datasets: the bundled digits, IDX folders and .npz files read with every input checked, and the verified
MNIST download. Knows nothing of models."""
