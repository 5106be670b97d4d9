"""The installed app on the user's system: its version, and its entry in the launcher of Linux desktops.

``latent-lab --install-desktop-entry`` writes a .desktop file and the icon under the user's data folder, where
freedesktop.org desktops (GNOME, KDE, Xfce, ...) look for them: ``$XDG_DATA_HOME`` (or ~/.local/share)
``/applications/latent-lab.desktop`` and ``/icons/hicolor/scalable/apps/latent-lab.svg``.
``--uninstall-desktop-entry`` deletes those two files and nothing else.

No Qt here: main.py runs these before (and instead of) opening a window.
"""
from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "latent-lab"        # the name on PyPI, of the command, the desktop file, the icon and the data folder
DESKTOP_FILE = Path("applications") / f"{DISTRIBUTION}.desktop"
ICON_FILE = Path("icons") / "hicolor" / "scalable" / "apps" / f"{DISTRIBUTION}.svg"
# Reserved in an Exec argument: an argument holding one is quoted (Desktop Entry Specification, "The Exec key").
_RESERVED = set(" \t\"'\\><~|&;$*?#()`")


def version() -> str:
    """The installed package's version, or "development" when it runs from a checkout that was not installed."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "development"


def command_name(argv0: str) -> str:
    """How the user starts the app, for messages: ``latent-lab`` when installed, ``python main.py`` in a checkout."""
    return DISTRIBUTION if Path(argv0).name == DISTRIBUTION else "python main.py"


def data_home(environ: Mapping[str, str]) -> Path:
    """The user's data folder: ``$XDG_DATA_HOME`` when it is an absolute path, else ~/.local/share (XDG Base
    Directory Specification)."""
    xdg = environ.get("XDG_DATA_HOME", "")
    return Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"


def launcher_command(argv0: str, executable: str) -> list[str]:
    """The command that started this process, to start the app from the launcher: the installed ``latent-lab``
    script by its absolute path, or this Python on main.py when run from a checkout (``python main.py ...``)."""
    script = Path(argv0) if argv0 else None
    if script is not None and script.is_file():
        if script.suffix == ".py":
            return [executable, str(script.absolute())]
        return [str(script.absolute())]
    found = shutil.which(DISTRIBUTION)
    if found is None:
        raise FileNotFoundError(f"cannot find the {DISTRIBUTION} command to start the app with")
    return [str(Path(found).absolute())]


def exec_value(command: Sequence[str]) -> str:
    """``command`` as the value of an Exec key: each argument quoted where it needs to be, ``%`` doubled, and then
    the backslashes of the whole value doubled (a desktop file's string escape)."""
    arguments = []
    for argument in command:
        if "\n" in argument or "\r" in argument:
            raise ValueError(f"a desktop file cannot start a command with a line break in it: {argument!r}")
        if any(character in _RESERVED for character in argument):
            argument = '"' + "".join("\\" + c if c in '"`$\\' else c for c in argument) + '"'
        arguments.append(argument.replace("%", "%%"))
    return " ".join(arguments).replace("\\", "\\\\")


def desktop_entry(command: Sequence[str]) -> str:
    """The .desktop file that starts ``command`` (a list of arguments) from the launcher."""
    try_exec = command[0].replace("\\", "\\\\")
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        "Name=Latent Lab",
        "GenericName=Autoencoder Lab",
        "Comment=Watch autoencoders and VAEs learn",
        f"Exec={exec_value(command)}",
        f"TryExec={try_exec}",               # the entry hides itself once the program is uninstalled
        f"Icon={DISTRIBUTION}",
        "Terminal=false",
        "Categories=Science;ArtificialIntelligence;",
        "Keywords=autoencoder;VAE;neural network;machine learning;MNIST;latent space;",
        "StartupNotify=true",
        f"StartupWMClass={DISTRIBUTION}",    # the window's class on X11: Qt takes it from the application name
        "",
    ])


def install_desktop_entry(data_folder: Path, command: Sequence[str], icon: Path) -> list[Path]:
    """Write the desktop file and the icon under ``data_folder`` (replacing earlier ones); returns their paths."""
    entry, icon_copy = data_folder / DESKTOP_FILE, data_folder / ICON_FILE
    text = desktop_entry(command)          # before anything is written: a command it cannot hold writes nothing
    icon_copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(icon, icon_copy)
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(text, encoding="utf-8")
    return [entry, icon_copy]


def uninstall_desktop_entry(data_folder: Path) -> list[Path]:
    """Delete the desktop file and the icon from ``data_folder``; returns those that were there."""
    removed = []
    for path in (data_folder / DESKTOP_FILE, data_folder / ICON_FILE):
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(path)
    return removed


def run_desktop_command(option: str, icon: Path, environ: Mapping[str, str] | None = None,
                        platform: str = sys.platform, argv0: str | None = None) -> int:
    """``--install-desktop-entry`` or ``--uninstall-desktop-entry``, as main.py runs it (``argv0`` defaults to this
    process's, ``environ`` to its environment); prints what it did and returns the exit status."""
    environ = os.environ if environ is None else environ
    argv0 = sys.argv[0] if argv0 is None else argv0
    if platform in ("darwin", "win32", "cygwin"):
        print(f"error: {option} is for Linux and other freedesktop.org desktops; on this system start the app with "
              f"`{DISTRIBUTION}`", file=sys.stderr)
        return 2
    folder = data_home(environ)
    try:
        if option == "--install-desktop-entry":
            written = install_desktop_entry(folder, launcher_command(argv0, sys.executable), icon)
            print("\n".join(f"installed {path}" for path in written))
        else:
            removed = uninstall_desktop_entry(folder)
            print("\n".join(f"removed {path}" for path in removed) or f"no desktop entry to remove in {folder}")
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
