"""train's options for the model and its training, and how they resolve: each option given, else --preset's value
(core.training.presets), else the default (ModelConfig(), TrainConfig()). Not --resume, whose model keeps its own
settings."""
from __future__ import annotations

import argparse

from core.cli.option_types import checked
from core.nn.config import ACTIVATIONS, MODEL_KINDS, RECONSTRUCTIONS, ModelConfig
from core.training.config import (
    MAX_BATCH_SIZE,
    OPTIMIZERS,
    TrainConfig,
    check_beta,
    check_learning_rate,
    check_whole,
)
from core.training.presets import PRESETS, Preset

# The settings of a model trained without --preset, and the defaults --help gives.
DEFAULT_MODEL, DEFAULT_TRAINING = ModelConfig(), TrainConfig()


def add_settings_options(train: argparse.ArgumentParser) -> None:
    """Add the model's and the training's options to ``train``; each is None when not given (see ``settings``)."""
    model, training = DEFAULT_MODEL, DEFAULT_TRAINING
    train.add_argument("--model", choices=MODEL_KINDS,
                       help=f"autoencoder or variational autoencoder (default: {model.kind})")
    train.add_argument("--latent-dim", type=int, help=f"size of the latent code (default: {model.latent_dim})")
    train.add_argument("--hidden", help=f"hidden layer widths, comma-separated (default: {_widths(model.hidden)})")
    train.add_argument("--activation", choices=ACTIVATIONS, help=f"(default: {model.activation})")
    train.add_argument("--loss", choices=RECONSTRUCTIONS,
                       help="reconstruction loss: Bernoulli cross-entropy or 0.5 * sum of squared errors "
                            f"(default: {model.reconstruction})")
    train.add_argument("--epochs", type=_whole_number("epochs", 1), help=f"(default: {training.epochs})")
    train.add_argument("--batch-size", type=_whole_number("the batch size", 1, MAX_BATCH_SIZE),
                       help=f"(default: {training.batch_size})")
    train.add_argument("--lr", type=checked(float, check_learning_rate),
                       help=f"learning rate, above 0 and at most 10 (default: {training.lr})")
    train.add_argument("--beta", type=checked(float, check_beta),
                       help=f"weight of the KL term (VAE only; default: {training.beta})")
    train.add_argument("--kl-warmup", type=_whole_number("the KL warm-up", 0), metavar="EPOCHS",
                       help="raise the KL weight linearly from 0 to --beta over these first epochs (VAE only; "
                            f"default: {training.kl_warmup}, none)")
    train.add_argument("--optimizer", choices=OPTIMIZERS, help=f"(default: {training.optimizer})")
    train.add_argument("--seed", type=_whole_number("the seed", 0), help=f"(default: {training.seed})")
    train.add_argument("--preset", choices=tuple(PRESETS),
                       help="start from these settings instead of the defaults; options given override them. "
                            + "; ".join(f"{name}: {_as_options(preset)}" for name, preset in PRESETS.items()))


def settings(args: argparse.Namespace, input_dim: int) -> tuple[ModelConfig, TrainConfig]:
    """The model's and the training's settings: each option given, else --preset's value, else the default. Raises
    ValueError for settings that cannot train (hidden widths that are not numbers, say)."""
    preset = PRESETS.get(args.preset)
    model, training = (preset.model, preset.training) if preset else (DEFAULT_MODEL, DEFAULT_TRAINING)

    def given(option: str, otherwise: object) -> object:
        value = getattr(args, option)
        return otherwise if value is None else value

    hidden = model.hidden if args.hidden is None else \
        tuple(int(width) for width in args.hidden.split(",") if width.strip())
    model = ModelConfig(kind=given("model", model.kind), input_dim=input_dim,
                        latent_dim=given("latent_dim", model.latent_dim), hidden=hidden,
                        activation=given("activation", model.activation),
                        reconstruction=given("loss", model.reconstruction), dtype=model.dtype)
    training = TrainConfig(epochs=given("epochs", training.epochs), batch_size=given("batch_size", training.batch_size),
                           lr=given("lr", training.lr), beta=given("beta", training.beta),
                           optimizer=given("optimizer", training.optimizer), momentum=training.momentum,
                           seed=given("seed", training.seed), kl_warmup=given("kl_warmup", training.kl_warmup))
    return model, training


def _whole_number(name: str, minimum: int, maximum: int | None = None):
    return checked(int, lambda value: check_whole(name, value, minimum, maximum))


def _widths(hidden: tuple[int, ...]) -> str:
    return ",".join(map(str, hidden))


def _as_options(preset: Preset) -> str:
    """The preset as the options that give it, for --help."""
    model, training = preset.model, preset.training
    return (f"--model {model.kind} --hidden {_widths(model.hidden)} --latent-dim {model.latent_dim} "
            f"--activation {model.activation} --loss {model.reconstruction} --beta {training.beta:g} "
            f"--optimizer {training.optimizer} --batch-size {training.batch_size} --lr {training.lr:g}")
