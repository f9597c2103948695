#!/usr/bin/env python3
"""Benchmark `cajal analyze` against Elephant on the same spike trains, side by side in one run.

Usage: python3 validation/bench_analysis.py [--neurons 10000] [--rate 10] [--duration-s 100]
       [--pairs 50] [--cajal target/release/cajal] [--skip-elephant]

Generates Poisson spike trains (seeded; times on a 0.1 ms grid, as a simulation writes them) into
an NPZ file, runs `cajal analyze` on it (statistics, pairwise measures, spectrum, avalanches with
power-law fits, branching ratio, LZ; no bootstrap), then times Elephant on the measures both have
(rates, CV, CV2, LV, Fano, correlation coefficients, van Rossum and Victor–Purpura distances of
the same pairs). Prints a table and one JSON line.
Needs: pip install elephant==1.2.1 numpy==2.3.5
"""
import argparse
import json
import os
import subprocess
import tempfile
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--neurons", type=int, default=10000)
    ap.add_argument("--rate", type=float, default=10.0)
    ap.add_argument("--duration-s", type=float, default=100.0)
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--cajal", default="target/release/cajal")
    ap.add_argument("--skip-elephant", action="store_true")
    args = ap.parse_args()

    rng = np.random.default_rng(1)
    t_stop = args.duration_s * 1000.0
    n_spikes = rng.poisson(args.neurons * args.rate * args.duration_s)
    times = np.round(np.sort(rng.uniform(0, t_stop, n_spikes)), 1)
    senders = rng.integers(0, args.neurons, n_spikes).astype(np.uint32)
    tmp = tempfile.mkdtemp()
    f = os.path.join(tmp, "spikes.npz")
    np.savez(f, times=times, senders=senders)

    out = os.path.join(tmp, "analysis")
    t0 = time.perf_counter()
    subprocess.run([args.cajal, "analyze", f, "--out", out, "--t-stop", str(t_stop),
                    "--neurons", str(args.neurons), "--pairs", str(args.pairs),
                    "--gof", "0", "--no-plot", "-q"], check=True)
    cajal_wall = time.perf_counter() - t0
    rep = json.load(open(os.path.join(out, "analysis.json")))
    timings = dict(rep["timings_s"])
    cajal_shared = timings["statistics"] + timings["pairwise"]
    result = {"neurons": args.neurons, "spikes": int(n_spikes), "cajal_wall_s": cajal_wall,
              "cajal_timings_s": timings, "cajal_shared_s": cajal_shared,
              "threads": os.cpu_count()}

    if not args.skip_elephant:
        import neo
        import quantities as pq
        from elephant import statistics as es
        from elephant.conversion import BinnedSpikeTrain
        from elephant.spike_train_correlation import correlation_coefficient
        from elephant.spike_train_dissimilarity import van_rossum_distance, victor_purpura_distance

        t0 = time.perf_counter()
        z = np.load(f)
        order = np.argsort(z["senders"], kind="stable")
        bounds = np.searchsorted(z["senders"][order], np.arange(args.neurons + 1))
        st_times = z["times"][order]
        trains = [neo.SpikeTrain(st_times[bounds[i]:bounds[i + 1]] * pq.ms, t_stop=t_stop * pq.ms)
                  for i in range(args.neurons)]
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        for st in trains:
            es.mean_firing_rate(st)
            isi = np.diff(st.magnitude)
            if len(isi) >= 2:
                es.cv(isi), es.cv2(isi), es.lv(isi)
        es.fanofactor(trains)
        t_stats = time.perf_counter() - t0
        t0 = time.perf_counter()
        chosen = json.load(open(os.path.join(out, "analysis.json")))["pairwise"]["neurons"]
        sub = [trains[i] for i in chosen]
        correlation_coefficient(BinnedSpikeTrain(sub, bin_size=1 * pq.ms))
        van_rossum_distance(sub, time_constant=10 * pq.ms)
        victor_purpura_distance(sub, cost_factor=0.1 / pq.ms)
        t_pairs = time.perf_counter() - t0
        result.update({"elephant_load_s": t_load, "elephant_statistics_s": t_stats,
                       "elephant_pairwise_s": t_pairs,
                       "elephant_shared_s": t_stats + t_pairs,
                       "ratio_shared": (t_stats + t_pairs) / cajal_shared,
                       "ratio_vs_cajal_wall": (t_load + t_stats + t_pairs) / cajal_wall})
    print(f"{args.neurons} neurons, {n_spikes} spikes")
    print(f"cajal analyze, whole run (load, statistics, pairs, spectrum, avalanches, fits, "
          f"branching, LZ): {cajal_wall:.2f} s")
    print(f"  statistics {timings['statistics']:.3f} s, pairwise {timings['pairwise']:.3f} s, "
          f"avalanches {timings['avalanches']:.3f} s, complexity {timings['complexity']:.3f} s")
    if not args.skip_elephant:
        print(f"Elephant shared measures: statistics {t_stats:.2f} s, pairwise {t_pairs:.2f} s "
              f"(+ {t_load:.2f} s building neo trains)")
        print(f"ratio Elephant/Cajal on the shared measures: {result['ratio_shared']:.0f}x; "
              f"Elephant (incl. building trains) / whole cajal run: {result['ratio_vs_cajal_wall']:.1f}x")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
