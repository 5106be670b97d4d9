"""The questions asked in dialogs: each over the window, with its title, and the user's answer handed back as the
workspace's commands take it (a Path or None, a SaveAnswer, yes or no). The scripted answers the other tests use
ask the same questions."""
from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.window.dialog_questions import DialogQuestions
from app.workspace.questions import Questions, SaveAnswer
from tests.helpers import ScriptedQuestions

BUTTON = QMessageBox.StandardButton


@pytest.fixture
def parent(qtbot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def public_methods(cls: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


def test_the_dialogs_and_the_scripted_answers_ask_exactly_the_questions_of_the_interface():
    assert public_methods(DialogQuestions) == public_methods(ScriptedQuestions) == public_methods(Questions)


@pytest.mark.parametrize("button, answer", [(BUTTON.Save, SaveAnswer.SAVE), (BUTTON.Discard, SaveAnswer.DISCARD),
                                            (BUTTON.Cancel, SaveAnswer.CANCEL), (BUTTON.NoButton, SaveAnswer.CANCEL)])
def test_save_discard_or_cancel_comes_back_as_the_answer(parent, monkeypatch, button, answer):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *args: asked.append(args) or button))
    assert DialogQuestions(parent).ask_to_save() is answer
    shown_over, title, _text, buttons, default = asked[0]
    assert shown_over is parent and title == "Save the model?" and default == BUTTON.Save
    assert buttons == BUTTON.Save | BUTTON.Discard | BUTTON.Cancel


@pytest.mark.parametrize("button, restore", [(BUTTON.Yes, True), (BUTTON.Discard, False)])
def test_the_offer_of_a_crashed_sessions_model_describes_it(parent, monkeypatch, button, restore):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *args: asked.append(args) or button))
    assert DialogQuestions(parent).ask_to_restore("A VAE trained for 2 steps") is restore
    assert asked[0][1] == "Restore the unsaved model?" and "A VAE trained for 2 steps" in asked[0][2]


@pytest.mark.parametrize("question, dialog, title", [
    ("ask_model_to_open", "getOpenFileName", "Open Model"),
    ("ask_model_to_save", "getSaveFileName", "Save Model"),
    ("ask_dataset_file_to_open", "getOpenFileName", "Open Dataset"),
    ("ask_dataset_folder_to_open", "getExistingDirectory", "Open IDX Folder"),
])
def test_each_file_question_opens_its_dialog_and_a_cancelled_one_answers_none(parent, monkeypatch, tmp_path,
                                                                              question, dialog, title):
    chosen = str(tmp_path / "chosen")
    asked = []

    def answer(*args):
        asked.append(args)
        reply = chosen if len(asked) == 1 else ""         # then the user cancels
        return reply if dialog == "getExistingDirectory" else (reply, "")

    monkeypatch.setattr(QFileDialog, dialog, staticmethod(answer))
    ask = getattr(DialogQuestions(parent), question)
    offered = tmp_path / "model.npz" if question == "ask_model_to_save" else str(tmp_path)
    assert ask(offered) == Path(chosen)
    assert ask(offered) is None
    assert asked[0][0] is parent and asked[0][1] == title and asked[0][2] == str(offered)
