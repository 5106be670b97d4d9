"""The animation recipe shared by the GUI and the `gif` command: endpoint choice, frames, layout, writing."""

import os
import threading
import time

import imageio.v3 as iio
import numpy as np
import pytest

from core.animation.frames import compose_frames, to_uint8_tiles
from core.animation.recipe import (
    MAX_ANIMATION_BYTES,
    AnimationTooLarge,
    InterpolationSpec,
    animation_format,
    animation_shape,
    check_animation,
    interpolation_frames,
    mean_codes,
    model_title,
    pick_pair_by_label,
    write_animation,
)
from core.animation.writers import ExportCancelled
from core.latent.interpolate import pick_endpoint_by_label
from core.nn.config import ModelConfig
from core.nn.models import build_model


@pytest.fixture(scope="module")
def models():
    """An untrained 2-D AE and 3-D VAE with different weights: enough to tell their panels apart."""
    ae = build_model(ModelConfig(kind="ae", latent_dim=2, hidden=(32,)), np.random.default_rng(1))
    vae = build_model(ModelConfig(kind="vae", latent_dim=3, hidden=(32,)), np.random.default_rng(2))
    return [("Autoencoder", ae), ("VAE (z=3)", vae)]


@pytest.fixture(scope="module")
def pair():
    """Two fixed (784,) float32 images in [0, 1]: a ring and a bar."""
    rows, cols = np.mgrid[0:28, 0:28]
    ring = np.exp(-((np.hypot(rows - 14, cols - 14) - 8) ** 2) / 4).ravel()
    bar = np.exp(-((cols - 14) ** 2) / 3).ravel() * (np.abs(rows - 14) < 10).ravel()
    return ring.astype(np.float32), bar.astype(np.float32)


STILL = {"hold_frames": 0, "ping_pong": False}  # one frame per step, in order


