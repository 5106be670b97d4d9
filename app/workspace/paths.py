"""Where the app finds its bundled files. Only app/ reads resources/; core receives paths as arguments."""
from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
BUNDLED_DATASET = RESOURCES / "mnist5k.npz"
APP_ICON = RESOURCES / "icons" / "latent_lab.svg"
