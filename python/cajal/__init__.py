"""Cajal: fast, exact spiking neural network simulation, learning and spike-train analysis.

>>> import cajal
>>> net = cajal.Network.from_toml("examples/brunel_ai.toml", seed=5, threads=2)  # doctest: +SKIP
>>> net.run(200.0)                                                              # doctest: +SKIP
>>> times, senders = net.spikes("E")                                            # doctest: +SKIP

See docs/python.md.
"""

from ._cajal import __version__
from ._progress import set_progress
from .network import Network, Population, Projection
from . import analysis, learn, systems

__all__ = ["Network", "Population", "Projection", "analysis", "learn", "systems", "set_progress", "__version__"]
