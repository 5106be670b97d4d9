"""The latent-space explorer: the encoded test set on a plane, a large decoded image (or the point's latent
traversal), class legend and pins.

Public API (the main window feeds it; it never trains, encodes or reads model weights):

    explorer = LatentExplorer(class_names)                  # e.g. "0".."9" or the Fashion-MNIST names
    explorer.set_data(codes, labels, images, log_var)       # about once a second; keeps pan/zoom
    explorer.set_decoder(decode)                            # decode(z (k, d)) -> (k, 784) float in [0, 1]; None: off
    explorer.decoder()                                      # that decoder while it fits the codes, else None
    explorer.decoder_changed                                # Signal(): decoder() changed
    explorer.set_drawn_point(z, keep_probe)                 # star + reconstruction of the drawing pad's code
    explorer.set_manifold_ready(ready)                      # the tiled decoded images: only once they mean something
    explorer.show_principal_plane() / show_dimensions(i, j) # which plane of a latent space larger than 2
    explorer.fit_view()
    explorer.point_decoded                                  # Signal(np.ndarray (d,)): the latent vector just decoded
    explorer.point_probed                                   # Signal(np.ndarray (d,)): decoded where the user pressed
    explorer.point_clicked                                  # Signal(int): the test point under a plain click
    explorer.test_point_hovered                             # Signal(int): the test point under the cursor, -1: none
    explorer.latent_dim_changed                             # Signal(int): set_data brought codes of a new size
    explorer.set_path(path) / set_path_marker(i)           # draw a latent path (k, d), e.g. an interpolation
    explorer.decoded_image() / decoded_point()              # the last decoded (784,) image and its latent vector (d,)
    explorer.show_traversal(shown)                          # the side column: that point's traversal, or its image
    explorer.show_point(z) -> bool                          # decode z (d,) as a press would, not emitting point_probed
    explorer.highlight_test_point(i)                        # ring test point i at its code; None: no ring
    explorer.set_link_note(text)                            # a line under the decoded image ("" hides it)
    explorer.latent_dim()                                   # the codes' size, 0 before any
    explorer.drawn_point()                                  # the starred latent vector (d,) or None
    explorer.plane()                                        # the LatentPlane shown (core/latent/projection.py)

Mouse: press or drag to decode, Shift+drag (or middle-drag) to pan, wheel or right-drag to zoom, Ctrl+click a
point to pin it (click its card to unpin), hover a point for its image and reconstruction.

Latent size 2: the plane is the code itself. Above 2: the first two principal components of the codes (through
their mean) or two chosen dimensions z_i, z_j with the others held at a pinned point's code (or the mean code).
Every code is drawn at its projection; pressing or dragging decodes the exact point of the plane under the
cursor. Latent size 1: the code is plotted against its class (jittered rows), and only x is decoded.
With a VAE (log_var given) the N(0, I) prior's 1 and 2 sigma circles and the hovered point's posterior
ellipses are drawn on the plane (see core/latent/projection.py for why the prior's section is a unit circle).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.explorer.class_legend import ClassLegend
from app.explorer.decoded_toggle import DecodedToggle
from app.explorer.latent_scatter import LatentScatter
from app.explorer.plane_chooser import DIMENSIONS, PRINCIPAL, PlaneChooser
from app.explorer.point_cards import HoverCard, PinnedStrip, PointCard
from app.explorer.traversal_view import TraversalView
from app.widgets.image_panel import ImagePanel
from core.latent.codes_csv import write_codes_csv
from core.latent.projection import LatentPlane

Decoder = Callable[[np.ndarray], np.ndarray]  # z (k, latent_dim) -> images (k, 784) float in [0, 1]
MAX_POINTS = 10_000
LEGEND_COLUMNS = 5
SHORTEST_WHOLE_TITLE = "VAE"     # a title as long as this is never cut (the kinds' names, "AE" and "VAE")
PAIRED_LEGEND_COLUMNS = 4
DECODED_SIDE = 280
DECODED_MIN_SIDE = 168  # the decoded image shrinks to 6x (from 10x) in a small window, e.g. 1024x700 with the pad
MANIFOLD_OPACITY = 0.35
DECODED_PLACEHOLDER = "The image the decoder makes of a point of the latent space shows here."
MANIFOLD_TIP = "Tile decoded images under the points"
MANIFOLD_WAITING_TIP = "Tiles decoded images under the points once the model has trained its first epoch (an " \
                       "untrained decoder draws noise)"
JITTER = 0.3  # half-height of a class row when the latent space is 1-D


def stratified_subset(labels: np.ndarray, max_count: int) -> np.ndarray:
    """Sorted indices of at most max_count items keeping each label's share (fixed seed, so stable)."""
    n = len(labels)
    if n <= max_count:
        return np.arange(n)
    rng = np.random.default_rng(0)
    classes, counts = np.unique(labels, return_counts=True)
    quota = counts * max_count / n
    take = np.floor(quota).astype(int)
    remainder = max_count - take.sum()
    take[np.argsort(take - quota)[:remainder]] += 1  # largest fractional parts first
    chosen = [rng.choice(np.flatnonzero(labels == c), size=k, replace=False) for c, k in zip(classes, take)]
    return np.sort(np.concatenate(chosen))


