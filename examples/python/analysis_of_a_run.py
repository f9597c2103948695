"""Analysing a run: the report of `cajal analyze` on a simulation's spikes, as a dict, and the
same spikes as Neo trains (for Elephant) and as an NWB file when Neo and pynwb are installed.

    python examples/python/analysis_of_a_run.py
    CAJAL_QUICK=1 python examples/python/analysis_of_a_run.py
"""

import os
from pathlib import Path

import numpy as np

import cajal
from cajal import analysis

HERE = Path(__file__).resolve().parent
quick = bool(os.environ.get("CAJAL_QUICK"))
net = cajal.Network.from_toml(HERE.parent / "brunel_ai.toml", seed=2, threads=0)
ms = 300.0 if quick else 2000.0
net.run(ms)

te, se = net.spikes("E")
ti, si = net.spikes("I")
ne = len(net.populations["E"])
times = np.concatenate([te, ti])
senders = np.concatenate([se, si + ne]).astype(np.float64)
order = np.lexsort((senders, times))
report = analysis.analyze(times[order], senders[order], n=ne + len(net.populations["I"]),
                          t_stop=ms, groups=[("E", ne), ("I", len(net.populations["I"]))],
                          gof_reps=0)
for g in report["groups"]:
    print(f"{g['name']:>4}: {g['rate_hz']:6.2f} Hz, CV {g['cv']:.3f}, LV {g['lv']:.3f}, Fano {g['fano_windowed']:.3f}")
c = report["criticality"]
print("criticality:", {k: v for k, v in c.items() if not isinstance(v, (list, dict))})
print("complexity:", {k: v for k, v in report["complexity"].items() if not isinstance(v, list)})
for note in report["notes"]:
    print("note:", note)

try:
    block = net.to_neo(["I"])
    print(f"Neo: {len(block.segments[0].spiketrains)} SpikeTrains of population I")
except ImportError:
    print("(pip install neo for Neo trains)")
try:
    path = net.write_nwb("run.nwb", overwrite=True)
    print(f"NWB: {path} with {analysis.read_nwb(path)['n']} units")
except ImportError:
    print("(pip install pynwb for NWB files)")
