"""Populations, views and assemblies: PyNN's objects, their parameters kept per neuron in
Python until the network is built, then passed on to the engine when they change."""

import numpy as np

from pyNN import common, errors
from pyNN.parameters import ParameterSpace, simplify
from pyNN.standardmodels import StandardCellType

from . import simulator
from .recording import Recorder


class Assembly(common.Assembly):
    _simulator = simulator


class _Parameters:
    """What a Population and its views share: reading and writing native parameters."""

    def _get_parameters(self, *names):
        if isinstance(self.celltype, StandardCellType):
            if any(n in self.celltype.computed_parameters() for n in names):
                native_names = self.celltype.get_native_names()  # all: some are computed
            else:
                native_names = self.celltype.get_native_names(*names)
            return self.celltype.reverse_translate(self._get_native_parameters(*native_names))
        return self._get_native_parameters(*names)

    def _get_native_parameters(self, *names):
        parent, mask = self._parent_and_mask()
        values = {}
        for n in names:
            v = parent._parameters[n]
            values[n] = simplify(v[mask])
        return ParameterSpace(values, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        """Sets native parameters of the neurons `mask`; once built, the engine takes them too.
        A change the engine refuses leaves the description as it was."""
        parent, mask = self._parent_and_mask()
        parameter_space.evaluate(simplify=False)
        new = {}
        for n, value in parameter_space.items():
            if n == "spike_times":
                for seq in np.atleast_1d(value):
                    _check_spike_times(seq, parent.label)
            arr = np.array(parent._parameters[n], copy=True)
            try:
                arr[mask] = value
            except ValueError:
                raise errors.InvalidParameterValueError(f"{n} should not be of type {type(value)}")
            new[n] = arr
        if simulator.state.built:
            from .build import push_parameters

            push_parameters(simulator.state, parent, new, mask)
        parent._parameters.update(new)

    def _set_initial_value_array(self, variable, initial_values):
        parent, mask = self._parent_and_mask()
        if simulator.state.built:
            from .build import push_initial_value

            values = initial_values.evaluate(simplify=False) if hasattr(initial_values, "evaluate") else initial_values
            values = np.broadcast_to(np.asarray(values, dtype=float), (self.size,))
            push_initial_value(simulator.state, parent, variable, values, mask)


class PopulationView(_Parameters, common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    def _parent_and_mask(self):
        return self.grandparent, self._grandparent_mask()

    def _grandparent_mask(self):
        cells = self.all_cells
        if isinstance(cells, np.ndarray):
            ints = np.fromiter((int(c) for c in cells.ravel()), dtype=np.int64, count=cells.size)
        else:  # a single cell (an ID: numpy must not look into it)
            ints = np.array([int(cells)], dtype=np.int64)
        return ints - int(self.grandparent.first_id)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(_Parameters, common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _parent_and_mask(self):
        return self, slice(None)

    def _create_cells(self):
        st = simulator.state
        if st.built:
            raise RuntimeError(
                "pyNN.cajal: a population cannot be added once the network is built (at the first "
                "run); describe the whole network first, or call setup() again")
        ids = st.next_id_range(self.size)
        self.all_cells = np.array([simulator.ID(i) for i in ids], dtype=simulator.ID)
        self._mask_local = np.ones((self.size,), dtype=bool)
        if isinstance(self.celltype, StandardCellType):
            # the shape first: a computed parameter (g_L from cm and tau_m) combines lists
            self.celltype.parameter_space.shape = (self.size,)
            ps = self.celltype.native_parameters
        else:
            raise TypeError(
                f"pyNN.cajal: {type(self.celltype).__name__} is not one of the standard cell types "
                "Cajal simulates; see pyNN.cajal.list_standard_models()")
        ps.shape = (self.size,)
        ps.evaluate(mask=None, simplify=False)
        self._parameters = {k: _per_neuron(v, self.size) for k, v in ps.items()}
        if "spike_times" in self._parameters:
            for i, seq in enumerate(self._parameters["spike_times"]):
                _check_spike_times(seq, f"{self.label}[{i}]")
        for i in self.all_cells:
            i.parent = self
        st.populations.append(self)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


def _per_neuron(values, size):
    """One value per neuron (a parameter may come evaluated as a single value)."""
    a = np.asarray(values)
    if a.shape == (size,):
        return np.array(a, copy=True)
    if a.size == size:
        return np.array(a.reshape(size), copy=True)
    out = np.empty(size, dtype=a.dtype)
    out[:] = a.item() if a.ndim == 0 else a
    return out


def _check_spike_times(seq, where):
    t = np.asarray(getattr(seq, "value", seq), dtype=float).ravel()
    if t.size and (not np.isfinite(t).all() or (t < 0).any()):
        raise errors.InvalidParameterValueError(
            f"pyNN.cajal: SpikeSourceArray {where}: spike times must be finite and >= 0 ms")
    if t.size > 1 and (np.diff(t) < 0).any():
        raise errors.InvalidParameterValueError(
            f"pyNN.cajal: SpikeSourceArray {where}: spike times must be in increasing order")
