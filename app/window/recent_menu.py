"""File > Open Recent: the model files opened or saved lately (AppSettings keeps the list), numbered for the
keyboard, each with its folder so that two files of the same name can be told apart."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QMenu, QWidget

from app.workspace.app_settings import AppSettings

FOLDER_CHARS = 48  # a longer folder is shortened in its middle


class RecentModelsMenu(QMenu):
    """Lists ``settings.recent_models()`` each time it opens; choosing one calls ``open_model(path)``, which
    returns whether it opened. A file that no longer exists is taken off the list when chosen."""

    def __init__(self, settings: AppSettings, open_model: Callable[[Path], bool],
                 parent: QWidget | None = None) -> None:
        super().__init__("Open &Recent", parent)
        self.settings = settings
        self.open_model = open_model
        self.setToolTipsVisible(True)
        self.aboutToShow.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Rebuild the entries from the settings."""
        self.clear()
        paths = self.settings.recent_models()
        for number, path in enumerate(paths, start=1):
            action = self.addAction(f"&{number}  {entry_text(Path(path))}")
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, path=path: self.choose(path))
        if not paths:
            self.addAction("No recent models").setEnabled(False)
        self.addSeparator()
        clear = self.addAction("&Clear Menu")
        clear.setEnabled(bool(paths))
        clear.triggered.connect(self.clear_list)

    def choose(self, path: str) -> bool:
        """Open ``path``; if it has gone, forget it (open_model says why it could not open it)."""
        opened = self.open_model(Path(path))
        if not opened and not Path(path).exists():
            self.settings.remove_recent_model(path)
        return opened

    @Slot()
    def clear_list(self) -> None:
        self.settings.clear_recent_models()
        self.refresh()


def entry_text(path: Path) -> str:
    """"model.npz  —  ~/runs/vae" (the home folder as ~, a long folder shortened in its middle)."""
    folder = str(path.parent)
    home = str(Path.home())
    if folder == home or folder.startswith(home + "/"):
        folder = "~" + folder[len(home):]
    if len(folder) > FOLDER_CHARS:
        half = (FOLDER_CHARS - 1) // 2
        folder = folder[:half] + "…" + folder[-half:]
    return f"{path.name.replace('&', '&&')}  —  {folder.replace('&', '&&')}"
