"""Neurodata Without Borders: a run's spikes as the Units table (``spike_times`` in seconds, one
unit per recorded neuron, with its ``population`` and ``neuron`` index) and its sampled state as
time series, written through pynwb; and the units of any NWB file (a run's, or data shared on
DANDI) read back as NEST-style events for :mod:`cajal.analysis`. Needs ``pip install pynwb``.
"""

from __future__ import annotations

import datetime as _dt
import os
import uuid
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

# NEST's units of the state variables, as NWB's SI unit and the factor to it
_UNITS = {
    "V_m": ("volts", 1e-3), "theta": ("volts", 1e-3), "I_syn_ex": ("amperes", 1e-12),
    "I_syn_in": ("amperes", 1e-12), "w": ("amperes", 1e-12), "g_ex": ("siemens", 1e-9),
    "g_in": ("siemens", 1e-9), "U_m": ("n.a.", 1.0),
}


def _pynwb():
    try:
        import pynwb
    except ImportError:
        raise ImportError("NWB files need pynwb: pip install pynwb") from None
    return pynwb


def write_nwb(
    net: Any,
    path: Union[str, os.PathLike],
    *,
    populations: Optional[Sequence[str]] = None,
    session_description: str = "simulation of a spiking network with Cajal",
    identifier: Optional[str] = None,
    session_start_time: Optional[_dt.datetime] = None,
    experimenter: Optional[Sequence[str]] = None,
    institution: Optional[str] = None,
    subject: Any = None,
    overwrite: bool = False,
) -> Path:
    """Writes the recorded spikes of ``net`` (a :class:`cajal.Network` after a run) to an NWB
    file: one unit per recorded neuron, with columns ``population`` and ``neuron``, its
    observation interval the simulated time; each population's sampled state variables as a
    ``TimeSeries`` in ``acquisition`` (SI units). The file is written beside ``path`` and then
    moved there, so a failed write leaves nothing half-written; an existing file is kept unless
    ``overwrite``. ``subject``, a ``pynwb.file.Subject`` or a dict of its fields (e.g. the
    species, sex and age of the animal the network models), is what DANDI asks of every file:
    without it nwbinspector reports ``check_subject_exists`` and nothing else."""
    pynwb = _pynwb()

    p = Path(path)
    if p.suffix != ".nwb":
        raise ValueError(f"write_nwb(): the file name must end in .nwb (got {str(p)!r})")
    if p.exists() and not overwrite:
        raise FileExistsError(f"write_nwb(): {str(p)!r} exists; pass overwrite=True to replace it")
    if net.time <= 0:
        raise ValueError("write_nwb(): the network has not run yet; call run() first")
    names = list(net.populations) if populations is None else [str(x) for x in populations]
    start = session_start_time or _dt.datetime.now(_dt.timezone.utc)
    if start.tzinfo is None:
        raise ValueError("write_nwb(): session_start_time must carry a time zone (e.g. datetime.now(timezone.utc))")
    f = pynwb.NWBFile(
        session_description=session_description,
        identifier=identifier or str(uuid.uuid4()),
        session_start_time=start,
        experimenter=list(experimenter) if experimenter else None,
        institution=institution,
        experiment_description=(
            f"Cajal {net_version()} simulation, dt = {net.dt} ms, seed {net.seed}, "
            f"{net.time} ms simulated; populations: " + ", ".join(names)
        ),
        keywords=["spiking neural network", "simulation", "Cajal"],
        source_script="cajal.nwb.write_nwb",
        source_script_file_name="cajal/nwb.py",
    )
    if subject is not None:
        f.subject = subject if isinstance(subject, pynwb.file.Subject) else pynwb.file.Subject(**dict(subject))
    f.units = pynwb.misc.Units(
        name="units", description="the recorded neurons of the simulation, one unit each",
        resolution=net.dt / 1000.0,
    )
    f.add_unit_column(name="population", description="population of the simulated neuron")
    f.add_unit_column(name="neuron", description="index of the neuron within its population")
    stop_s = net.time / 1000.0
    any_unit = False
    for name in names:
        if name not in net.populations:
            raise KeyError(f"write_nwb(): no population named {name!r}; the network has: {', '.join(net.populations)}")
        try:
            times, senders = net.spikes(name)
        except ValueError:
            times = None  # the population records no spikes
        if times is not None:
            ids = net._native.recorded_ids(name)
            order = np.argsort(senders, kind="stable")
            t_sorted, s_sorted = times[order], senders[order]
            bounds = np.searchsorted(s_sorted, ids, side="left"), np.searchsorted(s_sorted, ids, side="right")
            for i, a, b in zip(ids, *bounds):
                f.add_unit(spike_times=t_sorted[a:b] / 1000.0, obs_intervals=[[0.0, stop_s]],
                           population=name, neuron=int(i))
                any_unit = True
        try:
            state = net.state(name)
        except ValueError:
            continue
        who = np.unique(state["senders"])
        steps = np.unique(state["times"])
        for var, values in state.items():
            if var in ("times", "senders"):
                continue
            unit, factor = _UNITS.get(var, ("n.a.", 1.0))
            data = values.reshape(len(steps), len(who))
            gaps = np.diff(steps)
            if len(steps) > 1 and np.allclose(gaps, gaps[0], rtol=0, atol=1e-9):
                when = {"starting_time": float(steps[0]) / 1000.0, "rate": 1000.0 / float(gaps[0])}
            else:
                when = {"timestamps": steps / 1000.0}
            f.add_acquisition(pynwb.TimeSeries(
                name=f"{name}_{var}", data=data, unit=unit, conversion=factor, **when,
                description=f"{var} of neurons {who.tolist()} of population {name} (columns), sampled by Cajal",
                comments=f"NEST units: {var} in {'mV' if unit == 'volts' else 'pA' if unit == 'amperes' else 'nS' if unit == 'siemens' else 'a.u.'}",
            ))
    if not any_unit and not f.acquisition:
        raise ValueError("write_nwb(): nothing was recorded; add net.record(...) before the first run")
    tmp = p.with_name(f".{p.stem}.partial.nwb")
    try:
        with pynwb.NWBHDF5IO(str(tmp), "w") as io:
            io.write(f)
        os.replace(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()
    return p


def net_version() -> str:
    from . import __version__

    return __version__


def read_units(path: Union[str, os.PathLike]) -> Dict[str, Any]:
    """The Units table of an NWB file as events: ``times`` (ms, float64), ``senders`` (unit
    index, float64, in table order), ``n``, ``t_start``/``t_stop`` (ms: the units' observation
    intervals where given, else 0 and the last spike) and ``groups`` (runs of equal
    ``population`` where that column exists, else None)."""
    pynwb = _pynwb()
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"read_nwb(): no file at {str(p)!r}")
    try:
        io = pynwb.NWBHDF5IO(str(p), "r", load_namespaces=True)
    except Exception as e:  # h5py and hdmf raise many kinds for a foreign file
        raise ValueError(f"read_nwb(): {str(p)!r} is not a readable NWB file ({e})") from None
    with io:
        f = io.read()
        units = f.units
        if units is None or len(units) == 0:
            raise ValueError(f"read_nwb(): {str(p)!r} has no Units table (no sorted spikes to analyse)")
        n = len(units)
        trains = [np.asarray(units["spike_times"][i], dtype=np.float64) * 1000.0 for i in range(n)]
        cols = units.colnames
        pops = [str(x) for x in units["population"][:]] if "population" in cols else None
        lo, hi = None, None
        if "obs_intervals" in cols:
            for i in range(n):
                iv = np.asarray(units["obs_intervals"][i], dtype=np.float64)
                if iv.size:
                    lo = iv.min() * 1000 if lo is None else min(lo, iv.min() * 1000)
                    hi = iv.max() * 1000 if hi is None else max(hi, iv.max() * 1000)
    times = np.concatenate(trains) if trains else np.zeros(0)
    senders = np.concatenate([np.full(len(t), float(i)) for i, t in enumerate(trains)]) if trains else np.zeros(0)
    order = np.lexsort((senders, times))
    times, senders = times[order], senders[order]
    if lo is None:
        lo = min(0.0, float(times.min())) if times.size else 0.0
    if hi is None:
        hi = float(times.max()) + 1.0 if times.size else lo + 1.0
    groups = None
    if pops is not None:
        groups = []
        for name in pops:
            if groups and groups[-1][0] == name:
                groups[-1] = (name, groups[-1][1] + 1)
            else:
                groups.append((name, 1))
        if len({g for g, _ in groups}) != len(groups):
            groups = None  # a population split into runs: not a grouping the report can show
    return {"times": times, "senders": senders, "n": n, "t_start": float(lo), "t_stop": float(hi), "groups": groups}
