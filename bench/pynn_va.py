"""The Vogels-Abbott benchmark (Brette et al. 2007, benchmarks 1 and 2: CUBA and COBA, 4,000
neurons, 1 s) through PyNN's own example script, on pyNN.cajal and pyNN.nest side by side.

Each run is a fresh process running PyNN's examples/VAbenchmarks.py unchanged; the two
backends alternate, and the medians of the script's own "Build time" and "Simulation time"
are compared (pyNN.cajal builds the engine network at the first run, so its engine build is in
its simulation time; end to end = the sum).

    python bench/pynn_va.py [--repeats 3] [--script PATH/TO/VAbenchmarks.py]

The script comes with PyNN's source distribution, which scripts/test-pynn downloads to
target/pynn-src (or: pip download --no-deps --no-binary :all: PyNN==0.13.0, and unpack it).
Needs PyNN 0.13, NEST 3.10 and the cajal package with pyNN.cajal installed in this Python.
"""

import argparse
import glob
import os
import re
import statistics
import subprocess
import sys
import tempfile

FIELDS = {
    "build": r"Build time\s*:\s*([0-9.eE+-]+)",
    "simulate": r"Simulation time\s*:\s*([0-9.eE+-]+)",
    "rate_e": r"Excitatory rate\s*:\s*([0-9.eE+-]+)",
    "rate_i": r"Inhibitory rate\s*:\s*([0-9.eE+-]+)",
}


def find_script(given):
    if given:
        return given
    found = sorted(glob.glob("target/pynn-src/[Pp]y[Nn][Nn]-*/examples/VAbenchmarks.py"))
    if not found:
        sys.exit("bench/pynn_va.py: PyNN's examples/VAbenchmarks.py not found: run scripts/test-pynn "
                 "(it downloads PyNN's source to target/pynn-src) or give --script")
    return found[-1]


def run(script, backend, benchmark):
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, os.path.abspath(script), backend, benchmark], cwd=tmp,
                             capture_output=True, text=True, timeout=1800)
    text = out.stdout + out.stderr
    if out.returncode != 0:
        sys.exit(f"{backend} {benchmark} failed:\n{text[-3000:]}")
    values = {}
    for key, pattern in FIELDS.items():
        m = re.search(pattern, text)
        if not m:
            sys.exit(f"{backend} {benchmark}: no '{key}' in the script's output:\n{text[-2000:]}")
        values[key] = float(m.group(1))
    return values


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--script")
    args = ap.parse_args()
    script = find_script(args.script)
    print(f"script: {script}")
    for benchmark in ("CUBA", "COBA"):
        results = {"nest": [], "cajal": []}
        for _ in range(args.repeats):
            for backend in ("nest", "cajal"):
                results[backend].append(run(script, backend, benchmark))
        med = {b: {k: statistics.median(r[k] for r in rs) for k in FIELDS} for b, rs in results.items()}
        for b in ("nest", "cajal"):
            m = med[b]
            print(f"{benchmark} pyNN.{b:5s}: build {m['build']:.3f} s, simulate {m['simulate']:.3f} s, "
                  f"end to end {m['build'] + m['simulate']:.3f} s; rates E {m['rate_e']:.2f} Hz, I {m['rate_i']:.2f} Hz")
        n, c = med["nest"], med["cajal"]
        print(f"{benchmark} ratios nest/cajal (medians of {args.repeats}): build {n['build'] / c['build']:.1f}x, "
              f"simulate {n['simulate'] / c['simulate']:.1f}x, "
              f"end to end {(n['build'] + n['simulate']) / (c['build'] + c['simulate']):.1f}x")


if __name__ == "__main__":
    main()