class LatentExplorer(QWidget):
    """Explore the latent space of the model whose test-set encoding arrives through `set_data`.

    class_names: one name per label. max_points: above this many test points a stratified subset is plotted.
    The parts are public attributes for embedding and tests: `scatter` (LatentScatter), `legend`,
    `hover_card`, `pinned_strip`, `manifold_check`, `decoded_panel`, `decoded_toggle`, `traversal`
    (TraversalView), `link_label`.
    Test points are named by their index into the rows of `set_data`.
    """

    point_decoded = Signal(object)  # np.ndarray (latent_dim,): the decoded panel now shows its image
    # np.ndarray (latent_dim,), after it is decoded: a press or drag (never show_point, so a link never echoes)
    point_probed = Signal(object)
    point_clicked = Signal(int)  # index of the test point under a plain click (press and release, no drag)
    test_point_hovered = Signal(int)  # index of the test point under the cursor, -1 when none; on a change only
    latent_dim_changed = Signal(int)  # the new latent size, from set_data (the first codes included)
    # decoder() changed: set_decoder, or codes of a new size (the old space's decoder stops fitting). Before the
    # point_decoded of the same change, so a listener has the new decoder when that point comes.
    decoder_changed = Signal()

    def __init__(self, class_names: Sequence[str], parent: QWidget | None = None, max_points: int = MAX_POINTS) -> None:
        super().__init__(parent)
        self._class_names = list(class_names)
        self._max_points = max_points
        self._codes: np.ndarray | None = None  # (n, d)
        self._labels = np.zeros(0, dtype=np.intp)  # (n,)
        self._images: np.ndarray | None = None  # (n, 784)
        self._log_var: np.ndarray | None = None  # (n, d)
        self._shown = np.zeros(0, dtype=np.intp)  # (m,) indices of the plotted points
        self._jitter = np.zeros(0)  # (n,) row offsets for a 1-D latent space
        self._plane: LatentPlane | None = None
        self._anchor_index: int | None = None  # the pinned point whose code the "two dimensions" plane holds
        self._decode: Decoder | None = None
        self._decoder_fits = True  # False from a change of latent size until the new decoder comes
        self._probe: np.ndarray | None = None  # (d,) the latent vector shown in the decoded panel
        self._decoded: np.ndarray | None = None  # (784,)
        self._drawn: np.ndarray | None = None  # (d,)
        self._pins: list[int] = []
        self._hovered = -1
        self._highlighted: int | None = None  # the test point ringed for a linked explorer
        self._path: np.ndarray | None = None  # (k, d) a latent path drawn on the plane
        self._path_index: int | None = None
        self._path_end_classes: tuple[int, int] | None = None
        self._path_positions: np.ndarray | None = None  # (k, 2) where the path is drawn, while it is

        self.scatter = LatentScatter(len(self._class_names))
        self.legend = ClassLegend(self._class_names, columns=LEGEND_COLUMNS)
        self.pinned_strip = PinnedStrip()
        self.decoded_panel = ImagePanel(side=DECODED_SIDE, minimum_side=DECODED_MIN_SIDE,
                                         placeholder=DECODED_PLACEHOLDER)
        self.decoded_toggle = DecodedToggle()
        self.traversal = TraversalView()
        self.traversal.title.hide()          # the toggle above names it
        # Ignored: the image alone sizes the column, so that neither toggling nor new rows resize it (and the plot).
        self.traversal.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._decoded_stack = QStackedWidget()      # the image first: a drag is about it; the toggle is in sight
        self._decoded_stack.addWidget(self.decoded_panel)
        self._decoded_stack.addWidget(self.traversal)
        self._decoded_caption = QLabel("Press or drag in the plot to decode a point")
        self._decoded_caption.setWordWrap(True)
        # A new text each drag move must not relayout: the caption's size never depends on its text.
        self._decoded_caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._decoded_caption.setFixedHeight(2 * self._decoded_caption.fontMetrics().lineSpacing())
        self._decoded_caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.title_label = _heading("")
        # A long run name is cut rather than widening the window (its tooltip holds it whole).
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title_label.setMinimumWidth(self.title_label.fontMetrics().horizontalAdvance(SHORTEST_WHOLE_TITLE))
        self.title_label.hide()
        self.link_label = QLabel()
        self.link_label.setWordWrap(True)
        self.link_label.hide()
        self._plane_label = QLabel()
        self._plane_label.setWordWrap(True)     # a plane's long description must not widen the window
        self.count_label = QLabel()
        self._build_toolbar()
        self._build_layout()
        self.hover_card = HoverCard(self)

        self.scatter.point_probed.connect(self._on_scatter_point_probed)
        self.scatter.point_hovered.connect(self._on_scatter_point_hovered)
        self.scatter.point_ctrl_clicked.connect(self._on_scatter_point_ctrl_clicked)
        self.scatter.point_clicked.connect(self._on_scatter_point_clicked)
        self.legend.class_toggled.connect(self.scatter.set_class_visible)
        self.pinned_strip.unpin_clicked.connect(self._on_pinned_strip_unpin_clicked)
        self.pinned_strip.clear_clicked.connect(self._on_pinned_strip_clear_clicked)
        self.decoded_toggle.traversal_toggled.connect(self.show_traversal)

    # -- layout -----------------------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        self.plane_chooser = PlaneChooser()
        self.plane_chooser.hide()           # until codes of a latent size above 2
        self._fit_button = QToolButton(text="Fit")     # not a QPushButton: the style makes those 80 px wide at least
        self._fit_button.setToolTip("Frame all points, and the prior's circles when shown")
        self._fit_button.setMinimumWidth(48)
        self.manifold_check = QCheckBox("Manifold")
        self.manifold_check.setChecked(True)
        self.manifold_check.setToolTip(MANIFOLD_TIP)
        self._manifold_ready = True
        self._opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self._opacity_slider.setRange(0, 100)
        self._opacity_slider.setValue(round(MANIFOLD_OPACITY * 100))
        self._opacity_slider.setFixedWidth(72)
        self._opacity_slider.setToolTip("Manifold opacity")
        self.prior_check = QCheckBox("Prior")
        self.prior_check.setChecked(True)
        self.prior_check.setToolTip("1 and 2 sigma circles of the N(0, I) prior (VAE only)")
        self.scatter.manifold.setOpacity(MANIFOLD_OPACITY)

        self.plane_chooser.mode_changed.connect(self._on_plane_chooser_mode_changed)
        self.plane_chooser.dimensions_changed.connect(self._on_plane_chooser_dimensions_changed)
        self._fit_button.clicked.connect(self.fit_view)
        self.manifold_check.toggled.connect(self._on_manifold_check_toggled)
        self._opacity_slider.valueChanged.connect(self._on_opacity_slider_changed)
        self.prior_check.toggled.connect(self._update_prior)

    def _build_layout(self) -> None:
        self._toolbar = toolbar = QHBoxLayout()
        toolbar.setContentsMargins(0, 0, 0, 0)
        toolbar.addWidget(self.title_label, 1)
        toolbar.addWidget(self.plane_chooser)
        toolbar.addStretch(1)
        for widget in (self.manifold_check, self._opacity_slider):
            toolbar.addWidget(widget)
        toolbar.addSpacing(12)
        for widget in (self.prior_check, self._fit_button):
            toolbar.addWidget(widget)

        hint = QLabel("Drag: decode · Shift+drag: pan · Wheel: zoom · Ctrl+click: pin")
        hint.setEnabled(False)  # greyed: a hint, not content
        hint.setWordWrap(True)  # two lines in a narrow window, rather than a wider window
        status = QHBoxLayout()
        status.setContentsMargins(0, 0, 0, 0)
        status.addWidget(self._plane_label, 1)     # all the room there is, before it wraps
        status.addWidget(self.count_label)

        self._plane_row = QHBoxLayout()     # the plane chooser of a paired explorer (see set_paired)
        self._plane_row.setContentsMargins(0, 0, 0, 0)
        self._plane_row.addStretch(1)

        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addLayout(toolbar)
        left.addLayout(self._plane_row)
        left.addWidget(self.scatter, 1)
        left.addWidget(self.legend)
        left.addLayout(status)
        left.addWidget(hint)

        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(_heading("Decoded"))
        right.addWidget(self.decoded_toggle)
        right.addWidget(self._decoded_stack)
        right.addWidget(self._decoded_caption)
        right.addWidget(self.link_label)
        right.addSpacing(8)
        right.addWidget(self.pinned_strip)
        right.addStretch(0)     # the room below the image; none below a traversal (see show_traversal)
        self._side_layout = right
        self._side = side = QWidget()
        side.setLayout(right)
        # As wide as the decoded image at 10x, down to 6x in a narrow window (the drawing pad beside it, say).
        side.setMinimumWidth(DECODED_MIN_SIDE + 8)
        side.setMaximumWidth(DECODED_SIDE + 8)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(10)
        layout.addLayout(left, 1)
        layout.addWidget(side)

    def set_title(self, title: str) -> None:
        """Name the model shown, left of the toolbar (two explorers side by side); "" hides the name."""
        self.title_label.setText(title)
        self.title_label.setToolTip(title)
        self.title_label.setVisible(bool(title))

    def set_paired(self, paired: bool) -> None:
        """Two explorers side by side (compare mode): no decoded image and pins right of the plot (the pair shares
        one decoded panel; point_decoded says what to show there), no opacity slider, and the legend in narrower
        rows, and the plane chooser on a row of its own under the toolbar, so that both fit a 1024-pixel window with
        the settings; False: as alone."""
        self._toolbar.removeWidget(self.plane_chooser)
        self._plane_row.removeWidget(self.plane_chooser)
        if paired:
            self._plane_row.insertWidget(0, self.plane_chooser)
        else:
            self._toolbar.insertWidget(1, self.plane_chooser)      # after the title
        self._side.setVisible(not paired)
        self._opacity_slider.setVisible(not paired)
        self.legend.set_columns(PAIRED_LEGEND_COLUMNS if paired else LEGEND_COLUMNS)

    # -- public API -------------------------------------------------------------------------------------------

    def set_data(
        self,
        codes: np.ndarray,
        labels: np.ndarray,
        images: np.ndarray,
        log_var: np.ndarray | None = None,
    ) -> None:
        """Show a new encoding of the test set, keeping the user's pan and zoom.

        codes: (n, d) float, the VAE's means or the AE's codes. labels: (n,) int in [0, len(class_names)).
        images: (n, 784) uint8 or float in [0, 1]. log_var: (n, d) float (VAE) or None (AE). The cards show each
        image's reconstruction: its code decoded by the decoder of `set_decoder`. The view is framed on the first
        call and whenever the latent size changes (a new latent size also forgets the decoded and drawn
        points: they belong to the old space; give the new model's decoder with `set_decoder`).
        """
        codes = np.asarray(codes, dtype=np.float64)
        labels = np.asarray(labels, dtype=np.intp)
        new_space = self._codes is None or self._codes.shape[1] != codes.shape[1]
        if new_space and self._codes is not None:
            self._decoder_fits = False     # the decoder is the old space's: no reconstructions until set_decoder
        if self._codes is None or len(self._codes) != len(codes):
            self._pins, self._anchor_index, self._highlighted = [], None, None
            self._forget_hover()
            self._jitter = np.random.default_rng(1).uniform(-JITTER, JITTER, len(codes))
        if new_space or not np.array_equal(labels, self._labels):
            self._shown = stratified_subset(labels, self._max_points)
        if new_space:
            self._plane = None
            self._probe = self._drawn = self._decoded = None
            self.decoded_panel.set_image(None)
            self.scatter.set_crosshair(None)
            self.plane_chooser.set_choice(PRINCIPAL, (0, 1))
            self.plane_chooser.set_latent_dim(codes.shape[1])
            self.plane_chooser.setVisible(codes.shape[1] > 2)     # empty otherwise: no empty row when paired
        self._codes, self._labels, self._images = codes, labels, images
        self._log_var = log_var
        self._update_plane(fit=new_space)
        shown, total = len(self._shown), len(codes)
        self.count_label.setText(
            f"{total:,} points" if shown == total else f"Showing a stratified sample of {shown:,} of {total:,} points"
        )
        if new_space:
            self.traversal.set_point(None)
            self._update_traversal_decoder()
            self.decoder_changed.emit()
            self.latent_dim_changed.emit(codes.shape[1])

    def set_decoder(self, decode: Decoder | None, live: bool = False) -> None:
        """Decode with `decode` (z (k, d) -> (k, 784) float in [0, 1]) from now on; None disables probing and
        the manifold. The decoded panel and the manifold are refreshed with the new decoder; the manifold less
        often for a `live` decoder, one of those a training run sends about once a second."""
        self._decode = decode
        self._decoder_fits = True
        self.scatter.view_box.probing_enabled = decode is not None
        self.scatter.manifold.set_decode_plane(None if decode is None else self._decode_plane, live)
        self._update_traversal_decoder()
        self.decoder_changed.emit()
        if decode is not None and self._probe is not None:
            self._decode_probe()
            self.point_decoded.emit(self._probe.copy())
        if self._codes is not None:
            self._update_cards()

    def set_manifold_ready(self, ready: bool) -> None:
        """Show the manifold layer (when its box is checked) only when ``ready``: the caller says whether the model
        has trained its first epoch, before which its decoded images are noise. Until then the box is greyed and
        says so."""
        self._manifold_ready = ready
        self.manifold_check.setEnabled(ready)
        self.manifold_check.setToolTip(MANIFOLD_TIP if ready else MANIFOLD_WAITING_TIP)
        self._on_manifold_check_toggled(self.manifold_check.isChecked())

    @property
    def manifold_shown(self) -> bool:
        """Whether the manifold layer is drawn under the points."""
        return self.scatter.manifold.isVisible()

    def set_drawn_point(self, z: np.ndarray | None, keep_probe: bool = False) -> None:
        """Mark the drawing pad's code z (d,) with a star and show its reconstruction; None removes the star.

        keep_probe: move only the star when the decoded panel shows a point the user chose since (for the same
        drawing encoded by a newer model)."""
        showing_drawing = self._probe is None or self._probe is self._drawn
        self._drawn = None if z is None else np.asarray(z, dtype=np.float64).reshape(-1)
        self._update_star()
        if self._drawn is not None and self._decode is not None and (showing_drawing or not keep_probe):
            self._set_probe(self._drawn)

    def show_point(self, z: np.ndarray) -> bool:
        """Decode latent vector z (d,) and mark it, as a press on its projection onto the plane shown would (for a
        latent size above 2, z need not lie on that plane: this explorer's plane, not the sender's). For a linked
        explorer showing another's point: it emits point_decoded but not point_probed, so a link that forwards
        point_probed never echoes it back. Returns False, showing nothing, when z is not of this explorer's latent
        size or no decoder for its space has come yet."""
        z = np.array(z, dtype=np.float64).reshape(-1)      # a copy: the sender keeps its own
        if self._plane is None or not self._can_decode() or len(z) != self.latent_dim():
            return False
        self._set_probe(z)
        return True

    def highlight_test_point(self, index: int | None) -> None:
        """Ring test point `index` at its code on the plane shown (e.g. the image hovered in a linked explorer,
        which encodes it elsewhere), following new codes and planes; None, or an index beyond the data, removes
        the ring."""
        self._highlighted = index
        self._update_highlight()

    def set_link_note(self, text: str) -> None:
        """Show `text` under the decoded image, e.g. why a linked explorer's points are not shown here; "" hides
        it."""
        self.link_label.setText(text)
        self.link_label.setVisible(bool(text))

    def set_path(self, path: np.ndarray | None, index: int | None = None,
                 end_classes: tuple[int, int] | None = None) -> None:
        """Draw the latent path (k, d) on the plane with a marker at path[index]; None removes it.

        end_classes: the classes of the path's end images. With a 1-D latent space, where y is the class row, the
        path is drawn from the start's row to the end's (without them, at mid-height). A path of another latent
        size than the codes' is not drawn."""
        self._path = None if path is None else np.asarray(path, dtype=np.float64).reshape(len(path), -1)
        self._path_index = index
        self._path_end_classes = end_classes
        self._update_path()

    def set_path_marker(self, index: int | None) -> None:
        """Move the path's marker to path[index], or hide it for None."""
        self._path_index = index
        if self._path_positions is not None:
            self.scatter.set_path_marker(None if index is None else self._path_positions[index])

    def show_principal_plane(self) -> None:
        """Plot the plane of the codes' first two principal components (latent size above 2)."""
        self.plane_chooser.set_choice(PRINCIPAL)
        self._on_plane_chooser_mode_changed()

    def show_dimensions(self, i: int, j: int) -> None:
        """Plot latent dimensions i and j (0-based, different), the others held at the anchor's values."""
        self.plane_chooser.set_choice(DIMENSIONS, (i, j))
        self._on_plane_chooser_mode_changed()

    @property
    def class_names(self) -> tuple[str, ...]:
        """One name per label, as given."""
        return tuple(self._class_names)

    def fit_view(self) -> None:
        """Frame all points, and the prior's 2 sigma circle when it is shown."""
        self.scatter.fit()

    def drawn_point(self) -> np.ndarray | None:
        """The drawing pad's latent vector (d,) marked with the star, or None."""
        return None if self._drawn is None else self._drawn.copy()

    def decoded_image(self) -> np.ndarray | None:
        """The last decoded image (784,) float, or None."""
        return self._decoded

    def decoded_point(self) -> np.ndarray | None:
        """The latent vector (d,) of the last decoded image, or None."""
        return None if self._probe is None else self._probe.copy()

    def decoder(self) -> Decoder | None:
        """The decoder of `set_decoder` while it fits the codes' latent size; None before codes, or when codes of
        a new size wait for their own decoder."""
        return self._decode if self._can_decode() and self.latent_dim() > 0 else None

    def show_traversal(self, shown: bool) -> None:
        """Show the decoded point's latent traversal in the side column (True), or its decoded image."""
        self.decoded_toggle.set_traversal(shown)
        self._decoded_stack.setCurrentWidget(self.traversal if shown else self.decoded_panel)
        self._side_layout.setStretchFactor(self._decoded_stack, 1 if shown else 0)   # the height the pins leave

    def plane(self) -> LatentPlane | None:
        """The plane the plot shows."""
        return self._plane

    def latent_dim(self) -> int:
        """The size of the codes of `set_data`, 0 before any."""
        return 0 if self._codes is None else self._codes.shape[1]

    def write_codes(self, path: Path) -> Path:
        """Write the codes of `set_data` (every one, also those a stratified sample leaves out of the plot) as a CSV
        table with their classes and log-variances; raises ValueError before any data, OSError when unwritable."""
        if self._codes is None:
            raise ValueError("there are no codes yet")
        return write_codes_csv(path, self._codes, self._labels, self._class_names, self._log_var)

    # -- plane ------------------------------------------------------------------------------------------------

    def _update_plane(self, fit: bool = False) -> None:
        """Recompute the plane from the codes and the controls, then redraw everything that depends on it."""
        d = self.latent_dim()
        if d == 0:
            return
        previous = self._plane
        if d <= 2:
            self._plane = LatentPlane.identity(d)
            description = "Latent space (z1 × z2)" if d == 2 else "Latent code z1 by class"
        elif self.plane_chooser.mode() == PRINCIPAL:
            like = previous if previous is not None and previous.names[0] == "PC1" else None
            self._plane = LatentPlane.principal(self._codes, like=like)
            description = "Plane of the first two principal components, through the mean code"
        else:
            anchor, anchor_name = self._anchor()
            i, j = self.plane_chooser.dimensions()
            self._plane = LatentPlane.axes(d, i, j, anchor)
            description = f"Plane z{i + 1} × z{j + 1}, other dimensions held at {anchor_name}"
        self._plane_label.setText(description)
        if d == 1:
            self.scatter.set_axis_names("z1", "class", self._class_names)
        else:
            self.scatter.set_axis_names(*self._plane.names)
        self.scatter.view_box.setAspectLocked(d >= 2)

        self.scatter.set_points(self._plot_positions(self._shown), self._labels[self._shown])
        self.scatter.set_pinned(self._plot_positions(np.array(self._pins, dtype=np.intp)))
        self._update_star()
        self._update_crosshair()
        self._update_highlight()
        self._update_path()
        self._update_prior()
        self._update_cards()
        if self._hovered >= 0:
            self._show_posterior(self._hovered)
        if not _same_plane(previous, self._plane):
            self.scatter.manifold.refresh_later()
        if fit:
            self.fit_view()

    def _anchor(self) -> tuple[np.ndarray, str]:
        """The latent vector (d,) whose other dimensions a "two dimensions" plane holds, and its name."""
        if self._anchor_index is not None:
            i = self._anchor_index
            return self._codes[i], f"the code of #{i} ({self._class_names[self._labels[i]]})"
        return self._codes.mean(axis=0), "the mean code (Ctrl+click a point to choose)"

    def _plot_positions(self, indices: np.ndarray) -> np.ndarray:
        """Plot positions (k, 2) of the test points with the given indices (k,)."""
        positions = self._plane.to_plane(self._codes[indices])
        if self.latent_dim() == 1:
            positions[:, 1] = self._labels[indices] + self._jitter[indices]
        return positions

    def _plot_point(self, z: np.ndarray) -> np.ndarray:
        """Where latent vector z (d,) is marked in the plot (2,)."""
        point = self._plane.to_plane(z[None])[0]
        if self.latent_dim() == 1:
            point[1] = (len(self._class_names) - 1) / 2  # y means nothing here: keep marks mid-height
        return point

    def _decode_plane(self, points: np.ndarray) -> np.ndarray:
        """Decode plane points (k, 2) to images (k, 784): the manifold layer's decoder."""
        return self._decode(self._plane.from_plane(points))

    # -- overlays ---------------------------------------------------------------------------------------------

    def _update_star(self) -> None:
        if self._drawn is None or self._plane is None:
            self.scatter.set_star(None)
            return
        self.scatter.set_star(self._plot_point(self._drawn))

    def _update_highlight(self) -> None:
        index = self._highlighted
        if index is None or self._plane is None or not 0 <= index < len(self._codes):
            self.scatter.set_highlight(None)
            return
        self.scatter.set_highlight(self._plot_positions(np.array([index]))[0])

    def _update_path(self) -> None:
        if self._path is None or self._plane is None or self._path.shape[1] != self.latent_dim():
            self._path_positions = None
            self.scatter.set_path(None)
            return
        positions = self._plane.to_plane(self._path)
        if self.latent_dim() == 1:      # y is the class row: from the start's row to the end's
            rows = self._path_end_classes or ((len(self._class_names) - 1) / 2,) * 2
            positions[:, 1] = np.linspace(rows[0], rows[1], len(positions))
        self._path_positions = positions
        self.scatter.set_path(positions, None if self._path_index is None else positions[self._path_index])

    def _update_crosshair(self) -> None:
        """Mark the decoded latent vector on the plot and write its plot coordinates under the image."""
        if self._probe is None or self._plane is None:
            self.scatter.set_crosshair(None)
            return
        point = self._plot_point(self._probe)
        self.scatter.set_crosshair(point)
        coordinates = (f"{name} {value:+.2f}" for name, value in zip(self._plane.names, point))
        self._decoded_caption.setText("   ".join(coordinates))
        self._decoded_caption.setToolTip("z = (" + ", ".join(f"{value:+.3f}" for value in self._probe) + ")")

    def _update_prior(self) -> None:
        self.prior_check.setEnabled(self._log_var is not None)  # an AE has no prior
        shown = self._plane is not None and self._log_var is not None and self.prior_check.isChecked()
        self.scatter.set_prior(self._plane.prior_center() if shown else None, line=self.latent_dim() == 1)

    def _show_posterior(self, index: int) -> None:
        if self._log_var is None:
            self.scatter.set_posterior(None, None)
            return
        covariance = self._plane.covariance_on_plane(np.exp(self._log_var[index]))
        center = self._plot_positions(np.array([index]))[0]
        self.scatter.set_posterior(center, covariance)

    def _card(self, index: int) -> PointCard:
        """The point's card; its reconstruction is decoded now (about 0.1 ms), not kept for every point."""
        reconstruction = np.asarray(self._decode(self._codes[index][None]))[0] if self._can_decode() else None
        name = self._class_names[self._labels[index]]
        return PointCard(index, self._images[index], reconstruction, f"{name}  #{index}")

    def _update_pinned_strip(self) -> None:
        self.pinned_strip.set_cards([self._card(i) for i in self._pins])

    def _update_cards(self) -> None:
        """New codes or a new decoder: the pinned and hovered cards show the new reconstructions (no mouse move)."""
        self._update_pinned_strip()
        if self._hovered >= 0:
            self.hover_card.set_card(self._card(self._hovered))

    # -- decoding ---------------------------------------------------------------------------------------------

    def _can_decode(self) -> bool:
        """Whether there is a decoder, and of the codes' latent size (a new size waits for its own)."""
        return self._decode is not None and self._decoder_fits

    def _set_probe(self, z: np.ndarray) -> None:
        self._probe = z
        self._decode_probe()
        self.traversal.set_point(z)
        self._update_crosshair()
        self.point_decoded.emit(z.copy())

    def _update_traversal_decoder(self) -> None:
        self.traversal.set_decoder(self.decoder(), self.latent_dim() or None)

    def _decode_probe(self) -> None:
        self._decoded = np.asarray(self._decode(self._probe[None]))[0]
        self.decoded_panel.set_image(self._decoded)

    # -- handlers ---------------------------------------------------------------------------------------------

    def _on_scatter_point_probed(self, x: float, y: float) -> None:
        if self._plane is None or not self._can_decode():
            return
        self._set_probe(self._plane.from_plane(np.array([[x, y]]))[0])
        self.point_probed.emit(self._probe.copy())

    def _on_scatter_point_hovered(self, shown_index: int, cursor: QPoint) -> None:
        index = -1 if shown_index < 0 else int(self._shown[shown_index])
        if index < 0:
            self._forget_hover()
            return
        self.hover_card.show_card(self._card(index), self.scatter.mapTo(self, cursor))
        if index != self._hovered:
            self._show_posterior(index)
            self._hovered = index
            self.test_point_hovered.emit(index)

    def _forget_hover(self) -> None:
        """No point is hovered: the card and the posterior go (also for new data, which a stale card would
        misname)."""
        if self._hovered < 0:
            return
        self.hover_card.hide()
        self.scatter.set_posterior(None, None)
        self._hovered = -1
        self.test_point_hovered.emit(-1)

    def _on_scatter_point_ctrl_clicked(self, shown_index: int) -> None:
        if shown_index < 0:
            return
        index = int(self._shown[shown_index])
        if index in self._pins:
            self._pins.remove(index)
        else:
            self._pins.append(index)
            if self.plane_chooser.mode() == DIMENSIONS:
                self._anchor_index = index
        self._update_plane()

    def _on_scatter_point_clicked(self, shown_index: int) -> None:
        if shown_index >= 0:
            self.point_clicked.emit(int(self._shown[shown_index]))

    def _on_pinned_strip_unpin_clicked(self, index: int) -> None:
        self._pins.remove(index)
        self._update_plane()

    def _on_pinned_strip_clear_clicked(self) -> None:
        self._pins = []
        self._update_plane()

    def _on_plane_chooser_mode_changed(self) -> None:
        """The "two dimensions" plane holds the other dimensions at the last pinned point, if any."""
        if self.plane_chooser.mode() == DIMENSIONS and self._pins:
            self._anchor_index = self._pins[-1]
        self._update_plane(fit=True)

    def _on_plane_chooser_dimensions_changed(self) -> None:
        self._update_plane(fit=True)

    def _on_manifold_check_toggled(self, checked: bool) -> None:
        shown = checked and self._manifold_ready
        if shown != self.scatter.manifold.isVisible():
            self.scatter.manifold.setVisible(shown)
        self._opacity_slider.setEnabled(shown)

    def _on_opacity_slider_changed(self, value: int) -> None:
        self.scatter.manifold.setOpacity(value / 100.0)


def _same_plane(a: LatentPlane | None, b: LatentPlane) -> bool:
    return a is not None and np.array_equal(a.origin, b.origin) and np.array_equal(a.basis, b.basis)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label

