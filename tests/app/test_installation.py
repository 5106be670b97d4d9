"""The installed app on the user's system (app/installation.py): `--version`, and the desktop entry that puts Latent
Lab in the launcher of Linux desktops, installed and removed in a temporary data folder (never the user's)."""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import main
from app.installation import (
    DESKTOP_FILE,
    ICON_FILE,
    command_name,
    data_home,
    desktop_entry,
    exec_value,
    launcher_command,
    run_desktop_command,
    version,
)
from app.workspace.paths import APP_ICON, BUNDLED_DATASET, RESOURCES

ROOT = Path(main.__file__).resolve().parent


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str                # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return dict(parser["Desktop Entry"])


@pytest.fixture
def script(tmp_path) -> Path:
    """An installed `latent-lab` script, as pip writes one."""
    path = tmp_path / "venv" / "bin" / "latent-lab"
    path.parent.mkdir(parents=True)
    path.write_text("#!/usr/bin/python3\n")
    path.chmod(0o755)
    return path


def test_the_bundled_files_are_found_through_their_package():
    assert BUNDLED_DATASET.is_file() and APP_ICON.is_file()
    assert BUNDLED_DATASET.parent == RESOURCES and RESOURCES.name in ("resources", "latent_lab_resources")


def test_version_prints_the_installed_version(capsys):
    assert main.main(["--version"]) == 0
    try:
        expected = metadata.version("latent-lab")
    except metadata.PackageNotFoundError:
        expected = "development"
    assert capsys.readouterr().out == f"latent-lab {expected}\n" and version() == expected


def test_the_desktop_entry_is_installed_and_removed_under_the_data_folder(tmp_path, script, capsys):
    data = tmp_path / "data"
    (data / "applications").mkdir(parents=True)
    (data / "applications" / "other.desktop").write_text("[Desktop Entry]\n")       # another app's: stays
    environ = {"XDG_DATA_HOME": str(data)}

    assert run_desktop_command("--install-desktop-entry", APP_ICON, environ, "linux", str(script)) == 0
    entry, icon = data / "applications" / "latent-lab.desktop", data / "icons/hicolor/scalable/apps/latent-lab.svg"
    assert capsys.readouterr().out.split() == ["installed", str(entry), "installed", str(icon)]
    assert icon.read_bytes() == APP_ICON.read_bytes()
    keys = read_entry(entry)
    assert keys["Type"] == "Application" and keys["Name"] == "Latent Lab" and keys["Terminal"] == "false"
    assert keys["Exec"] == keys["TryExec"] == str(script)
    assert keys["Icon"] == "latent-lab" and keys["StartupWMClass"] == "latent-lab"
    assert keys["Categories"].endswith(";") and "Science" in keys["Categories"].split(";")

    # Installing again replaces the two files; removing deletes exactly those two.
    assert run_desktop_command("--install-desktop-entry", APP_ICON, environ, "linux", str(script)) == 0
    before = sorted(p for p in data.rglob("*") if p.is_file())
    assert run_desktop_command("--uninstall-desktop-entry", APP_ICON, environ, "linux") == 0
    after = sorted(p for p in data.rglob("*") if p.is_file())
    assert set(before) - set(after) == {entry, icon} and after == [data / "applications" / "other.desktop"]
    capsys.readouterr()
    assert run_desktop_command("--uninstall-desktop-entry", APP_ICON, environ, "linux") == 0
    assert "no desktop entry to remove" in capsys.readouterr().out


def test_messages_name_the_command_as_the_user_types_it():
    from app.application import display_problem

    assert command_name("/home/someone/.local/bin/latent-lab") == "latent-lab"
    assert command_name("main.py") == command_name("/src/latent-lab/main.py") == command_name("") == "python main.py"
    assert "Train without the window:  latent-lab train --help" in display_problem({}, "linux", "latent-lab")


def test_the_data_folder_is_xdg_data_home_or_local_share(tmp_path):
    assert data_home({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path
    for environ in ({}, {"XDG_DATA_HOME": ""}, {"XDG_DATA_HOME": "relative/path"}):    # the spec ignores those
        assert data_home(environ) == Path.home() / ".local" / "share"
    assert DESKTOP_FILE == Path("applications/latent-lab.desktop")
    assert ICON_FILE == Path("icons/hicolor/scalable/apps/latent-lab.svg")


def test_the_launcher_starts_the_command_that_installed_it(script, tmp_path):
    assert launcher_command(str(script), "/usr/bin/python3") == [str(script)]
    checkout = tmp_path / "main.py"
    checkout.write_text("")
    assert launcher_command(str(checkout), "/venv/bin/python") == ["/venv/bin/python", str(checkout)]


def test_exec_quotes_what_the_specification_reserves():
    assert exec_value(["/opt/latent-lab/bin/latent-lab"]) == "/opt/latent-lab/bin/latent-lab"
    assert exec_value(["/home/a b/bin/latent-lab"]) == '"/home/a b/bin/latent-lab"'
    # Inside quotes " ` $ \ take a backslash; then every backslash is doubled (string escape); % is doubled.
    assert exec_value(['/x/$a"b\\c/latent-lab']) == '"/x/\\\\$a\\\\"b\\\\\\\\c/latent-lab"'
    assert exec_value(["/x/100%/latent-lab"]) == "/x/100%%/latent-lab"
    with pytest.raises(ValueError, match="line break"):
        exec_value(["/x/a\nb"])


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="needs desktop-file-utils")
def test_desktop_file_validate_accepts_the_entry(tmp_path):
    path = tmp_path / "latent-lab.desktop"
    path.write_text(desktop_entry(["/home/a b/.venv/bin/python", "/home/a b/$x/main.py"]), encoding="utf-8")
    result = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_other_systems_are_told_the_entry_is_for_freedesktop_desktops(tmp_path, platform, capsys):
    environ = {"XDG_DATA_HOME": str(tmp_path)}
    assert run_desktop_command("--install-desktop-entry", APP_ICON, environ, platform, "latent-lab") == 2
    assert "freedesktop.org" in capsys.readouterr().err and not any(tmp_path.iterdir())


def test_version_and_the_desktop_entry_run_without_qt(tmp_path):
    """As a user runs them, in a process of their own: no window, no Qt loaded."""
    script = ("import sys, main\n"
              f"sys.argv[0] = {str(ROOT / 'main.py')!r}\n"       # as `python main.py ...` starts it
              "assert main.main(['--version']) == 0\n"
              "assert main.main(['--install-desktop-entry']) == 0\n"
              "assert main.main(['--uninstall-desktop-entry']) == 0\n"
              "print([m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')])\n")
    environment = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]" and "removed" in result.stdout
    assert not (tmp_path / "data" / DESKTOP_FILE).exists()


def test_the_window_icon_renders(qapp):
    """The icon run_app gives the window (an SVG: Qt draws it with its svg image plugin, which PySide6 brings)."""
    from PySide6.QtGui import QIcon

    pixmap = QIcon(str(APP_ICON)).pixmap(64, 64)
    assert not pixmap.isNull() and pixmap.width() == 64
