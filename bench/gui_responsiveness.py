"""GUI responsiveness while the default VAE trains in the window, and the app's training throughput against the
same training run headless, in the same process.

    python bench/gui_responsiveness.py [--epochs 20] [--repeats 3] [--configs 2x1,1x1,1x2]

A 10 ms QTimer on the GUI thread records how late each of its timeouts fires (lateness = time since the previous
timeout - 10 ms) while the main window (1280x800, offscreen unless a display is set) trains the default VAE
(784-512-256-2, batch 128, Adam) on the bundled digits: live loss plot, status bar, strips and latent explorer
included. Each repeat's line also names its longest wait and how much of it the GUI thread ran on a CPU (the
rest it waited, for a core or for the GIL). A configuration "TxB" trains with T processes sharing each batch
(core/parallel/training_step.py: the window's and helpers; threads until 2026-12-03) and B OpenBLAS threads. The
headless reference is what `python main.py train` does: 2 processes sharing each batch (one per core here), 1 BLAS
thread each. Both runs start their helper
at their first step (about 0.2 s of a run). Runs are interleaved (headless, then each app configuration, per
repeat) so that a noisy neighbour on the machine affects all of them alike; throughput is samples / wall time of
the whole run, test-set evaluations included (in the app: from Train until the worker's run returns, its snapshots
included), and the ratio compares each app run with the headless runs of the same repeat.

Measured on the 2-core development machine (shared with other work, so figures drift by 10-20% between runs):
4 repeats of 20 epochs, headless median 14,131 samples/s (a second run: 14,076 samples/s, 87% (86-95%), p99 13.4 ms,
max 28 ms; a third, 6 repeats: 14,466 samples/s, 86% (83-98%), p99 13.3 ms, max 50 ms).

    app config            vs headless   p99 ms   max ms
    2 threads x 1 BLAS    92% (88-93%)    12.2     30
    1 thread  x 1 BLAS    60%              7.8     32   (an earlier run, timed to the end of the window's work)
    1 thread  x 2 BLAS    86%             18.0     35   (an earlier version; other runs: 926-4,121 samples/s and
                                                         245-375 ms stalls: the OpenBLAS helper busy-waits)

With processes (Intel Xeon machine, 2026-12-03, four runs of 4, 6, 6 and 6 repeats): 89%, 97%, 91% and 97% of
headless (14 of 22 repeats at 90% or more), p99 9.4-10.1 ms, max 25.8-30.9 ms, GUI thread 5.3-5.6% of a core; the
threaded engine, in the same hour, 4 repeats: 90% (3 of 4), p99 12.9 ms, max 31.3 ms. A fifth run, 8 repeats in
the busiest hour (headless 4,953-11,740 samples/s): 101%, p99 14.2 ms, max 61.7 ms.

The app uses 2 x 1 (app/window/main_window.py, APP_TRAIN_PARTS and APP_BLAS_THREADS), as the command line does. What is
left of the gap is the GUI thread's 6-7% of a core: the time it takes from one training thread, the other spends
waiting for it (a trainer in its own process, beside a window replaying a recorded run, lost as much). So the
window does little while training (the loss plot redraws twice a second, progress arrives 10 times, snapshots once
a second, the decoded manifold every 3 s), and the training threads run 5 nicer than the GUI thread (Linux), which
took p99 from 18.8 to 11.3 ms and max from 51 to 24 ms.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from machine_load import cpu_ticks, steal_since  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from app.gui_gc import GuiThreadGarbageCollector  # noqa: E402
from app.window.main_window import MainWindow  # noqa: E402
from app.workspace.app_settings import AppSettings  # noqa: E402
from app.workspace.paths import BUNDLED_DATASET  # noqa: E402
from core.data.datasets import load_npz  # noqa: E402
from core.nn.config import ModelConfig  # noqa: E402
from core.nn.models import build_model  # noqa: E402
from core.nn.optim import build_optimizer  # noqa: E402
from core.parallel.thread_team import training_parts  # noqa: E402
from core.training.config import TrainConfig  # noqa: E402
from core.training.trainer import Trainer  # noqa: E402

HEADLESS_PARTS = training_parts()
PROBE_MS = 10


def headless_run(epochs: int) -> float:
    """Samples per second of the headless command line's training loop on the bundled digits."""
    dataset = load_npz(BUNDLED_DATASET)
    config = TrainConfig(epochs=epochs)
    model = build_model(ModelConfig(), np.random.default_rng(config.seed))
    optimizer = build_optimizer("adam", model.parameters.flat, config.lr)
    trainer = Trainer(model, optimizer, dataset.train_images, dataset.test_images, config, parts=HEADLESS_PARTS)
    with threadpool_limits(limits=1, user_api="blas"):
        started = time.perf_counter()
        for _ in trainer.run():
            pass
        seconds = time.perf_counter() - started
    trainer.close()
    return len(dataset.train_images) * epochs / seconds


