"""The training loop: seeded mini-batches, progress records, held-out metrics, divergence guard.

``Trainer.run`` is a generator that yields small frozen records and never prints; another
thread can pause or stop it between steps through a ``TrainingControl``. Nothing here knows
about Qt, terminals or files. When a run diverges (a step that would not stay finite, or a sustained blow-up:
core.training.divergence), it goes back to the last state known to be good and raises TrainingDiverged.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from core.data.datasets import images_to_float
from core.nn.models import AutoEncoder, LossTerms
from core.nn.optim import SGD, Adam, check_learning_rate
from core.parallel.training_step import GRADIENT, LEARNING_RATE, LOSS, ParallelTrainingStep
from core.training.config import TrainConfig
from core.training.divergence import KeptState, LossWatch

# Independent random streams, all derived from the run's seed.
SHUFFLE_STREAM, NOISE_STREAM, TEST_NOISE_STREAM = 0, 1, 2
# Steps between copies of the state to go back to after a divergence, at least. A copy of the default VAE's
# parameters and Adam's moments (13 MB) takes 1.2-1.5 ms, a tenth of a step on the 2-core AMD EPYC: every 100
# steps, 0.1%. A divergence loses at most the steps since the last copy, about 1-2 s of training.
KEEP_EVERY = 100


def warmed_up_beta(beta: float, step: int, warmup_steps: int) -> float:
    """The KL weight of step ``step`` (0-based): ``beta``, reached linearly from 0 over the first ``warmup_steps``
    steps (KL warm-up: Bowman et al. 2016, Sønderby et al. 2016), so that the decoder learns to use the codes before
    the KL term pulls them towards the prior."""
    return beta if step >= warmup_steps else beta * step / warmup_steps


@dataclass(frozen=True)
class StepProgress:
    """One optimisation step: per-image losses of its batch in nats, and throughput."""

    step: int            # steps done so far, this one included
    epoch: int           # 0-based epoch this step belongs to
    batch: int           # 1-based index of the batch within the epoch
    batches_per_epoch: int
    loss: float
    rec: float
    kl: float
    samples_per_s: float


@dataclass(frozen=True)
class EpochProgress:
    """End of an epoch: mean training losses and held-out metrics (the VAE's negative ELBO, beta = 1)."""

    epoch: int           # 0-based index of the finished epoch
    step: int
    train_loss: float
    test_loss: float
    test_rec: float
    test_kl: float
    seconds: float
    samples_per_s: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class TrainingDiverged(RuntimeError):
    """A step that would not stay finite, or a sustained blow-up of the loss. The model and optimizer went back to
    the last state known to be good, after ``restored_step`` steps (the history is cut back to it), or, when none
    was kept (None), stayed as they were before the step that diverged, ``step`` (1-based)."""

    def __init__(self, message: str, step: int, restored_step: int | None) -> None:
        super().__init__(message)
        self.step = step
        self.restored_step = restored_step


@dataclass
class History:
    """Per-step losses and per-epoch records of a model's whole training, across runs."""

    loss: list[float] = field(default_factory=list)
    rec: list[float] = field(default_factory=list)
    kl: list[float] = field(default_factory=list)
    epochs: list[EpochProgress] = field(default_factory=list)

    @property
    def steps(self) -> int:
        return len(self.loss)

    def truncate(self, steps: int) -> None:
        """Forget every step after the first ``steps``, and the epochs that ended after them."""
        for values in (self.loss, self.rec, self.kl):
            del values[steps:]
        self.epochs[:] = [record for record in self.epochs if record.step <= steps]


class TrainingControl:
    """Pause, resume and stop requests from another thread, checked between steps."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def request_stop(self) -> None:
        self._stop.set()
        self._running.set()      # wake a paused loop so it can see the stop

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def wait_while_paused(self) -> None:
        """Block while paused; returns at once when running or stopping."""
        while not self._running.wait(timeout=0.1):
            pass


class Trainer:
    """Trains ``model`` with ``optimizer`` on uint8 images (n, input_dim), reproducibly from ``config.seed``.

    The order of the training images in epoch e and the noise of step s come from generators
    seeded from (seed, e) and (seed, s), so the same configuration gives the same losses, also
    when a run is stopped and continued. ``lr`` and ``beta`` may be changed between steps (``beta`` is the KL
    weight after the warm-up, see ``beta_at``).
    ``parts`` > 1 splits every batch over that many processes (this one and helpers, see core.parallel.training_step;
    use one BLAS thread then); with ``in_helpers``, all ``parts`` run in helpers and this process only coordinates
    (for two runs trained at once by threads of one process); ``close`` ends the helpers. ``train_step``, when given,
    is a ParallelTrainingStep of this model and optimizer to use instead of a new one (its helpers already running),
    and ``parts`` and ``in_helpers`` are ignored.
    ``watch`` holds the blow-up rule (default: core.training.divergence's, on this history). Every ``keep_every``
    steps or more, at a step whose loss the watch finds normal, it keeps a copy of the parameters and the
    optimizer's state as they were before that step, to go back to if the run diverges.
    """

    def __init__(self, model: AutoEncoder, optimizer: Adam | SGD, train_images: np.ndarray,
                 test_images: np.ndarray, config: TrainConfig, history: History | None = None,
                 parts: int = 1, train_step: ParallelTrainingStep | None = None,
                 watch: LossWatch | None = None, in_helpers: bool = False) -> None:
        self.model = model
        self.optimizer = optimizer
        self.train_images = train_images
        self.test_images = test_images
        self.config = config
        self.optimizer.lr = config.lr
        self.history = history or History()
        self._beta = config.beta
        self._watch = watch or LossWatch()
        self._watch.restart(self.history.loss)
        self._kept = KeptState()
        self.keep_every = KEEP_EVERY
        self._train_step = train_step or ParallelTrainingStep(model, optimizer, parts, in_helpers)
        self._epoch_order: tuple[int, np.ndarray] | None = None

    @property
    def lr(self) -> float:
        return self.optimizer.lr

    @lr.setter
    def lr(self, value: float) -> None:
        check_learning_rate(value, zero_allowed=True)
        self.optimizer.lr = value

    @property
    def beta(self) -> float:
        return self._beta

    @beta.setter
    def beta(self, value: float) -> None:
        if value != self._beta:
            self._watch.restart()     # the loss measures something else now: its past is no baseline
        self._beta = value

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(len(self.train_images) / self.config.batch_size)

    def beta_at(self, step: int) -> float:
        """The KL weight of step ``step`` (0-based, counted over the whole history), see ``warmed_up_beta``."""
        return warmed_up_beta(self.beta, step, self.config.kl_warmup * self.batches_per_epoch)

    @property
    def epoch(self) -> int:
        """0-based epoch the next step belongs to."""
        return self.history.steps // self.batches_per_epoch

    @property
    def finished(self) -> bool:
        return self.epoch >= self.config.epochs

    def step(self) -> StepProgress:
        """Run exactly one mini-batch. When it diverges, goes back to the last good state and raises
        TrainingDiverged (see there)."""
        started = time.perf_counter()
        step = self.history.steps
        epoch, batch = divmod(step, self.batches_per_epoch)
        x, load_rows = self._batch_buffer(epoch, batch)
        eps = None
        if self.model.config.kind == "vae":
            eps = np.random.default_rng((self.config.seed, NOISE_STREAM, step)).standard_normal(
                (len(x), self.model.config.latent_dim), dtype=self.model.dtype)
        # forward, backward and, unless rejected, the update
        outcome = self._train_step(x, self.beta_at(step), eps, load_rows, self._vet)
        losses = outcome.losses
        if not outcome.applied:
            raise self._diverged(outcome.rejected, losses.total, step)
        self.history.loss.append(losses.total)
        self.history.rec.append(losses.rec)
        self.history.kl.append(losses.kl)
        seconds = time.perf_counter() - started
        return StepProgress(step + 1, epoch, batch + 1, self.batches_per_epoch, losses.total, losses.rec, losses.kl,
                            len(x) / max(seconds, 1e-9))

    def _vet(self, losses: LossTerms) -> bool:
        """Whether to apply the step with these losses, decided before it changes anything: not when the loss has
        blown up. At a normal loss, keeps the state if the last copy is ``keep_every`` steps old."""
        normal = self._watch.observe(losses.total)
        if self._watch.blown_up:
            return False
        steps = self.history.steps
        if normal and (self._kept.steps is None or steps - self._kept.steps >= self.keep_every):
            self._kept.take(self.model, self.optimizer, steps)
        return True

    def _diverged(self, rejected: str, loss: float, step: int) -> TrainingDiverged:
        """Go back to the kept state, if any, and say what happened at ``step`` (0-based) and what to try."""
        where = f"step {step + 1} (epoch {step // self.batches_per_epoch + 1})"
        if rejected == LOSS:
            what = f"The loss became {'NaN' if math.isnan(loss) else 'infinite'} at {where}."
        elif rejected == GRADIENT:
            what = f"The gradient became non-finite or too large at {where}."
        elif rejected == LEARNING_RATE:
            what = f"The learning rate ({self.lr!r}) was out of range at {where}."
        else:
            what = (f"The loss stayed above {self._watch.factor:g} times its recent median "
                    f"({self._watch.median:.4g}) for {self._watch.streak} steps in a row, up to {where}.")
        restored = None
        if self._kept.steps is not None:
            restored = self._kept.restore(self.model, self.optimizer)
            self.history.truncate(restored)
            self._watch.restart(self.history.loss)
            kept = (f"went back to how they were after step {restored}" if restored
                    else "went back to how they were before the first step")
            done = f"Training stopped, and the weights and optimizer state {kept}, the last known to be good."
        else:
            done = "Training stopped, and the weights and optimizer state were kept as they were before that step."
        beta = " or a smaller beta" if self.model.config.kind == "vae" else ""
        advice = f"Try a lower learning rate (now {self.lr:g}){beta}, or reset the model to start afresh."
        return TrainingDiverged(f"{what} {done} {advice}", step + 1, restored)

    def run(self, control: TrainingControl | None = None) -> Iterator[StepProgress | EpochProgress]:
        """Train until ``config.epochs`` epochs are done or a stop is requested.

        Yields a StepProgress after every step and an EpochProgress after every epoch.
        """
        control = control or TrainingControl()
        epoch_started = time.perf_counter()
        epoch_samples = 0
        while not self.finished:
            control.wait_while_paused()
            if control.stop_requested:
                return
            progress = self.step()
            epoch_samples += self._batch_size(progress.batch - 1)
            yield progress
            if progress.batch == progress.batches_per_epoch:
                seconds = time.perf_counter() - epoch_started
                yield self._finish_epoch(progress, seconds, epoch_samples / max(seconds, 1e-9))
                epoch_started, epoch_samples = time.perf_counter(), 0

    def close(self) -> None:
        """End the helper processes, if any (a later step starts them again)."""
        self._train_step.close()

    def _batch_size(self, batch: int) -> int:
        """Images in batch ``batch`` (0-based) of an epoch: the last may be short."""
        size = self.config.batch_size
        return min(size, len(self.train_images) - batch * size)

    def evaluate_test(self) -> LossTerms:
        """The test set's per-image losses; for the VAE the single-sample negative ELBO with beta = 1."""
        x = images_to_float(self.test_images, self.model.dtype)
        eps = None
        if self.model.config.kind == "vae":
            eps = np.random.default_rng((self.config.seed, TEST_NOISE_STREAM)).standard_normal(
                (len(x), self.model.config.latent_dim)).astype(self.model.dtype)
        # Each thread of the step's team sums the losses of a contiguous part of the test set.
        sums = self._train_step.team.run_parts(
            len(x), lambda _, rows: self.model.loss_sums(x[rows], None if eps is None else eps[rows]))
        rec, kl = (sum(part[i] for part in sums) / len(x) for i in (0, 1))
        return LossTerms(rec + kl, rec, kl)

    def _finish_epoch(self, last: StepProgress, seconds: float, samples_per_s: float) -> EpochProgress:
        test = self.evaluate_test()
        train_loss = float(np.mean(self.history.loss[-last.batches_per_epoch:]))
        record = EpochProgress(last.epoch, last.step, train_loss, test.total, test.rec, test.kl, seconds, samples_per_s)
        self.history.epochs.append(record)
        return record

    def _batch_buffer(self, epoch: int, batch: int) -> tuple[np.ndarray, Callable[[slice], None]]:
        """The buffer for batch ``batch`` of epoch ``epoch`` and a function that loads rows of it
        (images as floats in [0, 1], as images_to_float computes them), for the parts of the step to share."""
        if self._epoch_order is None or self._epoch_order[0] != epoch:
            order = np.random.default_rng((self.config.seed, SHUFFLE_STREAM, epoch)).permutation(len(self.train_images))
            self._epoch_order = (epoch, order)
        size = self.config.batch_size
        indices = self._epoch_order[1][batch * size:(batch + 1) * size]
        buffer, divisor = self._train_step.input_buffer(len(indices)), self.model.dtype.type(255)

        def load_rows(rows: slice) -> None:
            np.divide(self.train_images[indices[rows]], divisor, out=buffer[rows])
        return buffer, load_rows
