"""Traces: every shape the CLI reads, binning, numpy arrays (same numbers as the C++ tests)."""

import os

import numpy as np
import pytest

import parcae


def test_p3_bins_to_the_artifacts_683_intervals(p3_events, root):
    trace = parcae.read_trace(p3_events)
    assert trace.format == "events" and trace.named
    assert len(trace) == 344
    assert (trace.start_ms, trace.end_ms) == (0, 40_920_000)
    assert trace.times_ms.dtype == np.int64 and trace.deltas.dtype == np.int32
    assert int(trace.deltas.sum()) == 10
    s = trace.bin()
    assert len(s) == 683 and s.interval_seconds == 60.0
    assert s.alive.max() == 32 and s.added.sum() == 177 and s.removed.sum() == 167
    # The artifact's own per-minute binning (tests/data/trace/p3_intervals_artifact.csv).
    ref = np.loadtxt(os.path.join(root, "tests", "data", "trace", "p3_intervals_artifact.csv"),
                     delimiter=",", comments=["#", "k"], dtype=int)
    assert np.array_equal(ref[:, 1], s.alive)
    assert np.array_equal(ref[:, 2], s.added)
    assert np.array_equal(ref[:, 3], s.removed)
    hourly = trace.bin(3600)
    assert len(hourly) == 12


def test_other_shapes_give_the_same_intervals(p3_events, root):
    p3 = parcae.read_trace(p3_events).bin()
    for name, fmt in [("p3_series.csv", "series"), ("p3_gap.json", "json")]:
        t = parcae.read_trace(os.path.join(root, "tests", "data", "trace", name))
        assert t.format == fmt
        s = t.bin()
        assert np.array_equal(s.alive, p3.alive)
        assert np.array_equal(s.removed, p3.removed)


def test_parse_trace_and_detect_format():
    text = "0,add,a\n60000,add,b\n120000,remove,a\n"
    assert parcae.detect_format(text) == "events"
    t = parcae.parse_trace(text)
    assert list(t.bin().alive) == [0, 1, 2]
    assert repr(t).startswith("Trace(source='<input>', format='events', 3 changes")


def test_bad_traces_raise_value_error():
    with pytest.raises(ValueError, match=r"parcae::trace::parse_format: name is \"csv\""):
        parcae.parse_trace("0,add,a\n", format="csv")
    with pytest.raises(ValueError, match="parcae::trace::read_trace: path is"):
        parcae.read_trace("/nonexistent/trace.csv")
    with pytest.raises(ValueError, match="<input>:2: event is \"addd\""):
        parcae.parse_trace("0,add,a\n1,addd,b\n", format="events")
    with pytest.raises(ValueError, match="interval_seconds"):
        parcae.parse_trace("0,add,a\n").bin(0.0)
