"""Song, Miller & Abbott (2000) on Brian2, the same model as examples/song2000.toml, for a side-by-side
check of Cajal's STDP: prints the final weight histogram (w/gmax, 10 bins), the output rate per 10 s
and the fraction of weights within 10 % of a bound, as JSON.

    python3 validation/song2000_brian2.py [--duration 100] [--seed 1]

The equations follow Brian2's example of the paper (additive STDP, all-to-all traces), with the
same parameters as the Cajal model file; Brian2 has no synaptic delay here (Cajal: 0.1 ms).
"""
import argparse
import json

import numpy as np
from brian2 import (Hz, NeuronGroup, PoissonGroup, SpikeMonitor, Synapses, defaultclock, ms, mV,
                    prefs, run, seed)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=100.0, help="seconds")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rate", type=float, default=15.0, help="input rate (Hz)")
    args = ap.parse_args()
    prefs.codegen.target = "numpy"
    seed(args.seed)
    defaultclock.dt = 0.1 * ms
    n, taum, taupre, taupost, taue = 1000, 10 * ms, 20 * ms, 20 * ms, 5 * ms
    ee, vt, vr, el = 0 * mV, -54 * mV, -60 * mV, -74 * mV
    gmax, dapre = 0.01, 0.01
    dapost = -dapre * taupre / taupost * 1.05 * gmax
    dapre *= gmax
    neuron = NeuronGroup(1, "dv/dt = (ge * (ee - v) + el - v) / taum : volt\ndge/dt = -ge / taue : 1",
                         threshold="v > vt", reset="v = vr", method="euler")
    neuron.v = vr
    inputs = PoissonGroup(n, rates=args.rate * Hz)
    syn = Synapses(inputs, neuron,
                   """w : 1
                      dApre/dt = -Apre / taupre : 1 (event-driven)
                      dApost/dt = -Apost / taupost : 1 (event-driven)""",
                   on_pre="""ge += w
                             Apre += dapre
                             w = clip(w + Apost, 0, gmax)""",
                   on_post="""Apost += dapost
                              w = clip(w + Apre, 0, gmax)""")
    syn.connect()
    syn.w = "rand() * gmax"
    mon = SpikeMonitor(neuron)
    run(args.duration * 1000 * ms)
    w = np.asarray(syn.w) / gmax
    t = np.asarray(mon.t / ms)
    bins = int(round(args.duration / 10))
    print(json.dumps({
        "histogram": np.histogram(w, bins=10, range=(0, 1))[0].tolist(),
        "near_bounds": float(np.mean((w < 0.1) | (w > 0.9))),
        "rate_per_10s": (np.histogram(t, bins=bins, range=(0, args.duration * 1000))[0] / 10).tolist(),
    }))


if __name__ == "__main__":
    main()
