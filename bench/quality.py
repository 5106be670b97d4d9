"""Held-out quality of the 2-D VAE 784-512-256-2 (Adam, lr 1e-3, batch 128, beta 1) after 20 epochs.

Prints the test negative ELBO per image in nats (Bernoulli cross-entropy on grey levels plus KL,
one sample of z per image) after each epoch, for the bundled digits and, when Debian's
dataset-fashion-mnist is installed, for Fashion-MNIST. For orientation, published 2-D-latent
MNIST VAEs reach about 140-150 nats (on full MNIST: 60,000 training images, not 4,500).

    python bench/quality.py [--epochs 20] [--datasets mnist5k,fashion]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from core.data.datasets import default_cache_dir, load_dataset  # noqa: E402
from core.data.errors import DatasetError  # noqa: E402
from core.nn.config import ModelConfig  # noqa: E402
from core.nn.models import build_model  # noqa: E402
from core.nn.optim import build_optimizer  # noqa: E402
from core.parallel.thread_team import training_parts  # noqa: E402
from core.training.config import TrainConfig  # noqa: E402
from core.training.trainer import EpochProgress, Trainer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--datasets", default="mnist5k,fashion")
    args = parser.parse_args()
    for name in args.datasets.split(","):
        try:
            dataset = load_dataset(name, bundled_path=ROOT / "resources" / "mnist5k.npz", cache_dir=default_cache_dir())
        except DatasetError as error:
            print(f"{name}: skipped ({error})")
            continue
        model = build_model(ModelConfig(kind="vae"), np.random.default_rng(0))
        config = TrainConfig(epochs=args.epochs)
        trainer = Trainer(model, build_optimizer("adam", model.parameters.flat, config.lr),
                          dataset.train_images, dataset.test_images, config, parts=training_parts())
        print(f"{name}: {len(dataset.train_images)} train / {len(dataset.test_images)} test images")
        with threadpool_limits(limits=1, user_api="blas"):       # as the command line trains (main.py)
            for record in trainer.run():
                if isinstance(record, EpochProgress):
                    print(f"  epoch {record.epoch + 1:3d}  test -ELBO {record.test_loss:7.2f}  "
                          f"(rec {record.test_rec:7.2f}, KL {record.test_kl:5.2f})  train {record.train_loss:7.2f}",
                          flush=True)
        trainer.close()
        best = min(r.test_loss for r in trainer.history.epochs)
        print(f"{name}: test negative ELBO after {args.epochs} epochs {trainer.history.epochs[-1].test_loss:.2f} "
              f"nats/image (best epoch {best:.2f})")


if __name__ == "__main__":
    main()
