"""PyNN's current sources on Cajal: each is a schedule of amplitudes (a ``step_current_generator``
input of the engine per group of target neurons) that can change between runs.

DCSource, StepCurrentSource, ACSource and NoisyCurrentSource all become piecewise-constant
schedules on the time grid: a sine is sampled at every step from ``start`` (its phase counted
from ``start``, as PyNN defines it), noise draws a new amplitude every ``dt`` of the source.
A schedule is computed as far as the simulation has to run, and extended before each run.
The amplitude of step k (from t = k dt to (k+1) dt) is what ``get_data()`` shows at t = k dt.
"""

from copy import deepcopy

import neo
import numpy as np
import quantities as pq

from pyNN.standardmodels import build_translations, electrodes

from .simulator import state

_NEVER = 1e11  # stop times at or beyond this are "never" (PyNN's default is 1e12)


class _CurrentSource:
    """What every pyNN.cajal current source shares: parameters in PyNN's names and units, the
    target cells, the engine inputs once built, and the schedule they were given."""

    def __init__(self, **parameters):
        object.__setattr__(self, "_targets", [])
        object.__setattr__(self, "_inputs", [])
        object.__setattr__(self, "_horizon", 0.0)
        object.__setattr__(self, "_recording", False)
        object.__setattr__(self, "_index", len(state.current_sources))
        object.__setattr__(self, "_pieces", [])  # (from ms, parameters) since the build
        super().__init__(**parameters)
        self.parameter_space.shape = (1,)
        state.current_sources.append(self)
        self._check()

    # ---- PyNN's interface --------------------------------------------------------------------

    def inject_into(self, cells):
        if state.built:
            raise RuntimeError(
                "pyNN.cajal: inject a current source before the first run() (or after reset()); "
                "the engine network is built at the first run")
        for i in cells:
            if not i.celltype.injectable:
                raise TypeError("Can't inject current into a spike source.")
        self._targets.extend(int(i) for i in cells)

    def set_native_parameters(self, parameters):
        old = deepcopy(self.parameter_space)
        self.parameter_space.update(**dict(parameters.items()))
        try:
            self._check()
        except ValueError:
            object.__setattr__(self, "parameter_space", old)
            raise
        if state.built and self._inputs:
            self._pieces.append((state.t, self.values()))
            self._push(max(state.t, self._horizon))

    def get_native_parameters(self):
        from pyNN.parameters import ParameterSpace

        ps = deepcopy(self.parameter_space)
        ps.evaluate(simplify=True)
        # lists of times and amplitudes as plain arrays, as PyNN's other backends give them
        return ParameterSpace({k: _plain(v) for k, v in ps.items()})

    def record(self):
        """Keeps the injected current for ``get_data()``."""
        object.__setattr__(self, "_recording", True)

    def _get_data(self):
        """The current of every step of this segment: each parameter set's schedule from the
        time it was set (as the engine was given it) to the next."""
        n = int(round(state.t / state.dt)) + 1
        t = np.arange(n) * state.dt
        pieces = self._pieces or [(0.0, self.values())]
        i = np.zeros(n)
        for k, (start, p) in enumerate(pieces):
            first = int(round(start / state.dt))
            last = int(round(pieces[k + 1][0] / state.dt)) if k + 1 < len(pieces) else n
            i[first:last] = self._amplitudes(p, n)[first:last]
        return t, i

    def _amplitudes(self, p, n):
        """The amplitude (nA) of steps 0 to n - 1 under parameters `p`."""
        times, amps, stop = self.schedule(n * state.dt, p)
        i = np.zeros(n)
        steps = np.round(np.asarray(times) / state.dt).astype(np.int64)
        for k, (s, a) in enumerate(zip(steps, amps)):
            end = steps[k + 1] if k + 1 < len(steps) else n
            i[min(s, n):min(end, n)] = a
        if stop is not None:
            i[min(int(round(stop / state.dt)), n):] = 0.0
        return i

    def start_segment(self):
        """At the build of a segment: the history starts again, with the parameters now."""
        object.__setattr__(self, "_pieces", [(0.0, self.values())])

    def get_data(self):
        """The injected current (nA) at every step, as a Neo signal."""
        if not self._recording:
            raise RuntimeError("pyNN.cajal: call record() on the current source before running")
        t, i = self._get_data()
        return neo.AnalogSignal(i[:, None], units="nA", t_start=0.0 * pq.ms, sampling_period=state.dt * pq.ms)

    # ---- the schedule --------------------------------------------------------------------------

    def values(self):
        ps = self.get_native_parameters()
        return {k: _plain(v) for k, v in ps.items()}

    def _check(self):
        pass

    def schedule(self, horizon, p=None):
        """(times ms, amplitudes nA, stop ms or None) under parameters `p` (default: as they
        are now), on the grid, far enough for `horizon`."""
        raise NotImplementedError

    def engine_schedule(self, horizon):
        times, amps, stop = self.schedule(horizon)
        return [float(t) for t in times], [float(a) * 1000.0 for a in amps], stop

    def _push(self, horizon):
        """Gives the engine the schedule as it now stands (changes apply from the next step)."""
        object.__setattr__(self, "_horizon", horizon)
        times, amps, stop = self.engine_schedule(horizon)
        for i in self._inputs:
            state.net.set_current(i, times, amps, stop)

    def extend_to(self, tstop):
        """Before a run to `tstop`: schedules computed step by step must reach that far."""
        if self._inputs and self._unbounded() and tstop > self._horizon - 1e-9:
            self._push(tstop + 1000.0)

    def _unbounded(self):
        return False


