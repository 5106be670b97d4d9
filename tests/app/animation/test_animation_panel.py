"""The Animate panel: its ends, preview and export are the shared recipe's, and equal the `gif` command's file."""

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.animation.animation_exporter import AnimationExporter
from app.animation.animation_panel import AnimationPanel
from app.explorer.latent_explorer import LatentExplorer
from core.animation.frames import compose_frames
from core.animation.recipe import (
    InterpolationSpec,
    interpolation_frames,
    mean_codes,
    pick_pair_by_label,
)
from core.animation.reconstructed_class import ClassKeeper
from core.animation.writers import gif_frame_duration_ms
from core.data.datasets import images_to_float, load_npz
from core.training.checkpoint import load_checkpoint
from tests.helpers import save_small_model

ROOT = Path(__file__).resolve().parents[3]
DIGITS = [str(k) for k in range(10)]
LEFT = Qt.MouseButton.LeftButton
SPEC = InterpolationSpec(n_frames=12, fps=20, mode="slerp", hold_frames=2, ping_pong=True, scale=2, caption=True)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("checkpoints")
    paths = {"ae": folder / "ae.npz", "vae": folder / "vae.npz", "vae3": folder / "vae3.npz"}
    save_small_model(paths["ae"], "ae", 2, seed=1)
    save_small_model(paths["vae"], "vae", 2, seed=2)
    save_small_model(paths["vae3"], "vae", 3, seed=3)
    return paths


@pytest.fixture(scope="module")
def dataset():
    return load_npz(ROOT / "resources" / "mnist5k.npz")


