"""TrainConfig refuses settings that cannot train, naming the setting."""
import math

import pytest

from core.training.config import TrainConfig


@pytest.mark.parametrize("field, value, message", [
    ("lr", math.inf, "learning rate"), ("lr", 1e300, "learning rate"), ("lr", math.nan, "learning rate"),
    ("lr", 0.0, "learning rate"), ("lr", 11.0, "learning rate"),
    ("beta", math.nan, "beta"), ("beta", math.inf, "beta"), ("beta", -0.5, "beta"),
    ("momentum", 1.0, "momentum"), ("momentum", math.nan, "momentum"), ("momentum", -0.1, "momentum"),
    ("epochs", True, "epochs"), ("epochs", 2.5, "epochs"), ("epochs", 0, "epochs"),
    ("batch_size", 0, "batch size"), ("batch_size", 65_537, "batch size"), ("batch_size", 32.0, "batch size"),
    ("seed", -1, "seed"), ("seed", False, "seed"), ("kl_warmup", -1, "warm-up"), ("kl_warmup", 1.5, "warm-up"),
])
def test_a_training_setting_that_cannot_train_is_refused(field, value, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**{field: value})
