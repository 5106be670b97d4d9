"""Upscaled tiles, the bitmap font, and the side-by-side frame layout."""

import numpy as np
import pytest

from core.animation.frames import (
    BACKGROUND,
    TITLE_GRAY,
    compose_frames,
    render_text,
    to_uint8_tiles,
)


def flat_images(n_frames: int, gray: int) -> np.ndarray:
    """(n_frames, 784) images of one gray level, so the tile is easy to find in a frame."""
    return np.full((n_frames, 784), gray / 255.0)


def bounding_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def test_tiles_are_rounded_clipped_gray_levels():
    images = np.zeros((1, 784))
    images[0, :6] = [0.0, 1.0, 100 / 255, 0.2, -0.3, 1.7]
    tiles = to_uint8_tiles(images, scale=1)
    assert tiles.dtype == np.uint8 and tiles.shape == (1, 28, 28)
    assert tiles[0, 0, :6].tolist() == [0, 255, 100, 51, 0, 255]


def test_tiles_upscale_each_pixel_to_a_uniform_block():
    images = np.random.default_rng(0).random((2, 784))
    tiles = to_uint8_tiles(images, scale=3)
    assert tiles.shape == (2, 84, 84)
    blocks = tiles.reshape(2, 28, 3, 28, 3)
    assert (blocks == blocks[:, :, :1, :, :1]).all()
    assert np.array_equal(tiles[:, ::3, ::3], to_uint8_tiles(images, scale=1))


def test_tiles_reject_images_that_are_not_flat_28_by_28():
    with pytest.raises(ValueError):
        to_uint8_tiles(np.zeros((2, 28, 28)), 2)


def test_every_printable_character_has_its_own_glyph():
    printable = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.,:=-+/()_%?"
    glyphs = {render_text(char).tobytes() for char in printable}
    assert len(glyphs) == len(printable)
    assert not render_text(" ").any()


def test_text_is_monospaced_scaled_and_draws_unknown_characters_as_a_question_mark():
    assert render_text("t=0.50").shape == (9, 35)
    assert render_text("VAE", scale=3).shape == (27, 51)
    assert np.array_equal(render_text("a\u00e9"), render_text("a?"))
    assert render_text("").shape == (9, 0)


def test_a_frame_shows_each_panel_tile_unchanged_with_its_title_centred_above():
    panels = [("Autoencoder", flat_images(3, 100)), ("VAE", flat_images(3, 200))]
    frames = compose_frames(panels, scale=2, caption=True)
    assert frames.dtype == np.uint8 and frames.ndim == 4 and frames.shape[0] == 3 and frames.shape[-1] == 3
    assert (frames == frames[..., :1]).all()
    gray = frames[0, :, :, 0]
    boxes = [bounding_box(gray == level) for level in (100, 200)]
    assert boxes[0][3] < boxes[1][2]  # left to right, apart
    middle = (boxes[0][3] + boxes[1][2]) // 2
    for (top, bottom, left, right), (title, _), (start, stop) in zip(boxes, panels, [(0, middle), (middle, None)]):
        assert (bottom - top, right - left) == (56, 56)
        assert (gray[top:bottom, left:right] == gray[top, left]).all()
        title_ink = gray[:top, start:stop] == TITLE_GRAY
        t_top, t_bottom, t_left, t_right = bounding_box(title_ink)
        glyphs = render_text(title, scale=1)
        g_top, g_bottom, g_left, g_right = bounding_box(glyphs)
        assert np.array_equal(title_ink[t_top:t_bottom, t_left:t_right], glyphs[g_top:g_bottom, g_left:g_right])
        assert abs((start + (t_left + t_right) / 2) - (left + right) / 2) <= 1
    assert gray[0, 0] == BACKGROUND


def test_captions_follow_t_and_leave_the_rest_of_the_frame_alone():
    images = flat_images(2, 100)
    with_caption = compose_frames([("VAE", images)], scale=2, caption=True, t_values=np.array([0.0, 0.25]))
    without = compose_frames([("VAE", images)], scale=2, caption=False)
    assert with_caption.shape[1] > without.shape[1]
    assert np.array_equal(without[0], without[1])
    changed_rows = np.flatnonzero((with_caption[0] != with_caption[1]).any(axis=(1, 2)))
    tile_bottom = bounding_box(with_caption[0, :, :, 0] == 100)[1]
    assert changed_rows.size and changed_rows.min() > tile_bottom


def test_caption_values_default_to_evenly_spaced_t():
    images = flat_images(3, 50)
    assert np.array_equal(
        compose_frames([("AE", images)], scale=1), compose_frames([("AE", images)], scale=1, t_values=[0.0, 0.5, 1.0])
    )


def test_a_long_title_wraps_at_its_spaces_and_widens_the_panel_only_to_its_longest_word():
    long_title = "Variational autoencoder"
    frames = compose_frames([(long_title, flat_images(1, 100))], scale=2, caption=False)
    title_ink = frames[0, :, :, 0] == TITLE_GRAY
    assert title_ink.sum() == render_text("Variational").sum() + render_text("autoencoder").sum()
    assert not title_ink[:, 0].any() and not title_ink[:, -1].any()
    top, bottom, left, right = bounding_box(title_ink)
    assert right - left == render_text("autoencoder").shape[1] and bottom - top > 9      # two lines, one word each
    one_word = compose_frames([("Autoencoder", flat_images(1, 100))], scale=2, caption=False)
    assert frames.shape[2] == one_word.shape[2]


def test_two_models_of_one_kind_told_apart_by_name_are_as_wide_as_one_word_titles():
    images = flat_images(2, 100)
    named = compose_frames([("Autoencoder step 108", images), ("Autoencoder current", images)], scale=8)
    plain = compose_frames([("Autoencoder", images), ("VAE", images)], scale=8)
    assert named.shape[2] == plain.shape[2] and named.shape[1] > plain.shape[1]
    short = compose_frames([("VAE (z=8)", images)], scale=8)          # fits over its image: one line
    assert short.shape[1:] == compose_frames([("VAE", images)], scale=8).shape[1:]


def test_compose_rejects_panels_of_different_lengths_and_wrong_t_counts():
    with pytest.raises(ValueError):
        compose_frames([("AE", flat_images(3, 0)), ("VAE", flat_images(4, 0))])
    with pytest.raises(ValueError):
        compose_frames([("AE", flat_images(3, 0))], t_values=[0.0, 1.0])
