"""The main loop of a training helper process: one part of every step (see core.parallel.training_step).

Started by core.parallel.helper_process as ``python -m core.parallel.step_helper READ_FD WRITE_FD``. It reads a
set-up (the model's configuration, the optimizer's settings, the shared arrays' file and layout, its part), builds a
replica of the model and the optimizer over the shared arrays, says it is ready, then runs its part of each step it
is sent. It ignores Ctrl+C (the parent decides when to stop) and ends on QUIT or when the parent's end of the pipe
closes.
"""
from __future__ import annotations

import json
import signal
import sys
import traceback

import numpy as np

from core.nn.config import ModelConfig
from core.nn.models import build_model
from core.nn.optim import optimizer_from_settings
from core.parallel.helper_process import (
    DONE,
    FAILED,
    QUIT,
    READY,
    REPORT,
    SETUP,
    SPIN_SECONDS,
    STEP,
    VERDICT,
    receive_frame,
    send_frame,
)
from core.parallel.shared_arrays import SharedArrays
from core.parallel.training_step import (
    STEP_HEADER,
    StepPart,
    bind_to_shared,
    pack_report,
    split_rows,
)


def build_part(setup: dict) -> StepPart:
    """The replica of the model and optimizer over the shared arrays, and this helper's part of each step."""
    arrays = SharedArrays.attach(setup["path"], setup["layout"]).arrays
    model = build_model(ModelConfig.from_dict(setup["model"]), None)
    optimizer = optimizer_from_settings(setup["optimizer"], arrays["parameters"])
    bind_to_shared(model, optimizer, arrays)
    return StepPart(model, optimizer, setup["part"], setup["parts"])


def serve(part: StepPart, index: int, parts: int, read: int, write: int) -> None:
    """Run steps until QUIT."""
    model = part.model
    pool = model.buffers
    while True:
        kind, payload = receive_frame(read, spin=SPIN_SECONDS)
        if kind == QUIT:
            return
        if kind != STEP:
            raise ValueError(f"expected a step, got {kind!r}")
        batch, beta, has_noise = STEP_HEADER.unpack(payload)
        model.resize(batch)
        x = pool.take("input", batch, model.config.input_dim, model.dtype)
        eps = pool.take("noise", batch, model.config.latent_dim, model.dtype) if has_noise else None
        rows = split_rows(batch, parts)
        send_frame(write, REPORT, pack_report(*part.forward_backward(x, rows[index], beta, eps)))
        part.begin_update(rows[index])
        kind, payload = receive_frame(read, spin=SPIN_SECONDS)
        if kind != VERDICT:
            raise ValueError(f"expected a verdict, got {kind!r}")
        verdict = np.frombuffer(payload, np.float64)
        if verdict[0]:
            part.optimizer.use_step_constants(tuple(float(value) for value in verdict[1:]))
            part.finish_update([other for number, other in enumerate(rows) if number != index])
        send_frame(write, DONE)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    read, write = int(argv[1]), int(argv[2])
    try:
        kind, payload = receive_frame(read)
        if kind != SETUP:
            raise ValueError(f"expected the set-up, got {kind!r}")
        setup = json.loads(payload)
        part = build_part(setup)
        send_frame(write, READY)
        serve(part, setup["part"], setup["parts"], read, write)
    except EOFError:          # the parent has gone
        return 0
    except BaseException:
        try:
            send_frame(write, FAILED, traceback.format_exc().encode())
        except OSError:
            pass
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
