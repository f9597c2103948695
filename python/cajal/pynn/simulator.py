"""The state of a pyNN.cajal simulation: the PyNN objects described so far, and the engine
network they become at the first run.

PyNN describes a network object by object and may change it between runs; the engine builds a
network from a complete description. So the description is kept here, in Python, exactly as PyNN
holds it (parameters per neuron, connections as arrays), and turned into a ``cajal.Network`` when
it first has to run. ``reset()`` builds it again from the description (time really starts at 0,
every device and spike source starts over, plastic weights keep their values, as in NEST).
"""

import math
from typing import Dict, List, Optional, Tuple

import numpy as np

from pyNN import common

name = "Cajal"


class ID(int, common.IDMixin):
    """A neuron's global id (PyNN's ``ID``)."""

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


class State(common.control.BaseState):
    """What PyNN calls the simulator state: time, step, the network described and built."""

    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.threads = 1
        self.rng_seed = 1
        self.dt = 0.1
        self.min_delay_setting = "auto"
        self.max_delay = "auto"
        self.clear()

    # ---- the description ---------------------------------------------------------------

    def clear(self):
        """Forgets the whole network (``setup()`` and ``end()``)."""
        self.recorders = set()
        self.populations: List = []
        self.projections: List = []
        self.current_sources: List = []
        self.id_counter = 0
        self.segment_counter = -1
        self.net = None
        self.write_on_end = []
        self.reset()

    def reset(self):
        """Time back to 0 and a new segment; the engine network is rebuilt at the next run."""
        if self.net is not None:
            for prj in self.projections:
                prj._keep_plastic_weights()
        self.net = None
        self.running = False
        self.t = 0.0
        self.t_start = 0.0
        self.segment_counter += 1

    @property
    def min_delay(self):
        """The shortest delay (ms): as set, or with 'auto' the shortest of the network once
        built (the time step before)."""
        if self.min_delay_setting != "auto":
            return self.min_delay_setting
        if self.net is not None:
            delays = [d for prj in self.projections if len(prj) for d in [prj._arrays()[2]["delay"].min()]]
            if delays:
                return float(min(delays))
        return self.dt

    @min_delay.setter
    def min_delay(self, value):
        self.min_delay_setting = value

    # ---- running -----------------------------------------------------------------------

    @property
    def built(self) -> bool:
        return self.net is not None

    def build(self, horizon=0.0):
        """Turns the description into an engine network (once per segment); current sources
        computed step by step are laid out up to `horizon` ms."""
        if self.net is None:
            from .build import build_network

            self.net = build_network(self, horizon)

    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        self.build(tstop + 1000.0)
        for src in self.current_sources:
            src.extend_to(tstop)
        steps = int(round((tstop - self.t) / self.dt))
        if steps > 0:
            self.net.run(steps * self.dt, progress=False)
        self.t = round(self.t + steps * self.dt, 10)
        self.running = True

    def next_id_range(self, size: int) -> np.ndarray:
        first = self.id_counter
        self.id_counter += size
        return np.arange(first, first + size)

    def steps(self, ms: float) -> int:
        return int(math.floor(ms / self.dt + 0.5 + 1e-9))


state = State()
