"""The headless commands (train, gif, history): argument parsing, progress on stderr, results on stdout.
Never imports Qt."""
