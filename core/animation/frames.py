"""Turns decoded images into animation frames: upscaled tiles, captions, panels side by side.

Frames are uint8 RGB arrays ready for core/animation/writers.py. Text is drawn with a small built-in
bitmap font, so this needs neither Qt nor PIL. Everything is gray (R == G == B), so GIFs
store the frames exactly.
"""

from collections.abc import Sequence

import numpy as np

IMAGE_SIDE = 28  # MNIST-like images are 28 x 28 = 784 pixels

BACKGROUND = 28
TITLE_GRAY = 235
CAPTION_GRAY = 150
INPUT_TITLE = "Input"

# 5 x 9 glyphs: rows 0-6 hold capitals and digits, rows 7-8 descenders. One sheet per row of
# characters; in each text row, the glyphs' pixel rows are separated by spaces, "#" is ink.
_GLYPH_SHEETS = (
    ("0123456789", """
        .###. ..#.. .###. ##### ...#. ##### ..##. ##### .###. .###.
        #...# .##.. #...# ...#. ..##. #.... .#... ....# #...# #...#
        #..## ..#.. ....# ..#.. .#.#. ####. #.... ...#. #...# #...#
        #.#.# ..#.. ...#. ...#. #..#. ....# ####. ..#.. .###. .####
        ##..# ..#.. ..#.. ....# ##### ....# #...# .#... #...# ....#
        #...# ..#.. .#... #...# ...#. #...# #...# .#... #...# ...#.
        .###. .###. ##### .###. ...#. .###. .###. .#... .###. .##..
        ..... ..... ..... ..... ..... ..... ..... ..... ..... .....
        ..... ..... ..... ..... ..... ..... ..... ..... ..... .....
    """),
    ("ABCDEFGHIJKLM", """
        .###. ####. .###. ###.. ##### ##### .###. #...# .###. ..### #...# #.... #...#
        #...# #...# #...# #..#. #.... #.... #...# #...# ..#.. ...#. #..#. #.... ##.##
        #...# #...# #.... #...# #.... #.... #.... #...# ..#.. ...#. #.#.. #.... #.#.#
        #...# ####. #.... #...# ####. ####. #.### ##### ..#.. ...#. ##... #.... #.#.#
        ##### #...# #.... #...# #.... #.... #...# #...# ..#.. ...#. #.#.. #.... #...#
        #...# #...# #...# #..#. #.... #.... #...# #...# ..#.. #..#. #..#. #.... #...#
        #...# ####. .###. ###.. ##### #.... .#### #...# .###. .##.. #...# ##### #...#
        ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....
        ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....
    """),
    ("NOPQRSTUVWXYZ", """
        #...# .###. ####. .###. ####. .#### ##### #...# #...# #...# #...# #...# #####
        #...# #...# #...# #...# #...# #.... ..#.. #...# #...# #...# #...# #...# ....#
        ##..# #...# #...# #...# #...# #.... ..#.. #...# #...# #...# .#.#. #...# ...#.
        #.#.# #...# ####. #...# ####. .###. ..#.. #...# #...# #.#.# ..#.. .#.#. ..#..
        #..## #...# #.... #.#.# #.#.. ....# ..#.. #...# #...# #.#.# .#.#. ..#.. .#...
        #...# #...# #.... #..#. #..#. ....# ..#.. #...# .#.#. #.#.# #...# ..#.. #....
        #...# .###. #.... .##.# #...# ####. ..#.. .###. ..#.. .#.#. #...# ..#.. #####
        ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....
        ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....
    """),
    ("abcdefghijklm", """
        ..... #.... ..... ....# ..... ..##. ..... #.... ..#.. ...#. #.... .##.. .....
        ..... #.... ..... ....# ..... .#..# ..... #.... ..... ..... #.... ..#.. .....
        .###. #.##. .###. .##.# .###. .#... .#### #.##. .##.. ..##. #..#. ..#.. ##.#.
        ....# ##..# #.... #..## #...# ###.. #...# ##..# ..#.. ...#. #.#.. ..#.. #.#.#
        .#### #...# #.... #...# ##### .#... #...# #...# ..#.. ...#. ##... ..#.. #.#.#
        #...# #...# #...# #...# #.... .#... #...# #...# ..#.. ...#. #.#.. ..#.. #...#
        .#### ####. .###. .#### .###. .#... .#### #...# .###. ...#. #..#. .###. #...#
        ..... ..... ..... ..... ..... ..... ....# ..... ..... #..#. ..... ..... .....
        ..... ..... ..... ..... ..... ..... .###. ..... ..... .##.. ..... ..... .....
    """),
    ("nopqrstuvwxyz", """
        ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....
        ..... ..... ..... ..... ..... ..... .#... ..... ..... ..... ..... ..... .....
        #.##. .###. ####. .#### #.##. .#### ###.. #...# #...# #...# #...# #...# #####
        ##..# #...# #...# #...# ##..# #.... .#... #...# #...# #...# .#.#. #...# ...#.
        #...# #...# #...# #...# #.... .###. .#... #...# #...# #.#.# ..#.. #...# ..#..
        #...# #...# #...# #...# #.... ....# .#..# #..## .#.#. #.#.# .#.#. #...# .#...
        #...# .###. ####. .#### #.... ####. ..##. .##.# ..#.. .#.#. #...# .#### #####
        ..... ..... #.... ....# ..... ..... ..... ..... ..... ..... ..... ....# .....
        ..... ..... #.... ....# ..... ..... ..... ..... ..... ..... ..... .###. .....
    """),
    (" .,:=-+/()_%?", """
        ..... ..... ..... ..... ..... ..... ..... ....# ...#. .#... ..... ##... .###.
        ..... ..... ..... ..... ..... ..... ..... ....# ..#.. ..#.. ..... ##..# #...#
        ..... ..... ..... .##.. ..... ..... ..#.. ...#. .#... ...#. ..... ...#. ....#
        ..... ..... ..... .##.. ##### ..... ..#.. ..#.. .#... ...#. ..... ..#.. ...#.
        ..... ..... ..... ..... ..... .###. ##### .#... .#... ...#. ..... .#... ..#..
        ..... .##.. .##.. .##.. ##### ..... ..#.. #.... ..#.. ..#.. ..... #..## .....
        ..... .##.. .##.. .##.. ..... ..... ..#.. #.... ...#. .#... ..... ...## ..#..
        ..... ..... ..#.. ..... ..... ..... ..... ..... ..... ..... ##### ..... .....
        ..... ..... .#... ..... ..... ..... ..... ..... ..... ..... ..... ..... .....
    """),
)
_GLYPH_WIDTH, _GLYPH_HEIGHT = 5, 9


