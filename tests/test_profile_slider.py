"""scripts/profile_slider.py sums a trace's thread time per step and per move."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import profile_slider  # (a script, not a module of the package)


def test_thread_time_is_summed_per_step_and_divided_by_the_moves():
    def complete(tid, name, tdur, dur=None):
        return {"ph": "X", "pid": 1, "tid": tid, "name": name, "tdur": tdur, "dur": dur or tdur}

    events = [
        {"ph": "M", "pid": 1, "tid": 10, "name": "thread_name", "args": {"name": "CrRendererMain"}},
        {"ph": "M", "pid": 1, "tid": 20, "name": "thread_name",
         "args": {"name": "DedicatedWorker thread"}},
        complete(10, "Layout", 3000, dur=9000),  # thread time counts, not wall time
        complete(10, "Layout", 1000),
        complete(10, "Paint", 2000),
        complete(20, "HandlePostMessage", 8000),
        complete(10, "HandlePostMessage", 500),
        complete(30, "Layout", 7000),  # a thread not named: not counted
        {"ph": "B", "pid": 1, "tid": 10, "name": "Layout"},  # not a complete event
    ]
    per_move = profile_slider.cpu_per_move(events, moves=2)
    assert per_move["page: layout"] == pytest.approx(2.0)
    assert per_move["page: paint"] == pytest.approx(1.0)
    assert per_move["worker: Python (one change message)"] == pytest.approx(4.0)
    assert per_move["page: Python's patches applied"] == pytest.approx(0.25)
    assert per_move["raster"] == 0
    assert list(per_move) == list(dict.fromkeys(profile_slider.STEPS.values()))
