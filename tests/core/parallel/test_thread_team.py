"""How many parts training splits each batch into."""
import os

import pytest

from core.parallel import thread_team
from core.parallel.thread_team import training_parts


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="CPU affinity is a Linux notion")
@pytest.mark.parametrize(("cores", "parts"), [({0}, 1), ({0, 1}, 2), (set(range(16)), 2)])
def test_one_part_per_core_this_process_may_use_at_most_two(monkeypatch, cores, parts):
    monkeypatch.setattr(thread_team.os, "sched_getaffinity", lambda pid: cores)
    monkeypatch.setattr(thread_team.os, "cpu_count", lambda: 64)        # the machine's count does not decide
    assert training_parts() == parts


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="CPU affinity is a Linux notion")
@pytest.mark.parametrize(("cores", "parts"), [({0}, 1), ({0, 1}, 1), ({0, 1, 2}, 1), (set(range(4)), 2),
                                              (set(range(16)), 2)])
def test_runs_at_once_share_the_cores(monkeypatch, cores, parts):
    monkeypatch.setattr(thread_team.os, "sched_getaffinity", lambda pid: cores)
    assert training_parts(runs=2) == parts
