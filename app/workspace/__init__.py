"""The workspace: state and commands without widgets. The session (model, optimizer, history, dataset), the
training controller and its worker, the one helper that starts and stops worker threads, model and dataset files,
crash recovery and the persisted settings. Imports no widgets (a contract in pyproject.toml)."""
