"""The trace-driven simulator: policies replayed over an availability trace (``parcae sim``).

:func:`simulate` takes the CLI's settings, with the CLI's defaults, so the same arguments give
the numbers of ``parcae sim --json``. Results are plain dicts; :meth:`SimResult.to_dataframe`
makes a pandas DataFrame when pandas is installed (imported only then).
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Union

from . import _core

__all__ = ["POLICIES", "SimResult", "simulate"]

#: Every built-in policy, in the order ``"all"`` runs them.
POLICIES: List[str] = list(_core._policy_names())


class SimResult:
    """What :func:`simulate` returns: the run's settings and one dict per policy.

    ``policies`` is a list of dicts with ``name``, ``samples``, ``ratio_to_ideal``,
    ``reconfigurations``, ``config_changes``, ``migration_seconds``, ``paused_seconds``,
    ``instance_hours``, ``cost_usd``, ``usd_per_million_samples``, ``slots_preempted``,
    ``guard_trips`` (times the regret guard tripped; None without one), ``on_demand`` (the
    fields of ``parcae sim --json``) and, with ``timeline=True``,
    ``timeline``: a dict of columns (``interval``, ``instances``, ``n_in``, ``n_out``, ``d``,
    ``p``, ``kind``, ``cost_s``, ``lost_s``, ``samples``, ``cumulative``, ``remaining_s``,
    ``slots_lost``, ``empty_slots``), one entry per interval.
    """

    def __init__(self, doc: Dict[str, Any]) -> None:
        self._doc = doc

    @property
    def policies(self) -> List[Dict[str, Any]]:
        return self._doc["policies"]

    @property
    def ideal_samples(self) -> float:
        return self._doc["ideal_samples"]

    @property
    def intervals(self) -> int:
        return self._doc["intervals"]

    def to_dict(self) -> Dict[str, Any]:
        """The whole result (settings, ``ideal_samples``, ``policies``) as one dict."""
        return self._doc

    def __getitem__(self, name: str) -> Dict[str, Any]:
        for row in self.policies:
            if row["name"] == name:
                return row
        raise KeyError(name)

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        return iter(self.policies)

    def __len__(self) -> int:
        return len(self.policies)

    def to_dataframe(self, timeline: bool = False) -> Any:
        """One row per policy (``timeline=False``), or one row per (policy, interval) of the
        timelines (``timeline=True``, needs ``simulate(..., timeline=True)``). Needs pandas."""
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("SimResult.to_dataframe needs pandas (pip install pandas)") from e
        if not timeline:
            rows = [{k: v for k, v in r.items() if k != "timeline"} for r in self.policies]
            return pd.DataFrame(rows).set_index("name")
        frames = []
        for r in self.policies:
            if "timeline" not in r:
                raise ValueError("no timeline: run simulate(..., timeline=True)")
            frame = pd.DataFrame(r["timeline"])
            frame.insert(0, "policy", r["name"])
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def __repr__(self) -> str:
        parts = ", ".join(f"{r['name']}={r['ratio_to_ideal']:.4f}" for r in self.policies)
        return f"SimResult({self._doc['profile']} on {self._doc['trace']}: {parts})"


def simulate(
    trace: Union["_core.Trace", str, "os.PathLike[str]"],
    profile: Union["_core.Profile", "_core.Job", str],
    policies: Union[str, Sequence[str]] = "all",
    *,
    interval_s: float = 60.0,
    horizon: int = 12,
    seed: int = 1,
    accounting: str = "realized",
    forecaster: str = "naive",
    first_step: str = "notice",
    reaction: str = "replan",
    window: int = 0,
    on_demand: int = 0,
    paths: int = 4,
    mc_samples: int = 100,
    spot_price: float = 0.91,
    on_demand_price: float = 3.06,
    timeline: bool = False,
    reroute: bool = True,
    guard: bool = True,
    concurrent: str = "remainder",
    progress: Optional[Callable[[str, int, int], None]] = None,
) -> SimResult:
    """Replays ``trace`` through ``policies`` (``"all"``, a name of :data:`POLICIES`, a
    comma-separated string or a list) and accounts samples, migration time and dollars.

    ``profile`` is a Profile or a shipped name (the job is then built as ``parcae sim`` builds
    it: capacity = the trace's most instances alive, ``seed`` and ``mc_samples`` for the liveput
    table), or a :class:`parcae.Job` to share its liveput table between runs. The keywords are
    the CLI's options: ``--interval``, ``--horizon``, ``--seed``, ``--accounting``
    (``realized``/``expected``), ``--forecaster`` (``naive``/``arima``/``ets``/``drift``),
    ``--first-step`` (``notice``/``forecast``), ``--reaction`` (``replan``,
    ``replan-when-undercut``, ``shrink``; the CLI's names are accepted too), ``--window`` (0:
    max(3, horizon)), ``--on-demand``, ``--paths``, ``--mc-samples``, ``--spot-price``,
    ``--on-demand-price``, ``reroute`` (``--reroute on|off``), ``guard`` (``--guard on|off``, the regret guard),
    ``concurrent`` (``--concurrent``: ``artifact`` or ``remainder``, how a migration started
    while another runs is charged). ``progress(name, i, n)`` is called before each policy.
    A trace whose file says ``# gpus_per_instance: G`` runs a profile on G-GPU instances, as the
    CLI does (a Job keeps its own).
    The GIL is released while the policies run.
    """
    if not isinstance(trace, _core.Trace):
        trace = _core.read_trace(os.fspath(trace))
    if isinstance(policies, str):
        policies = [p for p in policies.split(",") if p]
    return SimResult(
        _core._simulate(
            trace,
            profile,
            list(policies),
            interval_s,
            horizon,
            seed,
            accounting,
            forecaster,
            first_step,
            reaction,
            window,
            on_demand,
            paths,
            mc_samples,
            spot_price,
            on_demand_price,
            timeline,
            reroute,
            guard,
            concurrent,
            progress,
        )
    )
