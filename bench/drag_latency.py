"""Latency of dragging in the latent explorer with 10,000 points (targets: handler p99 < 5 ms, painted in a frame).

For each synthetic mouse move on the plot it measures (1) the handler: delivering the move through pyqtgraph's
scene to the decode and the image panel update, and (2) move to painted: the handler plus the event-loop pass
that repaints the window (plot with 10,000 dots, crosshair, decoded image). Runs idle and with a background
thread doing NumPy work like a training worker. Decoder: a 2-128-784 float32 MLP like the real one.
Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/drag_latency.py
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.explorer.latent_explorer import LatentExplorer  # noqa: E402
from app.gui_gc import GuiThreadGarbageCollector  # noqa: E402

POINTS = 10_000
MOVES = 400
FRAME_MS = 1000 / 60


def mlp_decoder(latent_dim: int, hidden: int = 128):
    rng = np.random.default_rng(0)
    w1 = rng.normal(0.0, 0.5, size=(latent_dim, hidden)).astype(np.float32)
    w2 = rng.normal(0.0, 0.1, size=(hidden, 784)).astype(np.float32)

    def decode(z: np.ndarray) -> np.ndarray:
        h = np.maximum(np.asarray(z, dtype=np.float32) @ w1, 0.0)
        return 1.0 / (1.0 + np.exp(-(h @ w2)))

    return decode


def background_training(stop: threading.Event) -> None:
    """NumPy matrix products in a loop, roughly what a training worker does between yields."""
    rng = np.random.default_rng(1)
    a = rng.normal(size=(256, 784)).astype(np.float32)
    b = rng.normal(size=(784, 256)).astype(np.float32)
    while not stop.is_set():
        (a @ b).sum()


def percentiles(ms: np.ndarray) -> str:
    return f"p50 {np.percentile(ms, 50):5.2f}  p99 {np.percentile(ms, 99):5.2f}  max {ms.max():6.2f} ms"


def measure(app: QApplication, explorer: LatentExplorer, linked: tuple[LatentExplorer, ...] = (),
            panels: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Drag through MOVES moves in `explorer`; per move, ms (1) to handle it and (2) until the decoded image is
    painted: `explorer`'s, and that of each explorer `linked` to it (the last of them to paint), or, given, each
    of `panels` (the image panels that show them, such as compare mode's shared decoded panel)."""
    viewport = explorer.scatter.viewport()
    view_box = explorer.scatter.view_box
    panels = panels or [explorer.decoded_panel, *(other.decoded_panel for other in linked)]
    painted: dict[object, float] = {}

    def timed(panel):
        original_paint = panel.paintEvent

        def timed_paint(event) -> None:
            original_paint(event)
            painted[panel] = time.perf_counter()

        return timed_paint

    for panel in panels:
        panel.paintEvent = timed(panel)

    (x0, x1), (y0, y1) = view_box.viewRange()
    center, radius = QPointF((x0 + x1) / 2, (y0 + y1) / 2), (0.3 * (x1 - x0), 0.3 * (y1 - y0))

    def pixel(t: float):      # a Lissajous path over the middle of the plot
        point = center + QPointF(radius[0] * np.cos(t), radius[1] * np.sin(3 * t))
        return explorer.scatter.mapFromScene(view_box.mapViewToScene(point))

    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pixel(0.0))
    handler, to_paint = [], []
    for k in range(1, MOVES + 1):
        painted.clear()
        start = time.perf_counter()
        QTest.mouseMove(viewport, pixel(k * 0.02))
        handled = time.perf_counter()
        app.processEvents()  # the next frame: Qt repaints what changed
        handler.append(handled - start)
        to_paint.append(max(painted.values()) - start if len(painted) == len(panels) else float("nan"))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pixel(MOVES * 0.02))
    for panel in panels:
        del panel.paintEvent       # the class's own again
    return np.array(handler) * 1e3, np.array(to_paint) * 1e3


def main() -> None:
    app = QApplication.instance() or QApplication([])
    GuiThreadGarbageCollector(app)        # as the app does (app/application.py)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, POINTS)
    codes = rng.normal(0.0, 2.0, size=(10, 2))[labels] + rng.normal(0.0, 0.5, size=(POINTS, 2))
    decode = mlp_decoder(2)
    explorer = LatentExplorer([str(k) for k in range(10)])
    explorer.resize(1000, 650)
    explorer.show()
    explorer.set_data(codes, labels, np.zeros((POINTS, 784), np.uint8), np.full_like(codes, -2.0))
    explorer.set_decoder(decode)
    QTest.qWait(300)

    timing = []
    for _ in range(200):
        start = time.perf_counter()
        decode(codes[:1])
        timing.append(time.perf_counter() - start)
    decoder_ms = np.median(timing) * 1e3
    print(f"{POINTS:,} points, {MOVES} moves, {os.cpu_count()} CPUs; decoder alone: p50 {decoder_ms:.3f} ms")

    for load in ("idle", "with a background NumPy thread"):
        stop = threading.Event()
        worker = threading.Thread(target=background_training, args=(stop,), daemon=True)
        if load != "idle":
            worker.start()
        handler, to_paint = measure(app, explorer)
        stop.set()
        within = np.mean(to_paint <= FRAME_MS) * 100
        print(f"{load}:")
        print(f"  drag handler (move -> decoded, panel updated): {percentiles(handler)}")
        print(f"  move -> image painted:                         {percentiles(to_paint)}; "
              f"{within:.1f}% within {FRAME_MS:.1f} ms")


if __name__ == "__main__":
    main()
