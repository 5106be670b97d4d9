"""Nothing is lost on a crash: a model trained since it was saved is kept in a recovery file until it is saved,
discarded or replaced, and the next launch offers back the one a crashed session left."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np

from app.window.main_window import MainWindow
from app.workspace.questions import SaveAnswer
from app.workspace.recovery import Recovery
from core.training.checkpoint import load_checkpoint
from tests.helpers import ScriptedQuestions, weights


def step_once(qtbot, window) -> None:
    with qtbot.waitSignal(window.controller.run_finished, timeout=20_000):
        window.window_actions.step.trigger()


def kept(window) -> Recovery:
    return window.file_commands.recovery


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def crash(window) -> None:
    """As if the process died: its recovery file stays, under the id of a process that no longer runs."""
    recovery = kept(window)
    os.replace(recovery.path, recovery.folder / f"unsaved-{dead_pid()}.npz")


def launch(qtbot, qsettings, catalog, answer: bool, message: str = "") -> tuple[MainWindow, list[str]]:
    """A new window that answers ``answer`` to the offer of a crashed session's model (``message`` in its message
    bar before the offer, as the app's report of a crash is), and the questions it asks (each offer with the
    model's description)."""
    questions = ScriptedQuestions(save=SaveAnswer.DISCARD, restore=answer)
    window = MainWindow(qsettings, blas_threads=1, catalog=catalog, questions=questions, train_parts=1)
    qtbot.addWidget(window)
    if message:
        window.message_bar.show_message(message, "error")
    qtbot.wait(50)                              # the offer comes once the window's event loop runs
    return window, questions.asked


def test_a_trained_model_is_kept_until_it_is_saved(qtbot, window, tmp_path):
    recovery = kept(window)
    assert recovery.folder.parent == tmp_path          # beside the test's settings, never in the user's folders
    step_once(qtbot, window)
    qtbot.waitUntil(recovery.path.exists)
    qtbot.waitUntil(lambda: not recovery.writing)
    checkpoint = load_checkpoint(recovery.path)
    assert checkpoint.history.steps == 1
    np.testing.assert_array_equal(weights(checkpoint.model), weights(window.session.model))
    assert window.file_commands.write_checkpoint(tmp_path / "saved.npz")
    assert not recovery.path.exists()


def test_the_next_launch_restores_a_crashed_sessions_model(qtbot, qsettings, catalog):
    first, _ = launch(qtbot, qsettings, catalog, answer=True)
    step_once(qtbot, first)
    step_once(qtbot, first)
    qtbot.waitUntil(lambda: kept(first).path.exists() and kept(first)._writer is None)
    trained = weights(first.session.model)
    crash(first)
    first.session.dirty = False
    first.close()

    second, asked = launch(qtbot, qsettings, catalog, answer=True, message="Latent Lab closed unexpectedly")
    qtbot.waitUntil(lambda: len(asked) > 0)
    assert asked[0].startswith("ask_to_restore: ") and "2 steps" in asked[0]
    assert second.message_bar.text() == "Latent Lab closed unexpectedly"       # still there once restored
    session = second.session
    np.testing.assert_array_equal(weights(session.model), trained)
    assert session.history.steps == 2 and session.dirty and session.path is None
    assert "Restored" in second.windowTitle()
    assert [path.name for path in kept(second).folder.iterdir()] == [kept(second).path.name]   # now its own


def test_declining_the_offer_deletes_the_file_and_starts_afresh(qtbot, qsettings, catalog):
    first, _ = launch(qtbot, qsettings, catalog, answer=True)
    step_once(qtbot, first)
    qtbot.waitUntil(lambda: kept(first).path.exists() and kept(first)._writer is None)
    crash(first)
    first.session.dirty = False
    first.close()

    second, asked = launch(qtbot, qsettings, catalog, answer=False)
    qtbot.waitUntil(lambda: len(asked) > 0)
    assert second.session.history.steps == 0 and not any(kept(second).folder.iterdir())


def test_a_running_instances_file_is_not_offered(qtbot, qsettings, catalog):
    first, _ = launch(qtbot, qsettings, catalog, answer=True)
    step_once(qtbot, first)
    qtbot.waitUntil(lambda: kept(first).path.exists() and kept(first)._writer is None)
    other = kept(first).folder / f"unsaved-{os.getppid()}.npz"       # a process that runs: this test's parent
    os.replace(kept(first).path, other)
    second, asked = launch(qtbot, qsettings, catalog, answer=True)
    qtbot.wait(200)
    assert asked == [] and other.exists()


def test_closing_mid_training_without_saving_leaves_no_file(qtbot, window, questions):
    window.panel.epochs_spin.setValue(1000)
    window.window_actions.train.trigger()
    qtbot.waitUntil(lambda: window.session.history.steps > 2, timeout=10_000)
    questions.save = SaveAnswer.DISCARD
    assert window.close()
    assert questions.asked == ["ask_to_save"]
    qtbot.wait(300)                             # anything the run sent before it ended has arrived by now
    recovery = kept(window)
    qtbot.waitUntil(lambda: not recovery.writing)
    assert not any(recovery.folder.glob("*.npz"))


def test_a_file_older_than_the_process_now_holding_its_id_is_offered(qtbot, qsettings, catalog):
    """After a reboot the id in the name may belong to another program, started after the file was written."""
    first, _ = launch(qtbot, qsettings, catalog, answer=True)
    step_once(qtbot, first)
    qtbot.waitUntil(lambda: kept(first).path.exists() and kept(first)._writer is None)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        reused = kept(first).folder / f"unsaved-{sleeper.pid}.npz"
        os.replace(kept(first).path, reused)
        an_hour_ago = time.time() - 3600
        os.utime(reused, (an_hour_ago, an_hour_ago))
        first.session.dirty = False
        first.close()
        second, asked = launch(qtbot, qsettings, catalog, answer=True)
        qtbot.waitUntil(lambda: len(asked) > 0)
        assert second.session.history.steps == 1
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_pause_keeps_what_was_trained_up_to_it(qtbot, window):
    window.panel.epochs_spin.setValue(1000)
    window.window_actions.train.trigger()
    qtbot.waitUntil(lambda: window.session.history.steps > 2, timeout=10_000)
    window.window_actions.pause.trigger()
    recovery = kept(window)
    qtbot.waitUntil(lambda: window.controller.control.parked.is_set() and recovery.path.exists()
                    and not recovery.writing, timeout=10_000)
    assert load_checkpoint(recovery.path).history.steps == window.session.history.steps
