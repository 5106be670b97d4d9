"""Training runs: their configuration, the trainer (a generator of progress records), checkpoints and the loss
history's CSV. Imports core.nn, and core.parallel for the step split over processes."""
