"""Makes the README's write-up animation with the app, as a user would: Training > Compare as in the Write-up (the
write-up's VAE, 784-128-128 with latent size 8, LeakyReLU, squared error, Adam, batch 128, beside an AE of the same
shape, on the largest digit set at hand), Train, then the Animate view from a 2 to a 7, exported. Also grabs the
window in compare mode, a point between the classes pressed, as docs/screenshots/compare.png. Offscreen, with
private settings.

    python tools/make_write_up_animation.py [--epochs 150] [--to-rank 3] [--gif docs/media/write_up_two_to_seven.gif]
                                           [--screenshot docs/screenshots/compare.png]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from tools.screenshot_main_window import make_application, open_window, wait  # noqa: E402

FRAMES, FPS, SCALE = 48, 16, 3


def train_both(window) -> None:
    """Press Train and wait until both runs have finished."""
    loop = QEventLoop()
    finished = []
    for controller in (window.controller, window.compare.controller):
        controller.run_finished.connect(lambda: (finished.append(1), len(finished) == 2 and loop.quit()))
    window.train()
    loop.exec()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--to-rank", type=int, default=3,
                        help="which 7 (0: the nearest its class mean); the fourth shows the AE's broken middle best")
    parser.add_argument("--gif", type=Path, default=ROOT / "docs" / "media" / "write_up_two_to_seven.gif")
    parser.add_argument("--screenshot", type=Path, default=ROOT / "docs" / "screenshots" / "compare.png")
    args = parser.parse_args()
    app = make_application(False)  # noqa: F841  (kept alive while the window exists)
    from core.animation.recipe import InterpolationSpec
    from core.nn.config import ModelConfig
    from core.training.config import TrainConfig

    window = open_window(ModelConfig(), TrainConfig())
    window.window_actions.write_up.trigger()
    for panel in (window.panel, window.compare.panel):
        panel.epochs_spin.setValue(args.epochs)
    train_both(window)
    losses = [session.history.epochs[-1].test_loss for session in (window.session, window.compare.session)]
    print(f"trained {window.session.history.steps:,} steps each on {window.session.dataset_spec}; test loss VAE "
          f"{losses[0]:.2f}, AE {losses[1]:.2f}")

    tools = window.animation
    tools.animate_action.setChecked(True)
    wait(500)
    tools.panel.set_spec(InterpolationSpec(n_frames=FRAMES, fps=FPS, mode="lerp", hold_frames=round(0.6 * FPS),
                                           ping_pong=True, scale=SCALE, caption=True))
    tools.panel.set_ends_by_label(2, 7, 0, args.to_rank)
    args.gif.parent.mkdir(parents=True, exist_ok=True)
    loop = QEventLoop()
    tools.exporter.finished.connect(loop.quit)
    if not tools.export_animation(args.gif):
        print("the export did not start:", window.message_bar.text())
        return 1
    loop.exec()
    print(f"{args.gif}: {window.message_bar.text() or 'written'}")

    tools.animate_action.setChecked(False)
    wait(300)
    explorer = window.explorer                  # press halfway along the VAE's 2-to-7 path: both decode that z
    path = tools.panel.path()
    middle = QPointF(*explorer.plane().to_plane(path[len(path) // 2][None])[0])
    scatter = explorer.scatter
    QTest.mouseClick(scatter.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     scatter.mapFromScene(scatter.view_box.mapViewToScene(middle)))
    wait(500)
    args.screenshot.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(args.screenshot))
    print(f"{args.screenshot}: {window.width()}x{window.height()}")
    for session in (window.session, window.compare.session):
        session.dirty = False        # nothing to ask about
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
