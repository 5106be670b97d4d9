#!/usr/bin/env bash
# Installs Latent Lab as a user would, away from the checkout: builds the wheel, installs it into a fresh virtual
# environment in a temporary folder, and runs the installed `latent-lab` from another folder: --version, one epoch
# of training on the bundled digits (with its helper process where there are two cores), the saved model's
# history, and the desktop entry in a temporary data folder. None of these opens a window.
# `make wheel-check` runs it (CI too, .ci/run); PYTHON names the interpreter that builds (default .venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A copy of what the build reads, so that the checkout gets no build/ or .egg-info folder to go stale.
mkdir "$work/source"
cp -r pyproject.toml README.md LICENSE main.py core app resources "$work/source/"
find "$work/source" -name __pycache__ -prune -exec rm -rf {} +
"$python" -m pip wheel --no-deps -q -w "$work/dist" "$work/source"
wheels=("$work"/dist/latent_lab-*.whl)
echo "built ${wheels[0]##*/}"

"$python" -m venv "$work/venv"            # from the base interpreter: none of .venv's packages
"$work/venv/bin/python" -m pip install -q "${wheels[0]}"

mkdir "$work/elsewhere"
cd "$work/elsewhere"
unset PYTHONPATH
latent_lab="$work/venv/bin/latent-lab"
"$work/venv/bin/python" -c "
import sys, core, latent_lab_resources
for module in (core, latent_lab_resources):
    assert module.__file__.startswith(sys.prefix), f'{module.__name__} comes from {module.__file__}, not the venv'"
"$latent_lab" --version | tee version.txt
grep -Eq '^latent-lab [0-9]' version.txt
"$latent_lab" --help | grep '^usage: latent-lab' >/dev/null
# The trainer falls back to one process, with a warning, when its helper cannot start: that fails the check.
status=0
"$latent_lab" train --epochs 1 --out model.npz 2>train.err || status=$?
cat train.err >&2
if [ "$status" -ne 0 ] || grep -q "Training on one core" train.err; then
  echo "wheel-check: training failed, or its helper process did not start" >&2
  exit 1
fi
"$latent_lab" history model.npz --out history.csv
test -s history.csv
XDG_DATA_HOME="$work/data" "$latent_lab" --install-desktop-entry
grep -qx "Exec=$latent_lab" "$work/data/applications/latent-lab.desktop"
XDG_DATA_HOME="$work/data" "$latent_lab" --uninstall-desktop-entry
test -z "$(find "$work/data" -type f)"
echo "wheel-check: the installed wheel runs from $work/elsewhere"
