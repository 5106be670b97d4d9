"""Unexpected errors, shown in the window instead of only on a terminal the user may not have.

PySide hands an exception raised in a slot or a Qt virtual method to ``sys.excepthook``, prints it and carries on:
launched from a desktop menu, the user would see a command that silently did nothing. ``ErrorReport.install()``
keeps that printout, appends the traceback to a log file, and shows a one-line summary in the window's message bar,
with a button that copies the full report. Errors raised on other threads (``threading.excepthook``) reach the
window through a queued signal, so the message bar is only ever touched on the GUI thread. pyqtgraph catches an
exception raised in a plot's mouse handler (a hover, a click, a drag) and only warns with ``debug.printExc``; while
installed, the report wraps that function too, so such an error is shown and logged like the others.

A fatal error (a segmentation fault in a library, say) ends the process before any hook runs. For those, Python's
``faulthandler`` writes every thread's traceback to ``crash-<pid>.log`` beside the log, a file that a normal exit
deletes. The next launch finds the file of a process that no longer runs, moves its report into the log and says
that the last session ended unexpectedly (its unsaved model, if any, is offered back by app/workspace/recovery.py).
"""
from __future__ import annotations

import faulthandler
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from types import TracebackType

import pyqtgraph.debug
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow

from app.window.message_bar import MessageBar
from app.workspace.recovery import is_running

LOG_LIMIT_BYTES = 1_000_000      # past this size the log starts again, the previous one kept as errors.log.1
SUMMARY_LIMIT = 200              # characters of the error shown in the window; the log has all of it
CRASH_PREFIX = "crash-"


