"""Training throughput of the VAE 784-512-256-2 (batch 128, float32, Adam) over one 60,000-image epoch.

Prints, from one run: Latent Lab's time per epoch (each batch split over --threads processes,
this one and helpers, one BLAS thread each, as the command line trains), the model's
matrix-multiply limit (its own matrix products alone, at the same shapes, on preallocated
arrays: the fastest of full batches on multi-threaded BLAS, batch parts on one BLAS thread
per thread, and batch parts in one process each), the fraction of that limit
reached, and, when PyTorch is installed (`pip install torch==2.13.0`; never a dependency), the
same model trained by PyTorch on the same number of threads, with the speed ratio. Besides the best of each
contender, it prints each repeat's own ratios (its contenders run back to back) and their median,
and, on Linux, the share of CPU time the hypervisor took during each repeat (bench/machine_load.py).

--epoch 2 times each contender's second epoch instead of its first: by then, in PyTorch, a third of Adam's first
moments are subnormal floats, slow on this CPU (bench/long_training.py; Latent Lab flushes them, core/nn/optim.py).
--torch-flush-denormal gives PyTorch its switch against them (torch.set_flush_denormal).

    python bench/train_throughput.py [--repeats 3] [--threads 2] [--data fashion|random] [--epoch 1]
                                     [--torch-flush-denormal]
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from machine_load import cpu_ticks, steal_since  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from core.data.datasets import find_fashion_mnist, load_idx_folder  # noqa: E402
from core.nn.config import ModelConfig  # noqa: E402
from core.nn.models import build_model  # noqa: E402
from core.nn.optim import build_optimizer  # noqa: E402
from core.parallel.thread_team import ThreadTeam  # noqa: E402
from core.training.config import TrainConfig  # noqa: E402
from core.training.trainer import Trainer  # noqa: E402

SIZES = (784, 512, 256, 2)
BATCH = 128


def training_images(source: str) -> tuple[np.ndarray, str]:
    folder = find_fashion_mnist() if source == "fashion" else None
    if folder is not None:
        return load_idx_folder(folder).train_images, "Fashion-MNIST (60,000 images)"
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (60_000, 784), dtype=np.uint8), "random uint8 images (60,000)"


def latent_lab_epoch(images: np.ndarray, threads: int, epoch: int) -> float:
    model = build_model(ModelConfig(kind="vae"), np.random.default_rng(0))
    optimizer = build_optimizer("adam", model.parameters.flat, 1e-3)
    trainer = Trainer(model, optimizer, images, images[:1000], TrainConfig(epochs=1, batch_size=BATCH), parts=threads)
    for _ in range(5 + (epoch - 1) * trainer.batches_per_epoch):    # warm-up (helpers, buffers), earlier epochs
        trainer.step()
    trainer.history.loss.clear()
    started = time.perf_counter()
    for _ in range(trainer.batches_per_epoch):
        trainer.step()
    seconds = time.perf_counter() - started
    trainer.close()
    return seconds


def matmul_limit_epochs(n_images: int, threads: int) -> tuple[float, float, float]:
    """Only the matrix products of one training epoch, in three ways to use ``threads`` cores:
    whole batches on multi-threaded BLAS, batch parts on one BLAS thread per thread, and batch parts
    in one process each (as Latent Lab trains, without its hand-overs)."""
    with threadpool_limits(limits=threads, user_api="blas"):
        whole_batches = matmul_epoch(n_images, BATCH, ThreadTeam(1))
    with threadpool_limits(limits=1, user_api="blas"):
        batch_parts = matmul_epoch(n_images, BATCH, ThreadTeam(threads))
    return whole_batches, batch_parts, matmul_epoch_in_processes(n_images, threads)


def matmul_epoch_in_processes(n_images: int, processes: int) -> float:
    """The products of an epoch with each part of every batch in a process of its own, one BLAS thread each. The
    processes start together (a barrier) and multiply without waiting for one another at each step, the most
    favourable case for the limit; the slowest one's time counts."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(processes), context.Queue()
    rows = [len(range(BATCH)[part]) for part in ThreadTeam(processes).split(BATCH)]
    workers = [context.Process(target=_products_in_process, args=(n_images, n, seed, barrier, results))
               for seed, n in enumerate(rows)]
    for worker in workers:
        worker.start()
    seconds = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
    return max(seconds)


