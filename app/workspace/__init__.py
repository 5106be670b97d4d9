"""The workspace: state and commands without widgets. The session (model, optimizer, history, dataset), the
training controller and its worker thread, model and dataset files, crash recovery and the persisted settings.
Imports no widgets (a contract in pyproject.toml)."""
