#!/usr/bin/env python3
"""Compare `cajal analyze` with Elephant on the same spike trains, value by value, and time both.

Usage: python3 validation/elephant_compare.py RUN_FOLDER ANALYSIS_FOLDER [--pairs N] [--bin MS]
       [--tau MS] [--q PER_MS] [--fano-window MS] [--cajal-seconds S]

RUN_FOLDER is what `cajal run` wrote; ANALYSIS_FOLDER is what `cajal analyze RUN_FOLDER` wrote with
the same --pairs/--bin/--tau/--q/--fano-window. Prints one JSON line: for each measure the largest
relative difference |cajal - elephant| / max(|elephant|, 1e-12) over all neurons or pairs where
both are defined, the number compared, and Elephant's wall time.
Needs: pip install elephant==1.2.1 numpy==2.3.5
"""
import argparse
import json
import os
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import neo  # noqa: E402
import quantities as pq  # noqa: E402
from elephant import statistics as es  # noqa: E402
from elephant.conversion import BinnedSpikeTrain  # noqa: E402
from elephant.spike_train_correlation import correlation_coefficient  # noqa: E402
from elephant.spike_train_dissimilarity import (  # noqa: E402
    van_rossum_distance,
    victor_purpura_distance,
)


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    both_nan = np.isnan(a) & np.isnan(b)
    mismatched = int(np.sum(~ok & ~both_nan))
    if not ok.any():
        return {"max_rel": None, "compared": 0, "undefined_mismatch": mismatched}
    r = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), 1e-12)
    return {"max_rel": float(r.max()), "compared": int(ok.sum()), "undefined_mismatch": mismatched}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("analysis")
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--bin", type=float, default=1.0)
    ap.add_argument("--tau", type=float, default=10.0)
    ap.add_argument("--q", type=float, default=0.1)
    ap.add_argument("--fano-window", type=float, default=100.0)
    args = ap.parse_args()

    t0 = time.perf_counter()
    summary = json.load(open(os.path.join(args.run, "summary.json")))
    t_stop = summary["duration_ms"]
    trains = []
    for p in summary["populations"]:
        f = os.path.join(args.run, "spikes", p["name"] + ".npz")
        if not os.path.exists(f):
            continue
        z = np.load(f)
        times, senders, neurons = z["times"], z["senders"], z["neurons"]
        order = np.argsort(senders, kind="stable")
        bounds = np.searchsorted(senders[order], np.arange(p["size"] + 1))
        for i in neurons:
            t = times[order][bounds[i]:bounds[i + 1]]
            trains.append(neo.SpikeTrain(t * pq.ms, t_start=0 * pq.ms, t_stop=t_stop * pq.ms))

    # per-neuron measures
    rate = np.array([float(es.mean_firing_rate(st).rescale(pq.Hz)) for st in trains])
    def per_isi(fun, st):
        isi = np.diff(st.magnitude)
        return fun(isi) if len(isi) >= 2 else np.nan
    cv = np.array([per_isi(es.cv, st) for st in trains])
    cv2 = np.array([per_isi(es.cv2, st) for st in trains])
    lv = np.array([per_isi(es.lv, st) for st in trains])
    fano_w = []
    for st in trains:
        counts = BinnedSpikeTrain(st, bin_size=args.fano_window * pq.ms).to_array()[0]
        # Elephant's fanofactor takes spike trains and uses their lengths as counts
        fano_w.append(es.fanofactor([np.zeros(int(c)) for c in counts]))
    fano_w = np.array(fano_w, float)
    fano_across = es.fanofactor(trains)

    # pairwise measures on the neurons cajal used
    pz = np.load(os.path.join(args.analysis, "pairs.npz"))
    chosen = pz["neurons"]
    sub = [trains[i] for i in chosen]
    k = len(sub)
    binned = BinnedSpikeTrain(sub, bin_size=args.bin * pq.ms)
    cc = correlation_coefficient(binned)
    vr = van_rossum_distance(sub, time_constant=args.tau * pq.ms)
    vp = victor_purpura_distance(sub, cost_factor=args.q / pq.ms)
    elephant_s = time.perf_counter() - t0

    pn = np.load(os.path.join(args.analysis, "per_neuron.npz"))
    an = json.load(open(os.path.join(args.analysis, "analysis.json")))
    all_group = [g for g in an["groups"] if g["name"] == "all"] or an["groups"]
    off = ~np.eye(k, dtype=bool)
    result = {
        "neurons": len(trains),
        "spikes": int(sum(len(st) for st in trains)),
        "pair_neurons": int(k),
        "rate_hz": rel(pn["rate_hz"], rate),
        "cv": rel(pn["cv"], cv),
        "cv2": rel(pn["cv2"], cv2),
        "lv": rel(pn["lv"], lv),
        "fano_windowed": rel(pn["fano"], fano_w),
        "fano_across_neurons": rel([all_group[0]["fano_across_neurons"]], [fano_across]),
        "corrcoef": rel(pz["corrcoef"].reshape(k, k)[off], cc[off]),
        "van_rossum": rel(pz["van_rossum"].reshape(k, k)[off], vr[off]),
        "victor_purpura": rel(pz["victor_purpura"].reshape(k, k)[off], vp[off]),
        "elephant_s": elephant_s,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
