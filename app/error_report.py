"""Unexpected errors, shown in the window instead of only on a terminal the user may not have.

PySide hands an exception raised in a slot or a Qt virtual method to ``sys.excepthook``, prints it and carries on:
launched from a desktop menu, the user would see a command that silently did nothing. ``ErrorReport.install()``
keeps that printout, appends the traceback to a log file, and shows a one-line summary in the window's message bar,
with a button that copies the full report. Errors raised on other threads (``threading.excepthook``) reach the
window through a queued signal, so the message bar is only ever touched on the GUI thread.
"""
from __future__ import annotations

import sys
import threading
import time
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QGuiApplication

from app.message_bar import MessageBar

LOG_LIMIT_BYTES = 1_000_000      # past this size the log starts again, the previous one kept as errors.log.1
SUMMARY_LIMIT = 200              # characters of the error shown in the window; the log has all of it


class ErrorReport(QObject):
    """Logs unexpected exceptions to ``log_path`` and shows them in ``message_bar``. Make it on the GUI thread."""

    reported = Signal(str, str)        # summary, full report; emitted on any thread, handled on the GUI thread

    def __init__(self, message_bar: MessageBar, log_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.message_bar = message_bar
        self.log_path = log_path
        self.last_report = ""
        self._log_lock = threading.Lock()
        self._previous_hooks = None
        self.reported.connect(self._on_reported)

    def install(self) -> None:
        """Become ``sys.excepthook`` and ``threading.excepthook`` until ``uninstall()``."""
        self._previous_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self._thread_excepthook

    def uninstall(self) -> None:
        if self._previous_hooks is not None:
            sys.excepthook, threading.excepthook = self._previous_hooks
            self._previous_hooks = None

    def excepthook(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        """Print, log and show one exception; Ctrl+C and the like go to Python's own hook."""
        if not issubclass(kind, Exception):
            sys.__excepthook__(kind, error, trace)
            return
        report = "".join(traceback.format_exception(kind, error, trace))
        if sys.stderr is not None:          # None when started without a console
            sys.stderr.write(report)
        written = self._append_to_log(report)
        summary = f"{kind.__name__}: {error}" if str(error) else kind.__name__
        if len(summary) > SUMMARY_LIMIT:
            summary = summary[:SUMMARY_LIMIT - 1] + "…"
        where = f" The full report is in {_home_relative(self.log_path)}." if written else ""
        self.reported.emit(f"Something went wrong inside Latent Lab ({summary}); the last command may not have "
                           f"finished.{where}", report)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if issubclass(args.exc_type, Exception):
            self.excepthook(args.exc_type, args.exc_value, args.exc_traceback)
        else:                               # SystemExit ends a thread quietly, as Python's own hook lets it
            threading.__excepthook__(args)

    def _append_to_log(self, report: str) -> bool:
        """Append ``report`` with the time; False when the log cannot be written (the window still shows it)."""
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        try:
            with self._log_lock:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                if self.log_path.exists() and self.log_path.stat().st_size > LOG_LIMIT_BYTES:
                    self.log_path.replace(self.log_path.with_name(self.log_path.name + ".1"))
                with self.log_path.open("a", encoding="utf-8") as log:
                    log.write(f"--- {stamp}\n{report}\n")
            return True
        except OSError:
            return False

    @Slot(str, str)
    def _on_reported(self, message: str, report: str) -> None:
        self.last_report = report
        self.message_bar.show_message(message, "error", ("Copy Report", self._copy_report))

    def _copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.last_report)


def _home_relative(path: Path) -> str:
    """``path`` as the user would type it: ~/... under their home folder."""
    home = Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)
