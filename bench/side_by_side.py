#!/usr/bin/env python3
"""Cajal next to Brian2 (C++ standalone) and NEST on the same models, interleaved in one run.

Usage (from the repository root, after `cargo build --release`):
    python3 bench/side_by_side.py [--reps 3] [--threads 1 2] [--models cuba4k cuba40k brunel]
                                  [--peers brian2 nest] [--out bench/results.jsonl]

Each repetition runs every (model, threads) on Cajal, then on each peer, so that machine noise
falls on all of them alike. Reports medians of: build s, simulate s (1 s of biological time),
synaptic events per second, peak resident memory (the process's ru_maxrss) and bytes per synapse,
and the ratio of each peer's simulate time to Cajal's. The peers are ../shared/peers/bench_*.py
(pip install brian2 nest-simulator==3.10.0 numpy==2.3.5).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "..", "shared", "peers")
MODELS = {  # name: (cajal model file or None for the default, peer bench name, peer N)
    "cuba4k": ("examples/cuba.toml", "cuba", 4000),
    "cuba40k": ("examples/cuba_40k.toml", "cuba", 40000),
    "brunel": (None, "brunel", None),
}


def run_measured(cmd):
    """Runs cmd; returns (exit code, stdout, peak resident bytes of that process alone)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.dup2(w, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.execvp(cmd[0], cmd)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode(), usage.ru_maxrss * 1024


def cajal(binary, model, threads):
    out = tempfile.mkdtemp(prefix="cajal-bench-")
    cmd = [binary, "run"] + ([os.path.join(ROOT, model)] if model else []) + [
        "--threads", str(threads), "--out", out, "--no-plot", "-q"]
    code, _, rss = run_measured(cmd)
    if code != 0:
        raise RuntimeError(f"{cmd} failed ({code})")
    s = json.load(open(os.path.join(out, "summary.json")))
    return {"build_s": s["wall_s"]["build"], "sim_s": s["wall_s"]["simulate"],
            "events_per_s": s["events_per_s"], "rss": rss, "synapses": s["synapses"],
            "rate_hz": s["populations"][0]["rate_hz"]}


def peer(sim, bench, n, threads, rep):
    script = os.path.join(PEERS, f"bench_{sim}.py")
    cmd = [sys.executable, script, bench, "--threads", str(threads), "--seed", str(rep)]
    if sim == "brian2":
        cmd += ["--target", "standalone"]
    if n:
        cmd += ["--N", str(n)]
    code, out, rss = run_measured(cmd)
    line = [l for l in out.splitlines() if l.startswith("RESULT ")]
    if code != 0 or not line:
        return None
    r = json.loads(line[-1][7:])
    return {"build_s": r["build_s"], "sim_s": r["sim_s"], "events_per_s": r["syn_events_per_s"],
            "rss": rss, "synapses": r["synapses"], "rate_hz": r["rate_hz"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    ap.add_argument("--peers", nargs="*", default=["brian2", "nest"])
    ap.add_argument("--cajal", default=os.path.join(ROOT, "target", "release", "cajal"))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    rows = {}
    for rep in range(1, args.reps + 1):
        for m in args.models:
            model, bench, n = MODELS[m]
            for t in args.threads:
                res = {"cajal": cajal(args.cajal, model, t)}
                for p in args.peers:
                    r = peer(p, bench, n, t, rep)
                    if r:
                        res[p] = r
                for sim, r in res.items():
                    rows.setdefault((m, t, sim), []).append(r)
                    if args.out:
                        with open(args.out, "a") as f:
                            f.write(json.dumps({"model": m, "threads": t, "sim": sim, "rep": rep, **r}) + "\n")
                print(f"rep {rep} {m} {t}t: " + ", ".join(
                    f"{s} {r['sim_s']:.3f}s" for s, r in res.items()), file=sys.stderr, flush=True)

    med = lambda xs: statistics.median(xs)
    print("| model | threads | simulator | build s | simulate s | events/s | peak RSS MiB | bytes/synapse | peer/Cajal simulate |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    summary = []
    for m in args.models:
        for t in args.threads:
            base = rows.get((m, t, "cajal"))
            for sim in ["cajal"] + args.peers:
                rs = rows.get((m, t, sim))
                if not rs:
                    continue
                sim_s = med([r["sim_s"] for r in rs])
                rss = med([r["rss"] for r in rs])
                ratio = sim_s and med([r["sim_s"] for r in rs]) / med([r["sim_s"] for r in base])
                entry = {"model": m, "threads": t, "sim": sim, "n": len(rs),
                         "build_s": med([r["build_s"] for r in rs]), "sim_s": sim_s,
                         "events_per_s": med([r["events_per_s"] for r in rs]),
                         "rss_mib": rss / 2**20, "bytes_per_synapse": rss / rs[0]["synapses"],
                         "ratio": ratio}
                summary.append(entry)
                print(f"| {m} | {t} | {sim} | {entry['build_s']:.3f} | {sim_s:.3f} | "
                      f"{entry['events_per_s']:.3g} | {entry['rss_mib']:.0f} | "
                      f"{entry['bytes_per_synapse']:.1f} | {'' if sim == 'cajal' else f'{ratio:.2f}x'} |")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
