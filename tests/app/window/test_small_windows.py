"""The window from 1024x700 up: every control of the Animate panel shows whole, the drawing pad fits beside the
explorer without widening the window, and the loss plot's legend stays clear of its Log scale box. The same tests
run again at device pixel ratios 1.5 and 2 (QT_SCALE_FACTOR, in a process of their own)."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractButton, QWidget

ROOT = Path(__file__).resolve().parents[3]
SMALL = (1024, 700)
SCALE_FACTOR = float(os.environ.get("QT_SCALE_FACTOR", "1"))


def rect_in_window(widget: QWidget) -> QRect:
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


def clipped_buttons(container: QWidget) -> list[str]:
    """The shown buttons in ``container`` that lie partly outside its window or are partly hidden (by a scroll
    area's edge, say)."""
    window = container.window()
    return [button.text() or button.toolTip() for button in container.findChildren(QAbstractButton)
            if button.isVisible() and not (window.rect().contains(rect_in_window(button))
                                           and button.visibleRegion().boundingRect() == button.rect())]


def show_at(qtbot, window, width: int, height: int) -> None:
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (width, height))
    assert window.devicePixelRatioF() == SCALE_FACTOR


def keep_an_autoencoder_then_make_a_vae(qtbot, window) -> None:
    """What the Animate view shows after Keep this: the comparison model on the left of the current one."""
    window.animation.keep_for_comparison()
    qtbot.waitUntil(lambda: window.animation.panel.comparison_model() is not None)
    window.panel.set_configs(replace(window.session.model_config, kind="ae"), window.session.train_config)
    window.reset()


@pytest.mark.parametrize("pad", [False, True], ids=["alone", "with the drawing pad"])
def test_at_1024x700_every_button_of_the_animate_panel_shows_whole(qtbot, window, pad):
    show_at(qtbot, window, *SMALL)
    keep_an_autoencoder_then_make_a_vae(qtbot, window)
    if pad:
        window.window_actions.draw.trigger()
    window.animation.animate_action.setChecked(True)
    panel = window.animation.panel
    qtbot.waitUntil(lambda: panel.export_button.isEnabled())
    qtbot.wait(50)            # the split fitted to the panel
    assert window.width() == SMALL[0]
    assert len(panel.findChildren(QAbstractButton)) >= 10 and clipped_buttons(panel) == []
    scroll = panel.scroll_area
    assert scroll.horizontalScrollBar().maximum() == 0 and scroll.verticalScrollBar().maximum() == 0
    assert panel.player.view.width() >= 180 and panel.player.view.height() >= 120      # the preview keeps room


def test_opening_the_drawing_pad_keeps_a_1024_pixel_window_1024_wide(qtbot, window):
    show_at(qtbot, window, *SMALL)
    window.window_actions.draw.trigger()
    qtbot.waitUntil(lambda: window.drawing_pad.isVisible())
    qtbot.wait(50)
    assert window.width() == SMALL[0] and window.minimumSizeHint().width() <= SMALL[0]
    pad = window.drawing_pad
    assert window.rect().contains(rect_in_window(pad.canvas)) and pad.canvas.visibleRegion().boundingRect() == \
        pad.canvas.rect()
    assert pad.canvas.scale >= 4 and clipped_buttons(window.drawing_column) == []
    assert clipped_buttons(window.explorer) == []


def test_a_window_too_narrow_for_the_pad_grows_for_it_and_shrinks_back(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    narrow = window.minimumSizeHint().width()
    window.resize(narrow, 700)
    qtbot.waitUntil(lambda: window.width() == narrow)
    window.window_actions.draw.trigger()
    qtbot.waitUntil(lambda: window.width() > narrow)
    window.window_actions.draw.trigger()
    qtbot.waitUntil(lambda: window.width() == narrow)

    window.window_actions.draw.trigger()        # the user widens it while the pad shows: it stays as wide
    window.resize(narrow + 300, 700)
    qtbot.waitUntil(lambda: window.width() == narrow + 300)
    window.window_actions.draw.trigger()
    qtbot.wait(50)
    assert window.width() == narrow + 300


@pytest.mark.parametrize("size", ["minimum", SMALL], ids=["minimum", "1024x700"])
def test_the_log_scale_box_leaves_the_legend_whole(qtbot, window, size):
    window.show()
    qtbot.waitExposed(window)
    needed = window.minimumSizeHint()
    show_at(qtbot, window, *((needed.width(), needed.height()) if size == "minimum" else size))
    plot = window.loss_plot
    qtbot.waitUntil(lambda: plot.readout.sizeHint().width() <= plot.readout.width())
    assert not plot.readout.geometry().intersects(plot.log_check.geometry())
    assert not plot.title.geometry().intersects(plot.readout.geometry())
    assert all(f"&nbsp;{word}" in plot.readout.text() for word in ("loss", "rec", "KL", "test"))


@pytest.mark.skipif("QT_SCALE_FACTOR" in os.environ, reason="runs the tests above at other pixel ratios")
@pytest.mark.parametrize("factor", ["1.5", "2"])
def test_the_same_holds_at_device_pixel_ratios_1_5_and_2(factor):
    env = dict(os.environ, QT_SCALE_FACTOR=factor, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", __file__],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "2 skipped" in result.stdout
