"""PyNN on Cajal: ``import pyNN.cajal as sim`` runs a PyNN script on Cajal's engine.

PyNN's objects (populations, views, assemblies, projections drawn by any of PyNN's connectors,
recorders, current sources) are kept in Python as PyNN describes them and become one engine
network at the first ``run()``; ``reset()`` starts time again at 0 on a network rebuilt from the
description (plastic weights keep what they learned). See docs/pynn.md for what is supported.
"""

from pyNN import errors, random, space  # noqa: F401
from pyNN.connectors import *  # noqa: F401,F403
from pyNN.network import Network  # noqa: F401
from pyNN.parameters import Sequence  # noqa: F401
from pyNN.random import GSLRNG, NumpyRNG, RandomDistribution  # noqa: F401
from pyNN.recording import *  # noqa: F401,F403
from pyNN.space import Space  # noqa: F401
from pyNN.standardmodels import StandardCellType

from .connectors import OneToOneConnector  # noqa: F401,E402
from .control import (  # noqa: F401
    end,
    get_current_time,
    get_max_delay,
    get_min_delay,
    get_time_step,
    initialize,
    num_processes,
    rank,
    reset,
    run,
    run_for,
    run_until,
    setup,
)
from .populations import Assembly, Population, PopulationView  # noqa: F401
from .procedural_api import connect, create, record, record_gsyn, record_v  # noqa: F401
from .projections import Projection  # noqa: F401
from .standardmodels import *  # noqa: F401,F403
from .standardmodels import (  # noqa: F401
    AdditivePotentiationMultiplicativeDepression,
    AdditiveWeightDependence,
    DCSource,
    EIF_cond_alpha_isfa_ista,
    EIF_cond_exp_isfa_ista,
    GutigWeightDependence,
    HH_cond_exp,
    IF_cond_alpha,
    IF_cond_exp,
    IF_curr_alpha,
    IF_curr_delta,
    IF_curr_exp,
    Izhikevich,
    MultiplicativeWeightDependence,
    SimpleStochasticSynapse,
    SpikePairRule,
    SpikeSourceArray,
    SpikeSourceGamma,
    SpikeSourcePoisson,
    SpikeSourcePoissonRefractory,
    StaticSynapse,
    STDPMechanism,
    StepCurrentSource,
    TsodyksMarkramSynapse,
)


def list_standard_models():
    """The standard cell types pyNN.cajal simulates."""
    return [obj.__name__ for obj in globals().values()
            if isinstance(obj, type) and issubclass(obj, StandardCellType) and obj is not StandardCellType]
