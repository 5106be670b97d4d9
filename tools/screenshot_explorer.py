"""Writes docs/screenshots/explorer.png: the main window after training the default VAE on the bundled
digits, with the latent explorer in use: a point dragged to (and decoded), a few pinned test images,
and the cursor hovering a test point. Grabbed offscreen with private settings.

    python tools/screenshot_explorer.py [--epochs 30] [--out docs/screenshots/explorer.png] [--dark]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from tools.screenshot_main_window import (  # noqa: E402
    make_application,
    open_window,
    save_and_close,
    train,
    wait,
)


def viewport_pixel(explorer, x: float, y: float):
    """The plot viewport's pixel that shows plane point (x, y)."""
    scene = explorer.scatter.view_box.mapViewToScene(QPointF(x, y))
    return explorer.scatter.mapFromScene(scene)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "explorer.png")
    parser.add_argument("--dark", action="store_true")
    args = parser.parse_args()
    app = make_application(args.dark)  # noqa: F841  (kept alive while the window exists)
    from core.nn.config import ModelConfig
    from core.training.config import TrainConfig

    window = open_window(ModelConfig(), TrainConfig(epochs=args.epochs))
    train(window)
    wait(500)
    explorer = window.explorer
    viewport = explorer.scatter.viewport()
    codes = window.session.model.encode(window.session.dataset.test_images / 255.0)[0]
    labels = window.session.dataset.test_labels
    # Pin the test image nearest each of three class means (Ctrl+click), then drag between two clusters.
    for label in (1, 3, 7):
        members = np.flatnonzero(labels == label)
        index = members[np.argmin(np.linalg.norm(codes[members] - codes[members].mean(0), axis=1))]
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                         viewport_pixel(explorer, *codes[index]))
        wait(50)
    start, stop = codes[labels == 2].mean(0), codes[labels == 7].mean(0)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     viewport_pixel(explorer, *start))
    for t in np.linspace(0, 0.5, 12):
        QTest.mouseMove(viewport, viewport_pixel(explorer, *(start + t * (stop - start))))
        wait(15)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       viewport_pixel(explorer, *(start + 0.5 * (stop - start))))
    hovered = int(np.argmax(codes[:, 1] - 0.3 * np.abs(codes[:, 0])))   # a point near the top, clear of the drag
    QTest.mouseMove(viewport, viewport_pixel(explorer, *codes[hovered]))
    wait(400)
    save_and_close(window, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
