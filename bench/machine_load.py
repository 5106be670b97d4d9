"""The machine a benchmark ran on: its CPU's name, and how much of its CPU time the hypervisor took (steal), on Linux.

On a shared VM, a slow repeat is often not the program: the host ran something else on our cores. /proc/stat counts
those ticks as "steal"; this reads them around a piece of work so that a benchmark can print them beside its figures.
"""
from __future__ import annotations

import os
import platform
from pathlib import Path

STAT = Path("/proc/stat")
CPUINFO = Path("/proc/cpuinfo")


def cpu_name() -> str:
    """The CPU's model name and the cores this process may run on, such as "AMD EPYC, 2 cores"."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:          # not Linux
        cores = os.cpu_count() or 1
    name = platform.processor() or platform.machine()
    try:
        for line in CPUINFO.read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name}, {cores} core{'' if cores == 1 else 's'}"


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


def load_mark() -> tuple[float, float, float] | None:
    """(busy CPU seconds of all CPUs, all CPU seconds, CPU seconds of this process and its ended children) so far,
    for ``others_since``; None where /proc/stat is not there."""
    try:
        fields = STAT.read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(value) for value in fields[:8])
    busy, hertz, times = user + nice + system + irq + softirq, os.sysconf("SC_CLK_TCK"), os.times()
    own = times.user + times.system + times.children_user + times.children_system
    return busy / hertz, (busy + idle + iowait + steal) / hertz, own


def others_since(start: tuple[float, float, float] | None) -> str:
    """The share of the machine's CPU time that other processes used since ``start`` (a ``load_mark()``, taken with
    no child of this process running), as text such as "others 12%"; "" if unknown. Children count as this
    process's once they have ended (os.times)."""
    end = load_mark()
    if start is None or end is None or end[1] == start[1]:
        return ""
    others = (end[0] - start[0]) - (end[2] - start[2])
    return f"others {max(0.0, others) / (end[1] - start[1]):.0%}"
