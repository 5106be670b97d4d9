"""The names the settings are kept under: latent-lab, with the settings of the earlier names (up to 0.1.0, "Latent
Lab") taken over once, so that no one loses theirs."""
from __future__ import annotations

from PySide6.QtCore import QSettings

from app import application
from app.workspace.app_settings import AppSettings, adopt_earlier_settings


def ini(path) -> QSettings:
    return QSettings(str(path), QSettings.Format.IniFormat)


def test_the_settings_and_the_data_are_kept_under_latent_lab():
    assert application.ORGANIZATION == application.APPLICATION == "latent-lab"
    assert application.DISPLAY_NAME == "Latent Lab"
    assert AppSettings().data_folder().name == "latent-lab"


def test_the_earlier_settings_are_taken_over_once(tmp_path):
    earlier = ini(tmp_path / "Latent Lab.conf")
    AppSettings(earlier).set_last_folder("/home/someone/models")
    AppSettings(earlier).add_recent_model("/home/someone/models/vae.npz")
    earlier.sync()
    store = ini(tmp_path / "latent-lab.conf")

    assert adopt_earlier_settings(store, earlier)
    settings = AppSettings(ini(tmp_path / "latent-lab.conf"))      # read back from the file
    assert settings.last_folder() == "/home/someone/models"
    assert settings.recent_models() == ["/home/someone/models/vae.npz"]

    AppSettings(store).set_last_folder("/elsewhere")                # the new settings are never overwritten again
    assert not adopt_earlier_settings(store, earlier)
    assert AppSettings(store).last_folder() == "/elsewhere"


def test_nothing_is_taken_over_when_there_were_no_earlier_settings(tmp_path):
    store = ini(tmp_path / "latent-lab.conf")
    assert not adopt_earlier_settings(store, ini(tmp_path / "missing.conf"))
    assert store.allKeys() == [] and not (tmp_path / "latent-lab.conf").exists()
