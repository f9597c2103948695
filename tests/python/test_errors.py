"""Bad calls raise ValueError, TypeError or KeyError naming the argument, the value and what is
allowed; none crashes the interpreter, and the network stays usable after each."""

import numpy as np
import pytest

import cajal


def fresh():
    net = cajal.Network(dt=0.1, seed=1)
    net.add_population("E", "iaf_psc_alpha", 10)
    net.add_population("G", "spike_generator", 2)
    return net


def built():
    net = fresh()
    net.connect("G", "E", weight=10.0, plasticity={"model": "stdp", "Wmax": 100.0})
    net.record("E", variables=["V_m"])
    net.run(5.0, progress=False)
    return net


# (call, exception, words the message must contain)
CASES = [
    (lambda: cajal.Network(dt=-0.1), ValueError, ["dt", "-0.1"]),
    (lambda: cajal.Network(dt="0.1"), TypeError, ["dt", "number"]),
    (lambda: cajal.Network(seed=-1), ValueError, ["seed", "-1"]),
    (lambda: cajal.Network(threads=-2), ValueError, ["threads", "-2"]),
    (lambda: cajal.Network(threads=100000), ValueError, ["threads", "100000"]),
    (lambda: fresh().add_population("x", "iaf_psc_alph", 3), KeyError, ["model", "iaf_psc_alph", "iaf_psc_alpha"]),
    (lambda: fresh().add_population("x", "iaf_psc_alpha", 0), ValueError, ["size", "at least 1"]),
    (lambda: fresh().add_population("x", "iaf_psc_alpha", 2.5), TypeError, ["size", "integer"]),
    (lambda: fresh().add_population("x", "iaf_psc_alpha", 3, params={"tau_m": -5.0}), ValueError, ["params.tau_m", "> 0", "-5"]),
    (lambda: fresh().add_population("x", "iaf_psc_alpha", 3, params={"tau_mm": 5.0}), KeyError, ["tau_mm", "tau_m"]),
    (lambda: fresh().add_population("x", "iaf_psc_alpha", 3, params={"tau_m": "fast"}), TypeError, ["tau_m", "number"]),
    (lambda: fresh().add_population("x", "iaf_psc_alpha", 3, params={"tau_m": float("nan")}), ValueError, ["tau_m", "NaN"]),
    (lambda: fresh().add_population("E", "iaf_psc_alpha", 3), ValueError, ["'E'", "name"]),
    (lambda: fresh().add_population("x", "iaf_psc_alpha", 3, initial={"V_x": -70.0}), KeyError, ["V_x", "V_m"]),
    (lambda: fresh().add_population("x", "iaf_psc_alpha", 3, params=[1, 2]), TypeError, ["params", "dict"]),
    (lambda: fresh().connect("E", "F"), KeyError, ["target", "'F'", "E, G"]),
    (lambda: fresh().connect(3, "E"), TypeError, ["source", "int"]),
    (lambda: fresh().connect("G", "E", "fixed_indgree", indegree=1), KeyError, ["rule", "fixed_indgree", "fixed_indegree"]),
    (lambda: fresh().connect("G", "E", "pairwise_bernoulli"), ValueError, ["pairwise_bernoulli", "p"]),
    (lambda: fresh().connect("G", "E", "pairwise_bernoulli", p=1.5), ValueError, ["p", "1.5"]),
    (lambda: fresh().connect("G", "E", "one_to_one"), ValueError, ["one_to_one", "2", "10"]),
    (lambda: fresh().connect("G", "E", delay=0.01), ValueError, ["delay", "0.01"]),
    (lambda: fresh().connect("G", "E", weight={"distribution": "gauss", "mean": 1.0}), KeyError, ["weight", "gauss"]),
    (lambda: fresh().connect("G", "E", plasticity={"model": "stdp", "w_max": 1.0}), KeyError, ["w_max", "Wmax"]),
    (lambda: fresh().connect("G", "E", "explicit", sources=[0, 1], targets=[0]), ValueError, ["sources", "targets", "length"]),
    (lambda: fresh().connect("G", "E", "explicit", sources=[0, 5], targets=[0, 1]), ValueError, ["5"]),
    (lambda: fresh().connect("G", "E", p=0.5), ValueError, ["p", "all_to_all"]),
    (lambda: fresh().add_input("poisson", "E", rate=10.0), KeyError, ["poisson", "poisson_generator"]),
    (lambda: fresh().add_input("poisson_generator", "E", rate=-10.0, weight=1.0), ValueError, ["rate", "-10"]),
    (lambda: fresh().add_input("dc_generator", "E", amplitude=1.0, rate=3.0), ValueError, ["rate", "dc_generator"]),
    (lambda: fresh().record("E", variables=["V_n"]), KeyError, ["V_n", "V_m"]),
    (lambda: fresh().record("E", neurons=[0, 99]), ValueError, ["99"]),
    (lambda: fresh().run(-5.0), ValueError, ["ms", "-5"]),
    (lambda: fresh().run(0.05), ValueError, ["0.05", "dt", "0.1"]),
    (lambda: fresh().run("10"), TypeError, ["ms", "number"]),
    (lambda: fresh().spikes("E"), RuntimeError, ["built", "run"]),
    (lambda: built().spikes("Z"), KeyError, ["'Z'", "E, G"]),
    (lambda: built().spikes("G"), ValueError, ["G", "record"]),
    (lambda: built().get_state("E", "V_x"), KeyError, ["V_x", "V_m"]),
    (lambda: built().set_state("E", "V_m", [1.0, 2.0]), ValueError, ["2 values", "10 neurons"]),
    (lambda: built().set_state("E", "V_m", [np.nan] * 10), ValueError, ["NaN", "finite"]),
    (lambda: built().set_state("E", "V_m", "high"), TypeError, ["values", "number"]),
    (lambda: built().set_params("E", tau_m=-1.0), ValueError, ["tau_m", "-1"]),
    (lambda: built().set_params("E", tau_m="x"), TypeError, ["tau_m", "number"]),
    (lambda: built().set_params("G", rate=3.0), KeyError, ["rate"]),
    (lambda: built().set_weights("G->E", [1.0]), ValueError, ["1 weights", "20 synapses"]),
    (lambda: built().set_weights("G->E", [-1.0] * 20), ValueError, ["-1", "0 to 100"]),
    (lambda: built().weights("nope"), KeyError, ["'nope'", "G->E"]),
    (lambda: built().add_spikes("G", [0], [1.0]), ValueError, ["spike time 1 ms", "later than the current time 5 ms"]),
    (lambda: built().add_spikes("G", [7], [50.0]), ValueError, ["neuron 7", "has 2 neurons"]),
    (lambda: built().add_spikes("E", [0], [50.0]), ValueError, ["spike_generator"]),
    (lambda: built().add_spikes("G", [-1], [50.0]), TypeError, ["neurons", "non-negative"]),
    (lambda: built().add_population("late", "iaf_psc_alpha", 1), RuntimeError, ["built", "new Network"]),
    (lambda: cajal.Network.from_toml("/nonexistent/model.toml"), FileNotFoundError, ["/nonexistent/model.toml"]),
    (lambda: cajal.Network.from_toml_string("[[population]]\nname = 'a'\nmodel = 'iaf_psc_alpha'\nsize = -3\n"), ValueError, ["<string>", "size"]),
    (lambda: built().restore("/nonexistent.ckpt"), FileNotFoundError, ["/nonexistent.ckpt"]),
    (lambda: cajal.set_progress("yes"), TypeError, ["enabled"]),
    (lambda: cajal.Network().run(10.0), ValueError, ["no population", "add_population"]),
    (lambda: cajal.Network.from_toml_string("", seed=-1), ValueError, ["seed", "-1"]),
    (lambda: cajal.Network.default_model(seed=2**64), ValueError, ["seed", str(2**64)]),
    (lambda: fresh().run(10.0, progress="no"), TypeError, ["progress", "'no'"]),
    (lambda: cajal.analysis.analyze(np.array([1.0]), np.array([0.0]), t_stop=10.0, correlogram_max_lag=10**9), ValueError, ["correlogram_max_lag", "at most 50"]),
    (lambda: cajal.analysis.analyze(np.array([1.0]), np.array([0.0]), t_stop=10.0, lag_mn_ms=1.0), KeyError, ["lag_mn_ms", "lag_min_ms"]),
]


