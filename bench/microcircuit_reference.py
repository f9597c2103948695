#!/usr/bin/env python3
"""Runs the cortical microcircuit in the model authors' reference implementation (NEST).

The reference is INM-6's PyNEST implementation of Potjans & Diesmann (2014), published on PyPI
as the package `microcircuit` (https://github.com/INM-6/microcircuit-PD14-model). This script
only drives it: it switches the background to Poisson input and the initial membrane potentials
to N(-58, 10) mV (what `examples/microcircuit.toml` uses, and the paper's setup), simulates a
warm-up and a measured window, and writes each neuron's spike count in the window.

    pip install nest-simulator==3.10.0 microcircuit==1.0
    python3 bench/microcircuit_reference.py --seed 1 --threads 4 --out ref_seed1.npz

At full scale NEST needs at least 3 threads: it stores at most 134,217,726 connections per
thread and synapse model, and the model has 3.0e8 (its authors recommend 4 or more). On a 2-core
machine use --threads 4 (about 8 minutes and 15 GB for 1.5 s of biological time), or
--threads 2 --split-inhibitory: the inhibitory populations' connections then go through a copy of
`static_synapse` (`nest.CopyModel`, the same dynamics under another name), which keeps each
synapse model under the limit at 2 threads.

Output (NumPy .npz): for every population NAME, `NAME` = spike counts per neuron in the window;
plus `window_ms` = [start, end] and `build_s`, `simulate_s` (wall clock).
Compare with Cajal's spikes with `bench/microcircuit_rates.py`.
"""
import argparse
import os
import sys
import tempfile
import time


def split_inhibitory(nest, net, names):
    """Makes the reference connect its inhibitory populations' recurrent synapses through
    `static_synapse_inh`, a copy of `static_synapse` (the reference calls `nest.Connect` through
    its module's name `nest`, which is pointed at a stand-in that forwards everything else)."""
    import microcircuit.network as reference

    nest.CopyModel("static_synapse", "static_synapse_inh")
    inhibitory = [pop for pop, name in zip(net.pops, names) if name.endswith("I")]

    class SplitInhibitory:
        def __getattr__(self, name):
            return getattr(nest, name)

        @staticmethod
        def Connect(pre, post, conn_spec=None, syn_spec=None, **kwargs):  # noqa: N802
            if (isinstance(syn_spec, dict) and syn_spec.get("synapse_model") == "static_synapse"
                    and any(pre == pop for pop in inhibitory)):
                syn_spec = dict(syn_spec, synapse_model="static_synapse_inh")
            return nest.Connect(pre, post, conn_spec=conn_spec, syn_spec=syn_spec, **kwargs)

    reference.nest = SplitInhibitory()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="N_scaling = K_scaling (1: full)")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--warmup", type=float, default=500.0, help="ms simulated before the window")
    ap.add_argument("--window", type=float, default=1000.0, help="ms over which rates are taken")
    ap.add_argument("--out", required=True, help="output .npz")
    ap.add_argument("--split-inhibitory", action="store_true",
                    help="connect the inhibitory populations through a copy of static_synapse")
    args = ap.parse_args()
    if not (0 < args.scale <= 1) or args.threads < 1 or args.window <= 0 or args.warmup < 0:
        sys.exit("error: need 0 < --scale <= 1, --threads >= 1, --window > 0, --warmup >= 0")
    try:
        import nest  # noqa: F401
        import numpy as np
        from microcircuit.network import Network
        from microcircuit.network_params import default_net_dict as net_dict
        from microcircuit.sim_params import default_sim_dict as sim_dict
        from microcircuit.stimulus_params import default_stim_dict as stim_dict
    except ImportError as e:
        sys.exit(f"error: {e}; install the reference with "
                 "`pip install nest-simulator==3.10.0 microcircuit==1.0`")

    data = tempfile.mkdtemp(prefix="microcircuit_ref_")
    net_dict.update({"N_scaling": args.scale, "K_scaling": args.scale,
                     "bg_input_type": "poisson", "V0_type": "original"})
    stim_dict.update({"thalamic_input": False, "dc_transient": False})
    sim_dict.update({"local_num_threads": args.threads, "rng_seed": args.seed,
                     "data_path": data + "/", "print_time": False,
                     "store_metadata": False, "rec_dev": ["spike_recorder"]})

    t0 = time.time()
    net = Network(sim_dict, net_dict, stim_dict)
    net.create()
    if args.split_inhibitory:
        split_inhibitory(nest, net, net_dict["populations"])
    net.connect()
    t1 = time.time()
    net.simulate(args.warmup + args.window)
    t2 = time.time()

    start, end = args.warmup, args.warmup + args.window
    out = {"window_ms": np.array([start, end]), "build_s": np.array(t1 - t0),
           "simulate_s": np.array(t2 - t1)}
    files = sorted(os.listdir(data))
    for name, pop in zip(net_dict["populations"], net.pops):
        ids = np.array(pop.tolist())
        first = ids.min()
        counts = np.zeros(len(ids), dtype=np.int64)
        rec = net.spike_recorders[net_dict["populations"].index(name)]
        prefix = f"spike_recorder-{rec.global_id}-"
        for f in files:
            if not f.startswith(prefix):
                continue
            rows = np.loadtxt(os.path.join(data, f), comments="#", skiprows=3, ndmin=2)
            if rows.size == 0:
                continue
            sel = (rows[:, 1] > start) & (rows[:, 1] <= end)
            counts += np.bincount(rows[sel, 0].astype(np.int64) - first, minlength=len(ids))
        out[name] = counts
    np.savez(args.out, **out)
    for f in files:
        os.remove(os.path.join(data, f))
    os.rmdir(data)
    print(f"build {t1 - t0:.1f} s, simulate {t2 - t1:.1f} s; mean rates (Hz) in "
          f"({start:g}, {end:g}] ms:")
    for name in net_dict["populations"]:
        print(f"  {name:5s} {out[name].mean() / (args.window / 1000):.3f}")


if __name__ == "__main__":
    main()
