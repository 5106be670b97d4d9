# Two entry points for a fresh machine: `make run` (the app) and `make test` (the suite).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run lint test wheel-check bench

$(BIN)/python:
	$(PY) -m venv $(VENV)

setup: $(BIN)/python
	bash tools/install_system_deps.sh
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test,mp4]"

run: setup
	$(BIN)/python main.py

# The boundaries first (seconds): ruff, then the import contracts in pyproject.toml; then the suite.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo

test: setup lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

# The wheel, installed into a fresh environment outside the checkout and run from another folder (about a minute).
wheel-check: setup
	PYTHON=$(BIN)/python bash tools/check_wheel.sh

bench: setup
	$(BIN)/python bench/train_throughput.py
