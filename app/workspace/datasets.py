"""The datasets the app offers: the bundled digits, Fashion-MNIST when installed, full MNIST (downloaded once),
and files or folders the user opens. It names them and says which can be loaded without a network; reading the
files is core.data.datasets's job, downloading is app.window.download_dialog'.
"""
from __future__ import annotations

from pathlib import Path

from app.workspace.paths import BUNDLED_DATASET
from core.data.datasets import (
    Dataset,
    default_cache_dir,
    find_fashion_mnist,
    load_dataset,
)
from core.data.download import MNIST_FILES

BUILT_IN = {      # short: the panel's line under the box says how many images the chosen one holds
    "mnist5k": "Bundled digits",
    "fashion": "Fashion-MNIST",
    "mnist": "MNIST",
}


class DatasetCatalog:
    """Dataset choices and loading. cache_dir: where full MNIST is downloaded (default: the user's cache)."""

    def __init__(self, bundled_path: Path = BUNDLED_DATASET, cache_dir: Path | None = None) -> None:
        self.bundled_path = Path(bundled_path)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()

    def mnist_downloaded(self) -> bool:
        return all((self.cache_dir / "mnist" / remote.name).is_file() for remote in MNIST_FILES)

    def choices(self) -> list[tuple[str, str, bool, str]]:
        """(spec, label, enabled, tooltip) for each built-in dataset."""
        fashion = find_fashion_mnist() is not None
        return [
            ("mnist5k", BUILT_IN["mnist5k"], True, "5,000 handwritten digits that come with Latent Lab."),
            ("fashion", BUILT_IN["fashion"], fashion,
             "70,000 images of clothing, by Zalando." if fashion else
             "Not installed: sudo apt-get install dataset-fashion-mnist"),
            ("mnist", BUILT_IN["mnist"], True,
             "The full MNIST: 70,000 handwritten digits." if self.mnist_downloaded() else
             "The full MNIST: 70,000 handwritten digits, downloaded once (11.6 MB)."),
        ]

    def available_offline(self, spec: str) -> bool:
        """Whether ``spec`` can be loaded without downloading anything."""
        if spec == "mnist5k":
            return True
        if spec == "fashion":
            return find_fashion_mnist() is not None
        if spec == "mnist":
            return self.mnist_downloaded()
        return Path(spec).expanduser().exists()

    def load(self, spec: str) -> Dataset:
        """Load a dataset by spec ("mnist5k", "fashion", "mnist" or a path); raises DatasetError."""
        return load_dataset(spec, bundled_path=self.bundled_path, cache_dir=self.cache_dir)

    def label(self, spec: str, dataset: Dataset | None = None) -> str:
        """The name shown in the dataset box: a built-in name, or the file or folder name."""
        return BUILT_IN.get(spec) or Path(spec).name or spec


def largest_digit_set(catalog: DatasetCatalog) -> str:
    """The spec of the largest set of handwritten digits that loads without a network: full MNIST once
    downloaded, else the bundled 5,000."""
    return "mnist" if catalog.available_offline("mnist") else "mnist5k"
