"""Plots saved as PNG and SVG: readable files of the plot's shape, with the dots, and nothing partial on failure; the
file dialog's choice of type."""

import imageio.v3 as iio
import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QFileDialog, QGraphicsItem

from app.explorer.latent_explorer import LatentExplorer
from app.plots.plot_export import (
    CSV_FILTER,
    PNG_FILTER,
    SVG_FILTER,
    ask_plot_path,
    export_plot,
)
from app.widgets.palette import CLASS_COLORS


@pytest.fixture
def explorer(qtbot):
    widget = LatentExplorer([str(k) for k in range(10)])
    qtbot.addWidget(widget)
    widget.resize(800, 560)
    widget.show()
    qtbot.waitExposed(widget)
    rng = np.random.default_rng(0)
    widget.set_data(rng.normal(size=(200, 2)), np.arange(200) % 10, rng.integers(0, 256, (200, 784), np.uint8))
    QApplication.processEvents()
    return widget


def test_the_scatter_as_png_is_twice_its_screen_size_and_shows_the_class_colours(explorer, tmp_path):
    item = explorer.scatter.plot_item
    path = export_plot(item, tmp_path / "scatter.png")
    image = iio.imread(path)
    assert image.shape[1] == round(item.sceneBoundingRect().width() * 2)
    assert abs(image.shape[0] - item.sceneBoundingRect().height() * 2) <= 2
    pixels = image[..., :3].reshape(-1, 3).astype(int)
    blue = np.array([int(CLASS_COLORS[0][i:i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(pixels - blue).sum(axis=1) < 40).sum() > 20  # class 0's dots
    assert [p.name for p in tmp_path.iterdir()] == ["scatter.png"]


def test_the_scatter_as_svg_is_valid_vector_graphics_with_one_circle_per_dot(explorer, tmp_path):
    path = export_plot(explorer.scatter.plot_item, tmp_path / "scatter.svg")
    renderer = QSvgRenderer(str(path))
    assert renderer.isValid()
    text = path.read_text()
    assert text.count("<ellipse") + text.count("<circle") == 200    # Qt writes a dot whose box is square as a circle
    assert "<image" not in text  # dots and the axes (cached as bitmaps on screen) are shapes and text, not pixmaps
    assert "<text" in text
    axis = explorer.scatter.plot_item.getAxis("left")
    assert axis.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache    # cached on screen again


def test_a_plain_plot_exports_too(qtbot, tmp_path):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.plot(np.arange(100), np.sin(np.arange(100) / 10))
    widget.show()
    qtbot.waitExposed(widget)
    for name in ("loss.png", "loss.svg"):
        assert export_plot(widget.getPlotItem(), tmp_path / name).stat().st_size > 0


def test_other_extensions_are_refused_and_leave_nothing(explorer, tmp_path):
    with pytest.raises(ValueError, match="png or .svg"):
        export_plot(explorer.scatter.plot_item, tmp_path / "scatter.jpg")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("typed, chosen, expected", [
    ("loss.csv", PNG_FILTER, "loss.csv"),        # typed: kept whatever type is chosen
    ("loss.SVG", PNG_FILTER, "loss.SVG"),
    ("loss", CSV_FILTER, "loss.csv"),            # none typed: the chosen type's
    ("run.v2", SVG_FILTER, "run.v2.svg"),        # a dot in the name is no extension to replace
])
def test_the_file_dialog_keeps_a_typed_extension_and_else_adds_the_chosen_ones(monkeypatch, tmp_path, typed, chosen,
                                                                               expected):
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args: (str(tmp_path / typed), chosen)))
    assert ask_plot_path(None, "Export Loss Plot", tmp_path / "loss.png", table=True) == tmp_path / expected


def test_a_typed_csv_name_is_not_kept_where_no_table_is_offered(monkeypatch, tmp_path):
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args: (str(tmp_path / "scatter.csv"), PNG_FILTER)))
    assert ask_plot_path(None, "Export Latent Scatter", tmp_path / "scatter.png") == tmp_path / "scatter.csv.png"
