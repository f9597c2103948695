"""Run a Cajal model file made of spike_generators, one neuron population and all_to_all
projections on NEST, and print the neuron's spike times as JSON.

usage: python nest_iaf_psc_exp.py MODEL.toml [--out spikes.json]
Install the peer with: pip install nest-simulator==3.10.0 numpy==2.3.5
"""
import argparse, json, sys, tomllib

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("--out")
args = ap.parse_args()
with open(args.model, "rb") as f:
    m = tomllib.load(f)

import nest  # noqa: E402  (after argument parsing so --help works without NEST)

nest.set_verbosity("M_ERROR")
nest.ResetKernel()
nest.resolution = m["simulation"]["dt"]
nodes, recorded = {}, None
for p in m["population"]:
    if p["model"] == "spike_generator":
        times = p["spike_times"]
        lists = times if times and isinstance(times[0], list) else [times] * p["size"]
        g = nest.Create("spike_generator", p["size"])
        for k, node in enumerate(g):
            node.spike_times = lists[k]
        nodes[p["name"]] = g
    else:
        nodes[p["name"]] = nest.Create(p["model"], p["size"], params=p.get("params", {}))
        recorded = p["name"]
for pr in m["projection"]:
    assert pr["rule"] == "all_to_all", "this script handles all_to_all projections only"
    nest.Connect(nodes[pr["source"]], nodes[pr["target"]], "all_to_all",
                 {"weight": pr["weight"], "delay": pr["delay"]})
sr = nest.Create("spike_recorder")
nest.Connect(nodes[recorded], sr)
nest.Simulate(m["simulation"]["duration"])
ev = sr.events
result = {"simulator": "nest", "version": nest.__version__, "population": recorded,
          "times": sorted(float(t) for t in ev["times"])}
text = json.dumps(result)
if args.out:
    with open(args.out, "w") as f:
        f.write(text + "\n")
print(text)
