"""How much of the machine's CPU time its hypervisor took (steal) while a benchmark ran, on Linux.

On a shared VM, a slow repeat is often not the program: the host ran something else on our cores. /proc/stat counts
those ticks as "steal"; this reads them around a piece of work so that a benchmark can print them beside its figures.
"""
from __future__ import annotations

from pathlib import Path

STAT = Path("/proc/stat")


def cpu_ticks() -> tuple[int, int] | None:
    """(steal ticks, all ticks) of all CPUs so far, or None where /proc/stat is not there."""
    try:
        fields = STAT.read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(value) for value in fields[:8]]        # user nice system idle iowait irq softirq steal
    return ticks[7], sum(ticks)


def steal_since(start: tuple[int, int] | None) -> str:
    """The share of CPU time stolen since ``start`` (a ``cpu_ticks()``), as text such as "steal 6%"; "" if unknown."""
    end = cpu_ticks()
    if start is None or end is None or end[1] == start[1]:
        return ""
    return f"steal {(end[0] - start[0]) / (end[1] - start[1]):.0%}"
