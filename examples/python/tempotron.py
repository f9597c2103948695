"""The Tempotron from Python: one neuron learns to classify random spike patterns.

Each of N afferents fires once at a random time in a T ms pattern; half the patterns are labelled
"fire", half "stay silent" (Gütig & Sompolinsky 2006). The neuron is the engine's iaf_psc_exp
(rest 0 mV, threshold 1 mV, tau_m 15 ms, tau_syn 3.75 ms); its input projection learns with the
engine's Tempotron rule, taught after each presentation. Prints the errors of each pass and the
answers of a pass without learning (docs/tempotron.md has the capacity curve).

    python examples/python/tempotron.py           # N = 500 afferents, load 1 (500 patterns)
    CAJAL_QUICK=1 python examples/python/tempotron.py
"""

import os

import numpy as np

import cajal

quick = bool(os.environ.get("CAJAL_QUICK"))
N = 100 if quick else 500
P = N  # load 1: one pattern per synapse
T = 200.0 if quick else 500.0
DT = 0.1
rng = np.random.default_rng(1)

net = cajal.Network(dt=DT, seed=1)
net.add_population("afferents", "spike_generator", N)
net.add_population("tempotron", "iaf_psc_exp", 1,
                   params={"E_L": 0.0, "V_reset": 0.0, "V_th": 1.0, "tau_m": 15.0,
                           "tau_syn_ex": 3.75, "tau_syn_in": 3.75, "t_ref": DT},
                   initial={"V_m": 0.0})
net.connect("afferents", "tempotron", weight=0.0, delay=DT, name="synapses",
            plasticity={"model": "tempotron", "lambda": 3e-4, "momentum": 0.99})
net.build()
# small random initial weights: a PSP peak of 0.1 x threshold is about 0.1 / 0.0094 pA
net.set_weights("synapses", rng.normal(0.0, 0.1 / 0.0094, N))

patterns = rng.integers(1, int(T / DT) + 1, size=(P, N)) * DT
labels = rng.random(P) < 0.5


def present(x):
    net.reset_activity()
    net.add_spikes("afferents", np.arange(N), net.time + x)
    net.run(T + DT)


for epoch in range(1, 301):
    errors = 0
    for x, y in zip(patterns, labels):
        present(x)
        errors += net.tempotron_teach("synapses", bool(y))
    print(f"pass {epoch}: {errors} errors")
    if errors == 0:
        break

net.set_learning(False)
right = 0
for x, y in zip(patterns, labels):
    present(x)
    right += bool(net.tempotron_answer("synapses")["fired"][0]) == bool(y)
print(f"after training: {right} of {P} patterns classified right")
assert right == P, "the Tempotron should learn every pattern at load 1"
