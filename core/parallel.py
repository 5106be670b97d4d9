"""Run an element-wise NumPy update over contiguous parts of a vector on several threads.

NumPy's ufuncs release the GIL, so on two cores two halves of a large vector update in about
half the time. Meant for big element-wise passes (the optimizer), not for small arrays, where
handing work to a thread costs more than it saves.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable


class PartsRunner:
    """Calls ``fn(slice)`` for ``threads`` contiguous slices covering range(size), in parallel.

    The calling thread runs the last part itself, so ``threads=1`` uses no extra thread.
    """

    def __init__(self, size: int, threads: int = 1) -> None:
        threads = max(1, min(threads, size))
        bounds = [size * i // threads for i in range(threads + 1)]
        self.parts = [slice(start, stop) for start, stop in zip(bounds[:-1], bounds[1:])]
        self._pool = ThreadPoolExecutor(threads - 1, thread_name_prefix="latent-lab-update") if threads > 1 else None

    @property
    def threads(self) -> int:
        return len(self.parts)

    def run(self, fn: Callable[[slice], None]) -> None:
        futures = [self._pool.submit(fn, part) for part in self.parts[:-1]] if self._pool else []
        fn(self.parts[-1])
        for future in futures:
            future.result()
