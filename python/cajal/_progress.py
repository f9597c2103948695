"""Progress bars for long runs: tqdm's (terminal or notebook) when installed, else a line on
stderr in terminals; off with ``progress=False``, ``cajal.set_progress(False)`` or the
environment variable ``CAJAL_PROGRESS=0``."""

from __future__ import annotations

import os
import sys
import time
from typing import Optional

_default: Optional[bool] = None

#: Wall seconds before a bar appears (short runs show none).
DELAY_S = 1.0


def set_progress(enabled: Optional[bool]) -> None:
    """Shows progress bars (True), never (False) or where they make sense (None: terminals and
    notebooks)."""
    global _default
    if enabled is not None and not isinstance(enabled, bool):
        raise TypeError(f"set_progress(): enabled must be True, False or None, got {enabled!r}")
    _default = enabled


def _wanted(enabled: Optional[bool]) -> bool:
    if enabled is not None:
        return bool(enabled)
    if _default is not None:
        return _default
    if os.environ.get("CAJAL_PROGRESS", "").strip() in ("0", "false", "no", "off"):
        return False
    if "ipykernel" in sys.modules:
        return True
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


class Progress:
    """A bar over ``total`` ms of simulated time."""

    def __init__(self, total: float, enabled: Optional[bool] = None):
        self.total = total
        self.on = _wanted(enabled) and total > 0
        self.bar = None
        self.start = time.monotonic()
        self.plain = False

    def _open(self) -> None:
        """Opens the bar once the run has taken DELAY_S seconds (short runs show none)."""
        try:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=round(self.total, 6), unit="ms", desc="simulating",
                            leave=False, dynamic_ncols=True)
        except ImportError:
            self.plain = True

    def update(self, done: float) -> None:
        if not self.on:
            return
        if self.bar is None and not self.plain:
            if time.monotonic() - self.start < DELAY_S:
                return
            self._open()
        if self.bar is not None:
            self.bar.n = round(done, 6)
            self.bar.refresh()
        else:
            frac = done / self.total if self.total else 1.0
            sys.stderr.write(f"\rsimulating {done:.1f} / {self.total:.1f} ms ({100 * frac:.0f} %)")
            sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.plain:
            sys.stderr.write("\n")
