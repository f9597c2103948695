"""Recording: which neurons and variables a population records, and reading them back from the
engine in PyNN's ids, units and segments."""

import numpy as np

from pyNN import recording

from . import simulator


class Recorder(recording.Recorder):
    """Asks the engine, when the network is built, to record what PyNN asked for; reads the
    engine's records back (spikes as PyNN ids and times, signals with the initial value first as
    PyNN's other backends give them)."""

    _simulator = simulator

    def __init__(self, population, file=None):
        super().__init__(population, file)
        self._cleared_at = 0.0  # get_data(clear=True): what came before is forgotten

    def _record(self, variable, new_ids, sampling_interval=None):
        if simulator.state.built and new_ids:
            raise RuntimeError(
                f"pyNN.cajal: record({variable.name!r}) on {self.population.label!r} after the network "
                "was built (at the first run); call record() before run(), or after reset()")
        if sampling_interval is not None:
            dt = simulator.state.dt
            steps = sampling_interval / dt
            if abs(steps - round(steps)) > 1e-9 or round(steps) < 1:
                raise ValueError(
                    f"pyNN.cajal: sampling_interval {sampling_interval} ms must be a positive multiple "
                    f"of the time step ({dt} ms)")
            self.sampling_interval = sampling_interval

    def _reset(self):
        self._cleared_at = 0.0

    def _clear_simulator(self):
        self._cleared_at = simulator.state.t

    def store_to_cache(self, annotations=None):
        super().store_to_cache(annotations)
        self._cleared_at = 0.0

    # ---- reading ---------------------------------------------------------------------------

    def _engine_spikes(self):
        """All recorded spikes of the population: (PyNN ids, times in ms)."""
        from .build import population_spikes

        st = simulator.state
        if not st.built:
            return np.zeros(0, dtype=int), np.zeros(0)
        ids, times = population_spikes(st, self.population)
        keep = times > self._cleared_at + 1e-9 if self._cleared_at > 0 else np.ones(times.shape, bool)
        return ids[keep], times[keep]

    def _get_spiketimes(self, ids, clear=False):
        all_ids, times = self._engine_spikes()
        wanted = np.asarray([int(i) for i in ids], dtype=int)
        mask = np.isin(all_ids, wanted)
        return all_ids[mask], times[mask]

    def _get_all_signals(self, variable, ids, clear=False):
        from .build import population_signals

        st = simulator.state
        ids = [int(i) for i in ids]
        if not ids:
            return np.array([]), None
        celltype = self.population.celltype
        scale = celltype.scale_factors.get(variable.name, 1.0)
        start = self._cleared_at
        n = int(round((st.t - start) / self.sampling_interval)) + 1
        if st.built:
            times, values = population_signals(st, self.population, celltype.variable_map[variable.name], ids)
            values = values[times > start - 1e-9] * scale
        else:
            values = np.zeros((0, len(ids)))
        if start == 0.0:
            # the engine samples after each interval; PyNN's signals begin with the initial value
            first = np.array([self._initial_value(variable.name, i) for i in ids], dtype=float)
            values = np.vstack([first[None, :], values])
        return values[:n], None

    def _initial_value(self, variable, id):
        pop = self.population
        iv = pop.initial_values.get(variable)
        if iv is None:
            return 0.0
        return float(iv[pop.id_to_index(id)])

    def _local_count(self, variable, filter_ids=None):
        all_ids, _ = self._engine_spikes()
        counts = {}
        present, n = np.unique(all_ids, return_counts=True)
        found = dict(zip(present.tolist(), n.tolist()))
        for i in self.filter_recorded(variable, filter_ids):
            counts[int(i)] = found.get(int(i), 0)
        return counts
