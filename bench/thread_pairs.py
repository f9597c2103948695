#!/usr/bin/env python3
"""How much faster Cajal simulates a model on more threads: alternating runs, one pair at a time.

Usage (from the repository root, after `cargo build --release`):
    python3 bench/thread_pairs.py [MODEL.toml] [--pairs 9] [--threads 1 2] [--duration MS]
                                  [--cajal target/release/cajal] [--out pairs.jsonl]

Without a model file the default (embedded) Brunel network runs. Each pair runs the model on the
first thread count, then at once on the second, so that a slow spell of a shared machine falls on
both runs of a pair more often than on one; the speed-up of a pair is the ratio of the two
simulate times (`summary.json`'s `wall_s.simulate`). Prints every pair (with both runs' build
times and peak resident memory), then the median, the range and the median simulate times, and
checks that the two runs of a pair wrote the same spikes (the engine's results do not depend on
the thread count).
"""
import argparse
import filecmp
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cajal, model, threads, duration, out):
    """One run; returns its summary.json."""
    cmd = [cajal, "run"] + ([model] if model else []) + [
        "--threads", str(threads), "--out", out, "--no-plot", "-q"]
    if duration is not None:
        cmd += ["--duration", str(duration)]
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def same_spikes(a, b):
    """Whether two output folders hold identical spike files."""
    da, db = os.path.join(a, "spikes"), os.path.join(b, "spikes")
    if not (os.path.isdir(da) and os.path.isdir(db)):
        return None
    names = sorted(os.listdir(da))
    if names != sorted(os.listdir(db)):
        return False
    _, mismatch, errors = filecmp.cmpfiles(da, db, names, shallow=False)
    return not mismatch and not errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", nargs="?", help="model file (default: the embedded Brunel network)")
    ap.add_argument("--pairs", type=int, default=9)
    ap.add_argument("--threads", type=int, nargs=2, default=[1, 2], metavar=("A", "B"))
    ap.add_argument("--duration", type=float, default=None, help="ms (default: the model's)")
    ap.add_argument("--cajal", default=os.path.join(ROOT, "target", "release", "cajal"))
    ap.add_argument("--out", default=None, help="append one JSON line per pair here")
    args = ap.parse_args()
    if args.pairs < 1:
        sys.exit("--pairs must be at least 1")
    if not os.path.exists(args.cajal):
        sys.exit(f"{args.cajal} not found: run `cargo build --release` first, or give --cajal")
    model = os.path.abspath(args.model) if args.model else None
    if model and not os.path.exists(model):
        sys.exit(f"model file {model} not found")

    ta, tb = args.threads
    times = {ta: [], tb: []}
    ratios = []
    with tempfile.TemporaryDirectory(prefix="cajal-pairs-") as tmp:
        for i in range(1, args.pairs + 1):
            outs = {t: os.path.join(tmp, f"t{t}") for t in (ta, tb)}
            sums = {t: run(args.cajal, model, t, args.duration, outs[t]) for t in (ta, tb)}
            sim = {t: sums[t]["wall_s"]["simulate"] for t in (ta, tb)}
            build = {t: sums[t]["wall_s"]["build"] for t in (ta, tb)}
            rss = {t: sums[t].get("peak_rss_bytes") for t in (ta, tb)}
            ratio = sim[ta] / sim[tb]
            same = same_spikes(outs[ta], outs[tb])
            for t in (ta, tb):
                times[t].append(sim[t])
            ratios.append(ratio)
            print(f"pair {i}: {ta} thread(s) {sim[ta]:.3f} s, {tb} thread(s) {sim[tb]:.3f} s, "
                  f"speed-up {ratio:.3f}x" + ("" if same is None else
                                              f", spikes {'identical' if same else 'DIFFERENT'}")
                  + f" (build {build[ta]:.2f} / {build[tb]:.2f} s, peak RSS "
                  + " / ".join("?" if rss[t] is None else f"{rss[t] / 1e9:.2f} GB" for t in (ta, tb))
                  + ")", flush=True)
            if args.out:
                with open(args.out, "a") as f:
                    f.write(json.dumps({"pair": i, "model": args.model or "default", "threads": [ta, tb],
                                        "simulate_s": [sim[ta], sim[tb]], "speedup": ratio,
                                        "build_s": [build[ta], build[tb]],
                                        "peak_rss_bytes": [rss[ta], rss[tb]],
                                        "same_spikes": same}) + "\n")
            if same is False:
                sys.exit("the two thread counts gave different spikes")
    print(f"median speed-up {statistics.median(ratios):.3f}x (range {min(ratios):.3f}-"
          f"{max(ratios):.3f}x over {len(ratios)} pairs); median simulate "
          f"{statistics.median(times[ta]):.3f} s on {ta}, {statistics.median(times[tb]):.3f} s on {tb}")


if __name__ == "__main__":
    main()
