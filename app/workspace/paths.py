"""Where the app finds its bundled files. Only app/ and main.py read resources/; core receives paths as arguments.

resources/ is installed as the package ``latent_lab_resources`` (pyproject.toml, [tool.setuptools.package-dir]), so
the files are found through that package: in site-packages after ``pip install``, in the checkout after the
editable install of ``make setup``.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE = "latent_lab_resources"


def resources_folder() -> Path:
    """The folder of the bundled files, found through the installed package. A checkout whose installation predates
    the package (or that was never installed) has no such package to find: there it is resources/ in the checkout,
    beside this package."""
    try:
        return Path(str(files(PACKAGE)))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "resources"


RESOURCES = resources_folder()
BUNDLED_DATASET = RESOURCES / "mnist5k.npz"
APP_ICON = RESOURCES / "icons" / "latent_lab.svg"
