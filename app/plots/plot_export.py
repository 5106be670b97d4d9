"""Saves a pyqtgraph plot (the loss plot, the latent scatter) as a PNG or an SVG file; the file dialog can also offer
CSV, for a plot whose numbers a caller writes as a table.

PNG through pyqtgraph's ImageExporter; SVG by rendering the same scene rectangle into Qt's QSvgGenerator, because
pyqtgraph 0.14's SVGExporter fails on the closed paths Qt 6 writes (pyqtgraph issue #3495). Either way the file
is written under a temporary name beside the target and renamed into place, so a failed export leaves nothing.
It asks the user nothing except in `ask_plot_path`.
"""
from __future__ import annotations

import os
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401 - makes pg.exporters available
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QGuiApplication, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QGraphicsItem, QWidget

from core.atomic_files import atomic_file

PNG_FILTER, SVG_FILTER = "PNG image (*.png)", "SVG drawing (*.svg)"
CSV_FILTER = "CSV table of the numbers (*.csv)"
PNG_SCALE = 2  # pixels per screen pixel: crisp on high-resolution screens and in documents


def export_plot(plot_item: pg.PlotItem, path: str | os.PathLike, scale: float = PNG_SCALE) -> Path:
    """Write plot_item to path: .png (at `scale` times its size on screen) or .svg. Returns the path.

    Raises ValueError for any other extension and OSError when the file cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"{path}: plots are saved as .png or .svg, not {suffix or 'no extension'}")
    with atomic_file(path, suffix) as temp_path:
        if suffix == ".png":
            exporter = pg.exporters.ImageExporter(plot_item)
            width = max(1, round(plot_item.sceneBoundingRect().width() * scale))
            exporter.parameters()["width"] = width  # the height follows, keeping the aspect ratio
            image = exporter.export(toBytes=True)
            if not image.save(str(temp_path), "PNG"):
                raise OSError(f"could not write {path}")
        else:
            _write_svg(plot_item, temp_path, path.stem)
    return path


def _write_svg(plot_item: pg.PlotItem, path: Path, title: str) -> None:
    """Render plot_item's rectangle of the scene (background included) as vector graphics into path."""
    source = plot_item.sceneBoundingRect()
    width, height = max(1, round(source.width())), max(1, round(source.height()))
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(width, height))
    generator.setViewBox(QRectF(0, 0, width, height))
    generator.setTitle(title)
    # Axes are cached as QPictures, which replay scaled by the ratio of the screen's DPI to the device's:
    # at QSvgGenerator's default 72 dpi they would shrink to 3/4 of their size against the data.
    screen = QGuiApplication.primaryScreen()
    generator.setResolution(round(screen.logicalDotsPerInch()) if screen is not None else 96)
    # Items cached on screen (the axes) would be written as bitmaps: draw them uncached for the file.
    scene = plot_item.scene()
    cached = {item: item.cacheMode() for item in scene.items() if item.cacheMode() != QGraphicsItem.CacheMode.NoCache}
    painter = QPainter(generator)
    try:
        for item in cached:
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        views = scene.views()
        if views:
            painter.fillRect(QRectF(0, 0, width, height), views[0].backgroundBrush())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        scene.render(painter, QRectF(0, 0, width, height), source)
    finally:
        painter.end()
        for item, mode in cached.items():
            item.setCacheMode(mode)
    if not path.exists() or path.stat().st_size == 0:
        raise OSError(f"could not write {path}")


def ask_plot_path(parent: QWidget | None, title: str, suggested: Path, table: bool = False) -> Path | None:
    """Ask where to save a plot, as PNG or SVG (and, with ``table``, its numbers as CSV); None when the user
    cancels. A name typed with one of these extensions keeps it; any other name gets the chosen type's."""
    extensions = {PNG_FILTER: ".png", SVG_FILTER: ".svg"} | ({CSV_FILTER: ".csv"} if table else {})
    path, chosen = QFileDialog.getSaveFileName(parent, title, str(suggested), ";;".join(extensions))
    if not path:
        return None
    path = Path(path)
    if path.suffix.lower() in extensions.values():
        return path
    return path.with_name(path.name + extensions.get(chosen, ".png"))
