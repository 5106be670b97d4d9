"""An unexpected error in a slot or on another thread: shown in the message bar, logged, copyable; a fatal error
(a crash) reported at the next launch."""
from __future__ import annotations

import faulthandler
import os
import resource
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QObject, QPoint, QRectF, QTimer, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from app.window.error_report import ErrorReport
from app.window.message_bar import MessageBar


class Broken(QObject):
    @Slot()
    def divide(self) -> None:
        print(1 / 0)


@pytest.fixture
def report(qtbot, tmp_path):
    bar = MessageBar()
    qtbot.addWidget(bar)
    error_report = ErrorReport(bar, tmp_path / "data" / "errors.log")
    error_report.install()            # in place of pytest-qt's own hook, which would fail the test
    yield error_report
    error_report.uninstall()


def test_an_exception_in_a_slot_is_shown_and_logged(qtbot, report, capsys):
    broken = Broken()
    QTimer.singleShot(0, broken.divide)
    qtbot.waitUntil(lambda: report.message_bar.text() != "", timeout=5_000)
    text = report.message_bar.text()
    assert "ZeroDivisionError: division by zero" in text and "errors.log" in text
    assert report.message_bar.level == "error"
    log = report.log_path.read_text()
    assert "in divide" in log and "ZeroDivisionError" in log
    assert "ZeroDivisionError" in capsys.readouterr().err           # still printed, as without the hook


def test_an_exception_on_another_thread_reaches_the_bar_on_the_gui_thread(qtbot, report, monkeypatch):
    shown_on = []
    show = report.message_bar.show_message
    monkeypatch.setattr(report.message_bar, "show_message",
                        lambda *args: (shown_on.append(threading.current_thread()), show(*args)))

    def fail() -> None:
        raise OSError("disk on fire")

    thread = threading.Thread(target=fail)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(shown_on) > 0, timeout=5_000)
    assert shown_on == [threading.main_thread()]
    assert "OSError: disk on fire" in report.message_bar.text()


def test_an_unwritable_log_still_shows_the_error(qtbot, report):
    report.log_path.mkdir()                                # a folder where the log file should be
    report.excepthook(*raised(ValueError("bad value")))
    qtbot.waitUntil(lambda: report.message_bar.text() != "", timeout=5_000)
    assert "ValueError: bad value" in report.message_bar.text()
    assert "full report" not in report.message_bar.text()


def test_a_long_error_message_is_cut_in_the_bar_but_whole_in_the_log(qtbot, report):
    report.excepthook(*raised(ValueError("x" * 5_000)))
    qtbot.waitUntil(lambda: report.message_bar.text() != "", timeout=5_000)
    assert len(report.message_bar.text()) < 400 and "x…)" in report.message_bar.text()
    assert "x" * 5_000 in report.log_path.read_text()


def test_a_full_log_starts_again_keeping_the_previous_one(qtbot, report, monkeypatch):
    monkeypatch.setattr("app.window.error_report.LOG_LIMIT_BYTES", 100)
    report.excepthook(*raised(ValueError("first")))
    report.excepthook(*raised(ValueError("second")))
    previous = report.log_path.with_name("errors.log.1")
    assert "first" in previous.read_text() and "second" not in previous.read_text()
    assert "second" in report.log_path.read_text() and "first" not in report.log_path.read_text()


def test_copy_report_puts_the_traceback_on_the_clipboard(qtbot, report):
    report.excepthook(*raised(KeyError("missing")))
    qtbot.waitUntil(lambda: report.message_bar.text() != "", timeout=5_000)
    assert report.message_bar.action_button.text() == "Copy Report"
    report.message_bar.action_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("Traceback") and "KeyError: 'missing'" in copied


def test_in_the_window_copying_says_so_in_the_status_bar(qtbot, window, tmp_path):
    report = ErrorReport(window.message_bar, tmp_path / "errors.log")
    report.excepthook(*raised(RuntimeError("boom")))
    qtbot.waitUntil(lambda: "RuntimeError: boom" in window.message_bar.text(), timeout=5_000)
    window.message_bar.action_button.click()
    assert "RuntimeError: boom" in QGuiApplication.clipboard().text()
    assert window.statusBar().currentMessage() == "The error report is on the clipboard."