def _parse_glyphs() -> dict[str, np.ndarray]:
    glyphs = {}
    for chars, sheet in _GLYPH_SHEETS:
        rows = [line.split() for line in sheet.splitlines() if line.strip()]
        assert len(rows) == _GLYPH_HEIGHT and all(len(row) == len(chars) for row in rows), chars
        for i, char in enumerate(chars):
            glyphs[char] = np.array([[pixel == "#" for pixel in row[i]] for row in rows])  # (9, 5)
    return glyphs


_GLYPHS = _parse_glyphs()


def _text_width(text: str, scale: int) -> int:
    return max(0, (_GLYPH_WIDTH + 1) * len(text) - 1) * scale


def render_text(text: str, scale: int = 1) -> np.ndarray:
    """Text as a (9 * scale, (6 * len(text) - 1) * scale) bool mask, True where there is ink.

    Monospaced 5 x 9 glyphs with one blank column between them; characters the font lacks
    are drawn as "?".
    """
    if not text:
        return np.zeros((_GLYPH_HEIGHT * scale, 0), bool)
    gap = np.zeros((_GLYPH_HEIGHT, 1), bool)
    columns = []
    for char in text:
        columns += [_GLYPHS.get(char, _GLYPHS["?"]), gap]
    mask = np.hstack(columns[:-1])  # (9, 6 * len(text) - 1)
    return mask.repeat(scale, axis=0).repeat(scale, axis=1)


def to_uint8_tiles(images: np.ndarray, scale: int) -> np.ndarray:
    """(n, 784) floats in [0, 1] -> (n, 28 * scale, 28 * scale) uint8 grayscale, rounded to 0..255.

    Values outside [0, 1] are clipped. Upscaling is nearest neighbour, so pixels stay crisp.
    """
    images = np.asarray(images)
    if images.ndim != 2 or images.shape[1] != IMAGE_SIDE**2:
        raise ValueError(f"expected images of shape (n, {IMAGE_SIDE ** 2}), got {images.shape}")
    if scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale}")
    gray = np.rint(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)
    tiles = gray.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    return tiles.repeat(scale, axis=1).repeat(scale, axis=2)


def _draw_text(canvas: np.ndarray, text: str, top: int, center_x: int, scale: int, gray: int) -> None:
    mask = render_text(text, scale)
    left = center_x - mask.shape[1] // 2
    canvas[top : top + mask.shape[0], left : left + mask.shape[1]][mask] = gray


