"""What the adapters read from a parcae decision: the configuration (d, p) and the placements.

They accept a decision object (anything with ``.target`` holding ``.d``/``.p``), a configuration
object (``.d``/``.p``), a ``(d, p)`` pair, or a mapping with ``"d"``/``"p"`` keys, so they work on
the controller's decisions, on ``Profile.best()`` dicts and on plain tuples alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Tuple


@dataclass(frozen=True)
class Placement:
    """Where one GPU of one alive instance goes (``pipeline == stage == -1``: a spare)."""

    instance: int
    gpu: int = 0
    pipeline: int = -1
    stage: int = -1

    @property
    def spare(self) -> bool:
        return self.pipeline < 0


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        return obj[name]
    return getattr(obj, name)


def config_of(decision: Any) -> Tuple[int, int]:
    """(d, p) of a decision, a configuration, a mapping or a pair."""
    if isinstance(decision, tuple) and len(decision) == 2:
        d, p = decision
    else:
        target = getattr(decision, "target", None)
        if target is None and isinstance(decision, Mapping) and "target" in decision:
            target = decision["target"]
        source = decision if target is None else target
        if isinstance(source, tuple) and len(source) == 2:
            d, p = source
        else:
            d, p = _field(source, "d"), _field(source, "p")
    if int(d) != d or int(p) != p or d < 0 or p < 0:
        raise ValueError(f"parcae.launchers: config is ({d}, {p}), but must be two counts >= 0")
    # A rerouted decision (kind "reroute", or a "restart"/"resume" started rerouted from the
    # checkpoint) runs (d, p) with empty slots whose micro-batches go to the stage's peers
    # (ReCycle). torchrun, Megatron-LM and DeepSpeed train whole pipelines only.
    empty = decision.get("empty_slots", 0) if isinstance(decision, Mapping) else getattr(
        decision, "empty_slots", 0)
    if empty:
        raise ValueError(f"parcae.launchers: the decision runs ({d}, {p}) with {empty} empty "
                         "slot(s) rerouted to their stage's peers, which these "
                         "launchers cannot run; build the Controller with reroute=False")
    return int(d), int(p)


def placement_of(item: Any) -> Placement:
    """A Placement from a Placement, a mapping or any object with the same fields."""
    if isinstance(item, Placement):
        return item
    get = (lambda k, default: item.get(k, default)) if isinstance(item, Mapping) else (
        lambda k, default: getattr(item, k, default))
    return Placement(int(get("instance", 0)), int(get("gpu", 0)), int(get("pipeline", -1)),
                     int(get("stage", -1)))


def check_positive(function: str, name: str, value: int) -> int:
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{function}: {name} is {value!r}, but must be an integer >= 1")
    return int(value)