def test_uninstall_gives_the_hooks_back(report):
    assert sys.excepthook == report.excepthook
    report.uninstall()
    assert sys.excepthook != report.excepthook and threading.excepthook != report._thread_excepthook


def raised(error: Exception):
    try:
        raise error
    except Exception:
        return sys.exc_info()


CRASHING_APP = textwrap.dedent("""
    import faulthandler, sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from app.window.error_report import ErrorReport
    from app.window.message_bar import MessageBar
    app = QApplication([])
    ErrorReport(MessageBar(), Path(sys.argv[1])).install()
    faulthandler._sigsegv()           # a segmentation fault, as a broken library would cause
""")


def test_a_crash_is_reported_at_the_next_launch(qtbot, tmp_path):
    log = tmp_path / "data" / "errors.log"
    root = Path(__file__).resolve().parents[3]
    crashed = subprocess.run([sys.executable, "-c", CRASHING_APP, str(log)], cwd=tmp_path, capture_output=True,
                             env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root)},
                             preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))   # no core file
    assert crashed.returncode != 0
    assert [path.name for path in log.parent.iterdir()] == [f"crash-{crashed_pid(log)}.log"]

    bar = MessageBar()
    qtbot.addWidget(bar)
    next_launch = ErrorReport(bar, log)
    next_launch.install()
    next_launch.uninstall()
    assert "closed unexpectedly last time (Fatal Python error: Segmentation fault)" in bar.text()
    assert "errors.log" in bar.text()
    logged = log.read_text()
    assert "Segmentation fault" in logged and "<module>" in logged          # the crashed thread's traceback
    assert list(log.parent.glob("crash-*.log")) == []


def test_crash_files_of_killed_and_running_sessions(qtbot, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    killed = folder / f"crash-{ended_pid()}.log"
    killed.write_text("")                                  # killed (or power cut): nothing was written
    running = folder / f"crash-{os.getppid()}.log"
    running.write_text("")                                 # another instance, still running
    bar = MessageBar()
    qtbot.addWidget(bar)
    report = ErrorReport(bar, folder / "errors.log")
    report.install()
    assert report.crash_path.exists()                      # this session's own, empty while it runs
    report.uninstall()
    assert not killed.exists() and running.exists() and not report.crash_path.exists()
    assert bar.text() == "" and not (folder / "errors.log").exists()


def test_uninstall_gives_faulthandler_back(qtbot, report):
    assert faulthandler.is_enabled()
    report.uninstall()
    assert faulthandler.is_enabled()          # pytest's own, to stderr


def crashed_pid(log: Path) -> str:
    return next(log.parent.glob("crash-*.log")).stem.removeprefix("crash-")


def ended_pid() -> int:
    """The id of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


class ExplodingItem(pg.GraphicsObject):
    """A plot item whose hover handler has a bug: pyqtgraph catches what it raises and only warns."""

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, 100, 100)

    def paint(self, painter, *args) -> None:
        painter.drawRect(self.boundingRect())

    def hoverEvent(self, event) -> None:
        raise KeyError("no such point")


def test_an_exception_in_a_plot_mouse_handler_that_pyqtgraph_catches_is_shown_too(qtbot, report):
    view = pg.GraphicsView()
    qtbot.addWidget(view)
    view.setRange(QRectF(0, 0, 100, 100), padding=0)
    view.addItem(ExplodingItem())
    view.resize(200, 200)
    view.show()
    qtbot.waitExposed(view)
    with pytest.warns(RuntimeWarning, match="Error sending hover event") as warned:     # pyqtgraph's warning stays
        for x in (90, 100, 110):
            QTest.mouseMove(view.viewport(), QPoint(x, 100))
            qtbot.wait(30)                                     # past pyqtgraph's 10 ms mouse rate limit
        qtbot.waitUntil(lambda: "KeyError" in report.message_bar.text(), timeout=5_000)
    assert len(warned) >= 2
    assert report.log_path.read_text().count("in hoverEvent") == 1      # once, however often it was raised
    report.uninstall()
    assert pg.debug.printExc.__module__ == "pyqtgraph.debug"   # given back