@pytest.mark.parametrize("k", range(len(CASES)))
def test_bad_call_raises_a_clear_error(k):
    call, exc, words = CASES[k]
    with pytest.raises(exc) as info:
        call()
    text = str(info.value)
    for w in words:
        assert w in text, f"case {k}: {w!r} not in {text!r}"


def test_a_network_too_large_for_memory_is_refused_before_it_is_built(root):
    """Under a 4 GB address-space limit, a network of 1e9 neurons with 1e11 synapses raises
    MemoryError at build (no allocation, no abort); the interpreter goes on."""
    import subprocess
    import sys

    code = (
        "import cajal\n"
        "net = cajal.Network()\n"
        "net.add_population('a', 'iaf_psc_delta', 1_000_000_000)\n"
        "net.connect('a', 'a', 'fixed_indegree', indegree=100, weight=0.1)\n"
        "try:\n"
        "    net.build()\n"
        "except MemoryError as e:\n"
        "    print('refused:', e)\n"
    )
    r = subprocess.run(["bash", "-c", f"ulimit -v 4000000; timeout 60 {sys.executable} -c \"$0\"", code],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "refused: build(): the network needs about" in r.stdout and "GiB" in r.stdout, r.stdout


def test_enough_bad_calls_are_checked():
    assert len(CASES) >= 25


def test_a_refused_call_leaves_the_network_usable():
    net = fresh()
    with pytest.raises(ValueError):
        net.add_population("x", "iaf_psc_alpha", 3, params={"tau_m": -5.0})
    with pytest.raises(KeyError):
        net.connect("G", "nowhere")
    net.connect("G", "E", weight=30.0)
    net.record("E")
    net.add_input("dc_generator", "E", amplitude=500.0)
    net.run(50.0, progress=False)
    assert net.spikes("E")[0].size > 0
    assert list(net.populations) == ["E", "G"]
