"""Latent Lab's entry point: no arguments opens the desktop app, one .npz file opens the app with it (a model, or
a dataset), a command runs headless.

Installed, this is the ``latent-lab`` command (pyproject.toml, [project.scripts]). The headless commands
(core.cli.commands), ``--version`` and the desktop entry options never import Qt.
"""
from __future__ import annotations

import sys
from pathlib import Path

DESKTOP_OPTIONS = ("--install-desktop-entry", "--uninstall-desktop-entry")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (len(argv) == 1 and argv[0].lower().endswith(".npz")):
        from app.application import run_app
        return run_app(sys.argv[:1], Path(argv[0]) if argv else None)
    if argv == ["--version"]:
        from app.installation import DISTRIBUTION, version
        print(f"{DISTRIBUTION} {version()}")
        return 0
    if len(argv) == 1 and argv[0] in DESKTOP_OPTIONS:
        from app.installation import run_desktop_command
        from app.workspace.paths import APP_ICON
        return run_desktop_command(argv[0], APP_ICON)
    from threadpoolctl import threadpool_limits

    from app.workspace.paths import RESOURCES
    from core.cli.commands import run_cli
    # One BLAS thread: the trainer runs part of each batch on every core itself (core/parallel/training_step.py).
    with threadpool_limits(limits=1, user_api="blas"):
        return run_cli(argv, RESOURCES)


if __name__ == "__main__":
    sys.exit(main())
