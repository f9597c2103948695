"""A parameter sweep: the CUBA network of Vogels & Abbott (2005) at 20 excitatory weights, each
network built and run from a Python loop (no compilation step). For the side-by-side benchmark
against Brian2 and NEST see bench/python_sweep.py.

    python examples/python/parameter_sweep.py
    CAJAL_QUICK=1 python examples/python/parameter_sweep.py
"""

import os
import time
from pathlib import Path

import numpy as np

import cajal

HERE = Path(__file__).resolve().parent
quick = bool(os.environ.get("CAJAL_QUICK"))
base = (HERE.parent / "cuba.toml").read_text()
weights = np.linspace(0.5, 3.0, 5 if quick else 20)
ms = 200.0 if quick else 1000.0
print(" w_E (pA)   rate (Hz)   CV")
t0 = time.perf_counter()
for w in weights:
    net = cajal.Network.from_toml_string(base.replace("weight = 1.62", f"weight = {w:.6f}"), seed=1, threads=1)
    net.run(ms, progress=False)
    r = net.rates("E")
    print(f"{w:8.3f}   {r['rate_hz']:8.2f}   {r['cv_isi']:.3f}")
print(f"{len(weights)} networks of 4,000 neurons, {ms:g} ms each: {time.perf_counter() - t0:.2f} s in all")
