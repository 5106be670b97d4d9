"""The latent traversal: each row the decoded point with one dimension set from -3 to +3, drawn with one decode
only while shown, the decoder and the point kept to one latent size, and legible with many dimensions."""
from __future__ import annotations

import numpy as np
import pytest

from app.explorer.traversal_view import NO_DECODER_NOTE, VALUES, TraversalView


class LinearDecoder:
    """sigmoid(z W), one image per code, whatever the batch (NumPy's elementwise sum: no BLAS), counting calls."""

    def __init__(self, latent_dim: int, seed: int = 0) -> None:
        self.latent_dim = latent_dim
        self.weights = np.random.default_rng(seed).normal(0.0, 1.0, (latent_dim, 784))
        self.batches: list[int] = []             # the number of codes of each call

    def __call__(self, z: np.ndarray) -> np.ndarray:
        self.batches.append(len(z))
        return 1.0 / (1.0 + np.exp(-(z[:, :, None] * self.weights).sum(axis=1)))


def gray8(image: np.ndarray) -> np.ndarray:
    """As an ImageGrid shows a [0, 1] image: 0..255 rounded to the nearest."""
    return np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8).reshape(28, 28)


@pytest.fixture
def view(qtbot) -> TraversalView:
    view = TraversalView()
    qtbot.addWidget(view)
    view.resize(320, 420)
    return view


def test_each_row_is_the_point_with_one_dimension_set_to_each_value(view):
    decode = LinearDecoder(3)
    z = np.array([0.5, -1.2, 2.0])
    view.set_decoder(decode, 3)
    view.set_point(z)
    view.show()
    assert view.grid.row_labels == ["z1", "z2", "z3"]
    assert view.grid.column_labels == ["-3", "-2", "-1", "0", "+1", "+2", "+3"]
    for i in range(3):
        for j, value in enumerate(VALUES):
            code = z.copy()
            code[i] = value
            assert np.array_equal(view.grid.tile(i, j), gray8(decode(code[None])[0])), (i, j)
    assert view.grid.isVisible() and not view.note.isVisible()


def test_it_decodes_nothing_while_hidden_and_the_whole_grid_at_once_when_shown(view):
    decode = LinearDecoder(4)
    view.set_decoder(decode, 4)
    for k in range(3):                              # cursor moves while the view is in a hidden tab
        view.set_point(np.full(4, 0.1 * k))
    assert decode.batches == []
    view.show()
    assert decode.batches == [4 * len(VALUES)]
    view.hide()
    view.show()                                     # nothing changed meanwhile: nothing to decode
    assert decode.batches == [28]
    view.set_point(np.ones(4))                      # shown: drawn at once
    view.set_decoder(decode, 4)                     # a newer decoder of a training run
    assert decode.batches == [28, 28, 28]
    view.set_point(np.ones(4))                      # the explorer re-decoding its point for that decoder
    assert decode.batches == [28, 28, 28]
    assert np.array_equal(view.grid.tile(3, 6), gray8(decode(np.array([[1.0, 1.0, 1.0, 3.0]]))[0]))


def test_a_point_of_another_size_waits_for_a_decoder_of_its_size(view):
    old, new = LinearDecoder(3), LinearDecoder(5, seed=1)
    view.set_decoder(old, 3)
    view.set_point(np.zeros(3))
    view.show()
    view.set_point(np.zeros(5))                     # a new model's point before its decoder
    assert old.batches == [21] and view.note.isVisible() and view.note.text() == NO_DECODER_NOTE
    assert not view.grid.isVisible()
    view.set_decoder(new, 5)
    assert new.batches == [35] and view.grid.row_labels == [f"z{i}" for i in range(1, 6)]
    view.set_decoder(old, 3)                        # a decoder before its point: the point of the other space goes
    assert old.batches == [21] and view.latent_dim is None and view.note.text().startswith("Choose a point")
    with pytest.raises(ValueError, match="latent_dim"):
        view.set_decoder(old)


def test_it_says_what_it_shows_until_it_has_a_point_and_a_decoder(view):
    view.show()
    assert view.title.text() == "Traversal"
    assert view.note.isVisible() and "set from -3 to +3" in view.note.text() and view.grid.image is None
    view.set_point(np.zeros(2))
    assert view.note.text() == NO_DECODER_NOTE
    view.set_decoder(LinearDecoder(2), 2)
    assert not view.note.isVisible() and view.grid.image is not None
    view.set_decoder(None)                          # a model without a decoder yet
    assert view.note.isVisible() and view.grid.image is None


def test_many_dimensions_scroll_with_images_of_their_own_size_and_few_fill_the_view(qtbot, view):
    scroll_bar = view.scroll_area.verticalScrollBar()
    view.show()
    view.set_decoder(LinearDecoder(32), 32)
    view.set_point(np.zeros(32))
    qtbot.waitUntil(lambda: scroll_bar.maximum() > 0)
    assert view.grid.image_rect().height() / 32 >= 28            # a row: a 28-pixel image and the gap
    view.set_decoder(LinearDecoder(6), 6)
    view.set_point(np.zeros(6))
    view.resize(700, 300)                                         # wide: the height decides the images' size
    qtbot.waitUntil(lambda: scroll_bar.maximum() == 0)
    rows = view.grid.image_rect()
    assert rows.height() / 6 > 28 and rows.bottom() <= view.scroll_area.viewport().height()
