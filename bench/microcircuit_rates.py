#!/usr/bin/env python3
"""Compares Cajal's microcircuit firing rates with the reference implementation's.

    python3 bench/microcircuit_rates.py --cajal OUT1 OUT2 ... --nest ref1.npz ref2.npz ...
        [--window 500 1500] [--json rates.json]

--cajal: output folders of `cajal run examples/microcircuit.toml --duration 1500 --seed S`
(their spikes/NAME.npz); --nest: files written by `bench/microcircuit_reference.py`.
Rates are counted in the same window (warm-up excluded; default (500, 1500] ms).

Per population it prints the mean rate and its standard deviation over runs (network
realizations, one per seed) for each simulator, their relative difference, and the
Kolmogorov-Smirnov distance between the distributions of single-neuron rates: Cajal against each
reference run, next to the distance between reference runs themselves (the natural variability
of the model, the measure of Dasbach et al. 2021). Also shown: `full_mean_rates` of the
reference package (one full-scale NEST run by its authors; they note that one run alone is not
enough to verify against).

Verdict per population: "within" when the two simulators' mean rates over seeds do not differ
significantly (Welch's t-test over the per-seed means, p above 0.05 / 8, Bonferroni over the eight
populations) and the median Cajal-vs-reference KS distance is no larger than the largest distance
between two reference runs (Dasbach et al.'s criterion: as close as two realizations of the
reference are to each other). Needs at least two runs of each.
"""
import argparse
import itertools
import json
import os
import sys

import numpy as np
from scipy import stats

POPS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
# network_params.py of the reference package (microcircuit 1.0), "full_mean_rates"
PACKAGE_RATES = [0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829]


def ks_distance(a, b):
    """Two-sample Kolmogorov-Smirnov statistic (largest gap between empirical CDFs)."""
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    fa = np.searchsorted(a, grid, side="right") / len(a)
    fb = np.searchsorted(b, grid, side="right") / len(b)
    return float(np.max(np.abs(fa - fb)))


def cajal_rates(folder, start, end):
    with open(os.path.join(folder, "summary.json")) as f:
        simulated = json.load(f)["duration_ms"]
    if simulated < end:
        sys.exit(f"error: {folder} simulated {simulated:g} ms, less than the window's end "
                 f"{end:g}; rerun with --duration {end:g}")
    rates = {}
    for name in POPS:
        path = os.path.join(folder, "spikes", f"{name}.npz")
        if not os.path.exists(path):
            sys.exit(f"error: {path} missing; run `cajal run examples/microcircuit.toml "
                     f"--duration {end:g} --out {folder}` first")
        d = np.load(path)
        t, s, n = d["times"], d["senders"], len(d["neurons"])
        sel = (t > start) & (t <= end)
        rates[name] = np.bincount(s[sel].astype(np.int64), minlength=n) / ((end - start) / 1e3)
    return rates


def nest_rates(path, start, end):
    d = np.load(path)
    w = d["window_ms"]
    if abs(w[0] - start) > 1e-9 or abs(w[1] - end) > 1e-9:
        sys.exit(f"error: {path} counts spikes in ({w[0]:g}, {w[1]:g}] ms, not ({start:g}, "
                 f"{end:g}]; pass --window {w[0]:g} {w[1]:g}")
    return {name: d[name] / ((end - start) / 1e3) for name in POPS}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cajal", nargs="+", required=True)
    ap.add_argument("--nest", nargs="+", required=True)
    ap.add_argument("--window", nargs=2, type=float, default=[500.0, 1500.0])
    ap.add_argument("--json", help="also write the table here")
    args = ap.parse_args()
    start, end = args.window
    if len(args.nest) < 2 or len(args.cajal) < 2:
        sys.exit("error: pass at least two runs of each (different seeds): the comparison is "
                 "against the spread between realizations of the model")
    caj = [cajal_rates(f, start, end) for f in args.cajal]
    ref = [nest_rates(f, start, end) for f in args.nest]

    table = []
    print(f"rates in ({start:g}, {end:g}] ms, Hz; {len(caj)} Cajal and {len(ref)} reference runs")
    print("pop   Cajal mean ± SD | reference mean ± SD | package | diff   | Welch p | "
          "KS Cajal-ref | KS ref-ref | verdict")
    for i, name in enumerate(POPS):
        c = np.array([r[name].mean() for r in caj])
        n = np.array([r[name].mean() for r in ref])
        sd = float(n.std(ddof=1)) if len(n) > 1 else float("nan")
        ks_cr = [ks_distance(a[name], b[name]) for a in caj for b in ref]
        ks_rr = [ks_distance(a[name], b[name]) for a, b in itertools.combinations(ref, 2)]
        welch_p = float(stats.ttest_ind(c, n, equal_var=False).pvalue) if min(
            len(c), len(n)) > 1 else float("nan")
        ks_ok = bool(ks_rr) and float(np.median(ks_cr)) <= max(ks_rr)
        within = bool(welch_p > 0.05 / len(POPS)) and ks_ok
        table.append({"population": name, "cajal": c.tolist(), "reference": n.tolist(),
                      "reference_sd": sd, "package_rate": PACKAGE_RATES[i],
                      "relative_difference": float(c.mean() / n.mean() - 1), "welch_p": welch_p,
                      "ks_cajal_reference": ks_cr, "ks_reference_reference": ks_rr,
                      "within": within})
        print(f"{name:5s} {c.mean():6.3f} ± {c.std(ddof=1):5.3f}  | {n.mean():6.3f} ± {sd:5.3f}      | "
              f"{PACKAGE_RATES[i]:6.3f}  | {100 * (c.mean() / n.mean() - 1):+5.1f}% | "
              f"{welch_p:7.3f} | {np.median(ks_cr):11.4f}  | "
              f"{max(ks_rr) if ks_rr else float('nan'):9.4f}  | "
              f"{'within' if within else 'OUTSIDE'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"window_ms": [start, end], "populations": table}, f, indent=1)


if __name__ == "__main__":
    main()
