"""How long the latent explorer takes to show a new encoding of 10,000 test points (target: under 30 ms).

Prints median / 95th percentile / max milliseconds for LatentExplorer.set_data alone and followed by a full
repaint of the plot, for a 2-D and an 8-D (PCA) latent space, next to pyqtgraph's ScatterPlotItem alternatives
that the explorer does not use. Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/scatter_refresh.py
"""

from __future__ import annotations

import os
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.explorer.latent_explorer import LatentExplorer  # noqa: E402
from app.widgets.palette import class_color  # noqa: E402

POINTS = 10_000
REPEATS = 40


def clustered(rng: np.random.Generator, latent_dim: int) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.integers(0, 10, POINTS)
    centers = rng.normal(0.0, 2.0, size=(10, latent_dim))
    return centers[labels] + rng.normal(0.0, 0.5, size=(POINTS, latent_dim)), labels


def summary(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1e3
    return f"median {np.median(ms):6.2f}  p95 {np.percentile(ms, 95):6.2f}  max {ms.max():6.2f} ms"


def bench_explorer(app: QApplication, latent_dim: int) -> None:
    rng = np.random.default_rng(0)
    explorer = LatentExplorer([str(k) for k in range(10)])
    explorer.resize(1000, 650)
    explorer.show()
    codes, labels = clustered(rng, latent_dim)
    images = np.zeros((POINTS, 784), np.uint8)
    explorer.set_data(codes, labels, images, np.full_like(codes, -2.0))
    app.processEvents()
    set_only, with_paint = [], []
    for _ in range(REPEATS):
        moved = codes + rng.normal(0.0, 0.05, size=codes.shape)  # a training step's worth of drift
        start = time.perf_counter()
        explorer.set_data(moved, labels, images, np.full_like(codes, -2.0))
        middle = time.perf_counter()
        explorer.scatter.grab()  # renders the whole plot: axes, manifold, 10,000 dots
        end = time.perf_counter()
        set_only.append(middle - start)
        with_paint.append(end - start)
    print(f"LatentExplorer.set_data, latent {latent_dim}:          {summary(set_only)}")
    print(f"LatentExplorer.set_data + repaint, latent {latent_dim}: {summary(with_paint)}")
    explorer.close()


def set_per_class(items: list[pg.ScatterPlotItem], members: list[np.ndarray], points: np.ndarray) -> None:
    """One item per class: item k shows the points (n, 2) of class k (rows ``members[k]``)."""
    for item, index in zip(items, members):
        item.setData(x=points[index, 0], y=points[index, 1])


def set_per_point(item: pg.ScatterPlotItem, point_brushes: np.ndarray, points: np.ndarray) -> None:
    """One item for all points (n, 2), each with its class's brush."""
    item.setData(x=points[:, 0], y=points[:, 1], brush=point_brushes)


def bench_scatter_plot_item(app: QApplication) -> None:
    """The two ScatterPlotItem layouts the explorer could have used, for comparison."""
    rng = np.random.default_rng(0)
    codes, labels = clustered(rng, 2)
    brushes = [pg.mkBrush(class_color(k)) for k in range(10)]
    for layout in ("one item per class", "one item, per-point brushes"):
        plot = pg.PlotWidget()
        plot.resize(700, 560)
        plot.show()
        if layout == "one item per class":
            items = [pg.ScatterPlotItem(size=6, pen=None, brush=brushes[k], pxMode=True) for k in range(10)]
            refresh = partial(set_per_class, items, [np.flatnonzero(labels == k) for k in range(10)])
        else:
            items = [pg.ScatterPlotItem(size=6, pen=None, pxMode=True)]
            refresh = partial(set_per_point, items[0], np.array(brushes, dtype=object)[labels])
        for item in items:
            plot.addItem(item)
        app.processEvents()
        set_only, with_paint = [], []
        for _ in range(REPEATS // 2):
            moved = codes + rng.normal(0.0, 0.05, size=codes.shape)
            start = time.perf_counter()
            refresh(moved)
            middle = time.perf_counter()
            plot.grab()
            end = time.perf_counter()
            set_only.append(middle - start)
            with_paint.append(end - start)
        print(f"ScatterPlotItem, {layout + ':':29s} setData {summary(set_only)}; + repaint {summary(with_paint)}")
        plot.close()


def main() -> None:
    app = QApplication.instance() or QApplication([])
    print(f"{POINTS:,} points, {REPEATS} refreshes each, {os.cpu_count()} CPUs, Qt platform {app.platformName()}")
    bench_explorer(app, 2)
    bench_explorer(app, 8)
    bench_scatter_plot_item(app)


if __name__ == "__main__":
    main()
