"""Brunel's (2000) network in the asynchronous irregular regime, from its model file, run from
Python: rates and irregularity per population, and a raster when matplotlib is installed.

    python examples/python/brunel.py            # 1 s of biological time
    CAJAL_QUICK=1 python examples/python/brunel.py
"""

import os
import time
from pathlib import Path

import numpy as np

import cajal

HERE = Path(__file__).resolve().parent
ms = 200.0 if os.environ.get("CAJAL_QUICK") else 1000.0

net = cajal.Network.from_toml(HERE.parent / "brunel_ai.toml", seed=1, threads=0)
t0 = time.perf_counter()
net.build()
t1 = time.perf_counter()
net.run(ms)
t2 = time.perf_counter()
print(f"{net}\nbuilt in {t1 - t0:.2f} s, {ms:g} ms simulated in {t2 - t1:.2f} s on {net.threads} threads")
for name in net.populations:
    r = net.rates(name)
    print(f"  {name}: {r['spikes']} spikes, {r['rate_hz']:.2f} Hz per neuron, mean CV of ISIs {r['cv_isi']:.3f}")

times, senders = net.spikes("E")
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keep = senders < 200
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.plot(times[keep], senders[keep], ",k")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron (E, first 200)")
    fig.tight_layout()
    fig.savefig("brunel_raster.png", dpi=120)
    print("raster: brunel_raster.png")
except ImportError:
    print("(pip install matplotlib for the raster)")
assert np.all(np.diff(times) >= 0)
