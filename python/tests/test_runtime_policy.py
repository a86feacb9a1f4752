"""parcae.runtime.policy: placements, fetches and migration kinds (no processes)."""

import pytest

pytest.importorskip("torch")
from parcae.runtime.policy import partition, plan_migration  # noqa: E402


def _holdings(dec):
    return {pl["instance"]: (pl["first_layer"], pl["end_layer"])
            for pl in dec["placements"] if pl["pipeline"] >= 0}


def _event(alive, holdings, prev, noticed=()):
    return {"alive": alive, "noticed": list(noticed), "holdings": holdings, "previous": prev,
            "n_layers": 8}


def test_partition():
    assert partition(8, 3) == [(0, 3), (3, 6), (6, 8)]
    assert partition(8, 1) == [(0, 8)]


def test_kinds():
    first = plan_migration(_event(list(range(8)), None, {"d": 0, "p": 0}), 2, 4)
    assert first["kind"] == "restart" and all(f["from_checkpoint"] for f in first["fetches"])
    h = _holdings(first)
    lost = [i for i in range(8) if h[i] == (2, 4)][1]
    intra = plan_migration(_event([i for i in range(8) if i != lost], h, {"d": 2, "p": 4}), 1, 4)
    assert intra["kind"] == "intra_stage" and intra["fetches"] == []
    h2 = _holdings(intra)
    inter = plan_migration(_event([i for i in range(9) if i != lost], h2, {"d": 1, "p": 4}), 2, 4)
    assert inter["kind"] == "inter_stage" and len(inter["fetches"]) == 4
    for f in inter["fetches"]:  # each from the surviving replica of that stage
        assert h2[f["source"]] == (f["first_layer"], f["end_layer"])
    h3 = _holdings(inter)
    alive = [i for i in range(9) if i != lost]
    notice = alive[-1]
    pipe = plan_migration(_event(alive[:-1], h3, {"d": 2, "p": 4}, [notice]), 3, 2)
    assert pipe["kind"] == "pipeline"
    assert all(not f["from_checkpoint"] for f in pipe["fetches"])
    assert notice not in [pl["instance"] for pl in pipe["placements"]]
    h4 = _holdings(pipe)
    stage0 = [i for i, r in h4.items() if r == (0, 4)]
    rest = [i for i in alive[:-1] if i not in stage0]
    restart = plan_migration(_event(rest, {i: h4[i] for i in rest if i in h4}, {"d": 3, "p": 2}),
                             2, 2)
    assert restart["kind"] == "restart"


def test_too_many_slots():
    with pytest.raises(ValueError, match="d\\*p is 8"):
        plan_migration(_event([0, 1, 2], None, {"d": 0, "p": 0}), 2, 4)
