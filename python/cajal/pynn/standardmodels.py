"""PyNN's standard cell types, synapse types and current sources on Cajal.

Each cell type translates PyNN's names and units (mV, ms, nA, nF, µS) to the engine model's,
which are NEST's (mV, ms, pA, pF, nS); ``engine_model`` names that model, ``variable_map`` and
``scale_factors`` say how a recorded variable is read back. Synapse types keep PyNN's own names
and units until the network is built (``build.py`` converts them).
"""

from copy import deepcopy

import numpy as np

from pyNN.standardmodels import build_translations, cells, electrodes, synapses

from .simulator import state

_IF_BASE = (
    ("v_rest", "E_L"),
    ("v_reset", "V_reset"),
    ("cm", "C_m", 1000.0),  # nF -> pF
    ("tau_m", "tau_m"),
    ("tau_refrac", "t_ref"),
    ("v_thresh", "V_th"),
    ("i_offset", "I_e", 1000.0),  # nA -> pA
)
_SYN_TAUS = (("tau_syn_E", "tau_syn_ex"), ("tau_syn_I", "tau_syn_in"))
_COND = (
    ("v_rest", "E_L"),
    ("v_reset", "V_reset"),
    ("cm", "C_m", 1000.0),
    ("tau_m", "g_L", "cm/tau_m*1000.0", "C_m/g_L"),  # membrane time constant -> leak conductance
    ("tau_refrac", "t_ref"),
    ("v_thresh", "V_th"),
    ("i_offset", "I_e", 1000.0),
    ("e_rev_E", "E_ex"),
    ("e_rev_I", "E_in"),
) + _SYN_TAUS


