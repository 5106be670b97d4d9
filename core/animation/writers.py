"""Writes animation frames to files: a GIF, a folder of PNGs, or an MP4 (with imageio-ffmpeg).

Every writer is atomic: it writes beside the target under a temporary name and renames into place
only when complete, so a cancelled or failed export leaves nothing behind. No Qt: the GUI's export
and the headless command line call the same functions.
"""

import importlib.util
import os
import threading
from collections.abc import Callable, Iterator

import imageio.v2 as iio_v2
import imageio.v3 as iio
import numpy as np

from core.atomic_files import atomic_file, atomic_folder

Progress = Callable[[int, int], None]  # (frames written, total frames)

# Frame rates that every format stores, with room to spare (measured with ffmpeg 9 and pillow 13): a GIF frame lasts
# at most 655.35 s, an MP4 at 0.00001 fps cannot be written and one at 100,000 fps comes out with a frame rate of 0.
# So a frame lasts at most 100 s, and 1000 fps is the most (a GIF plays at most 50 fps anyway).
MIN_FPS, MAX_FPS = 0.01, 1000.0
GIF_LONGEST_FRAME_MS = 655_350  # a GIF frame's delay is a 16-bit count of centiseconds


class ExportCancelled(Exception):
    """The export was cancelled through its `cancel` event; nothing was written."""


class Mp4Unavailable(RuntimeError):
    """MP4 export was asked for but imageio-ffmpeg is not installed."""


def mp4_available() -> bool:
    """Whether write_mp4 can run, i.e. imageio-ffmpeg (which bundles an ffmpeg binary) is installed."""
    return importlib.util.find_spec("imageio_ffmpeg") is not None


def check_fps(fps: float) -> None:
    """Raise ValueError unless MIN_FPS <= fps <= MAX_FPS (which also refuses NaN and infinity)."""
    if not MIN_FPS <= fps <= MAX_FPS:
        raise ValueError(f"the frame rate must be between {MIN_FPS:g} and {MAX_FPS:g} frames per second, got {fps:g}")


def gif_frame_duration_ms(fps: float) -> int:
    """The per-frame delay a GIF at `fps` gets, in milliseconds.

    GIF stores delays in whole centiseconds, and browsers play delays under 20 ms at 100 ms,
    so 1000 / fps is rounded to the nearest 10 ms, and is at least 20 ms (50 fps at most).
    Raises ValueError for a rate outside MIN_FPS..MAX_FPS.
    """
    check_fps(fps)
    return 10 * max(2, round(100 / fps))


def check_gif_hold(fps: float, repeats: int) -> None:
    """Raise ValueError if ``repeats`` identical frames in a row at ``fps`` last longer than one GIF frame can: the
    GIF writer merges them into one frame (pillow does), whose delay is at most GIF_LONGEST_FRAME_MS."""
    duration = gif_frame_duration_ms(fps)
    if repeats * duration > GIF_LONGEST_FRAME_MS:
        raise ValueError(f"{repeats:,} identical frames at {duration} ms each would make one GIF frame of "
                         f"{repeats * duration / 1000:,.2f} s, and a GIF frame lasts at most "
                         f"{GIF_LONGEST_FRAME_MS / 1000:.2f} s (at most {GIF_LONGEST_FRAME_MS // duration:,} "
                         f"in a row at this frame rate)")


def _longest_run(frames: np.ndarray) -> int:
    """The most identical frames (n, ...) in a row."""
    longest = run = 1
    for previous, frame in zip(frames, frames[1:]):
        run = run + 1 if np.array_equal(previous, frame) else 1
        longest = max(longest, run)
    return longest


