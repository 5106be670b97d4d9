"""GIF, PNG-folder and MP4 export: what comes back when read, and that nothing partial is ever left."""

import os
import threading

import imageio.v3 as iio
import numpy as np
import pytest

from core.animation import writers
from core.animation.frames import compose_frames
from core.animation.writers import (
    ExportCancelled,
    Mp4Unavailable,
    gif_frame_duration_ms,
    mp4_available,
    write_gif,
    write_mp4,
    write_png_frames,
)
from core.latent.interpolate import timeline


@pytest.fixture(scope="module")
def frames() -> np.ndarray:
    """Six composed two-panel frames (n, H, W, 3) of blobs that fade into each other."""
    rows, cols = np.mgrid[0:28, 0:28]
    ring = np.exp(-((np.hypot(rows - 14, cols - 14) - 8) ** 2) / 4).ravel()
    bar = np.exp(-((cols - 14) ** 2) / 3).ravel() * (np.abs(rows - 14) < 10).ravel()
    t = np.linspace(0, 1, 6)[:, None]
    panels = [("Autoencoder", (1 - t) * ring + t * bar), ("VAE", (1 - t) * bar + t * ring)]
    return compose_frames(panels, scale=2)


def test_gif_round_trips_every_frame_with_its_duration_and_loops_forever(tmp_path, frames):
    path = tmp_path / "morph.gif"
    write_gif(path, frames, fps=25)
    back = iio.imread(path, index=None)
    assert back.shape == frames.shape
    # Gray frames are written as 8-bit gray, which a GIF palette holds exactly.
    assert np.array_equal(back[0], frames[0]) and np.array_equal(back[-1], frames[-1])
    assert np.array_equal(back, frames)
    metas = [iio.immeta(path, index=i) for i in range(len(frames))]
    assert [meta["duration"] for meta in metas] == [round(1000 / 25)] * len(frames)
    assert metas[0]["loop"] == 0
    assert os.listdir(tmp_path) == ["morph.gif"]


@pytest.mark.parametrize("fps, duration_ms", [(10, 100), (20, 50), (25, 40), (30, 30), (15, 70), (60, 20)])
def test_gif_frame_duration_is_1000_over_fps_to_the_nearest_centisecond(tmp_path, frames, fps, duration_ms):
    assert gif_frame_duration_ms(fps) == duration_ms
    write_gif(tmp_path / "a.gif", frames[:2], fps)
    assert iio.immeta(tmp_path / "a.gif", index=1)["duration"] == duration_ms


def test_held_frames_merge_into_longer_gif_frames_that_play_as_long(tmp_path, frames):
    schedule = timeline(len(frames), hold_frames=3, ping_pong=True)
    write_gif(tmp_path / "held.gif", frames[schedule], fps=20)
    back = iio.imread(tmp_path / "held.gif", index=None)
    durations = [iio.immeta(tmp_path / "held.gif", index=i)["duration"] for i in range(len(back))]
    assert len(back) < len(schedule)
    assert sum(durations) == len(schedule) * 50
    assert np.array_equal(back[0], frames[0])


