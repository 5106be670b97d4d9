"""A small team of threads that splits work over contiguous parts of a range.

NumPy releases the GIL inside ufuncs and BLAS calls, so two threads working on two halves of an
array (or of a batch) use two cores. Worth it for big passes, not for tiny arrays, where handing
work to a thread costs more than it saves.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")


def training_parts(runs: int = 1) -> int:
    """How many parts to split each training batch into when ``runs`` runs train at once: one per core this process
    may run on (its CPU affinity, where the system has one, which a container or ``taskset`` may narrow), shared
    among the runs, at most 2 (more measured slower)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:          # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores // runs))


class ThreadTeam:
    """Runs ``fn(index, part)`` for up to ``threads`` contiguous slices covering range(size), in parallel.

    The calling thread runs the first part itself, so ``threads=1`` starts no thread.
    """

    def __init__(self, threads: int = 1) -> None:
        self.threads = max(1, threads)
        self._pool = ThreadPoolExecutor(self.threads - 1, thread_name_prefix="latent-lab") if self.threads > 1 else None

    def split(self, size: int) -> list[slice]:
        """range(size) in at most ``threads`` non-empty contiguous parts of near-equal length."""
        count = max(1, min(self.threads, size))
        bounds = [size * i // count for i in range(count + 1)]
        return [slice(start, stop) for start, stop in zip(bounds[:-1], bounds[1:])]

    def run_parts(self, size: int, fn: Callable[[int, slice], T]) -> list[T]:
        """Results of fn for each part, in order; an exception in any part is raised here, once every part has ended."""
        parts = self.split(size)
        futures = ([self._pool.submit(fn, index, part) for index, part in enumerate(parts) if index]
                   if self._pool else [])
        try:
            first = fn(0, parts[0])
        finally:
            wait(futures)
        return [first] + [future.result() for future in futures]