def _wrap(text: str, width: int, scale: int) -> list[str]:
    """Words of text in lines no wider than width pixels (a word wider than that gets a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width(f"{lines[-1]} {word}", scale) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


class _Layout:
    """Where compose_frames draws: sizes in pixels of the frame, its columns (one per panel), wrapped titles, tiles,
    the inputs' column and the captions."""

    def __init__(self, titles: Sequence[str], scale: int, captions: Sequence[str], inputs: bool) -> None:
        self.text_scale = text_scale = max(1, scale // 2)
        self.tile_side = tile_side = IMAGE_SIDE * scale
        self.line_height = line_height = _GLYPH_HEIGHT * text_scale
        pad, gap = 3 * scale, 2 * scale
        self.pad = pad
        words = [word for title in titles for word in title.split()]
        self.column = column = max([tile_side] + [_text_width(text, text_scale) for text in [*words, *captions]])
        self.titles = [_wrap(title, column, text_scale) for title in titles]
        title_lines = max(len(lines) for lines in self.titles)
        self.line_step = line_height + text_scale     # one blank pixel row (at scale 1) between a title's lines
        self.tile_top = pad + title_lines * self.line_step - text_scale + gap
        self.input_scale, self.input_gap = max(1, scale // 2), scale
        self.input_side = IMAGE_SIDE * self.input_scale
        self.input_column = max(self.input_side, _text_width(INPUT_TITLE, text_scale)) if inputs else 0
        self.row_height = max(tile_side, 2 * self.input_side + self.input_gap if inputs else 0)  # the images' row
        self.caption_top = self.tile_top + self.row_height + gap
        self.height = (self.caption_top + line_height if captions else self.tile_top + self.row_height) + pad
        self.left_edge = pad + self.input_column + pad if inputs else pad   # where the first model's column starts
        self.width = self.left_edge + len(titles) * (column + pad)


def frame_shape(titles: Sequence[str], scale: int, captions: Sequence[str] = (),
                inputs: bool = False) -> tuple[int, int]:
    """(H, W) of the frames compose_frames draws for panels with these titles at `scale`, with these captions
    (the widest one counts; none: no caption row) and, with ``inputs``, the column of the two chosen images, worked
    out without drawing anything."""
    layout = _Layout(titles, scale, captions, inputs)
    return layout.height, layout.width


def compose_frames(
    panels: list[tuple[str, np.ndarray]],
    scale: int = 4,
    caption: bool = True,
    t_values: np.ndarray | None = None,
    inputs: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Lay one or more decoded sequences side by side, each titled, as RGB animation frames.

    panels: (title, images) pairs, images (n_frames, 784) floats in [0, 1], the same n_frames
    for every panel, e.g. [("Autoencoder", ae_images), ("VAE", vae_images)].
    scale: integer upscaling of the 28 x 28 images. caption: write "t=0.42" under each panel,
    from t_values (n_frames,), which defaults to evenly spaced values from 0 to 1.
    inputs: the two images (784,) the sequences run between, drawn first in a column titled "Input", the start
    above the end, at half the scale (whole pixels: at least 1x), so that the frames show what was chosen.
    A title wider than its image wraps at its spaces ("Autoencoder step 108" in two lines), so that two models
    of one kind, told apart by a longer title, stay as narrow as their images.
    Returns (n_frames, H, W, 3) uint8 with R == G == B: light text on a dark background.
    """
    if not panels:
        raise ValueError("need at least one panel")
    n_frames = len(panels[0][1])
    if any(len(images) != n_frames for _, images in panels):
        raise ValueError("every panel needs the same number of frames")
    t_values = np.linspace(0.0, 1.0, n_frames) if t_values is None else np.asarray(t_values)
    if len(t_values) != n_frames:
        raise ValueError(f"got {len(t_values)} t values for {n_frames} frames")

    captions = [f"t={t:.2f}" for t in t_values] if caption else []
    layout = _Layout([title for title, _ in panels], scale, captions, inputs is not None)
    text_scale, tile_side, pad, column = layout.text_scale, layout.tile_side, layout.pad, layout.column
    tile_top, caption_top, row_height = layout.tile_top, layout.caption_top, layout.row_height
    titles, line_step, left_edge = layout.titles, layout.line_step, layout.left_edge
    input_scale, input_gap, input_side = layout.input_scale, layout.input_gap, layout.input_side
    input_column, height, width = layout.input_column, layout.height, layout.width

    centers = [left_edge + i * (column + pad) + column // 2 for i in range(len(panels))]
    background = np.full((height, width), BACKGROUND, np.uint8)
    for lines, center_x in zip(titles, centers):
        for row, line in enumerate(lines):
            _draw_text(background, line, pad + row * line_step, center_x, text_scale, TITLE_GRAY)
    if inputs is not None:
        input_center = pad + input_column // 2
        _draw_text(background, INPUT_TITLE, pad, input_center, text_scale, TITLE_GRAY)
        pair = np.stack([np.ravel(x) for x in inputs])  # (2, 784)
        pair = pair / 255.0 if pair.dtype == np.uint8 else pair
        start, end = to_uint8_tiles(pair, input_scale)  # (side, side) each
        top = tile_top + (row_height - 2 * input_side - input_gap) // 2
        left = input_center - input_side // 2
        background[top : top + input_side, left : left + input_side] = start
        top += input_side + input_gap
        background[top : top + input_side, left : left + input_side] = end
    frames = np.repeat(background[None], n_frames, axis=0)  # (n_frames, H, W)
    tiles_top = tile_top + (row_height - tile_side) // 2
    for (_, images), center_x in zip(panels, centers):
        left = center_x - tile_side // 2
        frames[:, tiles_top : tiles_top + tile_side, left : left + tile_side] = to_uint8_tiles(images, scale)
        for frame, text in zip(frames, captions):
            _draw_text(frame, text, caption_top, center_x, text_scale, CAPTION_GRAY)
    return np.repeat(frames[..., None], 3, axis=-1)