def _plain(v):
    """A parameter's value as a number or a NumPy array (no LazyArray, no Sequence)."""
    from pyNN.parameters import Sequence

    if hasattr(v, "evaluate"):
        v = v.evaluate(simplify=True) if v.shape is not None else v.base_value
    if isinstance(v, np.ndarray) and v.shape == (1,):
        v = v[0]
    if isinstance(v, Sequence):
        v = np.asarray(v.value, dtype=float)
    return v


def _grid(t):
    return np.round(np.asarray(t, dtype=float) / state.dt) * state.dt


def _stop_or_none(stop):
    return None if stop >= _NEVER else float(_grid(stop))


class DCSource(_CurrentSource, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"), ("stop", "stop"))

    def schedule(self, horizon, p=None):
        p = p or self.values()
        return [float(_grid(p["start"]))], [float(p["amplitude"])], _stop_or_none(float(p["stop"]))


class StepCurrentSource(_CurrentSource, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__
    translations = build_translations(("amplitudes", "amplitudes"), ("times", "times"))

    def _check(self):
        p = {k: _plain(v) for k, v in self.parameter_space.items()}
        times = np.asarray(p["times"], dtype=float).ravel()
        amps = np.asarray(p["amplitudes"], dtype=float).ravel()
        if times.size != amps.size:
            raise ValueError(
                f"pyNN.cajal: StepCurrentSource: {times.size} times and {amps.size} amplitudes; "
                "give one amplitude per time")
        if times.size and (times < 0).any():
            raise ValueError("Step current cannot accept negative timestamps.")
        if times.size > 1 and (np.diff(times) <= 0).any():
            raise ValueError("Step current timestamps should be monotonically increasing.")
        # on the grid, a later time mapped onto the same step wins (as PyNN's NEST backend does)
        steps = np.round(times / state.dt).astype(np.int64)
        keep = np.ones(steps.size, dtype=bool)
        keep[:-1] = steps[:-1] != steps[1:]
        self.parameter_space.update(times=_seq(steps[keep] * state.dt), amplitudes=_seq(amps[keep]))

    def schedule(self, horizon, p=None):
        p = p or self.values()
        return list(np.asarray(p["times"], float).ravel()), list(np.asarray(p["amplitudes"], float).ravel()), None


def _seq(a):
    from pyNN.parameters import Sequence

    return Sequence(np.asarray(a, dtype=float))


class ACSource(_CurrentSource, electrodes.ACSource):
    __doc__ = electrodes.ACSource.__doc__
    translations = build_translations(
        ("amplitude", "amplitude"), ("start", "start"), ("stop", "stop"),
        ("frequency", "frequency"), ("offset", "offset"), ("phase", "phase"))

    def _unbounded(self):
        return True

    def schedule(self, horizon, p=None):
        p = p or self.values()
        start = float(_grid(p["start"]))
        stop = _stop_or_none(float(p["stop"]))
        end = horizon if stop is None else min(stop, horizon)
        k0 = int(round(start / state.dt))
        k1 = max(k0, int(np.ceil(end / state.dt - 1e-9)))
        t = np.arange(k0, k1) * state.dt
        phase = np.deg2rad(float(p["phase"]))
        amps = float(p["offset"]) + float(p["amplitude"]) * np.sin(
            2.0 * np.pi * float(p["frequency"]) * (t - start) / 1000.0 + phase)
        if stop is None:
            return list(t), list(amps), None
        return list(t), list(amps), stop


class NoisyCurrentSource(_CurrentSource, electrodes.NoisyCurrentSource):
    __doc__ = electrodes.NoisyCurrentSource.__doc__
    translations = build_translations(
        ("mean", "mean"), ("start", "start"), ("stop", "stop"), ("stdev", "stdev"), ("dt", "dt"))

    def __init__(self, **parameters):
        object.__setattr__(self, "_draws", np.zeros(0))
        object.__setattr__(self, "_rng", None)
        super().__init__(**parameters)

    def start_segment(self):
        """A segment's noise: its own stream, drawn on as the schedule is extended (so the
        draws do not depend on how the runs are split), a new one after reset()."""
        super().start_segment()
        seed = [int(state.rng_seed), 0x6E6F697365, self._index, max(state.segment_counter, 0)]
        object.__setattr__(self, "_rng", np.random.default_rng(seed))
        object.__setattr__(self, "_draws", np.zeros(0))

    def _check(self):
        p = {k: _plain(v) for k, v in self.parameter_space.items()}
        step = p.get("dt")
        if step is None or step == 0:
            step = state.dt
        ratio = float(step) / state.dt
        if ratio < 1 - 1e-9 or abs(ratio - round(ratio)) > 1e-9:
            raise ValueError(
                f"pyNN.cajal: NoisyCurrentSource(dt={step}): dt must be a multiple of the time step ({state.dt} ms)")

    def _unbounded(self):
        return True

    def schedule(self, horizon, p=None):
        p = p or self.values()
        step = float(p["dt"]) if p.get("dt") else state.dt
        start = float(_grid(p["start"]))
        stop = _stop_or_none(float(p["stop"]))
        end = horizon if stop is None else min(stop, horizon)
        n = max(0, int(np.ceil((end - start) / step - 1e-9)))
        if self._rng is None:
            self.start_segment()
        if self._draws.size < n:  # drawn on from the segment's stream: the same numbers however far
            more = self._rng.standard_normal(n - self._draws.size)
            object.__setattr__(self, "_draws", np.concatenate([self._draws, more]))
        t = start + np.arange(n) * step
        amps = float(p["mean"]) + float(p["stdev"]) * self._draws[:n]
        return list(_grid(t)), list(amps), stop
