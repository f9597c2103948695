"""``import pyNN.cajal as sim``: PyNN's API on Cajal. The backend is ``cajal.pynn`` (in the
``cajal`` wheel); this module is that one under PyNN's name, so that its state is one."""

import sys

import cajal.pynn as _backend
from cajal.pynn import (
    build,
    connectors,
    control,
    electrodes,
    populations,
    procedural_api,
    projections,
    recording,
    simulator,
    standardmodels,
)

for _m in (build, connectors, control, electrodes, populations, procedural_api, projections, recording, simulator,
           standardmodels):
    sys.modules[f"{__name__}.{_m.__name__.rsplit('.', 1)[1]}"] = _m
sys.modules[__name__] = _backend
