"""Projections: PyNN's connectors draw the connections in Python (every connector PyNN has
works), kept here as arrays in PyNN's units until the network is built, where each becomes an
explicit engine projection."""

import numpy as np

from pyNN import common, errors
from pyNN.space import Space

from . import simulator
from .standardmodels import StaticSynapse


class Connection(common.Connection):
    """One connection of a projection, as PyNN's ``Projection[i]`` gives it."""

    def __init__(self, projection, k):
        self._projection = projection
        self._k = k

    @property
    def presynaptic_index(self):
        return int(self._projection._pre[self._k])

    @property
    def postsynaptic_index(self):
        return int(self._projection._post[self._k])

    def __getattr__(self, name):
        attrs = self.__dict__["_projection"]._attribute_arrays()
        if name in attrs:
            return float(attrs[name][self.__dict__["_k"]])
        raise AttributeError(name)

    def __setattr__(self, name, value):
        if name in ("_projection", "_k"):
            object.__setattr__(self, name, value)
            return
        prj = self._projection
        attrs = prj._arrays()[2]
        if name not in attrs:
            raise AttributeError(f"a connection of {prj.label!r} has no attribute {name!r}")
        new = np.array(attrs[name], copy=True)
        new[self._k] = float(value)
        if simulator.state.built:
            from .build import push_connection_attributes

            push_connection_attributes(simulator.state, prj, {name: new})
        attrs[name][self._k] = float(value)

    def as_tuple(self, *names):
        return tuple(getattr(self, n) for n in names)


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population, connector, synapse_type=None,
                 source=None, receptor_type=None, space=Space(), label=None):
        if simulator.state.built:
            raise RuntimeError(
                "pyNN.cajal: a projection cannot be added once the network is built (at the first run); "
                "describe the whole network first, or call setup() again")
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population, connector,
                                   synapse_type, source, receptor_type, space, label)
        self._pre_parts = []
        self._post_parts = []
        self._attr_parts = {}
        self._cache = None
        self._engine = []  # filled at build: (engine projection name, indices of its connections)
        connector.connect(self)
        simulator.state.projections.append(self)

    # ---- drawing ---------------------------------------------------------------------------

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index, location_selector=None,
                            **connection_parameters):
        if location_selector is not None:
            raise NotImplementedError("pyNN.cajal: multi-compartment models are not supported")
        pre = np.asarray(presynaptic_indices)
        if pre.dtype == bool:
            pre = np.nonzero(pre)[0]
        pre = pre.astype(np.int64).ravel()
        n = pre.size
        if n == 0:
            return
        self._flush_cache()
        self._pre_parts.append(pre)
        self._post_parts.append(np.full(n, int(postsynaptic_index), dtype=np.int64))
        for name, value in connection_parameters.items():
            v = np.asarray(value, dtype=float)
            v = np.full(n, v.item()) if v.size == 1 else v.ravel()  # concatenated (copied) later
            if name == "delay":
                self._check_delays(v, pre, postsynaptic_index)
            self._attr_parts.setdefault(name, []).append(v)

    def _check_delays(self, delays, pre, post):
        """Delays must make at least one time step once rounded to the grid (as in NEST)."""
        dt = simulator.state.dt
        short = np.nonzero(np.floor(delays / dt + 0.5 + 1e-9) < 1)[0]
        if short.size:
            k = short[0]
            raise errors.ConnectionError(
                f"pyNN.cajal: Projection {self.label!r}: the delay {delays[k]} ms of the connection from "
                f"presynaptic index {int(pre[k])} to postsynaptic index {int(post)} is shorter than the time "
                f"step ({dt} ms); delays must be at least one step")

    def _flush_cache(self):
        self._cache = None

    def _arrays(self):
        if self._cache is None:
            pre = np.concatenate(self._pre_parts) if self._pre_parts else np.zeros(0, np.int64)
            post = np.concatenate(self._post_parts) if self._post_parts else np.zeros(0, np.int64)
            attrs = {k: np.concatenate(v) for k, v in self._attr_parts.items()}
            self._pre_parts, self._post_parts = [pre], [post]
            self._attr_parts = {k: [v] for k, v in attrs.items()}
            self._cache = (pre, post, attrs)
        return self._cache

    @property
    def _pre(self):
        return self._arrays()[0]

    @property
    def _post(self):
        return self._arrays()[1]

    def _attribute_arrays(self):
        """Native attribute arrays, with plastic weights read from the engine when built."""
        attrs = self._arrays()[2]
        if simulator.state.built and self._is_plastic():
            from .build import read_plastic_weights

            attrs = dict(attrs)
            attrs["weight"] = read_plastic_weights(simulator.state, self)
        return attrs

    def _is_plastic(self):
        return getattr(self.synapse_type, "timing_dependence", None) is not None

    def _keep_plastic_weights(self):
        """Before the engine network is dropped (reset), keeps the weights it learned."""
        if self._is_plastic() and simulator.state.built:
            from .build import read_plastic_weights

            w = read_plastic_weights(simulator.state, self)
            self._arrays()[2]["weight"][:] = w

    # ---- reading and setting ---------------------------------------------------------------

    def __len__(self):
        return int(self._pre.size)

    def __getitem__(self, i):
        if isinstance(i, (int, np.integer)):
            if i < 0:
                i += len(self)
            if not 0 <= i < len(self):
                raise IndexError(f"connection {i} of {len(self)}")
            return Connection(self, int(i))
        if isinstance(i, slice):
            return [Connection(self, k) for k in range(*i.indices(len(self)))]
        return [self[k] for k in i]

    @property
    def connections(self):
        return [Connection(self, k) for k in range(len(self))]

    def _get_attributes_as_list(self, names):
        pre, post = self._pre, self._post
        attrs = self._attribute_arrays()
        cols = []
        for n in names:
            if n == "presynaptic_index":
                cols.append(pre)
            elif n == "postsynaptic_index":
                cols.append(post)
            else:
                cols.append(attrs[n])
        return [tuple(x.item() for x in row) for row in zip(*cols)] if cols else []

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        pre, post = self._pre, self._post
        attrs = self._attribute_arrays()
        out = []
        for n in names:
            if n.endswith("s") and n not in attrs:
                n = n[:-1]
            a = np.full((self.pre.size, self.post.size), np.nan)
            vals = attrs[n]
            op = {"sum": np.add, "min": np.fmin, "max": np.fmax}.get(multiple_synapses)
            if multiple_synapses == "first":
                order = np.arange(len(vals))[::-1]
                a[pre[order], post[order]] = vals[order]
            elif multiple_synapses == "last":
                a[pre, post] = vals
            else:
                seen = np.zeros(a.shape, dtype=bool)
                for i, j, v in zip(pre, post, vals):
                    a[i, j] = op(a[i, j], v) if seen[i, j] else v
                    seen[i, j] = True
            out.append(a)
        return out

    def _set_attributes(self, parameter_space):
        pre, post, attrs = self._arrays()
        parameter_space.evaluate(simplify=True)
        changed = {}
        for name, value in parameter_space.items():
            if name not in attrs:
                continue
            v = np.asarray(value, dtype=float)
            if v.ndim == 0:
                new = np.full(pre.size, float(v))
            else:
                new = v[pre, post]
            changed[name] = new
        if simulator.state.built:
            from .build import push_connection_attributes

            push_connection_attributes(simulator.state, self, changed)
        for name, new in changed.items():
            attrs[name][:] = new

    def _set_initial_value_array(self, variable, value):
        raise NotImplementedError("pyNN.cajal: synapses have no state variables to initialise")
