"""Datasets: the bundled digits, IDX folders and .npz files read with every input checked, and the verified
MNIST download; and the readers of untrusted files within bounds (bounded_files, npz_reader), which checkpoints use
too. Knows nothing of models."""
