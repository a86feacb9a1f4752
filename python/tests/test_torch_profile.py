"""parcae.torch_profile: a measured profile of a small layer stack reads back through the
library's own parser (the C++ reader behind parcae.load_profile)."""

import json

import pytest

torch = pytest.importorskip("torch")

import parcae  # noqa: E402
from parcae import torch_profile  # noqa: E402


def _mlp(width=64, n=4):
    torch.manual_seed(0)
    return torch.nn.Sequential(
        *[torch.nn.Sequential(torch.nn.Linear(width, width), torch.nn.Tanh()) for _ in range(n)]
    )


def test_profile_reads_back(tmp_path):
    model = _mlp()
    out = tmp_path / "mlp.json"
    net = torch_profile.measure_p2p(sizes=[4, 1024, 65536, 1 << 20], repeats=3)
    doc = torch_profile.profile(model, torch.randn(8, 64), name="mlp", p2p=net, out=str(out),
                                repeats=5)
    layers = doc["model"]["layers"]
    assert len(layers) == 4
    for row in layers:
        assert row["params"] == 64 * 64 + 64
        assert row["forward_ms"] > 0 and row["backward_ms"] > 0
        # Linear saves its input (8 x 64 fp32), Tanh its output: 2 * 2 KiB.
        assert row["activation_bytes"] == 2 * 8 * 64 * 4
    assert doc["model"]["optimizer_states"] == 2  # Adam: exp_avg, exp_avg_sq
    assert doc["model"]["activation_p2p_bytes"] == 8 * 64 * 4
    assert net["micros"] == sorted(net["micros"]) and net["micros"][0] > 0
    p = parcae.load_profile(str(out))
    assert p.name == "mlp" and p.n_layers == 4 and p.micro_batch == 8
    est = p.throughput(2, 2)
    assert est["status"] == "ok" and est["samples_per_s"] > 0
    # The writer's output parses as well (round trip through the C++ writer).
    assert json.loads(p.to_json())["format"] == "parcae-profile-1"


def test_transformer_block_stack():
    width, heads = 32, 4
    blocks = [torch.nn.TransformerEncoderLayer(width, heads, 64, batch_first=True) for _ in range(2)]
    rows = torch_profile.profile_layers(blocks, torch.randn(2, 16, width), repeats=3)
    assert len(rows) == 2
    assert rows[0]["params"] == sum(q.numel() for q in blocks[0].parameters())
    assert rows[0]["activation_bytes"] > 2 * 16 * width * 4


def test_empty_layers_rejected():
    with pytest.raises(ValueError, match="layers is empty"):
        torch_profile.profile([], torch.zeros(1))
