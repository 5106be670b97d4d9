"""The workspace commands without a window: the model files, datasets and paths opened from outside, built over a
session, its controller and the settings, answering scripted questions and reporting by signals; the Workspace that
holds the runs. That the workspace imports no widgets is an import contract (pyproject.toml), run by make test."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from app.workspace.app_settings import AppSettings
from app.workspace.dataset_commands import DatasetCommands
from app.workspace.file_commands import FileCommands
from app.workspace.path_opener import PathOpener
from app.workspace.questions import SaveAnswer
from app.workspace.recovery import Recovery
from app.workspace.session import Session
from app.workspace.training_controller import RunState, TrainingController
from app.workspace.workspace import TrainingRun, Workspace
from core.nn.config import ModelConfig
from tests.helpers import SMALL_MODEL, SMALL_TRAINING, ScriptedQuestions, weights


@pytest.fixture
def commands(qtbot, qsettings, catalog, bundled, tmp_path) -> SimpleNamespace:
    """What the window builds over one run: the commands over its session and controller, the settings and the
    questions (scripted: Discard, no file)."""
    session = Session(bundled, "mnist5k", SMALL_MODEL, SMALL_TRAINING)
    controller = TrainingController(session, blas_threads=1)
    settings = AppSettings(qsettings)
    questions = ScriptedQuestions()
    datasets = DatasetCommands(session, catalog, settings, questions)
    files = FileCommands(session, controller, settings, datasets, Recovery(tmp_path / "recovery"), questions, 1000)
    opener = PathOpener(files, datasets, controller)
    yield SimpleNamespace(session=session, controller=controller, settings=settings, questions=questions,
                          datasets=datasets, files=files, opener=opener)
    controller.shutdown()
    session.close()


def dataset_file(path: Path, dataset) -> Path:
    np.savez(path, train_images=dataset.train_images, train_labels=dataset.train_labels,
             test_images=dataset.test_images, test_labels=dataset.test_labels)
    return path


def test_save_as_asks_where_adds_the_extension_and_reports_the_saved_file(qtbot, commands, tmp_path):
    commands.session.make_trainer().step()
    commands.questions.paths["ask_model_to_save"] = tmp_path / "model"
    with qtbot.waitSignal(commands.files.model_saved, check_params_cb=lambda path: path == tmp_path / "model.npz"):
        assert commands.files.save_as()
    assert (tmp_path / "model.npz").exists() and not commands.session.dirty
    assert commands.settings.recent_models() == [str(tmp_path / "model.npz")]
    assert commands.settings.last_folder() == str(tmp_path)


def test_save_as_suggests_a_name_from_the_model_and_data_then_the_file_it_was_saved_to(qtbot, commands, tmp_path):
    suggested = []
    commands.questions.ask_model_to_save = lambda path: suggested.append(path)          # as if cancelled
    commands.settings.set_last_folder(str(tmp_path))
    commands.session.make_trainer().step()
    assert not commands.files.save_as()
    assert suggested == [tmp_path / "vae-z2-mnist5k.npz"]
    (tmp_path / "kept").mkdir()
    assert commands.files.write_checkpoint(tmp_path / "kept" / "mine.npz")
    commands.settings.set_last_folder(str(tmp_path))
    assert not commands.files.save_as()
    assert suggested[-1] == tmp_path / "kept" / "mine.npz"        # its own file, not the last folder


def test_a_save_that_cannot_be_written_names_the_file_and_keeps_the_model_unsaved(qtbot, commands, tmp_path):
    commands.session.make_trainer().step()
    (tmp_path / "a file").write_text("not a folder")
    path = tmp_path / "a file" / "model.npz"
    with qtbot.waitSignal(commands.files.failed, check_params_cb=lambda message: str(path) in message):
        assert not commands.files.write_checkpoint(path)
    assert commands.session.dirty and commands.settings.recent_models() == []


def test_opening_a_model_of_another_dataset_switches_to_it_then_shows_the_model(qtbot, commands, small_dataset,
                                                                               tmp_path):
    data = dataset_file(tmp_path / "few.npz", small_dataset)
    other = Session(small_dataset, str(data), SMALL_MODEL, SMALL_TRAINING)
    other.make_trainer().step()
    other.save(tmp_path / "other.npz")
    files, datasets = commands.files, commands.datasets
    with qtbot.waitSignals([datasets.dataset_changed, files.model_replaced, files.model_opened], order="strict",
                           check_params_cbs=[lambda dataset, spec: spec == str(data), None,
                                             lambda path, note: path == tmp_path / "other.npz" and note == ""]):
        assert files.open_checkpoint(tmp_path / "other.npz")
    session = commands.session
    assert session.dataset_spec == str(data) and len(session.dataset.train_images) == 640
    np.testing.assert_array_equal(weights(session.model), weights(other.model))
    assert commands.questions.asked == []                   # an untrained model goes without a question
    other.close()


def test_a_model_of_a_dataset_not_at_hand_opens_on_the_current_one_with_a_note(qtbot, commands, small_dataset,
                                                                              tmp_path):
    other = Session(small_dataset, str(tmp_path / "gone.npz"), SMALL_MODEL, SMALL_TRAINING)
    other.save(tmp_path / "other.npz")
    with qtbot.waitSignal(commands.files.model_opened, check_params_cb=lambda path, note: "not available" in note):
        assert commands.files.open_checkpoint(tmp_path / "other.npz")
    assert commands.session.dataset_spec == "mnist5k"


def test_replacing_a_trained_model_asks_first_and_cancelling_either_question_keeps_it(qtbot, commands, tmp_path):
    Session(commands.session.dataset, "mnist5k", SMALL_MODEL, SMALL_TRAINING).save(tmp_path / "other.npz")
    commands.session.make_trainer().step()
    trained = weights(commands.session.model)
    questions = commands.questions
    questions.save = SaveAnswer.CANCEL
    assert not commands.files.open_checkpoint(tmp_path / "other.npz")
    questions.save = SaveAnswer.SAVE                         # then no file to save it to: the Save dialog cancelled
    assert not commands.files.open_checkpoint(tmp_path / "other.npz")
    assert questions.asked == ["ask_to_save", "ask_to_save", "ask_model_to_save"]
    np.testing.assert_array_equal(weights(commands.session.model), trained)
    questions.save = SaveAnswer.DISCARD
    assert commands.files.open_checkpoint(tmp_path / "other.npz")
    assert commands.session.history.steps == 0


def test_an_unreadable_checkpoint_fails_before_any_question(qtbot, commands, tmp_path):
    commands.session.make_trainer().step()
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"not a zip file at all")
    with qtbot.waitSignal(commands.files.failed, check_params_cb=lambda message: str(bad) in message):
        assert not commands.files.open_checkpoint(bad)
    assert commands.questions.asked == [] and commands.session.history.steps == 1


def test_a_dataset_file_chosen_in_the_dialog_is_loaded_and_its_folder_remembered(qtbot, commands, small_dataset,
                                                                               tmp_path):
    path = dataset_file(tmp_path / "few.npz", small_dataset)
    commands.questions.paths["ask_dataset_file_to_open"] = path
    datasets = commands.datasets
    with qtbot.waitSignals([datasets.dataset_changed, datasets.dataset_opened], order="strict"):
        assert datasets.open_dataset_file()
    assert commands.session.dataset_spec == str(path) and commands.settings.last_folder() == str(tmp_path)
    assert not datasets.open_dataset_folder()             # the folder dialog cancelled
    assert commands.questions.asked == ["ask_dataset_file_to_open", "ask_dataset_folder_to_open"]


def test_full_mnist_not_yet_downloaded_is_asked_for_and_not_loaded(qtbot, commands):
    with qtbot.waitSignal(commands.datasets.download_requested):
        assert not commands.datasets.load_dataset("mnist")
    assert commands.session.dataset_spec == "mnist5k"


def test_a_dataset_that_cannot_be_loaded_fails_with_the_reason_and_keeps_the_current_one(qtbot, commands, tmp_path):
    bad = tmp_path / "digits.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with qtbot.waitSignal(commands.datasets.failed, check_params_cb=lambda message: str(bad) in message):
        assert not commands.datasets.load_dataset(str(bad))
    assert commands.session.dataset_spec == "mnist5k"


def test_a_path_opens_as_a_model_or_a_dataset_and_a_dataset_only_while_no_run_goes(qtbot, commands, small_dataset,
                                                                                  tmp_path):
    commands.session.save(tmp_path / "model.npz")
    data = dataset_file(tmp_path / "few.npz", small_dataset)
    with qtbot.waitSignal(commands.files.model_opened):
        assert commands.opener.open_path(tmp_path / "model.npz")
    running = PathOpener(commands.files, commands.datasets, SimpleNamespace(state=RunState.RUNNING))
    with qtbot.waitSignal(running.refused, check_params_cb=lambda message: "Stop training" in message):
        assert not running.open_path(data)
    assert commands.session.dataset_spec == "mnist5k"
    with qtbot.waitSignal(commands.datasets.dataset_opened):
        assert commands.opener.open_path(data)


def test_the_workspace_starts_on_the_last_dataset_or_says_why_not(qsettings, catalog, small_dataset, tmp_path):
    settings = AppSettings(qsettings)
    workspace = Workspace(settings, catalog)
    settings.set_dataset_spec(str(dataset_file(tmp_path / "few.npz", small_dataset)))
    dataset, spec, note = workspace.first_dataset()
    assert spec == str(tmp_path / "few.npz") and len(dataset.train_images) == 640 and note == ""
    (tmp_path / "few.npz").write_bytes(b"PK\x03\x04 truncated")
    dataset, spec, note = workspace.first_dataset()
    assert spec == "mnist5k" and "Could not load the last dataset" in note


def test_the_first_run_added_is_the_current_one(qtbot, qsettings, catalog, bundled):
    workspace = Workspace(AppSettings(qsettings), catalog)
    runs = []
    for kind in ("ae", "vae"):
        session = Session(bundled, "mnist5k", ModelConfig(kind=kind, hidden=(16,)), SMALL_TRAINING)
        runs.append(workspace.add_run(TrainingRun(session, TrainingController(session))))
    assert workspace.runs == runs and workspace.current is runs[0]
    workspace.close()