class ErrorReport(QObject):
    """Logs unexpected exceptions to ``log_path`` and shows them in ``message_bar``. Make it on the GUI thread."""

    reported = Signal(str, str)        # message, full report; emitted on any thread, handled on the GUI thread

    def __init__(self, message_bar: MessageBar, log_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.message_bar = message_bar
        self.log_path = log_path
        self.last_report = ""
        self.crash_path = log_path.with_name(f"{CRASH_PREFIX}{os.getpid()}.log")
        self._log_lock = threading.Lock()
        self._last_logged = ""          # an error repeated at every mouse move is logged once
        self._previous_hooks = None
        self._pyqtgraph_print_exc = None
        self._crash_file = None
        self._faulthandler_was_enabled = False
        self.reported.connect(self._on_reported)

    def install(self) -> None:
        """Report what an earlier session's fatal error left, then become ``sys.excepthook`` and
        ``threading.excepthook``, and send fatal errors to this process's crash file, until ``uninstall()``."""
        self._report_earlier_crashes()
        self._previous_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self._thread_excepthook
        self._pyqtgraph_print_exc = pyqtgraph.debug.printExc
        pyqtgraph.debug.printExc = self._print_pyqtgraph_exception
        self._faulthandler_was_enabled = faulthandler.is_enabled()
        try:
            self.crash_path.parent.mkdir(parents=True, exist_ok=True)
            self._crash_file = self.crash_path.open("w", encoding="utf-8")
        except OSError:
            return                               # the app runs on without a crash report
        faulthandler.enable(self._crash_file, all_threads=True)

    def uninstall(self) -> None:
        """Give the hooks back and delete this process's crash file: the process ends normally."""
        if self._previous_hooks is not None:
            sys.excepthook, threading.excepthook = self._previous_hooks
            self._previous_hooks = None
            pyqtgraph.debug.printExc = self._pyqtgraph_print_exc
        if self._crash_file is not None:
            faulthandler.disable()
            if self._faulthandler_was_enabled and sys.__stderr__ is not None:
                faulthandler.enable(sys.__stderr__, all_threads=True)
            self._crash_file.close()
            self._crash_file = None
            self.crash_path.unlink(missing_ok=True)

    def excepthook(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None,
                   printed: bool = False) -> None:
        """Print (unless ``printed`` already), log and show one exception; Ctrl+C and the like go to Python's own
        hook."""
        if not issubclass(kind, Exception):
            sys.__excepthook__(kind, error, trace)
            return
        report = "".join(traceback.format_exception(kind, error, trace))
        if sys.stderr is not None and not printed:          # None when started without a console
            sys.stderr.write(report)
        written = self._append_to_log(report)
        summary = f"{kind.__name__}: {error}" if str(error) else kind.__name__
        if len(summary) > SUMMARY_LIMIT:
            summary = summary[:SUMMARY_LIMIT - 1] + "…"
        where = f" The full report is in {_home_relative(self.log_path)}." if written else ""
        self.reported.emit(f"Something went wrong inside Latent Lab ({summary}); the last command may not have "
                           f"finished.{where}", report)

    def _report_earlier_crashes(self) -> None:
        """Move the reports of earlier sessions that ended in a fatal error into the log, and say so. The crash
        file of a session that was killed (empty) is deleted; one of a process that still runs is left alone."""
        reports = []
        for path in sorted(self.log_path.parent.glob(f"{CRASH_PREFIX}*.log")):
            pid = path.stem[len(CRASH_PREFIX):]
            try:
                if path == self.crash_path or not pid.isdigit() or is_running(int(pid), path.stat().st_mtime):
                    continue
                ended = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(path.stat().st_mtime))
                report = path.read_text(encoding="utf-8", errors="replace").strip()
                path.unlink()
            except OSError:
                continue
            if report:
                reports.append(f"The session of process {pid} ended with a fatal error at {ended}:\n{report}\n")
        if not reports:
            return
        report = "\n".join(reports)
        written = self._append_to_log(report)
        where = f" Its report is in {_home_relative(self.log_path)}." if written else ""
        self.reported.emit(f"Latent Lab closed unexpectedly last time ({_fatal_error(report)}).{where}", report)

    def _print_pyqtgraph_exception(self, *args, **kwargs) -> None:
        """pyqtgraph's ``debug.printExc``, called in its ``except`` blocks: its warning, then this report."""
        self._pyqtgraph_print_exc(*args, **kwargs)
        kind, error, trace = sys.exc_info()
        if kind is not None:
            self.excepthook(kind, error, trace, printed=True)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if issubclass(args.exc_type, Exception):
            self.excepthook(args.exc_type, args.exc_value, args.exc_traceback)
        else:                               # SystemExit ends a thread quietly, as Python's own hook lets it
            threading.__excepthook__(args)

    def _append_to_log(self, report: str) -> bool:
        """Append ``report`` with the time, unless it repeats the last one; False when the log cannot be written
        (the window still shows it)."""
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        try:
            with self._log_lock:
                if report == self._last_logged:
                    return True
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                if self.log_path.exists() and self.log_path.stat().st_size > LOG_LIMIT_BYTES:
                    self.log_path.replace(self.log_path.with_name(self.log_path.name + ".1"))
                with self.log_path.open("a", encoding="utf-8") as log:
                    log.write(f"--- {stamp}\n{report}\n")
                self._last_logged = report
            return True
        except OSError:
            return False

    @Slot(str, str)
    def _on_reported(self, message: str, report: str) -> None:
        self.last_report = report
        self.message_bar.show_message(message, "error", ("Copy Report", self._copy_report))

    def _copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.last_report)
        window = self.message_bar.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage("The error report is on the clipboard.", 5000)


def _fatal_error(report: str) -> str:
    """What a faulthandler report says happened ("Fatal Python error: Segmentation fault")."""
    line = next((line.strip() for line in report.splitlines() if line.startswith("Fatal Python error")),
                "a fatal error")
    return line if len(line) <= SUMMARY_LIMIT else line[:SUMMARY_LIMIT - 1] + "…"


def _home_relative(path: Path) -> str:
    """``path`` as the user would type it: ~/... under their home folder."""
    home = Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)
