#!/usr/bin/env python3
"""Writes the Potjans & Diesmann (2014) cortical microcircuit as a Cajal model file.

Usage: python3 examples/make_microcircuit.py [--scale 1.0] [--out examples/microcircuit.toml]

Parameters are those of the paper (Cereb. Cortex 24:785) as used by NEST's Potjans_2014 example:
8 populations of iaf_psc_exp neurons (L2/3, L4, L5, L6, excitatory and inhibitory); the
connection probabilities of the paper's Table 5 turned into total synapse numbers
K = ln(1 - C) / ln(1 - 1 / (N_pre N_post)) drawn with fixed_total_number (multapses and autapses
allowed, NEST's defaults, as in the reference implementation); PSC amplitudes of 87.81 pA
(0.15 mV PSP) with 10 % relative spread, g = -4, doubled for L4E -> L2/3E; delays 1.5 ms
(excitatory) and 0.75 ms (inhibitory) with 50 % spread, redrawn below half a step and rounded to
the grid (so at least dt, as the reference implementation does); Poisson background of 8 Hz per
external input (K_ext per population); V_m starting at N(-58, 10) mV.

--scale s < 1 keeps every neuron's in-degree and scales the population sizes (and so the total
synapse numbers) by s, which preserves mean inputs: a smaller model for tests and quick looks.
"""
import argparse
import math

POPS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
N_FULL = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
# connection probabilities: row = target population, column = source population
C = [
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443],
]
W_EXC = 87.81  # pA, a 0.15 mV PSP for these neuron parameters
G = -4.0
BG_RATE = 8.0  # Hz per external input
DT = 0.1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--out", default="examples/microcircuit.toml")
    ap.add_argument("--duration", type=float, default=1000.0)
    args = ap.parse_args()
    s = args.scale
    n = [max(1, round(x * s)) for x in N_FULL]
    lines = [
        f'name = "microcircuit{"" if s == 1 else f"_scale_{s:g}"}"',
        'description = "Potjans & Diesmann (2014) cortical microcircuit, written by '
        f'examples/make_microcircuit.py --scale {s:g}"',
        "",
        "[simulation]",
        f"dt = {DT}",
        f"duration = {args.duration}",
        "seed = 1",
    ]
    params = ("{ C_m = 250.0, tau_m = 10.0, tau_syn_ex = 0.5, tau_syn_in = 0.5, t_ref = 2.0, "
              "E_L = -65.0, V_reset = -65.0, V_th = -50.0 }")
    for name, size in zip(POPS, n):
        lines += ["", "[[population]]", f'name = "{name}"', 'model = "iaf_psc_exp"',
                  f"size = {size}", f"params = {params}",
                  'initial = { V_m = { distribution = "normal", mean = -58.0, std = 10.0 } }']
    total = 0
    for t, tgt in enumerate(POPS):
        for src_i, src in enumerate(POPS):
            c = C[t][src_i]
            if c == 0.0:
                continue
            npre, npost = N_FULL[src_i], N_FULL[t]
            k_full = math.log(1.0 - c) / math.log(1.0 - 1.0 / (npre * npost))
            k = round(k_full * s)  # in-degrees kept: K scales with the target size
            total += k
            exc = src.endswith("E")
            w = W_EXC * (2.0 if (src == "L4E" and tgt == "L23E") else 1.0) * (1.0 if exc else G)
            sd = abs(w) * 0.1
            lo, hi = (0.0, 1e9) if exc else (-1e9, 0.0)
            d_mean = 1.5 if exc else 0.75
            lines += ["", "[[projection]]", f'name = "{src}->{tgt}"', f'source = "{src}"',
                      f'target = "{tgt}"', 'rule = "fixed_total_number"', f"n = {k}",
                      f'weight = {{ distribution = "normal_clipped", mean = {w:.4f}, '
                      f"std = {sd:.4f}, low = {lo}, high = {hi} }}",
                      f'delay = {{ distribution = "normal_clipped", mean = {d_mean}, '
                      f"std = {d_mean * 0.5}, low = {DT / 2}, high = 1000.0 }}",
                      "allow_autapses = true", "allow_multapses = true"]
    for name, kext in zip(POPS, K_EXT):
        lines += ["", "[[input]]", 'type = "poisson_generator"', f'target = "{name}"',
                  f"rate = {BG_RATE * kext}", f"weight = {W_EXC}", "delay = 1.5"]
    for name in POPS:
        lines += ["", "[[record]]", f'population = "{name}"', "spikes = true"]
    with open(args.out, "w") as f:
        f.write(f"# {sum(n)} neurons, {total} synapses\n" + "\n".join(lines) + "\n")
    print(f"{args.out}: {sum(n)} neurons, {total} synapses")


if __name__ == "__main__":
    main()