def layout(scale: int, titles: list[str], caption: bool, inputs: bool = False) -> dict:
    """Where core/animation/frames.py puts things, written out independently: frame size and tile positions (one-word
    titles, or short enough for one line), and the input column's images."""
    text_scale = max(1, scale // 2)
    tile, pad, gap, line = 28 * scale, 3 * scale, 2 * scale, 9 * text_scale
    column = max([tile] + [(6 * len(text) - 1) * text_scale for text in titles + (["t=0.00"] if caption else [])])
    small = 28 * max(1, scale // 2)                                    # the inputs, at half the scale
    input_column = max(small, (6 * len("Input") - 1) * text_scale) if inputs else 0
    row = max(tile, 2 * small + scale) if inputs else tile            # the inputs one image pixel apart
    tile_top = pad + line + gap
    height = tile_top + row + (gap + line if caption else 0) + pad
    first = pad + (input_column + pad if inputs else 0)
    lefts = [first + i * (column + pad) + column // 2 - tile // 2 for i in range(len(titles))]
    input_left = pad + input_column // 2 - small // 2
    input_top = tile_top + (row - 2 * small - scale) // 2
    return {"shape": (height, first + len(titles) * (column + pad)), "tile_top": tile_top + (row - tile) // 2,
            "tile": tile, "lefts": lefts, "small": small,
            "inputs": [(input_top, input_left), (input_top + small + scale, input_left)]}


def decoded_ends(model, x0, x1) -> np.ndarray:
    """(2, 784): the model's decoded mean codes of x0 and x1, each decoded alone."""
    mu, _ = model.encode(np.stack([x0, x1]))
    return np.concatenate([model.decode(mu[:1]), model.decode(mu[1:])])


def test_model_titles_name_the_kind_and_a_latent_size_other_than_two(models):
    def titled(kind: str, latent_dim: int) -> str:
        return model_title(build_model(ModelConfig(kind=kind, latent_dim=latent_dim, hidden=(8,)),
                                       np.random.default_rng(0)))

    assert titled("ae", 2) == "Autoencoder" and titled("vae", 2) == "VAE"
    assert titled("vae", 8) == "VAE (z=8)" and titled("ae", 16) == "Autoencoder (z=16)"


def test_spec_refuses_impossible_settings_and_knows_the_animation_length():
    assert InterpolationSpec(n_frames=60, hold_frames=10, ping_pong=False).length == 80
    assert InterpolationSpec(n_frames=60, hold_frames=10, ping_pong=True).length == 138
    # By default the ends pause for half a second and the loop plays back to the start, the inputs shown.
    defaults = InterpolationSpec()
    assert (defaults.hold_frames / defaults.fps, defaults.ping_pong, defaults.inputs) == (0.5, True, True)
    for bad in ({"n_frames": 1}, {"fps": 0}, {"fps": 0.001}, {"fps": 1e6}, {"fps": float("nan")}, {"mode": "cubic"},
                {"hold_frames": -1}, {"scale": 0}):
        with pytest.raises(ValueError):
            InterpolationSpec(**bad)


def test_pair_by_label_is_the_image_nearest_each_class_mean_then_the_next_ones():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 5)
    codes = rng.normal(size=(15, 2)) + labels[:, None] * 10  # (15, 2): three separate clusters
    i0, i1 = pick_pair_by_label(codes, labels, 0, 2)
    center = codes[labels == 0].mean(axis=0)
    assert labels[i0] == 0 and labels[i1] == 2
    assert i0 == np.flatnonzero(labels == 0)[np.argmin(np.linalg.norm(codes[labels == 0] - center, axis=1))]
    assert pick_pair_by_label(codes, labels, 0, 2, 1, -1) == (pick_endpoint_by_label(codes, labels, 0, 1),
                                                             pick_endpoint_by_label(codes, labels, 2, -1))
    assert pick_pair_by_label(codes, labels, 1, 1, 5, 0)[0] == pick_pair_by_label(codes, labels, 1, 1)[0]  # wraps
    with pytest.raises(ValueError, match="label 7"):
        pick_pair_by_label(codes, labels, 0, 7)


def test_pair_by_label_ranks_first_the_images_the_keeper_keeps_in_their_class():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 8)
    codes = rng.normal(scale=0.3, size=(24, 2)) + labels[:, None] * 10.0  # (24, 2)
    nearest = pick_pair_by_label(codes, labels, 0, 2)
    asked = []

    def keeper(indices: np.ndarray) -> np.ndarray:          # every model keeps all but that first 0
        asked.append(sorted(indices.tolist()))
        return indices != nearest[0]

    preferred = pick_pair_by_label(codes, labels, 0, 2, keeper=keeper)
    assert preferred[1] == nearest[1] and preferred[0] == pick_pair_by_label(codes, labels, 0, 2, 1)[0]
    assert asked == [np.flatnonzero(labels == 0).tolist(), np.flatnonzero(labels == 2).tolist()]
    assert pick_pair_by_label(codes, labels, 0, 2, -1, 0, keeper)[0] == nearest[0]   # ranked last in its class
    assert pick_pair_by_label(codes, labels, 0, 2, 8, 0, keeper)[0] == preferred[0]  # ranks still wrap


def test_mean_codes_scale_uint8_images_like_floats(models):
    _, vae = models[1]
    images = np.random.default_rng(0).integers(0, 256, (5, 784), dtype=np.uint8)
    assert np.array_equal(mean_codes(vae, images), vae.encode(images.astype(np.float32) / 255)[0])
    assert mean_codes(vae, images).shape == (5, 3)


@pytest.mark.parametrize("hold, ping_pong", [(0, False), (3, False), (0, True), (2, True)])
def test_frames_follow_the_timeline_and_keep_their_size(models, pair, hold, ping_pong):
    spec = InterpolationSpec(n_frames=7, hold_frames=hold, ping_pong=ping_pong, scale=2)
    frames = interpolation_frames(models, *pair, spec)
    expected_shape = layout(2, [title for title, _ in models], caption=True, inputs=True)["shape"]
    assert frames.shape == (7 + 2 * hold + (5 if ping_pong else 0), *expected_shape, 3)
    assert frames.dtype == np.uint8
    plain = interpolation_frames(models, *pair, InterpolationSpec(n_frames=7, scale=2, **STILL))
    # Holds repeat the end frames, ping-pong walks back to frame 1 (the loop supplies frame 0).
    order = [0] * hold + list(range(7)) + [6] * hold + (list(range(5, 0, -1)) if ping_pong else [])
    assert np.array_equal(frames, plain[order])


def test_first_and_last_frames_are_the_decoded_end_points_of_every_model(models, pair):
    spec = InterpolationSpec(n_frames=9, hold_frames=2, ping_pong=False, scale=3, mode="slerp")
    frames = interpolation_frames(models, *pair, spec)
    ends = [(title, decoded_ends(model, *pair)) for title, model in models]
    first = compose_frames([(title, images[:1]) for title, images in ends], scale=3, t_values=[0.0], inputs=pair)[0]
    last = compose_frames([(title, images[1:]) for title, images in ends], scale=3, t_values=[1.0], inputs=pair)[0]
    assert all(np.array_equal(frame, first) for frame in frames[:3])  # frame 0 and its hold
    assert all(np.array_equal(frame, last) for frame in frames[-3:])


def test_each_panel_holds_its_own_models_interpolation(models, pair):
    spec = InterpolationSpec(n_frames=5, scale=2, mode="lerp", inputs=False, **STILL)
    frames = interpolation_frames(models, *pair, spec)
    where = layout(2, [title for title, _ in models], caption=True)
    top, side = where["tile_top"], where["tile"]
    tiles = []
    for (_, model), left in zip(models, where["lefts"]):
        mu, _ = model.encode(np.stack(pair))
        path = (1 - np.linspace(0, 1, 5)[:, None]) * mu[0] + np.linspace(0, 1, 5)[:, None] * mu[1]  # lerp
        expected = to_uint8_tiles(model.decode(path), 2)  # (5, 56, 56)
        panel = frames[:, top:top + side, left:left + side, 0]
        assert np.abs(panel.astype(int) - expected).max() <= 1  # batch decoding may round by one level
        assert np.array_equal(panel[[0, -1]], to_uint8_tiles(decoded_ends(model, *pair), 2))
        tiles.append(panel)
    assert not np.array_equal(tiles[0], tiles[1])


def test_a_single_model_makes_a_one_panel_animation(models, pair):
    spec = InterpolationSpec(n_frames=4, scale=1, caption=False, inputs=False, **STILL)
    frames = interpolation_frames(models[:1], *pair, spec)
    assert frames.shape == (4, *layout(1, ["Autoencoder"], caption=False)["shape"], 3)


@pytest.mark.parametrize("scale", [1, 2, 5, 8])
def test_the_chosen_images_stand_in_a_column_before_the_models_start_above_end(models, pair, scale):
    spec = InterpolationSpec(n_frames=6, scale=scale, **STILL)
    frames = interpolation_frames(models, *pair, spec)
    where = layout(scale, [title for title, _ in models], caption=True, inputs=True)
    assert frames.shape == (6, *where["shape"], 3)
    small = where["small"]
    for (top, left), image in zip(where["inputs"], pair):          # in every frame, at half the scale
        shown = frames[:, top:top + small, left:left + small, 0]
        assert np.array_equal(shown, np.repeat(to_uint8_tiles(image[None], small // 28), 6, axis=0))
    top, side = where["tile_top"], where["tile"]
    for (_, model), left in zip(models, where["lefts"]):            # the models' tiles, moved right
        tile = frames[[0, -1], top:top + side, left:left + side, 0]
        assert np.array_equal(tile, to_uint8_tiles(decoded_ends(model, *pair), scale))
    as_uint8 = [np.rint(image * 255).astype(np.uint8) for image in pair]     # 0..255 images are scaled to [0, 1]
    column = slice(0, where["lefts"][0])
    assert np.array_equal(interpolation_frames(models, *as_uint8, spec)[:, :, column],
                          interpolation_frames(models, *[image / 255.0 for image in as_uint8], spec)[:, :, column])


def test_images_of_another_size_than_the_models_are_refused(models, pair):
    with pytest.raises(ValueError, match="image size"):
        interpolation_frames(models, pair[0][:100], pair[1][:100], InterpolationSpec(n_frames=3))


def test_the_path_chooses_the_format():
    assert [animation_format(p) for p in ("a.gif", "b.MP4", "frames", "out/frames")] == ["gif", "mp4", "png", "png"]
    with pytest.raises(ValueError, match="webp"):
        animation_format("a.webp")


def test_written_gif_and_png_frames_read_back_as_the_frames(tmp_path, models, pair):
    spec = InterpolationSpec(n_frames=5, hold_frames=1, scale=1)
    frames = interpolation_frames(models, *pair, spec)
    write_animation(tmp_path / "a.gif", frames, spec.fps)
    back = iio.imread(tmp_path / "a.gif", index=None)
    durations = [iio.immeta(tmp_path / "a.gif", index=i)["duration"] for i in range(len(back))]
    # Pillow merges the held (identical) frames into longer ones; expanded, they are the frames again.
    assert np.array_equal(np.repeat(back, np.array(durations) // 50, axis=0), frames)
    write_animation(tmp_path / "pngs", frames, spec.fps)
    assert len(os.listdir(tmp_path / "pngs")) == spec.length


def test_a_cancelled_export_leaves_no_file(tmp_path, models, pair):
    frames = interpolation_frames(models, *pair, InterpolationSpec(n_frames=6, scale=1))
    cancel = threading.Event()

    def cancel_at_three(done: int, total: int) -> None:
        if done == 3:
            cancel.set()

    for out in ("a.gif", "pngs"):
        with pytest.raises(ExportCancelled):
            write_animation(tmp_path / out, frames, 10, cancel=cancel, progress=cancel_at_three)
        cancel.clear()
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("panels, scale, caption, hold, ping_pong", [
    (1, 1, False, 0, False), (2, 3, True, 2, True), (1, 8, True, 1, False), (2, 5, False, 0, True)])
def test_the_size_of_an_animation_is_known_before_drawing_it(models, pair, panels, scale, caption, hold, ping_pong):
    spec = InterpolationSpec(n_frames=5, hold_frames=hold, ping_pong=ping_pong, scale=scale, caption=caption)
    chosen = models[:panels]
    assert interpolation_frames(chosen, *pair, spec).shape == (*animation_shape([t for t, _ in chosen], spec), 3)


@pytest.mark.parametrize("too_much", [{"n_frames": 100_000}, {"scale": 1_000}, {"hold_frames": 10**9}])
def test_an_animation_too_large_for_memory_is_refused_before_anything_is_drawn(models, pair, too_much):
    spec = InterpolationSpec(**too_much)
    length, height, width = animation_shape([title for title, _ in models], spec)
    started = time.monotonic()
    with pytest.raises(AnimationTooLarge) as raised:
        interpolation_frames(models, *pair, spec)
    assert time.monotonic() - started < 1
    size = length * height * width * 3
    assert size > MAX_ANIMATION_BYTES
    assert str(raised.value) == (f"the animation would be {length:,} frames of {width:,} x {height:,} pixels, "
                                 f"{size / 1e9:,.1f} GB in memory; the limit is 4.0 GB")


def test_the_largest_animation_the_window_offers_is_allowed():
    """The Animate view's limits (app/animation/spec_form.py): 240 frames, hold 120, scale 16, two long titles."""
    spec = InterpolationSpec(n_frames=240, hold_frames=120, ping_pong=True, scale=16)
    check_animation("largest.gif", ["Autoencoder (z=16)", "VAE (z=16)"], spec)


def test_a_gif_whose_held_ends_outlast_a_gif_frame_is_refused_and_other_formats_are_not():
    spec = InterpolationSpec(n_frames=10, fps=1, hold_frames=655)     # each end: 656 frames of 1 s, over 655.35 s
    with pytest.raises(ValueError, match="a GIF frame lasts at most 655.35 s"):
        check_animation("a.gif", ["VAE"], spec)
    check_animation("a.mp4", ["VAE"], spec)
    check_animation("frames", ["VAE"], spec)
    check_animation("a.gif", ["VAE"], InterpolationSpec(n_frames=10, fps=1, hold_frames=654))
