"""Two runs trained at once in one process (compare mode): an AE and a VAE of the app's default model, each stepped
by a thread of its own, against the same two trained one after the other.

Prints, from one run, on the CPU it names: each run's throughput alone (steps/s and images/s), both at once, and
the ratio of at-once to the sum of alone (1.00: nothing lost to training them together), in two ways to step: with
part 0 of each step in this process, as a single run trains, where the two threads contend for the GIL between
NumPy calls; and with every part in helper processes, this process only coordinating (ParallelTrainingStep's
``in_helpers``). Both ratios divide by the first way's sum of alone. Each run's step has max(1, cores // 2)
parts. ModelConfig() and TrainConfig() defaults (784-512-256-2, batch 128, float32, Adam) on the bundled digits,
one BLAS thread per process. Each repeat's ratios with the share of the CPU time that the hypervisor (steal) and
other processes took, and the median ratios.

    python bench/compare_throughput.py [--repeats 3] [--steps 200]
"""
from __future__ import annotations

import argparse
import bisect
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from machine_load import cpu_name, cpu_ticks, load_mark, others_since, steal_since  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from core.data.datasets import load_npz  # noqa: E402
from core.nn.config import ModelConfig  # noqa: E402
from core.nn.models import build_model  # noqa: E402
from core.nn.optim import build_optimizer  # noqa: E402
from core.training.config import TrainConfig  # noqa: E402
from core.training.trainer import Trainer  # noqa: E402

KINDS = ("ae", "vae")
BATCH = TrainConfig().batch_size
WARM_UP = 5            # untimed steps first: the helpers start and the buffers are sized
MODES = {"part 0 in this process": False, "every part in helpers": True}      # name: in_helpers


def digits() -> np.ndarray:
    """The bundled training digits, whole batches only, so that every step has BATCH images."""
    images = load_npz(ROOT / "resources" / "mnist5k.npz").train_images
    return images[:len(images) // BATCH * BATCH]


def warm_trainer(kind: str, images: np.ndarray, parts: int, in_helpers: bool) -> Trainer:
    model = build_model(ModelConfig(kind=kind), np.random.default_rng(0))
    config = TrainConfig(epochs=10_000)         # steps are taken one by one: the run never reaches its end
    optimizer = build_optimizer(config.optimizer, model.parameters.flat, config.lr)
    trainer = Trainer(model, optimizer, images, images[:BATCH], config, parts=parts, in_helpers=in_helpers)
    for _ in range(WARM_UP):
        trainer.step()
    return trainer


def alone(trainer: Trainer, steps: int) -> float:
    """Steps per second of ``trainer`` stepping on its own."""
    started = time.perf_counter()
    for _ in range(steps):
        trainer.step()
    return steps / (time.perf_counter() - started)


def at_once(trainers: list[Trainer], steps: int) -> list[float]:
    """Each trainer's steps per second while all step at once, a thread each: from their common start until the
    first has done ``steps``; the others' steps are counted until then, the one in flight by the part of it done."""
    barrier, finished = threading.Barrier(len(trainers)), threading.Event()
    ends: list[list[float]] = [[] for _ in trainers]       # each thread's start, then the end of each of its steps

    def run(trainer: Trainer, times: list[float]) -> None:
        barrier.wait()
        times.append(time.perf_counter())
        while len(times) <= steps and not finished.is_set():
            trainer.step()
            times.append(time.perf_counter())
        finished.set()

    threads = [threading.Thread(target=run, args=pair) for pair in zip(trainers, ends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    window_end = min(times[-1] for times in ends if len(times) > steps)
    return [steps_by(times, window_end) / (window_end - times[0]) for times in ends]


def steps_by(times: list[float], moment: float) -> float:
    """Steps done by ``moment``, with the one then in flight counted by the part of it done (times: see at_once)."""
    done = bisect.bisect_right(times, moment) - 1
    if done + 1 < len(times):
        done += (moment - times[done]) / (times[done + 1] - times[done])
    return done


def measure(images: np.ndarray, parts: int, in_helpers: bool, steps: int) -> tuple[list[float], list[float]]:
    """Steps per second of the AE and the VAE, alone one after the other, then at once."""
    trainers = [warm_trainer(kind, images, parts, in_helpers) for kind in KINDS]
    try:
        return [alone(trainer, steps) for trainer in trainers], at_once(trainers, steps)
    finally:
        for trainer in trainers:
            trainer.close()


def rates(label: str, per_second: list[float]) -> str:
    runs = ", ".join(f"{kind.upper()} {rate:5.1f}" for kind, rate in zip(KINDS, per_second))
    total = sum(per_second)
    return f"{label} {runs}; sum {total:5.1f} steps/s ({total * BATCH:6.0f} images/s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=200, help="steps timed per run, alone and at once")
    args = parser.parse_args()
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:          # not Linux
        cores = os.cpu_count() or 1
    parts = max(1, cores // 2)
    images = digits()
    print(f"CPU: {cpu_name()}; AE and VAE {'-'.join(map(str, (784, *ModelConfig().hidden, 2)))}, batch {BATCH}, "
          f"float32, Adam, {len(images):,} bundled digits; {parts} part{'s' * (parts > 1)} a step; "
          f"{args.steps} steps timed per run")
    ratios: dict[str, list[float]] = {mode: [] for mode in MODES}
    for repeat in range(1, args.repeats + 1):
        ticks, mark = cpu_ticks(), load_mark()
        results = {}
        for mode, in_helpers in MODES.items():           # back to back, so the machine's load hits both alike
            with threadpool_limits(limits=1, user_api="blas"):
                results[mode] = measure(images, parts, in_helpers, args.steps)
        baseline = sum(next(iter(results.values()))[0])     # each run alone as it trains by itself
        lines = []
        for mode, (separately, together) in results.items():
            ratios[mode].append(sum(together) / baseline)
            lines += [f"  {mode}: at once / sum of alone = {ratios[mode][-1]:.2f}",
                      rates("    alone  ", separately), rates("    at once", together)]
        load = ", ".join(share for share in (steal_since(ticks), others_since(mark)) if share)
        print(f"repeat {repeat}{f' ({load} of the CPU time)' if load else ''}:", *lines, sep="\n")
    for mode, values in ratios.items():
        print(f"{mode}: median ratio {statistics.median(values):.2f} "
              f"(per repeat {', '.join(f'{value:.2f}' for value in values)})")


if __name__ == "__main__":
    main()
