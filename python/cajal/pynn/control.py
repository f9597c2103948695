"""setup(), end(), run(), reset() and the state queries for pyNN.cajal."""

import numbers
import warnings

from pyNN import common
from pyNN.common.control import DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.recording import get_io

from . import simulator


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Starts a new simulation (any network described before is forgotten).

    `timestep` and `min_delay` in ms; extra parameters: `threads` (worker threads, default 1;
    the spikes do not depend on it), `rng_seed` (seed of every random stream the engine draws,
    default 1), `max_delay` (accepted for compatibility; delays may be up to 65,535 steps).
    """
    precision = extra_params.get("spike_precision", "on_grid")
    if precision != "on_grid":
        warnings.warn(
            f"pyNN.cajal: setup(spike_precision={precision!r}): Cajal's neurons spike on the time grid, "
            "so spikes are timed to the step (as with spike_precision='on_grid'); use a smaller timestep "
            "for finer spike times", stacklevel=2)
    common.setup(timestep, min_delay, **extra_params)
    st = simulator.state
    st.clear()
    st.dt = float(timestep)
    st.min_delay = min_delay
    st.max_delay = extra_params.get("max_delay", "auto")
    threads = extra_params.get("threads", 1)
    if not isinstance(threads, numbers.Integral) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"pyNN.cajal: setup(threads={threads!r}): give a whole number of threads, at least 1")
    st.threads = int(threads)
    seed = extra_params.get("rng_seed", extra_params.get("rng_seeds_seed", 1))
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"pyNN.cajal: setup(rng_seed={seed!r}): give a whole number >= 0")
    st.rng_seed = int(seed)
    return 0


def end(compatible_output=True):
    """Writes what ``record(..., to_file)`` asked for and forgets the network."""
    st = simulator.state
    for population, variables, filename in st.write_on_end:
        population.write_data(get_io(filename), variables)
    st.write_on_end = []


run, run_until = common.build_run(simulator)
run_for = run
reset = common.build_reset(simulator)
initialize = common.initialize
get_current_time, get_time_step, get_min_delay, get_max_delay, num_processes, rank = common.build_state_queries(
    simulator
)
