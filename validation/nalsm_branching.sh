#!/usr/bin/env bash
# The NALSM liquid (examples/nalsm_liquid.toml) with and without its astrocyte: the descendant
# branching factor of Ivanov & Michmizos (2021) over the last 10 s of each run.
#   static:        no plasticity
#   stdp:          pair STDP with a fixed depression rate (alpha * lambda), no astrocyte
#   astrocyte:     pair STDP with the astrocyte setting the depression rate
# each from two starting couplings (E->E weights 50-150 pA, and 10-30 pA).
# Usage: validation/nalsm_branching.sh [duration ms, default 60000] [cajal binary]
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-60000}
CAJAL=${2:-target/release/cajal}
[ -x "$CAJAL" ] || cargo build --release -p cajal-cli
OUT=$(mktemp -d)
variant() { # name, sed script
  sed -e "$2" examples/nalsm_liquid.toml > "$OUT/$1.toml"
  "$CAJAL" run "$OUT/$1.toml" --out "$OUT/$1" --duration "$T" --save-connectivity -q --no-plot
  "$CAJAL" analyze "$OUT/$1" --t-start $((T - 10000)) --gof 0 --pairs 10 --lz-neurons 1 \
    --lz-surrogates 1 --no-plot -q --connectome "$OUT/$1/connectivity.npz"
  python3 - "$OUT/$1" "$1" <<'PY'
import json, sys
d, name = sys.argv[1], sys.argv[2]
a = json.load(open(d + "/analysis/analysis.json"))
s = json.load(open(d + "/summary.json"))
rates = ", ".join(f"{p['name']} {p['rate_hz']:.2f} Hz" for p in s["populations"])
print(f"{name:22s} branching factor {a['branching_descendants']:.3f}   ({rates})")
PY
}
LOW='s/low = 50.0, high = 150.0/low = 10.0, high = 30.0/'
variant static-strong   '/^\[projection.plasticity\]/,/^astrocyte/d; /^record_weights/d'
variant stdp-strong     '/^astrocyte = "astro"/d'
variant astrocyte-strong ''
variant static-weak     "$LOW; /^\[projection.plasticity\]/,/^astrocyte/d; /^record_weights/d"
variant stdp-weak       "$LOW; /^astrocyte = \"astro\"/d"
variant astrocyte-weak  "$LOW"
rm -rf "$OUT"
