"""parcae: liveput-optimized DNN training on preemptible instances (Python binding).

The C++ library does the work (``parcae._core``, pybind11); this package adds keyword defaults,
the profile search that includes the profiles shipped inside the package, and launcher adapters
(``parcae.launchers``) that turn a parcae configuration into Megatron-LM, DeepSpeed and torchrun
settings without importing those frameworks. The decision loop: :class:`Job` (one job setup),
:class:`Controller` (the runtime controller with Python hooks), :func:`plan` (a plan over a
horizon) and :func:`simulate` (policies over a trace). See docs/python.md.

Bad arguments raise :class:`parcae.InvalidArgument`, a subclass of :class:`ValueError`, with the
library's message (``"parcae::perf::load_profile(my.json): model.layers[1].forward_ms is -1, but
must be > 0"``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable, List, Optional, Sequence, Tuple, Union

from . import _core, launchers
from ._core import (
    Config,
    Controller,
    Decision,
    Forecast,
    Intervals,
    InvalidArgument,
    Job,
    LayerFetch,
    LiveputEntry,
    Placement,
    Plan,
    PlanStep,
    Profile,
    TargetEstimate,
    Trace,
    TraceReplay,
    detect_format,
    parse_trace,
    read_trace,
)
from .sim import POLICIES, SimResult, simulate

if TYPE_CHECKING:  # numpy is imported by the binding only when an array is made
    import numpy as np

__all__ = [
    "Config",
    "Controller",
    "Decision",
    "Forecast",
    "Intervals",
    "InvalidArgument",
    "Job",
    "LayerFetch",
    "LiveputEntry",
    "POLICIES",
    "Placement",
    "Plan",
    "PlanStep",
    "Profile",
    "SimResult",
    "TargetEstimate",
    "Trace",
    "TraceReplay",
    "detect_format",
    "forecast",
    "launchers",
    "liveput",
    "load_profile",
    "parse_profile",
    "parse_trace",
    "plan",
    "profile_dirs",
    "read_trace",
    "shipped_profiles",
    "simulate",
]

__version__ = "0.1.0"

_PACKAGE_PROFILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "profiles")


def profile_dirs() -> List[str]:
    """Directories searched for ``NAME.json``, in order: ``$PARCAE_PROFILE_DIR``, the profiles
    shipped in this package, then the library's defaults (``<exe>/../share/parcae/profiles``)."""
    dirs = []
    env = os.environ.get("PARCAE_PROFILE_DIR")
    if env:
        dirs.append(env)
    dirs.append(_PACKAGE_PROFILES)
    dirs.extend(d for d in _core._default_profile_dirs() if d not in dirs)
    return dirs


def load_profile(name_or_path: Union[str, "os.PathLike[str]"]) -> Profile:
    """Loads a shipped profile by name (``"gpt-1.5b"``) or a ``parcae-profile-1`` JSON file.

    A path that contains ``/``, ends in ``.json`` or names an existing file is read as a file.
    Raises InvalidArgument naming the JSON field path of any bad value.
    """
    return _core._load_profile(os.fspath(name_or_path), profile_dirs())


def parse_profile(text: str, origin: str = "<string>") -> Profile:
    """Parses a profile document held in a string; ``origin`` names it in error messages."""
    return _core._parse_profile(text, origin)


def shipped_profiles() -> List[str]:
    """Names of the profiles :func:`load_profile` finds by name, sorted."""
    return _core._shipped_profile_names(profile_dirs())


def forecast(
    y: "Union[Sequence[float], np.ndarray]",
    method: str = "arima",
    horizon: int = 10,
    levels: Iterable[float] = (80.0, 95.0),
    *,
    order: Optional[Tuple[int, int, int]] = None,
    constant: str = "auto",
    ets: Optional[str] = None,
    n_paths: int = 0,
    seed: int = 0,
) -> Forecast:
    """Fits a model to the series ``y`` (oldest first) and forecasts ``horizon`` steps.

    ``method``: ``"arima"`` (``order=(p, d, q)``, default the artifact's (1, 1, 0); ``constant``
    ``"auto"`` (drift when d == 1, mean when d == 0), ``"none"``, ``"mean"`` or ``"drift"``),
    ``"auto_arima"`` (Hyndman-Khandakar, as R's forecast::auto.arima), ``"ets"`` (AICc selection,
    or the model named by ``ets``, e.g. ``"AAdN"``), ``"naive"``, ``"drift"`` or ``"mean"``.
    ``levels`` are interval levels in percent; ``n_paths`` sample paths are drawn with ``seed``
    (the same seed gives the same paths).
    """
    return _core._forecast(
        y,
        method,
        horizon,
        [float(level) for level in levels],
        None if order is None else [int(v) for v in order],
        constant,
        ets,
        n_paths,
        seed,
    )


def liveput(
    profile: Union[Profile, str],
    nodes: int,
    config: Tuple[int, int],
    preempt: int,
    add: int = 0,
    *,
    method: str = "exact",
    samples: int = 10000,
    seed: int = 1,
    threads: int = 1,
    interval_seconds: float = 60.0,
    zones: Optional[Sequence[float]] = None,
) -> LiveputEntry:
    """Liveput of one key (N, D, P, n_in, n_out): reachability, expected migration cost and
    liveput of every target configuration, as ``parcae liveput`` prints them.

    ``config`` is the running (d, p); ``method`` ``"exact"`` (uniform preemptions) or ``"mc"``
    (Monte-Carlo, ``samples`` draws with ``seed``; ``zones`` gives zone weights).
    """
    if isinstance(profile, str):
        profile = load_profile(profile)
    d, p = config
    return _core._liveput(
        profile,
        nodes,
        d,
        p,
        preempt,
        add,
        method,
        samples,
        seed,
        threads,
        interval_seconds,
        None if zones is None else [float(w) for w in zones],
    )


def plan(
    job: Job,
    n_now: int,
    steps: Union[int, Sequence[Tuple[int, int]]],
    initial: Union[Config, Tuple[int, int]] = (0, 0),
    remaining_s: float = 0.0,
    concurrent: str = "remainder",
    reroute: bool = True,
) -> Plan:
    """The liveput-optimal plan over a horizon (plan/dp_planner.hpp, the controller's DP) on the
    job's liveput table.

    ``n_now`` instances are alive now and ``initial`` runs on them (``(0, 0)``: paused;
    ``remaining_s`` > 0: still migrating). ``steps`` is the availability forecast, one
    ``(n_in, n_out)`` pair per interval, or a number of intervals in which nothing changes.
    ``concurrent`` is what a migration started during another costs: ``"remainder"`` (the
    Controller's default: max(remaining, cost) + restart, so it cannot end before the running one
    would have) or ``"artifact"`` (cost + restart: the remaining time is dropped).
    ``reroute`` (the Controller's default): a later step may keep a configuration that a
    forecast loss leaves too few GPUs running with the lost slots' micro-batches rerouted to
    their stages' peers (``PlanStep.empty_slots``); ``False``: it must migrate, the artifact's
    model. ``Plan.first`` is the configuration to run now. The GIL is released while it plans.
    """
    if isinstance(steps, int):
        steps = [(0, 0)] * steps
    if not isinstance(initial, Config):
        initial = Config(tuple(initial))
    return _core._plan(
        job, n_now, list(steps), initial, float(remaining_s), concurrent, bool(reroute)
    )