def _products_in_process(n_images: int, rows: int, seed: int, barrier, results) -> None:
    with threadpool_limits(limits=1, user_api="blas"):
        products = layer_products(rows, seed)
        for _ in range(5):
            multiply(products)
        barrier.wait()
        started = time.perf_counter()
        for _ in range(-(-n_images // BATCH)):
            multiply(products)
        results.put(time.perf_counter() - started)


def multiply(products: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
    """One step's products: out = a @ b for each (a, b, out)."""
    for a, b, out in products:
        np.matmul(a, b, out=out)


def matmul_epoch(n_images: int, batch: int, team: ThreadTeam) -> float:
    """Forward x W, and backward dW = x^T dy and dx = dy W^T per layer, for every batch of an epoch;
    each thread of ``team`` multiplies its part of the batch rows."""
    rows = [len(range(batch)[part]) for part in team.split(batch)]
    products = [layer_products(n, seed) for seed, n in enumerate(rows)]
    steps = -(-n_images // batch)

    def one_step(index: int, _: slice) -> None:
        multiply(products[index])
    for _ in range(5):
        team.run_parts(batch, one_step)
    started = time.perf_counter()
    for _ in range(steps):
        team.run_parts(batch, one_step)
    return time.perf_counter() - started


def layer_products(batch: int, seed: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    enc = list(zip(SIZES[:-2], SIZES[1:-1]))                      # 784-512, 512-256
    heads = [(SIZES[-2], SIZES[-1])] * 2                          # mu and log_var heads
    dec = [(SIZES[i], SIZES[i - 1]) for i in range(len(SIZES) - 1, 0, -1)]  # 2-256, 256-512, 512-784
    first = True
    products = []                                                 # (a, b, out) triples of preallocated arrays

    def add(m, k, n, transpose_a=False):
        a = rng.random((k, m) if transpose_a else (m, k), dtype=np.float32)
        b = rng.random((k, n), dtype=np.float32)
        products.append((a.T if transpose_a else a, b, np.empty((m, n), np.float32)))

    for n_in, n_out in enc + heads + dec:
        add(batch, n_in, n_out)                      # forward: x W
        add(n_in, batch, n_out, transpose_a=True)    # dW = x^T dy
        if not first:
            add(batch, n_out, n_in)                  # dx = dy W^T
        first = False
    return products


def torch_epoch(images: np.ndarray, threads: int, epoch: int, flush_denormal: bool) -> float | None:
    try:
        from torch_vae import TorchVAETraining
        training = TorchVAETraining(images, threads, flush_denormal=flush_denormal)
    except ImportError:
        return None
    for _ in range(5 + (epoch - 1) * training.batches_per_epoch):   # warm-up, earlier epochs
        training.step()
    started = time.perf_counter()
    for _ in range(training.batches_per_epoch):
        training.step()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per contender; the best is reported")
    parser.add_argument("--threads", type=int, default=2, help="BLAS / PyTorch threads")
    parser.add_argument("--data", choices=("fashion", "random"), default="fashion")
    parser.add_argument("--epoch", type=int, default=1,
                        help="the epoch timed (the ones before it are trained untimed, by each contender)")
    parser.add_argument("--torch-flush-denormal", action="store_true",
                        help="let PyTorch treat subnormal floats as zero (torch.set_flush_denormal; off by default)")
    args = parser.parse_args()
    images, description = training_images(args.data)
    print(f"data: {description}; VAE 784-512-256-2, batch {BATCH}, float32, Adam; {args.threads} threads; "
          f"epoch {args.epoch} timed; best of {args.repeats}")
    results: dict[str, list[float]] = {"latent_lab": [], "matmul_whole": [], "matmul_parts": [], "matmul_processes": [],
                                       "torch": []}
    steals = []
    for _ in range(args.repeats):                    # interleaved, so machine noise hits all alike
        ticks = cpu_ticks()
        with threadpool_limits(limits=1, user_api="blas"):
            results["latent_lab"].append(latent_lab_epoch(images, args.threads, args.epoch))
        for name, seconds in zip(("matmul_whole", "matmul_parts", "matmul_processes"),
                                 matmul_limit_epochs(len(images), args.threads)):
            results[name].append(seconds)
        seconds = torch_epoch(images, args.threads, args.epoch, args.torch_flush_denormal)
        if seconds is not None:
            results["torch"].append(seconds)
        steals.append(steal_since(ticks))
    ours = min(results["latent_lab"])
    whole, parts, processes = (min(results[name]) for name in ("matmul_whole", "matmul_parts", "matmul_processes"))
    limit = min(whole, parts, processes)
    print(f"Latent Lab (NumPy)   {ours:6.2f} s/epoch  {len(images) / ours:8.0f} images/s")
    print(f"matmul only          {whole:6.2f} s/epoch whole batches, {parts:.2f} s/epoch batch parts per thread, "
          f"{processes:.2f} s/epoch batch parts per process")
    print(f"matmul limit         {limit:6.2f} s/epoch  -> {limit / ours:5.1%} of the limit reached")
    # Each repeat times the contenders back to back, so its ratios share the machine's load of the moment.
    fractions = [min(w, p, q) / t for w, p, q, t in zip(results["matmul_whole"], results["matmul_parts"],
                                                         results["matmul_processes"], results["latent_lab"])]
    print(f"  per repeat: {', '.join(f'{f:.1%}' for f in fractions)} (median {statistics.median(fractions):.1%})")
    if results["torch"]:
        theirs = min(results["torch"])
        label = "PyTorch (FTZ)" if args.torch_flush_denormal else "PyTorch"
        print(f"{label:<20} {theirs:6.2f} s/epoch  {len(images) / theirs:8.0f} images/s")
        print(f"speed-up over PyTorch: {theirs / ours:.2f}x")
        speedups = [t / o for t, o in zip(results["torch"], results["latent_lab"])]
        print(f"  per repeat: {', '.join(f'{r:.2f}x' for r in speedups)} (median {statistics.median(speedups):.2f}x)")
    else:
        print("PyTorch not installed: no comparison (pip install torch==2.13.0)")
    if any(steals):
        shares = ", ".join(steal.split()[-1] if steal else "?" for steal in steals)
        print(f"CPU time the hypervisor took (steal), per repeat: {shares}")


if __name__ == "__main__":
    main()