def test_colour_gif_frames_come_back_within_palette_quantisation(tmp_path):
    # A GIF frame has at most 256 colours; these have 4096 each, so they come back close, not exact.
    rows, cols = np.mgrid[0:64, 0:64] * 4
    colour = np.stack([np.stack([rows, cols, 255 - (rows + cols) // 2], -1), np.stack([cols, 255 - rows, rows], -1)])
    colour = colour.astype(np.uint8)  # (2, 64, 64, 3)
    write_gif(tmp_path / "colour.gif", colour, fps=10)
    error = np.abs(iio.imread(tmp_path / "colour.gif", index=None).astype(int) - colour)
    assert error.mean() < 6 and error.max() < 32


def test_gif_accepts_single_channel_frames(tmp_path, frames):
    write_gif(tmp_path / "gray.gif", frames[..., 0], fps=10)
    assert np.array_equal(iio.imread(tmp_path / "gray.gif", index=None)[..., 0], frames[..., 0])


def test_progress_is_reported_after_every_frame(tmp_path, frames):
    calls = []
    write_gif(tmp_path / "p.gif", frames, fps=10, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, len(frames)) for i in range(1, len(frames) + 1)]


needs_ffmpeg = pytest.mark.skipif(not mp4_available(), reason="imageio-ffmpeg is not installed")


@pytest.mark.parametrize("writer", ["gif", "png", pytest.param("mp4", marks=needs_ffmpeg)])
def test_cancelling_midway_raises_and_leaves_nothing(tmp_path, frames, writer):
    cancel = threading.Event()
    seen = []

    def cancel_after_three(done: int, total: int) -> None:
        seen.append(done)
        if done == 3:
            cancel.set()

    with pytest.raises(ExportCancelled):
        if writer == "png":
            write_png_frames(tmp_path / "out", frames, cancel=cancel, progress=cancel_after_three)
        else:
            write = write_gif if writer == "gif" else write_mp4
            write(tmp_path / f"out.{writer}", frames, 10, cancel=cancel, progress=cancel_after_three)
    assert seen == [1, 2, 3]
    assert os.listdir(tmp_path) == []


def test_a_failing_export_keeps_the_previous_file_and_leaves_no_temporary(tmp_path, frames):
    path = tmp_path / "out.gif"
    path.write_bytes(b"previous export")

    def fail(done: int, total: int) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_gif(path, frames, 10, progress=fail)
    assert path.read_bytes() == b"previous export"
    assert os.listdir(tmp_path) == ["out.gif"]


def test_frames_that_are_not_uint8_images_are_refused_before_writing(tmp_path, frames):
    with pytest.raises(ValueError):
        write_gif(tmp_path / "bad.gif", frames.astype(float), 10)
    with pytest.raises(ValueError):
        write_png_frames(tmp_path / "bad", frames[:0])
    assert os.listdir(tmp_path) == []


def test_png_folder_round_trips_the_frames_in_name_order(tmp_path, frames):
    folder = tmp_path / "frames"
    write_png_frames(folder, frames)
    names = sorted(os.listdir(folder))
    assert names == [f"frame_{i:04d}.png" for i in range(len(frames))]
    assert np.array_equal(np.stack([iio.imread(folder / name) for name in names]), frames)
    assert os.listdir(tmp_path) == ["frames"]


def test_png_export_fills_an_empty_folder_but_never_touches_a_used_one(tmp_path, frames):
    (tmp_path / "empty").mkdir()
    write_png_frames(tmp_path / "empty", frames[:2])
    assert len(os.listdir(tmp_path / "empty")) == 2
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        write_png_frames(tmp_path / "used", frames[:2])
    assert os.listdir(tmp_path / "used") == ["notes.txt"]


def test_mp4_without_imageio_ffmpeg_is_a_clear_error_that_writes_nothing(tmp_path, frames, monkeypatch):
    monkeypatch.setattr(writers, "mp4_available", lambda: False)
    with pytest.raises(Mp4Unavailable, match="imageio-ffmpeg"):
        write_mp4(tmp_path / "out.mp4", frames, 10)
    assert os.listdir(tmp_path) == []


@needs_ffmpeg
def test_mp4_pads_odd_frames_to_even_and_keeps_every_frame(tmp_path, frames):
    odd = frames[:, :-1, :-1]  # the composed frames are even; make both sides odd
    write_mp4(tmp_path / "out.mp4", odd, fps=10)
    back = iio.imread(tmp_path / "out.mp4", index=None, plugin="FFMPEG")
    assert back.shape == (len(odd), odd.shape[1] + 1, odd.shape[2] + 1, 3)
    assert np.abs(back[:, :-1, :-1].astype(int) - odd).mean() < 3  # H.264 is lossy
    assert os.listdir(tmp_path) == ["out.mp4"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_exports_get_the_permissions_of_any_new_file_not_private_temporary_ones(tmp_path, frames):
    umask = os.umask(0o022)
    try:
        write_gif(tmp_path / "a.gif", frames, 10)
        write_png_frames(tmp_path / "pngs", frames[:1])
    finally:
        os.umask(umask)
    assert (tmp_path / "a.gif").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "pngs").stat().st_mode & 0o777 == 0o755


def test_a_gif_frame_rate_outside_what_the_formats_store_is_refused_before_writing(tmp_path, frames):
    for fps in (0.001, 0, -1, float("inf"), float("nan"), 1e5):
        with pytest.raises(ValueError, match="frame rate must be between 0.01 and 1000"):
            write_gif(tmp_path / "a.gif", frames, fps)
    assert os.listdir(tmp_path) == []


@needs_ffmpeg
def test_an_mp4_frame_rate_outside_what_the_formats_store_is_refused_before_writing(tmp_path, frames):
    with pytest.raises(ValueError, match="frame rate must be between 0.01 and 1000"):
        write_mp4(tmp_path / "a.mp4", frames, 0.001)
    assert os.listdir(tmp_path) == []


def test_identical_gif_frames_that_would_outlast_a_gif_frame_are_refused_before_writing(tmp_path, frames):
    held = frames[[0] * 66 + [1]]              # 66 frames of 10 s each: one merged frame of 660 s
    with pytest.raises(ValueError, match="66 identical frames at 10000 ms each would make one GIF frame of 660.00 s"):
        write_gif(tmp_path / "a.gif", held, 0.1)
    assert os.listdir(tmp_path) == []
    write_gif(tmp_path / "a.gif", held[1:], 0.1)     # 65: 650 s, which a GIF frame holds
    assert iio.immeta(tmp_path / "a.gif", index=0)["duration"] == 650_000
