"""The reference runtime end to end: etcd, a controller and up to 8 gloo worker processes on
127.0.0.1, a scripted trace with one migration of each kind, a preemption notice (SIGTERM) and a
controller crash (SIGKILL, restarted). Everything is started and ended here (bounded waits;
process groups killed in teardown)."""

import os
import shutil
import signal
import time

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("etcd3")
if shutil.which("etcd") is None:
    pytest.skip("no etcd binary (Debian etcd-server)", allow_module_level=True)

from parcae.runtime.launch import local_job, migration_report  # noqa: E402
from parcae.runtime.model import expected_seen, model_spec, train_reference  # noqa: E402

STEPS = 400
# Tolerance of (b): float64 sums in a different order (d and micro-batching differ) through
# 400 Adam steps; measured differences are ~1e-15.
TOLERANCE = 1e-10
TARGETS = [(2, 4), (1, 4), (2, 4), (3, 2), (2, 2)]
KINDS = ["restart", "intra_stage", "inter_stage", "pipeline", "restart"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    spec = model_spec()
    job = local_job(str(tmp_path_factory.mktemp("runtime")), spec, STEPS, checkpoint_every=10,
                    step_sleep_s=0.01)
    try:
        _trace(job)
        yield job, spec
    finally:
        job.close()


def _step_of(job, seq):
    steps = [e["step"] for e in job.worker_log() if e["ev"] == "step" and e["seq"] == seq]
    return max(steps, default=-1)


def _trained(job, seq, n=8):
    """Waits until decision ``seq`` was acknowledged and n steps ran under it. The bounds are
    generous: on a loaded 2-core machine 8 workers and a checkpoint restart took over 30 s to
    execute decision 5 (the whole scenario takes about 26 s idle)."""
    job.wait(lambda: len(job.decisions()) >= seq, 90, f"decision {seq}")
    start = job.wait(lambda: [e["step"] for e in job.worker_log()
                              if e["ev"] == "exec" and e["seq"] == seq], 90, f"exec {seq}")
    job.wait(lambda: _step_of(job, seq) >= min(start) + n, 60, f"steps of {seq}")
    assert not job.done(), "STEPS is too small for the trace"


def _holders(job, seq, first_layer):
    dec = job.decisions()[seq - 1]
    return [pl["instance"] for pl in dec["placements"] if pl["first_layer"] == first_layer
            and pl["pipeline"] >= 0]


def _trace(job):
    for i in range(8):
        job.start_worker(i)
    job.wait(lambda: len(job.members()) == 8, 30, "8 members")
    job.start_controller(targets=TARGETS)
    _trained(job, 1)
    # 2: a preemption without notice in pipeline 1 -> (1,4), survivors regroup.
    dec1 = job.decisions()[0]
    victim = [pl["instance"] for pl in dec1["placements"] if pl["pipeline"] == 1][1]
    job.signal_worker(victim, signal.SIGKILL)
    _trained(job, 2)
    # 3: a new instance joins -> (2,4), the spares fetch stages from pipeline 0.
    job.start_worker(8)
    _trained(job, 3)
    # 4: the controller crashes; meanwhile an instance gets a preemption notice; the restarted
    # controller continues the job: (3,2), a pipeline migration that drains the noticed one.
    job.kill_controller()
    dec3 = job.decisions()[2]
    noticed = [pl["instance"] for pl in dec3["placements"] if pl["stage"] == 3][0]
    job.signal_worker(noticed, signal.SIGTERM)
    time.sleep(1.0)
    job.start_controller(targets=TARGETS)
    _trained(job, 4)
    # 5: every holder of stage 0 is lost at once -> restart from the checkpoint, (2,2).
    for inst in _holders(job, 4, 0):
        job.signal_worker(inst, signal.SIGKILL)
    _trained(job, 5)
    job.wait(job.done, 120, "the job to finish")


def test_every_migration_kind_and_no_lost_decision(run):
    """(d) decisions 1..5 in order, none twice, each executed by every participant alive."""
    job, _ = run
    decisions = job.decisions()
    assert [d["sequence"] for d in decisions] == [1, 2, 3, 4, 5]
    assert [d["kind"] for d in decisions] == KINDS
    assert [(d["target"]["d"], d["target"]["p"]) for d in decisions] == TARGETS
    assert decisions[3]["cause"] == "preemption_notice"
    for dec in decisions:
        trainers = [pl["instance"] for pl in dec["placements"] if pl["pipeline"] >= 0]
        acks = job.acks(dec["sequence"])
        assert set(trainers) <= set(acks), dec["sequence"]
        assert all(a.get("ok", True) for a in acks.values())


def test_states_equal_a_surviving_replica_bit_for_bit(run):
    """(a) after each migration, every holder of a layer has the same bytes (parameters, both
    Adam moments, data position), and a fetched layer equals what its sender sent."""
    job, _ = run
    log = job.worker_log()
    for seq in range(1, 6):
        execs = [e for e in log if e["ev"] == "exec" and e["seq"] == seq]
        by_layer = {}
        for e in execs:
            for layer, h in e["hashes"].items():
                by_layer.setdefault(layer, set()).add(h)
            for sent in e["sent"].values():
                for layer, h in sent["hashes"].items():
                    by_layer.setdefault(layer, set()).add(h)
        assert len(by_layer) == 8, seq
        assert all(len(h) == 1 for h in by_layer.values()), (seq, by_layer)
        if seq in (3, 4):
            assert any(e["sent"] for e in execs)  # state really moved point to point


def test_model_equals_training_without_preemptions(run):
    """(b) the final model equals the one trained in one process on the same samples."""
    job, spec = run
    ref = train_reference(spec, STEPS)
    for layer in range(spec.n_layers):
        got = torch.load(os.path.join(job.run_dir, "final", f"layer-{layer}.pt"))
        assert torch.allclose(got, ref[layer].flat(), rtol=0, atol=TOLERANCE), layer


def test_no_sample_trained_twice_or_skipped(run):
    """(c) every layer's data position (count, sum, sum of squares of the sample indices it was
    trained on, carried with its state) is that of samples 0 .. STEPS * B - 1 exactly once, and
    the log's last execution of each step covers its samples exactly once.

    One exception in the log, never in the state: a stage-0 worker killed (the trace's SIGKILL of
    an instance that leaves) after the step's commit barrier and before its log line leaves its
    share unlogged although the step was committed for every pipeline (the barrier is an
    all-reduce; the layers' data positions above include the share). Seen once in CI: step 130
    of decision 4, two of its three pipelines' stage-0 instances killed for decision 5, which
    restarted from the checkpoint of step 130. Such a step's logged shares must still be distinct
    and in the step's batch, and each missing share's worker must never log again."""
    job, spec = run
    want = expected_seen(spec, STEPS)
    for layer in range(spec.n_layers):
        got = torch.load(os.path.join(job.run_dir, "final", f"layer-{layer}.pt"))
        assert torch.equal(got[-3:], want), layer
    log = job.worker_log()
    last, shares = {}, {}
    for e in log:
        if e["ev"] == "step" and e["stage"] == 0:
            s = e["step"]
            shares.setdefault((e["seq"], s), {})[e["pipeline"]] = (e["instance"], e["samples"])
            if s not in last or e["seq"] > last[s][0]:
                last[s] = (e["seq"], [])
            if e["seq"] == last[s][0]:
                last[s][1].append(tuple(e["samples"]))
    assert sorted(last) == list(range(1, STEPS + 1))
    B = spec.global_batch
    for s, (seq, ranges) in last.items():
        covered = sorted(i for a, b in set(ranges) for i in range(a, b))
        batch = list(range((s - 1) * B, s * B))
        if covered == batch:
            continue
        # The unlogged shares: the pipelines that logged the step before under this decision,
        # each the same share of the next batch.
        before, now = shares.get((seq, s - 1), {}), shares[(seq, s)]
        missing = {pipe: v for pipe, v in before.items() if pipe not in now}
        unlogged = [i + B for _, (a, b) in missing.values() for i in range(a, b)]
        assert sorted(covered + unlogged) == batch, (s, seq)
        logged_at = max(e["t"] for e in log
                        if e["ev"] == "step" and e["seq"] == seq and e["step"] == s)
        for inst, _ in missing.values():
            assert not any(e["instance"] == inst and e["t"] > logged_at for e in log), (s, inst)


def test_migration_report(run):
    """Each migration is timed from the decision to the last participant ready (docs/runtime.md);
    printed with pytest -s."""
    job, _ = run
    rows = migration_report(job)
    assert [r["kind"] for r in rows] == KINDS
    for r in rows:
        assert 0 < r["measured_s"] < 30
        print(f"{r['sequence']} {r['kind']:12s} {r['target']} measured {r['measured_s']:.3f} s "
              f"(group {r['group_s']:.3f} s, transfer {r['transfer_s']:.4f} s, "
              f"{r['sent_bytes']} B)")
    assert rows[2]["sent_bytes"] > 0 and rows[3]["sent_bytes"] > 0
