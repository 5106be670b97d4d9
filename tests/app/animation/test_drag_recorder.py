"""Recording drags in the latent explorer: captures with time stamps, resampled by sample-and-hold."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.animation.drag_recorder import (
    MAX_TAIL,
    DragRecorder,
    Recording,
    sample_and_hold,
)
from app.explorer.latent_explorer import LatentExplorer

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_sample_and_hold_shows_the_last_sample_at_or_before_each_frame_time():
    times = np.array([0.0, 0.1, 0.25, 0.5])
    assert sample_and_hold(times, fps=10, count=7).tolist() == [0, 1, 1, 2, 2, 3, 3]
    with pytest.raises(ValueError):
        sample_and_hold(times, fps=0, count=3)


def test_recording_resamples_to_round_duration_times_fps_frames():
    images = np.arange(4)[:, None] * np.ones((1, 784), np.float32)
    recording = Recording(np.array([0.0, 0.3, 0.35, 1.0]), images, duration=1.26)
    for fps in (5, 10, 24, 30):
        frames = recording.resample(fps)
        assert len(frames) == round(1.26 * fps)
        expected = [np.searchsorted(recording.times, k / fps + 1e-9, side="right") - 1 for k in range(len(frames))]
        assert frames[:, 0].tolist() == expected
    assert len(Recording(np.zeros(1), images[:1], 0.0).resample(20)) == 1


@pytest.fixture
def explorer(qtbot):
    widget = LatentExplorer([str(k) for k in range(10)])
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(2, 784))
    widget.set_data(rng.normal(size=(100, 2)), np.arange(100) % 10, rng.integers(0, 256, (100, 784), np.uint8))
    widget.set_decoder(lambda z: 1.0 / (1.0 + np.exp(-np.asarray(z) @ weights)))
    QApplication.processEvents()
    return widget


def viewport_pos(explorer, x: float, y: float) -> QPoint:
    scene = explorer.scatter.view_box.mapViewToScene(QPointF(x, y))
    return explorer.scatter.mapFromScene(scene)


def test_a_recorded_drag_captures_every_decoded_image_with_its_time(qtbot, explorer):
    clock = FakeClock()
    recorder = DragRecorder(clock)
    recorder.watch(explorer)
    viewport = explorer.scatter.viewport()
    QTest.mousePress(viewport, LEFT, NONE, viewport_pos(explorer, 0.0, 0.0))  # not recording yet: ignored
    QTest.mouseRelease(viewport, LEFT, NONE, viewport_pos(explorer, 0.0, 0.0))

    with qtbot.waitSignal(recorder.recording_changed, check_params_cb=lambda on: on):
        recorder.start()
    path = [(-1.5, -1.0), (-1.0, -0.5), (-0.5, 0.0), (0.0, 0.5), (0.5, 1.0)]
    decoded = []
    QTest.mousePress(viewport, LEFT, NONE, viewport_pos(explorer, *path[0]))
    decoded.append(explorer.decoded_image().copy())
    for x, y in path[1:]:
        clock.now += 0.2
        QTest.mouseMove(viewport, viewport_pos(explorer, x, y))
        decoded.append(explorer.decoded_image().copy())
    QTest.mouseRelease(viewport, LEFT, NONE, viewport_pos(explorer, *path[-1]))
    clock.now += 5.0  # the user takes a while to reach Stop: the last image is held MAX_TAIL at most
    recording = recorder.stop()

    # The release decodes the last point once more (the drag's finish), hence one capture more than the moves.
    assert len(recording.images) >= len(path)
    np.testing.assert_allclose(recording.times[:len(path)], np.arange(len(path)) * 0.2, atol=1e-9)
    for captured, image in zip(recording.images, decoded):
        np.testing.assert_allclose(captured, image, atol=1e-6)
    assert recording.duration == pytest.approx(recording.times[-1] + MAX_TAIL)

    fps = 25
    frames = recording.resample(fps)
    assert len(frames) == round(recording.duration * fps)
    for k in (0, 4, 5, 9, 10, 19, 20):  # frame k shows the image decoded at or before k / fps
        np.testing.assert_allclose(frames[k], decoded[min(int(k / fps / 0.2 + 1e-9), len(path) - 1)], atol=1e-6)
    np.testing.assert_allclose(frames[-1], recording.images[-1])
    assert not recorder.recording and recorder.stop() is None


def test_stopping_without_any_decode_gives_no_recording(explorer):
    recorder = DragRecorder(FakeClock())
    recorder.watch(explorer)
    recorder.start()
    assert recorder.stop() is None


def test_watching_a_new_explorer_stops_watching_the_old_one(qtbot, explorer):
    recorder = DragRecorder(FakeClock())
    recorder.watch(explorer)
    other = LatentExplorer([str(k) for k in range(10)])
    qtbot.addWidget(other)
    recorder.watch(other)
    recorder.start()
    explorer.point_decoded.emit(np.zeros(2))  # the old explorer: ignored
    assert recorder.stop() is None
