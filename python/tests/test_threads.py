"""The binding releases the GIL around long C++ work: several Python threads run forecasts,
liveput estimates and trace binning at once and get the same answers as one thread."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

import parcae


def test_concurrent_calls_give_the_single_threaded_answers(p3_events):
    trace = parcae.read_trace(p3_events)
    alive = trace.bin().alive.astype(float)
    gpt = parcae.load_profile("gpt-1.5b")
    expected_fc = parcae.forecast(alive, "arima", 5, n_paths=50, seed=3)
    expected_lp = parcae.liveput(gpt, 32, (4, 8), 2)

    def work(i):
        if i % 3 == 0:
            f = parcae.forecast(alive, "arima", 5, n_paths=50, seed=3)
            return np.array_equal(f.mean, expected_fc.mean) and np.array_equal(f.paths,
                                                                                expected_fc.paths)
        if i % 3 == 1:
            e = parcae.liveput(gpt, 32, (4, 8), 2)
            return [t.liveput for t in e.targets] == [t.liveput for t in expected_lp.targets]
        return int(trace.bin(120).alive.max()) == 32

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(work, range(24)))
