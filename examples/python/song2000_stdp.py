"""Song, Miller & Abbott (2000): one conductance-based neuron driven by 1000 Poisson inputs
through additive STDP; the weights split towards 0 and gmax. Run from its model file, with the
weight distribution read back as NumPy arrays every few seconds.

    python examples/python/song2000_stdp.py     # 100 s of biological time
    CAJAL_QUICK=1 python examples/python/song2000_stdp.py
"""

import os
from pathlib import Path

import numpy as np

import cajal

HERE = Path(__file__).resolve().parent
seconds = 10 if os.environ.get("CAJAL_QUICK") else 100

net = cajal.Network.from_toml(HERE.parent / "song2000.toml", seed=1)
proj = net.projections["inputs->neuron"]
w_max = 0.1
print(" time   rate   weights < 0.1 gmax   > 0.9 gmax")
for step in range(1, seconds // 5 + 1):
    before = net.spike_counts("neuron").sum()
    net.run(5000.0, progress=False)
    rate = (net.spike_counts("neuron").sum() - before) / 5.0
    w = proj.weights()["weights"]
    low, high = np.mean(w < 0.1 * w_max), np.mean(w > 0.9 * w_max)
    print(f"{net.time / 1000:4.0f} s {rate:6.1f} Hz   {100 * low:5.1f} %            {100 * high:5.1f} %")
w = proj.weights()["weights"]
hist, _ = np.histogram(w, bins=10, range=(0, w_max))
print("final histogram (10 bins from 0 to gmax):", hist.tolist())
assert w.min() >= 0 and w.max() <= w_max
