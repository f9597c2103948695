"""The measures of ``cajal analyze`` on NumPy arrays, on lists of ``neo.SpikeTrain`` and on the
units of NWB files.

Spikes are given as NEST's events, ``times`` (ms) and ``senders`` (0-based neuron indices), or as
one array of times per neuron. :func:`analyze` returns the whole report of ``cajal analyze``
(rates, CV, LV, Fano factors, correlations, spike-train distances, spectrum, avalanches and
power-law fits, branching ratio, Lempel-Ziv complexity, optionally connectivity inference) as a
dict; the functions after it compute one measure each.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _cajal

Trains = Sequence[Any]


def _ms(x: Any) -> np.ndarray:
    """Times in ms as float64: a neo/quantities array is rescaled, anything else taken as ms."""
    if hasattr(x, "rescale") and hasattr(x, "magnitude"):
        return np.asarray(x.rescale("ms").magnitude, dtype=np.float64)
    return np.asarray(x, dtype=np.float64)


def _ms_scalar(x: Any) -> float:
    if hasattr(x, "rescale"):
        return float(x.rescale("ms").magnitude)
    return float(x)


def events_from_trains(trains: Trains) -> Tuple[np.ndarray, np.ndarray, Optional[float], Optional[float]]:
    """``(times, senders, t_start, t_stop)`` from one train per neuron: arrays of ms or
    ``neo.SpikeTrain`` objects (whose units are honoured and whose windows are used)."""
    if isinstance(trains, (str, bytes, np.ndarray)) or not hasattr(trains, "__iter__"):
        raise TypeError(
            f"analyze(): give times and senders, or a list of spike trains (one per neuron); got {type(trains).__name__}"
        )
    times, senders = [], []
    t_start, t_stop = None, None
    trains = list(trains)
    for i, tr in enumerate(trains):
        t = _ms(tr)
        if t.ndim != 1:
            raise ValueError(f"analyze(): train {i} must be 1-D (got shape {t.shape})")
        times.append(np.sort(t))
        senders.append(np.full(t.shape, float(i)))
        if hasattr(tr, "t_start") and hasattr(tr, "t_stop"):
            a, b = _ms_scalar(tr.t_start), _ms_scalar(tr.t_stop)
            t_start = a if t_start is None else min(t_start, a)
            t_stop = b if t_stop is None else max(t_stop, b)
    if not times:
        raise ValueError("analyze(): the list of spike trains is empty")
    t = np.concatenate(times)
    s = np.concatenate(senders)
    order = np.lexsort((s, t))
    return t[order], s[order], t_start, t_stop


def analyze(
    times: Union[np.ndarray, Trains],
    senders: Optional[np.ndarray] = None,
    *,
    n: Optional[int] = None,
    t_start: Optional[float] = None,
    t_stop: Optional[float] = None,
    groups: Optional[Sequence[Tuple[str, int]]] = None,
    **options: Any,
) -> Dict[str, Any]:
    """The report of ``cajal analyze`` as a dict.

    ``times`` and ``senders`` are NEST-style events (or give one list of trains, e.g.
    ``neo.SpikeTrain`` objects, and no senders). ``n`` is the number of neurons (default: the
    largest sender plus one), ``[t_start, t_stop]`` the window in ms (default: 0 to the last
    spike), ``groups`` ``(name, size)`` pairs covering the neurons in order. ``options`` are
    ``cajal analyze``'s: ``bin_ms``, ``fano_window_ms``, ``pair_neurons``,
    ``van_rossum_tau_ms``, ``victor_purpura_q``, ``correlogram_max_lag``, ``avalanche_bin_ms``,
    ``min_tail``, ``gof_reps``, ``k_max``, ``lz_surrogates``, ``lz_neurons``, ``seed``,
    ``infer`` (``none``, ``ccg``, ``glm``, ``both``) with ``lag_min_ms``, ``lag_max_ms``, ``l1``,
    ``bases``. Measures the data are too small for are
    None and say why in ``notes``."""
    if senders is None:
        trains = list(times)  # type: ignore[arg-type]
        t, s, a, b = events_from_trains(trains)
        if n is None:
            n = len(trains)
        if t_start is None and a is not None:
            t_start = a
        if t_stop is None and b is not None:
            t_stop = b
    else:
        t = np.ascontiguousarray(_ms(times))
        s = np.ascontiguousarray(np.asarray(senders), dtype=np.float64)
        if t.ndim != 1 or s.ndim != 1:
            raise ValueError(f"analyze(): times and senders must be 1-D (got shapes {t.shape} and {s.shape})")
    if s.size and (not np.all(np.isfinite(s)) or s.min() < 0 or np.any(s != np.floor(s))):
        raise ValueError("analyze(): senders must be neuron indices: integers >= 0")
    if t_start is None:
        t_start = 0.0
    if n is None:
        n = int(s.max()) + 1 if s.size else 0
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"analyze(): n must be the number of neurons, an integer >= 1 (got {n!r})")
    if t_stop is None:
        if not t.size:
            raise ValueError("analyze(): no spikes and no t_stop: give the observation window's t_stop (ms)")
        t_stop = float(t.max())
        if t_stop <= t_start:
            t_stop = t_start + 1.0
    grp = None if groups is None else [(str(g), int(k)) for g, k in groups]
    text = _cajal.analyze_json(t, s, int(n), float(t_start), float(t_stop), grp, options or None)
    return json.loads(text)


def _train(x: Any, what: str) -> np.ndarray:
    t = np.ascontiguousarray(_ms(x))
    if t.ndim != 1:
        raise ValueError(f"{what} must be one spike train, a 1-D array of times (got shape {t.shape})")
    return t


def cv_isi(train: Any) -> float:
    """Coefficient of variation of a train's inter-spike intervals (NaN below 3 spikes)."""
    return _cajal.cv_isi(_train(train, "cv_isi(): train"))