class Probe:
    """A PROBE_MS timer on the GUI thread; ``lateness`` holds how late each timeout came, in ms, and ``busy`` how much
    of each interval the GUI thread spent on a CPU, in ms (the rest it waited: for a core, or for the GIL)."""

    def __init__(self) -> None:
        self.lateness: list[float] = []
        self.busy: list[float] = []
        self.recording = False
        self._clock = QElapsedTimer()
        self._last = None
        self._last_cpu = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(PROBE_MS)
        self._timer.timeout.connect(self._on_timeout)
        self._clock.start()
        self._timer.start()

    def _on_timeout(self) -> None:
        now, cpu = self._clock.nsecsElapsed() / 1e6, time.thread_time() * 1e3
        if self.recording and self._last is not None:
            self.lateness.append(now - self._last - PROBE_MS)
            self.busy.append(cpu - self._last_cpu)
        self._last, self._last_cpu = now, cpu

    def stop(self) -> None:
        self._timer.stop()


@dataclass(frozen=True)
class AppRun:
    """One training run in the window: samples per second, the probe's lateness samples (ms), and the GUI
    thread's CPU time over the run as a fraction of one core (its own work, the probe's included)."""

    rate: float
    lateness: list[float]
    busy: list[float]
    gui_cpu: float

    def longest_wait(self) -> str:
        """The latest tick, and how much of the time since the tick before the GUI thread ran."""
        worst = int(np.argmax(self.lateness))
        late = self.lateness[worst]
        return f"max {late:.1f} ms late (GUI thread ran {self.busy[worst]:.1f} of those {late + PROBE_MS:.1f} ms)"


