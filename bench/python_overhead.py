"""The Python package's overhead: Brunel's network (the default model, 1 s, 2 threads) simulated
from Python (`Network.run`, timed around the call, after the build) against `cajal run`'s own
simulate time (summary.json `wall_s.simulate`), alternating, medians of --repeats; and the time
of `import cajal` in fresh interpreters.

    cargo build --release && pip install . && python bench/python_overhead.py [--repeats 5]
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_simulate(threads):
    code = (
        "import time, cajal\n"
        f"net = cajal.Network.from_toml({str(ROOT / 'examples' / 'brunel_ai.toml')!r}, threads={threads})\n"
        "net.build()\n"
        "t = time.perf_counter(); net.run(1000.0, progress=False); print(time.perf_counter() - t)\n"
    )
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def cli_simulate(threads):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([str(ROOT / "target" / "release" / "cajal"), "run", str(ROOT / "examples" / "brunel_ai.toml"),
                        "--threads", str(threads), "--out", out, "-q", "--no-plot"], check=True)
        return json.loads((Path(out) / "summary.json").read_text())["wall_s"]["simulate"]


def import_time():
    code = "import time; t = time.perf_counter(); import cajal; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    py, cli = [], []
    for _ in range(a.repeats):
        cli.append(cli_simulate(a.threads))
        py.append(python_simulate(a.threads))
    imports = [import_time() for _ in range(a.repeats)]
    mp, mc = statistics.median(py), statistics.median(cli)
    print(f"Brunel 1 s, {a.threads} threads, simulate (medians of {a.repeats}, alternating): "
          f"cajal run {mc:.3f} s, Python {mp:.3f} s, Python / CLI = {mp / mc:.3f}")
    print(f"  CLI: {', '.join(f'{x:.3f}' for x in cli)}")
    print(f"  Python: {', '.join(f'{x:.3f}' for x in py)}")
    print(f"import cajal: median {statistics.median(imports) * 1000:.1f} ms "
          f"({', '.join(f'{x * 1000:.1f}' for x in imports)})")


if __name__ == "__main__":
    main()
