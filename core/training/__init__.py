"""Training runs: their configuration, the trainer (a generator of progress records), checkpoints (what they must
hold: checkpoint_schema) and the loss history's CSV. Imports core.nn, core.data (its bounded .npz reader, image
scaling), and core.parallel for the step split over processes."""
