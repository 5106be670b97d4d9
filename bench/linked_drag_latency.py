"""Latency of dragging in one of two linked latent explorers (compare mode; target: both images painted in a frame).

Two explorers side by side, linked by an ExplorerLink, show an AE and a VAE of the default architecture
(784-512-256-2, seed 0) encoding the 5,000 bundled digits. For each synthetic mouse move in explorer A it measures,
as bench/drag_latency.py does for one explorer, (1) the handler: the move through pyqtgraph's scene to both decodes
and both image panels updated, and (2) move to painted: the handler plus the event-loop pass that repaints the
window, until the later of the two decoded images is painted. Runs idle, then while both models train as the two
runs of a comparison do: each driven by a thread of this process, its steps computed in a helper process of its own
(``in_helpers``, one BLAS thread each), and, for contrast, with both steps computed in this process's threads (the
GIL then shares one interpreter between the drag and both runs). No snapshots arrive meanwhile.
Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/linked_drag_latency.py
"""

from __future__ import annotations

import os
import platform
import sys
import threading
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drag_latency import FRAME_MS, MOVES, measure, percentiles  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from app.explorer.explorer_link import ExplorerLink  # noqa: E402
from app.explorer.latent_explorer import LatentExplorer  # noqa: E402
from app.gui_gc import GuiThreadGarbageCollector  # noqa: E402
from app.workspace.paths import BUNDLED_DATASET  # noqa: E402
from app.workspace.training_worker import COMPARISON_NICENESS, lower_thread_priority  # noqa: E402
from core.data.datasets import images_to_float, load_npz  # noqa: E402
from core.nn.config import ModelConfig  # noqa: E402
from core.nn.models import build_model  # noqa: E402
from core.nn.optim import build_optimizer  # noqa: E402
from core.training.config import TrainConfig  # noqa: E402
from core.training.trainer import Trainer  # noqa: E402

SEED = 0


def cpu_name() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo), else what the platform module knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def train_until(trainer: Trainer, stop: threading.Event) -> None:
    """Train step after step, epoch after epoch, until `stop`: the load of one run's worker, as nice as the app's (its
    helper process, started at the first step, inherits it)."""
    lower_thread_priority(COMPARISON_NICENESS)
    while not stop.is_set():
        trainer.step()


def main() -> None:
    app = QApplication.instance() or QApplication([])
    GuiThreadGarbageCollector(app)        # as the app does (app/application.py)
    dataset = load_npz(BUNDLED_DATASET)
    images = np.concatenate([dataset.train_images, dataset.test_images])       # (5000, 784) uint8
    labels = np.concatenate([dataset.train_labels, dataset.test_labels]).astype(np.intp)
    config = TrainConfig(epochs=1_000, seed=SEED)

    host = QWidget()
    QHBoxLayout(host)
    host.resize(1800, 650)
    explorers, trainers, decode_ms = [], [], []
    for kind in ("ae", "vae"):
        model = build_model(ModelConfig(kind=kind), np.random.default_rng(SEED))
        codes, log_var = model.encode(images_to_float(images))
        decode = model.decoder_snapshot().decode
        explorer = LatentExplorer(dataset.class_names)
        host.layout().addWidget(explorer)
        explorer.set_data(codes, labels, images, log_var)
        explorer.set_decoder(decode)
        explorers.append(explorer)
        optimizer = build_optimizer(config.optimizer, model.parameters.flat, config.lr)
        trainers.append((model, optimizer))
        decode_ms.append(timed_decode(decode, codes[:1]))
    ExplorerLink(*explorers, parent=host)
    host.show()
    QTest.qWait(300)

    print(f"CPU: {cpu_name()} ({os.cpu_count()} CPUs)")
    print(f"{len(images):,} points per explorer, {MOVES} moves in A; default models (784-512-256-2); decoders alone: "
          f"p50 {decode_ms[0]:.3f} ms (AE), {decode_ms[1]:.3f} ms (VAE)")
    loads = {"idle": None, "while both train, steps in helper processes (as compare mode)": True,
             "while both train, steps in this process's threads": False}
    for load, in_helpers in loads.items():
        stop = threading.Event()
        runs = [] if in_helpers is None else [
            Trainer(model, optimizer, dataset.train_images, dataset.test_images, config, in_helpers=in_helpers)
            for model, optimizer in trainers]
        workers = [threading.Thread(target=train_until, args=(trainer, stop), daemon=True) for trainer in runs]
        with threadpool_limits(limits=1, user_api="blas"):
            for worker in workers:
                worker.start()
            handler, to_paint = measure(app, explorers[0], linked=(explorers[1],))
            stop.set()
            for worker in workers:
                worker.join()
            for trainer in runs:
                trainer.close()
        within = np.mean(to_paint <= FRAME_MS) * 100
        print(f"{load}:")
        print(f"  drag handler (move -> both decoded, panels updated): {percentiles(handler)}")
        print(f"  move -> both images painted:                         {percentiles(to_paint)}; "
              f"{within:.1f}% within {FRAME_MS:.1f} ms")


def timed_decode(decode, z: np.ndarray, repeats: int = 200) -> float:
    """The median ms of decoding z (1, d)."""
    timing = []
    for _ in range(repeats):
        start = time.perf_counter()
        decode(z)
        timing.append(time.perf_counter() - start)
    return float(np.median(timing) * 1e3)


if __name__ == "__main__":
    main()
