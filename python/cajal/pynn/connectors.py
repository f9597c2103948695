"""Connectors: PyNN's own, drawn in Python, with one repair."""

import numpy as np
from pyNN import connectors


class OneToOneConnector(connectors.OneToOneConnector):
    __doc__ = connectors.OneToOneConnector.__doc__

    def connect(self, projection):
        if projection.pre.size > 1 and projection.post.size > 1:
            return super().connect(projection)
        # PyNN's generic path gets a 0-d mask when a population has one neuron (the NEST backend
        # has its own connector and never meets it): connect the one pair directly
        parameters = self._parameters_from_synapse_type(projection)
        values = {}
        for name, m in parameters.items():
            values[name] = m.evaluate(simplify=True) if m.is_homogeneous else m[np.array([0]), 0]
        syn = projection.synapse_type
        if self.safe and hasattr(syn, "parameter_checks"):
            for pname, check in syn.parameter_checks.items():
                native = syn.translations[pname]["translated_name"]
                if native in values:
                    check(values[native], projection)
        projection._convergent_connect(np.array([0]), 0, location_selector=self.location_selector, **values)