@pytest.fixture
def panel(qtbot, saved, dataset):
    widget = AnimationPanel(DIGITS)
    qtbot.addWidget(widget)
    widget.resize(800, 340)
    widget.set_test_set(dataset.test_images, dataset.test_labels)
    widget.set_model(load_checkpoint(saved["vae"]).model, "vae")
    widget.set_comparison_model(load_checkpoint(saved["ae"]).model, "ae")
    widget.set_spec(SPEC)
    widget.set_ends_by_label(2, 7)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def expand_gif(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A GIF's frames, each repeated by its duration over the shortest (undoes pillow merging held frames), and
    the stored durations in milliseconds."""
    frames = iio.imread(path, index=None)
    durations = np.array([iio.immeta(path, index=i)["duration"] for i in range(len(frames))])
    frames = frames if frames.ndim == 4 else np.repeat(frames[..., None], 3, axis=-1)
    return np.repeat(frames, durations // durations.min(), axis=0), durations


def test_ends_by_class_are_the_current_models_picks_and_the_arrows_step_through_the_class(qtbot, panel, saved,
                                                                                          dataset):
    ae, vae = load_checkpoint(saved["ae"]).model, load_checkpoint(saved["vae"]).model
    codes = mean_codes(vae, dataset.test_images)
    keeper = ClassKeeper([(ae, mean_codes(ae, dataset.test_images)), (vae, codes)], dataset.test_images,
                         dataset.test_labels)        # both models judge

    def pick(*args) -> tuple[int, int]:
        return pick_pair_by_label(codes, dataset.test_labels, *args, keeper=keeper)

    assert panel.ends() == pick(2, 7)
    qtbot.mouseClick(panel.picker.next_buttons[1], LEFT)
    qtbot.mouseClick(panel.picker.next_buttons[1], LEFT)
    qtbot.mouseClick(panel.picker.previous_buttons[0], LEFT)
    assert panel.ends() == pick(2, 7, -1, 2)
    panel.picker.end_combos[0].setCurrentIndex(4)
    panel.picker.end_combos[0].activated.emit(4)  # as when the user chooses "4"
    assert panel.ends() == pick(4, 7, 0, 2)
    qtbot.mouseClick(panel.picker.swap_button, LEFT)
    assert panel.ends() == pick(7, 4, 2, 0)
    assert panel.picker.end_combos[0].currentText() == "7" and panel.picker.thumbs[0].image() is not None


def test_export_equals_the_recipe_and_the_gif_command_file(qtbot, panel, saved, dataset, tmp_path):
    ae, vae = load_checkpoint(saved["ae"]).model, load_checkpoint(saved["vae"]).model
    i0, i1 = panel.ends()
    x0, x1 = images_to_float(dataset.test_images[[i0, i1]])
    expected = interpolation_frames([("Autoencoder", ae), ("VAE", vae)], x0, x1, SPEC)
    assert [title for title, _ in panel.models()] == ["Autoencoder", "VAE"]
    np.testing.assert_array_equal(panel.frames(), expected)  # the preview plays exactly these

    gui_path = tmp_path / "gui.gif"
    exporter = AnimationExporter(panel)
    with qtbot.waitSignal(exporter.finished, timeout=20_000):
        exporter.export(panel.export_job(gui_path))
    cli_path = tmp_path / "cli.gif"
    command = [sys.executable, "main.py", "gif", "--checkpoint", str(saved["vae"]), "--compare", str(saved["ae"]),
               "--from-label", "2", "--to-label", "7", "--frames", "12", "--fps", "20", "--mode", "slerp",
               "--hold", "2", "--ping-pong", "--scale", "2", "--out", str(cli_path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr

    gui_frames, gui_durations = expand_gif(gui_path)
    cli_frames, cli_durations = expand_gif(cli_path)
    assert len(gui_frames) == SPEC.length == 26 and gui_frames.shape[1:] == expected.shape[1:]
    np.testing.assert_array_equal(gui_frames, expected)
    np.testing.assert_array_equal(gui_frames, cli_frames)
    assert gui_durations.tolist() == cli_durations.tolist() and gui_durations.min() == gif_frame_duration_ms(20)
    assert iio.immeta(gui_path, index=0)["loop"] == 0
    assert gui_path.read_bytes() == cli_path.read_bytes()


def test_the_end_frames_are_the_decoded_end_points_of_both_models_side_by_side(panel, saved, dataset):
    ae, vae = load_checkpoint(saved["ae"]).model, load_checkpoint(saved["vae"]).model
    x = images_to_float(dataset.test_images[list(panel.ends())])  # (2, 784)
    frames = panel.frames()
    for position, end, t in ((0, 0, 0.0), (SPEC.hold_frames + SPEC.n_frames - 1, 1, 1.0)):
        panels = [(title, model.decode(model.encode(x[end:end + 1])[0])) for title, model in
                  (("Autoencoder", ae), ("VAE", vae))]
        np.testing.assert_array_equal(frames[position], compose_frames(panels, SPEC.scale, True, [t],
                                                                       inputs=(x[0], x[1]))[0])
    single = compose_frames([("VAE", np.zeros((1, 784)))], SPEC.scale, True)
    assert frames.shape[2] > 2 * single.shape[2] - 10  # two columns
    left, right = frames[:, :, : frames.shape[2] // 2], frames[:, :, frames.shape[2] // 2:]
    assert not np.array_equal(left, right)


def test_the_ends_are_images_both_models_keep_in_their_class_and_the_panel_says_when_none_is(panel, saved,
                                                                                              dataset):
    ae, vae = load_checkpoint(saved["ae"]).model, load_checkpoint(saved["vae"]).model
    labels = dataset.test_labels
    keeper = ClassKeeper([(model, mean_codes(model, dataset.test_images)) for model in (ae, vae)],
                         dataset.test_images, labels)
    kept = keeper(np.arange(len(labels)))
    no_kept = [label for label in range(10) if not kept[labels == label].any()]
    some_kept = [label for label in range(10) if kept[labels == label].any()]
    assert no_kept and some_kept           # these two models (5 steps of training) keep a class or two, not all
    panel.set_ends_by_label(some_kept[0], no_kept[0])
    panel.refresh()
    start, end = panel.ends()
    assert kept[start] and labels[start] == some_kept[0] and labels[end] == no_kept[0]
    found = keeper.classes(np.array([end]))[:, 0]
    text = panel.status_label.text()
    assert text.startswith(f"The last image, a {no_kept[0]}, comes back as a ")
    assert all(f"a {cls} from the {title}" in text for (title, _), cls in zip(panel.models(), found)
               if cls != no_kept[0])
    assert f"No test {no_kept[0]} comes back as a {no_kept[0]} from every model." in text
    assert "first image" not in text


def test_titles_name_the_models_by_file_when_both_have_the_same_kind(panel, saved):
    panel.set_comparison_model(load_checkpoint(saved["vae3"]).model, "vae3")
    assert [title for title, _ in panel.models()] == ["VAE (z=3)", "VAE"]
    panel.set_comparison_model(load_checkpoint(saved["vae"]).model, "other")
    assert [title for title, _ in panel.models()] == ["VAE other", "VAE vae"]
    panel.set_comparison_model(None)
    assert [title for title, _ in panel.models()] == ["VAE"]


def test_a_hidden_panel_encodes_and_makes_its_preview_when_shown_not_with_every_new_model(qtbot, panel, saved,
                                                                                         dataset, monkeypatch):
    import app.animation.animation_panel as module
    renders, encodings = [], []
    original, original_codes = module.interpolation_frames, module.mean_codes
    monkeypatch.setattr(module, "interpolation_frames", lambda *args: renders.append(1) or original(*args))
    monkeypatch.setattr(module, "mean_codes", lambda *args: encodings.append(1) or original_codes(*args))
    ae, vae = load_checkpoint(saved["ae"]).model, load_checkpoint(saved["vae"]).model

    def recipe(models):
        x0, x1 = images_to_float(dataset.test_images[list(panel.ends())])
        return interpolation_frames(models, x0, x1, SPEC)

    panel.hide()
    panel.set_model(ae, "ae")            # as when training runs end while another tab shows
    panel.set_model(vae, "vae")
    assert renders == [] and encodings == []
    panel.show()
    qtbot.waitExposed(panel)
    assert len(renders) == 1 and len(encodings) == 1
    vae_ends = panel.ends()
    np.testing.assert_array_equal(panel.frames(), recipe([("Autoencoder", ae), ("VAE", vae)]))

    panel.hide()
    panel.set_model(ae, "ae2")
    assert len(encodings) == 1
    # Asked for while hidden (an export, a test), the animation is made then, for the model it has now: the ends
    # by class are those the autoencoder's codes pick.
    ae_codes = mean_codes(ae, dataset.test_images)
    keeper = ClassKeeper([(ae, ae_codes), (ae, ae_codes)], dataset.test_images, dataset.test_labels)
    ae_ends = pick_pair_by_label(ae_codes, dataset.test_labels, 2, 7, keeper=keeper)
    assert panel.ends() == ae_ends != vae_ends
    np.testing.assert_array_equal(panel.frames(), recipe([("Autoencoder ae", ae), ("Autoencoder ae2", ae)]))


@pytest.fixture
def explorer(qtbot):
    widget = LatentExplorer(DIGITS)
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_two_clicks_on_the_plot_choose_the_ends(qtbot, panel, explorer, dataset):
    # Well separated stand-in codes (a 25 x 20 grid), one per test image, so each click hits one point.
    grid = np.stack(np.meshgrid(np.arange(25), np.arange(20)), axis=-1).reshape(-1, 2).astype(float)
    explorer.set_data(grid, dataset.test_labels, dataset.test_images)
    explorer.set_decoder(lambda z: np.zeros((len(z), 784)))
    explorer.point_clicked.connect(panel.pick_point)
    QApplication.processEvents()

    def click(index: int) -> None:
        scene = explorer.scatter.view_box.mapViewToScene(QPointF(*grid[index]))
        QTest.mouseClick(explorer.scatter.viewport(), LEFT, Qt.KeyboardModifier.NoModifier,
                         explorer.scatter.mapFromScene(scene))

    click(30)  # not picking: an ordinary click changes nothing
    before = panel.ends()
    assert before != (123, 45)
    qtbot.mouseClick(panel.picker.pick_button, LEFT)
    click(123)
    assert panel.picker.pick_button.isChecked() and panel.ends()[0] == 123
    click(45)
    assert panel.ends() == (123, 45) and not panel.picker.pick_button.isChecked()
    assert panel.picker.end_combos[0].currentIndex() == dataset.test_labels[123]
    assert panel.picker.end_labels[1].text() == "#45\npicked"


@pytest.mark.parametrize("model_name", ["vae", "vae3"])
def test_the_path_is_drawn_on_the_scatter_with_a_marker_following_the_preview(qtbot, panel, explorer, saved, dataset,
                                                                             model_name):
    model = load_checkpoint(saved[model_name]).model
    codes = mean_codes(model, dataset.test_images)
    explorer.set_data(codes, dataset.test_labels, dataset.test_images)
    explorer.set_decoder(model.decode)
    panel.path_changed.connect(explorer.set_path)
    panel.frame_shown.connect(explorer.set_path_marker)
    panel.set_comparison_model(None)
    panel.set_model(model, model_name)  # encodes, picks the ends again and emits the new path

    plane = explorer.plane()
    expected = plane.to_plane(panel.path())
    np.testing.assert_allclose(explorer.scatter.path(), expected, atol=1e-9)
    np.testing.assert_allclose(expected[[0, -1]], plane.to_plane(codes[list(panel.ends())]), atol=1e-5)
    assert panel.player.playing
    seen = set()

    def marker_moved_and_matches() -> None:
        index = panel.player.frame_index()
        np.testing.assert_allclose(explorer.scatter.path_marker(), expected[index], atol=1e-9)
        seen.add(index)
        assert len(seen) >= 3

    qtbot.waitUntil(marker_moved_and_matches, timeout=5_000)
    panel.hide()
    assert len(explorer.scatter.path()) == 0  # drawn only while the preview is in sight


def test_the_spec_controls_round_trip_every_field(qtbot):
    from app.animation.spec_form import SpecForm

    form = SpecForm()
    qtbot.addWidget(form)
    assert form.spec() == InterpolationSpec()  # starts at the command line's defaults
    for spec in (SPEC, replace(SPEC, mode="lerp", ping_pong=False, caption=False, fps=12, scale=1, inputs=False)):
        with qtbot.waitSignal(form.changed):
            form.set_spec(spec)
        assert form.spec() == spec