def lv(train: Any) -> float:
    """Local variation LV of a train's intervals (Shinomoto et al. 2003)."""
    return _cajal.lv(_train(train, "lv(): train"))


def fano_factor(counts: Any) -> float:
    """Fano factor (variance over mean) of spike counts."""
    return _cajal.fano_factor(np.ascontiguousarray(counts, dtype=np.float64))


def lz_complexity(symbols: Any) -> Tuple[int, float]:
    """LZ76 complexity of a symbol sequence (e.g. a binarised spike train): ``(c, c normalised
    by a random sequence's of the same length and alphabet)``."""
    a = np.asarray(symbols)
    if a.ndim != 1 or (a.size and (a.dtype.kind not in "iub" or a.min() < 0)):
        raise ValueError("lz_complexity(): symbols must be a 1-D array of non-negative integers")
    return _cajal.lz76(np.ascontiguousarray(a, dtype=np.uint32))


def branching_ratio(activity: Any, k_max: int = 40) -> Dict[str, float]:
    """Branching ratio of binned population activity: ``conventional`` (regression of A(t+1)
    on A(t)) and the multistep-regression estimate ``mr`` with its ``b`` and ``tau_bins``
    (Wilting & Priesemann 2018)."""
    c, m, b, tau = _cajal.branching_ratio(np.ascontiguousarray(activity, dtype=np.float64), int(k_max))
    return {"conventional": c, "mr": m, "b": b, "tau_bins": tau}


def avalanches(counts: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Neuronal avalanches of binned spike counts: ``(sizes, durations in bins)``."""
    c = np.asarray(counts)
    if c.ndim != 1 or (c.size and c.min() < 0):
        raise ValueError("avalanches(): counts must be a 1-D array of counts >= 0")
    return _cajal.avalanches(np.ascontiguousarray(c, dtype=np.uint32))


def van_rossum(a: Any, b: Any, tau: float = 10.0) -> float:
    """van Rossum distance between two spike trains (ms), time constant ``tau`` ms."""
    return _cajal.van_rossum(_train(a, "van_rossum(): a"), _train(b, "van_rossum(): b"), float(tau))


def victor_purpura(a: Any, b: Any, q: float = 0.1) -> float:
    """Victor-Purpura distance between two spike trains, cost ``q`` per ms of shift."""
    return _cajal.victor_purpura(_train(a, "victor_purpura(): a"), _train(b, "victor_purpura(): b"), float(q))


def bin_counts(times: Any, senders: Any = None, *, bin_ms: float = 1.0, t_start: float = 0.0,
               t_stop: Optional[float] = None) -> np.ndarray:
    """Population spike counts per bin of ``bin_ms`` (the input of :func:`avalanches` and
    :func:`branching_ratio`)."""
    t = _ms(times)
    if t_stop is None:
        t_stop = float(t.max()) + bin_ms if t.size else t_start + bin_ms
    edges = np.arange(t_start, t_stop + bin_ms * 0.5, bin_ms)
    counts, _ = np.histogram(t, bins=edges)
    return counts.astype(np.uint32)


def read_nwb(path: Union[str, os.PathLike]) -> Dict[str, Any]:
    """The units of an NWB file (``spike_times`` in the Units table, in s) as NEST-style events
    in ms: a dict with ``times``, ``senders``, ``n`` (units), ``t_start``/``t_stop`` (ms, from
    the units' observation intervals where given) and ``groups`` (from a ``population`` column
    where there is one). Needs pynwb (``pip install pynwb``)."""
    from .nwb import read_units

    return read_units(path)


def analyze_nwb(path: Union[str, os.PathLike], **options: Any) -> Dict[str, Any]:
    """:func:`analyze` of the units of an NWB file (e.g. from DANDI)."""
    u = read_nwb(path)
    return analyze(u["times"], u["senders"], n=u["n"], t_start=u["t_start"], t_stop=u["t_stop"],
                   groups=u["groups"], **options)
