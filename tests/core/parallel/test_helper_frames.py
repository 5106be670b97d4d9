"""Frames on the pipes between the training process and its helpers (core.parallel.helper_process)."""
import os
import threading
import time

import pytest

from core.parallel.helper_process import REPORT, STEP, receive_frame, send_frame


@pytest.fixture
def pipe():
    read, write = os.pipe()
    yield read, write
    for descriptor in (read, write):
        try:
            os.close(descriptor)
        except OSError:
            pass


def test_a_frame_already_waiting_is_read_whole_while_polling(pipe):
    read, write = pipe
    send_frame(write, REPORT, b"\x01\x02" * 1000)
    assert receive_frame(read, timeout=5, spin=0.001) == (REPORT, b"\x01\x02" * 1000)


def test_a_frame_that_comes_after_the_polling_is_still_received(pipe):
    read, write = pipe
    sender = threading.Timer(0.05, send_frame, (write, STEP, b"late"))
    sender.start()
    started = time.perf_counter()
    try:
        assert receive_frame(read, timeout=10, spin=0.001) == (STEP, b"late")
    finally:
        sender.join()
    assert time.perf_counter() - started >= 0.04


def test_no_frame_within_the_timeout_raises_timeout_error_after_polling(pipe):
    read, _ = pipe
    started = time.perf_counter()
    with pytest.raises(TimeoutError):
        receive_frame(read, timeout=0.05, spin=0.01)
    assert time.perf_counter() - started >= 0.05


def test_a_closed_other_end_raises_eof_error(pipe):
    read, write = pipe
    os.close(write)
    with pytest.raises(EOFError):
        receive_frame(read, timeout=5, spin=0.001)
