"""The workspace: state and commands without widgets. The Workspace holding the training runs (each a session with
its training controller and worker), the one helper that starts and stops worker threads, model and dataset files,
paths opened from outside, crash recovery, the persisted settings, and the questions the commands ask the user.
Imports no widgets, nor the views (a contract in pyproject.toml)."""
