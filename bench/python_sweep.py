"""A parameter sweep side by side: 20 CUBA networks (Vogels & Abbott 2005, 4,000 neurons, 1 s,
dt 0.1 ms) with 20 different excitatory weights, from a Python loop, on Cajal, Brian2 and NEST.
Times include everything a user waits for: building every network, Brian2's code generation and
compilation (done once: the C++ standalone project is compiled once and rerun with `run_args`,
Brian2's fastest way to sweep a parameter), NEST's kernel resets. Each simulator runs in a
process of its own, one after the other, on one thread.

    python bench/python_sweep.py [--networks 20] [--threads 1] [--json FILE]

Prints one line per simulator and the ratios; every network's rate too, so the three can be seen
to simulate the same model (CUBA's rate rises with the excitatory weight).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N, NE, P = 4000, 3200, 0.02
W_I = -9.0  # pA (= mV in Brian2's units of the example)


def weights(k):
    return [0.5 + 2.5 * i / (k - 1) for i in range(k)] if k > 1 else [1.62]


def run_cajal(ws, threads):
    import cajal

    t0 = time.perf_counter()
    base = (ROOT / "examples" / "cuba.toml").read_text()
    rates = []
    for w in ws:
        net = cajal.Network.from_toml_string(base.replace("weight = 1.62", f"weight = {w!r}"),
                                             seed=1, threads=threads)
        net.run(1000.0, progress=False)
        rates.append((net.spike_counts("E").sum() + net.spike_counts("I").sum()) / N)
    return {"total_s": time.perf_counter() - t0, "rates_hz": rates, "version": cajal.__version__}


def run_brian2(ws, threads):
    t0 = time.perf_counter()
    import brian2 as b2
    from brian2 import ms, mV, second

    folder = tempfile.mkdtemp(prefix="b2sweep_")
    b2.set_device("cpp_standalone", directory=folder, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = threads
    b2.defaultclock.dt = 0.1 * ms
    b2.seed(1)
    eqs = """
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    ns = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "El": -49 * mV, "Vt": -50 * mV,
          "Vr": -60 * mV}
    P_ = b2.NeuronGroup(N, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                        method="exact", namespace=ns)
    P_.v = "Vr + rand() * (Vt - Vr)"
    Ce = b2.Synapses(P_, P_, "w : volt", on_pre="ge += w")
    Ci = b2.Synapses(P_, P_, on_pre="gi += wi", namespace={"wi": W_I * mV})
    Ce.connect(f"i<{NE}", p=P)
    Ci.connect(f"i>={NE}", p=P)
    Ce.w = 1.62 * mV
    mon = b2.SpikeMonitor(P_)
    b2.run(1 * second)
    b2.device.build(directory=folder, compile=True, run=False, with_output=False)
    t_compile = time.perf_counter() - t0
    rates = []
    for w in ws:
        b2.device.run(directory=folder, with_output=False, run_args={Ce.w: w * mV})
        rates.append(mon.num_spikes / N)
    return {"total_s": time.perf_counter() - t0, "compile_s": t_compile, "rates_hz": rates,
            "version": b2.__version__}


def run_nest(ws, threads):
    t0 = time.perf_counter()
    import nest

    nest.set_verbosity("M_ERROR")
    params = {"C_m": 20.0, "tau_m": 20.0, "t_ref": 5.0, "E_L": -49.0, "V_reset": -60.0,
              "V_th": -50.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0}
    rates = []
    for w in ws:
        nest.ResetKernel()
        nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": threads, "rng_seed": 1})
        pop = nest.Create("iaf_psc_exp", N, params=params)
        pop.V_m = nest.random.uniform(-60.0, -50.0)
        e, i = pop[:NE], pop[NE:]
        rule = {"rule": "pairwise_bernoulli", "p": P}
        nest.Connect(e, pop, rule, {"weight": w, "delay": 0.1})
        nest.Connect(i, pop, rule, {"weight": W_I, "delay": 0.1})
        rec = nest.Create("spike_recorder")
        nest.Connect(pop, rec)
        nest.Simulate(1000.0)
        rates.append(rec.n_events / N)
    return {"total_s": time.perf_counter() - t0, "rates_hz": rates, "version": nest.__version__}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--networks", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json")
    ap.add_argument("--only", choices=["cajal", "brian2", "nest"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    ws = weights(a.networks)
    if a.only:
        fn = {"cajal": run_cajal, "brian2": run_brian2, "nest": run_nest}[a.only]
        print("RESULT " + json.dumps(fn(ws, a.threads)), flush=True)
        return
    results = {}
    for sim in ("cajal", "brian2", "nest"):
        r = subprocess.run([sys.executable, __file__, "--only", sim, "--networks", str(a.networks),
                            "--threads", str(a.threads)], capture_output=True, text=True)
        line = [x for x in r.stdout.splitlines() if x.startswith("RESULT ")]
        if r.returncode != 0 or not line:
            print(f"{sim}: failed\n{r.stderr[-2000:]}", file=sys.stderr)
            continue
        results[sim] = json.loads(line[0][7:])
        res = results[sim]
        extra = f" (of which code generation and compilation {res['compile_s']:.1f} s)" if "compile_s" in res else ""
        print(f"{sim:>6} {res['version']:>8}: {len(ws)} networks in {res['total_s']:.2f} s{extra}; "
              f"rates {res['rates_hz'][0]:.2f} .. {res['rates_hz'][-1]:.2f} Hz", flush=True)
    if "cajal" in results:
        for peer in ("brian2", "nest"):
            if peer in results:
                print(f"{peer} / cajal: {results[peer]['total_s'] / results['cajal']['total_s']:.1f}x")
        print("weight (pA)  " + "  ".join(f"{s:>7}" for s in results))
        for k, w in enumerate(ws):
            print(f"{w:10.3f}   " + "  ".join(f"{results[s]['rates_hz'][k]:7.2f}" for s in results))
    if a.json:
        Path(a.json).write_text(json.dumps({"weights": ws, "threads": a.threads, **results}, indent=1))


if __name__ == "__main__":
    main()
