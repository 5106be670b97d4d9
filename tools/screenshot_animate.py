"""Writes docs/screenshots/animate.png: the main window at 1280x800 with the Animate tab open, after training the
default VAE on the bundled digits for a few epochs, an AE kept beside it, the preview playing a 2-to-7 interpolation
and its path drawn on the latent scatter. Grabbed offscreen (no display needed) with private settings.

    python tools/screenshot_animate.py [--epochs 6] [--out docs/screenshots/animate.png] [--dark]
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from tools.screenshot_main_window import (  # noqa: E402
    make_application,
    open_window,
    save_and_close,
    train,
    wait,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "animate.png")
    parser.add_argument("--dark", action="store_true")
    args = parser.parse_args()
    app = make_application(args.dark)  # noqa: F841  (kept alive while the window exists)
    from core.nn.config import ModelConfig
    from core.training.config import TrainConfig

    window = open_window(ModelConfig(kind="ae"), TrainConfig(epochs=args.epochs))
    train(window)                                  # an autoencoder first, kept for comparison
    window.animation.keep_for_comparison()
    window.session.dirty = False                   # as if saved: Reset asks nothing
    window.panel.set_configs(replace(window.session.model_config, kind="vae"), window.session.train_config)
    window.reset()                                 # a fresh VAE, as the user would make it in the panel
    train(window)                                  # then the VAE beside it
    panel = window.animation.panel
    panel.set_ends_by_label(2, 7)
    window.animation.animate_action.setChecked(True)
    wait(300)
    scatter = window.explorer.scatter              # press on the path's middle: the explorer decodes it
    middle = QPointF(*window.explorer.plane().to_plane(panel.path()[len(panel.path()) // 4:][:1])[0])
    pixel = scatter.mapFromScene(scatter.view_box.mapViewToScene(middle))
    QTest.mouseClick(scatter.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pixel)
    wait(900)                                      # the preview plays; the marker moves along the path
    save_and_close(window, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
