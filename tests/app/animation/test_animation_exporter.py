"""Threaded export: the file read back is what was asked for, and a cancelled or failed export leaves nothing."""

import threading

import imageio.v2 as iio_v2
import imageio.v3 as iio
import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QPushButton

from app.animation.animation_exporter import (
    GIF_FILTER,
    MP4_FILTER,
    PNG_FILTER,
    AnimationExporter,
    ExportJob,
    ExportWorker,
    ask_animation_path,
)
from core.animation.writers import gif_frame_duration_ms, mp4_available


def gray_frames(n: int = 6, height: int = 20, width: int = 30) -> np.ndarray:
    """Frames that all differ (so pillow merges none of them), gray RGB like the interpolation frames."""
    values = np.linspace(0, 250, n).astype(np.uint8)
    return np.repeat(np.broadcast_to(values[:, None, None, None], (n, height, width, 1)), 3, axis=-1).copy()


@pytest.fixture
def exporter(qtbot):
    exporter = AnimationExporter()
    yield exporter
    exporter.wait()


def test_a_gif_export_on_the_worker_thread_has_the_frames_duration_and_loop_asked_for(qtbot, exporter, tmp_path):
    path = tmp_path / "out.gif"
    frames = gray_frames()
    with qtbot.waitSignals([exporter.succeeded, exporter.finished], order="strict", timeout=10_000):
        assert exporter.export(ExportJob(path, lambda: frames, fps=12.5))
        assert exporter.busy and not exporter.export(ExportJob(path, lambda: frames, fps=12.5))  # one at a time
    assert not exporter.busy
    read = iio.imread(path, index=None)
    assert read.shape[:3] == (6, 20, 30)
    np.testing.assert_array_equal(read[..., 0] if read.ndim == 4 else read, frames[..., 0])
    meta = iio.immeta(path, index=0)
    assert meta["duration"] == gif_frame_duration_ms(12.5) == 80 and meta["loop"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gif"]


def test_png_frames_go_to_a_new_folder(qtbot, exporter, tmp_path):
    folder = tmp_path / "frames"
    with qtbot.waitSignal(exporter.finished, timeout=10_000):
        exporter.export(ExportJob(folder, lambda: gray_frames(3), fps=10))
    assert sorted(p.name for p in folder.iterdir()) == ["frame_0000.png", "frame_0001.png", "frame_0002.png"]


@pytest.mark.skipif(not mp4_available(), reason="imageio-ffmpeg is not installed")
def test_an_mp4_export_has_every_frame(qtbot, exporter, tmp_path):
    path = tmp_path / "out.mp4"
    with qtbot.waitSignal(exporter.succeeded, timeout=30_000):
        exporter.export(ExportJob(path, lambda: gray_frames(8, 32, 48), fps=10))
    reader = iio_v2.get_reader(path, format="FFMPEG")
    try:
        assert reader.count_frames() == 8 and reader.get_meta_data()["fps"] == 10
    finally:
        reader.close()


def test_cancel_in_the_progress_dialog_leaves_no_file(qtbot, exporter, tmp_path):
    path = tmp_path / "cancelled.gif"
    making, release = threading.Event(), threading.Event()

    def slow_frames() -> np.ndarray:  # runs on the worker thread; holds it until the test has pressed Cancel
        making.set()
        release.wait(10)
        return gray_frames(50)

    with qtbot.waitSignals([exporter.cancelled, exporter.finished], order="strict", timeout=10_000):
        exporter.export(ExportJob(path, slow_frames, fps=10))
        assert making.wait(10)
        exporter.progress_dialog.findChild(QPushButton).click()  # the dialog's Cancel button
        release.set()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_export_reports_why_and_leaves_nothing(qtbot, exporter, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.txt").write_text("not an export")
    messages = []
    exporter.failed.connect(messages.append)
    with qtbot.waitSignal(exporter.finished, timeout=10_000):
        exporter.export(ExportJob(tmp_path / "taken", lambda: gray_frames(2), fps=10))  # a folder in use
    assert len(messages) == 1 and "taken" in messages[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["mine.txt"]


def test_the_worker_reports_progress_and_can_run_on_the_calling_thread(qtbot, tmp_path):
    worker = ExportWorker(ExportJob(tmp_path / "direct.gif", lambda: gray_frames(4), fps=10))
    progress = []
    worker.progressed.connect(lambda done, total: progress.append((done, total)))
    with qtbot.waitSignals([worker.succeeded, worker.finished], order="strict"):
        worker.run()
    assert progress[0] == (0, 4) and progress[-1] == (4, 4)


@pytest.mark.parametrize("typed, chosen, expected", [
    ("two_to_seven.mp4", GIF_FILTER, "two_to_seven.mp4"),    # typed: kept whatever type is chosen
    ("two_to_seven.gif", MP4_FILTER, "two_to_seven.gif"),
    ("two_to_seven", MP4_FILTER, "two_to_seven.mp4"),        # none typed: the chosen type's
    ("run.v2", GIF_FILTER, "run.v2.gif"),                    # a dot in the name is no extension to replace
    ("frames.gif", PNG_FILTER, "frames"),                    # PNG frames go to a folder
])
def test_the_animation_dialog_keeps_a_typed_type_and_else_adds_the_chosen_ones(monkeypatch, tmp_path, typed, chosen,
                                                                                expected):
    monkeypatch.setattr("app.animation.animation_exporter.mp4_available", lambda: True)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *args: (str(tmp_path / typed), chosen)))
    assert ask_animation_path(None, "Export Animation", tmp_path / "a.gif") == tmp_path / expected


def test_an_mp4_name_becomes_a_gif_without_ffmpeg(monkeypatch, tmp_path):
    monkeypatch.setattr("app.animation.animation_exporter.mp4_available", lambda: False)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *args: (str(tmp_path / "a.mp4"),
                                                                                   GIF_FILTER)))
    assert ask_animation_path(None, "Export Animation", tmp_path / "a.gif") == tmp_path / "a.gif"
