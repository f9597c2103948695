"""The learning tasks of ``cajal learn`` (Diehl & Cook, sym-STDP, LSM, NALSM) from Python: each
runs as the command does, in a process of its own (its Ctrl-C handling and checkpoints as in a
terminal), and its report and learned weights come back as a dict and NumPy arrays.

>>> from cajal import learn
>>> result = learn.run("diehl-cook", train=1000, test=1000)      # doctest: +SKIP
>>> result["report"]["accuracy"], result["weights"]["weights"].shape  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional, Union

import numpy as np

TASKS = ("diehl-cook", "sym-stdp", "lsm", "nalsm")


def _flag(name: str, value: Any, call: str) -> list:
    """A keyword argument as the command's option: ``train=1000`` is ``--train 1000``,
    ``train_only=True`` is ``--train-only``."""
    opt = "--" + name.replace("_", "-")
    if isinstance(value, bool):
        return [opt] if value else []
    if isinstance(value, (int, float, str, os.PathLike, np.integer, np.floating)):
        return [opt, str(value)]
    raise TypeError(f"{call}: {name} must be a number, a string or a path, got {type(value).__name__} {value!r}")


def run(
    task: str,
    *,
    out: Union[str, os.PathLike, None] = None,
    config: Union[str, os.PathLike, None] = None,
    quiet: bool = True,
    **options: Any,
) -> Dict[str, Any]:
    """Runs ``cajal learn TASK`` and returns ``{"report": dict, "weights": dict of arrays or None,
    "out": Path}``: ``report.json``, and ``weights.npz`` (``weights`` inputs x neurons,
    ``theta``, ``assignments``) for ``diehl-cook`` and ``sym-stdp``. ``options`` are the
    command's (``neurons``, ``dataset``, ``data``, ``train``, ``test``, ``label``,
    ``validation``, ``seed``, ``threads``, ``checkpoint_every``, ``resume``, ``train_only``...);
    ``out`` defaults to a temporary folder kept for the caller. A bad option raises ValueError
    with the command's message; Ctrl-C stops the task cleanly (it writes its checkpoint) and
    raises KeyboardInterrupt."""
    call = f"learn.run({task!r})"
    if task not in TASKS:
        raise ValueError(f"{call}: unknown task; the tasks are: {', '.join(TASKS)}")
    folder = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix=f"cajal-learn-{task}-"))
    args = [sys.executable, "-m", "cajal", "learn", task, "--out", str(folder)]
    if config is not None:
        args += ["--config", str(config)]
    for k, v in options.items():
        args += _flag(k, v, call)
    if quiet:
        args.append("-q")
    # a session of its own: a Ctrl-C here reaches it once, forwarded (a second signal would
    # make it quit at once, without its checkpoint)
    child = subprocess.Popen(args, stderr=subprocess.PIPE if quiet else None, text=True,
                             start_new_session=True)
    try:
        _, err = child.communicate()
    except KeyboardInterrupt:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=120)
        finally:
            if child.poll() is None:
                child.kill()
        raise KeyboardInterrupt(
            f"{call}: interrupted; the task wrote its checkpoint: resume with resume=True and "
            f"out={str(folder)!r}"
        ) from None
    err = err or ""
    if child.returncode == 130:
        raise KeyboardInterrupt(f"{call}: interrupted; resume with resume=True and out={str(folder)!r}")
    if child.returncode != 0:
        lines = [x for x in err.splitlines() if x.startswith("error:")]
        message = lines[-1][len("error: "):] if lines else err.strip()[-2000:] or f"exit code {child.returncode}"
        exc = ValueError if child.returncode == 2 else RuntimeError
        raise exc(f"{call}: {message}")
    result: Dict[str, Any] = {"out": folder, "weights": None}
    report = folder / "report.json"
    result["report"] = json.loads(report.read_text()) if report.exists() else None
    weights = folder / "weights.npz"
    if weights.exists():
        with np.load(weights) as z:
            result["weights"] = {k: z[k] for k in z.files}
    return result