def app_run(epochs: int, train_parts: int, blas_threads: int, collector: GuiThreadGarbageCollector) -> AppRun:
    """Train in the window (``train_parts`` processes sharing each batch, ``blas_threads`` OpenBLAS threads).
    As the app does (app/application.py), ``collector`` freezes what lives once the window is shown."""
    folder = tempfile.mkdtemp(prefix="latent-lab-bench-")
    store = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
    AppSettings(store).save_configs(ModelConfig(), TrainConfig(epochs=epochs))
    window = MainWindow(store, blas_threads=blas_threads, train_parts=train_parts)
    window.resize(1280, 800)
    window.show()
    loop = QEventLoop()
    QTimer.singleShot(500, loop.quit)          # let the window settle before measuring
    loop.exec()
    collector.freeze_long_lived()
    probe = Probe()
    times = {}

    def on_started() -> None:
        times["start"] = time.perf_counter()
        times["gui_cpu_start"] = time.thread_time()
        probe.recording = True
        # Training ends when the worker's run returns (on its thread), not when the window has finished showing
        # the end of the run: the headless reference times the training loop alone too.
        window.controller.worker.finished.connect(lambda: times.setdefault("end", time.perf_counter()),
                                                  Qt.ConnectionType.DirectConnection)

    def on_finished() -> None:
        times["gui_cpu"] = (time.thread_time() - times["gui_cpu_start"]) / (time.perf_counter() - times["start"])
        probe.recording = False
        QTimer.singleShot(0, loop.quit)

    window.controller.run_started.connect(on_started)
    window.controller.run_finished.connect(on_finished)
    window.train()
    loop.exec()
    probe.stop()
    samples = len(window.session.dataset.train_images) * epochs
    window.session.dirty = False
    window.close()
    window.deleteLater()
    gc.unfreeze()                              # this window's objects may be collected again
    return AppRun(samples / (times["end"] - times["start"]), probe.lateness, probe.busy, times["gui_cpu"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=20, help="epochs of the bundled digits per run (36 steps each)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--configs", default="2x1,1x1,1x2",
                        help="app configurations: training processes x BLAS threads, comma-separated")
    args = parser.parse_args()
    configs = [tuple(int(n) for n in item.split("x")) for item in args.configs.split(",")]
    app = QApplication.instance() or QApplication(sys.argv[:1])
    collector = GuiThreadGarbageCollector(app)        # as the app does (app/application.py)
    print(f"{os.cpu_count()} CPUs, Qt platform {app.platformName()}, {args.epochs} epochs of 4,500 images per run")

    headless: list[list[float]] = []
    runs: dict[tuple[int, int], list[AppRun]] = {config: [] for config in configs}
    ratios: dict[tuple[int, int], list[float]] = {config: [] for config in configs}
    for repeat in range(args.repeats):
        ticks = cpu_ticks()
        this_repeat = [headless_run(args.epochs)]
        for config in configs:
            runs[config].append(app_run(args.epochs, *config, collector))
        this_repeat.append(headless_run(args.epochs))
        headless.append(this_repeat)
        reference = statistics.mean(this_repeat)
        for config in configs:
            ratios[config].append(runs[config][-1].rate / reference)
        print(f"repeat {repeat + 1}: headless {', '.join(f'{r:,.0f}' for r in this_repeat)} samples/s; app "
              + ", ".join(f"{t}x{b}: {runs[(t, b)][-1].rate:,.0f} ({ratios[(t, b)][-1]:.0%}, GUI thread "
                          f"{runs[(t, b)][-1].gui_cpu:.1%} of a core, {runs[(t, b)][-1].longest_wait()})"
                          for t, b in configs)
              + (f"; {steal}" if (steal := steal_since(ticks)) else ""), flush=True)

    all_headless = [rate for pair in headless for rate in pair]
    print(f"\nheadless ({HEADLESS_PARTS} processes x 1 BLAS): median {statistics.median(all_headless):,.0f} samples/s")
    print(f"{'app config':>24}  {'samples/s':>10}  {'vs headless':>11}  {'>= 90%':>7}  {'GUI CPU':>7}  {'p50 ms':>7}"
          f"  {'p99 ms':>7}  {'max ms':>7}  {'worst run p99/max':>18}")
    for (threads, blas), config_runs in runs.items():
        lateness = np.concatenate([run.lateness for run in config_runs])
        worst = max(config_runs, key=lambda run: np.percentile(run.lateness, 99))
        ratio = ratios[(threads, blas)]
        rate = statistics.median(run.rate for run in config_runs)
        print(f"{f'{threads} processes x {blas} BLAS':>24}  {rate:>10,.0f}  "
              f"{statistics.median(ratio):>10.0%}  {sum(r >= 0.9 for r in ratio):>3} of {len(ratio):<2}"
              f"{statistics.median(run.gui_cpu for run in config_runs):>7.1%}  {np.percentile(lateness, 50):>7.1f}  "
              f"{np.percentile(lateness, 99):>7.1f}  {lateness.max():>7.1f}  "
              f"{np.percentile(worst.lateness, 99):>8.1f}/{max(worst.lateness):.1f}")
    print("vs headless: median over the repeats, each against that repeat's headless runs; >= 90%: repeats that "
          "reached it")
    print("GUI CPU: the GUI thread's CPU time over the run, as a fraction of one core (median)")
    print("lateness: how much later than 10 ms each tick of a 10 ms QTimer on the GUI thread came, over all runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
