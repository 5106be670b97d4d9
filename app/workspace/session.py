"""The model being worked on: its configuration, weights, optimizer, loss history and dataset, and whether it
changed since it was last saved.

No Qt here: the window drives a Session and the training worker trains the Trainer it makes. It does not train
by itself, and it does not know where datasets come from (the window loads them and hands them over).
"""
from __future__ import annotations

import math
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np

from core.data.datasets import PIXELS, Dataset
from core.nn.config import ModelConfig
from core.nn.models import AutoEncoder, build_model, copy_model
from core.nn.optim import SGD, Adam, build_optimizer
from core.parallel.training_step import ParallelTrainingStep
from core.training.checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from core.training.config import TrainConfig
from core.training.trainer import History, Trainer

SAMPLE_COUNT = 20          # prior samples in the samples strip
PRIOR_SEED = 1234          # the fixed draws of N(0, I) that the samples strip decodes
MAX_EXPLORER_POINTS = 5000  # test images encoded for the latent explorer at each snapshot
SHOWN_INT_MAX = 2**31 - 1   # the largest number the settings' boxes can show (Qt's int)


def model_file_stem(model_config: ModelConfig, dataset_spec: str) -> str:
    """A file name (without extension) saying what a model is and what it learned: its kind, latent size and
    dataset, e.g. "vae-z2-mnist5k", or "ae-z8-fashion"; a dataset given by path is named by its file or folder."""
    dataset = re.sub(r"[^a-z0-9]+", "-", Path(dataset_spec).stem.lower()).strip("-") or "data"
    return f"{model_config.kind}-z{model_config.latent_dim}-{dataset}"


