"""The window in compare mode while both runs train: how late the GUI thread's events come, how fast a linked drag
paints both decoded images, and how fast each run trains (targets: p99 lateness < 20 ms, max < 50 ms; both images
painted within one 16 ms frame at p99).

    python bench/compare_gui.py [--epochs 12] [--repeats 2]

The main window (1280x800, offscreen unless a display is set) compares the default VAE (784-512-256-2, batch 128,
Adam) with the AE of the same layers on the bundled digits, as Compare Two Runs sets them up: each run's steps in
its own helper process (core/parallel/training_step.py, ``in_helpers``), both explorers live, the loss plot, strips
and shared decoded panel updating. A 10 ms QTimer on the GUI thread records how late each timeout comes while both
train (bench/gui_responsiveness.py's Probe); then, while both still train, a drag of 400 synthetic moves in the AE's
explorer is timed from each move until both images of the shared decoded panel are painted
(bench/drag_latency.py's measure). Throughput: each run's steps per second from Train until the window hears that
it ended.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from drag_latency import FRAME_MS, measure, percentiles  # noqa: E402
from gui_responsiveness import Probe  # noqa: E402
from linked_drag_latency import cpu_name  # noqa: E402
from machine_load import cpu_ticks, steal_since  # noqa: E402
from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.gui_gc import GuiThreadGarbageCollector  # noqa: E402
from app.window.main_window import MainWindow  # noqa: E402
from app.workspace.app_settings import AppSettings  # noqa: E402
from core.nn.config import ModelConfig  # noqa: E402
from core.training.config import TrainConfig  # noqa: E402

SETTLE_MS = 2000      # after Train: both runs' helpers started and the first snapshots shown


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def one_run(epochs: int, collector: GuiThreadGarbageCollector) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Lateness samples (ms) while both runs train, move-to-painted times of a linked drag (ms), and each run's
    steps per second."""
    folder = tempfile.mkdtemp(prefix="latent-lab-bench-")
    store = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
    AppSettings(store).save_configs(ModelConfig(), TrainConfig(epochs=epochs))
    window = MainWindow(store)
    window.resize(1280, 800)
    window.show()
    window.window_actions.compare.trigger()
    wait(500)
    collector.freeze_long_lived()
    controllers = (window.controller, window.compare.controller)
    started, ended = {}, {}
    for index, controller in enumerate(controllers):
        controller.run_started.connect(lambda i=index: started.setdefault(i, time.perf_counter()))
        controller.run_finished.connect(lambda i=index: ended.setdefault(i, time.perf_counter()))
    window.train()
    wait(SETTLE_MS)
    probe = Probe()
    probe.recording = True
    per_epoch = window.session.batches_per_epoch
    while window.session.history.steps < epochs * per_epoch // 2:
        wait(50)
    probe.recording = False
    probe.stop()
    app = QApplication.instance()
    _, to_paint = measure(app, window.compare.explorer, panels=window.compare.decoded_pair.panels)
    while len(ended) < 2:
        wait(50)
    rates = [epochs * per_epoch / (ended[i] - started[i]) for i in range(2)]
    for session in (window.session, window.compare.session):
        session.dirty = False
    window.close()
    window.deleteLater()
    gc.unfreeze()                              # this window's objects may be collected again
    return np.array(probe.lateness), to_paint, rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=12, help="epochs of the bundled digits per run (36 steps each)")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    collector = GuiThreadGarbageCollector(app)
    print(f"CPU: {cpu_name()} ({os.cpu_count()} CPUs), Qt platform {app.platformName()}; {args.epochs} epochs of "
          f"4,500 images per run, VAE and AE 784-512-256-2 at once")
    lateness, painted = [], []
    for repeat in range(args.repeats):
        ticks = cpu_ticks()
        late, to_paint, rates = one_run(args.epochs, collector)
        lateness.append(late)
        painted.append(to_paint)
        steal = steal_since(ticks)
        print(f"repeat {repeat + 1}: lateness {percentiles(late)}; linked drag to painted {percentiles(to_paint)}; "
              f"steps/s VAE {rates[0]:.1f}, AE {rates[1]:.1f}" + (f"; {steal}" if steal else ""), flush=True)
    late, to_paint = np.concatenate(lateness), np.concatenate(painted)
    print(f"\nall repeats: lateness of a 10 ms timer while both train: {percentiles(late)} "
          f"({len(late):,} ticks)")
    print(f"linked drag, move -> both images painted: {percentiles(to_paint)}; "
          f"{np.mean(to_paint <= FRAME_MS):.1%} within {FRAME_MS:.1f} ms ({len(to_paint)} moves)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
