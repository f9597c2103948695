"""The `cajal` command from the Python package (``python -m cajal ...`` or ``cajal ...`` where
the package is installed): the same command as the Rust binary, with one addition: ``cajal
analyze FILE.nwb`` reads the units of an NWB file (through pynwb) and analyses them."""

from __future__ import annotations

import signal
import sys
import tempfile
from pathlib import Path
from typing import List, Optional

import numpy as np

from . import _cajal


def _nwb_to_spike_file(argv: List[str], folder: str) -> List[str]:
    """`analyze X.nwb ...` becomes `analyze X.npz ...` with the window and neuron count of the
    file's Units table (where not given on the command line)."""
    args = list(argv)
    # from the command's own definition, so that a new option cannot be mistaken for a file
    flags_with_value = set(_cajal.flags_with_values("analyze"))
    k = 1
    while k < len(args):
        a = args[k]
        if a in flags_with_value:
            k += 2
            continue
        if a.split("=", 1)[0] in flags_with_value:
            k += 1
            continue
        if a.startswith("-"):
            k += 1
            continue
        if a.endswith(".nwb"):
            from .nwb import read_units

            try:
                u = read_units(a)
            except (ImportError, FileNotFoundError, ValueError) as e:
                print(f"error: {e}", file=sys.stderr)
                raise SystemExit(2)
            npz = Path(folder) / (Path(a).stem + ".npz")
            np.savez(npz, times=u["times"], senders=u["senders"])
            args[k] = str(npz)
            given = {x.split("=", 1)[0] for x in args}
            if "--out" not in given:
                args += ["--out", str(Path(a).with_suffix("")) + "-analysis"]
            if "--neurons" not in given:
                args += ["--neurons", str(u["n"])]
            if "--t-start" not in given:
                args += ["--t-start", repr(u["t_start"])]
            if "--t-stop" not in given:
                args += ["--t-stop", repr(u["t_stop"])]
        k += 1
    return args


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # this process exists for the command: Ctrl-C is the command's (run, resume and learn
    # install their own handling; the others stop at once, as the binary does)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    with tempfile.TemporaryDirectory(prefix="cajal-nwb-") as folder:
        if argv and argv[0] == "analyze":
            argv = _nwb_to_spike_file(argv, folder)
        code = _cajal.cli_main(["cajal", *argv])
    return code


if __name__ == "__main__":
    sys.exit(main())