def _checked(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or not (frames.ndim == 3 or (frames.ndim == 4 and frames.shape[-1] == 3)):
        raise ValueError(f"expected uint8 frames (n, H, W) or (n, H, W, 3), got {frames.dtype} {frames.shape}")
    if len(frames) == 0:
        raise ValueError("no frames to write")
    return frames


def _each_frame(
    frames: np.ndarray, cancel: threading.Event | None, progress: Progress | None
) -> Iterator[np.ndarray]:
    """Yield the frames, raising ExportCancelled before any frame once `cancel` is set."""
    for done, frame in enumerate(frames, start=1):
        if cancel is not None and cancel.is_set():
            raise ExportCancelled(f"export cancelled after {done - 1} of {len(frames)} frames")
        yield frame
        if progress is not None:
            progress(done, len(frames))


def write_gif(
    path: str | os.PathLike,
    frames: np.ndarray,
    fps: float,
    cancel: threading.Event | None = None,
    progress: Progress | None = None,
) -> None:
    """Write frames (n, H, W) or (n, H, W, 3) uint8 as an endlessly looping GIF.

    Each frame lasts gif_frame_duration_ms(fps). Gray frames (R == G == B) are stored exactly;
    colour frames go through pillow's per-frame 256-colour palette. Pillow merges consecutive
    identical frames (held frames) into one longer frame, which plays the same. progress is
    called after each frame is handed to pillow, which encodes them all when the file closes.
    Raises ExportCancelled if `cancel` is set before the last frame; the file is then not written, and
    ValueError before writing anything when identical frames in a row would last longer than a GIF frame can.
    """
    frames = _checked(frames)
    duration = gif_frame_duration_ms(fps)
    check_gif_hold(fps, _longest_run(frames))
    if frames.ndim == 4 and (frames == frames[..., :1]).all():
        frames = frames[..., 0]  # 8-bit gray: pillow writes it without quantising, several times faster
    with atomic_file(path, ".gif") as temp_path, iio.imopen(temp_path, "w", plugin="pillow") as gif:
        for frame in _each_frame(frames, cancel, progress):
            gif.write(frame, duration=duration, loop=0, is_batch=False)


def write_png_frames(
    folder: str | os.PathLike,
    frames: np.ndarray,
    cancel: threading.Event | None = None,
    progress: Progress | None = None,
) -> None:
    """Write frames (n, H, W) or (n, H, W, 3) uint8 as folder/frame_0000.png, frame_0001.png, ...

    The folder must not exist yet or be empty; it appears, complete, only at the end.
    Raises ExportCancelled if `cancel` is set before the last frame; nothing is then written.
    """
    frames = _checked(frames)
    digits = max(4, len(str(len(frames) - 1)))
    with atomic_folder(folder) as temp_folder:
        for index, frame in enumerate(_each_frame(frames, cancel, progress)):
            iio.imwrite(temp_folder / f"frame_{index:0{digits}d}.png", frame)


def write_mp4(
    path: str | os.PathLike,
    frames: np.ndarray,
    fps: float,
    cancel: threading.Event | None = None,
    progress: Progress | None = None,
) -> None:
    """Write frames (n, H, W) or (n, H, W, 3) uint8 as an H.264 MP4 (yuv420p, lossy) at `fps`.

    yuv420p needs even sizes, so an odd height or width gets one more row or column, copied
    from the edge. Streams frame by frame into ffmpeg.
    Raises Mp4Unavailable without imageio-ffmpeg, ExportCancelled if `cancel` is set.
    """
    if not mp4_available():
        raise Mp4Unavailable("MP4 export needs the imageio-ffmpeg package: pip install imageio-ffmpeg")
    frames = _checked(frames)
    check_fps(fps)
    odd = [(0, 0), (0, frames.shape[1] % 2), (0, frames.shape[2] % 2)] + [(0, 0)] * (frames.ndim - 3)
    frames = np.pad(frames, odd, mode="edge")
    with atomic_file(path, ".mp4") as temp_path:
        # macro_block_size=1: the frames are already even; the default 16 would rescale them.
        writer = iio_v2.get_writer(
            temp_path, format="FFMPEG", mode="I", fps=fps, codec="libx264", pixelformat="yuv420p", macro_block_size=1
        )
        try:
            for frame in _each_frame(frames, cancel, progress):
                writer.append_data(frame)
        finally:
            # Not `with writer`: imageio's legacy writer skips close() on an error, leaving ffmpeg writing.
            writer.close()