class IF_curr_exp(cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    translations = build_translations(*(_IF_BASE + _SYN_TAUS))
    engine_model = "iaf_psc_exp"
    variable_map = {"v": "V_m", "isyn_exc": "I_syn_ex", "isyn_inh": "I_syn_in"}
    scale_factors = {"v": 1.0, "isyn_exc": 0.001, "isyn_inh": 0.001}
    weight_scale = 1000.0  # nA -> pA


class IF_curr_alpha(cells.IF_curr_alpha):
    __doc__ = cells.IF_curr_alpha.__doc__
    translations = build_translations(*(_IF_BASE + _SYN_TAUS))
    engine_model = "iaf_psc_alpha"
    variable_map = {"v": "V_m", "isyn_exc": "I_syn_ex", "isyn_inh": "I_syn_in"}
    scale_factors = {"v": 1.0, "isyn_exc": 0.001, "isyn_inh": 0.001}
    weight_scale = 1000.0


class IF_curr_delta(cells.IF_curr_delta):
    __doc__ = cells.IF_curr_delta.__doc__
    translations = build_translations(*_IF_BASE)
    engine_model = "iaf_psc_delta"
    variable_map = {"v": "V_m"}
    scale_factors = {"v": 1.0}
    weight_scale = 1.0  # PyNN gives this model's weights in mV, as the engine takes them


class IF_cond_exp(cells.IF_cond_exp):
    __doc__ = cells.IF_cond_exp.__doc__
    translations = build_translations(*_COND)
    engine_model = "iaf_cond_exp"
    variable_map = {"v": "V_m", "gsyn_exc": "g_ex", "gsyn_inh": "g_in"}
    scale_factors = {"v": 1.0, "gsyn_exc": 0.001, "gsyn_inh": 0.001}
    weight_scale = 1000.0  # µS -> nS


class EIF_cond_exp_isfa_ista(cells.EIF_cond_exp_isfa_ista):
    __doc__ = cells.EIF_cond_exp_isfa_ista.__doc__
    translations = build_translations(
        ("cm", "C_m", 1000.0),
        ("tau_refrac", "t_ref"),
        ("v_spike", "V_peak"),
        ("v_reset", "V_reset"),
        ("v_rest", "E_L"),
        ("tau_m", "g_L", "cm/tau_m*1000.0", "C_m/g_L"),
        ("i_offset", "I_e", 1000.0),
        ("a", "a"),  # nS in both
        ("b", "b", 1000.0),  # nA -> pA
        ("delta_T", "Delta_T"),
        ("tau_w", "tau_w"),
        ("v_thresh", "V_th"),
        ("e_rev_E", "E_ex"),
        ("tau_syn_E", "tau_syn_ex"),
        ("e_rev_I", "E_in"),
        ("tau_syn_I", "tau_syn_in"),
    )
    engine_model = "aeif_cond_exp"
    variable_map = {"v": "V_m", "w": "w", "gsyn_exc": "g_ex", "gsyn_inh": "g_in"}
    scale_factors = {"v": 1.0, "w": 0.001, "gsyn_exc": 0.001, "gsyn_inh": 0.001}
    weight_scale = 1000.0


class IF_cond_alpha(cells.IF_cond_alpha):
    __doc__ = cells.IF_cond_alpha.__doc__
    translations = build_translations(*_COND)
    engine_model = "iaf_cond_alpha"
    variable_map = {"v": "V_m", "gsyn_exc": "g_ex", "gsyn_inh": "g_in"}
    scale_factors = {"v": 1.0, "gsyn_exc": 0.001, "gsyn_inh": 0.001}
    weight_scale = 1000.0  # µS -> nS


class EIF_cond_alpha_isfa_ista(cells.EIF_cond_alpha_isfa_ista):
    __doc__ = cells.EIF_cond_alpha_isfa_ista.__doc__
    translations = EIF_cond_exp_isfa_ista.translations
    engine_model = "aeif_cond_alpha"
    variable_map = EIF_cond_exp_isfa_ista.variable_map
    scale_factors = EIF_cond_exp_isfa_ista.scale_factors
    weight_scale = 1000.0


class HH_cond_exp(cells.HH_cond_exp):
    __doc__ = cells.HH_cond_exp.__doc__
    translations = build_translations(
        ("gbar_Na", "g_Na", 1000.0),  # µS -> nS
        ("gbar_K", "g_K", 1000.0),
        ("g_leak", "g_L", 1000.0),
        ("cm", "C_m", 1000.0),  # nF -> pF
        ("v_offset", "V_T"),
        ("e_rev_Na", "E_Na"),
        ("e_rev_K", "E_K"),
        ("e_rev_leak", "E_L"),
        ("e_rev_E", "E_ex"),
        ("e_rev_I", "E_in"),
        ("tau_syn_E", "tau_syn_ex"),
        ("tau_syn_I", "tau_syn_in"),
        ("i_offset", "I_e", 1000.0),  # nA -> pA
    )
    engine_model = "hh_cond_exp_traub"
    variable_map = {"v": "V_m", "gsyn_exc": "g_ex", "gsyn_inh": "g_in", "m": "Act_m", "n": "Act_n", "h": "Inact_h"}
    scale_factors = {"v": 1.0, "gsyn_exc": 0.001, "gsyn_inh": 0.001, "m": 1.0, "n": 1.0, "h": 1.0}
    weight_scale = 1000.0  # µS -> nS


class Izhikevich(cells.Izhikevich):
    __doc__ = cells.Izhikevich.__doc__
    translations = build_translations(
        ("a", "a"),
        ("b", "b"),
        ("c", "c"),
        ("d", "d"),
        ("i_offset", "I_e", 1000.0),
    )
    engine_model = "izhikevich"
    variable_map = {"v": "V_m", "u": "U_m"}
    scale_factors = {"v": 1.0, "u": 1.0}
    weight_scale = 1.0  # a weight is a jump of v in mV


# the sources' active time: PyNN's start and duration, the engine's start and stop
_ACTIVE = (("start", "start"), ("duration", "stop", "start+duration", "stop-start"))


class SpikeSourcePoisson(cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    translations = build_translations(("rate", "rate"), *_ACTIVE)
    engine_model = "poisson_source"
    variable_map = {}
    scale_factors = {}


class SpikeSourceGamma(cells.SpikeSourceGamma):
    __doc__ = cells.SpikeSourceGamma.__doc__
    # PyNN's beta is the gamma distribution's rate parameter, so the mean firing rate is
    # beta/alpha (pyNN.nest gives gamma_sup_generator the same)
    translations = build_translations(
        ("alpha", "gamma_shape"), ("beta", "rate", "beta/alpha", "gamma_shape*rate"), *_ACTIVE)
    engine_model = "gamma_source"
    variable_map = {}
    scale_factors = {}


class SpikeSourcePoissonRefractory(cells.SpikeSourcePoissonRefractory):
    __doc__ = cells.SpikeSourcePoissonRefractory.__doc__
    # the engine's renewal source with its default shape 1: a Poisson process with dead time
    # (pyNN.nest: ppd_sup_generator)
    translations = build_translations(("rate", "rate"), ("tau_refrac", "dead_time"), *_ACTIVE)
    engine_model = "gamma_source"
    variable_map = {}
    scale_factors = {}


class SpikeSourceArray(cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    translations = build_translations(("spike_times", "spike_times"))
    engine_model = "spike_generator"
    variable_map = {}
    scale_factors = {}


# ---- synapse types -----------------------------------------------------------------------


def _min_delay():
    d = state.min_delay_setting
    return state.dt if d == "auto" else d


class StaticSynapse(synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"))

    def _get_minimum_delay(self):
        return _min_delay()


class TsodyksMarkramSynapse(synapses.TsodyksMarkramSynapse):
    __doc__ = synapses.TsodyksMarkramSynapse.__doc__
    translations = build_translations(
        ("weight", "weight"), ("delay", "delay"), ("U", "U"), ("tau_rec", "tau_rec"), ("tau_facil", "tau_facil"))

    def _get_minimum_delay(self):
        return _min_delay()


class SimpleStochasticSynapse(synapses.SimpleStochasticSynapse):
    __doc__ = synapses.SimpleStochasticSynapse.__doc__
    # NEST's bernoulli_synapse in the engine: each connection passes each spike with
    # probability p
    translations = build_translations(("weight", "weight"), ("delay", "delay"), ("p", "p"))

    def _get_minimum_delay(self):
        return _min_delay()


class STDPMechanism(synapses.STDPMechanism):
    __doc__ = synapses.STDPMechanism.__doc__
    base_translations = build_translations(
        ("weight", "weight"),
        ("delay", "delay"),
        ("dendritic_delay_fraction", "dendritic_delay_fraction"),
    )

    def __init__(self, timing_dependence=None, weight_dependence=None, voltage_dependence=None,
                 dendritic_delay_fraction=1.0, weight=0.0, delay=None):
        if dendritic_delay_fraction != 1:
            raise ValueError(
                "pyNN.cajal: STDPMechanism(dendritic_delay_fraction=%r): Cajal, like NEST, treats "
                "every delay as dendritic for STDP; use dendritic_delay_fraction=1" % (dendritic_delay_fraction,))
        if voltage_dependence is not None:
            raise NotImplementedError("pyNN.cajal: voltage-dependent STDP is not supported")
        super().__init__(timing_dependence, weight_dependence, voltage_dependence,
                         dendritic_delay_fraction, weight, delay)

    def _get_minimum_delay(self):
        return _min_delay()


def _zero_w_min(cls_name, w_min):
    if w_min != 0:
        raise ValueError(
            f"pyNN.cajal: {cls_name}(w_min={w_min}): the engine's STDP (NEST's stdp_synapse) has "
            "its lower bound at 0; use w_min=0")


class AdditiveWeightDependence(synapses.AdditiveWeightDependence):
    __doc__ = synapses.AdditiveWeightDependence.__doc__
    translations = build_translations(("w_max", "w_max"), ("w_min", "w_min"))
    mu = (0.0, 0.0)

    def __init__(self, w_min=0.0, w_max=1.0):
        _zero_w_min(type(self).__name__, w_min)
        super().__init__(w_min, w_max)


class MultiplicativeWeightDependence(synapses.MultiplicativeWeightDependence):
    __doc__ = synapses.MultiplicativeWeightDependence.__doc__
    translations = build_translations(("w_max", "w_max"), ("w_min", "w_min"))
    mu = (1.0, 1.0)

    def __init__(self, w_min=0.0, w_max=1.0):
        _zero_w_min(type(self).__name__, w_min)
        super().__init__(w_min, w_max)


class AdditivePotentiationMultiplicativeDepression(synapses.AdditivePotentiationMultiplicativeDepression):
    __doc__ = synapses.AdditivePotentiationMultiplicativeDepression.__doc__
    translations = build_translations(("w_max", "w_max"), ("w_min", "w_min"))
    mu = (0.0, 1.0)

    def __init__(self, w_min=0.0, w_max=1.0):
        _zero_w_min(type(self).__name__, w_min)
        super().__init__(w_min, w_max)


class GutigWeightDependence(synapses.GutigWeightDependence):
    __doc__ = synapses.GutigWeightDependence.__doc__
    translations = build_translations(
        ("w_max", "w_max"), ("w_min", "w_min"), ("mu_plus", "mu_plus"), ("mu_minus", "mu_minus"))
    mu = None  # given per synapse type by its parameters

    def __init__(self, w_min=0.0, w_max=1.0, mu_plus=0.5, mu_minus=0.5):
        _zero_w_min(type(self).__name__, w_min)
        super().__init__(w_min, w_max, mu_plus, mu_minus)


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = synapses.SpikePairRule.__doc__
    translations = build_translations(
        ("tau_plus", "tau_plus"), ("tau_minus", "tau_minus"), ("A_plus", "A_plus"), ("A_minus", "A_minus"))


from .electrodes import ACSource, DCSource, NoisyCurrentSource, StepCurrentSource  # noqa: E402,F401
