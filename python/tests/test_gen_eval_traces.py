"""scripts/gen_eval_traces.py: the evaluation set's seeded generator (docs/results.md)."""

import filecmp
import os
import subprocess
import sys


def generate(root, out, *args):
    subprocess.run([sys.executable, os.path.join(root, "scripts", "gen_eval_traces.py"), str(out),
                    *args], check=True, timeout=120)
    return sorted(os.listdir(out))


def counts(path):
    """The (minute, alive) rows of a counts CSV, and its gpus_per_instance comment (1 if none)."""
    rows, gpus = [], 1
    with open(path) as f:
        for line in f:
            if line.startswith("# gpus_per_instance:"):
                gpus = int(line.split(":")[1])
            elif not line.startswith("#"):
                t, n = line.split(",")
                rows.append((int(t) // 60000, int(n)))
    return rows, gpus


def test_same_seed_same_files_and_old_draws_kept(root, tmp_path):
    a = generate(root, tmp_path / "a")
    b = generate(root, tmp_path / "b")
    assert a == b and len(a) == 18
    for name in a:
        assert filecmp.cmp(tmp_path / "a" / name, tmp_path / "b" / name, shallow=False)
    # Families are appended with their own stream: the draw of an older family never changes
    # (tests/data/sim/steady-churn-32.csv is the seed-1 steady churn the C++ tests read).
    assert filecmp.cmp(tmp_path / "a" / "synthetic-steady-churn.csv",
                       os.path.join(root, "tests", "data", "sim", "steady-churn-32.csv"),
                       shallow=False)


def test_seeds_writes_numbered_copies(root, tmp_path):
    names = generate(root, tmp_path, "--seed", "7", "--seeds", "2")
    assert len(names) == 36
    assert "synthetic-diurnal.csv" in names and "synthetic-diurnal-s2.csv" in names
    assert not filecmp.cmp(tmp_path / "synthetic-diurnal.csv", tmp_path / "synthetic-diurnal-s2.csv",
                           shallow=False)


def test_the_session_14_families_have_their_shape(root, tmp_path):
    generate(root, tmp_path)
    rows, gpus = counts(tmp_path / "synthetic-diurnal.csv")
    alive = [n for _, n in rows]
    assert gpus == 1 and rows[-1][0] > 2.9 * 24 * 60  # three days
    assert min(alive) <= 10 and max(alive) >= 26       # the daily swing
    rows, _ = counts(tmp_path / "synthetic-ramp-up.csv")
    assert rows[0] == (0, 2) and max(n for _, n in rows) == 48
    reached = next(t for t, n in rows if n == 48)
    assert 60 < reached < 8 * 60                       # acquired over hours, not at once
    rows, _ = counts(tmp_path / "synthetic-reclaim-waves.csv")
    assert rows[0] == (0, 48) and max(n for _, n in rows) == 48
    drops = [rows[i - 1][1] - rows[i][1] for i in range(1, len(rows))]
    assert min(n for _, n in rows) <= 48 * 0.7 and max(drops) >= 3  # waves, not single losses


def test_the_session_16_family_has_its_shape(root, tmp_path):
    generate(root, tmp_path)
    rows, gpus = counts(tmp_path / "synthetic-gpu8-waves.csv")
    assert gpus == 8 and rows[0] == (0, 12) and max(n for _, n in rows) == 12
    drops = [rows[i - 1][1] - rows[i][1] for i in range(1, len(rows))]
    assert min(n for _, n in rows) <= 12 * 0.7 and max(drops) >= 2  # waves on 8-GPU instances


def test_bad_seeds(root, tmp_path):
    proc = subprocess.run([sys.executable, os.path.join(root, "scripts", "gen_eval_traces.py"),
                           str(tmp_path), "--seeds", "0"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "--seeds must be at least 1, got 0" in proc.stderr
