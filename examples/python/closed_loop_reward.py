"""A closed-loop experiment: reward a group of neurons whenever it fires more than usual.

Two groups, A and B, of 20 neurons each receive 200 Poisson inputs through reward-modulated STDP
(NEST's stdp_dopamine_synapse). After every 20 ms window, Python reads A's spike count; when it
is more than one standard deviation above its running mean, a dopamine neuron fires 10 ms later
(a spike added to a spike generator between runs). Dopamine turns the eligibility of recent
pre-post pairings into weight changes, so A's weights grow and B's (never rewarded) do not
(Izhikevich 2007's credit-assignment problem).

    python examples/python/closed_loop_reward.py      # 400 s of biological time
    CAJAL_QUICK=1 python examples/python/closed_loop_reward.py
"""

import os

import numpy as np

import cajal

seconds = 40 if os.environ.get("CAJAL_QUICK") else 400
WINDOW = 20.0

net = cajal.Network(dt=0.1, seed=1)
net.add_population("sources of A", "poisson_source", 200, params={"rate": 10.0})
net.add_population("sources of B", "poisson_source", 200, params={"rate": 10.0})
net.add_population("A", "iaf_psc_delta", 20)
net.add_population("B", "iaf_psc_delta", 20)
net.add_population("dopamine", "spike_generator", 1)
rule = {"model": "stdp_dopamine", "modulator": "dopamine", "A_plus": 0.04, "A_minus": 0.044,
        "tau_plus": 20.0, "tau_minus": 20.0, "tau_c": 50.0, "tau_n": 20.0, "b": 0.0085,
        "Wmin": 0.0, "Wmax": 8.0}
for group in ("A", "B"):
    net.connect(f"sources of {group}", group, "fixed_indegree", indegree=20, allow_multapses=False,
                weight={"distribution": "uniform", "low": 3.0, "high": 5.0}, delay=1.0,
                plasticity=rule, name=f"to {group}")
net.record("A")
net.record("B")

mean, var, rewards = 0.0, 0.0, 0
last = 0
windows = int(seconds * 1000 / WINDOW)
for w in range(windows):
    net.run(WINDOW, progress=False)
    total = int(net.spike_counts("A").sum())
    count, last = total - last, total
    if w >= 50 and count > mean + np.sqrt(var):
        net.add_spikes("dopamine", 0, net.time + 10.0)
        rewards += 1
    alpha = 1.0 / (w + 1) if w < 50 else 0.01
    d = count - mean
    mean += alpha * d
    var = (1 - alpha) * (var + alpha * d * d)

wa = net.weights("to A")["weights"].mean()
wb = net.weights("to B")["weights"].mean()
ra = net.spike_counts("A").sum() / (20 * seconds)
rb = net.spike_counts("B").sum() / (20 * seconds)
print(f"{seconds} s, {rewards} rewards in {windows} windows")
print(f"mean weight onto A {wa:.2f}, onto B {wb:.2f} (both started at 4.0)")
print(f"mean rate of A {ra:.2f} Hz, of B {rb:.2f} Hz")
