"""Arrays that two mappings (as two processes have) of one file share."""
import errno
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from core.parallel import shared_arrays
from core.parallel.shared_arrays import ALIGNMENT, SharedArrays, shared_folder

SPECS = {"weights": ((7, 3), np.float32), "mask": ((5,), np.bool_), "moments": ((11,), np.float64)}


def test_a_second_mapping_sees_the_same_named_arrays_and_the_file_can_go_at_once():
    made = SharedArrays.create(SPECS)
    attached = SharedArrays.attach(made.path, made.layout)
    made.unlink()
    assert not made.path.exists()
    for name, (shape, dtype) in SPECS.items():
        assert attached.arrays[name].shape == shape and attached.arrays[name].dtype == dtype
    made.arrays["weights"][...] = np.arange(21).reshape(7, 3)
    made.arrays["mask"][2] = True
    attached.arrays["moments"][...] = 0.5
    np.testing.assert_array_equal(attached.arrays["weights"], np.arange(21).reshape(7, 3))
    assert attached.arrays["mask"].tolist() == [False, False, True, False, False]
    assert made.arrays["moments"].sum() == 5.5
    assert all(offset % ALIGNMENT == 0 for _, offset, _, _ in made.layout)


def test_without_room_in_dev_shm_the_file_goes_to_the_temporary_folder(monkeypatch):
    class Full:
        f_bavail, f_frsize = 0, 4096

    monkeypatch.setattr(shared_arrays.os, "statvfs", lambda path: Full)
    assert shared_folder(1) == Path(tempfile.gettempdir())
    made = SharedArrays.create(SPECS)
    assert made.path.parent == Path(tempfile.gettempdir())
    made.unlink()


@pytest.mark.skipif(not hasattr(os, "posix_fallocate"), reason="space is reserved with posix_fallocate")
def test_a_file_with_no_room_is_an_os_error_when_it_is_made(monkeypatch):
    def no_space(descriptor, offset, length):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shared_arrays.os, "posix_fallocate", no_space)
    before = set(shared_folder().glob(f"latent-lab-{os.getpid()}-*"))
    with pytest.raises(OSError, match="No space"):
        SharedArrays.create(SPECS)
    assert set(shared_folder().glob(f"latent-lab-{os.getpid()}-*")) == before          # nothing left behind


@pytest.mark.skipif(not hasattr(os, "posix_fallocate"), reason="space is reserved with posix_fallocate")
def test_a_file_system_that_cannot_allocate_ahead_still_gets_its_file(monkeypatch):
    def not_supported(descriptor, offset, length):
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")

    monkeypatch.setattr(shared_arrays.os, "posix_fallocate", not_supported)
    made = SharedArrays.create(SPECS)
    made.arrays["moments"][...] = 2.0
    assert SharedArrays.attach(made.path, made.layout).arrays["moments"].sum() == 22.0
    made.unlink()
