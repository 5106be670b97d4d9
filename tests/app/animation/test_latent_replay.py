"""The replay of the latent space forming: bounded memory, an even pace over the whole run, frames per snapshot."""

import numpy as np
import pytest

from app.animation.latent_replay import LatentReplay

DIGITS = [str(k) for k in range(10)]


def codes_at(step: int, n: int = 50, d: int = 2) -> np.ndarray:
    rng = np.random.default_rng(step)
    return rng.normal(size=(n, d)) * (1 + step / 100)


def test_snapshots_are_kept_until_full_then_thinned_by_two_at_an_even_pace():
    replay = LatentReplay(max_snapshots=10)
    labels = np.arange(50) % 10
    kept = [replay.add(step, codes_at(step), labels) for step in range(1, 101)]
    assert len(replay) <= 10
    # Every snapshot was offered in order; the kept ones are evenly spaced and span the run from its start.
    gaps = np.diff(replay.steps)
    assert replay.steps[0] == 1 and len(set(gaps)) == 1 and replay.stride == gaps[0]
    assert replay.steps[-1] > 100 - replay.stride
    assert sum(kept) >= len(replay)


def test_positions_are_the_codes_for_a_2d_latent_space_and_a_consistent_plane_above():
    labels = np.arange(40) % 10
    replay = LatentReplay()
    codes = codes_at(5, 40)
    replay.add(5, codes, labels)
    np.testing.assert_allclose(replay.positions()[0], codes, rtol=1e-6)

    replay = LatentReplay()
    rng = np.random.default_rng(0)
    base = rng.normal(size=(40, 6)) * [5, 3, 1, 0.1, 0.1, 0.1]
    for step in range(1, 4):
        replay.add(step, base * (1 + 0.01 * step), labels)
    first, last = replay.positions()[0], replay.positions()[-1]
    assert first.shape == (40, 2)
    # No axis flips from one snapshot to the next: slowly changing codes give nearby positions.
    assert np.corrcoef(first[:, 0], last[:, 0])[0, 1] > 0.99 and np.corrcoef(first[:, 1], last[:, 1])[0, 1] > 0.99


def test_a_new_model_starts_a_new_history_and_points_are_subsampled():
    replay = LatentReplay(max_points=30)
    labels = np.arange(100) % 10
    for step in (10, 20, 30):
        replay.add(step, codes_at(step, 100), labels)
    assert len(replay) == 3 and replay.positions()[0].shape == (30, 2)
    assert np.bincount(replay.labels).tolist() == [3] * 10  # stratified: every class keeps its share
    replay.add(1, codes_at(1, 100, d=3), labels)  # step went back: a reset or another model
    assert replay.steps == [1]


def test_frames_render_one_captioned_frame_per_snapshot():
    replay = LatentReplay()
    labels = np.arange(50) % 10
    with pytest.raises(ValueError):
        replay.frames(DIGITS)
    for step in (100, 200, 300):
        replay.add(step, codes_at(step), labels)
    frames = replay.frames(DIGITS, side=120)
    assert frames.shape[0] == 3 and frames.shape[2:] == (120, 3) and frames.dtype == np.uint8
    assert not np.array_equal(frames[0], frames[-1])  # the step captions and the dots differ
    held = replay.frames(DIGITS, side=120, hold_last=4)
    assert len(held) == 7 and np.array_equal(held[:3], frames) and (held[3:] == frames[-1]).all()


def test_a_one_dimensional_latent_space_is_drawn_by_class_like_the_explorer():
    replay = LatentReplay()
    labels = np.arange(50) % 10
    replay.add(1, codes_at(1, d=1), labels)
    rows = replay.positions()[0][:, 1]
    assert np.all(np.abs(rows - labels) < 0.5)