class Session:
    """The current model and everything needed to train, show and save it.

    dataset: the images it trains on; dataset_spec: how to load them again ("mnist5k", "fashion", "mnist" or a
    path), stored in checkpoints. ``dirty`` is True when the model has trained since it was last saved.
    """

    def __init__(self, dataset: Dataset, dataset_spec: str, model_config: ModelConfig,
                 train_config: TrainConfig, parts: int = 1) -> None:
        self.parts = parts
        self.in_helpers = False
        self.dataset = dataset
        self.dataset_spec = dataset_spec
        self.train_config = train_config
        self.path: Path | None = None      # the checkpoint this model was last saved to or opened from
        self._clean_steps = 0              # history length when the model was last saved, opened or created
        self.model: AutoEncoder
        self.optimizer: Adam | SGD
        self.history = History()
        self._train_step: ParallelTrainingStep | None = None
        self.new_model(model_config)

    # ---- the model --------------------------------------------------------------------------------------------
    @property
    def model_config(self) -> ModelConfig:
        return self.model.config

    @property
    def dirty(self) -> bool:
        return self.history.steps != self._clean_steps

    @dirty.setter
    def dirty(self, value: bool) -> None:
        self._clean_steps = -1 if value else self.history.steps

    @property
    def trained(self) -> bool:
        """Whether the model has taken a step; its architecture is then fixed until a reset."""
        return self.history.steps > 0

    def new_model(self, model_config: ModelConfig) -> None:
        """Fresh random weights (seeded by train_config.seed), a new optimizer and an empty history."""
        config = self.train_config
        self.close()
        self.model = build_model(model_config, np.random.default_rng(config.seed))
        self.optimizer = self._build_optimizer(config)
        self.history = History()
        self.path = None
        self.dirty = False

    def set_train_config(self, train_config: TrainConfig) -> None:
        """Use these hyperparameters for the next run. A different optimizer needs an untrained model."""
        if train_config.optimizer != self.train_config.optimizer:
            if self.trained:
                raise ValueError("the optimizer of a trained model cannot change; reset the model first")
            self.optimizer = self._build_optimizer(train_config)
        self.train_config = train_config
        self.optimizer.lr = train_config.lr

    def _build_optimizer(self, config: TrainConfig) -> Adam | SGD:
        return build_optimizer(config.optimizer, self.model.parameters.flat, config.lr, config.momentum)

    def set_lr(self, lr: float) -> None:
        """The learning rate of later runs; a running worker is told separately (see TrainingWorker.set_lr)."""
        self.train_config = replace(self.train_config, lr=float(lr))

    def set_beta(self, beta: float) -> None:
        """The KL weight of later runs; a running worker is told separately."""
        self.train_config = replace(self.train_config, beta=float(beta))

    def set_dataset(self, dataset: Dataset, spec: str) -> None:
        """Train on ``dataset`` from now on; the model and its history stay (all datasets are 28x28)."""
        self.dataset = dataset
        self.dataset_spec = spec

    def set_parts(self, parts: int, in_helpers: bool = False) -> None:
        """Split each batch of later runs over ``parts`` processes, this one and helpers, or, ``in_helpers``, helpers
        only: then this process only coordinates, as two runs trained at once in it must (the GIL would let one
        thread compute at a time). No run may be going on."""
        self.parts, self.in_helpers = parts, in_helpers

    # ---- runs -------------------------------------------------------------------------------------------------
    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(len(self.dataset.train_images) / self.train_config.batch_size)

    @property
    def epochs_done(self) -> int:
        return self.history.steps // self.batches_per_epoch

    def run_config(self) -> TrainConfig:
        """The configuration of the next run. ``epochs`` is a total, as the command line's ``--epochs`` is: the run
        trains until the model has trained that many epochs in all, or, when it has them already, ``epochs`` more
        (the total then becomes ``epochs_done + epochs``)."""
        config = self.train_config
        done = self.epochs_done
        return config if done < config.epochs else replace(config, epochs=done + config.epochs)

    def make_trainer(self) -> Trainer:
        """A Trainer for the next run; it appends to this session's history. The run's total of epochs becomes the
        session's (what the window shows and a checkpoint saves)."""
        self.train_config = self.run_config()
        return Trainer(self.model, self.optimizer, self.dataset.train_images, self.dataset.test_images,
                       self.train_config, self.history, train_step=self._step_for_current_model())

    def _step_for_current_model(self) -> ParallelTrainingStep:
        """The training step of the current model and optimizer on ``parts`` processes. It is kept from run to
        run, so that its helper processes start once (at the first step), not at every Train or Step."""
        step = self._train_step
        wanted = (self.model, self.optimizer, self.parts, self.in_helpers)
        if step is None or (step.model, step.optimizer, step.requested_parts, step.requested_in_helpers) != wanted:
            self.close()
            self._train_step = ParallelTrainingStep(self.model, self.optimizer, self.parts, self.in_helpers)
        return self._train_step

    @property
    def helper_processes(self) -> tuple[subprocess.Popen, ...]:
        """The processes training the other parts of each batch (none before the first step, after ``close``, or
        with one part)."""
        return tuple(helper.process for helper in self._train_step.helpers) if self._train_step else ()

    def close(self) -> None:
        """End the training helper processes, if any (no run may be going on); a later run starts them again."""
        if self._train_step is not None:
            self._train_step.close()
            self._train_step = None

    def batch_sizes(self, first_step: int, last_step: int) -> int:
        """Images in steps first_step..last_step (1-based, inclusive): the last batch of an epoch may be short."""
        n, size, per_epoch = len(self.dataset.train_images), self.train_config.batch_size, self.batches_per_epoch
        last_size = n - (per_epoch - 1) * size
        steps = last_step - first_step + 1
        short = last_step // per_epoch - (first_step - 1) // per_epoch   # epoch ends in the range
        return steps * size - short * (size - last_size)

    # ---- what the views show --------------------------------------------------------------------------------
    def strip_indices(self) -> np.ndarray:
        """Indices of the test images of the reconstruction strip: the first one of each class, in class order."""
        labels = self.dataset.test_labels
        return np.array([int(np.argmax(labels == c)) for c in np.unique(labels)], dtype=np.intp)

    def explorer_indices(self) -> np.ndarray:
        """Indices of the test images encoded for the latent explorer (the first MAX_EXPLORER_POINTS)."""
        return np.arange(min(len(self.dataset.test_images), MAX_EXPLORER_POINTS))

    def prior_draws(self) -> np.ndarray:
        """Fixed draws z ~ N(0, I): (SAMPLE_COUNT, latent_dim) float, the same for every snapshot of a model."""
        rng = np.random.default_rng(PRIOR_SEED)
        return rng.standard_normal((SAMPLE_COUNT, self.model_config.latent_dim)).astype(self.model.dtype)

    def file_stem(self) -> str:
        """The name files of this model start with: its checkpoint's (without .npz) once saved or opened, else one
        from the model and its data, e.g. "vae-z2-mnist5k" (see ``model_file_stem``)."""
        return self.path.stem if self.path is not None else model_file_stem(self.model_config, self.dataset_spec)

    # ---- files ----------------------------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write a checkpoint (atomically); raises OSError when the file cannot be written."""
        save_checkpoint(path, Checkpoint(self.model, self.optimizer, self.train_config, self.dataset_spec,
                                         self.history))
        self.path = Path(path)
        self.dirty = False

    def checkpoint_copy(self) -> Checkpoint:
        """The model as it is now, in a checkpoint of private copies (weights, optimizer state, history) that may be
        written while the model trains on. Call it while no step runs (between two steps, on the training thread)."""
        model = copy_model(self.model)
        config = self.train_config
        optimizer = build_optimizer(config.optimizer, model.parameters.flat, self.optimizer.lr, config.momentum)
        optimizer.load_state_dict(self.optimizer.state_dict())
        history = self.history
        return Checkpoint(model, optimizer, config, self.dataset_spec,
                          History(list(history.loss), list(history.rec), list(history.kl), list(history.epochs)))

    @staticmethod
    def read_checkpoint(path: str | Path) -> Checkpoint:
        """Read a checkpoint without touching the session; raises CheckpointError naming the file, also for a model
        of images other than the datasets' 28x28, and for settings too large for the settings' boxes to show (the
        command line can write them; it can go on training such a model)."""
        checkpoint = load_checkpoint(path, input_dim=PIXELS)
        for name in ("epochs", "seed", "kl_warmup"):
            value = getattr(checkpoint.train_config, name)
            if value > SHOWN_INT_MAX:
                raise CheckpointError(f"{path}: train_config.{name} must be at most {SHOWN_INT_MAX:,} to be shown "
                                      f"here, got {value:,}; `latent-lab train --resume` can continue this model")
        return checkpoint

    def adopt(self, checkpoint: Checkpoint, path: str | Path) -> None:
        """Continue from a checkpoint read with ``read_checkpoint``: model, optimizer, settings and history."""
        self.close()
        self.model = checkpoint.model
        # The optimizer's learning rate is the one last used (it may have been changed during training).
        self.train_config = replace(checkpoint.train_config, lr=checkpoint.optimizer.lr)
        self.optimizer = checkpoint.optimizer
        self.history = checkpoint.history
        self.path = Path(path)
        self.dirty = False
